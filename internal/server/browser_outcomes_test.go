package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/browsertest"
	"careers/internal/policy"
)

// The outcome questionnaire in a real browser: the trainee, on a phone
// (390 px), answers before their first session and at closure; the
// session and closure happen in the test's setup; a PSU lead, on a
// desktop (1280 px), reads the change on the reports and the printable
// summary. Every page has zero axe violations.
func TestBrowserOutcomeJourney(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach-oqb@example.nhs.uk", policy.Coach)
	lead := ts.MustStaff(t, "lead-oqb@example.nhs.uk", policy.Lead)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, coach.ID, start)
	ts.MustReferral(t, "CR-OQBR-2345", "ola@example.com", "", 0, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'allocated', trainee_name = 'Ola Trainee' WHERE reference = 'CR-OQBR-2345' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ts.store.AddAllowance(ctx, id, "granted", 2, 0, "", time.Now())
	// Four others closed this week with a pair each (confidence 2 to 4), so
	// the trainee's answers make five and the figures show.
	for i := range 4 {
		ref := "CR-OQBX-000" + strconv.Itoa(i)
		ts.MustReferral(t, ref, "x"+strconv.Itoa(i)+"@example.com", "", 0, 0)
		var rid int64
		ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'closed', closed_at = now() + interval '70 hours', outcome = 'still_deciding'
			WHERE reference = $1 RETURNING id`, ref).Scan(&rid)
		for _, a := range []struct {
			stage string
			conf  int
		}{{"before", 2}, {"after", 4}} {
			if _, err := ts.pool.Exec(ctx, `INSERT INTO outcome_answers (referral_id, stage, answered_at, confidence, fft) VALUES ($1, $2, now(), $3, CASE WHEN $2 = 'after' THEN 'good' END)`,
				rid, a.stage, a.conf); err != nil {
				t.Fatal(err)
			}
		}
	}

	tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(180*time.Second)), ts: ts}
	defer saveScreenshot(t, tr.ctx, "outcomes-trainee")
	if err := chromedp.Do(tr.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	tr.open("/sign-in")
	tr.fill("email", "ola@example.com")
	tr.submit("form button[type=submit]")
	tr.open(ts.mail.MustLink(t, "ola@example.com"))
	tr.submit("form button[type=submit]")
	tr.open("/your-referrals/CR-OQBR-2345")
	tr.submit(`a[href="/your-referrals/CR-OQBR-2345/outcomes/before"]`)
	if !strings.Contains(tr.text("main"), "never shown to your Case Manager") {
		t.Error("the first questionnaire does not say how the answers are used")
	}
	// Sending nothing: the error summary.
	tr.submit(`button[value=send]`)
	if !strings.Contains(tr.text(".nhsuk-error-summary"), "Answer at least one question") {
		t.Error("no error summary for an empty questionnaire")
	}
	for _, k := range []string{"self_awareness-2", "options-1", "decision-2", "plan-1", "confidence-2"} {
		tr.click("#" + k)
	}
	tr.submit(`button[value=send]`)
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "We have your answers") {
		t.Fatal("no thanks after the before questionnaire")
	}

	// The session takes place and the referral is closed (setup).
	tr.submit(`a[href="/your-referrals/CR-OQBR-2345/book"]`)
	tr.click(`input[name=slot]`)
	tr.submit("form button[type=submit]")
	ts.clock.Advance(74 * time.Hour)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	var apptID int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1`, id).Scan(&apptID); err != nil {
		t.Fatal(err)
	}
	if p := cb.Post(t, "/staff/appointments/"+strconv.FormatInt(apptID, 10)+"/attendance", url.Values{"attended": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("attendance: %d", p.Status)
	}
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET status = 'closed', closed_at = $2, outcome = 'change_specialty' WHERE id = $1`, id, ts.clock.Now()); err != nil {
		t.Fatal(err)
	}

	// At closure.
	tr.open("/your-referrals/CR-OQBR-2345")
	tr.submit(`a[href="/your-referrals/CR-OQBR-2345/outcomes/after"]`)
	for _, k := range []string{"self_awareness-4", "options-4", "decision-3", "plan-4", "confidence-4"} {
		tr.click("#" + k)
	}
	tr.click(`input[name=fft][value=very_good]`)
	tr.fill("comment", "Someone to think aloud with.")
	tr.submit(`button[value=send]`)
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "We have your answers") {
		t.Fatal("no thanks after the closure questionnaire")
	}

	// The lead reads the change.
	ld := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(180*time.Second)), ts: ts}
	defer saveScreenshot(t, ld.ctx, "outcomes-lead")
	if err := chromedp.Do(ld.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	ld.open("/staff/sign-in")
	ld.fill("email", lead.Email)
	ld.fill("password", testPassword)
	ld.submit("form button[type=submit]")
	ld.click(".nhsuk-details__summary")
	ld.fill("code", totp(t, strings.TrimSpace(ld.text(".app-secret")), ts.clock.Now()))
	ld.submit("form button[type=submit]")
	ld.submit("main a.nhsuk-button")
	today := ts.clock.Now().In(londonLoc(t))
	q := "?from=" + today.AddDate(0, 0, -7).Format("2006-01-02") + "&to=" + today.Format("2006-01-02")
	ld.open("/staff/reports" + q + "#questionnaire")
	change := ld.text(`#questionnaire ~ .app-table-scroll table`)
	// Confidence: 2, 2, 2, 2 and the trainee's 2 before; 4 each after.
	if !strings.Contains(change, "Confidence about my career") || !strings.Contains(change, "+2.0") {
		t.Errorf("the change table: %q", change)
	}
	desc, err := chromedp.Run(ld.ctx, chromedp.TextContent(chromedp.ID("chart-outcomes-change-desc")))
	if err != nil || !strings.Contains(desc, "Confidence about my career: at closure: 4.0") {
		t.Errorf("chart description %q, %v", desc, err)
	}
	ld.submit(`a[href^="/staff/reports/outcomes/summary"]`)
	if got := ld.text("h1"); got != "Outcome summary" {
		t.Errorf("summary heading %q", got)
	}
	if !strings.Contains(ld.text("main"), "went from 2.0 to 4.0") {
		t.Error("the summary does not give the change in confidence")
	}
	// The summary on a phone too.
	if err := chromedp.Do(ld.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	ld.open("/staff/reports/outcomes/summary" + q)
}
