package web

import (
	"io"
	"strconv"
	"sync"
	"time"
)

// markup gathers a part of a page and writes it into the page at once.
// Hot parts of pages that repeat per row (the coach's week, the queue)
// are written with it rather than in a template: templ formats every
// value with fmt.Sprint, an allocation and a reflection each, and writes
// every piece through the page's writer, which made those rows the
// costliest part of the pages opened all day. Everything from outside
// goes through esc. Make one with newMarkup and end it with done.
type markup struct {
	w   io.Writer
	buf *[]byte
	b   []byte
}

// markupBuffers keeps the buffers parts are gathered in.
var markupBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func newMarkup(w io.Writer) *markup {
	buf := markupBuffers.Get().(*[]byte)
	return &markup{w: w, buf: buf, b: (*buf)[:0]}
}

// flush writes what has gathered into the page.
func (o *markup) flush() error {
	_, err := o.w.Write(o.b)
	o.b = o.b[:0]
	return err
}

// done writes what has gathered and lets the buffer go.
func (o *markup) done() error {
	err := o.flush()
	o.release()
	return err
}

// release lets the buffer go without writing what has gathered (after
// the page's writer failed).
func (o *markup) release() {
	if cap(o.b) <= 64<<10 {
		*o.buf = o.b[:0]
		markupBuffers.Put(o.buf)
	}
	o.buf, o.b = nil, nil
}

// s adds v as it is: markup the code wrote, never a value from outside.
func (o *markup) s(v string) { o.b = append(o.b, v...) }

// esc adds v escaped for HTML text or a quoted attribute value, as
// html.EscapeString does.
func (o *markup) esc(v string) {
	last := 0
	for i := 0; i < len(v); i++ {
		var entity string
		switch v[i] {
		case '<':
			entity = "&lt;"
		case '>':
			entity = "&gt;"
		case '&':
			entity = "&amp;"
		case '\'':
			entity = "&#39;"
		case '"':
			entity = "&#34;"
		default:
			continue
		}
		o.b = append(o.b, v[last:i]...)
		o.b = append(o.b, entity...)
		last = i + 1
	}
	o.b = append(o.b, v[last:]...)
}

// int adds n in decimal.
func (o *markup) int(n int64) { o.b = strconv.AppendInt(o.b, n, 10) }

// time adds t formatted by layout (a layout of the code's, never a value
// from outside: its output is not escaped).
func (o *markup) time(t time.Time, layout string) { o.b = t.AppendFormat(o.b, layout) }

// clock adds t's time of day as clock shows it (9am, 2:30pm).
func (o *markup) clock(t time.Time) { o.b = appendClock(o.b, t) }
