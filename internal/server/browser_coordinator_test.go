package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/browsertest"
	"careers/internal/policy"
)

// The coordinator's week starts at their home: they follow the count of
// new referrals to that list, open the first, accept it and land on the
// next, by links and buttons only; every page passes axe on a desktop
// (1280 px) and on a phone (390 px).
func TestBrowserCoordinatorWorklist(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	for _, r := range []queueTestRow{
		{Ref: "CR-AAAA-1111", Name: "Ada First", Submitted: ts.clock.Now().AddDate(0, 0, -12)},
		{Ref: "CR-BBBB-2222", Name: "Ben Second", Submitted: ts.clock.Now().AddDate(0, 0, -3)},
		{Ref: "CR-CCCC-3333", Name: "Cat Waiting", Route: "supervisor", Status: "awaiting_trainee", Submitted: ts.clock.Now().AddDate(0, 0, -9)},
	} {
		ts.mustQueueRow(t, r)
	}
	c := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, c.ctx, "coordinator-worklist")
	// phone checks the page as it is on a phone too, then goes back.
	phone := func() {
		t.Helper()
		if err := chromedp.Do(c.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
			t.Fatal(err)
		}
		c.axe()
		if err := chromedp.Do(c.ctx, chromedp.EmulateViewport(1280, 1024)); err != nil {
			t.Fatal(err)
		}
	}

	c.open("/staff/sign-in")
	c.fill("email", "coord@example.nhs.uk")
	c.fill("password", testPassword)
	c.submit("form button[type=submit]")
	c.click(".nhsuk-details__summary")
	c.fill("code", totp(t, strings.TrimSpace(c.text(".app-secret")), ts.clock.Now()))
	c.submit("form button[type=submit]")
	c.submit("main a.nhsuk-button") // recovery codes saved: to their home

	if p := c.path(); p != "/staff/coordinator" {
		t.Fatalf("the coordinator lands on %s", p)
	}
	phone()
	home := c.text("main")
	for _, want := range []string{"What needs you today", "New referrals", "Waiting for the trainee for more than 7 days", "Ada First", "2 days left"} {
		if !strings.Contains(home, want) {
			t.Errorf("the home lacks %q", want)
		}
	}

	c.submit(`main table a[href="/staff/referrals?status=new"]`)
	phone()
	if got := c.text("main"); !strings.Contains(got, "Ada First") || !strings.Contains(got, "Ben Second") || strings.Contains(got, "Cat Waiting") {
		t.Errorf("the new referrals list: %q", got)
	}
	c.submit(`main a[href^="/staff/referrals/CR-AAAA-1111"]`)
	phone()
	c.submit(`button[name="then"][value="next"]`)
	phone()
	if p := c.path(); p != "/staff/referrals/CR-BBBB-2222?status=new" {
		t.Errorf("after accepting, the coordinator is on %s", p)
	}
	if got := c.text(".nhsuk-notification-banner"); !strings.Contains(got, "CR-AAAA-1111 accepted") {
		t.Errorf("banner: %q", got)
	}
	if s := state(t, ts, "CR-AAAA-1111"); s.Status != "accepted" {
		t.Errorf("the first referral is %s", s.Status)
	}
}
