package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"careers/internal/auth"
	"careers/internal/policy"
	"careers/internal/store"
)

// browser is one person's cookie jar against the test server.
type browser struct {
	ts *testServer
	c  *http.Client
}

func (ts *testServer) NewBrowser(tb testing.TB) *browser {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{ts: ts, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a response with its body read.
type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (b *browser) do(tb testing.TB, req *http.Request) page {
	tb.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Body: string(body), Location: resp.Header.Get("Location"), Header: resp.Header}
}

func (b *browser) Get(tb testing.TB, path string) page {
	tb.Helper()
	req, _ := http.NewRequest("GET", b.ts.URL+path, nil)
	return b.do(tb, req)
}

func (b *browser) Post(tb testing.TB, path string, form url.Values) page {
	tb.Helper()
	return b.PostFrom(tb, "", path, form)
}

// PostFrom posts as if from client address ip (the test server must trust
// 127.0.0.1 as a proxy for the header to count).
func (b *browser) PostFrom(tb testing.TB, ip, path string, form url.Values) page {
	tb.Helper()
	req, _ := http.NewRequest("POST", b.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	return b.do(tb, req)
}

// Follow GETs a redirect's target.
func (b *browser) Follow(tb testing.TB, p page) page {
	tb.Helper()
	if p.Status != http.StatusSeeOther && p.Status != http.StatusFound {
		tb.Fatalf("expected a redirect, got %d:\n%.500s", p.Status, p.Body)
	}
	return b.Get(tb, p.Location)
}

// The cost of argon2id makes hashing per user slow; every test user shares
// one hash of testPassword.
const testPassword = "a long enough test password"

var testHash = sync.OnceValue(func() string {
	h, err := auth.NewHasher(1).Hash(context.Background(), testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// MustStaff makes an active staff account with testPassword.
func (ts *testServer) MustStaff(tb testing.TB, email string, roles ...policy.Role) store.StaffUser {
	tb.Helper()
	ctx := context.Background()
	u, err := ts.store.CreateStaffUser(ctx, store.NewStaffUser{Email: email, Name: "Test " + strings.Split(email, "@")[0], Roles: roles})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := ts.store.SetPassword(ctx, u.ID, testHash(), time.Now()); err != nil {
		tb.Fatal(err)
	}
	u, err = ts.store.StaffUserByID(ctx, u.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

var secretRe = regexp.MustCompile(`<code class="app-secret">([A-Z2-7]+)</code>`)

// SignInStaff goes through the real sign-in: password, then enrolment of an
// authenticator (first time) or a code from it. It returns the TOTP secret.
func (b *browser) SignInStaff(tb testing.TB, email, secret string) string {
	tb.Helper()
	p := b.Post(tb, "/staff/sign-in", url.Values{"email": {email}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther {
		tb.Fatalf("password step: %d\n%.800s", p.Status, p.Body)
	}
	now := b.ts.clock.Now()
	switch p.Location {
	case "/staff/sign-in/set-up":
		enrol := b.Get(tb, p.Location)
		m := secretRe.FindStringSubmatch(enrol.Body)
		if m == nil {
			tb.Fatalf("enrolment page shows no key:\n%.800s", enrol.Body)
		}
		secret = m[1]
		code, _ := auth.TOTPCode(secret, now)
		p = b.Post(tb, "/staff/sign-in/set-up", url.Values{"code": {code}})
		if p.Status != http.StatusSeeOther || p.Location != "/staff/sign-in/recovery-codes" {
			tb.Fatalf("enrolment: %d to %q\n%.800s", p.Status, p.Location, p.Body)
		}
		b.Get(tb, p.Location) // shows and forgets the codes
	case "/staff/sign-in/verify":
		// A code of a later time step than any used before (tests sign in
		// the same person more than once within 30 seconds).
		b.ts.clock.Advance(31 * time.Second)
		code, _ := auth.TOTPCode(secret, b.ts.clock.Now())
		p = b.Post(tb, "/staff/sign-in/verify", url.Values{"code": {code}})
		if p.Status != http.StatusSeeOther {
			tb.Fatalf("second factor: %d\n%.800s", p.Status, p.Body)
		}
	default:
		tb.Fatalf("after the password, sent to %q", p.Location)
	}
	return secret
}

// MustReferral adds a referral with the owners given.
func (ts *testServer) MustReferral(tb testing.TB, ref, traineeEmail, referrerEmail string, caseManager, coach int64) {
	tb.Helper()
	_, err := ts.pool.Exec(context.Background(), `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email,
		referrer_email, case_manager_id, coach_id) VALUES ($1, 'self', 'new', 'Test Trainee', $2, nullif($3, ''), nullif($4, 0), nullif($5, 0))`,
		ref, traineeEmail, referrerEmail, caseManager, coach)
	if err != nil {
		tb.Fatal(err)
	}
}

// SignInPublic signs a trainee or referrer in through the emailed link.
func (b *browser) SignInPublic(tb testing.TB, email string) {
	tb.Helper()
	before := len(b.ts.mail.To(tb, email))
	p := b.Post(tb, "/sign-in", url.Values{"email": {email}})
	if p.Status != http.StatusSeeOther || p.Location != "/sign-in/check-email" {
		tb.Fatalf("sign-in request: %d %q", p.Status, p.Location)
	}
	if len(b.ts.mail.To(tb, email)) == before {
		tb.Fatalf("no sign-in link was sent to %s", email)
	}
	link := b.ts.mail.MustLink(tb, email)
	if g := b.Get(tb, link); g.Status != http.StatusOK {
		tb.Fatalf("link page: %d", g.Status)
	}
	p = b.Post(tb, link, nil)
	if p.Status != http.StatusSeeOther {
		tb.Fatalf("link sign-in: %d\n%.500s", p.Status, p.Body)
	}
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }

func urlValues(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func totp(tb testing.TB, secret string, at time.Time) string {
	tb.Helper()
	code, err := auth.TOTPCode(secret, at)
	if err != nil {
		tb.Fatal(err)
	}
	return code
}
