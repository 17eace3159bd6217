package workshops

import (
	"testing"
	"time"
)

func TestOfferExpiry(t *testing.T) {
	now := time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		left time.Duration
		want time.Duration
		ok   bool
	}{
		{10 * 24 * time.Hour, 24 * time.Hour, true}, // far away: the full window
		{48 * time.Hour, 24 * time.Hour, true},      // exactly twice the window
		{30 * time.Hour, 15 * time.Hour, true},      // closer: half the time left
		{4 * time.Hour, 2 * time.Hour, true},
		{2 * time.Hour, time.Hour, true}, // at the limit
		{2*time.Hour - time.Minute, 0, false},
		{-time.Hour, 0, false}, // started
	} {
		got, ok := OfferExpiry(now, now.Add(c.left))
		if ok != c.ok || ok && got.Sub(now) != c.want {
			t.Errorf("%v before the start: %v %v, want %v %v", c.left, got.Sub(now), ok, c.want, c.ok)
		}
		if ok && !got.Before(now.Add(c.left)) {
			t.Errorf("%v before the start: the offer outlasts the start", c.left)
		}
	}
}

func TestWhenIsUKTime(t *testing.T) {
	// 12 January (GMT) and 12 July (BST).
	s := time.Date(2027, 1, 12, 18, 0, 0, 0, time.UTC)
	if got := When(s, s.Add(90*time.Minute)); got != "Tuesday 12 January 2027, 6pm to 7:30pm" {
		t.Errorf("winter: %q", got)
	}
	s = time.Date(2027, 7, 12, 17, 0, 0, 0, time.UTC)
	if got := When(s, s.Add(time.Hour)); got != "Monday 12 July 2027, 6pm to 7pm" {
		t.Errorf("summer: %q", got)
	}
}

func TestCanCancel(t *testing.T) {
	now := time.Now()
	for status, want := range map[string]bool{Placed: true, Waiting: true, Offered: true, Unconfirmed: true, Cancelled: false, Lapsed: false, Removed: false} {
		if CanCancel(status, now, now.Add(time.Hour)) != want {
			t.Errorf("%s before the start: want %v", status, want)
		}
		if CanCancel(status, now, now.Add(-time.Minute)) {
			t.Errorf("%s after the start can be cancelled", status)
		}
	}
}
