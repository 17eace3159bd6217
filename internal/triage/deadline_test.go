package triage_test

import (
	"testing"
	"time"

	"careers/internal/triage"
)

// MustLondon parses "2006-01-02 15:04:05" as a wall-clock time in Europe/London.
func MustLondon(tb testing.TB, s string) time.Time {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		tb.Fatal(err)
	}
	t, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// MustUTC parses "2006-01-02 15:04:05" as UTC.
func MustUTC(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func TestResponseDeadline(t *testing.T) {
	start := MustLondon(t, "2026-06-01 10:00:00") // due 2026-06-15
	cases := []struct {
		name          string
		start         time.Time
		firstResponse time.Time
		now           time.Time
		due           string // London wall clock; "" for a zero Due
		left          int
		flag          triage.Flag
	}{
		{"submitted today", start, time.Time{}, MustLondon(t, "2026-06-01 18:00:00"), "2026-06-15 23:59:59", 14, triage.FlagOK},
		{"10 days on: 4 left", start, time.Time{}, MustLondon(t, "2026-06-11 09:00:00"), "2026-06-15 23:59:59", 4, triage.FlagOK},
		{"10 days on, last second: 4 left", start, time.Time{}, MustLondon(t, "2026-06-11 23:59:59"), "2026-06-15 23:59:59", 4, triage.FlagOK},
		{"11 days on: 3 left is soon", start, time.Time{}, MustLondon(t, "2026-06-12 00:00:00"), "2026-06-15 23:59:59", 3, triage.FlagSoon},
		{"13 days on: 1 left", start, time.Time{}, MustLondon(t, "2026-06-14 12:00:00"), "2026-06-15 23:59:59", 1, triage.FlagSoon},
		{"exactly 14 days: the due day", start, time.Time{}, MustLondon(t, "2026-06-15 10:00:00"), "2026-06-15 23:59:59", 0, triage.FlagSoon},
		{"due day, last second", start, time.Time{}, MustLondon(t, "2026-06-15 23:59:59"), "2026-06-15 23:59:59", 0, triage.FlagSoon},
		{"day after: overdue", start, time.Time{}, MustLondon(t, "2026-06-16 00:00:00"), "2026-06-15 23:59:59", -1, triage.FlagOverdue},
		{"long overdue", start, time.Time{}, MustLondon(t, "2026-07-01 12:00:00"), "2026-06-15 23:59:59", -16, triage.FlagOverdue},
		{"responded in time", start, MustLondon(t, "2026-06-05 15:00:00"), MustLondon(t, "2026-07-01 12:00:00"), "2026-06-15 23:59:59", 10, triage.FlagMet},
		{"responded on the due day", start, MustLondon(t, "2026-06-15 23:00:00"), MustLondon(t, "2026-06-20 12:00:00"), "2026-06-15 23:59:59", 0, triage.FlagMet},
		{"responded late", start, MustLondon(t, "2026-06-18 09:00:00"), MustLondon(t, "2026-06-20 12:00:00"), "2026-06-15 23:59:59", -3, triage.FlagMet},
		{"waiting for the trainee", time.Time{}, time.Time{}, MustLondon(t, "2026-06-20 12:00:00"), "", 0, triage.FlagWaiting},
		{"response with no clock", time.Time{}, MustLondon(t, "2026-06-05 15:00:00"), MustLondon(t, "2026-06-20 12:00:00"), "", 0, triage.FlagMet},

		// Submitted at 22:30 UTC in summer: 23:30 in London, still 1 June.
		{"start late evening BST", MustUTC(t, "2026-06-01 22:30:00"), time.Time{}, MustLondon(t, "2026-06-15 12:00:00"), "2026-06-15 23:59:59", 0, triage.FlagSoon},
		// Just after midnight in London is still the previous day in UTC;
		// the London date counts.
		{"start just after midnight BST", MustUTC(t, "2026-06-01 23:30:00"), time.Time{}, MustLondon(t, "2026-06-16 12:00:00"), "2026-06-16 23:59:59", 0, triage.FlagSoon},

		// Spring forward (29 March 2026): start 20 March in GMT, due 3 April
		// in BST.
		{"March: due day, 23:59:59 BST", MustLondon(t, "2026-03-20 09:00:00"), time.Time{}, MustUTC(t, "2026-04-03 22:59:59"), "2026-04-03 23:59:59", 0, triage.FlagSoon},
		{"March: midnight BST is overdue", MustLondon(t, "2026-03-20 09:00:00"), time.Time{}, MustUTC(t, "2026-04-03 23:00:00"), "2026-04-03 23:59:59", -1, triage.FlagOverdue},
		{"March: start at 23:59 GMT", MustLondon(t, "2026-03-20 23:59:00"), time.Time{}, MustLondon(t, "2026-04-03 23:30:00"), "2026-04-03 23:59:59", 0, triage.FlagSoon},
		{"March: 4 left just after the change", MustLondon(t, "2026-03-20 12:00:00"), time.Time{}, MustLondon(t, "2026-03-30 00:30:00"), "2026-04-03 23:59:59", 4, triage.FlagOK},
		{"March: 5 left just before midnight", MustLondon(t, "2026-03-20 12:00:00"), time.Time{}, MustLondon(t, "2026-03-29 23:59:59"), "2026-04-03 23:59:59", 5, triage.FlagOK},

		// Fall back (25 October 2026): start 20 October in BST, due 3
		// November in GMT.
		{"October: start just after midnight BST", MustUTC(t, "2026-10-19 23:30:00"), time.Time{}, MustLondon(t, "2026-11-03 12:00:00"), "2026-11-03 23:59:59", 0, triage.FlagSoon},
		{"October: start at 23:30 BST", MustLondon(t, "2026-10-20 23:30:00"), time.Time{}, MustLondon(t, "2026-11-03 23:59:59"), "2026-11-03 23:59:59", 0, triage.FlagSoon},
		{"October: due day, 23:59:59 GMT", MustLondon(t, "2026-10-20 09:00:00"), time.Time{}, MustUTC(t, "2026-11-03 23:59:59"), "2026-11-03 23:59:59", 0, triage.FlagSoon},
		{"October: midnight GMT is overdue", MustLondon(t, "2026-10-20 09:00:00"), time.Time{}, MustUTC(t, "2026-11-04 00:00:00"), "2026-11-03 23:59:59", -1, triage.FlagOverdue},
		{"October: 3 left at 00:00 after the change", MustLondon(t, "2026-10-20 09:00:00"), time.Time{}, MustLondon(t, "2026-10-31 00:00:00"), "2026-11-03 23:59:59", 3, triage.FlagSoon},
		{"October: 4 left at 23:59 on the 30th", MustLondon(t, "2026-10-20 09:00:00"), time.Time{}, MustLondon(t, "2026-10-30 23:59:59"), "2026-11-03 23:59:59", 4, triage.FlagOK},
		{"October: the 25-hour day counts once", MustLondon(t, "2026-10-20 09:00:00"), time.Time{}, MustUTC(t, "2026-10-25 23:30:00"), "2026-11-03 23:59:59", 9, triage.FlagOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := triage.ResponseDeadline(c.start, c.firstResponse, c.now)
			if got.DaysLeft != c.left || got.Flag != c.flag {
				t.Errorf("DaysLeft %d, Flag %q; want %d, %q", got.DaysLeft, got.Flag, c.left, c.flag)
			}
			if c.due == "" {
				if !got.Due.IsZero() {
					t.Errorf("Due = %v, want zero", got.Due)
				}
				return
			}
			if want := MustLondon(t, c.due); !got.Due.Equal(want) {
				t.Errorf("Due = %v, want %v", got.Due, want)
			}
			if got.Due.Location().String() != "Europe/London" {
				t.Errorf("Due is in %s, want Europe/London", got.Due.Location())
			}
		})
	}
}

// TestResponseDeadlineSameInstantAnyZone: the zone of the times passed in
// does not matter, only the instants.
func TestResponseDeadlineSameInstantAnyZone(t *testing.T) {
	start := MustLondon(t, "2026-10-20 00:30:00")
	now := MustLondon(t, "2026-11-03 00:15:00")
	tokyo := time.FixedZone("JST", 9*60*60)
	a := triage.ResponseDeadline(start, time.Time{}, now)
	b := triage.ResponseDeadline(start.UTC(), time.Time{}, now.In(tokyo))
	if a.DaysLeft != b.DaysLeft || a.Flag != b.Flag || !a.Due.Equal(b.Due) {
		t.Fatalf("London %+v, other zones %+v", a, b)
	}
}

func TestFlagLabels(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range []triage.Flag{triage.FlagOK, triage.FlagSoon, triage.FlagOverdue, triage.FlagMet, triage.FlagWaiting} {
		if l := f.Label(); l == "" || l == string(f) || seen[l] {
			t.Errorf("flag %q label %q: want a distinct label of its own", f, l)
		}
		seen[f.Label()] = true
	}
}
