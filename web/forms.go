package web

import "strconv"

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
