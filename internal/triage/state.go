// Package triage holds the rules coordinators and PSU leads work by once a
// referral is in: the referral's states and the actions that move it between
// them, closure outcomes and decline signposts, the 14-day response
// deadline, the allowance ledger, and the coach suggestion. It has no I/O
// and imports nothing of ours, so the store, the handlers and the jobs all
// apply one set of rules, and the database's own checks mirror them.
package triage

import (
	"errors"
	"fmt"
	"slices"
)

// State is where a referral is in its life; the values are the ones the
// referrals.status column allows.
type State string

// The states.
const (
	// StateAwaitingTrainee: a third-party referral the trainee has not yet
	// confirmed; it does not enter triage until they do.
	StateAwaitingTrainee State = "awaiting_trainee"
	// StateNew: in the coordinators' queue, waiting for a triage decision.
	StateNew State = "new"
	// StateInfoRequested: a coordinator has asked the trainee a question.
	StateInfoRequested State = "info_requested"
	// StateAccepted: accepted, waiting for a coach and an allowance.
	StateAccepted State = "accepted"
	// StateAllocated: a coach and an allowance are set; no session yet.
	StateAllocated State = "allocated"
	// StateActive: sessions have begun.
	StateActive State = "active"
	// StateClosed: finished, declined, or closed unconfirmed.
	StateClosed State = "closed"
	// StateWithdrawn: the trainee withdrew.
	StateWithdrawn State = "withdrawn"
)

// States lists every state in the order a referral usually passes through
// them (queue filters and counts use this order).
var States = []State{
	StateAwaitingTrainee, StateNew, StateInfoRequested, StateAccepted,
	StateAllocated, StateActive, StateClosed, StateWithdrawn,
}

var stateLabels = map[State]string{
	StateAwaitingTrainee: "Waiting for the trainee",
	StateNew:             "New",
	StateInfoRequested:   "Information requested",
	StateAccepted:        "Accepted",
	StateAllocated:       "Allocated",
	StateActive:          "Active",
	StateClosed:          "Closed",
	StateWithdrawn:       "Withdrawn",
}

// stateSentence is the state as it reads after "A referral that is".
var stateSentence = map[State]string{
	StateAwaitingTrainee: "waiting for the trainee to confirm it",
	StateNew:             "new",
	StateInfoRequested:   "waiting for more information",
	StateAccepted:        "accepted",
	StateAllocated:       "allocated to a coach",
	StateActive:          "active",
	StateClosed:          "closed",
	StateWithdrawn:       "withdrawn",
}

// Label is the state's name for people; an unknown value shows as itself.
func (s State) Label() string {
	if l, ok := stateLabels[s]; ok {
		return l
	}
	return string(s)
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// IsOpen reports whether a referral in state s is still being worked on
// (every state but closed and withdrawn).
func IsOpen(s State) bool { return s.Valid() && s != StateClosed && s != StateWithdrawn }

// Action is something a person does to a referral that may change its state.
type Action string

// The actions.
const (
	// ActionConfirm: the trainee confirms a third-party referral.
	ActionConfirm Action = "confirm"
	// ActionAccept: a coordinator accepts the referral.
	ActionAccept Action = "accept"
	// ActionRequestInfo: a coordinator asks the trainee for more information.
	ActionRequestInfo Action = "request_info"
	// ActionDecline: a coordinator declines, with a reason and a signpost.
	ActionDecline Action = "decline"
	// ActionInfoAnswered: the trainee answers the coordinator's question.
	ActionInfoAnswered Action = "info_answered"
	// ActionAllocate: a coordinator sets the coach and initial allowance.
	ActionAllocate Action = "allocate"
	// ActionStart: the first session is booked or held.
	ActionStart Action = "start"
	// ActionReallocate: a coordinator moves the referral to another coach,
	// keeping its history and remaining allowance.
	ActionReallocate Action = "reallocate"
	// ActionClose: a coordinator closes the referral with an outcome.
	ActionClose Action = "close"
	// ActionWithdraw: the trainee withdraws (or a coordinator records it).
	ActionWithdraw Action = "withdraw"
	// ActionReopen: a PSU lead reopens a finished referral, with a reason.
	ActionReopen Action = "reopen"
	// ActionTraineeDecline: the trainee says "No thanks" to a referral
	// someone else made, from their confirmation link.
	ActionTraineeDecline Action = "trainee_decline"
)

// Actions lists every action in the order pages show their buttons: the
// step that moves the referral forward first, ending it last.
var Actions = []Action{
	ActionConfirm, ActionAccept, ActionRequestInfo, ActionDecline, ActionInfoAnswered,
	ActionAllocate, ActionStart, ActionReallocate, ActionClose, ActionWithdraw, ActionReopen, ActionTraineeDecline,
}

var actionLabels = map[Action]string{
	ActionConfirm:        "Confirm the referral",
	ActionAccept:         "Accept",
	ActionRequestInfo:    "Ask for more information",
	ActionDecline:        "Decline",
	ActionInfoAnswered:   "Record the trainee's answer",
	ActionAllocate:       "Allocate a coach",
	ActionStart:          "Mark as active",
	ActionReallocate:     "Move to another coach",
	ActionClose:          "Close",
	ActionWithdraw:       "Withdraw",
	ActionReopen:         "Reopen",
	ActionTraineeDecline: "No thanks",
}

// actionSentence is the action as it reads after "cannot".
var actionSentence = map[Action]string{
	ActionConfirm:        "be confirmed",
	ActionAccept:         "be accepted",
	ActionRequestInfo:    "have more information requested",
	ActionDecline:        "be declined",
	ActionInfoAnswered:   "take an answer to a question",
	ActionAllocate:       "be allocated",
	ActionStart:          "be marked as active",
	ActionReallocate:     "be moved to another coach",
	ActionClose:          "be closed",
	ActionWithdraw:       "be withdrawn",
	ActionReopen:         "be reopened",
	ActionTraineeDecline: "be declined by the trainee",
}

// Label is the action as a button or timeline entry reads; an unknown value
// shows as itself.
func (a Action) Label() string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return string(a)
}

// Valid reports whether a is a known action.
func (a Action) Valid() bool { return slices.Contains(Actions, a) }

// FirstResponse reports whether a is a triage response that stops the 14-day
// response clock: accepting, declining or asking for more information.
func FirstResponse(a Action) bool {
	return a == ActionAccept || a == ActionDecline || a == ActionRequestInfo
}

// transitions is the whole state machine; anything not listed is refused.
//
// Why it is shaped like this:
//   - A third-party referral enters triage only when the trainee confirms
//     it; until then a coordinator may close it (chased without reply) and
//     the trainee may withdraw it.
//   - Triage is accept, decline or ask for more information, from new or
//     while a question is outstanding (the coordinator need not wait for
//     the answer). A decline closes the referral; it is the only way to
//     end a referral nobody has accepted, so it always carries a reason.
//   - Only one question is outstanding at a time: asking again while
//     waiting is refused, so the answer always belongs to one question.
//   - Reallocating keeps the state: an allocated referral stays allocated,
//     an active one stays active, and the ledger carries over untouched.
//   - "start" happens once, when the first session is booked or held;
//     later sessions do not change the state.
//   - Close (with an outcome) is for accepted work and for unconfirmed
//     referrals; withdraw is open to the trainee from every open state.
//   - Reopen restores the referral to where it can carry on, with the
//     allowance it had: allocated to its coach if it had one, active if
//     sessions had begun, accepted only if it never had a coach (so a
//     coordinator allocates one and the initial allowance for the first
//     time). It never lands where a coordinator would grant a second
//     initial allowance; more sessions come only through an extension a
//     PSU lead approves. Because the target depends on that history, Next
//     refuses reopen and Reopen decides it (the table below says only
//     which states may be reopened). Reopening a referral that was
//     declined or never confirmed is also the lead's decision to accept it.
var transitions = []struct {
	From   State
	Action Action
	To     State
}{
	{StateAwaitingTrainee, ActionConfirm, StateNew},
	{StateAwaitingTrainee, ActionClose, StateClosed},
	{StateAwaitingTrainee, ActionWithdraw, StateWithdrawn},
	{StateAwaitingTrainee, ActionTraineeDecline, StateClosed},

	{StateNew, ActionAccept, StateAccepted},
	{StateNew, ActionRequestInfo, StateInfoRequested},
	{StateNew, ActionDecline, StateClosed},
	{StateNew, ActionWithdraw, StateWithdrawn},

	{StateInfoRequested, ActionAccept, StateAccepted},
	{StateInfoRequested, ActionDecline, StateClosed},
	{StateInfoRequested, ActionInfoAnswered, StateNew},
	{StateInfoRequested, ActionWithdraw, StateWithdrawn},

	{StateAccepted, ActionAllocate, StateAllocated},
	{StateAccepted, ActionClose, StateClosed},
	{StateAccepted, ActionWithdraw, StateWithdrawn},

	{StateAllocated, ActionStart, StateActive},
	{StateAllocated, ActionReallocate, StateAllocated},
	{StateAllocated, ActionClose, StateClosed},
	{StateAllocated, ActionWithdraw, StateWithdrawn},

	{StateActive, ActionReallocate, StateActive},
	{StateActive, ActionClose, StateClosed},
	{StateActive, ActionWithdraw, StateWithdrawn},

	{StateClosed, ActionReopen, stateResumed},
	{StateWithdrawn, ActionReopen, stateResumed},
}

// stateResumed marks the reopen transitions: where they land is decided by
// Reopen from the referral's history, not by the table.
const stateResumed State = "(resumed)"

// ErrReopenNeedsHistory is Next's answer for reopen on a state that may be
// reopened: where it lands depends on the referral's history, so call Reopen.
var ErrReopenNeedsHistory = errors.New("triage: reopening depends on the referral's history: use Reopen")

// History is what a reopened referral had when it finished.
type History struct {
	// Coach: a coach was allocated (and with it the initial allowance).
	Coach bool
	// Started: sessions had begun (one was ever booked).
	Started bool
}

// Reopen is the state a finished referral carries on from when a PSU lead
// reopens it: active with its coach if sessions had begun, allocated to its
// coach if it had one, accepted if it never had a coach. From any other
// state it returns an *IllegalError wrapping ErrIllegal.
func Reopen(from State, h History) (State, error) {
	if _, ok := permitted(from, ActionReopen); !ok {
		return "", &IllegalError{From: from, Action: ActionReopen}
	}
	switch {
	case h.Coach && h.Started:
		return StateActive, nil
	case h.Coach:
		return StateAllocated, nil
	default:
		return StateAccepted, nil
	}
}

// InitialGrant is how many sessions an allocation adds to a referral whose
// ledger is l when the coordinator chose asked: the initial allowance is
// granted once in a referral's life. A referral that already had it (one
// reopened before this rule, or allocated again by any route) keeps what it
// has and gets more only through an extension a PSU lead approves.
func InitialGrant(l Ledger, asked int) int {
	if l.Granted > 0 {
		return 0
	}
	return asked
}

// ErrIllegal is wrapped by every error Next returns: the action is not
// allowed in the referral's state (handlers answer 409).
var ErrIllegal = errors.New("triage: action not allowed in this state")

// IllegalError is the error Next returns; its message is a plain-English
// sentence safe to show people, and errors.Is(err, ErrIllegal) holds.
type IllegalError struct {
	From   State
	Action Action
}

// Error says, for people, which action the state refuses.
func (e *IllegalError) Error() string {
	state, ok := stateSentence[e.From]
	if !ok {
		state = fmt.Sprintf("in the unknown state %q", string(e.From))
	}
	action, ok := actionSentence[e.Action]
	if !ok {
		action = fmt.Sprintf("take the unknown action %q", string(e.Action))
	}
	return "A referral that is " + state + " cannot " + action
}

// Unwrap makes errors.Is(err, ErrIllegal) true.
func (e *IllegalError) Unwrap() error { return ErrIllegal }

// Next is the state a referral in state from moves to when a is done; when
// from does not allow a it returns "" and an *IllegalError wrapping
// ErrIllegal.
//
// Reopen is decided by Reopen: for a state that may be reopened Next
// returns ErrReopenNeedsHistory.
func Next(from State, a Action) (State, error) {
	to, ok := permitted(from, a)
	switch {
	case !ok:
		return "", &IllegalError{From: from, Action: a}
	case to == stateResumed:
		return "", ErrReopenNeedsHistory
	}
	return to, nil
}

// permitted looks the pair up in the table.
func permitted(from State, a Action) (State, bool) {
	for _, t := range transitions {
		if t.From == from && t.Action == a {
			return t.To, true
		}
	}
	return "", false
}

// Allowed lists the actions state from allows, in the order of Actions (the
// order pages show buttons in). Who may do each is a question for the
// access rules, not for this list.
func Allowed(from State) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := permitted(from, a); ok {
			out = append(out, a)
		}
	}
	return out
}
