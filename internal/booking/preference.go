package booking

import (
	"strings"
	"time"
	"unicode"
)

// Preference is what a trainee told us suits them for sessions (on the
// referral's appointments page): a way of meeting, and days and parts of
// the day read from their own words ("weekday evenings", "Tuesday or
// Thursday mornings"). Words it does not know are ignored, so an empty
// Preference matches nothing and marks nothing.
type Preference struct {
	Mode  Mode // "" when not said
	Days  map[time.Weekday]bool
	Parts map[DayPart]bool
}

// DayPart is a part of the day, in London wall-clock time.
type DayPart string

// The parts of the day and their hours: a slot is in the part its start is in.
const (
	Morning   DayPart = "morning"   // before 12:00
	Afternoon DayPart = "afternoon" // 12:00 to 16:59
	Evening   DayPart = "evening"   // from 17:00
)

var dayWords = map[string][]time.Weekday{
	"monday": {time.Monday}, "mondays": {time.Monday}, "mon": {time.Monday},
	"tuesday": {time.Tuesday}, "tuesdays": {time.Tuesday}, "tue": {time.Tuesday}, "tues": {time.Tuesday},
	"wednesday": {time.Wednesday}, "wednesdays": {time.Wednesday}, "wed": {time.Wednesday},
	"thursday": {time.Thursday}, "thursdays": {time.Thursday}, "thu": {time.Thursday}, "thur": {time.Thursday}, "thurs": {time.Thursday},
	"friday": {time.Friday}, "fridays": {time.Friday}, "fri": {time.Friday},
	"saturday": {time.Saturday}, "saturdays": {time.Saturday}, "sat": {time.Saturday},
	"sunday": {time.Sunday}, "sundays": {time.Sunday}, "sun": {time.Sunday},
	"weekday": workdays, "weekdays": workdays, "weeknight": workdays, "weeknights": workdays,
	"weekend": {time.Saturday, time.Sunday}, "weekends": {time.Saturday, time.Sunday},
}

var workdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

var partWords = map[string]DayPart{
	"morning": Morning, "mornings": Morning, "am": Morning, "early": Morning, "breakfast": Morning,
	"afternoon": Afternoon, "afternoons": Afternoon, "pm": Afternoon, "lunch": Afternoon, "lunchtime": Afternoon, "lunchtimes": Afternoon,
	"evening": Evening, "evenings": Evening, "night": Evening, "nights": Evening, "weeknight": Evening, "weeknights": Evening,
}

// ParsePreference reads a preference from the referral's answers: mode is
// the chosen way of meeting ("virtual", "in_person", "telephone"), times
// the trainee's own words about days and times.
func ParsePreference(mode, times string) Preference {
	p := Preference{Days: map[time.Weekday]bool{}, Parts: map[DayPart]bool{}}
	if m := Mode(mode); m.Valid() {
		p.Mode = m
	}
	lower := strings.ToLower(times)
	for _, w := range strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) }) {
		for _, d := range dayWords[w] {
			p.Days[d] = true
		}
		if part, ok := partWords[w]; ok {
			p.Parts[part] = true
		}
	}
	if strings.Contains(lower, "after work") {
		p.Parts[Evening] = true
	}
	return p
}

// Known reports whether the preference says anything to match against.
func (p Preference) Known() bool { return p.Mode != "" || len(p.Days) > 0 || len(p.Parts) > 0 }

// PartOf is the part of the day t starts in, in London.
func PartOf(t time.Time) DayPart {
	switch h := t.In(london).Hour(); {
	case h < 12:
		return Morning
	case h < 17:
		return Afternoon
	}
	return Evening
}

// Matches reports whether a slot starting at start in mode fits every
// part of the preference that was said: the mode, a day and a part of the
// day. An empty preference matches nothing.
func (p Preference) Matches(start time.Time, mode Mode) bool {
	if !p.Known() {
		return false
	}
	if p.Mode != "" && p.Mode != mode {
		return false
	}
	if len(p.Days) > 0 && !p.Days[start.In(london).Weekday()] {
		return false
	}
	if len(p.Parts) > 0 && !p.Parts[PartOf(start)] {
		return false
	}
	return true
}
