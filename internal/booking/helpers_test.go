package booking_test

import (
	"testing"
	"time"
)

// MustLondon is the instant London clocks show wall ("2006-01-02 15:04")
// once; it fails the test for a time that clocks show never or twice, so a
// case never depends on which of two instants Go picks.
func MustLondon(tb testing.TB, wall string) time.Time {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		tb.Fatal(err)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", wall, loc)
	if err != nil {
		tb.Fatal(err)
	}
	if got := t.Format("2006-01-02 15:04"); got != wall {
		tb.Fatalf("%s does not exist in London (got %s)", wall, got)
	}
	if t.Add(-time.Hour).Format("2006-01-02 15:04") == wall || t.Add(time.Hour).Format("2006-01-02 15:04") == wall {
		tb.Fatalf("%s happens twice in London", wall)
	}
	return t
}

// MustUTC parses an RFC 3339 instant.
func MustUTC(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}
