package eligibility

import (
	"cmp"
	"fmt"
	"time"
)

// Date is a calendar date with no time of day and no time zone: a CCT date
// or the day a check runs. The rules count in whole days and calendar
// months, which a time.Time at some instant would blur (midnight in London is
// 23:00 UTC the day before for half the year). The zero Date means "not
// given".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date; it does not check it (see Valid).
func NewDate(year int, month time.Month, day int) Date {
	return Date{Year: year, Month: month, Day: day}
}

// DateOf is the calendar date of t in t's own location. Callers pass the
// time in Europe/London, so a check just after midnight in summer uses the
// right day.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads an ISO 8601 date, 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("eligibility: parse date: %w", err)
	}
	return DateOf(t), nil
}

// IsZero reports whether d was not given.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real calendar date (not 31 April, not 29
// February in a common year) in years 1 to 9999.
func (d Date) Valid() bool {
	return d.Year >= 1 && d.Year <= 9999 &&
		d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// Compare returns -1, 0 or +1 as d is before, the same as, or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp.Compare(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp.Compare(int(d.Month), int(e.Month))
	default:
		return cmp.Compare(d.Day, e.Day)
	}
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// AddMonths moves d by n calendar months (n may be negative). When the
// target month is too short for d's day, the result is that month's last
// day: 31 August + 3 months is 30 November, 30 November 2023 + 3 months is
// 29 February 2024. This differs on purpose from time.Time.AddDate, which
// would roll 31 August + 3 months over into 1 December.
func (d Date) AddMonths(n int) Date {
	m := int(d.Month) - 1 + n
	y := d.Year + m/12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	month := time.Month(m + 1)
	return Date{y, month, min(d.Day, daysIn(y, month))}
}

// String is the ISO 8601 form, 2006-01-02.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Long is the form people read on NHS pages, 2 January 2006.
func (d Date) Long() string { return fmt.Sprintf("%d %s %d", d.Day, d.Month, d.Year) }

// daysIn is the number of days in the month: day 0 of the next month is the
// last day of this one.
func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
