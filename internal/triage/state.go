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
)

// Actions lists every action in the order pages show their buttons: the
// step that moves the referral forward first, ending it last.
var Actions = []Action{
	ActionConfirm, ActionAccept, ActionRequestInfo, ActionDecline, ActionInfoAnswered,
	ActionAllocate, ActionStart, ActionReallocate, ActionClose, ActionWithdraw, ActionReopen,
}

var actionLabels = map[Action]string{
	ActionConfirm:      "Confirm the referral",
	ActionAccept:       "Accept",
	ActionRequestInfo:  "Ask for more information",
	ActionDecline:      "Decline",
	ActionInfoAnswered: "Record the trainee's answer",
	ActionAllocate:     "Allocate a coach",
	ActionStart:        "Mark as active",
	ActionReallocate:   "Move to another coach",
	ActionClose:        "Close",
	ActionWithdraw:     "Withdraw",
	ActionReopen:       "Reopen",
}

// actionSentence is the action as it reads after "cannot".
var actionSentence = map[Action]string{
	ActionConfirm:      "be confirmed",
	ActionAccept:       "be accepted",
	ActionRequestInfo:  "have more information requested",
	ActionDecline:      "be declined",
	ActionInfoAnswered: "take an answer to a question",
	ActionAllocate:     "be allocated",
	ActionStart:        "be marked as active",
	ActionReallocate:   "be moved to another coach",
	ActionClose:        "be closed",
	ActionWithdraw:     "be withdrawn",
	ActionReopen:       "be reopened",
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
//   - Reopen always lands on accepted, whatever came before: a PSU lead
//     reopens so that more work can happen, and accepted is where a
//     coordinator allocates a coach (the same one or another). The
//     allowance is whatever the ledger holds; a lead adds sessions through
//     an extension. Reopening a referral that was declined or never
//     confirmed is therefore also the lead's decision to accept it.
var transitions = []struct {
	From   State
	Action Action
	To     State
}{
	{StateAwaitingTrainee, ActionConfirm, StateNew},
	{StateAwaitingTrainee, ActionClose, StateClosed},
	{StateAwaitingTrainee, ActionWithdraw, StateWithdrawn},

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

	{StateClosed, ActionReopen, StateAccepted},
	{StateWithdrawn, ActionReopen, StateAccepted},
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
func Next(from State, a Action) (State, error) {
	for _, t := range transitions {
		if t.From == from && t.Action == a {
			return t.To, nil
		}
	}
	return "", &IllegalError{From: from, Action: a}
}

// Allowed lists the actions state from allows, in the order of Actions (the
// order pages show buttons in). Who may do each is a question for the
// access rules, not for this list.
func Allowed(from State) []Action {
	var out []Action
	for _, a := range Actions {
		if _, err := Next(from, a); err == nil {
			out = append(out, a)
		}
	}
	return out
}
