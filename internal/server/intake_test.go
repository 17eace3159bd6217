package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var draftRe = regexp.MustCompile(`name="draft" value="([^"]*)"`)

// fillForm posts each page in order (the draft token goes with each, as
// the browser would send it) and returns the check page.
func fillForm(t *testing.T, b *browser, base string, pages []struct {
	slug string
	form url.Values
}) page {
	t.Helper()
	token := ""
	for _, p := range pages {
		g := b.Get(t, base+"/"+p.slug)
		if g.Status != 200 {
			t.Fatalf("GET %s: %d", p.slug, g.Status)
		}
		if m := draftRe.FindStringSubmatch(g.Body); m != nil {
			token = m[1]
		}
		form := url.Values{"draft": {token}}
		for k, v := range p.form {
			form[k] = v
		}
		res := b.Post(t, base+"/"+p.slug, form)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("POST %s: %d\n%s", p.slug, res.Status, errorSummary(res.Body))
		}
	}
	return b.Get(t, base+"/check")
}

func errorSummary(body string) string {
	i := strings.Index(body, "nhsuk-error-summary__list")
	if i < 0 {
		return "(no error summary)"
	}
	return body[i:min(len(body), i+800)]
}

type pageForm = struct {
	slug string
	form url.Values
}

func selfPages(email string) []pageForm {
	return []pageForm{
		{"about", url.Values{"name": {"Sam Lee"}, "email": {email}, "phone": {"07700 900982"}}},
		{"profession", url.Values{"group": {"doctor"}, "body": {"gmc"}, "number": {"1234567"}}},
		{"training", url.Values{"region": {"london"}, "stage": {"st4"}, "training_number": {"LDN/123/456/N"}, "end_kind": {"expected"},
			"end_date-day": {"31"}, "end_date-month": {"8"}, "end_date-year": {"2029"}}},
		{"reasons", url.Values{"reasons": {"uncertain_direction", "outside_medicine"}, "hopes": {"I want to think about leaving surgery."}}},
		{"preferences", url.Values{"mode": {"virtual"}, "times": {"Tuesday afternoons"}}},
		{"consent", url.Values{"consent_privacy": {"yes"}, "consent_contact": {"yes"}}},
	}
}

func TestSelfReferralEndToEnd(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	b := ts.NewBrowser(t)
	check := fillForm(t, b, "/refer/self", selfPages("sam.lee@example.com"))
	if check.Status != 200 || !strings.Contains(check.Body, "Check your answers") || !strings.Contains(check.Body, "General Medical Council") {
		t.Fatalf("check page: %d", check.Status)
	}
	token := draftRe.FindStringSubmatch(check.Body)[1]

	// A double click: two submits at once make one referral.
	var wg sync.WaitGroup
	results := make([]page, 2)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = b.Post(t, "/refer/self/check", url.Values{"draft": {token}}) }()
	}
	wg.Wait()
	for _, res := range results {
		if res.Status != http.StatusSeeOther || res.Location != "/refer/self/sent" {
			t.Fatalf("submit: %d %q", res.Status, res.Location)
		}
	}
	// And a resubmitted POST later, too.
	if res := b.Post(t, "/refer/self/check", url.Values{"draft": {token}}); res.Location != "/refer/self/sent" {
		t.Fatalf("resubmit: %d %q", res.Status, res.Location)
	}
	var n int
	var ref, status, elig string
	ts.pool.QueryRow(context.Background(), `SELECT count(*), max(reference), max(status), max(eligibility) FROM referrals`).Scan(&n, &ref, &status, &elig)
	if n != 1 || status != "new" || elig != "eligible" {
		t.Fatalf("%d referrals, status %q, eligibility %q", n, status, elig)
	}
	if !regexp.MustCompile(`^CR-[2-9A-HJ-NP-TV-Z]{4}-[2-9A-HJ-NP-TV-Z]{4}$`).MatchString(ref) {
		t.Errorf("reference %q", ref)
	}
	sent := b.Get(t, "/refer/self/sent")
	if !strings.Contains(sent.Body, ref) || !strings.Contains(sent.Body, "14 days") {
		t.Errorf("confirmation page lacks the reference or the 14-day aim")
	}
	// The receipt arrives with the reference and a link to see the referral.
	msgs := ts.mail.To(t, "sam.lee@example.com")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, ref) {
		t.Fatalf("receipt: %d messages", len(msgs))
	}
	link := ts.mail.MustLink(t, "sam.lee@example.com")
	p := b.Post(t, link, nil)
	if p.Location != "/your-referrals" {
		t.Errorf("receipt link: %d %q", p.Status, p.Location)
	}
	if g := b.Get(t, "/your-referrals"); !strings.Contains(g.Body, ref) {
		t.Error("the trainee does not see their referral")
	}
}

// A validation error re-renders the page with what was typed and an
// error summary, and nothing typed is lost.
func TestIntakeValidationKeepsAnswers(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	b := ts.NewBrowser(t)
	p := b.Post(t, "/refer/self/about", url.Values{"name": {"Sam <b>Lee</b>"}, "email": {"not-an-email"}, "phone": {""}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", p.Status)
	}
	for _, want := range []string{"There is a problem", "Enter an email address in the correct format", "Enter phone number",
		`value="Sam &lt;b&gt;Lee&lt;/b&gt;"`, `value="not-an-email"`, "<title>Error: "} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("re-rendered page lacks %q", want)
		}
	}
	// Back to the page later: the answers are still there.
	if g := b.Get(t, "/refer/self/about"); !strings.Contains(g.Body, `value="not-an-email"`) {
		t.Error("answers lost after a validation error")
	}
	// With the session gone, the draft token in the form still finds them.
	token := draftRe.FindStringSubmatch(p.Body)[1]
	fresh := ts.NewBrowser(t)
	p = fresh.Post(t, "/refer/self/about", url.Values{"draft": {token}, "name": {"Sam Lee"}, "email": {"sam@example.com"}, "phone": {"07700900982"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("continue in a new session: %d %s", p.Status, errorSummary(p.Body))
	}
	if g := fresh.Get(t, "/refer/self/about"); !strings.Contains(g.Body, `value="Sam Lee"`) {
		t.Error("the new session did not pick up the draft")
	}
}

// Public referral forms: a cross-site POST is refused, and a bot filling
// the honeypot gets nowhere.
func TestIntakeRefusesCrossSiteAndBots(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	b := ts.NewBrowser(t)
	if g := b.Get(t, "/refer/self/about"); !strings.Contains(g.Body, `name="website"`) {
		t.Fatal("the public form has no honeypot field")
	}
	req, _ := http.NewRequest("POST", ts.URL+"/refer/self/about", strings.NewReader(url.Values{"name": {"X"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(t, req); p.Status != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", p.Status)
	}
	p := b.Post(t, "/refer/self/about", url.Values{"name": {"Bot"}, "email": {"bot@example.com"}, "phone": {"07700900982"}, "website": {"http://spam.example"}})
	if p.Status != http.StatusSeeOther || p.Location != "/" {
		t.Errorf("honeypot: %d %q", p.Status, p.Location)
	}
	var drafts int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM referral_drafts`).Scan(&drafts)
	if drafts != 0 {
		t.Errorf("%d drafts made by a bot", drafts)
	}
}
