package booking_test

import (
	"testing"
	"time"

	"careers/internal/booking"
)

func TestWindowBookable(t *testing.T) {
	now := time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)
	var w booking.Window // the defaults: 12 hours, 8 weeks
	cases := []struct {
		start time.Time
		want  bool
	}{
		{now.Add(12 * time.Hour), true},
		{now.Add(12*time.Hour + time.Minute), true},
		{now.Add(12*time.Hour - time.Second), false},
		{now, false},
		{now.Add(-time.Hour), false},
		{now.Add(8*7*24*time.Hour - time.Second), true},
		{now.Add(8 * 7 * 24 * time.Hour), false},
	}
	for _, c := range cases {
		if got := w.Bookable(c.start, now); got != c.want {
			t.Errorf("Bookable(%v) = %v, want %v", c.start.Sub(now), got, c.want)
		}
	}
	if w.NoticeText() != "12 hours" || w.HorizonText() != "8 weeks" {
		t.Errorf("texts = %q, %q", w.NoticeText(), w.HorizonText())
	}
	short := booking.Window{Notice: time.Hour, Horizon: 14 * 24 * time.Hour}
	if !short.Bookable(now.Add(time.Hour), now) || short.Bookable(now.Add(14*24*time.Hour), now) {
		t.Error("a configured window is not used")
	}
	if short.NoticeText() != "1 hour" || short.HorizonText() != "2 weeks" || (booking.Window{Notice: 90 * time.Minute}).NoticeText() != "90 minutes" {
		t.Errorf("texts = %q, %q", short.NoticeText(), short.HorizonText())
	}
}

func TestBankHolidays(t *testing.T) {
	for _, c := range []struct {
		d    booking.Date
		want bool
	}{
		{booking.NewDate(2026, 12, 25), true},  // Christmas Day, a Friday
		{booking.NewDate(2026, 12, 28), true},  // Boxing Day's substitute Monday
		{booking.NewDate(2027, 3, 29), true},   // Easter Monday 2027
		{booking.NewDate(2027, 3, 26), true},   // Good Friday 2027
		{booking.NewDate(2027, 8, 30), true},   // summer bank holiday (England, not Scotland's)
		{booking.NewDate(2027, 8, 2), false},   // Scotland's summer bank holiday only
		{booking.NewDate(2026, 12, 29), false}, // an ordinary Tuesday
		{booking.NewDate(2027, 3, 30), false},
	} {
		if _, got := booking.BankHoliday(c.d); got != c.want {
			t.Errorf("BankHoliday(%v) = %v, want %v", c.d, got, c.want)
		}
	}
}

func TestPatternSkipsBankHolidays(t *testing.T) {
	p := booking.Pattern{From: booking.NewDate(2026, 12, 21), Until: booking.NewDate(2027, 1, 1),
		Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		Start:    "10:00", Length: time.Hour, Mode: booking.ModeVirtual}
	var days []string
	for _, s := range p.Slots() {
		days = append(days, booking.DateOf(s.Start).String())
	}
	want := []string{"2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24", "2026-12-29", "2026-12-30", "2026-12-31"}
	if len(days) != len(want) {
		t.Fatalf("days = %v, want %v", days, want)
	}
	for i := range want {
		if days[i] != want[i] {
			t.Fatalf("days = %v, want %v", days, want)
		}
	}
}

func TestPreference(t *testing.T) {
	at := func(day, hour int) time.Time { return time.Date(2027, 1, day, hour, 0, 0, 0, time.UTC) } // January: London is UTC
	p := booking.ParsePreference("virtual", "Weekday evenings, after 6 if possible")
	for _, c := range []struct {
		start time.Time
		mode  booking.Mode
		want  bool
	}{
		{at(5, 18), booking.ModeVirtual, true},   // Tuesday 6pm
		{at(5, 17), booking.ModeVirtual, true},   // 5pm is evening
		{at(5, 16), booking.ModeVirtual, false},  // afternoon
		{at(5, 18), booking.ModeInPerson, false}, // wrong mode
		{at(9, 18), booking.ModeVirtual, false},  // Saturday
		{at(5, 9), booking.ModeTelephone, false},
	} {
		if got := p.Matches(c.start, c.mode); got != c.want {
			t.Errorf("Matches(%v, %s) = %v, want %v", c.start, c.mode, got, c.want)
		}
	}
	if booking.ParsePreference("", "").Matches(at(5, 18), booking.ModeVirtual) {
		t.Error("an empty preference matched")
	}
	if q := booking.ParsePreference("telephone", "Tuesday or Thursday mornings"); !q.Matches(at(7, 10), booking.ModeTelephone) || q.Matches(at(6, 10), booking.ModeTelephone) {
		t.Error("Tuesday or Thursday mornings")
	}
}
