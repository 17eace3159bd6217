package booking_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"careers/internal/booking"
	"careers/internal/triage"
)

var (
	inTime = []booking.LedgerStep{{Kind: "released", Sessions: 1}}
	late   = []booking.LedgerStep{{Kind: "released", Sessions: 1}, {Kind: "forfeited", Sessions: 1}}
)

func TestCancel(t *testing.T) {
	start := MustLondon(t, "2026-06-10 14:00")
	type want struct {
		tooLate, late bool
		ledger        []booking.LedgerStep
	}
	cases := []struct {
		name       string
		start, now time.Time
		by         booking.Who
		change     booking.Change
		want       want
	}{
		{"two days before", start, start.Add(-48 * time.Hour), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},
		{"24 h and a minute before", start, start.Add(-24*time.Hour - time.Minute), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},
		{"exactly 24 h before is in time", start, start.Add(-24 * time.Hour), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},
		{"a nanosecond under 24 h is late", start, start.Add(-24*time.Hour + 1), booking.WhoTrainee, booking.ChangeCancel, want{late: true, ledger: late}},
		{"23 h 59 min before is late", start, start.Add(-23*time.Hour - 59*time.Minute), booking.WhoTrainee, booking.ChangeCancel, want{late: true, ledger: late}},
		{"a minute before is late", start, start.Add(-time.Minute), booking.WhoTrainee, booking.ChangeCancel, want{late: true, ledger: late}},
		{"at the start time is too late", start, start, booking.WhoTrainee, booking.ChangeCancel, want{tooLate: true}},
		{"after the start is too late", start, start.Add(time.Hour), booking.WhoTrainee, booking.ChangeCancel, want{tooLate: true}},
		{"now in UTC, start in London", start, start.Add(-24 * time.Hour).UTC(), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},

		// The clocks go forward at 01:00 GMT on Sunday 29 March 2026:
		// Saturday to Sunday at the same wall-clock time is only 23 hours.
		{"March: same wall time the day before the Sunday is 23 h, late",
			MustLondon(t, "2026-03-29 10:00"), MustLondon(t, "2026-03-28 10:00"), booking.WhoTrainee, booking.ChangeCancel, want{late: true, ledger: late}},
		{"March: 24 h 30 min on the clock face is 23 h 30 min, late",
			MustLondon(t, "2026-03-29 10:00"), MustLondon(t, "2026-03-28 09:30"), booking.WhoTrainee, booking.ChangeCancel, want{late: true, ledger: late}},
		{"March: 25 h on the clock face is exactly 24 h, in time",
			MustLondon(t, "2026-03-29 10:00"), MustLondon(t, "2026-03-28 09:00"), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},
		{"March: Sunday to Monday, both in summer time, is exactly 24 h, in time",
			MustLondon(t, "2026-03-30 10:00"), MustLondon(t, "2026-03-29 10:00"), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},

		// The clocks go back at 01:00 GMT on Sunday 25 October 2026:
		// Saturday to Sunday at the same wall-clock time is 25 hours.
		{"October: same wall time the day before the Sunday is 25 h, in time",
			MustLondon(t, "2026-10-25 10:00"), MustLondon(t, "2026-10-24 10:00"), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},
		{"October: 23 h 30 min on the clock face is 24 h 30 min, in time",
			MustLondon(t, "2026-10-25 10:00"), MustLondon(t, "2026-10-24 10:30"), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},
		{"October: 23 h on the clock face is exactly 24 h, in time",
			MustLondon(t, "2026-10-25 10:00"), MustLondon(t, "2026-10-24 11:00"), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},
		{"October: 22 h 59 min on the clock face is 23 h 59 min, late",
			MustLondon(t, "2026-10-25 10:00"), MustLondon(t, "2026-10-24 11:01"), booking.WhoTrainee, booking.ChangeCancel, want{late: true, ledger: late}},
		{"October: Sunday to Monday, both in winter time, is exactly 24 h, in time",
			MustLondon(t, "2026-10-26 10:00"), MustLondon(t, "2026-10-25 10:00"), booking.WhoTrainee, booking.ChangeCancel, want{ledger: inTime}},

		{"coach inside 24 h: released, not late", start, start.Add(-time.Hour), booking.WhoCoach, booking.ChangeCancel, want{ledger: inTime}},
		{"coordinator inside 24 h: released, not late", start, start.Add(-time.Hour), booking.WhoCoordinator, booking.ChangeCancel, want{ledger: inTime}},
		{"lead inside 24 h: released, not late", start, start.Add(-time.Hour), booking.WhoLead, booking.ChangeCancel, want{ledger: inTime}},
		{"coach in time", start, start.Add(-72 * time.Hour), booking.WhoCoach, booking.ChangeCancel, want{ledger: inTime}},
		{"coach after the start is too late", start, start.Add(time.Minute), booking.WhoCoach, booking.ChangeCancel, want{tooLate: true}},
		{"unknown party gets the trainee's rule", start, start.Add(-time.Hour), booking.Who("someone"), booking.ChangeCancel, want{late: true, ledger: late}},

		{"trainee rearranges in time", start, start.Add(-25 * time.Hour), booking.WhoTrainee, booking.ChangeRearrange, want{ledger: inTime}},
		{"trainee rearranges exactly 24 h before", start, start.Add(-24 * time.Hour), booking.WhoTrainee, booking.ChangeRearrange, want{ledger: inTime}},
		{"trainee rearranges late", start, start.Add(-23*time.Hour - 59*time.Minute), booking.WhoTrainee, booking.ChangeRearrange, want{late: true, ledger: late}},
		{"coach rearranges late: released", start, start.Add(-time.Hour), booking.WhoCoach, booking.ChangeRearrange, want{ledger: inTime}},
		{"rearranging after the start is too late", start, start.Add(time.Second), booking.WhoTrainee, booking.ChangeRearrange, want{tooLate: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := booking.Cancel(c.start, c.now, c.by, c.change)
			if got.TooLate != c.want.tooLate || got.Late != c.want.late ||
				got.ReasonRequired != c.want.late || got.Forfeit != c.want.late ||
				!slices.Equal(got.Ledger, c.want.ledger) {
				t.Fatalf("Cancel = %+v, want %+v (ReasonRequired and Forfeit = late)", got, c.want)
			}
			if got.Explanation == "" {
				t.Fatal("no explanation")
			}
			e := strings.ToLower(got.Explanation)
			switch {
			case c.want.tooLate:
				mustContain(t, e, "attended or not attended")
			case c.want.late:
				mustContain(t, e, "late cancellation", "reason", "forfeited", "waives")
			default:
				mustContain(t, e, "released")
			}
			if c.change == booking.ChangeRearrange && !c.want.tooLate {
				mustContain(t, e, "new appointment")
			}
		})
	}
}

func mustContain(tb testing.TB, s string, parts ...string) {
	tb.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			tb.Errorf("%q does not mention %q", s, p)
		}
	}
}

func TestLedgerHelpers(t *testing.T) {
	cases := []struct {
		name string
		got  []booking.LedgerStep
		want []booking.LedgerStep
	}{
		{"book", booking.Book(), []booking.LedgerStep{{Kind: "booked", Sessions: 1}}},
		{"attended", booking.Attended(), []booking.LedgerStep{{Kind: "attended", Sessions: 1}}},
		{"no-show: released then forfeited", booking.NoShow(), late},
		{"waive", booking.Waive(), []booking.LedgerStep{{Kind: "waived", Sessions: 1}}},
	}
	for _, c := range cases {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestKindsMatchTriage keeps this package's ledger words the ones the
// allowance_events table and package triage accept.
func TestKindsMatchTriage(t *testing.T) {
	pairs := []struct {
		ours   string
		theirs triage.LedgerKind
	}{
		{booking.KindBooked, triage.KindBooked},
		{booking.KindReleased, triage.KindReleased},
		{booking.KindAttended, triage.KindAttended},
		{booking.KindForfeited, triage.KindForfeited},
		{booking.KindWaived, triage.KindWaived},
	}
	for _, p := range pairs {
		if p.ours != string(p.theirs) || !triage.LedgerKind(p.ours).Valid() {
			t.Errorf("kind %q does not match triage's %q", p.ours, p.theirs)
		}
	}
}

// allowance is a tiny transcription of the database trigger: granted and
// extended raise the allowance; booked and forfeited use a session; released
// and waived give one back; attended changes nothing. Like the table's
// CHECK, it refuses any step after which more sessions are used than
// granted, or fewer than none.
type allowance struct{ granted, used int }

func (a *allowance) apply(tb testing.TB, steps []booking.LedgerStep) (refused bool) {
	tb.Helper()
	for _, s := range steps {
		next := *a
		switch s.Kind {
		case "granted", "extended":
			next.granted += s.Sessions
		case "booked", "forfeited":
			next.used += s.Sessions
		case "released", "waived":
			next.used -= s.Sessions
		case "attended":
		default:
			tb.Fatalf("unknown ledger kind %q", s.Kind)
		}
		if s.Sessions <= 0 {
			tb.Fatalf("step %+v: sessions must be positive", s)
		}
		if next.used > next.granted || next.used < 0 {
			return true
		}
		*a = next
	}
	return false
}

func grant(n int) []booking.LedgerStep { return []booking.LedgerStep{{Kind: "granted", Sessions: n}} }

// TestLedgerArithmetic replays whole stories through the trigger's
// arithmetic, step by step, and checks triage.Tally reaches the same figures.
func TestLedgerArithmetic(t *testing.T) {
	start := MustLondon(t, "2026-06-10 14:00")
	inTimeCancel := booking.Cancel(start, start.Add(-48*time.Hour), booking.WhoTrainee, booking.ChangeCancel).Ledger
	lateCancel := booking.Cancel(start, start.Add(-time.Hour), booking.WhoTrainee, booking.ChangeCancel).Ledger
	lateRearrange := booking.Cancel(start, start.Add(-time.Hour), booking.WhoTrainee, booking.ChangeRearrange).Ledger
	coachCancel := booking.Cancel(start, start.Add(-time.Hour), booking.WhoCoach, booking.ChangeCancel).Ledger

	cases := []struct {
		name       string
		story      [][]booking.LedgerStep
		refusedAt  int // index of the refused chapter, or -1
		used, left int
	}{
		{"booked and attended uses one", [][]booking.LedgerStep{grant(2), booking.Book(), booking.Attended()}, -1, 1, 1},
		{"cancelled in time gives it back", [][]booking.LedgerStep{grant(1), booking.Book(), inTimeCancel}, -1, 0, 1},
		{"late cancellation keeps it used", [][]booking.LedgerStep{grant(3), booking.Book(), lateCancel}, -1, 1, 2},
		{"late cancellation of the last session stays within the allowance", [][]booking.LedgerStep{grant(1), booking.Book(), lateCancel}, -1, 1, 0},
		{"late cancellation then waiver gives it back", [][]booking.LedgerStep{grant(1), booking.Book(), lateCancel, booking.Waive()}, -1, 0, 1},
		{"coach cancels inside 24 h: nothing lost", [][]booking.LedgerStep{grant(1), booking.Book(), coachCancel}, -1, 0, 1},
		{"no-show counts as used", [][]booking.LedgerStep{grant(2), booking.Book(), booking.NoShow()}, -1, 1, 1},
		{"no-show waived", [][]booking.LedgerStep{grant(1), booking.Book(), booking.NoShow(), booking.Waive()}, -1, 0, 1},
		{"late rearrangement of the last session: no session left for the new time",
			[][]booking.LedgerStep{grant(1), booking.Book(), lateRearrange, booking.Book()}, 3, 1, 0},
		{"late rearrangement with sessions to spare",
			[][]booking.LedgerStep{grant(2), booking.Book(), lateRearrange, booking.Book()}, -1, 2, 0},
		{"late rearrangement waived, then rebooked",
			[][]booking.LedgerStep{grant(1), booking.Book(), lateRearrange, booking.Waive(), booking.Book()}, -1, 1, 0},
		{"a waiver with nothing to waive is refused", [][]booking.LedgerStep{grant(1), booking.Waive()}, 1, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a allowance
			var events []triage.LedgerEvent
			refusedAt := -1
			for i, chapter := range c.story {
				if a.apply(t, chapter) {
					refusedAt = i
					break
				}
				for _, s := range chapter {
					events = append(events, triage.LedgerEvent{Kind: triage.LedgerKind(s.Kind), Sessions: s.Sessions})
				}
				l := triage.Tally(events)
				if l.Used != a.used || l.Allowance != a.granted || l.Remaining != a.granted-a.used {
					t.Fatalf("after chapter %d: Tally %+v, trigger granted %d used %d", i, l, a.granted, a.used)
				}
			}
			if refusedAt != c.refusedAt {
				t.Fatalf("refused at chapter %d, want %d", refusedAt, c.refusedAt)
			}
			if a.used != c.used || a.granted-a.used != c.left {
				t.Fatalf("used %d, left %d; want used %d, left %d", a.used, a.granted-a.used, c.used, c.left)
			}
		})
	}
}

// TestLateOrderMatters shows why a late cancellation releases before it
// forfeits: the other way round, a booking of the last session could not
// be cancelled late at all, because the database checks after every event.
func TestLateOrderMatters(t *testing.T) {
	steps := booking.Cancel(MustLondon(t, "2026-06-10 14:00"), MustLondon(t, "2026-06-10 13:00"), booking.WhoTrainee, booking.ChangeCancel).Ledger
	reversed := slices.Clone(steps)
	slices.Reverse(reversed)
	ok := allowance{granted: 1, used: 1}
	if ok.apply(t, steps) {
		t.Fatal("the late cancellation's own order was refused")
	}
	bad := allowance{granted: 1, used: 1}
	if !bad.apply(t, reversed) {
		t.Fatal("forfeit before release was accepted; the order would not matter")
	}
}

func TestWhoAndChangeValid(t *testing.T) {
	for _, w := range []booking.Who{"trainee", "coach", "coordinator", "lead"} {
		if !w.Valid() {
			t.Errorf("%q not valid", w)
		}
	}
	for _, w := range []booking.Who{"", "admin", "Trainee"} {
		if w.Valid() {
			t.Errorf("%q valid", w)
		}
	}
	for _, c := range []booking.Change{"cancel", "rearrange"} {
		if !c.Valid() {
			t.Errorf("%q not valid", c)
		}
	}
	if booking.Change("move").Valid() {
		t.Error(`"move" valid`)
	}
}
