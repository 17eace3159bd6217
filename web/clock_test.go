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

// A time range names the end's day only when it is another day (UK time).
func TestTimeRange(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	s := time.Date(2026, 3, 3, 14, 0, 0, 0, london)
	if got := TimeRange(s, s.Add(time.Hour)); got != "Tuesday 3 March 2026, 2pm to 3pm" {
		t.Errorf("same day: %q", got)
	}
	if got := TimeRange(s, s.Add(20*time.Hour)); got != "Tuesday 3 March 2026, 2pm to Wednesday 4 March 2026, 10am" {
		t.Errorf("over midnight: %q", got)
	}
}
