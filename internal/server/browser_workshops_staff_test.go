package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"careers/internal/browsertest"
	"careers/internal/policy"
)

// A coordinator manages an event in a real browser: the list from the
// navigation, the create form with mistakes then right, the event page with
// its registrations and waiting list, the register and the check-in code;
// every page passes axe at 1280 and 390 px.
func TestBrowserStaffWorkshops(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	c := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, c.ctx, "staff-workshops")
	c.signInStaff("coord@example.nhs.uk")

	c.submit(`header a[href="/staff/workshops"], nav a[href="/staff/workshops"]`)
	if got := c.text("h1"); got != "Workshops and webinars" {
		t.Fatalf("heading %q", got)
	}
	c.atPhoneWidth()
	c.submit(`main a[href="/staff/workshops/new"]`)
	c.atPhoneWidth()

	// Mistakes: no title, an http link, no places.
	start := ts.clock.Now().Add(14 * 24 * time.Hour).In(londonTZ)
	c.fill("start", strconv.Itoa(start.Day()))
	c.fill("start-month", strconv.Itoa(int(start.Month())))
	c.fill("start-year", strconv.Itoa(start.Year()))
	c.fill("start-time", "18:00")
	c.fill("end", strconv.Itoa(start.Day()))
	c.fill("end-month", strconv.Itoa(int(start.Month())))
	c.fill("end-year", strconv.Itoa(start.Year()))
	c.fill("end-time", "17:00")
	c.fill("joining_link", "http://meet.example.nhs.uk/room")
	c.submit(`main form button[type=submit]`)
	summary := c.text(".nhsuk-error-summary")
	for _, want := range []string{"Enter the title", "The end must be after the start", "must start with https://", "Enter how many places there are"} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary lacks %q: %q", want, summary)
		}
	}
	c.atPhoneWidth()

	// Put it right.
	c.fill("title", "The consultant interview")
	c.choose("end-time", "19:30")
	c.choose("joining_link", "https://meet.example.nhs.uk/room")
	c.fill("capacity", "1")
	c.submit(`main form button[type=submit]`)
	if !strings.HasPrefix(c.path(), "/staff/workshops/") || c.text("h1") != "The consultant interview" {
		t.Fatalf("after create: %s %q", c.path(), c.text("h1"))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(c.path(), "/staff/workshops/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	wsRegister(t, ts, id, "Ann Placed", "placed", 1)
	wsRegister(t, ts, id, "Cat Waiting", "waiting", 2)
	c.open(wsPath(id, ""))
	if s := c.text("main"); !strings.Contains(s, "Ann Placed") || !strings.Contains(s, "Cat Waiting") || !strings.Contains(s, "1 of 1 taken") {
		t.Errorf("event page: %.600s", s)
	}
	c.atPhoneWidth()
	c.submit(`main a[href$="/register"]`)
	c.atPhoneWidth()
	c.open(wsPath(id, "/check-in-code"))
	if code := c.text(".app-check-in-code"); len(code) < 6 {
		t.Errorf("check-in code %q", code)
	}
	c.atPhoneWidth()
}
