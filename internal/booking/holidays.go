package booking

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"
)

// englandHolidays is the bank holidays of England and Wales, from a
// maintained library rather than a hand-made list (new one-off holidays,
// such as a coronation, arrive with its updates). It is only read, never
// changed, and not cached, so it is safe to share.
var englandHolidays = &cal.Calendar{Name: "England and Wales", Holidays: gb.Holidays}

// BankHoliday reports whether d is a bank holiday in England: the holiday
// itself or the weekday it is moved to when it falls at a weekend (Boxing
// Day 2026 is on a Saturday; Monday 28 December is the bank holiday).
// name is the holiday's name, such as "Christmas Day".
func BankHoliday(d Date) (name string, ok bool) {
	actual, observed, h := englandHolidays.IsHoliday(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC))
	if (!actual && !observed) || h == nil {
		return "", false
	}
	return h.Name, true
}
