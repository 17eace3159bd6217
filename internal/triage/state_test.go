package triage_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"careers/internal/triage"
)

// Short names so the table below reads as a grid.
const (
	awaiting = triage.StateAwaitingTrainee
	newS     = triage.StateNew
	info     = triage.StateInfoRequested
	accepted = triage.StateAccepted
	alloc    = triage.StateAllocated
	active   = triage.StateActive
	closed   = triage.StateClosed
	withdr   = triage.StateWithdrawn
	illegal  = triage.State("")        // the action is refused
	resumes  = triage.State("resumes") // reopen: Reopen decides from the history
)

// TestNextEveryStateEveryAction is the state machine written out in full:
// one row per state, one column per action, so every pair is decided here
// and nowhere else by accident.
func TestNextEveryStateEveryAction(t *testing.T) {
	actions := []triage.Action{
		triage.ActionConfirm, triage.ActionAccept, triage.ActionRequestInfo, triage.ActionDecline,
		triage.ActionInfoAnswered, triage.ActionAllocate, triage.ActionStart, triage.ActionReallocate,
		triage.ActionClose, triage.ActionWithdraw, triage.ActionReopen, triage.ActionTraineeDecline,
	}
	want := map[triage.State][]triage.State{
		//         confirm  accept    req_info decline  answered alloc    start    realloc  close    withdraw reopen   no thanks
		awaiting: {newS, illegal, illegal, illegal, illegal, illegal, illegal, illegal, closed, withdr, illegal, closed},
		newS:     {illegal, accepted, info, closed, illegal, illegal, illegal, illegal, illegal, withdr, illegal, illegal},
		info:     {illegal, accepted, illegal, closed, newS, illegal, illegal, illegal, illegal, withdr, illegal, illegal},
		accepted: {illegal, illegal, illegal, illegal, illegal, alloc, illegal, illegal, closed, withdr, illegal, illegal},
		alloc:    {illegal, illegal, illegal, illegal, illegal, illegal, active, alloc, closed, withdr, illegal, illegal},
		active:   {illegal, illegal, illegal, illegal, illegal, illegal, illegal, active, closed, withdr, illegal, illegal},
		closed:   {illegal, illegal, illegal, illegal, illegal, illegal, illegal, illegal, illegal, illegal, resumes, illegal},
		withdr:   {illegal, illegal, illegal, illegal, illegal, illegal, illegal, illegal, illegal, illegal, resumes, illegal},
	}
	if !slices.Equal(actions, triage.Actions) {
		t.Fatalf("the table's columns %q are not triage.Actions %q", actions, triage.Actions)
	}
	if len(want) != len(triage.States) {
		t.Fatalf("the table has %d rows, want one per state (%d)", len(want), len(triage.States))
	}
	for _, from := range triage.States {
		row, ok := want[from]
		if !ok {
			t.Fatalf("no row for state %q", from)
		}
		for i, a := range actions {
			t.Run(fmt.Sprintf("%s/%s", from, a), func(t *testing.T) {
				got, err := triage.Next(from, a)
				if row[i] == illegal {
					if err == nil {
						t.Fatalf("Next = %q, want it refused", got)
					}
					checkIllegal(t, err, from, a)
					if got != "" {
						t.Errorf("refused Next returned state %q, want \"\"", got)
					}
					return
				}
				if row[i] == resumes {
					if !errors.Is(err, triage.ErrReopenNeedsHistory) || got != "" {
						t.Fatalf("Next = %q, %v; want ErrReopenNeedsHistory (Reopen decides)", got, err)
					}
					return
				}
				if err != nil || got != row[i] {
					t.Fatalf("Next = %q, %v; want %q", got, err, row[i])
				}
			})
		}
	}
}

// checkIllegal: a refusal wraps ErrIllegal, carries the state and action,
// and says both in plain English.
func checkIllegal(t *testing.T, err error, from triage.State, a triage.Action) {
	t.Helper()
	if !errors.Is(err, triage.ErrIllegal) {
		t.Errorf("error %v does not wrap ErrIllegal", err)
	}
	var ie *triage.IllegalError
	if !errors.As(err, &ie) || ie.From != from || ie.Action != a {
		t.Errorf("error %#v is not an IllegalError for %q/%q", err, from, a)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "A referral that is ") || strings.Contains(msg, "_") || strings.Contains(msg, "triage") {
		t.Errorf("message %q is not a plain sentence", msg)
	}
}

func TestIllegalMessages(t *testing.T) {
	cases := []struct {
		from triage.State
		a    triage.Action
		want string
	}{
		{closed, triage.ActionAllocate, "A referral that is closed cannot be allocated"},
		{awaiting, triage.ActionAccept, "A referral that is waiting for the trainee to confirm it cannot be accepted"},
		{newS, triage.ActionInfoAnswered, "A referral that is new cannot take an answer to a question"},
		{info, triage.ActionRequestInfo, "A referral that is waiting for more information cannot have more information requested"},
		{accepted, triage.ActionReallocate, "A referral that is accepted cannot be moved to another coach"},
		{withdr, triage.ActionWithdraw, "A referral that is withdrawn cannot be withdrawn"},
		{"archived", triage.ActionClose, `A referral that is in the unknown state "archived" cannot be closed`},
		{newS, "merge", `A referral that is new cannot take the unknown action "merge"`},
	}
	for _, c := range cases {
		_, err := triage.Next(c.from, c.a)
		if err == nil || err.Error() != c.want {
			t.Errorf("Next(%q, %q) error = %v, want %q", c.from, c.a, err, c.want)
		}
		if !errors.Is(err, triage.ErrIllegal) {
			t.Errorf("Next(%q, %q) error does not wrap ErrIllegal", c.from, c.a)
		}
	}
}

// TestStatesMatchDatabase keeps States to the values referrals.status allows
// (migrations/00002), in the same order.
func TestStatesMatchDatabase(t *testing.T) {
	db := []triage.State{"awaiting_trainee", "new", "info_requested", "accepted", "allocated", "active", "closed", "withdrawn"}
	if !slices.Equal(triage.States, db) {
		t.Fatalf("States = %q, want %q", triage.States, db)
	}
}

func TestLabelsAndValid(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range triage.States {
		if !s.Valid() || s.Label() == "" || s.Label() == string(s) || seen[s.Label()] {
			t.Errorf("state %q: Valid %v, label %q (want valid, a distinct label of its own)", s, s.Valid(), s.Label())
		}
		seen[s.Label()] = true
	}
	seen = map[string]bool{}
	for _, a := range triage.Actions {
		if !a.Valid() || a.Label() == "" || a.Label() == string(a) || seen[a.Label()] {
			t.Errorf("action %q: Valid %v, label %q (want valid, a distinct label of its own)", a, a.Valid(), a.Label())
		}
		seen[a.Label()] = true
	}
	if triage.State("archived").Valid() || triage.State("archived").Label() != "archived" {
		t.Error("an unknown state is valid, or does not show as itself")
	}
	if triage.Action("merge").Valid() || triage.Action("merge").Label() != "merge" {
		t.Error("an unknown action is valid, or does not show as itself")
	}
}

func TestIsOpen(t *testing.T) {
	for _, s := range triage.States {
		want := s != closed && s != withdr
		if got := triage.IsOpen(s); got != want {
			t.Errorf("IsOpen(%q) = %v, want %v", s, got, want)
		}
	}
	if triage.IsOpen("archived") {
		t.Error("IsOpen of an unknown state is true")
	}
}

func TestFirstResponse(t *testing.T) {
	want := []triage.Action{triage.ActionAccept, triage.ActionRequestInfo, triage.ActionDecline}
	var got []triage.Action
	for _, a := range triage.Actions {
		if triage.FirstResponse(a) {
			got = append(got, a)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("first-response actions = %q, want %q", got, want)
	}
	// Every first response must be possible from new, or the clock could
	// never be stopped.
	for _, a := range want {
		if _, err := triage.Next(newS, a); err != nil {
			t.Errorf("first response %q refused from new: %v", a, err)
		}
	}
}

func TestAllowed(t *testing.T) {
	cases := []struct {
		from triage.State
		want []triage.Action
	}{
		{awaiting, []triage.Action{triage.ActionConfirm, triage.ActionClose, triage.ActionWithdraw, triage.ActionTraineeDecline}},
		{newS, []triage.Action{triage.ActionAccept, triage.ActionRequestInfo, triage.ActionDecline, triage.ActionWithdraw}},
		{info, []triage.Action{triage.ActionAccept, triage.ActionDecline, triage.ActionInfoAnswered, triage.ActionWithdraw}},
		{accepted, []triage.Action{triage.ActionAllocate, triage.ActionClose, triage.ActionWithdraw}},
		{alloc, []triage.Action{triage.ActionStart, triage.ActionReallocate, triage.ActionClose, triage.ActionWithdraw}},
		{active, []triage.Action{triage.ActionReallocate, triage.ActionClose, triage.ActionWithdraw}},
		{closed, []triage.Action{triage.ActionReopen}},
		{withdr, []triage.Action{triage.ActionReopen}},
		{"archived", nil},
	}
	for _, c := range cases {
		if got := triage.Allowed(c.from); !slices.Equal(got, c.want) {
			t.Errorf("Allowed(%q) = %q, want %q", c.from, got, c.want)
		}
	}
}

// TestEveryStateReachable: from a new third-party referral every state can
// be reached, and every open state can still be ended.
func TestEveryStateReachable(t *testing.T) {
	seen := map[triage.State]bool{awaiting: true}
	todo := []triage.State{awaiting}
	for len(todo) > 0 {
		s := todo[0]
		todo = todo[1:]
		for _, a := range triage.Allowed(s) {
			to, _ := triage.Next(s, a)
			if !seen[to] {
				seen[to] = true
				todo = append(todo, to)
			}
		}
	}
	for _, s := range triage.States {
		if !seen[s] {
			t.Errorf("state %q cannot be reached", s)
		}
		if triage.IsOpen(s) && !slices.Contains(triage.Allowed(s), triage.ActionWithdraw) {
			t.Errorf("the trainee cannot withdraw from %q", s)
		}
	}
}

// A reopened referral carries on from where it was, with the allowance it
// had: never from where a coordinator would grant a second initial
// allowance once it had a coach.
func TestReopenRestores(t *testing.T) {
	cases := []struct {
		from triage.State
		h    triage.History
		want triage.State
	}{
		{closed, triage.History{}, accepted},                         // declined, or closed before a coach
		{withdr, triage.History{}, accepted},                         // withdrew before a coach
		{closed, triage.History{Coach: true}, alloc},                 // had a coach, no session booked
		{withdr, triage.History{Coach: true}, alloc},                 //
		{closed, triage.History{Coach: true, Started: true}, active}, // sessions had begun
		{withdr, triage.History{Coach: true, Started: true}, active}, //
		{closed, triage.History{Started: true}, accepted},            // no coach now: a coordinator allocates one
	}
	for _, c := range cases {
		got, err := triage.Reopen(c.from, c.h)
		if err != nil || got != c.want {
			t.Errorf("Reopen(%q, %+v) = %q, %v; want %q", c.from, c.h, got, err, c.want)
		}
		// Where it lands, allocating (which grants the initial allowance)
		// is refused whenever the referral had a coach.
		if _, err := triage.Next(got, triage.ActionAllocate); c.h.Coach && err == nil {
			t.Errorf("Reopen(%q, %+v) lands on %q, where a coordinator can allocate again", c.from, c.h, got)
		}
	}
	for _, from := range triage.States {
		if from == closed || from == withdr {
			continue
		}
		_, err := triage.Reopen(from, triage.History{Coach: true})
		checkIllegal(t, err, from, triage.ActionReopen)
	}
}

// The initial allowance is granted once in a referral's life.
func TestInitialGrant(t *testing.T) {
	cases := []struct {
		events []triage.LedgerEvent
		asked  int
		want   int
	}{
		{nil, 3, 3},
		{nil, 1, 1},
		{[]triage.LedgerEvent{{Kind: triage.KindGranted, Sessions: 2}}, 3, 0},
		{[]triage.LedgerEvent{{Kind: triage.KindGranted, Sessions: 2}, {Kind: triage.KindBooked, Sessions: 2}}, 2, 0},
		{[]triage.LedgerEvent{{Kind: triage.KindGranted, Sessions: 1}, {Kind: triage.KindExtended, Sessions: 2}}, 1, 0},
	}
	for _, c := range cases {
		if got := triage.InitialGrant(triage.Tally(c.events), c.asked); got != c.want {
			t.Errorf("InitialGrant(%v, %d) = %d, want %d", c.events, c.asked, got, c.want)
		}
	}
}
