package workshops

import (
	"time"
)

// The timings of registering and of the waiting list's offers. They are
// constants rather than settings: the unit asked for "24 hours, shorter
// when the event is close", and the rest follows from that.
const (
	// ConfirmLinkTTL is how long the emailed "confirm your email" link of
	// a registration works.
	ConfirmLinkTTL = 24 * time.Hour
	// OfferWindow is how long a person first on the waiting list has to
	// accept a freed place, when the event is far enough away.
	OfferWindow = 24 * time.Hour
	// NoOffersWithin: a place freed closer than this to the start is not
	// offered (nobody could reasonably answer in time): it goes straight
	// to the next person waiting, who is emailed their place.
	NoOffersWithin = 2 * time.Hour
	// PlaceLinkAfterEnd is how long after the event the links to a
	// registrant's place (in the emails) keep working: long enough for
	// feedback and the certificate.
	PlaceLinkAfterEnd = 60 * 24 * time.Hour
)

// ReminderOffsets are how long before the start the two reminders go to
// people with a place, each once (the reminded column holds their names).
var ReminderOffsets = []struct {
	Name   string
	Before time.Duration
}{{"2d", 48 * time.Hour}, {"2h", 2 * time.Hour}}

// OfferExpiry is when an offer of a place made at now for an event starting
// at start runs out: OfferWindow, but at most half the time left to the
// start. ok is false when no offer should be made (the start is less than
// NoOffersWithin away, or past).
func OfferExpiry(now, start time.Time) (expires time.Time, ok bool) {
	left := start.Sub(now)
	if left < NoOffersWithin {
		return time.Time{}, false
	}
	d := OfferWindow
	if half := left / 2; half < d {
		d = half
	}
	return now.Add(d).Truncate(time.Minute), true
}

// LinkExpiry is when a registrant's emailed link to their place stops
// working, for an event ending at end.
func LinkExpiry(end time.Time) time.Time { return end.Add(PlaceLinkAfterEnd) }

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// When is an event's date and time in UK time, as the pages and emails
// write it: "Tuesday 12 January 2027, 6pm to 7:30pm".
func When(start, end time.Time) string {
	s, e := start.In(london), end.In(london)
	w := s.Format("Monday 2 January 2006, ") + clock(s) + " to " + clock(e)
	if s.YearDay() != e.YearDay() || s.Year() != e.Year() {
		w = s.Format("Monday 2 January 2006, ") + clock(s) + " to " + e.Format("Monday 2 January 2006, ") + clock(e)
	}
	return w
}

// At is one moment in UK time: "Tuesday 12 January 2027 at 6pm".
func At(t time.Time) string {
	l := t.In(london)
	return l.Format("Monday 2 January 2006") + " at " + clock(l)
}

func clock(t time.Time) string {
	if t.Minute() == 0 {
		return t.Format("3pm")
	}
	return t.Format("3:04pm")
}

// ModeLabel is how a page names a mode.
func ModeLabel(mode string) string {
	if mode == ModeInPerson {
		return "In person"
	}
	return "Online"
}

// StatusLabel is how the registrant's pages name a registration's status.
func StatusLabel(status string) string {
	switch status {
	case Unconfirmed:
		return "Email not confirmed yet"
	case Placed:
		return "You have a place"
	case Waiting:
		return "On the waiting list"
	case Offered:
		return "Offered a place"
	case Cancelled:
		return "Cancelled"
	case Declined:
		return "Offer declined"
	case Lapsed:
		return "Offer ran out"
	case Removed:
		return "Removed by the team"
	}
	return status
}

// CanCancel reports whether a registration in status may be cancelled by
// its person at now, for an event starting at start: anything still live,
// before the start.
func CanCancel(status string, now, start time.Time) bool {
	return now.Before(start) && (status == Unconfirmed || status == Placed || status == Waiting || status == Offered)
}

// CanReregister reports whether a person whose registration is in status
// may register again (the row is reused).
func CanReregister(status string) bool {
	return status == Cancelled || status == Declined || status == Lapsed
}
