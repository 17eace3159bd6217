package booking_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"careers/internal/booking"
)

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func date(tb testing.TB, s string) booking.Date {
	tb.Helper()
	d, err := booking.ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func validPattern(tb testing.TB) booking.Pattern {
	return booking.Pattern{
		From: date(tb, "2026-06-01"), Until: date(tb, "2026-06-30"),
		Weekdays: []time.Weekday{time.Tuesday},
		Start:    "14:00", Length: time.Hour,
		Mode: booking.ModeVirtual,
	}
}

func TestPatternValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(p *booking.Pattern)
		want   []booking.FieldError // nil: valid
	}{
		{"valid", func(p *booking.Pattern) {}, nil},
		{"one day", func(p *booking.Pattern) { p.Until = p.From }, nil},
		{"366 days, both ends included", func(p *booking.Pattern) { p.From, p.Until = date(t, "2026-01-01"), date(t, "2027-01-01") }, nil},
		{"a leap year", func(p *booking.Pattern) { p.From, p.Until = date(t, "2028-01-01"), date(t, "2028-12-31") }, nil},
		{"367 days", func(p *booking.Pattern) { p.From, p.Until = date(t, "2026-01-01"), date(t, "2027-01-02") },
			[]booking.FieldError{{Field: "until", Message: "A pattern can cover at most 366 days"}}},
		{"ends before it starts", func(p *booking.Pattern) { p.Until = p.From.AddDays(-1) },
			[]booking.FieldError{{Field: "until", Message: "The last date must be the same as or after the first date"}}},
		{"no dates", func(p *booking.Pattern) { p.From, p.Until = booking.Date{}, booking.Date{} },
			[]booking.FieldError{{Field: "from", Message: "Enter the first date"}, {Field: "until", Message: "Enter the last date"}}},
		{"not real dates", func(p *booking.Pattern) {
			p.From, p.Until = booking.NewDate(2026, time.February, 30), booking.NewDate(2026, time.April, 31)
		}, []booking.FieldError{{Field: "from", Message: "The first date must be a real date"}, {Field: "until", Message: "The last date must be a real date"}}},
		{"no weekdays", func(p *booking.Pattern) { p.Weekdays = nil },
			[]booking.FieldError{{Field: "weekdays", Message: "Choose at least one day of the week"}}},
		{"weekday out of range", func(p *booking.Pattern) { p.Weekdays = []time.Weekday{time.Monday, 7} },
			[]booking.FieldError{{Field: "weekdays", Message: "Choose days of the week from Monday to Sunday"}}},
		{"repeated weekdays are fine", func(p *booking.Pattern) { p.Weekdays = []time.Weekday{time.Monday, time.Monday} }, nil},
		{"start 00:00", func(p *booking.Pattern) { p.Start = "00:00" }, nil},
		{"start 23:45 with 15 min ends at midnight", func(p *booking.Pattern) { p.Start, p.Length = "23:45", 15*time.Minute }, nil},
		{"start 23:45 with 30 min ends after midnight", func(p *booking.Pattern) { p.Start, p.Length = "23:45", 30*time.Minute },
			[]booking.FieldError{{Field: "count", Message: "The last slot of the day must end by midnight"}}},
		{"length exactly 15 min", func(p *booking.Pattern) { p.Length = 15 * time.Minute }, nil},
		{"length exactly 3 h", func(p *booking.Pattern) { p.Length = 3 * time.Hour }, nil},
		{"length just under 15 min", func(p *booking.Pattern) { p.Length = 15*time.Minute - time.Second },
			[]booking.FieldError{{Field: "length", Message: "Each slot must last between 15 minutes and 3 hours"}}},
		{"length just over 3 h", func(p *booking.Pattern) { p.Length = 3*time.Hour + time.Second },
			[]booking.FieldError{{Field: "length", Message: "Each slot must last between 15 minutes and 3 hours"}}},
		{"no length", func(p *booking.Pattern) { p.Length = 0 },
			[]booking.FieldError{{Field: "length", Message: "Each slot must last between 15 minutes and 3 hours"}}},
		{"three back to back ending at midnight", func(p *booking.Pattern) { p.Start, p.Count = "21:00", 3 }, nil},
		{"four back to back run past midnight", func(p *booking.Pattern) { p.Start, p.Count = "21:00", 4 },
			[]booking.FieldError{{Field: "count", Message: "The last slot of the day must end by midnight"}}},
		{"every shorter than the length overlaps", func(p *booking.Pattern) { p.Every, p.Count = 30*time.Minute, 2 },
			[]booking.FieldError{{Field: "every", Message: "Slots in a day cannot overlap: the time between their starts must be at least the slot length"}}},
		{"negative every", func(p *booking.Pattern) { p.Every = -time.Hour },
			[]booking.FieldError{{Field: "every", Message: "Slots in a day cannot overlap: the time between their starts must be at least the slot length"}}},
		{"every equal to the length", func(p *booking.Pattern) { p.Every, p.Count = time.Hour, 3 }, nil},
		{"a huge count", func(p *booking.Pattern) { p.Count = 1 << 40 },
			[]booking.FieldError{{Field: "count", Message: "The last slot of the day must end by midnight"}}},
		{"a huge every", func(p *booking.Pattern) { p.Every, p.Count = 1<<62, 3 },
			[]booking.FieldError{{Field: "count", Message: "The last slot of the day must end by midnight"}}},
		{"negative count", func(p *booking.Pattern) { p.Count = -1 },
			[]booking.FieldError{{Field: "count", Message: "The number of slots a day must be 1 or more"}}},
		{"no mode", func(p *booking.Pattern) { p.Mode = "" },
			[]booking.FieldError{{Field: "mode", Message: "Choose video call, in person or telephone"}}},
		{"in person needs a place", func(p *booking.Pattern) { p.Mode, p.Place = booking.ModeInPerson, "  " },
			[]booking.FieldError{{Field: "place", Message: "Enter where the in-person sessions take place"}}},
		{"in person with a place", func(p *booking.Pattern) { p.Mode, p.Place = booking.ModeInPerson, "Room 4, Stewart House" }, nil},
		{"place of 200 characters", func(p *booking.Pattern) { p.Place = strings.Repeat("é", 200) }, nil},
		{"place of 201 characters", func(p *booking.Pattern) { p.Place = strings.Repeat("é", 201) },
			[]booking.FieldError{{Field: "place", Message: "The place must be 200 characters or fewer"}}},
		{"everything wrong", func(p *booking.Pattern) { *p = booking.Pattern{Start: "2pm"} }, []booking.FieldError{
			{Field: "from", Message: "Enter the first date"},
			{Field: "until", Message: "Enter the last date"},
			{Field: "weekdays", Message: "Choose at least one day of the week"},
			{Field: "start", Message: "Enter the start time in hours and minutes on the 24-hour clock, like 14:00"},
			{Field: "length", Message: "Each slot must last between 15 minutes and 3 hours"},
			{Field: "mode", Message: "Choose video call, in person or telephone"},
		}},
	}
	for _, bad := range []string{"", "24:00", "9:00", "14:60", "14:00 ", "14.00", "14:00:00", "１４:００"} {
		cases = append(cases, struct {
			name   string
			change func(p *booking.Pattern)
			want   []booking.FieldError
		}{"start " + bad, func(p *booking.Pattern) { p.Start = bad },
			[]booking.FieldError{{Field: "start", Message: "Enter the start time in hours and minutes on the 24-hour clock, like 14:00"}}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validPattern(t)
			c.change(&p)
			err := p.Validate()
			if c.want == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var fe booking.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v (%T), want FieldErrors", err, err)
			}
			if !slices.Equal(fe, c.want) {
				t.Fatalf("Validate =\n %q\nwant\n %q", fe, c.want)
			}
			if p.Slots() != nil {
				t.Fatal("an invalid pattern has slots")
			}
		})
	}
}

// londonClock is t's wall-clock time in London.
func londonClock(tb testing.TB, t time.Time) string {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		tb.Fatal(err)
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func starts(slots []booking.Slot) []string {
	var s []string
	for _, sl := range slots {
		s = append(s, sl.Start.Format(time.RFC3339))
	}
	return s
}

func TestPatternSlots(t *testing.T) {
	cases := []struct {
		name    string
		pattern booking.Pattern
		want    []string // slot starts, UTC
	}{
		{"March: 14:00 London is 14:00 UTC before the change and 13:00 UTC after", booking.Pattern{
			From: date(t, "2026-03-27"), Until: date(t, "2026-03-31"), Weekdays: weekdays,
			Start: "14:00", Length: time.Hour, Mode: booking.ModeVirtual,
		}, []string{"2026-03-27T14:00:00Z", "2026-03-28T14:00:00Z", "2026-03-29T13:00:00Z", "2026-03-30T13:00:00Z", "2026-03-31T13:00:00Z"}},
		{"October: 14:00 London is 13:00 UTC before the change and 14:00 UTC after", booking.Pattern{
			From: date(t, "2026-10-23"), Until: date(t, "2026-10-27"), Weekdays: weekdays,
			Start: "14:00", Length: time.Hour, Mode: booking.ModeVirtual,
		}, []string{"2026-10-23T13:00:00Z", "2026-10-24T13:00:00Z", "2026-10-25T14:00:00Z", "2026-10-26T14:00:00Z", "2026-10-27T14:00:00Z"}},
		{"weekdays honoured, From and Until included", booking.Pattern{
			From: date(t, "2026-06-01"), Until: date(t, "2026-06-10"), Weekdays: []time.Weekday{time.Wednesday, time.Monday, time.Monday},
			Start: "09:30", Length: time.Hour, Mode: booking.ModeTelephone,
		}, []string{"2026-06-01T08:30:00Z", "2026-06-03T08:30:00Z", "2026-06-08T08:30:00Z", "2026-06-10T08:30:00Z"}},
		{"no chosen weekday in the period", booking.Pattern{
			From: date(t, "2026-06-02"), Until: date(t, "2026-06-04"), Weekdays: []time.Weekday{time.Monday},
			Start: "09:30", Length: time.Hour, Mode: booking.ModeVirtual,
		}, nil},
		{"three back to back", booking.Pattern{
			From: date(t, "2026-01-05"), Until: date(t, "2026-01-05"), Weekdays: []time.Weekday{time.Monday},
			Start: "09:00", Length: 45 * time.Minute, Count: 3, Mode: booking.ModeVirtual,
		}, []string{"2026-01-05T09:00:00Z", "2026-01-05T09:45:00Z", "2026-01-05T10:30:00Z"}},
		{"hourly with a break", booking.Pattern{
			From: date(t, "2026-01-05"), Until: date(t, "2026-01-05"), Weekdays: []time.Weekday{time.Monday},
			Start: "09:00", Length: 45 * time.Minute, Every: time.Hour, Count: 2, Mode: booking.ModeVirtual,
		}, []string{"2026-01-05T09:00:00Z", "2026-01-05T10:00:00Z"}},
		{"every without count is one slot", booking.Pattern{
			From: date(t, "2026-01-05"), Until: date(t, "2026-01-05"), Weekdays: []time.Weekday{time.Monday},
			Start: "09:00", Length: 45 * time.Minute, Every: time.Hour, Mode: booking.ModeVirtual,
		}, []string{"2026-01-05T09:00:00Z"}},
		// 01:00 to 01:59 London does not exist on 29 March 2026.
		{"a wall time the clocks skip has no slot", booking.Pattern{
			From: date(t, "2026-03-28"), Until: date(t, "2026-03-29"), Weekdays: weekdays,
			Start: "00:30", Length: 30 * time.Minute, Count: 4, Mode: booking.ModeVirtual,
		}, []string{
			"2026-03-28T00:30:00Z", "2026-03-28T01:00:00Z", "2026-03-28T01:30:00Z", "2026-03-28T02:00:00Z",
			"2026-03-29T00:30:00Z" /* 01:00, 01:30 skipped */, "2026-03-29T01:00:00Z", /* 02:00 BST */
		}},
		// 01:00 to 01:59 London happens twice on 25 October 2026.
		{"a wall time the clocks repeat is the first", booking.Pattern{
			From: date(t, "2026-10-25"), Until: date(t, "2026-10-25"), Weekdays: weekdays,
			Start: "01:30", Length: 15 * time.Minute, Mode: booking.ModeVirtual,
		}, []string{"2026-10-25T00:30:00Z"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			slots := c.pattern.Slots()
			if got := starts(slots); !slices.Equal(got, c.want) {
				t.Fatalf("starts =\n %v\nwant\n %v", got, c.want)
			}
			for i, s := range slots {
				if s.Start.Location() != time.UTC || s.End.Location() != time.UTC {
					t.Errorf("slot %d not in UTC: %v", i, s)
				}
				if s.End.Sub(s.Start) != c.pattern.Length {
					t.Errorf("slot %d lasts %v", i, s.End.Sub(s.Start))
				}
				if s.Mode != c.pattern.Mode {
					t.Errorf("slot %d mode %q", i, s.Mode)
				}
				if !slices.Contains(c.pattern.Weekdays, booking.DateOf(s.Start).Weekday()) {
					t.Errorf("slot %d on a %v", i, booking.DateOf(s.Start).Weekday())
				}
				if i > 0 && booking.Overlaps(slots[i-1], s) {
					t.Errorf("slots %d and %d overlap", i-1, i)
				}
			}
		})
	}
}

func TestPatternSlotsKeepWallClock(t *testing.T) {
	// A whole year of Tuesdays at 14:00: every slot is 14:00 in London
	// whatever the UTC time.
	p := booking.Pattern{From: date(t, "2026-01-01"), Until: date(t, "2026-12-31"),
		Weekdays: []time.Weekday{time.Tuesday}, Start: "14:00", Length: time.Hour,
		Mode: booking.ModeInPerson, Place: "  Room 4  "}
	slots := p.Slots()
	if len(slots) != 52 {
		t.Fatalf("%d Tuesdays in 2026, want 52", len(slots))
	}
	for _, s := range slots {
		if got := londonClock(t, s.Start)[11:]; got != "14:00" {
			t.Fatalf("slot at %s London", got)
		}
		if s.Place != "Room 4" {
			t.Fatalf("place %q, want trimmed", s.Place)
		}
	}
}

func TestOverlaps(t *testing.T) {
	at := func(from, to string) booking.Slot {
		return booking.Slot{Start: MustUTC(t, "2026-06-01T"+from+":00Z"), End: MustUTC(t, "2026-06-01T"+to+":00Z")}
	}
	cases := []struct {
		name string
		a, b booking.Slot
		want bool
	}{
		{"the same slot", at("10:00", "11:00"), at("10:00", "11:00"), true},
		{"one inside the other", at("10:00", "12:00"), at("10:30", "11:00"), true},
		{"partly, later", at("10:00", "11:00"), at("10:59", "12:00"), true},
		{"back to back", at("10:00", "11:00"), at("11:00", "12:00"), false},
		{"apart", at("10:00", "11:00"), at("13:00", "14:00"), false},
		{"one nanosecond shared", at("10:00", "11:00"),
			booking.Slot{Start: MustUTC(t, "2026-06-01T11:00:00Z").Add(-1), End: MustUTC(t, "2026-06-01T12:00:00Z")}, true},
	}
	for _, c := range cases {
		if got := booking.Overlaps(c.a, c.b); got != c.want {
			t.Errorf("%s: Overlaps(a, b) = %v", c.name, got)
		}
		if got := booking.Overlaps(c.b, c.a); got != c.want {
			t.Errorf("%s: Overlaps(b, a) = %v", c.name, got)
		}
	}
}

func TestWeek(t *testing.T) {
	cases := []struct {
		name       string
		t          time.Time
		start, end string // UTC
		hours      int
	}{
		{"a Wednesday in winter", MustLondon(t, "2026-01-14 12:00"), "2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z", 168},
		{"Monday 00:00 begins the week", MustLondon(t, "2026-01-12 00:00"), "2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z", 168},
		{"Sunday 23:59 ends it", MustLondon(t, "2026-01-18 23:59"), "2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z", 168},
		{"a week in summer", MustLondon(t, "2026-07-01 09:00"), "2026-06-28T23:00:00Z", "2026-07-05T23:00:00Z", 168},
		{"Monday 00:00 London in summer is Sunday in UTC", MustUTC(t, "2026-06-28T23:00:00Z"), "2026-06-28T23:00:00Z", "2026-07-05T23:00:00Z", 168},
		{"Sunday 23:30 London in summer", MustUTC(t, "2026-07-05T22:30:00Z"), "2026-06-28T23:00:00Z", "2026-07-05T23:00:00Z", 168},
		{"the week the clocks go forward is 167 h", MustLondon(t, "2026-03-29 12:00"), "2026-03-23T00:00:00Z", "2026-03-29T23:00:00Z", 167},
		{"the week the clocks go back is 169 h", MustLondon(t, "2026-10-25 12:00"), "2026-10-18T23:00:00Z", "2026-10-26T00:00:00Z", 169},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start, end := booking.Week(c.t)
			if start.Format(time.RFC3339) != c.start || end.Format(time.RFC3339) != c.end {
				t.Fatalf("Week = %v to %v, want %s to %s", start, end, c.start, c.end)
			}
			if start.Location() != time.UTC || end.Location() != time.UTC {
				t.Fatal("not UTC")
			}
			if h := end.Sub(start); h != time.Duration(c.hours)*time.Hour {
				t.Fatalf("week lasts %v, want %d h", h, c.hours)
			}
			if c.t.Before(start) || !c.t.Before(end) {
				t.Fatalf("%v is not in its own week", c.t)
			}
			if got := londonClock(t, start); got[11:] != "00:00" || booking.DateOf(start).Weekday() != time.Monday {
				t.Fatalf("week starts %s London", got)
			}
		})
	}
}

func TestModeValid(t *testing.T) {
	for _, m := range []booking.Mode{"virtual", "in_person", "telephone"} {
		if !m.Valid() {
			t.Errorf("%q not valid", m)
		}
	}
	for _, m := range []booking.Mode{"", "video", "In_person"} {
		if m.Valid() {
			t.Errorf("%q valid", m)
		}
	}
}
