package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/browsertest"
	"careers/internal/policy"
)

// A coordinator reads the reports in a real browser: the figures with
// their charts, a quick link, and the form with bad dates; every page has
// zero axe violations.
func TestBrowserReports(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	mustReportData(t, ts)

	c := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, c.ctx, "reports")
	c.open("/staff/sign-in")
	c.fill("email", "coord@example.nhs.uk")
	c.fill("password", testPassword)
	c.submit("form button[type=submit]")
	c.click(".nhsuk-details__summary")
	c.fill("code", totp(t, strings.TrimSpace(c.text(".app-secret")), ts.clock.Now()))
	c.submit("form button[type=submit]")
	c.submit("main a.nhsuk-button") // recovery codes saved

	c.submit(`a[href="/staff/reports"]`) // from the navigation
	if got := c.text("h1"); got != "Reports" {
		t.Fatalf("heading %q", got)
	}
	c.open("/staff/reports?" + reportPeriod)
	if got := c.text("#figures"); got != "Figures for 1 April 2025 to 30 June 2025" {
		t.Errorf("figures heading %q", got)
	}
	// The chart's name, as assistive technology gets it, holds its figures.
	desc, err := chromedp.Run(c.ctx, chromedp.TextContent(chromedp.ID("chart-received-by-route-desc")))
	if err != nil || !strings.Contains(desc, "Supervisor referral: fewer than 5") {
		t.Errorf("chart description %q, %v", desc, err)
	}
	// Bad dates: the error summary, the values kept.
	c.open("/staff/reports")
	if err := chromedp.Do(c.ctx, chromedp.Clear(chromedp.ID("from"))); err != nil {
		t.Fatal(err)
	}
	c.fill("from", "2025-02-30")
	c.submit(`form[action="/staff/reports"] button`)
	if got := c.text(".nhsuk-error-summary"); !strings.Contains(got, "Enter the first day as year-month-day") {
		t.Errorf("error summary %q", got)
	}
	// A quick link back to figures.
	c.submit(`main ul.nhsuk-list a[href^="/staff/reports?"]`)
	if !strings.HasPrefix(c.path(), "/staff/reports?from=") {
		t.Errorf("quick link went to %s", c.path())
	}
}
