package server_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/browsertest"
	"careers/internal/policy"
	"careers/internal/store"
)

// A Case Manager starts at their home and refers a trainee from its link,
// Form C and Form D included; their referral, once the trainee confirmed and a coach was
// allocated, reads allocated on the home and on its page (reached by its
// link) without the triage detail; the emails they were sent about it open
// that page in their browser. Every page passes axe at 1280 and 390 px.
func TestBrowserCaseManagerJourney(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	if err := ts.store.SaveCoachProfile(ctx, store.CoachProfile{UserID: coach.ID, Modes: []string{"virtual", "telephone"}, Capacity: 5}); err != nil {
		t.Fatal(err)
	}

	cmTab := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, cmTab.ctx, "case-manager-home")
	cmTab.signInStaff(cm.Email)
	if got := cmTab.path(); got != "/staff/case-manager" {
		t.Fatalf("the Case Manager landed on %s", got)
	}
	cmTab.atPhoneWidth()
	if !strings.Contains(cmTab.text("main"), "You have not referred anyone yet") {
		t.Error("the empty home does not say so")
	}
	// Referring starts from the home's link, through every page of the
	// form, Form C uploaded as a person would choose the file.
	cmTab.submit(`main a[href="/staff/referrals/new"]`)
	if got := cmTab.path(); !strings.HasPrefix(got, "/staff/referrals/new") {
		t.Fatalf("the home's link to refer went to %s", got)
	}
	cmTab.atPhoneWidth()
	cmTab.fill("name", "Priya Shah")
	cmTab.fill("email", "cmjourney@example.com")
	cmTab.submit("form button[type=submit]")
	cmTab.click(`input[name=group][value=doctor]`)
	cmTab.click(`input[name=body][value=gmc]`)
	cmTab.fill("number", "7654321")
	cmTab.submit("form button[type=submit]")
	cmTab.click(`input[name=region][value=kss]`)
	cmTab.choose("stage", "ct2")
	cmTab.fill("training_number", "KSS/1/2/C")
	cmTab.click(`input[name=end_kind][value=none]`)
	cmTab.submit("form button[type=submit]")
	cmTab.click(`input[name=reasons][value=lack_of_progress]`)
	cmTab.fill("hopes", "A clearer plan.")
	cmTab.submit("form button[type=submit]")
	if got := cmTab.path(); got != "/staff/referrals/new/form-c" {
		t.Fatalf("after the trainee's pages: %s", got)
	}
	formC := filepath.Join(t.TempDir(), "form-c.pdf")
	if err := os.WriteFile(formC, minimalPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(cmTab.ctx, chromedp.SetUploadFiles(chromedp.CSS(`input[name=form_c]`), []string{formC})); err != nil {
		t.Fatal(err)
	}
	cmTab.submit("form button[type=submit]")
	cmTab.click(`input[name=sessions][value="2"]`)
	cmTab.submit("form button[type=submit]")
	if got := cmTab.text("h1"); !strings.HasPrefix(got, "Check") {
		t.Fatalf("check page: %q at %s", got, cmTab.path())
	}
	cmTab.atPhoneWidth()
	cmTab.submit("form button[type=submit]")
	if got := cmTab.text("h1"); got != "Referral sent" {
		t.Fatalf("after sending: %q", got)
	}
	cmTab.atPhoneWidth()
	var ref string
	if err := ts.pool.QueryRow(ctx, `SELECT reference FROM referrals WHERE trainee_email = 'cmjourney@example.com'`).Scan(&ref); err != nil {
		t.Fatal(err)
	}
	// Home by the header's link: the referral is listed, waiting.
	cmTab.home()
	if home := cmTab.text("main"); cmTab.path() != "/staff/case-manager" || !strings.Contains(home, ref) || strings.Contains(home, "Coach allocated") {
		t.Errorf("the home after sending does not list the referral as waiting:\n%s", home)
	}

	// The trainee's confirmation and the allocation, over HTTP (their
	// browser journeys are TestBrowserTraineeNextStepJourney and
	// TestBrowserTriageJourney).
	trainee := ts.NewBrowser(t)
	if p := trainee.Post(t, ts.mail.MustLink(t, "cmjourney@example.com"), url.Values{"name": {"Priya Shah"}, "phone": {"07700 900123"}, "mode": {"telephone"},
		"consent_privacy": {"yes"}, "consent_contact": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", p.Status, errorSummary(p.Body))
	}
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	c.Post(t, "/staff/referrals/"+ref+"/accept", url.Values{"version": {version(t, c, ref)}})
	if p := c.Post(t, "/staff/referrals/"+ref+"/allocate", url.Values{"version": {version(t, c, ref)}, "coach": {strconvI(coach.ID)}, "sessions": {"2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("allocate: %d %s", p.Status, errorSummary(p.Body))
	}

	// Home again by the header's link: the referral reads allocated.
	cmTab.home()
	if got := cmTab.path(); got != "/staff/case-manager" {
		t.Fatalf("home went to %s", got)
	}
	if home := cmTab.text("main"); !strings.Contains(home, ref) || !strings.Contains(home, "Coach allocated") || strings.Contains(home, "Test coach") {
		t.Errorf("the home does not show the referral as allocated:\n%s", home)
	}
	cmTab.atPhoneWidth()
	cmTab.submit(`main a[href="/staff/referrals/` + ref + `"]`)
	if got := cmTab.path(); got != "/staff/referrals/"+ref {
		t.Fatalf("the referral's link went to %s", got)
	}
	cmTab.atPhoneWidth()
	// Triage is status only to the Case Manager: allocated, not by whom.
	page := cmTab.text("main")
	if !strings.Contains(page, "Coach allocated") || strings.Contains(page, "Test coach") {
		t.Errorf("the referral's page does not read allocated, or names the coach:\n%s", page)
	}

	// The emails they were sent open that page in their browser.
	for _, subject := range []string{"The trainee confirmed", "A coach was allocated"} {
		m := turnEmail(t, ts, cm.Email, subject)
		u, err := url.Parse(pageLinkRe.FindString(m.Text))
		if err != nil || u.Path == "" {
			t.Fatalf("%q has no link", subject)
		}
		cmTab.open(u.RequestURI())
		if got := cmTab.path(); got != "/staff/referrals/"+ref || !strings.Contains(cmTab.text("main"), "Coach allocated") {
			t.Errorf("%q's link opened %s", subject, got)
		}
		cmTab.atPhoneWidth()
	}
}

// A supervisor who referred opens the "a coach was allocated" email's link
// in their browser: signing in by the emailed link lands on their
// referrals, whose link shows it allocated, without the coach's name or
// what the trainee gave when confirming. Every page passes axe, and again
// at 390 px.
func TestBrowserSupervisorReferrerFollowsTheEmail(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	if err := ts.store.SaveCoachProfile(context.Background(), store.CoachProfile{UserID: coach.ID, Modes: []string{"virtual", "telephone"}, Capacity: 5}); err != nil {
		t.Fatal(err)
	}
	ref, confirm := supervisorReferral(t, ts, "priya@example.com", "jo.reed@example.nhs.uk")
	trainee := ts.NewBrowser(t)
	if p := trainee.Post(t, confirm, url.Values{"name": {"Priya Shah"}, "phone": {"07700 900123"}, "mode": {"telephone"},
		"consent_privacy": {"yes"}, "consent_contact": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", p.Status, errorSummary(p.Body))
	}
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	c.Post(t, "/staff/referrals/"+ref+"/accept", url.Values{"version": {version(t, c, ref)}})
	if p := c.Post(t, "/staff/referrals/"+ref+"/allocate", url.Values{"version": {version(t, c, ref)}, "coach": {strconvI(coach.ID)}, "sessions": {"2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("allocate: %d %s", p.Status, errorSummary(p.Body))
	}

	su := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, su.ctx, "supervisor-referrer")
	u, err := url.Parse(pageLinkRe.FindString(turnEmail(t, ts, "jo.reed@example.nhs.uk", "A coach was allocated").Text))
	if err != nil || u.Path != "/your-referrals/"+ref {
		t.Fatalf("the email links to %v", u)
	}
	su.open(u.RequestURI())
	su.atPhoneWidth()
	// Not signed in yet: the page asks for their email address.
	su.fill("email", "jo.reed@example.nhs.uk")
	su.submit("form button[type=submit]")
	su.open(ts.mail.MustLink(t, "jo.reed@example.nhs.uk"))
	su.submit("form button[type=submit]")
	if got := su.path(); got != "/your-referrals/"+ref {
		su.submit(`main a[href="/your-referrals/` + ref + `"]`)
	}
	if got := su.path(); got != "/your-referrals/"+ref {
		t.Fatalf("the referrer reached %s", got)
	}
	su.atPhoneWidth()
	page := su.text("main")
	if !strings.Contains(page, "Coach allocated") {
		t.Errorf("the referrer's page does not say a coach was allocated:\n%s", page)
	}
	for _, secret := range []string{"Test coach", "07700 900123", "A clearer plan."} {
		if strings.Contains(page, secret) {
			t.Errorf("the referrer's page shows %q", secret)
		}
	}
}
