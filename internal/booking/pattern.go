package booking

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Mode is how a session takes place.
type Mode string

// The modes; the values match the rest of the service's.
const (
	ModeVirtual   Mode = "virtual"
	ModeInPerson  Mode = "in_person"
	ModeTelephone Mode = "telephone"
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == ModeVirtual || m == ModeInPerson || m == ModeTelephone }

// The limits a pattern is checked against.
const (
	MinLength   = 15 * time.Minute // shortest session
	MaxLength   = 3 * time.Hour    // longest session
	MaxDays     = 366              // most days a pattern covers, From and Until included
	MaxPlaceLen = 200              // longest place or video link, in characters
)

// Pattern is a coach's weekly availability over a period: on each chosen
// weekday from From to Until (both included), Count slots of Length, the
// first at Start London wall-clock time and each next one Every later.
type Pattern struct {
	From, Until Date           // first and last day, both included
	Weekdays    []time.Weekday // the days of the week with slots; repeats are ignored
	Start       string         // first slot's start, "HH:MM" on the 24-hour clock, Europe/London
	Length      time.Duration  // each slot's length
	Every       time.Duration  // from one slot's start to the next; 0 means back to back (Length)
	Count       int            // slots per day; 0 means 1
	Mode        Mode
	Place       string // where, or the video link; required in person
}

// Slot is one bookable period.
type Slot struct {
	Start, End time.Time // UTC
	Mode       Mode
	Place      string
}

// FieldError is one problem with a pattern, worded to show next to the form
// field it concerns.
type FieldError struct {
	Field   string // "from", "until", "weekdays", "start", "length", "every", "count", "mode" or "place"
	Message string
}

// Error returns the message as it is shown.
func (e FieldError) Error() string { return e.Message }

// FieldErrors is every problem found in a pattern, in the order of the form.
type FieldErrors []FieldError

// Error joins the messages.
func (e FieldErrors) Error() string {
	msgs := make([]string, len(e))
	for i, f := range e {
		msgs[i] = f.Message
	}
	return strings.Join(msgs, "; ")
}

var clockTime = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)

// startMinute is Start as minutes after midnight, or -1 if it is malformed.
func (p Pattern) startMinute() int {
	m := clockTime.FindStringSubmatch(p.Start)
	if m == nil {
		return -1
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	return h*60 + mi
}

// step is the time from one slot's start to the next.
func (p Pattern) step() time.Duration {
	if p.Every == 0 {
		return p.Length
	}
	return p.Every
}

// count is the number of slots a day.
func (p Pattern) count() int { return max(p.Count, 1) }

// Validate checks the pattern and returns nil or FieldErrors.
func (p Pattern) Validate() error {
	var errs FieldErrors
	add := func(field, msg string) { errs = append(errs, FieldError{field, msg}) }

	fromOK, untilOK := false, false
	switch {
	case p.From.IsZero():
		add("from", "Enter the first date")
	case !p.From.Valid():
		add("from", "The first date must be a real date")
	default:
		fromOK = true
	}
	switch {
	case p.Until.IsZero():
		add("until", "Enter the last date")
	case !p.Until.Valid():
		add("until", "The last date must be a real date")
	default:
		untilOK = true
	}
	if fromOK && untilOK {
		switch days := daysBetween(p.From, p.Until) + 1; {
		case days < 1:
			add("until", "The last date must be the same as or after the first date")
		case days > MaxDays:
			add("until", "A pattern can cover at most 366 days")
		}
	}

	if len(p.Weekdays) == 0 {
		add("weekdays", "Choose at least one day of the week")
	}
	for _, d := range p.Weekdays {
		if d < time.Sunday || d > time.Saturday {
			add("weekdays", "Choose days of the week from Monday to Sunday")
			break
		}
	}

	start := p.startMinute()
	if start < 0 {
		add("start", "Enter the start time in hours and minutes on the 24-hour clock, like 14:00")
	}
	lengthOK := p.Length >= MinLength && p.Length <= MaxLength
	if !lengthOK {
		add("length", "Each slot must last between 15 minutes and 3 hours")
	}
	everyOK := p.Every == 0 || p.Every >= p.Length
	if !everyOK {
		add("every", "Slots in a day cannot overlap: the time between their starts must be at least the slot length")
	}
	countOK := p.Count >= 0
	if !countOK {
		add("count", "The number of slots a day must be 1 or more")
	}
	if start >= 0 && lengthOK && everyOK && countOK {
		// Bounding count and step first keeps the sum from overflowing.
		n, step := p.count(), p.step()
		if n > int(24*time.Hour/MinLength) || (n > 1 && step > 24*time.Hour) ||
			time.Duration(start)*time.Minute+time.Duration(n-1)*step+p.Length > 24*time.Hour {
			add("count", "The last slot of the day must end by midnight")
		}
	}

	if !p.Mode.Valid() {
		add("mode", "Choose video call, in person or telephone")
	}
	place := strings.TrimSpace(p.Place)
	switch {
	case p.Mode == ModeInPerson && place == "":
		add("place", "Enter where the in-person sessions take place")
	case utf8.RuneCountInString(place) > MaxPlaceLen:
		add("place", "The place must be 200 characters or fewer")
	}

	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Slots lists the pattern's slots in time order, in UTC. A slot keeps its
// London wall-clock time across clock changes, so 14:00 is 14:00 UTC in
// winter and 13:00 UTC in summer. A start time that does not exist on a
// day (01:00 to 01:59 when the clocks go forward) has no slot that day; one
// that happens twice (01:00 to 01:59 when they go back) is the first. A
// bank holiday in England (see BankHoliday) has no slots: a weekly pattern
// never offers one. An invalid pattern has no slots.
func (p Pattern) Slots() []Slot {
	if p.Validate() != nil {
		return nil
	}
	var on [7]bool
	for _, d := range p.Weekdays {
		on[d] = true
	}
	start, step, n := p.startMinute(), p.step(), p.count()
	place := strings.TrimSpace(p.Place)
	var slots []Slot
	for d := p.From; d.Compare(p.Until) <= 0; d = d.AddDays(1) {
		if !on[d.Weekday()] {
			continue
		}
		if _, holiday := BankHoliday(d); holiday {
			continue
		}
		for i := range n {
			t, ok := londonWallClock(d, time.Duration(start)*time.Minute+time.Duration(i)*step)
			if !ok {
				continue
			}
			slots = append(slots, Slot{Start: t, End: t.Add(p.Length), Mode: p.Mode, Place: place})
		}
	}
	return slots
}

// londonWallClock is the instant, in UTC, when London clocks show the time
// since midnight on d; ok is false when they never do.
func londonWallClock(d Date, since time.Duration) (t time.Time, ok bool) {
	want := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Add(since)
	t = time.Date(want.Year(), want.Month(), want.Day(), want.Hour(), want.Minute(), 0, 0, london)
	if !sameWallClock(t, want) {
		return time.Time{}, false // skipped by the clocks going forward
	}
	// time.Date does not promise which of a repeated hour it returns.
	if earlier := t.Add(-time.Hour); sameWallClock(earlier, want) {
		t = earlier
	}
	return t.UTC(), true
}

// sameWallClock reports whether London clocks show want's wall-clock time at t.
func sameWallClock(t, want time.Time) bool {
	l := t.In(london)
	return l.Year() == want.Year() && l.YearDay() == want.YearDay() &&
		l.Hour() == want.Hour() && l.Minute() == want.Minute()
}

// Overlaps reports whether two slots share any time. A slot that ends when
// the other starts does not overlap it.
func Overlaps(a, b Slot) bool { return a.Start.Before(b.End) && b.Start.Before(a.End) }

// Week is the calendar week containing t: from Monday 00:00 to the next
// Monday 00:00, Europe/London, returned in UTC. A week with a clock change
// is 167 or 169 hours long.
func Week(t time.Time) (start, end time.Time) {
	d := DateOf(t)
	monday := d.AddDays(-((int(d.Weekday()) + 6) % 7))
	return monday.Midnight(), monday.AddDays(7).Midnight()
}
