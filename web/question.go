package web

// FieldKind is the kind of input a question uses.
type FieldKind int

// The kinds of question.
const (
	KindText FieldKind = iota
	KindEmail
	KindTel
	KindRadios
	KindCheckboxes
	KindSelect
	KindTextarea
	KindDate
	KindConfirm // one checkbox the person must tick
	KindFile
)

// QField is one question on a question page, with what the person has
// answered so far and any problem with it.
type QField struct {
	Name         string
	Label        string
	Hint         string
	Kind         FieldKind
	Options      []Option // radios, checkboxes, select
	Value        string   // text, textarea, select
	Day          string   // date
	Month        string
	Year         string
	MaxLength    int // textarea: shows a character count
	Width        string
	Autocomplete string
	Optional     bool
	Error        string
	// File describes the document already uploaded, if any.
	File string
}

// QuestionProps is one page of a multi-page form.
type QuestionProps struct {
	Caption    string
	Title      string
	Intro      []string
	Fields     []QField
	Errors     Errors
	Action     string
	Draft      string // the draft's token, posted back in a hidden field
	Back       string
	Button     string
	Multipart  bool
	UrgentHelp bool
	Links      []NavItem // shown after the introduction
}

// AnswerRow is one answer on the check-your-answers page.
type AnswerRow struct {
	Key    string
	Value  []string // lines
	Change string   // where to change it
}

// AnswerSection groups answers under a heading.
type AnswerSection struct {
	Title string
	Rows  []AnswerRow
}

// CheckProps is the check-your-answers page.
type CheckProps struct {
	Caption     string
	Title       string
	Sections    []AnswerSection
	Action      string
	Draft       string
	Declaration []string
	Button      string
	Back        string
	UrgentHelp  bool
}

// SentProps is the confirmation page after a referral is sent.
type SentProps struct {
	Title       string
	Reference   string
	Lede        string
	Next        []string
	Signposting []string // where an ineligible trainee could go instead
	Links       []NavItem
	UrgentHelp  bool
}

func fieldLabel(f QField) string {
	if f.Optional {
		return f.Label + " (optional)"
	}
	return f.Label
}

func textareaClass(f QField) string {
	c := "nhsuk-textarea"
	if f.MaxLength > 0 {
		c += " nhsuk-js-character-count"
	}
	if f.Error != "" {
		c += " nhsuk-textarea--error"
	}
	return c
}

func dateClass(width string, err string) string {
	c := "nhsuk-input nhsuk-date-input__input " + width
	if err != "" {
		c += " nhsuk-input--error"
	}
	return c
}

func inputKind(k FieldKind) string {
	switch k {
	case KindEmail:
		return "email"
	case KindTel:
		return "tel"
	}
	return "text"
}

func lower(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	if r[0] >= 'A' && r[0] <= 'Z' {
		r[0] += 'a' - 'A'
	}
	return string(r)
}
