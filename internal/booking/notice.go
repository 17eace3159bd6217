package booking

import (
	"strconv"
	"time"
)

// MinBookingNotice is how soon a session may start when it is booked: the
// booking page offers only times at least this far ahead, says so, and the
// server refuses a booking of a time inside it. One value for both.
const MinBookingNotice = time.Hour

// Bookable reports whether a session starting at start may be booked at now:
// at least MinBookingNotice ahead (exactly the notice is allowed).
func Bookable(start, now time.Time) bool { return !start.Before(now.Add(MinBookingNotice)) }

// NoticeText words MinBookingNotice for people ("1 hour").
func NoticeText() string {
	if MinBookingNotice%time.Hour != 0 {
		return strconv.Itoa(int(MinBookingNotice/time.Minute)) + " minutes"
	}
	if h := int(MinBookingNotice / time.Hour); h != 1 {
		return strconv.Itoa(h) + " hours"
	}
	return "1 hour"
}
