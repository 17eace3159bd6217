package web

import "io"

// writeEntry writes the markup of one time in the coach's calendar: its hours,
// what it is (free, booked and by whom, blocked, past, in time off) and,
// for a time nobody ever booked, the button that removes it. It is
// written here rather than in a template because a coach's week has
// dozens of them (markup says why). It goes straight into the page, not
// through a string of its own.
func writeEntry(w io.Writer, e *CalendarEntry) error {
	o := &markup{w: w}
	start, end := e.Start.In(london), e.End.In(london)
	o.s("<strong>")
	o.s(clock(start))
	o.s(" to ")
	o.s(clock(end))
	o.s("</strong> ")
	tag := func(colour, text string) {
		o.s(`<strong class="nhsuk-tag nhsuk-tag--`)
		o.s(colour)
		o.s(`">`)
		o.s(text)
		o.s("</strong>")
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
			o.s(" ")
			o.esc(e.Trainee)
			o.s(`, <a href="/staff/referrals/`)
			o.esc(e.Reference)
			o.s("#appointment-")
			o.int(e.Appointment)
			o.s(`">`)
			o.esc(e.Reference)
			o.s("</a>")
		} else {
			o.s(" (a trainee now with another coach)")
		}
	case e.Past:
		tag("grey", "Past, not booked")
	case e.InTimeOff:
		tag("grey", "In your time off")
	default:
		tag("green", "Free")
		o.s(" ")
		o.esc(ModeLabel(e.Mode))
	}
	if e.CanRemove {
		o.s(`<form method="post" action="/staff/calendar/slots/`)
		o.int(e.ID)
		o.s(`/delete" novalidate class="app-inline-form"><button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" data-module="nhsuk-button" type="submit">Remove<span class="nhsuk-u-visually-hidden"> `)
		o.s(clock(start))
		o.s(" on ")
		o.time(start, "2 January")
		o.s("</span></button></form>")
	}
	return o.err
}
