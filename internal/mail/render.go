package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/a-h/templ"
)

// Render renders a message's two parts and returns it ready for its
// recipients (the caller sets To, and Attachments if any).
//
// html is an ordinary templ component, normally wrapped in Layout. text is
// the plain-text part, a templ component built only from Para, Line, Lines,
// List and Link: templ would escape HTML in { } expressions and fold line
// breaks, so those blocks write their strings as they are, straight into
// the text part, and whatever else the component writes (templ's own
// whitespace between calls) is dropped. A text component that writes
// anything but whitespace outside those blocks is an error, and so is a
// text block inside the HTML part (it would not be escaped there). A new
// message therefore needs two small templ components and one function that
// calls Render; DeadlineDigest is the example to copy.
func Render(ctx context.Context, subject string, text, html templ.Component) (Message, error) {
	var t, stray, h bytes.Buffer
	if err := text.Render(context.WithValue(ctx, textSinkKey{}, &t), &stray); err != nil {
		return Message{}, fmt.Errorf("mail: render text part: %w", err)
	}
	if strings.TrimSpace(stray.String()) != "" {
		return Message{}, errors.New("mail: render text part: it writes text outside mail.Para, Line, Lines, List and Link")
	}
	if err := html.Render(ctx, &h); err != nil {
		return Message{}, fmt.Errorf("mail: render HTML part: %w", err)
	}
	return Message{
		Subject: HeaderText(subject, maxSubjectRunes),
		Text:    strings.TrimRight(t.String(), "\n") + "\n",
		HTML:    h.String(),
	}, nil
}

// textWidth is where Para wraps lines, comfortably inside the 78 characters
// that RFC 5322 recommends.
const textWidth = 72

// Para is a paragraph of the plain-text part: s wrapped at word boundaries
// (a word longer than a line, such as a link, is kept whole), then a blank
// line.
func Para(s string) templ.Component {
	return textBlock(wrap(s, textWidth, "", "") + "\n\n")
}

// Line is one line of the plain-text part with no blank line after it, for
// example a lead-in to a List.
func Line(s string) templ.Component {
	return textBlock(s + "\n")
}

// Lines writes each line as it is, then a blank line. Use it for short lines
// that must stay apart, such as a sign-off.
func Lines(lines ...string) templ.Component {
	return textBlock(strings.Join(lines, "\n") + "\n\n")
}

// List is a bulleted list of the plain-text part, then a blank line.
func List(items ...string) templ.Component {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(wrap(it, textWidth, "- ", "  "))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return textBlock(b.String())
}

// Link is a labelled address in the plain-text part: the label, a colon,
// and the URL on its own line so mail clients can make it clickable.
func Link(label, url string) templ.Component {
	return textBlock(label + ":\n" + url + "\n\n")
}

// textSinkKey carries the text part's buffer through the context while
// Render renders the text component.
type textSinkKey struct{}

// errTextBlockOutsideText stops a text block from writing unescaped strings
// anywhere but the text part.
var errTextBlockOutsideText = errors.New("mail: Para, Line, Lines, List and Link belong in a text part rendered by mail.Render")

func textBlock(s string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, _ io.Writer) error {
		sink, ok := ctx.Value(textSinkKey{}).(*bytes.Buffer)
		if !ok {
			return errTextBlockOutsideText
		}
		sink.WriteString(s)
		return nil
	})
}

// wrap folds s into lines of at most width characters where it can; the
// first line starts with first and the others with rest.
func wrap(s string, width int, first, rest string) string {
	var b strings.Builder
	line := first
	empty := true
	for _, word := range strings.Fields(s) {
		if !empty && len([]rune(line))+1+len([]rune(word)) > width {
			b.WriteString(line)
			b.WriteByte('\n')
			line, empty = rest, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	b.WriteString(line)
	return b.String()
}
