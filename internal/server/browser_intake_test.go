package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"careers/internal/browsertest"
)

// selfReferralJourney refers a trainee from the start page to the
// confirmation, as a person would, checking each page with axe (when
// JavaScript is on).
func selfReferralJourney(t *testing.T, b *tab, email string) string {
	b.open("/")
	b.submit(`a[href="/refer/self"]`)
	if got := b.text("h1"); got != "About you" {
		t.Fatalf("first page: %q", got)
	}
	// An empty page first: the error summary, and the page passes axe.
	b.submit("form button[type=submit]")
	if !strings.Contains(b.text(".nhsuk-error-summary"), "Enter full name") {
		t.Fatal("no error summary")
	}
	b.fill("name", "Alex Morgan")
	b.fill("email", email)
	b.fill("phone", "07700 900982")
	b.submit("form button[type=submit]")

	b.click(`input[name=group][value=doctor]`)
	b.click(`input[name=body][value=gmc]`)
	b.fill("number", "1234567")
	b.submit("form button[type=submit]")

	b.click(`input[name=region][value=london]`)
	b.choose("stage", "st3")
	b.fill("training_number", "LDN/111/222/C")
	b.fill("specialty", "General surgery")
	b.click(`input[name=end_kind][value=expected]`)
	b.fill("end_date", "5")
	b.fill("end_date-month", "8")
	b.fill("end_date-year", "2030")
	b.submit("form button[type=submit]")

	b.click(`input[name=reasons][value=uncertain_direction]`)
	b.fill("hopes", "To decide whether to stay in surgery.")
	b.submit("form button[type=submit]")

	b.click(`input[name=mode][value=virtual]`)
	b.submit("form button[type=submit]")

	b.click("#consent_privacy")
	b.click("#consent_contact")
	b.submit("form button[type=submit]")

	if got := b.text("h1"); got != "Check your answers before sending" {
		t.Fatalf("check page: %q", got)
	}
	if !strings.Contains(b.text("main"), "General surgery") {
		t.Error("check page lacks an answer")
	}
	// Change an answer from the check page, and come back to it.
	b.submit(`a[href="/refer/self/about?change=1"]`)
	if b.path() != "/refer/self/about?change=1" {
		t.Fatalf("change link went to %s", b.path())
	}
	b.submit("form button[type=submit]")
	if got := b.text("h1"); got != "Check your answers before sending" {
		t.Fatalf("after changing: %q", got)
	}
	b.submit("form button[type=submit]")
	if got := b.text("h1"); got != "Referral sent" {
		t.Fatalf("after sending: %q", got)
	}
	return b.text(".nhsuk-panel .app-reference")
}

func TestBrowserSelfReferral(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	b := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, b.ctx, "self-referral")
	ref := selfReferralJourney(t, b, "alex.morgan@example.com")
	var n int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM referrals WHERE reference = $1 AND status = 'new'`, ref).Scan(&n)
	if n != 1 {
		t.Fatalf("referral %q not stored", ref)
	}
	if msgs := ts.mail.To(t, "alex.morgan@example.com"); len(msgs) != 1 || !strings.Contains(msgs[0].Subject, ref) {
		t.Errorf("receipt: %d", len(msgs))
	}
}

func TestBrowserSelfReferralWithoutJavaScript(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	b := &tab{t: t, ctx: browsertest.New(t, browsertest.WithJavaScriptDisabled(), browsertest.WithTimeout(120*time.Second)), ts: ts, noJS: true}
	defer saveScreenshot(t, b.ctx, "self-referral-nojs")
	ref := selfReferralJourney(t, b, "sam.okafor@example.com")
	if !strings.HasPrefix(ref, "CR-") {
		t.Fatalf("reference %q", ref)
	}
}
