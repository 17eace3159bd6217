package web

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// selectOptions is a select's options, the chosen ones selected, written
// straight into the page (every select's, the questions' and the queue's
// filters'): the queue's filters carry some sixty of them (every coach
// among them), and in a template they cost more than the queue's fifty
// rows (markup says why).
func selectOptions(opts []Option) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		o := newMarkup(w)
		for i := range opts {
			o.s(`<option value="`)
			o.esc(opts[i].Value)
			if opts[i].Checked {
				o.s(`" selected>`)
			} else {
				o.s(`">`)
			}
			o.esc(opts[i].Label)
			o.s(`</option>`)
		}
		return o.done()
	})
}
