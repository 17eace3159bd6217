package booking

import "time"

// NoticePeriod is how long before an appointment's start a trainee can still
// cancel or rearrange it with no loss. It is real elapsed time, so across a
// clock change "24 hours before" is not "the same wall-clock time the day
// before".
const NoticePeriod = 24 * time.Hour

// Who is whose change an appointment change is: the party it is made by or
// on behalf of, not whoever pressed the button.
type Who string

// The parties that can change an appointment. A coordinator who cancels
// because the trainee asked passes WhoTrainee; WhoCoordinator and WhoLead
// mean the unit cancelled (for itself or for the coach), which, like a
// coach's cancellation, never costs the trainee a session.
const (
	WhoTrainee     Who = "trainee"
	WhoCoach       Who = "coach"
	WhoCoordinator Who = "coordinator"
	WhoLead        Who = "lead"
)

// Valid reports whether w is a known party.
func (w Who) Valid() bool {
	switch w {
	case WhoTrainee, WhoCoach, WhoCoordinator, WhoLead:
		return true
	}
	return false
}

// Change is what is done to a booked appointment.
type Change string

// The changes. A rearrangement is a cancellation under the same rule plus a
// new booking, which the caller makes (and which needs a session of its
// own, see Book).
const (
	ChangeCancel    Change = "cancel"
	ChangeRearrange Change = "rearrange"
)

// Valid reports whether c is a known change.
func (c Change) Valid() bool { return c == ChangeCancel || c == ChangeRearrange }

// The ledger kinds this package writes; they are the values of the
// allowance_events.kind column (and of package triage's LedgerKind).
const (
	KindBooked    = "booked"    // a session booked: one more used
	KindReleased  = "released"  // a booking given back: one fewer used
	KindAttended  = "attended"  // the session took place: changes nothing
	KindForfeited = "forfeited" // a session lost: one more used
	KindWaived    = "waived"    // a forfeit let off: one fewer used
)

// LedgerStep is one allowance event to record, in order.
type LedgerStep struct {
	Kind     string
	Sessions int
}

// CancelDecision is what the 24-hour rule says about one change.
//
// How the ledger carries it: booking already recorded "booked" 1, so the
// session is in use. A change in time, or by the coach or unit, records
// "released" 1 and the session is back. A late change records "released" 1
// then "forfeited" 1: the net effect is that the session stays used, but
// the history says plainly that the booking ended and a session was lost,
// and a later Waive ("waived" 1) gives it back. Released comes first on
// purpose: the database checks after every event that no more sessions are
// used than granted, and forfeiting before releasing would break that check
// for a trainee whose booking used their last session.
type CancelDecision struct {
	// TooLate is set once the appointment has started: it can no longer be
	// cancelled or rearranged, only recorded as attended or not attended.
	// Ledger is then empty.
	TooLate bool
	// Late is set for a trainee's change less than NoticePeriod before the start.
	Late bool
	// ReasonRequired is set when the trainee must say why (a late change).
	ReasonRequired bool
	// Forfeit is set when the change costs the trainee a session (unless waived).
	Forfeit bool
	// Ledger is the events to record for the appointment being given up; a
	// rearrangement's new booking is recorded separately (see Book).
	Ledger []LedgerStep
	// Explanation says in plain English what happened and why, fit to show.
	Explanation string
}

// Cancel applies the 24-hour rule to cancelling or rearranging an
// appointment that starts at start, at the moment now, on behalf of by.
// A change is in time when start.Sub(now) >= NoticePeriod, so exactly 24
// hours before is still in time. It is possible only strictly before the
// start: from the start time on, the appointment is TooLate. An unknown by
// is treated as the trainee, whose rule is the strict one, and an unknown
// change as a cancellation.
func Cancel(start, now time.Time, by Who, change Change) CancelDecision {
	if !now.Before(start) {
		return CancelDecision{
			TooLate: true,
			Explanation: "This appointment has already started, so it can no longer be cancelled or rearranged. " +
				"Record it as attended or not attended instead.",
		}
	}
	verb, rebook := "Cancelled", ""
	if change == ChangeRearrange {
		verb, rebook = "Rearranged", " The new time is booked as a new appointment."
	}
	switch {
	case by == WhoCoach || by == WhoCoordinator || by == WhoLead:
		who := "the coach"
		if by != WhoCoach {
			who = "the careers support unit"
		}
		return CancelDecision{
			Ledger: released(),
			Explanation: verb + " by " + who + ", so the trainee does not lose a session: " +
				"the booking is released and the session goes back to their allowance." + rebook,
		}
	case start.Sub(now) >= NoticePeriod:
		return CancelDecision{
			Ledger: released(),
			Explanation: verb + " at least 24 hours before the start, so no session is lost: " +
				"the booking is released and the session goes back to the allowance." + rebook,
		}
	}
	if rebook != "" {
		rebook = " The new time is booked as a new appointment and needs a session from what is left of the allowance."
	}
	return CancelDecision{
		Late:           true,
		ReasonRequired: true,
		Forfeit:        true,
		Ledger:         forfeited(),
		Explanation: verb + " less than 24 hours before the start, so this is a late cancellation. " +
			"A reason is needed, and the booked session counts as used (forfeited) " +
			"unless a coordinator or PSU lead waives it." + rebook,
	}
}

// Book is the ledger for booking an appointment: one session used.
func Book() []LedgerStep { return []LedgerStep{{KindBooked, 1}} }

// Attended is the ledger for a session that took place. It is informational:
// the session was already used when it was booked.
func Attended() []LedgerStep { return []LedgerStep{{KindAttended, 1}} }

// NoShow is the ledger for a session the trainee did not attend. It counts
// as used, like a late cancellation, and is recorded the same way
// ("released" then "forfeited", net no change) so that the history shows a
// forfeit that a coordinator or PSU lead can waive.
func NoShow() []LedgerStep { return forfeited() }

// Waive is the ledger for letting a trainee off one forfeit (a late
// cancellation or a no-show): the session goes back to the allowance. The
// caller checks there is an unwaived forfeit to let off.
func Waive() []LedgerStep { return []LedgerStep{{KindWaived, 1}} }

func released() []LedgerStep { return []LedgerStep{{KindReleased, 1}} }

func forfeited() []LedgerStep {
	return []LedgerStep{{KindReleased, 1}, {KindForfeited, 1}}
}
