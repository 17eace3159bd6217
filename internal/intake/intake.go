// Package intake defines the three referral forms (self, supervisor, Case
// Manager) as data: their pages, questions and checks. The server renders
// every page with one template and keeps the answers in a server-side
// draft; this package reads a posted page, says what is wrong with it in
// words fit to show, lists the answers for "Check your answers", and turns
// the answers into the typed referral and its eligibility answers. It has
// no I/O.
package intake

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"careers/internal/eligibility"
	"careers/internal/referral"
)

// Route is how a referral comes in.
type Route string

// The routes.
const (
	RouteSelf        Route = "self"
	RouteSupervisor  Route = "supervisor"
	RouteCaseManager Route = "case_manager"
)

// Kind is the kind of a question.
type Kind int

// The kinds of question.
const (
	Text Kind = iota
	Email
	Tel
	Radios
	Checkboxes
	Select
	Textarea
	Date
	Confirm // one box the person must tick
	File    // handled by the server: the draft holds the document
)

// Choice is one option of a radios, checkboxes or select question.
type Choice struct {
	Value string
	Label string
	Hint  string
}

// Link is a link on a page.
type Link struct{ Href, Text string }

// Field is one question.
type Field struct {
	Name         string
	Label        string
	Hint         string
	Kind         Kind
	Choices      []Choice
	Optional     bool
	MaxLength    int // characters; 0 means the default for the kind
	Width        string
	Autocomplete string
	// Missing is the message when a required answer is not given, for
	// questions whose label does not make a good "Enter ..." or "Select ...".
	Missing string
	// AskIf, when set, asks the question only when the answers so far
	// make it apply (the band question only to professions with bands):
	// a question that does not apply is neither shown nor checked. The
	// answers it reads come from earlier pages, so it works without
	// JavaScript.
	AskIf func(Values) bool
}

// Asked reports whether the question applies given the answers v.
func (f Field) Asked(v Values) bool { return f.AskIf == nil || f.AskIf(v) }

// Page is one page of a form.
type Page struct {
	Slug  string
	Title string
	Intro []string
	// Link is shown after the introduction (e.g. the privacy notice).
	Link   *Link
	Fields []Field
	// check adds the page's own rules across fields (and across pages).
	check func(v Values, p *Problems)
}

// Form is one route's form: its pages in order.
type Form struct {
	Route   Route
	Caption string
	Pages   []Page
}

// Values are the answers so far, by question name. Dates keep their three
// parts (name-day, name-month, name-year) as typed, and the whole date as
// YYYY-MM-DD under name once it is valid.
type Values map[string][]string

// Get returns the first answer to a question.
func (v Values) Get(name string) string {
	if xs := v[name]; len(xs) > 0 {
		return xs[0]
	}
	return ""
}

// Has reports whether a checkboxes question has value ticked.
func (v Values) Has(name, value string) bool { return slices.Contains(v[name], value) }

// Problem is something wrong with an answer.
type Problem struct {
	Field   string
	Message string
}

// Problems collects a page's problems in page order.
type Problems []Problem

// Add records a problem, once per field.
func (p *Problems) Add(field, message string) {
	for _, x := range *p {
		if x.Field == field {
			return
		}
	}
	*p = append(*p, Problem{field, message})
}

// Limits on typed answers.
const (
	shortLimit = 200
	noteLimit  = 500
)

// Page returns the page with slug and its position.
func (f Form) Page(slug string) (Page, int, bool) {
	for i, p := range f.Pages {
		if p.Slug == slug {
			return p, i, true
		}
	}
	return Page{}, -1, false
}

// Read takes this page's answers from a posted form, trimmed, keeping
// only known options. Files are not read here.
func (p Page) Read(post url.Values) Values {
	v := Values{}
	for _, f := range p.Fields {
		switch f.Kind {
		case File:
		case Date:
			for _, part := range []string{"-day", "-month", "-year"} {
				v[f.Name+part] = []string{strings.TrimSpace(post.Get(f.Name + part))}
			}
			if d, ok := parseDate(v.Get(f.Name+"-day"), v.Get(f.Name+"-month"), v.Get(f.Name+"-year")); ok {
				v[f.Name] = []string{d.String()}
			} else {
				v[f.Name] = nil
			}
		case Checkboxes:
			var picked []string
			for _, x := range post[f.Name] {
				if f.hasChoice(x) && !slices.Contains(picked, x) {
					picked = append(picked, x)
				}
			}
			v[f.Name] = picked
		case Radios, Select:
			x := strings.TrimSpace(post.Get(f.Name))
			if f.hasChoice(x) {
				v[f.Name] = []string{x}
			} else {
				v[f.Name] = nil
			}
		case Confirm:
			if post.Get(f.Name) == "yes" {
				v[f.Name] = []string{"yes"}
			} else {
				v[f.Name] = nil
			}
		case Textarea:
			// Keep the person's line breaks, normalised.
			v[f.Name] = []string{strings.TrimSpace(strings.ReplaceAll(post.Get(f.Name), "\r\n", "\n"))}
		default:
			v[f.Name] = []string{strings.Join(strings.Fields(post.Get(f.Name)), " ")}
		}
	}
	return v
}

func (f Field) hasChoice(x string) bool {
	return slices.ContainsFunc(f.Choices, func(c Choice) bool { return c.Value == x })
}

// Merge puts a page's answers into the draft's.
func (v Values) Merge(page Values) {
	for k, x := range page {
		v[k] = x
	}
}

// Check validates a page against all the answers so far (some questions
// depend on answers given on other pages). hasFile says whether the draft
// holds a document for the page's file question.
func (p Page) Check(v Values, hasFile bool) Problems {
	var probs Problems
	for _, f := range p.Fields {
		if f.Asked(v) {
			f.check(v, hasFile, &probs)
		}
	}
	if p.check != nil {
		p.check(v, &probs)
	}
	// Page order: a cross-field rule may have added a problem for an
	// earlier field after a later one.
	var ordered Problems
	for _, f := range p.Fields {
		for _, x := range probs {
			if x.Field == f.Name {
				ordered = append(ordered, x)
			}
		}
	}
	return ordered
}

func (f Field) check(v Values, hasFile bool, probs *Problems) {
	val := v.Get(f.Name)
	lower := strings.ToLower(f.Label)
	missing := func(def string) {
		if f.Missing != "" {
			def = f.Missing
		}
		probs.Add(f.Name, def)
	}
	switch f.Kind {
	case File:
		if !hasFile && !f.Optional {
			missing("Upload " + lower)
		}
	case Date:
		d, m, y := v.Get(f.Name+"-day"), v.Get(f.Name+"-month"), v.Get(f.Name+"-year")
		switch {
		case d == "" && m == "" && y == "":
			if !f.Optional {
				missing("Enter " + lower)
			}
		case d == "" || m == "" || y == "":
			probs.Add(f.Name, capitalise(lower)+" must include a day, month and year")
		case val == "":
			probs.Add(f.Name, capitalise(lower)+" must be a real date, like 31 8 2027")
		}
	case Checkboxes:
		if len(v[f.Name]) == 0 && !f.Optional {
			missing("Select " + lower)
		}
	case Radios, Select:
		if val == "" && !f.Optional {
			missing("Select " + lower)
		}
	case Confirm:
		if val == "" && !f.Optional {
			missing("Tick the box to confirm: " + strings.TrimSuffix(lower, "."))
		}
	default:
		limit := f.MaxLength
		if limit == 0 {
			limit = shortLimit
			if f.Kind == Textarea {
				limit = referral.TextLimit
			}
		}
		switch {
		case val == "" && !f.Optional:
			missing("Enter " + lower)
		case referral.CountCharacters(val) > limit:
			probs.Add(f.Name, capitalise(f.Label)+" must be "+strconv.Itoa(limit)+" characters or fewer")
		case f.Kind == Email && val != "" && !validEmail(val):
			probs.Add(f.Name, "Enter an email address in the correct format, like name@example.com")
		case f.Kind == Tel && val != "" && !validPhone(val):
			probs.Add(f.Name, "Enter a phone number, like 07700 900 982 or +44 20 7946 0958")
		}
	}
}

// Incomplete returns the first page with a problem, if any: a referral is
// sent only when every page is complete.
func (f Form) Incomplete(v Values, hasFile func(page string) bool) (string, bool) {
	for _, p := range f.Pages {
		if len(p.Check(v, hasFile(p.Slug))) > 0 {
			return p.Slug, true
		}
	}
	return "", false
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func validEmail(s string) bool {
	at := strings.LastIndex(s, "@")
	if at < 1 || at == len(s)-1 || strings.ContainsAny(s, " <>,;\"") || len(s) > 254 {
		return false
	}
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 10 && digits <= 15
}

func parseDate(d, m, y string) (eligibility.Date, bool) {
	day, err1 := strconv.Atoi(d)
	month, err2 := strconv.Atoi(m)
	year, err3 := strconv.Atoi(y)
	if err1 != nil || err2 != nil || err3 != nil || year < 1950 || year > 2100 || month < 1 || month > 12 {
		return eligibility.Date{}, false
	}
	date := eligibility.Date{Year: year, Month: time.Month(month), Day: day}
	return date, date.Valid()
}
