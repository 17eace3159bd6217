package web

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// writeEntry writes the markup of one time in the coach's calendar: its hours,
// what it is (free, booked and by whom, blocked, past, in time off) and,
// for a time nobody ever booked, the button that removes it. It is
// written here rather than in a template because a coach's week has
// dozens of them (markup says why). It goes straight into the page, not
// through a string of its own.
func writeEntry(w io.Writer, e *CalendarEntry) error {
	o := newMarkup(w)
	o.entry(e)
	return o.done()
}

// entry writes e's markup (writeEntry).
func (o *markup) entry(e *CalendarEntry) {
	start, end := e.Start.In(london), e.End.In(london)
	o.s("<strong>")
	o.clock(start)
	o.s(" to ")
	o.clock(end)
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
		o.clock(start)
		o.s(" on ")
		o.time(start, "2 January")
		o.s("</span></button></form>")
	}
}

// weekRows is the week table's rows, a day each (its time off, then its
// hours' entries), written straight into the page: the coach's week is
// the page a coach opens most, and in a template (markup says why) its
// rows were most of its rendering.
func weekRows(p *CalendarProps) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		o := newMarkup(w)
		for i := range p.Days {
			d := &p.Days[i]
			o.s(`<tr role="row"><th scope="row" role="rowheader">`)
			o.time(d.Date.In(london), "Mon 2 Jan")
			if !dayHasTimes(*d) {
				o.s(` <span class="app-week__none">No times</span>`)
			}
			o.s(`</th>`)
			if p.AnyOff {
				o.s(`<td role="cell">`)
				for _, off := range d.TimeOff {
					o.s(`<div class="app-week__entry">`)
					// Rare: a template will do, after what has gathered.
					if err := o.flush(); err != nil {
						o.release()
						return err
					}
					if err := calOff(off, d.Date).Render(ctx, w); err != nil {
						o.release()
						return err
					}
					o.s(`</div>`)
				}
				o.s(`</td>`)
			}
			for _, cell := range d.ByHour {
				o.s(`<td role="cell">`)
				for j := range cell {
					if cell[j].Past {
						o.s(`<div class="app-week__entry app-week__entry--past">`)
					} else {
						o.s(`<div class="app-week__entry">`)
					}
					o.entry(&cell[j])
					o.s(`</div>`)
				}
				o.s(`</td>`)
			}
			o.s(`</tr>`)
		}
		return o.done()
	})
}
