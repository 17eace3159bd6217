package intake_test

import (
	"net/url"
	"strings"
	"testing"

	"careers/internal/eligibility"
	"careers/internal/intake"
)

func page(t *testing.T, f intake.Form, slug string) intake.Page {
	t.Helper()
	p, _, ok := f.Page(slug)
	if !ok {
		t.Fatalf("no page %q", slug)
	}
	return p
}

// check reads post as the page and returns its problems by field.
func check(t *testing.T, f intake.Form, slug string, prior intake.Values, post url.Values) map[string]string {
	t.Helper()
	p := page(t, f, slug)
	v := intake.Values{}
	v.Merge(prior)
	v.Merge(p.Read(post))
	out := map[string]string{}
	for _, pr := range p.Check(v, false) {
		out[pr.Field] = pr.Message
	}
	return out
}

func TestAboutPage(t *testing.T) {
	cases := []struct {
		name  string
		post  url.Values
		field string
		want  string // "" means no problem with field
	}{
		{"empty name", url.Values{}, "name", "Enter full name"},
		{"spaces only", url.Values{"name": {"   "}}, "name", "Enter full name"},
		{"long name", url.Values{"name": {strings.Repeat("a", 201)}}, "name", "Full name must be 200 characters or fewer"},
		{"ok name", url.Values{"name": {"Jo Bloggs"}}, "name", ""},
		{"empty email", url.Values{}, "email", "Enter email address"},
		{"bad email", url.Values{"email": {"jo@"}}, "email", "Enter an email address in the correct format, like name@example.com"},
		{"no dot", url.Values{"email": {"jo@localhost"}}, "email", "Enter an email address in the correct format, like name@example.com"},
		{"ok email", url.Values{"email": {"jo@example.com"}}, "email", ""},
		{"self phone required", url.Values{}, "phone", "Enter phone number"},
		{"bad phone", url.Values{"phone": {"call me"}}, "phone", "Enter a phone number, like 07700 900 982 or +44 20 7946 0958"},
		{"short phone", url.Values{"phone": {"12345"}}, "phone", "Enter a phone number, like 07700 900 982 or +44 20 7946 0958"},
		{"ok phone", url.Values{"phone": {"07700 900982"}}, "phone", ""},
		{"ok intl phone", url.Values{"phone": {"+44 (0)20 7946 0958"}}, "phone", ""},
	}
	for _, c := range cases {
		got := check(t, intake.Self, "about", nil, c.post)[c.field]
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// A supervisor need not know the trainee's phone number.
	if got := check(t, intake.Supervisor, "about", nil, url.Values{})["phone"]; got != "" {
		t.Errorf("trainee phone required on the supervisor form: %q", got)
	}
}

func TestRegistrationNumbersByBody(t *testing.T) {
	cases := []struct{ body, number, want string }{
		{"gmc", "1234567", ""},
		{"gmc", "123456", "GMC"},
		{"gmc", "", "Enter the General Medical Council"},
		{"gdc", "12345", ""},
		{"gdc", "12A45", "GDC"},
		{"gphc", "2012345", ""},
		{"gphc", "201234", "GPhC"},
		{"nmc", "12a3456b", ""},
		{"nmc", "1234567", "NMC"},
		{"hcpc", "PA12345", ""},
		{"hcpc", "12345", "HCPC"},
		{"none", "", ""},
	}
	for _, c := range cases {
		got := check(t, intake.Self, "profession", nil, url.Values{"group": {"doctor"}, "body": {c.body}, "number": {c.number}})["number"]
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s %q: %q, want something with %q", c.body, c.number, got, c.want)
		}
	}
	// The stored number is normalised.
	p := page(t, intake.Self, "profession")
	v := p.Read(url.Values{"group": {"nurse"}, "body": {"nmc"}, "number": {" 12a 3456b "}})
	p.Check(v, false)
	if v.Get("number") != "12A3456B" {
		t.Errorf("NMC PIN stored as %q", v.Get("number"))
	}
	// Unknown option values are dropped, not stored.
	if got := check(t, intake.Self, "profession", nil, url.Values{"group": {"wizard"}})["group"]; got == "" {
		t.Error("an unknown professional group was accepted")
	}
}

func TestTrainingPageDatesAndDependencies(t *testing.T) {
	base := url.Values{"region": {"london"}, "stage": {"st3"}, "end_kind": {"expected"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, x := range base {
			v[k] = x
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	doctor := intake.Values{"group": {"doctor"}}
	cases := []struct {
		name  string
		post  url.Values
		field string
		want  string
	}{
		{"date needed", with(), "end_date", "Enter the date"},
		{"partial date", with("end_date-day", "31", "end_date-month", "8"), "end_date", "Date must include a day, month and year"},
		{"impossible date", with("end_date-day", "31", "end_date-month", "2", "end_date-year", "2027"), "end_date", "Date must be a real date, like 31 8 2027"},
		{"leap day", with("end_date-day", "29", "end_date-month", "2", "end_date-year", "2028"), "end_date", ""},
		{"no date when none", with("end_kind", "none"), "end_date", ""},
		{"region needed", url.Values{}, "region", "Select where your training is based"},
		{"stage must fit the group", with("stage", "band_6"), "stage", "Choose a stage or grade for a doctor, or choose Other"},
	}
	for _, c := range cases {
		if got := check(t, intake.Self, "training", doctor, c.post)[c.field]; got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// A band needs the scheme question answered.
	// The band question is not asked of a doctor: not checked, not shown
	// on the answers.
	if f := fieldOf(t, intake.Self, "training", "in_scheme"); f.Asked(doctor) || !f.Asked(intake.Values{"group": {"nurse"}}) {
		t.Error("the band question is asked of a doctor, or not of a nurse")
	}
	nurse := intake.Values{"group": {"nurse"}}
	if got := check(t, intake.Self, "training", nurse, url.Values{"region": {"kss"}, "stage": {"band_6"}, "end_kind": {"none"}})["in_scheme"]; got == "" {
		t.Error("band 6 without the scheme question answered")
	}
}

func TestReasonsPage(t *testing.T) {
	got := check(t, intake.Self, "reasons", nil, url.Values{"reasons": {"other"}, "hopes": {strings.Repeat("x", 1501)}})
	if got["other_reason"] != "Enter the other reason" {
		t.Errorf("other reason: %q", got["other_reason"])
	}
	if !strings.Contains(got["hopes"], "1500 characters or fewer") {
		t.Errorf("over-long text: %q", got["hopes"])
	}
	// Line breaks count once each, as the character count shows them.
	ok := check(t, intake.Self, "reasons", nil, url.Values{"reasons": {"outside_medicine"}, "hopes": {strings.Repeat("ab\r\n", 500)}})
	if len(ok) != 0 {
		t.Errorf("1500 characters with CRLFs refused: %v", ok)
	}
	if got := check(t, intake.Self, "reasons", nil, url.Values{})["reasons"]; got == "" {
		t.Error("no reasons accepted")
	}
}

func TestConfirmationsAreRequired(t *testing.T) {
	got := check(t, intake.Self, "consent", nil, url.Values{"consent_privacy": {"yes"}})
	if got["consent_contact"] != "Tick to confirm you agree to be contacted about your referral by email and phone" || got["consent_privacy"] != "" {
		t.Errorf("consent: %v", got)
	}
	if got := check(t, intake.Self, "consent", nil, url.Values{})["consent_privacy"]; got != "Tick to confirm you have read the privacy notice" {
		t.Errorf("privacy notice not ticked: %q", got)
	}
	if got := check(t, intake.Supervisor, "level-1", nil, url.Values{"level1": {"Talked it through"}})["trainee_knows"]; got == "" {
		t.Error("a supervisor referral without confirming the trainee knows")
	}
	if got := check(t, intake.CaseManager, "form-c", nil, url.Values{})["form_c"]; got != "Upload the trainee's Form C" {
		t.Errorf("form C: %q", got)
	}
}

// A complete self-referral, as posted page by page.
func completeSelf() intake.Values {
	v := intake.Values{}
	posts := map[string]url.Values{
		"about":       {"name": {"Sam Lee"}, "email": {"Sam.Lee@Example.com"}, "phone": {"07700900982"}},
		"profession":  {"group": {"doctor"}, "body": {"gmc"}, "number": {"1234567"}},
		"training":    {"region": {"london"}, "stage": {"st4"}, "training_number": {"LDN/123/456/N"}, "end_kind": {"completed"}, "end_date-day": {"31"}, "end_date-month": {"8"}, "end_date-year": {"2026"}},
		"reasons":     {"reasons": {"uncertain_direction"}, "hopes": {"Clarity."}},
		"preferences": {"mode": {"virtual"}},
		"consent":     {"consent_privacy": {"yes"}, "consent_contact": {"yes"}},
	}
	for _, p := range intake.Self.Pages {
		v.Merge(p.Read(posts[p.Slug]))
	}
	return v
}

func TestCompleteFormExtractsAndChecksEligibility(t *testing.T) {
	v := completeSelf()
	if slug, missing := intake.Self.Incomplete(v, func(string) bool { return false }); missing {
		t.Fatalf("complete form reported incomplete at %s", slug)
	}
	r := intake.Extract(intake.RouteSelf, v)
	if r.TraineeEmail != "sam.lee@example.com" || r.Group != "doctor" || r.EndDate != eligibility.NewDate(2026, 8, 31) {
		t.Fatalf("extract: %+v", r)
	}
	// CCT 31 Aug 2026: eligible to 30 Nov 2026, not on 1 Dec.
	if res := eligibility.Check(r.Eligibility(), eligibility.NewDate(2026, 11, 30)); res.Outcome != eligibility.Eligible {
		t.Errorf("30 Nov: %v %v", res.Outcome, res.Reasons)
	}
	if res := eligibility.Check(r.Eligibility(), eligibility.NewDate(2026, 12, 1)); res.Outcome == eligibility.Eligible {
		t.Errorf("1 Dec: still eligible")
	}
	// An empty form is incomplete at its first page.
	if slug, missing := intake.Self.Incomplete(intake.Values{}, func(string) bool { return false }); !missing || slug != "about" {
		t.Errorf("empty form: %q %v", slug, missing)
	}
	// Check your answers lists every page, with labels not values.
	sum := intake.Self.Summary(v, func(string) string { return "" })
	if len(sum) != len(intake.Self.Pages) || sum[1].Rows[0].Lines[0] != "Doctor" {
		t.Errorf("summary: %+v", sum[1])
	}
}

// Whose an answer is decides who may read it (policy's audience table).
func TestTraineesOwn(t *testing.T) {
	cases := []struct {
		route     intake.Route
		confirmed bool
		field     string
		want      bool
	}{
		{intake.RouteSelf, false, "hopes", true},
		{intake.RouteSelf, false, "name", true},
		{intake.RouteCaseManager, true, "hopes", false},
		{intake.RouteCaseManager, true, "sessions", false},
		{intake.RouteCaseManager, true, "phone", true},
		{intake.RouteCaseManager, true, "times", true},
		{intake.RouteCaseManager, true, "name", false},
		{intake.RouteCaseManager, false, "phone", false},
		{intake.RouteSupervisor, true, "adjustments", true},
		{intake.RouteSupervisor, true, "level1", false},
	}
	for _, c := range cases {
		if got := intake.TraineesOwn(c.route, c.confirmed, c.field); got != c.want {
			t.Errorf("%s, confirmed %v, %s: got %v", c.route, c.confirmed, c.field, got)
		}
	}
}

func fieldOf(t *testing.T, f intake.Form, page, name string) intake.Field {
	t.Helper()
	p, _, ok := f.Page(page)
	if !ok {
		t.Fatalf("no page %q", page)
	}
	for _, fd := range p.Fields {
		if fd.Name == name {
			return fd
		}
	}
	t.Fatalf("no field %q on %q", name, page)
	return intake.Field{}
}

// The self-referral speaks to the trainee; the supervisor's and Case
// Manager's forms speak about them.
func TestFormsSpeakToOrAboutTheTrainee(t *testing.T) {
	for _, c := range []struct {
		form intake.Form
		want string
	}{
		{intake.Self, "Where is your training based?"},
		{intake.Supervisor, "Where is the trainee's training based?"},
		{intake.CaseManager, "Where is the trainee's training based?"},
	} {
		if got := fieldOf(t, c.form, "training", "region").Label; got != c.want {
			t.Errorf("%s: %q, want %q", c.form.Route, got, c.want)
		}
	}
	if got := fieldOf(t, intake.Supervisor, "reasons", "hopes").Label; !strings.Contains(got, "the trainee") {
		t.Errorf("the supervisor's hopes question: %q", got)
	}
}
