package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"careers/internal/browsertest"
	"careers/internal/policy"
)

// Issue 16's journey, in real browsers and by links and emails only: a
// coordinator creates an event with one place; two trainees register and
// confirm their email; the second waits; the first cancels; the second is
// offered the place by email and accepts it; in the session the
// coordinator marks the register; afterwards the attendee gives feedback
// and opens their certificate. Every page passes axe at 1280 and 390 px.
func TestBrowserWorkshopJourney(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.MustStaff(t, "cora@example.nhs.uk", policy.Coordinator)
	newTab := func() *tab {
		return &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(300*time.Second)), ts: ts}
	}

	// The coordinator creates the event from their home.
	c := newTab()
	defer saveScreenshot(t, c.ctx, "workshop-journey-coordinator")
	c.signInStaff("cora@example.nhs.uk")
	c.submit(`main a[href="/staff/workshops"], nav a[href="/staff/workshops"]`)
	c.submit(`main a[href="/staff/workshops/new"]`)
	start := ts.clock.Now().Add(5 * 24 * time.Hour).In(londonTZ)
	for _, f := range []struct{ id, value string }{
		{"title", "Networking for clinicians"},
		{"start", strconv.Itoa(start.Day())}, {"start-month", strconv.Itoa(int(start.Month()))}, {"start-year", strconv.Itoa(start.Year())},
		{"start-time", "18:00"},
		{"end", strconv.Itoa(start.Day())}, {"end-month", strconv.Itoa(int(start.Month()))}, {"end-year", strconv.Itoa(start.Year())},
		{"end-time", "19:30"},
		{"joining_link", "https://meet.example.nhs.uk/networking"},
		{"capacity", "1"},
	} {
		c.fill(f.id, f.value)
	}
	c.submit(`main form button[type=submit]`)
	if c.text("h1") != "Networking for clinicians" {
		t.Fatalf("after creating: %s %q %q", c.path(), c.text("h1"), c.text(".nhsuk-error-summary"))
	}
	c.atPhoneWidth()
	eventPage := c.path()
	id, err := strconv.ParseInt(strings.TrimPrefix(eventPage, "/staff/workshops/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	var slug string
	var startsAt time.Time
	if err := ts.pool.QueryRow(ctx, `SELECT slug, starts_at FROM workshops WHERE id = $1`, id).Scan(&slug, &startsAt); err != nil {
		t.Fatal(err)
	}

	// Two trainees register from the public list, each confirming through
	// the emailed link.
	register := func(name, email string) *tab {
		tr := newTab()
		tr.open("/workshops")
		tr.submit(`a[href="/workshops/` + slug + `"]`)
		tr.submit(`a[href="/workshops/` + slug + `/register"]`)
		tr.fill("name", name)
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
			t.Fatalf("%s after registering: %q %q", name, h, tr.text(".nhsuk-error-summary"))
		}
		tr.open(ts.linkTo(t, email, "/workshops/confirm?token="))
		tr.submit("form button[type=submit]")
		return tr
	}
	ann := register("Ann First", "ann@example.com")
	defer saveScreenshot(t, ann.ctx, "workshop-journey-ann")
	if h := ann.text("h1"); h != "You have a place" {
		t.Fatalf("the first to confirm: %q", h)
	}
	ben := register("Ben Second", "ben@example.com")
	defer saveScreenshot(t, ben.ctx, "workshop-journey-ben")
	if s := ben.text("main"); !strings.Contains(strings.ToLower(s), "waiting list") {
		t.Fatalf("the second to confirm is not told they are waiting: %.400s", s)
	}
	ben.atPhoneWidth()

	// Ann cannot come: she cancels from the link in her email.
	ann.open(ts.linkTo(t, "ann@example.com", "/workshops/"+slug+"/your-place?token="))
	ann.submit(`form[action$="/cancel"] button`)
	if got := ts.registrationStatus(t, id, "ann@example.com"); got != "cancelled" {
		t.Fatalf("Ann's registration after cancelling: %s", got)
	}
	ann.atPhoneWidth()

	// Ben is offered the place by email, and accepts it.
	var offerLink string
	deadline := time.Now().Add(30 * time.Second)
	for offerLink == "" && time.Now().Before(deadline) {
		for _, m := range ts.mail.To(t, "ben@example.com") {
			if strings.Contains(strings.ToLower(m.Subject), "place") && strings.Contains(strings.ToLower(m.Text), "accept") {
				offerLink = ts.linkTo(t, "ben@example.com", "/workshops/"+slug+"/your-place?token=")
			}
		}
		if offerLink == "" {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if offerLink == "" {
		t.Fatal("Ben was not emailed the offer of the freed place")
	}
	ben.open(offerLink)
	if !strings.Contains(ben.text("main"), "A place is free for you") {
		t.Fatalf("the offer on Ben's page: %.400s", ben.text("main"))
	}
	ben.atPhoneWidth()
	ben.submit(`form[action$="/accept"] button`)
	if got := ts.registrationStatus(t, id, "ben@example.com"); got != "placed" {
		t.Fatalf("Ben after accepting: %s", got)
	}
	if !strings.Contains(ben.text("main"), "Join the workshop online") {
		t.Errorf("Ben's place page does not give the joining link: %.400s", ben.text("main"))
	}

	// In the session, the coordinator marks the register from the event.
	ts.clock.Advance(startsAt.Sub(ts.clock.Now()) + 10*time.Minute)
	c.open(eventPage)
	c.submit(`main a[href$="/register"]`)
	if !strings.Contains(c.text("main"), "Ben Second") || strings.Contains(c.text("main"), "Ann First") {
		t.Fatalf("the register: %.400s", c.text("main"))
	}
	c.atPhoneWidth()
	var benID int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM workshop_registrations WHERE workshop_id = $1 AND email = 'ben@example.com'`, id).Scan(&benID); err != nil {
		t.Fatal(err)
	}
	c.click("#att-" + strconv.FormatInt(benID, 10))
	c.submit(`main form button[type=submit]`)
	var attendance string
	if err := ts.pool.QueryRow(ctx, `SELECT coalesce(attendance, '') FROM workshop_registrations WHERE id = $1`, benID).Scan(&attendance); err != nil || attendance != "attended" {
		t.Fatalf("Ben's attendance: %q %v", attendance, err)
	}

	c.open(eventPage)
	if got := c.text("main"); !strings.Contains(got, "Doctor, London, Specialty training year 5 (ST5)") || !strings.Contains(got, "; attended") {
		t.Errorf("the event page does not show who Ben is and that he attended: %.600s", got)
	}

	// Afterwards Ben gives feedback and opens his certificate, from his page.
	ts.clock.Advance(2 * time.Hour)
	ben.open(offerLink)
	ben.submit(`a[href*="/your-place/feedback"]`)
	ben.atPhoneWidth()
	ben.click(`input[name=fft][value=very_good]`)
	ben.fill("comment", "Practical and friendly")
	ben.submit("form button[type=submit]")
	if !strings.Contains(ben.text("main"), "We have your feedback") {
		t.Fatalf("feedback: %.400s", ben.text("main"))
	}
	ben.submit(`a[href*="/your-place/certificate"]`)
	if got := ben.text(".app-certificate"); !strings.Contains(got, "Ben Second") || !strings.Contains(got, "Networking for clinicians") {
		t.Errorf("certificate: %.400s", got)
	}
	ben.atPhoneWidth()
	var fft string
	if err := ts.pool.QueryRow(ctx, `SELECT fft FROM workshop_feedback WHERE registration_id = $1`, benID).Scan(&fft); err != nil || fft != "very_good" {
		t.Errorf("feedback stored: %q %v", fft, err)
	}
}
