package triage_test

import (
	"slices"
	"testing"

	"careers/internal/triage"
)

func ev(k triage.LedgerKind, n int) triage.LedgerEvent {
	return triage.LedgerEvent{Kind: k, Sessions: n}
}

func TestTally(t *testing.T) {
	cases := []struct {
		name   string
		events []triage.LedgerEvent
		want   triage.Ledger
	}{
		{"nothing yet", nil, triage.Ledger{}},
		{"granted 3", []triage.LedgerEvent{ev(triage.KindGranted, 3)},
			triage.Ledger{Granted: 3, Allowance: 3, Remaining: 3}},
		{"booked and attended uses one session, not two",
			[]triage.LedgerEvent{ev(triage.KindGranted, 2), ev(triage.KindBooked, 1), ev(triage.KindAttended, 1)},
			triage.Ledger{Granted: 2, Booked: 1, Attended: 1, Allowance: 2, Used: 1, Remaining: 1}},
		{"cancelled in time gives the session back",
			[]triage.LedgerEvent{ev(triage.KindGranted, 1), ev(triage.KindBooked, 1), ev(triage.KindReleased, 1)},
			triage.Ledger{Granted: 1, Booked: 1, Released: 1, Allowance: 1, Used: 0, Remaining: 1}},
		// A late cancellation releases the booking and forfeits a session.
		{"late cancellation forfeits one",
			[]triage.LedgerEvent{ev(triage.KindGranted, 3), ev(triage.KindBooked, 1), ev(triage.KindReleased, 1), ev(triage.KindForfeited, 1)},
			triage.Ledger{Granted: 3, Booked: 1, Released: 1, Forfeited: 1, Allowance: 3, Used: 1, Remaining: 2}},
		{"forfeit waived",
			[]triage.LedgerEvent{ev(triage.KindGranted, 3), ev(triage.KindBooked, 1), ev(triage.KindReleased, 1), ev(triage.KindForfeited, 1), ev(triage.KindWaived, 1)},
			triage.Ledger{Granted: 3, Booked: 1, Released: 1, Forfeited: 1, Waived: 1, Allowance: 3, Used: 0, Remaining: 3}},
		{"no-show counts as used",
			[]triage.LedgerEvent{ev(triage.KindGranted, 2), ev(triage.KindBooked, 1)},
			triage.Ledger{Granted: 2, Booked: 1, Allowance: 2, Used: 1, Remaining: 1}},
		{"all used, then extended",
			[]triage.LedgerEvent{ev(triage.KindGranted, 3), ev(triage.KindBooked, 1), ev(triage.KindBooked, 1), ev(triage.KindBooked, 1), ev(triage.KindExtended, 2)},
			triage.Ledger{Granted: 3, Extended: 2, Booked: 3, Allowance: 5, Used: 3, Remaining: 2}},
		{"exactly used up",
			[]triage.LedgerEvent{ev(triage.KindGranted, 2), ev(triage.KindBooked, 2)},
			triage.Ledger{Granted: 2, Booked: 2, Allowance: 2, Used: 2, Remaining: 0}},
		{"unknown kinds are ignored",
			[]triage.LedgerEvent{ev(triage.KindGranted, 1), ev("bonus", 5)},
			triage.Ledger{Granted: 1, Allowance: 1, Remaining: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := triage.Tally(c.events); got != c.want {
				t.Fatalf("Tally =\n %+v, want\n %+v", got, c.want)
			}
		})
	}
}

// TestTallyMatchesTrigger replays every ordering of a ledger's events through
// a transcription of the database trigger (allowance_apply in
// migrations/00007) and checks Tally agrees at every step.
func TestTallyMatchesTrigger(t *testing.T) {
	events := []triage.LedgerEvent{
		ev(triage.KindGranted, 2), ev(triage.KindExtended, 1), ev(triage.KindBooked, 1),
		ev(triage.KindReleased, 1), ev(triage.KindAttended, 1), ev(triage.KindForfeited, 1), ev(triage.KindWaived, 1),
	}
	permute(events, 0, func(p []triage.LedgerEvent) {
		granted, used := 0, 0
		for i, e := range p {
			switch e.Kind {
			case "granted", "extended":
				granted += e.Sessions
			case "booked", "forfeited":
				used += e.Sessions
			case "released", "waived":
				used -= e.Sessions
			}
			l := triage.Tally(p[:i+1])
			if l.Allowance != granted || l.Used != used || l.Remaining != granted-used {
				t.Fatalf("after %v: Tally %+v, trigger granted %d used %d", p[:i+1], l, granted, used)
			}
		}
	})
}

// permute calls f with every ordering of s (in place).
func permute(s []triage.LedgerEvent, k int, f func([]triage.LedgerEvent)) {
	if k == len(s) {
		f(s)
		return
	}
	for i := k; i < len(s); i++ {
		s[k], s[i] = s[i], s[k]
		permute(s, k+1, f)
		s[k], s[i] = s[i], s[k]
	}
}

func TestCanUse(t *testing.T) {
	l := triage.Tally([]triage.LedgerEvent{ev(triage.KindGranted, 3), ev(triage.KindBooked, 1)}) // 2 remaining
	cases := []struct {
		n    int
		want bool
	}{{-1, false}, {0, false}, {1, true}, {2, true}, {3, false}}
	for _, c := range cases {
		if got := triage.CanUse(l, c.n); got != c.want {
			t.Errorf("CanUse(remaining 2, %d) = %v, want %v", c.n, got, c.want)
		}
	}
	if triage.CanUse(triage.Ledger{}, 1) {
		t.Error("CanUse with no allowance = true")
	}
}

func TestValidInitial(t *testing.T) {
	for n, want := range map[int]bool{-1: false, 0: false, 1: true, 2: true, 3: true, 4: false} {
		if got := triage.ValidInitial(n); got != want {
			t.Errorf("ValidInitial(%d) = %v, want %v", n, got, want)
		}
	}
	if triage.MinInitial != 1 || triage.MaxInitial != 3 {
		t.Errorf("initial allowance bounds %d..%d, want 1..3", triage.MinInitial, triage.MaxInitial)
	}
}

// TestLedgerKindsMatchDatabase keeps LedgerKinds to the values
// allowance_events.kind allows (migrations/00007).
func TestLedgerKindsMatchDatabase(t *testing.T) {
	db := []triage.LedgerKind{"granted", "extended", "booked", "released", "attended", "forfeited", "waived"}
	if !slices.Equal(triage.LedgerKinds, db) {
		t.Fatalf("LedgerKinds = %q, want %q", triage.LedgerKinds, db)
	}
	for _, k := range triage.LedgerKinds {
		if !k.Valid() || k.Label() == string(k) {
			t.Errorf("kind %q: Valid %v, label %q", k, k.Valid(), k.Label())
		}
	}
	if triage.LedgerKind("bonus").Valid() {
		t.Error("unknown kind is valid")
	}
}
