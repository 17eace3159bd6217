package web

import (
	"io"
	"strconv"
	"time"
)

// markup writes a page's pieces straight into it, keeping the first error.
// Hot parts of pages that repeat per row (the coach's week, the queue)
// are written with it rather than in a template: templ formats every
// value with fmt.Sprint, an allocation and a reflection each, which made
// those rows the costliest part of the pages opened all day. Everything
// from outside goes through esc.
type markup struct {
	w   io.Writer
	err error
	// scratch holds a number or a date while it is written.
	scratch [32]byte
}

// s writes v as it is: markup the code wrote, never a value from outside.
func (o *markup) s(v string) {
	if o.err == nil {
		_, o.err = io.WriteString(o.w, v)
	}
}

// esc writes v escaped for HTML text or a quoted attribute value, as
// html.EscapeString does, without making a new string.
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
		o.s(v[last:i])
		o.s(entity)
		last = i + 1
	}
	o.s(v[last:])
}

// int writes n in decimal.
func (o *markup) int(n int64) {
	o.bytes(strconv.AppendInt(o.scratch[:0], n, 10))
}

// time writes t formatted by layout (a layout of the code's, never a value
// from outside: its output is not escaped).
func (o *markup) time(t time.Time, layout string) {
	o.bytes(t.AppendFormat(o.scratch[:0], layout))
}

func (o *markup) bytes(b []byte) {
	if o.err == nil {
		_, o.err = o.w.Write(b)
	}
}
