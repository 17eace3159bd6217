package triage

import (
	"time"
	_ "time/tzdata" // Europe/London must resolve even in a minimal container image
)

// ResponseDays is the unit's target for a first response to a referral, in
// calendar days.
const ResponseDays = 14

// SoonDays is how many days left (or fewer) make a deadline "soon".
const SoonDays = 3

// london is the unit's time zone: calendar days are counted in it.
var london = mustLoadLocation("Europe/London")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot happen
	}
	return loc
}

// Flag is how a referral stands against its response deadline.
type Flag string

// The flags.
const (
	FlagOK      Flag = "ok"      // more than SoonDays days left
	FlagSoon    Flag = "soon"    // SoonDays days or fewer left, including the due day itself
	FlagOverdue Flag = "overdue" // the due day has passed with no response
	FlagMet     Flag = "met"     // a first response has been made
	FlagWaiting Flag = "waiting" // the clock has not started: the trainee has not confirmed
)

var flagLabels = map[Flag]string{
	FlagOK:      "On track",
	FlagSoon:    "Due soon",
	FlagOverdue: "Overdue",
	FlagMet:     "Responded",
	FlagWaiting: "Waiting for the trainee",
}

// Label is the flag as the queue shows it.
func (f Flag) Label() string {
	if l, ok := flagLabels[f]; ok {
		return l
	}
	return string(f)
}

// Deadline is a referral's response deadline as seen at one moment.
type Deadline struct {
	// Due is the last second of the due day, 23:59:59 in Europe/London;
	// zero while the clock has not started.
	Due time.Time
	// DaysLeft is calendar days from today (Europe/London) to the due day:
	// 0 on the due day, negative once it has passed. For FlagMet it is the
	// days that were left on the day of the response (negative if late);
	// for FlagWaiting it is 0.
	DaysLeft int
	// Flag sums the deadline up for the queue.
	Flag Flag
}

// ResponseDeadline is the response deadline for a referral whose clock
// started at start (submitted_at for self-referrals, confirmed_at for the
// third-party routes; zero while not confirmed), with firstResponse the
// first triage response (zero if none yet), as seen at now.
//
// The count is in calendar days in Europe/London, whatever the zones of the
// times passed: the due day is start's London date plus ResponseDays, and
// flags depend only on London dates, so a referral submitted at 23:30 is
// due on the same day as one submitted at 00:30, and the clock changes in
// March and October neither add nor lose a day.
func ResponseDeadline(start, firstResponse, now time.Time) Deadline {
	if start.IsZero() {
		if !firstResponse.IsZero() {
			return Deadline{Flag: FlagMet}
		}
		return Deadline{Flag: FlagWaiting}
	}
	y, m, d := start.In(london).Date()
	due := time.Date(y, m, d+ResponseDays, 23, 59, 59, 0, london)
	if !firstResponse.IsZero() {
		return Deadline{Due: due, DaysLeft: daysBetween(firstResponse, due), Flag: FlagMet}
	}
	left := daysBetween(now, due)
	flag := FlagOK
	switch {
	case left < 0:
		flag = FlagOverdue
	case left <= SoonDays:
		flag = FlagSoon
	}
	return Deadline{Due: due, DaysLeft: left, Flag: flag}
}

// daysBetween counts calendar days from a's London date to b's.
func daysBetween(a, b time.Time) int {
	return int(londonDay(b).Sub(londonDay(a)).Hours() / 24)
}

// londonDay is t's London date as midnight UTC, so that subtracting two of
// them gives whole days of exactly 24 hours.
func londonDay(t time.Time) time.Time {
	y, m, d := t.In(london).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
