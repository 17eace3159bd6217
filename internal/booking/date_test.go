package booking_test

import (
	"errors"
	"testing"
	"time"

	"careers/internal/booking"
)

func TestDate(t *testing.T) {
	d, err := booking.ParseDate("2028-02-29")
	if err != nil || d != booking.NewDate(2028, time.February, 29) || !d.Valid() || d.String() != "2028-02-29" {
		t.Fatalf("ParseDate(2028-02-29) = %v, %v", d, err)
	}
	for _, bad := range []string{"", "2027-02-29", "29/02/2028", "2028-2-3"} {
		if _, err := booking.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	if _, err := booking.ParseDate(""); !errors.Is(err, booking.ErrNoDate) {
		t.Errorf("ParseDate(\"\") = %v, want ErrNoDate", err)
	}
	for d, want := range map[booking.Date]string{
		booking.NewDate(2027, time.January, 5):   "2027-01-05",
		booking.NewDate(2026, time.December, 31): "2026-12-31",
		booking.NewDate(987, time.March, 10):     "0987-03-10",
	} {
		if got := d.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
	validity := []struct {
		d    booking.Date
		want bool
	}{
		{booking.NewDate(2027, time.February, 29), false},
		{booking.NewDate(2028, time.February, 29), true},
		{booking.NewDate(2026, time.April, 31), false},
		{booking.NewDate(2026, 13, 1), false},
		{booking.NewDate(2026, time.December, 31), true},
		{booking.Date{}, false},
	}
	for _, v := range validity {
		if v.d.Valid() != v.want {
			t.Errorf("%v.Valid() = %v", v.d, !v.want)
		}
	}
	if !(booking.Date{}).IsZero() || d.IsZero() {
		t.Error("IsZero wrong")
	}
	if got := booking.NewDate(2026, time.December, 31).AddDays(1); got != booking.NewDate(2027, time.January, 1) {
		t.Errorf("31 Dec + 1 = %v", got)
	}
	if got := booking.NewDate(2028, time.March, 1).AddDays(-1); got != booking.NewDate(2028, time.February, 29) {
		t.Errorf("1 Mar 2028 - 1 = %v", got)
	}
	if got := booking.NewDate(2026, time.March, 29).Weekday(); got != time.Sunday {
		t.Errorf("29 March 2026 is a %v", got)
	}
	a, b := booking.NewDate(2026, time.March, 31), booking.NewDate(2026, time.April, 1)
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("Compare wrong")
	}
	// Half past midnight in London in summer is still the day before in UTC.
	if got := booking.DateOf(MustUTC(t, "2026-06-30T23:30:00Z")); got != booking.NewDate(2026, time.July, 1) {
		t.Errorf("DateOf(23:30 UTC in summer) = %v, want 2026-07-01", got)
	}
	if got := booking.DateOf(MustUTC(t, "2026-12-31T23:30:00Z")); got != booking.NewDate(2026, time.December, 31) {
		t.Errorf("DateOf(23:30 UTC in winter) = %v, want 2026-12-31", got)
	}
	if got := booking.NewDate(2026, time.July, 1).Midnight(); !got.Equal(MustUTC(t, "2026-06-30T23:00:00Z")) || got.Location() != time.UTC {
		t.Errorf("Midnight(1 July) = %v", got)
	}
	if got := booking.NewDate(2026, time.January, 1).Midnight(); !got.Equal(MustUTC(t, "2026-01-01T00:00:00Z")) {
		t.Errorf("Midnight(1 January) = %v", got)
	}
}
