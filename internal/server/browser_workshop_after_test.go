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

// After a workshop, in a real browser: the attendee checks in with the
// session's code (a wrong one first), gives feedback (nothing chosen
// first) and opens their certificate. Every page has zero axe violations
// at 1280 px and at 390 px.
func TestBrowserWorkshopCheckInFeedbackCertificate(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	now := ts.clock.Now()
	ws := mkWorkshop(t, ts, "career-planning-evening", now.Add(10*time.Minute), now.Add(100*time.Minute), "PLAN42")
	reg := mkReg(t, ts, ws, "Priya Attendee", "priya@example.nhs.uk", "placed", "")
	tok := placeToken(t, ts, reg)

	tb := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, tb.ctx, "workshop-after")
	tb.open(withToken("/workshops/career-planning-evening/your-place/check-in", tok))
	tb.atPhoneWidth()
	tb.fill("code", "WRONG1")
	tb.submit("form button[type=submit]")
	if !strings.Contains(tb.text(".nhsuk-error-summary"), "The code is not right") {
		t.Error("no error summary for a wrong code")
	}
	tb.atPhoneWidth()
	if err := chromedp.Do(tb.ctx, chromedp.Clear(chromedp.ID("code"))); err != nil {
		t.Fatal(err)
	}
	tb.fill("code", "plan42")
	tb.submit("form button[type=submit]")
	if !strings.Contains(tb.text("main"), "You are checked in") {
		t.Fatalf("not checked in: %s", tb.text("main"))
	}
	tb.atPhoneWidth()

	ts.clock.Advance(2 * time.Hour)
	tb.open(withToken("/workshops/career-planning-evening/your-place/feedback", tok))
	tb.atPhoneWidth()
	tb.submit("form button[type=submit]")
	if !strings.Contains(tb.text(".nhsuk-error-summary"), "Select how your experience") {
		t.Error("no error summary for feedback with no answer")
	}
	tb.atPhoneWidth()
	tb.click("#fft-2") // Good
	tb.fill("comment", "More examples from real interviews")
	tb.submit("form button[type=submit]")
	if !strings.Contains(tb.text("main"), "We have your feedback") {
		t.Fatalf("feedback not taken: %s", tb.text("main"))
	}
	tb.atPhoneWidth()
	tb.submit(`a[href*="/your-place/certificate"]`)
	if got := tb.text(".app-certificate"); !strings.Contains(got, "Priya Attendee") || !strings.Contains(got, "Workshop career-planning-evening") {
		t.Errorf("certificate: %s", got)
	}
	tb.atPhoneWidth()
	// A coordinator reads it on the reports (the small count withheld, the
	// comment shown), at both widths.
	ts.MustStaff(t, "coord-wsa@example.nhs.uk", policy.Coordinator)
	c := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	c.signInStaff("coord-wsa@example.nhs.uk")
	day := ts.clock.Now().In(londonLoc(t))
	c.open("/staff/reports?from=" + day.AddDate(0, 0, -7).Format("2006-01-02") + "&to=" + day.AddDate(0, 0, 1).Format("2006-01-02") + "#workshops")
	if got := c.text("#workshops"); !strings.Contains(got, "Workshops and webinars") {
		t.Errorf("workshops section: %.300s", got)
	}
	if got := c.text("main"); !strings.Contains(got, "More examples from real interviews") || !strings.Contains(got, "fewer than 5") {
		t.Errorf("the reports do not show the comment and the withheld count")
	}
	c.atPhoneWidth()
	var fft string
	if err := ts.pool.QueryRow(context.Background(), `SELECT fft FROM workshop_feedback WHERE registration_id = $1`, reg).Scan(&fft); err != nil || fft != "good" {
		t.Errorf("feedback stored: %q, %v", fft, err)
	}
}

// Withdrawing with a workshop place, in a real browser on a phone and a
// desktop: the form lists the workshop and offers to cancel it too.
func TestBrowserWithdrawalOffersToCancelWorkshops(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach-wsw@example.nhs.uk", policy.Coach)
	allocated(t, ts, "CR-WSWB-2345", "wendy@example.com", coach.ID, 3)
	now := ts.clock.Now()
	ws := mkWorkshop(t, ts, "withdraw-with-workshop", now.Add(72*time.Hour), now.Add(74*time.Hour), "WDWS")
	reg := mkReg(t, ts, ws, "Wendy Trainee", "wendy@example.com", "placed", "")

	tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, tr.ctx, "workshop-withdraw")
	tr.open("/sign-in")
	tr.fill("email", "wendy@example.com")
	tr.submit("form button[type=submit]")
	tr.open(ts.mail.MustLink(t, "wendy@example.com"))
	tr.submit("form button[type=submit]")
	tr.open("/your-referrals/CR-WSWB-2345/withdraw")
	if got := tr.text("main"); !strings.Contains(got, "Workshop withdraw-with-workshop") || !strings.Contains(got, "Cancel these too") {
		t.Fatalf("the withdrawal form does not offer the workshop: %.500s", got)
	}
	tr.atPhoneWidth()
	tr.click("#workshops")
	tr.submit("form button.nhsuk-button--warning")
	if s := regStatus(t, ts, reg); s != "cancelled" {
		t.Errorf("the workshop place is %s after withdrawing with the box ticked", s)
	}
	tr.atPhoneWidth()
}
