package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/browsertest"
)

// The public side of a workshop in a browser (ws-core, issue 16): the
// list, the workshop's page, the registration form with a mistake and
// then right, the check-your-email page, the emailed confirmation and the
// place page; every page passes axe at 1280 and at 390 px, where nothing
// scrolls sideways.
func TestBrowserWorkshopRegistration(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	start := ts.clock.Now().Add(14 * 24 * time.Hour).Truncate(time.Hour)
	ts.mustWorkshop(t, "browser-workshop", 20, start)
	for _, width := range []string{"1280", "390"} {
		t.Run(width, func(t *testing.T) {
			tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
			defer saveScreenshot(t, tr.ctx, "workshop-"+width)
			if width == "390" {
				tr.narrow()
			}
			sideways := func(what string) {
				t.Helper()
				wide := mustRun(t, tr.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
				if wide {
					t.Errorf("%s scrolls sideways at %s px", what, width)
				}
			}
			tr.open("/workshops")
			sideways("the list")
			if h := tr.text("h1"); h != "Workshops and webinars" {
				t.Fatalf("h1 %q", h)
			}
			tr.submit(`a[href="/workshops/browser-workshop"]`)
			tr.submit(`a[href="/workshops/browser-workshop/register"]`)
			sideways("the form")
			tr.fill("name", "Browser Person "+width)
			tr.submit("form button[type=submit]")
			if !strings.Contains(tr.text(".nhsuk-error-summary"), "Enter email address") {
				t.Fatalf("the error summary: %q", tr.text(".nhsuk-error-summary"))
			}
			email := "browser" + width + "@example.com"
			tr.fill("email", email)
			tr.click(`input[name=group][value=doctor]`)
			tr.click(`input[name=region][value=london]`)
			tr.choose("stage", "st5")
			tr.fill("training_number", "LDN/123")
			tr.click(`input[name=end_kind][value=expected]`)
			tr.fill("end_date", "31")
			tr.fill("end_date-month", "8")
			tr.fill("end_date-year", "2030")
			tr.submit("form button[type=submit]")
			if h := tr.text("h1"); h != "Check your email" {
				t.Fatalf("after registering: %q at %s", h, tr.path())
			}
			tr.open(ts.linkTo(t, email, "/workshops/confirm?token="))
			tr.submit("form button[type=submit]")
			if h := tr.text("h1"); h != "You have a place" {
				t.Fatalf("after confirming: %q", h)
			}
			tr.open(ts.linkTo(t, email, "/workshops/browser-workshop/your-place?token="))
			sideways("the place page")
			if s := tr.text("#status"); !strings.Contains(s, "You have a place") || !strings.Contains(s, "Join the workshop online") {
				t.Errorf("the place page: %q", s)
			}
		})
	}
}
