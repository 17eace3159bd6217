package outcomes_test

import (
	"testing"
	"time"

	"careers/internal/outcomes"
)

// The fixture is worked by hand in the comments: each item's pairs are the
// trainees who rated it both before and after.
func TestChangesOnAHandWorkedFixture(t *testing.T) {
	pairs := []outcomes.Pair{
		{Before: outcomes.Ratings{2, 1, 1, 2, 2}, After: outcomes.Ratings{4, 4, 3, 4, 4}},
		{Before: outcomes.Ratings{3, 2, 2, 0, 3}, After: outcomes.Ratings{3, 3, 4, 2, 4}},
		{Before: outcomes.Ratings{1, 0, 1, 1, 1}, After: outcomes.Ratings{2, 3, 1, 1, 0}},
		{Before: outcomes.Ratings{4, 4, 4, 4, 4}, After: outcomes.Ratings{3, 5, 4, 4, 5}},
	}
	want := []struct {
		pairs                 int
		before, after, change string
		improved, same, worse int
	}{
		// self-awareness: 2>4, 3>3, 1>2, 4>3: 10/4 = 2.5 to 12/4 = 3.0.
		{4, "2.5", "3.0", "+0.5", 2, 1, 1},
		// options: 1>4, 2>3, 4>5 (the third skipped it before): 7/3 to 12/3.
		{3, "2.3", "4.0", "+1.7", 3, 0, 0},
		// decision: 1>3, 2>4, 1>1, 4>4: 8/4 to 12/4.
		{4, "2.0", "3.0", "+1.0", 2, 2, 0},
		// plan: 2>4, 1>1, 4>4 (the second skipped it before): 7/3 to 9/3.
		{3, "2.3", "3.0", "+0.7", 1, 2, 0},
		// confidence: 2>4, 3>4, 4>5 (the third skipped it after): 9/3 to 13/3.
		{3, "3.0", "4.3", "+1.3", 3, 0, 0},
	}
	got := outcomes.Changes(pairs)
	if len(got) != len(want) {
		t.Fatalf("got %d items", len(got))
	}
	for i, w := range want {
		c := got[i]
		if c.Item.Key != outcomes.Items[i].Key || c.Pairs != w.pairs ||
			outcomes.OneDecimal(c.MeanBefore, false) != w.before || outcomes.OneDecimal(c.MeanAfter, false) != w.after ||
			outcomes.OneDecimal(c.MeanChange(), true) != w.change ||
			c.Improved != w.improved || c.Same != w.same || c.Worse != w.worse {
			t.Errorf("%s: got %d pairs %s to %s (%s), %d/%d/%d; want %+v", c.Item.Key, c.Pairs,
				outcomes.OneDecimal(c.MeanBefore, false), outcomes.OneDecimal(c.MeanAfter, false),
				outcomes.OneDecimal(c.MeanChange(), true), c.Improved, c.Same, c.Worse, w)
		}
	}
	if c := outcomes.Changes(nil)[0]; c.Pairs != 0 || c.MeanChange() != 0 {
		t.Errorf("no pairs: %+v", c)
	}
}

func TestOneDecimal(t *testing.T) {
	for _, tc := range []struct {
		x      float64
		signed bool
		want   string
	}{{0.04, true, "0.0"}, {-0.04, true, "0.0"}, {-0.55, true, "-0.6"}, {1.25, true, "+1.3"}, {3, false, "3.0"}} {
		if got := outcomes.OneDecimal(tc.x, tc.signed); got != tc.want {
			t.Errorf("OneDecimal(%v, %v) = %q, want %q", tc.x, tc.signed, got, tc.want)
		}
	}
}

// The NHS convention: very good and good over every response, don't know
// included.
func TestFFTPositiveCountsDontKnowInTheTotal(t *testing.T) {
	pos, all := outcomes.FFTPositive(map[string]int{"very_good": 3, "good": 2, "neither": 1, "dont_know": 2, "nonsense": 9})
	if pos != 5 || all != 8 {
		t.Errorf("FFTPositive = %d of %d, want 5 of 8", pos, all)
	}
	if len(outcomes.FFTAnswers) != 6 || outcomes.FFTLabel("neither") != "Neither good nor poor" || !outcomes.ValidFFT("dont_know") || outcomes.ValidFFT("") {
		t.Error("the six answers are wrong")
	}
}

func TestParseRating(t *testing.T) {
	for in, want := range map[string]int{"": 0, "1": 1, "5": 5} {
		if got, ok := outcomes.ParseRating(in); !ok || got != want {
			t.Errorf("ParseRating(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"0", "6", "x", "-1", "2.5"} {
		if _, ok := outcomes.ParseRating(in); ok {
			t.Errorf("ParseRating(%q) accepted", in)
		}
	}
}

func TestBeforeIsOfferedUntilTheFirstSessionStarts(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	first := now.Add(time.Hour)
	cases := []struct {
		name   string
		status string
		done   bool
		first  time.Time
		want   bool
	}{
		{"allocated, nothing booked", "allocated", false, time.Time{}, true},
		{"session later", "active", false, first, true},
		{"session starts now", "active", false, now, false},
		{"session started", "active", false, now.Add(-time.Minute), false},
		{"answered or skipped", "allocated", true, time.Time{}, false},
		{"not allocated yet", "new", false, time.Time{}, false},
		{"closed", "closed", false, time.Time{}, false},
	}
	for _, tc := range cases {
		if got := outcomes.BeforeOpen(tc.status, tc.done, tc.first, now); got != tc.want {
			t.Errorf("%s: BeforeOpen = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAfterIsOfferedAtClosureUntilTheFollowUp(t *testing.T) {
	closed := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	due := outcomes.FollowUpDue(closed)
	if want := time.Date(2026, 9, 15, 8, 0, 0, 0, time.UTC); !due.Equal(want) { // 9am GMT is 9am BST in September
		t.Fatalf("FollowUpDue = %v, want %v", due, want)
	}
	if !outcomes.AfterOpen("closed", false, 1, closed, closed) || !outcomes.AfterOpen("closed", false, 2, closed, due.Add(-time.Second)) {
		t.Error("not offered at closure")
	}
	for name, ok := range map[string]bool{
		"at the follow-up": outcomes.AfterOpen("closed", false, 1, closed, due),
		"answered":         outcomes.AfterOpen("closed", true, 1, closed, closed),
		"withdrawn":        outcomes.AfterOpen("withdrawn", false, 1, closed, closed),
		"no session":       outcomes.AfterOpen("closed", false, 0, closed, closed),
		"open":             outcomes.AfterOpen("active", false, 1, time.Time{}, closed),
	} {
		if ok {
			t.Errorf("%s: offered", name)
		}
	}
}

// The follow-up: exactly one email when due, one reminder ReminderAfter
// later, nothing more, nothing after the window.
func TestFollowUpTiming(t *testing.T) {
	closed := time.Date(2026, 1, 31, 17, 0, 0, 0, time.UTC)
	due := outcomes.FollowUpDue(closed)
	if due.Month() != time.July || due.Day() != 31 {
		t.Fatalf("due %v", due)
	}
	f := outcomes.Facts{Status: "closed", Outcome: "change_specialty", ClosedAt: closed, Attended: 2,
		DestroyOn: closed.AddDate(6, 0, 0)}
	if got := outcomes.Next(f, due.Add(-time.Second)); got != outcomes.SendNothing {
		t.Errorf("before due: %v", got)
	}
	if got := outcomes.Next(f, due); got != outcomes.SendFirst {
		t.Errorf("at due: %v", got)
	}
	sent := due.Add(time.Hour)
	f.SentAt = &sent
	if got := outcomes.Next(f, sent.Add(outcomes.ReminderAfter-time.Second)); got != outcomes.SendNothing {
		t.Errorf("before the reminder: %v", got)
	}
	if got := outcomes.Next(f, sent.Add(outcomes.ReminderAfter)); got != outcomes.SendReminder {
		t.Errorf("reminder: %v", got)
	}
	f.Reminded = true
	if got := outcomes.Next(f, sent.Add(3*outcomes.ReminderAfter)); got != outcomes.SendNothing {
		t.Errorf("after the reminder: %v", got)
	}
	f.SentAt, f.Reminded = nil, false
	if got := outcomes.Next(f, outcomes.WindowEnd(closed)); got != outcomes.SendNothing {
		t.Errorf("after the window: %v", got)
	}
	f.Answered = true
	if got := outcomes.Next(f, due); got != outcomes.SendNothing {
		t.Errorf("answered: %v", got)
	}
}

func TestFollowUpNeverAsksThoseWhoMustNotBeAsked(t *testing.T) {
	closed := time.Date(2026, 1, 31, 17, 0, 0, 0, time.UTC)
	ok := outcomes.Facts{Status: "closed", Outcome: "still_deciding", ClosedAt: closed, Attended: 1, DestroyOn: closed.AddDate(6, 0, 0)}
	if r := outcomes.NeverAsk(ok); r != "" {
		t.Fatalf("the ordinary case is refused: %s", r)
	}
	cases := map[string]func(f *outcomes.Facts){
		"withdrew":                func(f *outcomes.Facts) { f.Status = "withdrawn" },
		"outcome withdrew":        func(f *outcomes.Facts) { f.Outcome = "withdrew" },
		"opted out":               func(f *outcomes.Facts) { f.OptedOut = true },
		"reopened":                func(f *outcomes.Facts) { f.Status = "active" },
		"no session":              func(f *outcomes.Facts) { f.Attended = 0 },
		"past retention":          func(f *outcomes.Facts) { f.DestroyOn = closed.AddDate(0, 6, 0) },
		"destroyed at window end": func(f *outcomes.Facts) { f.DestroyOn = outcomes.WindowEnd(closed) },
	}
	for name, change := range cases {
		f := ok
		change(&f)
		if outcomes.NeverAsk(f) == "" {
			t.Errorf("%s: may be asked", name)
		}
		if got := outcomes.Next(f, outcomes.FollowUpDue(closed)); got != outcomes.SendNothing {
			t.Errorf("%s: Next = %v", name, got)
		}
	}
}
