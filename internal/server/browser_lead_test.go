package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/browsertest"
	"careers/internal/policy"
)

// signInStaff signs a staff member in through the sign-in page, enrolling
// their authenticator, and leaves them on the home they land on.
func (tb *tab) signInStaff(email string) {
	tb.t.Helper()
	tb.open("/staff/sign-in")
	tb.fill("email", email)
	tb.fill("password", testPassword)
	tb.submit("form button[type=submit]")
	tb.click(".nhsuk-details__summary")
	tb.fill("code", totp(tb.t, strings.TrimSpace(tb.text(".app-secret")), tb.ts.clock.Now()))
	tb.submit("form button[type=submit]")
	tb.submit("main a.nhsuk-button") // recovery codes saved
}

// home follows the header's Home link. The design system's script moves
// the header's links when the width changes (atPhoneWidth), which can
// replace the node between finding and clicking it: then it is found again.
func (tb *tab) home() {
	tb.t.Helper()
	for try := 1; ; try++ {
		_, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(`header a[href="/staff"]`)))
		if err == nil {
			break
		}
		if try == 3 || !strings.Contains(err.Error(), "Could not find node") {
			tb.t.Fatalf("the header's Home link: %v", err)
		}
	}
	tb.axe()
}

// A PSU lead starts at their home, sees a funding request (Form D) and a
// request for extra sessions with what they need to decide, decides the
// extension in place, then opens the funding request by its link and
// decides it on the referral's page: links and buttons only, every page
// passing axe at 1280 and 390 px.
func TestBrowserLeadJourney(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ts.MustReferral(t, "CR-FUND-4321", "f@example.com", "", cm.ID, 0)
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET route = 'case_manager', status = 'accepted', trainee_name = 'Fay Funding',
		form_d_sessions = 2, form_d_status = 'requested' WHERE reference = 'CR-FUND-4321'`); err != nil {
		t.Fatal(err)
	}
	ts.MustReferral(t, "CR-EXTN-4322", "e@example.com", "", 0, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active', trainee_name = 'Eli Extension' WHERE reference = 'CR-EXTN-4322' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AddAllowance(ctx, id, "granted", 3, 0, "", ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AddAllowance(ctx, id, "booked", 2, 0, "", ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.RequestExtension(ctx, id, 2, "Two options to explore, with shadowing in between.", coach.ID, ts.clock.Now()); err != nil {
		t.Fatal(err)
	}

	l := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, l.ctx, "lead-home")
	l.signInStaff("lead@example.nhs.uk")
	if got := l.path(); got != "/staff/lead" {
		t.Fatalf("the lead landed on %s", got)
	}
	l.atPhoneWidth()
	home := l.text("main")
	for _, want := range []string{
		"Funding request (Form D): Fay Funding", "Request for extra sessions: Eli Extension",
		"Sessions requested", "3 granted, 2 used, 1 left", "Two options to explore, with shadowing in between.",
	} {
		if !strings.Contains(home, want) {
			t.Errorf("the lead's home lacks %q", want)
		}
	}

	// The extension, decided in place: back home, which no longer lists it.
	l.click(`form[action*="/extensions/"] input[name=decision][value=approved]`)
	l.submit(`form[action*="/extensions/"] button`)
	if got := l.path(); got != "/staff/lead" || !strings.Contains(l.text(".nhsuk-notification-banner"), "Decision recorded for CR-EXTN-4322") {
		t.Fatalf("after deciding in place: %s", got)
	}
	if home := l.text("main"); strings.Contains(home, "Eli Extension") || !strings.Contains(home, "Fay Funding") {
		t.Error("the home still lists the decided extension, or lost the funding request")
	}
	l.atPhoneWidth()
	if s := state(t, ts, "CR-EXTN-4322"); s.SessionsGranted != 5 {
		t.Errorf("allowance after approval: %d", s.SessionsGranted)
	}

	// The funding request, opened by its link and decided on the referral.
	l.submit(`main a[href="/staff/referrals/CR-FUND-4321"]`)
	if got := l.path(); got != "/staff/referrals/CR-FUND-4321" {
		t.Fatalf("the link went to %s", got)
	}
	l.atPhoneWidth()
	l.click(`input[name=funding][value=approved]`)
	l.fill("funding_ref", "CPPS-2026-042")
	l.submit(`form[action$="/funding"] button`)
	if got := l.path(); got != "/staff/referrals/CR-FUND-4321" {
		t.Fatalf("after the funding decision: %s", got)
	}
	l.atPhoneWidth()
	if s := state(t, ts, "CR-FUND-4321"); s.FormDStatus != "approved" {
		t.Errorf("funding: %q", s.FormDStatus)
	}
	// Home again, by the header's link: nothing waits.
	l.home()
	if got := l.path(); got != "/staff/lead" || !strings.Contains(l.text("main"), "No funding requests or requests for extra sessions are waiting") {
		t.Errorf("home after both decisions: %s", got)
	}
}
