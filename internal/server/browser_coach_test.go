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

// atPhoneWidth checks the page again at 390 px (a phone), then goes back
// to the desktop width.
func (tb *tab) atPhoneWidth() {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		tb.t.Fatal(err)
	}
	tb.axe()
	if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(1280, 1024)); err != nil {
		tb.t.Fatal(err)
	}
}

// A coach starts at their home, keeps their profile (a refused link first),
// and records a session that took place, by following links and buttons
// only; every page passes axe at 1280 and 390 px.
func TestBrowserCoachJourney(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	ts.MustReferral(t, "CR-COHO-2345", "rae@example.com", "", 0, coach.ID)
	var id, slot, appt int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active', trainee_name = 'Rae Trainee' WHERE reference = 'CR-COHO-2345' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ts.store.AddAllowance(ctx, id, "granted", 3, 0, "", time.Now())
	for _, at := range []time.Duration{-3 * time.Hour, 26 * time.Hour} {
		start := ts.clock.Now().Truncate(time.Hour).Add(at)
		ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
			coach.ID, start, start.Add(time.Hour)).Scan(&slot)
		ts.pool.QueryRow(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, booked_by, created_at)
			VALUES ($1, $2, $3, $4, $5, 'virtual', 'trainee', $6) RETURNING id`, id, slot, coach.ID, start, start.Add(time.Hour), start.Add(-96*time.Hour)).Scan(&appt)
		ts.store.AddAllowance(ctx, id, "booked", 1, 0, "", time.Now())
	}

	co := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, co.ctx, "coach-home")
	co.open("/staff/sign-in")
	co.fill("email", coach.Email)
	co.fill("password", testPassword)
	co.submit("form button[type=submit]")
	co.click(".nhsuk-details__summary")
	co.fill("code", totp(t, strings.TrimSpace(co.text(".app-secret")), ts.clock.Now()))
	co.submit("form button[type=submit]")
	co.submit("main a.nhsuk-button")
	if got := co.path(); got != "/staff/coach" {
		t.Fatalf("the coach landed on %s", got)
	}
	co.atPhoneWidth()
	if !strings.Contains(co.text("main"), "Rae Trainee") || !strings.Contains(co.text("main"), "Add your video link") {
		t.Fatal("the home lacks the client or the request for a video link")
	}

	// The profile, from the home's link.
	co.submit(`main a[href="/staff/coach/profile"]`)
	co.atPhoneWidth()
	co.fill("video_link", "http://zoom.us/j/123")
	co.fill("specialisms", "surgery, leaving medicine")
	co.submit("form button[type=submit]")
	if !strings.Contains(co.text(".nhsuk-error-summary"), "https://") {
		t.Fatal("no error summary for a plain http link")
	}
	co.atPhoneWidth()
	co.choose("video_link", "https://zoom.us/j/987654321")
	co.fill("phone", "020 7946 0958")
	co.submit("form button[type=submit]")
	if got := co.path(); got != "/staff/coach" || !strings.Contains(co.text(".nhsuk-notification-banner"), "profile is saved") {
		t.Fatalf("after saving the profile: %s", got)
	}
	if strings.Contains(co.text("main"), "Add your video link") || !strings.Contains(co.text("main"), "https://zoom.us/j/987654321") {
		t.Error("the home still asks for the link, or tomorrow's session lacks it")
	}

	// The session that has started: recorded from the home.
	co.submit(`form[action$="/attendance"]:has(input[value=yes]) button`)
	if got := co.path(); got != "/staff/coach" || !strings.Contains(co.text(".nhsuk-notification-banner"), "Attendance recorded") {
		t.Fatalf("after recording: %s", got)
	}
	if !strings.Contains(co.text("#to-record + p"), "Nothing to record") {
		t.Error("the session is still to record")
	}
	co.atPhoneWidth()
	co.submit(`form[action$="/confirm"] button`)
	if !strings.Contains(co.text(".nhsuk-notification-banner"), "Meeting confirmed") || !strings.Contains(co.text("main"), "No meetings wait") {
		t.Error("the meeting was not confirmed from the home")
	}
	var status string
	if err := ts.pool.QueryRow(ctx, `SELECT status FROM appointments WHERE referral_id = $1 ORDER BY starts_at LIMIT 1`, id).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "attended" {
		t.Errorf("the session is %q", status)
	}
}
