package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"careers/internal/browsertest"
	"careers/internal/policy"
	"careers/internal/store"
)

// The journey: a coordinator triages and allocates a new referral;
// a PSU lead approves a Form D and an extension; zero axe violations.
func TestBrowserTriageJourney(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	if err := ts.store.SaveCoachProfile(ctx, store.CoachProfile{UserID: coach.ID, Modes: []string{"virtual"}, Capacity: 5, Background: "Career coach"}); err != nil {
		t.Fatal(err)
	}
	ref := selfReferral(t, ts, "journey@example.com")
	ts.MustReferral(t, "CR-FUND-7777", "f@example.com", "", cm.ID, 0)
	ts.pool.Exec(ctx, `UPDATE referrals SET route = 'case_manager', form_d_sessions = 2, form_d_status = 'requested' WHERE reference = 'CR-FUND-7777'`)

	signIn := func(b *tab, email string) {
		b.open("/staff/sign-in")
		b.fill("email", email)
		b.fill("password", testPassword)
		b.submit("form button[type=submit]")
		b.click(".nhsuk-details__summary")
		secret := strings.TrimSpace(b.text(".app-secret"))
		code := totp(t, secret, ts.clock.Now())
		b.fill("code", code)
		b.submit("form button[type=submit]")
		b.submit("main a.nhsuk-button") // recovery codes saved
	}

	c := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, c.ctx, "triage-coordinator")
	signIn(c, "coord@example.nhs.uk")
	c.open("/staff/referrals/" + ref)
	c.submit(`form[action$="/accept"] button`)
	if !strings.Contains(c.text(".nhsuk-notification-banner"), "accepted") {
		t.Fatal("no confirmation after accepting")
	}
	// The suggested coach and 3 sessions are preselected.
	c.submit(`form[action$="/allocate"] button`)
	if !strings.Contains(c.text(".nhsuk-notification-banner"), "Coach allocated") {
		t.Fatal("no confirmation after allocating")
	}
	if !strings.Contains(c.text("main"), "Coach: Test kofi") || !strings.Contains(c.text("main"), "Remaining") {
		t.Error("the referral page does not show the coach and allowance")
	}
	// Ask for extra sessions (in a details section).
	c.click(`details:has(form[action$="/extensions"]) summary`)
	c.fill("ext_sessions", "2")
	c.fill("justification", "Two options to explore with shadowing in between.")
	c.submit(`form[action$="/extensions"] button`)

	l := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, l.ctx, "triage-lead")
	signIn(l, "lead@example.nhs.uk")
	if got := l.text("main"); !strings.Contains(got, "CR-FUND-7777") || !strings.Contains(got, ref) {
		t.Fatalf("the lead's home does not show both requests")
	}
	l.open("/staff/referrals/CR-FUND-7777")
	l.click(`input[name=funding][value=approved]`)
	l.fill("funding_ref", "CPPS-2026-001")
	l.submit(`form[action$="/funding"] button`)
	l.open("/staff/referrals/" + ref)
	l.click(`form[action*="/extensions/"] input[name=decision][value=approved]`)
	l.submit(`form[action*="/extensions/"] button`)
	if !strings.Contains(l.text(".app-timeline"), "2 extra session(s) approved") {
		t.Error("the timeline lacks the approval")
	}
	if s := state(t, ts, ref); s.SessionsGranted != 5 || s.Status != "allocated" {
		t.Errorf("after the journey: %+v", s)
	}
	if s := state(t, ts, "CR-FUND-7777"); s.FormDStatus != "approved" {
		t.Errorf("funding: %q", s.FormDStatus)
	}
}
