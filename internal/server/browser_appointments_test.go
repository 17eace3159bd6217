package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"careers/internal/browsertest"
	"careers/internal/policy"
)

func TestBrowserSessionJourney(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	cm := ts.MustStaff(t, "cam@example.nhs.uk", policy.CaseManager)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, coach.ID, start, start.Add(24*time.Hour))
	ts.MustReferral(t, "CR-JRNY-2345", "jo@example.com", "", cm.ID, coach.ID)
	var id int64
	ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'allocated', route = 'case_manager', form_d_status = 'approved', trainee_name = 'Jo Trainee'
		WHERE reference = 'CR-JRNY-2345' RETURNING id`).Scan(&id)
	ts.store.AddAllowance(ctx, id, "granted", 3, 0, "", time.Now())

	// The trainee signs in with an emailed link and books.
	tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, tr.ctx, "session-trainee")
	tr.open("/sign-in")
	tr.fill("email", "jo@example.com")
	tr.submit("form button[type=submit]")
	tr.open(ts.mail.MustLink(t, "jo@example.com"))
	tr.submit("form button[type=submit]")
	tr.open("/your-referrals/CR-JRNY-2345")
	tr.submit(`a[href="/your-referrals/CR-JRNY-2345/book"]`)
	tr.click(`input[name=slot]`)
	tr.submit("form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Session booked") {
		t.Fatal("no booking confirmation")
	}
	if !strings.Contains(tr.text("main"), "24 hours") {
		t.Error("the rule is not stated after booking")
	}

	// After the session the coach records it and confirms.
	ts.clock.Advance(74 * time.Hour)
	co := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, co.ctx, "session-coach")
	co.open("/staff/sign-in")
	co.fill("email", coach.Email)
	co.fill("password", testPassword)
	co.submit("form button[type=submit]")
	co.click(".nhsuk-details__summary")
	co.fill("code", totp(t, strings.TrimSpace(co.text(".app-secret")), ts.clock.Now()))
	co.submit("form button[type=submit]")
	co.submit("main a.nhsuk-button")
	co.open("/staff/referrals/CR-JRNY-2345")
	co.submit(`form[action$="/attendance"]:has(input[value=yes]) button`)
	co.submit(`form[action$="/confirm"] button`)
	if !strings.Contains(co.text(".nhsuk-notification-banner"), "Meeting confirmed") {
		t.Fatal("no confirmation for the coach")
	}

	// The trainee writes the summary and agrees to share it.
	tr.open("/your-referrals/CR-JRNY-2345")
	tr.submit(`a[href$="/summary"]`)
	tr.fill("self_awareness", "I like teaching and structure.")
	tr.fill("options", "Education fellowships; staying in anaesthetics.")
	tr.fill("decision", "Apply for a fellowship next year.")
	tr.fill("action_1", "Speak to my educational supervisor")
	tr.fill("by_1", "2027-02-01")
	tr.click(`input[name=share][value=yes]`)
	tr.submit(`button[value=submit]`)
	if !strings.Contains(tr.text("main"), "Your summary was sent to your Case Manager") {
		t.Error("the trainee is not told the summary went")
	}
	// The Case Manager's email with the summary.
	found := false
	for _, m := range ts.mail.To(t, cm.Email) {
		if strings.HasPrefix(m.Subject, "Summary from a careers support session") && len(m.Attachments) == 1 {
			found = true
		}
	}
	if !found {
		t.Error("the Case Manager's email with the summary did not arrive")
	}

	// The trainee looks at what is held about them, then withdraws; the
	// form asks whether to tell the Case Manager, with an error summary if
	// it is not answered.
	tr.open("/your-data")
	if !strings.Contains(tr.text("main"), "1 summary") {
		t.Errorf("the data page does not count the summary: %q", tr.text("main"))
	}
	tr.open("/your-referrals/CR-JRNY-2345")
	tr.submit(`a[href="/your-referrals/CR-JRNY-2345/withdraw"]`)
	tr.submit("form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-error-summary"), "Select whether we can tell them") {
		t.Fatal("no error summary for the unanswered question")
	}
	tr.click(`input[name=share][value=no]`)
	tr.submit("form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "You have withdrawn your referral") {
		t.Fatal("no withdrawal confirmation")
	}
	for _, m := range ts.mail.To(t, cm.Email) {
		if strings.Contains(m.Subject, "withdrawn") {
			t.Error("the Case Manager was told although the trainee said no")
		}
	}
}
