package web

import (
	"testing"
	"time"
)

// clock writes a time as the style guide does ("9am", "2:30pm") for every
// minute of a day, exactly as time's own "3pm" and "3:04pm" layouts would.
func TestClockEveryMinute(t *testing.T) {
	day := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	for m := range 24 * 60 {
		at := day.Add(time.Duration(m) * time.Minute)
		want := at.Format("3:04pm")
		if at.Minute() == 0 {
			want = at.Format("3pm")
		}
		if got := clock(at); got != want {
			t.Fatalf("clock(%s) = %q, want %q", at.Format("15:04"), got, want)
		}
	}
}
