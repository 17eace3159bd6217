package web

import (
	"html"
	"strconv"
	"strings"
)

// entryHTML is the markup of one time in the coach's calendar: its hours,
// what it is (free, booked and by whom, blocked, past, in time off) and,
// for a time nobody ever booked, the button that removes it. It is
// written here rather than in a template because a coach's week has
// dozens of them, and templ's interpolation (fmt.Sprint for every value)
// made this the costliest part of the page most opened all day. Every
// value from outside is escaped.
func entryHTML(e CalendarEntry) string {
	var b strings.Builder
	b.Grow(384)
	start, end := e.Start.In(london), e.End.In(london)
	b.WriteString("<strong>")
	b.WriteString(clock(start))
	b.WriteString(" to ")
	b.WriteString(clock(end))
	b.WriteString("</strong> ")
	tag := func(colour, text string) {
		b.WriteString(`<strong class="nhsuk-tag nhsuk-tag--`)
		b.WriteString(colour)
		b.WriteString(`">`)
		b.WriteString(text)
		b.WriteString("</strong>")
	}
	switch {
	case e.Blocked:
		tag("grey", "Blocked")
	case e.Booked:
		switch e.Status {
		case "attended":
			tag("white", "Took place")
		case "not_attended":
			tag("red", "Did not attend")
		default:
			tag("blue", "Booked")
		}
		if e.CanOpen {
			b.WriteString(" ")
			b.WriteString(html.EscapeString(e.Trainee))
			b.WriteString(`, <a href="/staff/referrals/`)
			b.WriteString(html.EscapeString(e.Reference))
			b.WriteString("#appointment-")
			b.WriteString(strconv.FormatInt(e.Appointment, 10))
			b.WriteString(`">`)
			b.WriteString(html.EscapeString(e.Reference))
			b.WriteString("</a>")
		} else {
			b.WriteString(" (a trainee now with another coach)")
		}
	case e.Past:
		tag("grey", "Past, not booked")
	case e.InTimeOff:
		tag("grey", "In your time off")
	default:
		tag("green", "Free")
		b.WriteString(" ")
		b.WriteString(html.EscapeString(ModeLabel(e.Mode)))
	}
	if e.CanRemove {
		b.WriteString(`<form method="post" action="/staff/calendar/slots/`)
		b.WriteString(strconv.FormatInt(e.ID, 10))
		b.WriteString(`/delete" novalidate class="app-inline-form"><button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" data-module="nhsuk-button" type="submit">Remove<span class="nhsuk-u-visually-hidden"> `)
		b.WriteString(clock(start))
		b.WriteString(" on ")
		b.WriteString(start.Format("2 January"))
		b.WriteString("</span></button></form>")
	}
	return b.String()
}
