package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/browsertest"
	"careers/internal/policy"
	"careers/internal/store"
)

// narrow makes the tab a phone's width (390 px); axe runs on every page
// after, as at the default 1280 px.
func (tb *tab) narrow() {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		tb.t.Fatal(err)
	}
}

// The trainee's week from their own page: signed in through the emailed
// link, they see the one next step and follow links only, to answer a
// question and later to book; every page passes axe at 1280 and 390 px.
func TestBrowserTraineeNextStepJourney(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	if err := ts.store.SaveCoachProfile(ctx, store.CoachProfile{UserID: coach.ID, Modes: []string{"virtual"}, Capacity: 5}); err != nil {
		t.Fatal(err)
	}
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, coach.ID, start, start.Add(24*time.Hour))
	ts.MustReferral(t, "CR-NEXT-2345", "jo@example.com", "", 0, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'new', trainee_name = 'Jo Trainee' WHERE reference = 'CR-NEXT-2345' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	c.Post(t, "/staff/referrals/CR-NEXT-2345/request-info", url.Values{"version": {version(t, c, "CR-NEXT-2345")}, "question": {"Which region is your training in?"}})

	for _, width := range []string{"1280", "390"} {
		t.Run(width, func(t *testing.T) {
			tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
			defer saveScreenshot(t, tr.ctx, "next-step-"+width)
			if width == "390" {
				tr.narrow()
			}
			tr.open("/sign-in")
			tr.fill("email", "jo@example.com")
			tr.submit("form button[type=submit]")
			tr.open(ts.mail.MustLink(t, "jo@example.com"))
			tr.submit("form button[type=submit]")
			// The sign-in lands on their referrals; their referral is a link.
			tr.submit(`a[href="/your-referrals/CR-NEXT-2345"]`)
			// At 1280 px the question is open; the phone, after it was
			// answered there, shows that nothing waits for the trainee.
			want := "Answer the coordinator's question"
			if width == "390" {
				want = "Nothing for now"
			}
			if s := tr.text("#next-step"); !strings.Contains(s, want) {
				t.Fatalf("next step: %q, want %q", s, want)
			}
			if width == "1280" {
				tr.click(`#next-step a[href="#question"]`)
				tr.fill("answer", "London, since August.")
				tr.submit(`form[action$="/answer"] button`)
				if !strings.Contains(tr.text(".nhsuk-notification-banner"), "We have your answer") {
					t.Fatal("no thanks for the answer")
				}
				if s := tr.text("#next-step"); !strings.Contains(s, "Nothing for now") {
					t.Errorf("after answering, the next step: %q", s)
				}
			}
		})
	}
	// Accepted and allocated: the next step is to book, and the link books.
	c.Post(t, "/staff/referrals/CR-NEXT-2345/accept", url.Values{"version": {version(t, c, "CR-NEXT-2345")}})
	c.Post(t, "/staff/referrals/CR-NEXT-2345/allocate", url.Values{"version": {version(t, c, "CR-NEXT-2345")}, "coach": {strconvI(coach.ID)}, "sessions": {"2"}})
	tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, tr.ctx, "next-step-book")
	tr.narrow()
	tr.open("/sign-in")
	tr.fill("email", "jo@example.com")
	tr.submit("form button[type=submit]")
	tr.open(ts.mail.MustLink(t, "jo@example.com"))
	tr.submit("form button[type=submit]")
	tr.submit(`a[href="/your-referrals/CR-NEXT-2345"]`)
	if s := tr.text("#next-step"); !strings.Contains(s, "Book a session with Test kofi") {
		t.Fatalf("allocated, next step: %q", s)
	}
	if s := tr.text("main"); !strings.Contains(s, "2 granted, 0 used or booked, 2 left") || !strings.Contains(s, "Emails we sent you") {
		t.Errorf("the page lacks the allowance or the emails: %q", s)
	}
	tr.submit(`#next-step a[href="/your-referrals/CR-NEXT-2345/book"]`)
	tr.click(`input[name=slot]`)
	tr.submit("form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Session booked") {
		t.Fatal("no booking confirmation")
	}
	if s := tr.text("#next-step"); !strings.Contains(s, "Go to your session") {
		t.Errorf("booked, next step: %q", s)
	}
	// Correcting the phone number, with a mistake first: the error summary
	// (axe runs on both pages).
	tr.submit(`a[href="/your-referrals/CR-NEXT-2345/contact"]`)
	tr.fill("phone", "call me")
	tr.submit(`form[action$="/contact"] button`)
	if !strings.Contains(tr.text(".nhsuk-error-summary"), "Enter a phone number") {
		t.Fatal("no error summary for a bad phone number")
	}
}

// "No thanks" in a browser: the confirmation page's second form, at 1280
// and 390 px, with axe on every page.
func TestBrowserNoThanks(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	for _, width := range []string{"1280", "390"} {
		t.Run(width, func(t *testing.T) {
			trainee := "no." + width + "@example.com"
			ref, confirm := supervisorReferral(t, ts, trainee, "sup."+width+"@example.nhs.uk")
			tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
			defer saveScreenshot(t, tr.ctx, "no-thanks-"+width)
			if width == "390" {
				tr.narrow()
			}
			tr.open(confirm)
			tr.fill("decline_reason", "I have a mentor already.")
			tr.submit(`form[action^="/refer/confirm/decline"] button`)
			if h := tr.text("h1"); h != "You have said no to careers support" {
				t.Fatalf("after no thanks: %q", h)
			}
			if s := state(t, ts, ref); s.Status != "closed" {
				t.Errorf("status %q", s.Status)
			}
		})
	}
}
