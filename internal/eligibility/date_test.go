package eligibility_test

import (
	"testing"
	"time"

	"careers/internal/eligibility"
)

// MustDate parses an ISO date or fails the test.
func MustDate(tb testing.TB, s string) eligibility.Date {
	tb.Helper()
	d, err := eligibility.ParseDate(s)
	if err != nil {
		tb.Fatalf("MustDate(%q): %v", s, err)
	}
	return d
}

// nextDay is computed through time.Time, independently of Date's own code.
func nextDay(d eligibility.Date) eligibility.Date {
	return eligibility.DateOf(time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC))
}

func TestAddMonths(t *testing.T) {
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2025-01-15", 3, "2025-04-15"},
		{"2025-03-15", 3, "2025-06-15"},
		{"2025-08-31", 3, "2025-11-30"}, // November is shorter
		{"2025-05-31", 3, "2025-08-31"}, // August is not
		{"2025-11-30", 3, "2026-02-28"},
		{"2023-11-30", 3, "2024-02-29"}, // leap year
		{"2023-11-29", 3, "2024-02-29"},
		{"2024-11-30", 3, "2025-02-28"}, // common year after a leap year
		{"2024-11-28", 3, "2025-02-28"},
		{"1999-11-30", 3, "2000-02-29"}, // 2000 is a leap year (divisible by 400)
		{"2099-11-30", 3, "2100-02-28"}, // 2100 is not (divisible by 100)
		{"2024-12-31", 3, "2025-03-31"}, // over the year end
		{"2024-10-31", 3, "2025-01-31"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2024-02-29", 48, "2028-02-29"},
		{"2025-06-15", 0, "2025-06-15"},
		{"2025-01-31", 1, "2025-02-28"},
		{"2025-03-31", -1, "2025-02-28"},
		{"2025-01-15", -1, "2024-12-15"},
		{"2025-01-15", -13, "2023-12-15"},
		{"2025-02-28", -3, "2024-11-28"},
		{"2025-06-30", 27, "2027-09-30"},
	}
	for _, c := range cases {
		got := MustDate(t, c.from).AddMonths(c.n)
		if got != MustDate(t, c.want) {
			t.Errorf("%s + %d months = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

// GraceEnds checked against a second, independent reckoning for every
// possible end date over several years, leap and common: the same day three
// months on, or the last day of that month; and never past it.
func TestGraceEndsEveryDay(t *testing.T) {
	for day := time.Date(2023, 1, 1, 12, 0, 0, 0, time.UTC); day.Year() < 2029; day = day.AddDate(0, 0, 1) {
		end := eligibility.DateOf(day)
		firstOfTarget := time.Date(day.Year(), day.Month()+3, 1, 12, 0, 0, 0, time.UTC)
		lastOfTarget := firstOfTarget.AddDate(0, 1, -1).Day()
		want := eligibility.NewDate(firstOfTarget.Year(), firstOfTarget.Month(), min(day.Day(), lastOfTarget))
		if got := eligibility.GraceEnds(end); got != want {
			t.Fatalf("GraceEnds(%s) = %s, want %s", end, got, want)
		}
	}
}

func TestGraceEnds(t *testing.T) {
	cases := []struct{ end, want string }{
		{"2025-03-15", "2025-06-15"},
		{"2025-08-31", "2025-11-30"},
		{"2023-11-30", "2024-02-29"},
		{"2024-11-30", "2025-02-28"},
	}
	for _, c := range cases {
		if got := eligibility.GraceEnds(MustDate(t, c.end)); got != MustDate(t, c.want) {
			t.Errorf("GraceEnds(%s) = %s, want %s", c.end, got, c.want)
		}
	}
	if eligibility.GraceMonths != 3 {
		t.Errorf("GraceMonths = %d; the unit allows 3", eligibility.GraceMonths)
	}
}

func TestDateValid(t *testing.T) {
	cases := []struct {
		d    eligibility.Date
		want bool
	}{
		{eligibility.NewDate(2025, time.June, 15), true},
		{eligibility.NewDate(2024, time.February, 29), true},
		{eligibility.NewDate(2025, time.February, 29), false},
		{eligibility.NewDate(2000, time.February, 29), true},
		{eligibility.NewDate(1900, time.February, 29), false},
		{eligibility.NewDate(2025, time.April, 30), true},
		{eligibility.NewDate(2025, time.April, 31), false},
		{eligibility.NewDate(2025, time.December, 31), true},
		{eligibility.NewDate(2025, time.January, 0), false},
		{eligibility.NewDate(2025, 0, 10), false},
		{eligibility.NewDate(2025, 13, 10), false},
		{eligibility.NewDate(0, time.January, 1), false},
		{eligibility.NewDate(10000, time.January, 1), false},
		{eligibility.Date{}, false},
	}
	for _, c := range cases {
		if got := c.d.Valid(); got != c.want {
			t.Errorf("%v.Valid() = %v, want %v", c.d, got, c.want)
		}
	}
	if !(eligibility.Date{}).IsZero() || eligibility.NewDate(2025, 1, 1).IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestDateCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"2025-06-15", "2025-06-15", 0},
		{"2025-06-15", "2025-06-16", -1},
		{"2025-06-16", "2025-06-15", 1},
		{"2025-05-31", "2025-06-01", -1},
		{"2024-12-31", "2025-01-01", -1},
		{"2025-01-01", "2024-12-31", 1},
		{"2025-11-01", "2025-02-28", 1},
	}
	for _, c := range cases {
		a, b := MustDate(t, c.a), MustDate(t, c.b)
		if got := a.Compare(b); got != c.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
		if a.Before(b) != (c.want < 0) || a.After(b) != (c.want > 0) {
			t.Errorf("Before/After(%s, %s) disagree with Compare", c.a, c.b)
		}
	}
}

func TestParseAndFormatDate(t *testing.T) {
	d := MustDate(t, "2024-02-29")
	if d != eligibility.NewDate(2024, time.February, 29) {
		t.Errorf("ParseDate = %#v", d)
	}
	if d.String() != "2024-02-29" || d.Long() != "29 February 2024" {
		t.Errorf("String %q, Long %q", d.String(), d.Long())
	}
	if got := eligibility.NewDate(2025, time.March, 1).String(); got != "2025-03-01" {
		t.Errorf("String pads: got %q", got)
	}
	for _, bad := range []string{"", "2025-02-29", "2025-13-01", "29/02/2024", "2024-2-29", "2024-02-29T00:00:00Z"} {
		if _, err := eligibility.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
}

// The check runs on London's calendar date: at 00:30 BST on 1 July it is
// already 1 July in London though still 30 June in UTC.
func TestDateOfUsesTheTimesLocation(t *testing.T) {
	bst := time.FixedZone("BST", 60*60)
	instant := time.Date(2025, time.July, 1, 0, 30, 0, 0, bst)
	if got := eligibility.DateOf(instant); got != eligibility.NewDate(2025, time.July, 1) {
		t.Errorf("DateOf(London time) = %s, want 2025-07-01", got)
	}
	if got := eligibility.DateOf(instant.UTC()); got != eligibility.NewDate(2025, time.June, 30) {
		t.Errorf("DateOf(UTC) = %s, want 2025-06-30", got)
	}
}
