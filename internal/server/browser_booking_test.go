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

// A trainee books from their own page by following links only, then moves
// the session to another time in one step; every page passes axe at
// 1280 px and on a 390 px phone, where nothing scrolls sideways.
func TestBrowserBookAndRearrange(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	addSlot(t, ts, coach.ID, start, "virtual")
	addSlot(t, ts, coach.ID, start.Add(2*time.Hour), "telephone")
	addSlot(t, ts, coach.ID, start.Add(4*time.Hour), "in_person")
	ts.MustReferral(t, "CR-BRBK-2345", "bo@example.com", "", 0, coach.ID)
	var id int64
	ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'allocated', trainee_name = 'Bo Trainee',
		answers = '{"mode": ["telephone"], "times": ["weekdays"]}' WHERE reference = 'CR-BRBK-2345' RETURNING id`).Scan(&id)
	ts.store.AddAllowance(ctx, id, "granted", 2, 0, "", time.Now())

	tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, tr.ctx, "book-rearrange")
	tr.open("/sign-in")
	tr.fill("email", "bo@example.com")
	tr.submit("form button[type=submit]")
	tr.open(ts.mail.MustLink(t, "bo@example.com"))
	tr.submit("form button[type=submit]")
	tr.open("/your-referrals/CR-BRBK-2345")
	tr.submit(`a[href="/your-referrals/CR-BRBK-2345/book"]`)
	// The filter by way of meeting is a link; then back to all.
	tr.submit(`nav[aria-label="Way of meeting"] a[href*="mode=telephone"]`)
	if got := tr.text("main form"); strings.Contains(got, "Video call") || !strings.Contains(got, "Telephone") {
		t.Errorf("the telephone filter shows %q", got)
	}
	tr.submit(`nav[aria-label="Way of meeting"] a:not([href*="mode="])`)
	tr.click(`label[for="slot"]`)
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Session booked") {
		t.Fatal("no booking confirmation")
	}
	if !strings.Contains(tr.text("main"), "Add to calendar") {
		t.Error("no Add to calendar link after booking")
	}

	// Rearranging: the new time is chosen while the old one is held.
	tr.submit(`a[href$="/rearrange"]`)
	if !strings.Contains(tr.text("main"), "stays booked until you choose a new time") {
		t.Fatal("the rearrange page does not say the old time is held")
	}
	tr.click(`input[name=slot]:not(:checked) + label`)
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Your session has moved") {
		t.Fatalf("no confirmation of the move: %q", tr.text("main"))
	}

	// The same pages on a phone.
	if err := chromedp.Do(tr.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	narrow := func(what string) {
		t.Helper()
		if wide := mustRun(t, tr.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); wide {
			t.Errorf("%s scrolls sideways at 390 px", what)
		}
	}
	tr.open("/your-referrals/CR-BRBK-2345")
	narrow("the trainee's page")
	tr.submit(`a[href="/your-referrals/CR-BRBK-2345/book"]`)
	narrow("the booking page")
	tr.open("/your-referrals/CR-BRBK-2345")
	tr.submit(`a[href$="/rearrange"]`)
	narrow("the rearrange page")
	// Nothing chosen: the error summary, on a phone.
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-error-summary"), "Choose a new time") {
		t.Error("no error summary when nothing is chosen")
	}
	narrow("the rearrange page with an error")
}

// With JavaScript off, a trainee pages to the next week, filters, books
// and moves the session: links and plain forms only.
func TestBrowserBookingWithoutJavaScript(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	addSlot(t, ts, coach.ID, start, "virtual")
	addSlot(t, ts, coach.ID, start.Add(8*24*time.Hour), "telephone")
	addSlot(t, ts, coach.ID, start.Add(8*24*time.Hour+2*time.Hour), "virtual")
	ts.MustReferral(t, "CR-NOJS-2345", "nojs@example.com", "", 0, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'allocated', trainee_name = 'No Script' WHERE reference = 'CR-NOJS-2345' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ts.store.AddAllowance(ctx, id, "granted", 1, 0, "", time.Now())

	tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithJavaScriptDisabled(), browsertest.WithTimeout(120*time.Second)), ts: ts, noJS: true}
	defer saveScreenshot(t, tr.ctx, "book-nojs")
	tr.open("/sign-in")
	tr.fill("email", "nojs@example.com")
	tr.submit("form button[type=submit]")
	tr.open(ts.mail.MustLink(t, "nojs@example.com"))
	tr.submit("form button[type=submit]")
	tr.open("/your-referrals/CR-NOJS-2345")
	tr.submit(`a[href="/your-referrals/CR-NOJS-2345/book"]`)
	tr.submit(`a.nhsuk-pagination__link--next`)
	tr.submit(`nav[aria-label="Way of meeting"] a[href*="mode=telephone"]`)
	tr.click(`label[for="slot"]`)
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Session booked") {
		t.Fatal("no booking confirmation without JavaScript")
	}
	var mode string
	if err := ts.pool.QueryRow(ctx, `SELECT mode FROM appointments WHERE referral_id = $1 AND status = 'booked'`, id).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "telephone" {
		t.Errorf("booked a %q time, want the telephone one", mode)
	}
	tr.submit(`a[href$="/rearrange"]`)
	tr.click(`label[for="slot"]`)
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Your session has moved") {
		t.Fatalf("no confirmation of the move: %q", tr.text("main"))
	}
}
