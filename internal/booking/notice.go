package booking

import (
	"strconv"
	"time"
)

// The defaults of Window: how soon a session may start when it is booked,
// and how far ahead times are offered.
const (
	DefaultNotice  = 12 * time.Hour
	DefaultHorizon = 8 * 7 * 24 * time.Hour
)

// Window is when a session may be booked: at least Notice after now and
// less than Horizon after now. The booking page offers only times inside
// it and says so, and the server refuses a booking outside it: one value
// for both, from the configuration (BOOKING_MIN_NOTICE, BOOKING_HORIZON).
// A zero field means its default.
type Window struct {
	Notice, Horizon time.Duration
}

// WithDefaults fills in the zero fields.
func (w Window) WithDefaults() Window {
	if w.Notice <= 0 {
		w.Notice = DefaultNotice
	}
	if w.Horizon <= 0 {
		w.Horizon = DefaultHorizon
	}
	return w
}

// From is the earliest start that may be booked at now.
func (w Window) From(now time.Time) time.Time { return now.Add(w.WithDefaults().Notice) }

// To is the instant from which starts are too far ahead at now.
func (w Window) To(now time.Time) time.Time { return now.Add(w.WithDefaults().Horizon) }

// Bookable reports whether a session starting at start may be booked at
// now: at least Notice ahead (exactly the notice is allowed) and before
// the horizon.
func (w Window) Bookable(start, now time.Time) bool {
	return !start.Before(w.From(now)) && start.Before(w.To(now))
}

// TooSoon reports whether start is inside the notice at now.
func (w Window) TooSoon(start, now time.Time) bool { return start.Before(w.From(now)) }

// NoticeText words the notice for people ("12 hours").
func (w Window) NoticeText() string { return durationText(w.WithDefaults().Notice) }

// HorizonText words the horizon for people ("8 weeks").
func (w Window) HorizonText() string { return durationText(w.WithDefaults().Horizon) }

// durationText words d in the largest whole unit: weeks, days, hours or
// minutes.
func durationText(d time.Duration) string {
	for _, u := range []struct {
		size time.Duration
		name string
	}{{7 * 24 * time.Hour, "week"}, {24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}} {
		if d >= u.size && d%u.size == 0 {
			n := int(d / u.size)
			if n == 1 {
				return "1 " + u.name
			}
			return strconv.Itoa(n) + " " + u.name + "s"
		}
	}
	return d.String()
}
