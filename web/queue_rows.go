package web

import (
	"context"
	"io"
	"time"

	"github.com/a-h/templ"
)

// queueRows is the queue table's rows, written straight into the page: a
// page has fifty of them, and in a template (markup says why) they were
// two thirds of the queue page's rendering.
func queueRows(rows []QueueRow) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		o := newMarkup(w)
		for i := range rows {
			writeQueueRow(o, &rows[i])
		}
		return o.done()
	})
}

// writeQueueRow writes one referral's row of the queue: its reference as a
// link, the trainee and route, the status and eligibility as tags, the
// coach, when it came in and how it stands against its deadline.
func writeQueueRow(o *markup, row *QueueRow) {
	const cell = `<td class="nhsuk-table__cell">`
	o.s(`<tr class="nhsuk-table__row">` + cell + `<a href="`)
	o.esc(rowHref(*row))
	o.s(`">`)
	o.esc(row.Reference)
	o.s(`</a></td>` + cell)
	o.esc(row.TraineeName)
	o.s(`<br><span class="nhsuk-body-s nhsuk-u-secondary-text-colour">`)
	o.esc(RouteLabel(row.Route))
	o.s(`</span></td>` + cell + `<strong class="nhsuk-tag `)
	o.esc(statusTagClass(row.Status))
	o.s(`">`)
	o.esc(StatusLabel(row.Status))
	o.s(`</strong></td>` + cell + `<strong class="`)
	o.esc(queueEligibilityClass(row.Eligibility))
	o.s(`">`)
	o.esc(row.EligibilityLabel)
	o.s(`</strong></td>` + cell)
	if row.Coach != "" {
		o.esc(row.Coach)
	} else {
		o.s("Not allocated")
	}
	o.s(`</td>` + cell)
	o.date(row.SubmittedAt)
	o.s(`</td>` + cell)
	if row.Deadline.Tag != "" {
		o.s(`<strong class="nhsuk-tag `)
		o.esc(row.Deadline.Tag)
		o.s(`">`)
		o.esc(row.Deadline.Text)
		o.s(`</strong>`)
	} else {
		o.esc(row.Deadline.Text)
	}
	if !row.Deadline.Due.IsZero() {
		o.s(`<br><span class="nhsuk-body-s">Due `)
		o.date(row.Deadline.Due)
		o.s(`</span>`)
	}
	o.s(`</td></tr>`)
}

// date writes a day as queueDate shows it (3 Mar 2026), nothing for none.
func (o *markup) date(t time.Time) {
	if !t.IsZero() {
		o.time(t.In(london), "2 Jan 2006")
	}
}
