package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"careers/internal/browsertest"
	"careers/internal/policy"
	"careers/internal/store"
)

// A Case Manager starts at their home: the link to refer a trainee opens
// the form; their referral, once the trainee confirmed and a coach was
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
	secret := cmTab.signInStaff(cm.Email)
	if got := cmTab.path(); got != "/staff/case-manager" {
		t.Fatalf("the Case Manager landed on %s", got)
	}
	cmTab.atPhoneWidth()
	if !strings.Contains(cmTab.text("main"), "You have not referred anyone yet") {
		t.Error("the empty home does not say so")
	}
	// Referring starts from the home's link.
	cmTab.submit(`main a[href="/staff/referrals/new"]`)
	if got := cmTab.path(); !strings.HasPrefix(got, "/staff/referrals/new") {
		t.Fatalf("the home's link to refer went to %s", got)
	}
	cmTab.atPhoneWidth()

	// The referral itself, the trainee's confirmation and the allocation,
	// through the same forms over HTTP (their browser journeys are
	// TestBrowserSelfReferral, TestBrowserTraineeNextStepJourney and
	// TestBrowserTriageJourney).
	b := ts.NewBrowser(t)
	b.SignInStaff(t, cm.Email, secret)
	fillForm(t, b, "/staff/referrals/new", traineePages("cmjourney@example.com"))
	token := draftRe.FindStringSubmatch(b.Get(t, "/staff/referrals/new/form-c").Body)[1]
	upload(t, b, token, "c.pdf", minimalPDF())
	b.Post(t, "/staff/referrals/new/form-d", url.Values{"draft": {token}, "sessions": {"2"}})
	if p := b.Post(t, "/staff/referrals/new/check", url.Values{"draft": {token}}); p.Location != "/staff/referrals/new/sent" {
		t.Fatalf("submit: %d", p.Status)
	}
	var ref string
	if err := ts.pool.QueryRow(ctx, `SELECT reference FROM referrals WHERE trainee_email = 'cmjourney@example.com'`).Scan(&ref); err != nil {
		t.Fatal(err)
	}
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
	cmTab.submit(`header a[href="/staff"]`)
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
