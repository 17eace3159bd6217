package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"careers/internal/policy"
)

func cookieValue(b *browser, ts *testServer, name string) string {
	u, _ := url.Parse(ts.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// The session token changes at sign-in and the old token loads nothing.
func TestSessionFixation(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	b := ts.NewBrowser(t)

	// Visiting a staff page first makes a session (it remembers where to return).
	if p := b.Get(t, "/staff/coordinator"); p.Status != http.StatusSeeOther || p.Location != "/staff/sign-in" {
		t.Fatalf("anonymous: %d %q", p.Status, p.Location)
	}
	before := cookieValue(b, ts, "careers_session")
	if before == "" {
		t.Fatal("no session cookie before sign-in")
	}
	b.SignInStaff(t, "coord@example.nhs.uk", "")
	after := cookieValue(b, ts, "careers_session")
	if after == "" || after == before {
		t.Fatalf("session token not renewed at sign-in: %q -> %q", before, after)
	}
	if p := b.Get(t, "/staff/coordinator"); p.Status != http.StatusOK {
		t.Fatalf("signed in: %d", p.Status)
	}

	// An attacker holding the pre-sign-in token gets nothing.
	attacker := ts.NewBrowser(t)
	u, _ := url.Parse(ts.URL)
	attacker.c.Jar.SetCookies(u, []*http.Cookie{{Name: "careers_session", Value: before, Path: "/"}})
	if p := attacker.Get(t, "/staff/coordinator"); p.Status != http.StatusSeeOther || p.Location != "/staff/sign-in" {
		t.Errorf("the old token still signs in: %d %q", p.Status, p.Location)
	}

	// Sign-out ends the session on the server: the token no longer works.
	if p := b.Post(t, "/staff/sign-out", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", p.Status)
	}
	replay := ts.NewBrowser(t)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "careers_session", Value: after, Path: "/"}})
	if p := replay.Get(t, "/staff/coordinator"); p.Status != http.StatusSeeOther {
		t.Errorf("the token still works after sign-out: %d", p.Status)
	}
}

func TestStaffSignInNeedsTheSecondFactor(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	b := ts.NewBrowser(t)
	secret := b.SignInStaff(t, "coach@example.nhs.uk", "")
	if p := b.Get(t, "/staff"); p.Status != http.StatusSeeOther || p.Location != "/staff/coach" {
		t.Fatalf("coach lands on %d %q", p.Status, p.Location)
	}
	if p := b.Get(t, "/staff/coach"); p.Status != 200 || !strings.Contains(p.Body, "Your clients") {
		t.Fatalf("coach home: %d", p.Status)
	}

	// Next time: password alone is not enough.
	b2 := ts.NewBrowser(t)
	p := b2.Post(t, "/staff/sign-in", url.Values{"email": {"COACH@example.nhs.uk"}, "password": {testPassword}})
	if p.Location != "/staff/sign-in/verify" {
		t.Fatalf("after the password: %q", p.Location)
	}
	if g := b2.Get(t, "/staff/coach"); g.Status != http.StatusSeeOther {
		t.Fatalf("half signed in reached a staff page: %d", g.Status)
	}
	if p := b2.Post(t, "/staff/sign-in/verify", url.Values{"code": {"000000"}}); p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "That code is not right") {
		t.Fatalf("wrong code: %d", p.Status)
	}
	b2.SignInStaff(t, "coach@example.nhs.uk", secret)
	if g := b2.Get(t, "/staff/coach"); g.Status != 200 {
		t.Fatalf("after the code: %d", g.Status)
	}
}

func TestSignInFailuresLookTheSame(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "real@example.nhs.uk", policy.Coach)
	b := ts.NewBrowser(t)
	wrong := b.Post(t, "/staff/sign-in", url.Values{"email": {"real@example.nhs.uk"}, "password": {"wrong password here"}})
	nobody := b.Post(t, "/staff/sign-in", url.Values{"email": {"nobody@example.nhs.uk"}, "password": {"wrong password here"}})
	if wrong.Status != http.StatusUnauthorized || nobody.Status != http.StatusUnauthorized {
		t.Fatalf("statuses %d %d", wrong.Status, nobody.Status)
	}
	msg := "The email address or password is not right"
	if !strings.Contains(wrong.Body, msg) || !strings.Contains(nobody.Body, msg) {
		t.Error("the two failures do not give the same message")
	}
	if strings.Count(wrong.Body, "nhsuk-error-message") != strings.Count(nobody.Body, "nhsuk-error-message") {
		t.Error("the two failures render differently")
	}
}

// Deactivating an account ends all of its sessions at once.
func TestDeactivationEndsSessions(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	admin := ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	_ = admin
	phone, laptop := ts.NewBrowser(t), ts.NewBrowser(t)
	secret := phone.SignInStaff(t, coach.Email, "")
	laptop.SignInStaff(t, coach.Email, secret)

	a := ts.NewBrowser(t)
	a.SignInStaff(t, "admin@example.nhs.uk", "")
	if p := a.Post(t, "/staff/admin/users/"+itoa(coach.ID)+"/deactivate", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", p.Status)
	}
	for name, b := range map[string]*browser{"phone": phone, "laptop": laptop} {
		if p := b.Get(t, "/staff/coach"); p.Status != http.StatusSeeOther || p.Location != "/staff/sign-in" {
			t.Errorf("%s still signed in after deactivation: %d", name, p.Status)
		}
	}
	// And they cannot sign in again.
	p := ts.NewBrowser(t).Post(t, "/staff/sign-in", url.Values{"email": {coach.Email}, "password": {testPassword}})
	if p.Status != http.StatusUnauthorized {
		t.Errorf("deactivated account signs in: %d", p.Status)
	}
}

// Repeated failures answer 429 with growing delays that run out.
func TestThrottlingAnswers429AndRecovers(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "target@example.nhs.uk", policy.Coordinator)
	b := ts.NewBrowser(t)
	bad := url.Values{"email": {"target@example.nhs.uk"}, "password": {"not the password"}}
	for i := 0; i < 5; i++ {
		if p := b.Post(t, "/staff/sign-in", bad); p.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, p.Status)
		}
	}
	p := b.Post(t, "/staff/sign-in", url.Values{"email": {"target@example.nhs.uk"}, "password": {testPassword}})
	if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" || !strings.Contains(p.Body, "Too many attempts") {
		t.Fatalf("after 5 failures: %d (Retry-After %q)", p.Status, p.Header.Get("Retry-After"))
	}
	// The pause runs out, and the right password works again.
	ts.clock.Advance(31 * time.Second)
	p = b.Post(t, "/staff/sign-in", url.Values{"email": {"target@example.nhs.uk"}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("after the pause: %d", p.Status)
	}
	// The delay grows with more failures but is capped.
	for i := 0; i < 3; i++ {
		b.Post(t, "/staff/sign-in", bad)
		ts.clock.Advance(16 * time.Minute)
	}
	if p := b.Post(t, "/staff/sign-in", bad); p.Status != http.StatusUnauthorized {
		t.Errorf("a capped delay did not run out after 16 minutes: %d", p.Status)
	}
}

// The invitation link sets a password once; it cannot be used again, and
// it expires after 24 hours.
func TestInvitationLinkIsSingleUseAndExpires(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	a := ts.NewBrowser(t)
	a.SignInStaff(t, "admin@example.nhs.uk", "")
	p := a.Post(t, "/staff/admin/users/new", url.Values{"name": {"Nia New"}, "email": {"nia@example.nhs.uk"}, "roles": {"coach"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%.600s", p.Status, p.Body)
	}
	// A double submit does not make a second account.
	if p := a.Post(t, "/staff/admin/users/new", url.Values{"name": {"Nia New"}, "email": {"nia@example.nhs.uk"}, "roles": {"coach"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("second submit: %d", p.Status)
	}
	var n int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM staff_users WHERE email = 'nia@example.nhs.uk'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d accounts after a double submit", n)
	}

	link := ts.mail.MustLink(t, "nia@example.nhs.uk")
	nia := ts.NewBrowser(t)
	if g := nia.Get(t, link); g.Status != 200 || !strings.Contains(g.Body, "Set your password") {
		t.Fatalf("invitation link: %d", g.Status)
	}
	if p := nia.Post(t, link, url.Values{"password": {"password"}, "confirm": {"password"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "too common") {
		t.Errorf("a common password was accepted: %d", p.Status)
	}
	if p := nia.Post(t, link, url.Values{"password": {"violet harbour lantern"}, "confirm": {"violet harbour lantern"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("set password: %d\n%.500s", p.Status, p.Body)
	}
	if p := nia.Post(t, link, url.Values{"password": {"another good password"}, "confirm": {"another good password"}}); p.Status != http.StatusNotFound {
		t.Errorf("the link worked twice: %d", p.Status)
	}
	if g := nia.Get(t, link); g.Status != http.StatusNotFound {
		t.Errorf("a used link still shows its form: %d", g.Status)
	}

	// A second invitation, then time passes.
	if p := a.Post(t, "/staff/admin/users/new", url.Values{"name": {"Olu Old"}, "email": {"olu@example.nhs.uk"}, "roles": {"coordinator"}}); p.Status != http.StatusSeeOther {
		t.Fatal(p.Status)
	}
	late := ts.mail.MustLink(t, "olu@example.nhs.uk")
	ts.clock.Advance(24*time.Hour + time.Minute)
	if g := ts.NewBrowser(t).Get(t, late); g.Status != http.StatusNotFound || !strings.Contains(g.Body, "expired") {
		t.Errorf("an expired invitation still works: %d", g.Status)
	}
}

// A password reset link works once for 30 minutes, ends the person's
// sessions, and does not let them past the second factor.
func TestPasswordResetDoesNotBypassSecondFactor(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	u := ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	old := ts.NewBrowser(t)
	secret := old.SignInStaff(t, u.Email, "")

	b := ts.NewBrowser(t)
	if p := b.Post(t, "/staff/forgot-password", url.Values{"email": {u.Email}}); p.Status != http.StatusSeeOther {
		t.Fatal(p.Status)
	}
	// The same answer for an unknown address, and nothing sent.
	if p := b.Post(t, "/staff/forgot-password", url.Values{"email": {"stranger@example.nhs.uk"}}); p.Status != http.StatusSeeOther || p.Location != "/staff/forgot-password/check-email" {
		t.Fatalf("unknown address: %d %q", p.Status, p.Location)
	}
	if len(ts.mail.To(t, "stranger@example.nhs.uk")) != 0 {
		t.Error("a reset email went to an address with no account")
	}
	link := ts.mail.MustLink(t, u.Email)
	if p := b.Post(t, link, url.Values{"password": {"brand new passphrase"}, "confirm": {"brand new passphrase"}}); p.Status != http.StatusSeeOther || p.Location != "/staff/sign-in" {
		t.Fatalf("reset: %d %q", p.Status, p.Location)
	}
	if p := b.Post(t, link, url.Values{"password": {"brand new passphrase"}, "confirm": {"brand new passphrase"}}); p.Status != http.StatusNotFound {
		t.Errorf("reset link used twice: %d", p.Status)
	}
	// The old session is over.
	if p := old.Get(t, "/staff/lead"); p.Status != http.StatusSeeOther {
		t.Errorf("a session survived the password reset: %d", p.Status)
	}
	// The new password leads to the second factor, not in.
	p := b.Post(t, "/staff/sign-in", url.Values{"email": {u.Email}, "password": {"brand new passphrase"}})
	if p.Location != "/staff/sign-in/verify" {
		t.Fatalf("after reset, password led to %q", p.Location)
	}
	_ = secret

	// Reset links expire after 30 minutes.
	b.Post(t, "/staff/forgot-password", url.Values{"email": {u.Email}})
	msgs := ts.mail.To(t, u.Email)
	if len(msgs) != 2 {
		t.Fatalf("%d reset emails", len(msgs))
	}
	late := ts.mail.MustLink(t, u.Email)
	ts.clock.Advance(31 * time.Minute)
	if g := b.Get(t, late); g.Status != http.StatusNotFound {
		t.Errorf("reset link alive after 31 minutes: %d", g.Status)
	}
}

// Changing the password ends the person's other sessions and keeps this one.
func TestChangingPasswordEndsOtherSessions(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	u := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	here, there := ts.NewBrowser(t), ts.NewBrowser(t)
	secret := here.SignInStaff(t, u.Email, "")
	there.SignInStaff(t, u.Email, secret)
	p := here.Post(t, "/staff/account/password", url.Values{"current": {testPassword}, "password": {"quiet meadow compass"}, "confirm": {"quiet meadow compass"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%.500s", p.Status, p.Body)
	}
	if g := here.Get(t, "/staff/case-manager"); g.Status != 200 {
		t.Errorf("the session that changed the password was ended: %d", g.Status)
	}
	if g := there.Get(t, "/staff/case-manager"); g.Status != http.StatusSeeOther {
		t.Errorf("another session survived the change: %d", g.Status)
	}
	if p := here.Post(t, "/staff/account/password", url.Values{"current": {"wrong"}, "password": {"x y z w v"}, "confirm": {"x y z w v"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("change with a wrong current password: %d", p.Status)
	}
}

// Trainees sign in with an emailed one-time link and see only their own.
func TestPublicSignInLink(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustReferral(t, "CR-AAAA-BBBB", "trainee@example.com", "", 0, 0)
	ts.MustReferral(t, "CR-CCCC-DDDD", "other@example.com", "", 0, 0)

	b := ts.NewBrowser(t)
	// Unknown address: the same answer, no email.
	if p := b.Post(t, "/sign-in", url.Values{"email": {"nobody@example.com"}}); p.Status != http.StatusSeeOther || p.Location != "/sign-in/check-email" {
		t.Fatalf("unknown: %d %q", p.Status, p.Location)
	}
	if len(ts.mail.To(t, "nobody@example.com")) != 0 {
		t.Error("a sign-in link went to an unknown address")
	}
	// The honeypot sends nothing.
	b.Post(t, "/sign-in", url.Values{"email": {"trainee@example.com"}, "website": {"http://spam"}})
	if len(ts.mail.To(t, "trainee@example.com")) != 0 {
		t.Error("a bot filling the honeypot got a link sent")
	}

	b.SignInPublic(t, "Trainee@Example.com")
	p := b.Get(t, "/your-referrals")
	if p.Status != 200 || !strings.Contains(p.Body, "CR-AAAA-BBBB") || strings.Contains(p.Body, "CR-CCCC-DDDD") {
		t.Fatalf("your referrals: %d own=%v other=%v", p.Status, strings.Contains(p.Body, "CR-AAAA-BBBB"), strings.Contains(p.Body, "CR-CCCC-DDDD"))
	}
	if g := b.Get(t, "/your-referrals/CR-CCCC-DDDD"); g.Status != http.StatusNotFound {
		t.Errorf("someone else's referral: %d", g.Status)
	}
	// The link is single-use.
	link := ts.mail.MustLink(t, "trainee@example.com")
	if p := ts.NewBrowser(t).Post(t, link, nil); p.Status != http.StatusNotFound {
		t.Errorf("the sign-in link worked twice: %d", p.Status)
	}
	// And expires after 30 minutes.
	b2 := ts.NewBrowser(t)
	b2.Post(t, "/sign-in", url.Values{"email": {"trainee@example.com"}})
	late := ts.mail.MustLink(t, "trainee@example.com")
	ts.clock.Advance(31 * time.Minute)
	if p := b2.Post(t, late, nil); p.Status != http.StatusNotFound {
		t.Errorf("an expired link signed in: %d", p.Status)
	}
	// A staff page is not for a signed-in trainee.
	if g := b.Get(t, "/staff"); g.Status != http.StatusSeeOther || g.Location != "/staff/sign-in" {
		t.Errorf("trainee reached staff: %d %q", g.Status, g.Location)
	}
}

// Sign-in links are throttled per address; the answer stays the same.
func TestSignInLinksAreThrottledPerAddress(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustReferral(t, "CR-EEEE-FFFF", "busy@example.com", "", 0, 0)
	b := ts.NewBrowser(t)
	for i := 0; i < 8; i++ {
		if p := b.Post(t, "/sign-in", url.Values{"email": {"busy@example.com"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("request %d: %d", i+1, p.Status)
		}
	}
	if n := len(ts.mail.To(t, "busy@example.com")); n != 5 {
		t.Errorf("%d links sent in an hour, want 5", n)
	}
}

func itoa(n int64) string { return strconvI(n) }
