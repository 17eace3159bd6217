package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// UnusableCharacters is the message on a field whose answer held characters
// no answer may hold (a NUL byte, another control character, or bytes that
// are not text). They are removed, and the form is shown again so the person
// sees what will be kept before it is.
const UnusableCharacters = "This answer had hidden or damaged characters in it, which we have removed. Check it and send the form again"

// CleanValue removes from a submitted value what no answer may hold: bytes
// that are not UTF-8, NUL and the other control characters except tab, line
// feed and carriage return. It reports whether it removed anything.
func CleanValue(v string) (string, bool) {
	if usable(v) {
		return v, false
	}
	v = strings.ToValidUTF8(v, "")
	return strings.Map(func(r rune) rune {
		if unusableRune(r) {
			return -1
		}
		return r
	}, v), true
}

func usable(v string) bool {
	if !utf8.ValidString(v) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if unusableRune(rune(v[i])) {
			return false
		}
	}
	return true
}

func unusableRune(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }

// CleanValues cleans every value of a submitted form in place (CleanValue)
// and returns the names of the fields it changed, sorted. A field whose
// name itself is not usable is dropped: no form has one.
func CleanValues(form url.Values) []string {
	var bad []string
	for name, vs := range form {
		if !usable(name) {
			delete(form, name)
			continue
		}
		changed := false
		for i, v := range vs {
			if c, ok := CleanValue(v); ok {
				vs[i], changed = c, true
			}
		}
		if changed {
			bad = append(bad, name)
		}
	}
	slices.Sort(bad)
	return bad
}

// FieldError is one problem with a form, tied to the field it is about.
type FieldError struct {
	Field   string // the input's id, for the error summary's link
	Message string
}

// Errors are a form's problems in the order the fields appear.
type Errors []FieldError

// Add records a problem with field.
func (e *Errors) Add(field, message string) { *e = append(*e, FieldError{field, message}) }

// For returns the first message about field, or "".
func (e Errors) For(field string) string {
	for _, fe := range e {
		if fe.Field == field {
			return fe.Message
		}
	}
	return ""
}

// Any reports whether there is a problem.
func (e Errors) Any() bool { return len(e) > 0 }

// Input describes a text-like input.
type Input struct {
	ID           string // also the name
	Label        string
	Hint         string
	Value        string
	Type         string // text (default), email, password, tel, number
	Autocomplete string
	Width        string // an nhsuk-input--width-N class, or ""
	Error        string
	// Numeric asks for a number pad without the quirks of type=number.
	Numeric bool
}

// Option is one checkbox or radio.
type Option struct {
	Value   string
	Label   string
	Hint    string
	Checked bool
}

// Choices describes a group of checkboxes or radios.
type Choices struct {
	Name    string
	Legend  string
	Hint    string
	Options []Option
	Error   string
}

// errorTitle marks the title of a page that shows errors, so screen reader
// users hear at once that something needs fixing.
func errorTitle(title string, errs Errors) string {
	if errs.Any() {
		return "Error: " + title
	}
	return title
}

func inputType(t string) string {
	if t == "" {
		return "text"
	}
	return t
}

func inputClass(in Input) string {
	c := "nhsuk-input"
	if in.Width != "" {
		c += " " + in.Width
	}
	if in.Error != "" {
		c += " nhsuk-input--error"
	}
	return c
}

func groupClass(err string) string {
	if err != "" {
		return "nhsuk-form-group nhsuk-form-group--error"
	}
	return "nhsuk-form-group"
}

func describedBy(id, hint, err string) string {
	var s string
	if hint != "" {
		s = id + "-hint"
	}
	if err != "" {
		if s != "" {
			s += " "
		}
		s += id + "-error"
	}
	return s
}

// optionID gives the first option the group's own id, so the error
// summary's link lands on it.
func optionID(name string, i int) string {
	if i == 0 {
		return name
	}
	return name + "-" + strconv.Itoa(i+1)
}
