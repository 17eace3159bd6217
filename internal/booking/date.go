package booking

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"time"
	_ "time/tzdata" // Europe/London must resolve even in a minimal container image
)

// london is the unit's time zone: patterns, weeks and invitations are
// defined in it.
var london = mustLoadLocation("Europe/London")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot happen
	}
	return loc
}

// Date is a calendar date with no time of day and no time zone, such as the
// first and last day of an availability pattern. A time.Time at midnight
// would blur it: midnight in London is 23:00 UTC the day before for half the
// year. The zero Date means "not given".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date; it does not check it (see Valid).
func NewDate(year int, month time.Month, day int) Date {
	return Date{Year: year, Month: month, Day: day}
}

// DateOf is the calendar date in Europe/London at the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(london).Date()
	return Date{y, m, d}
}

// ErrNoDate is ParseDate's error for an empty string: a page's date
// parameter is usually absent, and a plain error value costs nothing to
// make (the coach's week parses its ?from= on every request).
var ErrNoDate = errors.New("booking: no date given")

// ParseDate reads an ISO 8601 date, 2006-01-02.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, ErrNoDate
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("booking: parse date: %w", err)
	}
	y, m, d := t.Date()
	return Date{y, m, d}, nil
}

// String is the ISO 8601 form, 2006-01-02.
func (d Date) String() string {
	b := make([]byte, 0, 10)
	pad := func(n, width int) {
		s := strconv.Itoa(n)
		for i := len(s); i < width; i++ {
			b = append(b, '0')
		}
		b = append(b, s...)
	}
	pad(d.Year, 4)
	b = append(b, '-')
	pad(int(d.Month), 2)
	b = append(b, '-')
	pad(d.Day, 2)
	return string(b)
}

// IsZero reports whether d was not given.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real calendar date in years 1 to 9999.
func (d Date) Valid() bool {
	return d.Year >= 1 && d.Year <= 9999 && d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= time.Date(d.Year, d.Month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Compare returns -1, 0 or +1 as d is before, the same as, or after e.
func (d Date) Compare(e Date) int { return cmp.Compare(d.ordinal(), e.ordinal()) }

// AddDays moves d by n calendar days (n may be negative).
func (d Date) AddDays(n int) Date {
	y, m, dd := d.utc().AddDate(0, 0, n).Date()
	return Date{y, m, dd}
}

// Weekday is the day of the week d falls on.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Midnight is the instant d begins in Europe/London, in UTC. The clocks
// change at 01:00, so midnight always exists and is never repeated.
func (d Date) Midnight() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, london).UTC()
}

// utc is d at 00:00 UTC: a day-counting device with no clock changes.
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// ordinal counts days, so that subtracting two ordinals gives the days between.
func (d Date) ordinal() int64 { return d.utc().Unix() / 86400 }

// daysBetween is how many calendar days e is after d (negative if before).
func daysBetween(d, e Date) int { return int(e.ordinal() - d.ordinal()) }
