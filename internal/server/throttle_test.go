package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"careers/internal/policy"
)

var proxied = map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"}

// Someone with the password cannot guess the second factor by changing
// address: wrong codes count per account, and five end the half-finished
// sign-in.
func TestSecondFactorGuessingIsLimited(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, proxied)
	u := ts.MustStaff(t, "victim@example.nhs.uk", policy.Coordinator)
	ts.NewBrowser(t).SignInStaff(t, u.Email, "") // enrolled

	attacker := ts.NewBrowser(t)
	password := url.Values{"email": {u.Email}, "password": {testPassword}}
	wrong := url.Values{"code": {"000001"}}
	guesses, refused := 0, false
	for round := 0; round < 10 && !refused; round++ {
		ip := fmt.Sprintf("2001:db8:%x::1", round+1) // a new /64 each round
		p := attacker.PostFrom(t, ip, "/staff/sign-in", password)
		if p.Status == http.StatusTooManyRequests {
			refused = true
			break
		}
		for i := 0; i < 5; i++ {
			p = attacker.PostFrom(t, ip, "/staff/sign-in/verify", wrong)
			if p.Status == http.StatusTooManyRequests {
				refused = true
				break
			}
			guesses++
			if i < 4 && p.Status != http.StatusUnauthorized {
				t.Fatalf("wrong code %d: %d", i+1, p.Status)
			}
			if i == 4 && (p.Status != http.StatusSeeOther || p.Location != "/staff/sign-in") {
				t.Fatalf("after 5 wrong codes the sign-in went on: %d %q", p.Status, p.Location)
			}
		}
	}
	if !refused || guesses > 12 {
		t.Fatalf("%d wrong codes from many addresses before any refusal (refused=%v)", guesses, refused)
	}
}

// Failing sign-ins to someone's account from many places does not lock
// them out of a browser they have signed in from before.
func TestNobodyIsLockedOutOfTheirOwnBrowser(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, proxied)
	u := ts.MustStaff(t, "target@example.nhs.uk", policy.CaseManager)
	own := ts.NewBrowser(t)
	secret := own.SignInStaff(t, u.Email, "")
	own.Post(t, "/staff/sign-out", nil)

	attacker := ts.NewBrowser(t)
	for i := 0; i < 110; i++ {
		attacker.PostFrom(t, fmt.Sprintf("198.51.%d.%d", i/200, i%200+1), "/staff/sign-in", url.Values{"email": {u.Email}, "password": {"guess " + fmt.Sprint(i)}})
	}
	// A browser never used before is held back by the account-wide limit...
	if p := ts.NewBrowser(t).PostFrom(t, "203.0.113.50", "/staff/sign-in", url.Values{"email": {u.Email}, "password": {testPassword}}); p.Status != http.StatusTooManyRequests {
		t.Errorf("a new browser after 110 failures: %d", p.Status)
	}
	// ...but the person's own browser still gets in.
	own.SignInStaff(t, u.Email, secret)
	if p := own.Get(t, "/staff/case-manager"); p.Status != 200 {
		t.Errorf("the owner was locked out of their own browser: %d", p.Status)
	}
}

// A password change (or reset) ends a half-finished sign-in elsewhere.
func TestPendingSignInEndsWhenThePasswordChanges(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	u := ts.MustStaff(t, "owner@example.nhs.uk", policy.Lead)
	owner := ts.NewBrowser(t)
	owner.SignInStaff(t, u.Email, "")

	// Someone else gets as far as the second factor with the old password.
	thief := ts.NewBrowser(t)
	if p := thief.Post(t, "/staff/sign-in", url.Values{"email": {u.Email}, "password": {testPassword}}); p.Location != "/staff/sign-in/verify" {
		t.Fatalf("password step: %q", p.Location)
	}
	if p := owner.Post(t, "/staff/account/password", url.Values{"current": {testPassword}, "password": {"fresh granite meadow"}, "confirm": {"fresh granite meadow"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("change: %d", p.Status)
	}
	if p := thief.Get(t, "/staff/sign-in/verify"); p.Status != http.StatusSeeOther || p.Location != "/staff/sign-in" {
		t.Errorf("the half-finished sign-in survived the password change: %d %q", p.Status, p.Location)
	}
	ts.clock.Advance(time.Minute)
	if p := thief.Get(t, "/staff/lead"); p.Status != http.StatusSeeOther || strings.Contains(p.Body, "Hello") {
		t.Errorf("thief reached the lead home: %d", p.Status)
	}
}
