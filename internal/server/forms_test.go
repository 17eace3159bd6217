package server_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"careers/internal/intake"
	"careers/internal/policy"
	"careers/web"
)

// formFieldNames lists every field name the service's forms use: the
// templates' name attributes, the ids and names given to form components in
// Go, and the referral forms' questions (a date as day, month and year).
func formFieldNames(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	attr := regexp.MustCompile(`name="([A-Za-z][A-Za-z0-9_-]*)"`)
	field := regexp.MustCompile(`\b(?:ID|Name):\s*"([a-z][a-z0-9_-]*)"`)
	for _, glob := range []string{"../../web/*.templ", "../../web/*.go", "*.go"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_templ.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			re := field
			if strings.HasSuffix(f, ".templ") {
				re = attr
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				seen[m[1]] = true
			}
		}
	}
	for _, form := range []intake.Form{intake.Self, intake.Supervisor, intake.CaseManager} {
		for _, p := range form.Pages {
			for _, f := range p.Fields {
				seen[f.Name] = true
				for _, part := range []string{"-day", "-month", "-year"} {
					seen[f.Name+part] = true
				}
			}
		}
	}
	delete(seen, "website") // the honeypot: filled in, a form is quietly dropped
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 40 {
		t.Fatalf("found only %d form field names: %v", len(names), names)
	}
	return names
}

// Every POST route of the router, posted with every form field holding a
// NUL byte, and again holding bytes that are not UTF-8, by an anonymous
// visitor, a trainee, a coach and a staff member with every role, never
// answers with a server error (PostgreSQL refuses both in text).
func TestUnusableCharactersNeverCauseAServerError(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	trainee, coach, apptID, _ := sessionHeld(t, ts, "CR-NULL-2345", "nul@example.com")
	ts.MustStaff(t, "everything@example.nhs.uk", policy.Admin, policy.Coordinator, policy.Lead, policy.Coach, policy.CaseManager)
	other := ts.MustStaff(t, "other@example.nhs.uk", policy.Coach)
	all := ts.NewBrowser(t)
	all.SignInStaff(t, "everything@example.nhs.uk", "")
	anon := ts.NewBrowser(t)
	names := formFieldNames(t)

	var routes []string
	for k := range ts.srv.Rules() {
		if strings.HasPrefix(k, "POST ") {
			routes = append(routes, strings.TrimPrefix(k, "POST "))
		}
	}
	sort.Strings(routes)
	if len(routes) < 40 {
		t.Fatalf("only %d POST routes", len(routes))
	}
	fill := func(pattern string) string {
		id := strconv.FormatInt(apptID, 10)
		if strings.HasPrefix(pattern, "/staff/admin/users/") {
			id = strconv.FormatInt(other.ID, 10)
		}
		return strings.NewReplacer("{reference}", "CR-NULL-2345", "{id}", id, "{page}", "about").Replace(pattern)
	}
	browsers := []struct {
		who string
		b   *browser
	}{{"anonymous", anon}, {"trainee", trainee}, {"coach", coach}, {"every role", all}}
	for _, bad := range []struct{ name, value string }{{"NUL", "a\x00b"}, {"not UTF-8", "a\xff\xfeb"}} {
		form := url.Values{}
		for _, n := range names {
			form.Set(n, bad.value)
		}
		for _, route := range routes {
			if route == "/sign-out" || route == "/staff/sign-out" {
				continue // would end the browsers' sessions; no form anyway
			}
			for _, br := range browsers {
				p := br.b.Post(t, fill(route), form)
				if p.Status >= 500 {
					t.Errorf("%s, %s: POST %s answered %d", bad.name, br.who, route, p.Status)
				}
			}
		}
	}
	for _, l := range ts.logs.Lines(t) {
		if l["level"] == "ERROR" {
			t.Errorf("ERROR log line: %v", l)
		}
	}
}

// The main forms answer a NUL byte or bytes that are not UTF-8 with 422
// and the message on the field: the referral form's questions, both
// sign-ins, the trainee's summary and the coordinator's decisions.
func TestUnusableCharactersAre422OnTheMainForms(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	trainee, _, apptID, _ := sessionHeld(t, ts, "CR-UTF8-2345", "utf8@example.com")
	ts.MustReferral(t, "CR-DCDE-2345", "decide@example.com", "", 0, 0)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coord := ts.NewBrowser(t)
	coord.SignInStaff(t, "coord@example.nhs.uk", "")
	v := version(t, coord, "CR-DCDE-2345")
	anon := ts.NewBrowser(t)
	summary := "/your-referrals/CR-UTF8-2345/appointments/" + strconv.FormatInt(apptID, 10) + "/summary"

	for _, bad := range []string{"Jo\x00 Bloggs", "Jo \xc3\x28Bloggs"} {
		for _, c := range []struct {
			name, path, field string
			b                 *browser
			form              url.Values
		}{
			{"referral form", "/refer/self/about", "name", anon, url.Values{"name": {bad}, "email": {"jo@example.com"}, "phone": {"07700900123"}}},
			{"sign-in", "/sign-in", "email", anon, url.Values{"email": {bad + "@example.com"}}},
			{"staff sign-in", "/staff/sign-in", "email", ts.NewBrowser(t), url.Values{"email": {bad + "@example.nhs.uk"}, "password": {"x"}}},
			{"summary", summary, "options", trainee, url.Values{"intent": {"draft"}, "self_awareness": {"I enjoy teaching."}, "options": {bad}}},
			{"decline", "/staff/referrals/CR-DCDE-2345/decline", "reason", coord, url.Values{"version": {v}, "reason": {bad}, "message": {"Please see your TPD."}}},
			{"request information", "/staff/referrals/CR-DCDE-2345/request-info", "question", coord, url.Values{"version": {v}, "question": {bad}}},
		} {
			p := c.b.Post(t, c.path, c.form)
			if p.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s (%q): status %d, want 422\n%s", c.name, bad, p.Status, errorSummary(p.Body))
				continue
			}
			if n := strings.Count(p.Body, web.UnusableCharacters); n < 2 {
				t.Errorf("%s: the message is on the page %d times, want in the error summary and on the field", c.name, n)
			}
			if !strings.Contains(p.Body, `href="#`+c.field+`"`) {
				t.Errorf("%s: the error summary does not link to the %s field\n%s", c.name, c.field, errorSummary(p.Body))
			}
			if strings.ContainsRune(p.Body, 0) || !strings.Contains(strings.ToLower(p.Body), "bloggs") {
				t.Errorf("%s: the answer is not shown again cleaned", c.name)
			}
		}
	}
	// Nothing was decided or sent.
	if s := state(t, ts, "CR-DCDE-2345"); s.Status != "new" {
		t.Errorf("referral status %q after refused decisions", s.Status)
	}
}
