package reports

import "time"

// DateLayout is how a period's dates are written in forms, links and file
// names.
const DateLayout = "2006-01-02"

// MaxPeriod is the longest period a report covers: long enough for five
// years of trends, short enough that one request cannot read the whole
// history many times over.
const MaxPeriod = 5 * 366 * 24 * time.Hour

// Period is a run of whole days, From to To inclusive. Both are dates
// (midnight UTC standing for the day); Bounds turns them into instants in
// the unit's time zone.
type Period struct {
	From, To time.Time
}

// PeriodError is a problem with the period form, in the words the form
// shows next to the field (so it starts with a capital, unlike most errors).
type PeriodError string

func (e PeriodError) Error() string { return string(e) }

// Errors a period can have.
const (
	ErrFromMissing PeriodError = "Enter the first day of the period"
	ErrFromInvalid PeriodError = "Enter the first day as year-month-day, like 2026-04-01"
	ErrToMissing   PeriodError = "Enter the last day of the period"
	ErrToInvalid   PeriodError = "Enter the last day as year-month-day, like 2026-06-30"
	ErrToBefore    PeriodError = "The last day must be the same as or after the first day"
	ErrTooLong     PeriodError = "Choose a period of 5 years or less"
)

// ParsePeriod reads a period from the form's two dates. It returns one
// error for each field that is wrong (fromErr, toErr), or a problem with
// the pair in toErr.
func ParsePeriod(from, to string) (p Period, fromErr, toErr error) {
	parse := func(s string, missing, invalid error) (time.Time, error) {
		if s == "" {
			return time.Time{}, missing
		}
		t, err := time.Parse(DateLayout, s)
		if err != nil || t.Year() < 2000 || t.Year() > 2999 {
			return time.Time{}, invalid
		}
		return t, nil
	}
	p.From, fromErr = parse(from, ErrFromMissing, ErrFromInvalid)
	p.To, toErr = parse(to, ErrToMissing, ErrToInvalid)
	if fromErr != nil || toErr != nil {
		return p, fromErr, toErr
	}
	switch {
	case p.To.Before(p.From):
		toErr = ErrToBefore
	case p.To.Sub(p.From) > MaxPeriod:
		toErr = ErrTooLong
	}
	return p, nil, toErr
}

// Bounds are the instants the period runs over in loc: from midnight at
// the start of From to midnight at the end of To (exclusive), so a period
// spanning a clock change still covers whole days.
func (p Period) Bounds(loc *time.Location) (start, end time.Time) {
	start = time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, loc)
	end = time.Date(p.To.Year(), p.To.Month(), p.To.Day()+1, 0, 0, 0, 0, loc)
	return start, end
}

// FromText and ToText are the period's dates as forms and links write them.
func (p Period) FromText() string { return p.From.Format(DateLayout) }

// ToText is the last day as forms and links write it.
func (p Period) ToText() string { return p.To.Format(DateLayout) }

// date is the calendar date of t (in its own location) at midnight UTC.
func date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// quarterStart is the first day of the calendar quarter holding day.
func quarterStart(day time.Time) time.Time {
	q := (int(day.Month()) - 1) / 3
	return time.Date(day.Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, time.UTC)
}

// LastQuarter is the last full calendar quarter before today (a date in
// the unit's time zone): the default period.
func LastQuarter(today time.Time) Period {
	start := quarterStart(date(today)).AddDate(0, -3, 0)
	return Period{From: start, To: start.AddDate(0, 3, -1)}
}

// ThisQuarter runs from the start of today's quarter to today.
func ThisQuarter(today time.Time) Period {
	return Period{From: quarterStart(date(today)), To: date(today)}
}

// Last12Months is the twelve months up to and including today.
func Last12Months(today time.Time) Period {
	d := date(today)
	return Period{From: d.AddDate(-1, 0, 1), To: d}
}
