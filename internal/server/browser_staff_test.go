package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/auth"
	"careers/internal/browsertest"
	"careers/internal/policy"
	"careers/internal/store"
)

// tab drives one person's browser through the service, checking every page
// it lands on with axe.
type tab struct {
	t   *testing.T
	ctx context.Context
	ts  *testServer
	// noJS marks a tab with JavaScript off, where axe cannot run.
	noJS bool
}

func (tb *tab) axe() {
	tb.t.Helper()
	if !tb.noJS {
		browsertest.MustHaveNoAxeViolations(tb.t, tb.ctx)
	}
}

func (tb *tab) open(path string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(tb.ts.URL+path)); err != nil {
		tb.t.Fatal(err)
	}
	tb.axe()
}

func (tb *tab) fill(id, value string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.SendKeys(chromedp.ID(id), value)); err != nil {
		tb.t.Fatalf("fill %s: %v", id, err)
	}
}

func (tb *tab) click(css string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.CSS(css))); err != nil {
		tb.t.Fatalf("click %s: %v", css, err)
	}
}

// submit presses the form's button and waits for the next page, which must
// then pass axe.
func (tb *tab) submit(css string) {
	tb.t.Helper()
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(css))); err != nil {
		tb.t.Fatalf("submit %s: %v", css, err)
	}
	tb.axe()
}

func (tb *tab) choose(id, value string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.SetValue(chromedp.ID(id), value)); err != nil {
		tb.t.Fatalf("choose %s: %v", id, err)
	}
}

func (tb *tab) text(css string) string {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		tb.t.Fatalf("text %s: %v", css, err)
	}
	return strings.TrimSpace(v)
}

func (tb *tab) path() string {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, tb.ts.URL)
}

// firstSignIn takes a new staff member from their emailed link to their
// home page: password, sign-in, authenticator enrolment, recovery codes.
func (tb *tab) firstSignIn(link, email, password string) {
	tb.t.Helper()
	tb.open(link)
	tb.fill("password", password)
	tb.fill("confirm", password)
	tb.submit("form button[type=submit]")
	if got := tb.path(); got != "/staff/sign-in" {
		tb.t.Fatalf("after setting the password: %s", got)
	}
	tb.fill("email", email)
	tb.fill("password", password)
	tb.submit("form button[type=submit]")
	if got := tb.path(); got != "/staff/sign-in/set-up" {
		tb.t.Fatalf("after the password: %s", got)
	}
	// The test reads the setup key as a person would type it into their app.
	tb.click(".nhsuk-details__summary")
	secret := tb.text(".app-secret")
	code, err := auth.TOTPCode(secret, tb.ts.clock.Now())
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.fill("code", code)
	tb.submit("form button[type=submit]")
	if got := tb.path(); got != "/staff/sign-in/recovery-codes" || !strings.Contains(tb.text("h1"), "recovery codes") {
		tb.t.Fatalf("after enrolment: %s", got)
	}
	tb.submit("main a.nhsuk-button")
}

// The journey: an admin made from the command line signs in with a
// second factor, invites a coach, and the coach signs in to their own home.
func TestBrowserStaffJourney(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()

	// What `careers user create` does.
	admin, err := ts.store.CreateStaffUser(ctx, store.NewStaffUser{Email: "ada@example.nhs.uk", Name: "Ada Admin", Roles: []policy.Role{policy.Admin}})
	if err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewToken()
	if _, err := ts.store.CreateStaffToken(ctx, store.PurposeSetPassword, admin.ID, hash, time.Now(), time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	a := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(90*time.Second)), ts: ts}
	defer saveScreenshot(t, a.ctx, "staff-journey-admin")
	a.open("/staff/sign-in")
	a.firstSignIn("/staff/set-password?token="+token, "ada@example.nhs.uk", "orchid tractor sunrise")
	if got := a.path(); got != "/staff/admin" || a.text("h1") != "Hello, Ada Admin" {
		t.Fatalf("admin landed on %s", got)
	}

	a.open("/staff/admin/users/new")
	a.submit("form button[type=submit]") // empty: the error summary
	if !strings.Contains(a.text(".nhsuk-error-summary"), "Enter their full name") {
		t.Fatal("no error summary for an empty form")
	}
	a.fill("name", "Kofi Mensah")
	a.fill("email", "kofi@example.nhs.uk")
	a.click(`input[name=roles][value=coach]`)
	a.submit("form button[type=submit]")
	if !strings.Contains(a.text(".nhsuk-notification-banner"), "invitation") {
		t.Fatal("no confirmation after adding the coach")
	}

	c := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(90*time.Second)), ts: ts}
	defer saveScreenshot(t, c.ctx, "staff-journey-coach")
	c.firstSignIn(ts.mail.MustLink(t, "kofi@example.nhs.uk"), "kofi@example.nhs.uk", "mango violin harbour")
	if got := c.path(); got != "/staff/coach" || c.text("h1") != "Hello, Kofi Mensah" {
		t.Fatalf("coach landed on %s", got)
	}
	// The admin still sees their own page: the two sessions are separate.
	a.open("/staff/admin/users")
	if !strings.Contains(a.text("table"), "Kofi Mensah") {
		t.Error("the new coach is not listed")
	}
}
