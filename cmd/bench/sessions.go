package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"careers/internal/auth"
	"careers/internal/store"
)

// The sessions the load uses are real: staff sign in with the demo
// coordinator's password (DEMO_SKIP_SECOND_FACTOR lets demo staff skip the
// authenticator in development), trainees follow a sign-in link the
// benchmark makes for them through the store, as the emailed one would be.

// setupClient never follows redirects: each answer is checked as it is.
var setupClient = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// post sends a form and expects a redirect; it returns the session cookie set.
func post(base, path string, form url.Values, cookie *http.Cookie) (*http.Cookie, error) {
	req, err := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", nextClient())
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := setupClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("POST %s answered %d, want 303", path, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "careers_session") && c.Value != "" {
			return c, nil
		}
	}
	return cookie, nil
}

// signInStaff signs the demo coordinator in n times: n sessions.
func signInStaff(base string, n int) ([]*http.Cookie, error) {
	return signInAs(base, demoCoordinator, n)
}

// signInAs signs a demo staff member in n times.
func signInAs(base, email string, n int) ([]*http.Cookie, error) {
	var out []*http.Cookie
	for range n {
		c, err := post(base, "/staff/sign-in", url.Values{"email": {email}, "password": {store.DemoPassword}}, nil)
		if err != nil {
			return nil, fmt.Errorf("staff sign-in: %w", err)
		}
		if c == nil {
			return nil, fmt.Errorf("staff sign-in set no session cookie")
		}
		out = append(out, c)
	}
	return out, nil
}

// withSearch keeps a queue search in each session (the search text lives in
// the session, never in a URL), with the filters the form carries.
func withSearch(base string, sessions []*http.Cookie, text string, filters url.Values) ([]*http.Cookie, error) {
	out := make([]*http.Cookie, len(sessions))
	for i, c := range sessions {
		f := url.Values{"q": {text}}
		for k, v := range filters {
			f[k] = v
		}
		nc, err := post(base, "/staff/referrals", f, c)
		if err != nil {
			return nil, fmt.Errorf("queue search: %w", err)
		}
		out[i] = nc
	}
	return out, nil
}

// signInTrainees signs each trainee in with a sign-in link made through the
// store, the way the emailed link would be made.
func signInTrainees(ctx context.Context, st *store.Store, base string, emails []string) ([]*http.Cookie, error) {
	var out []*http.Cookie
	for _, e := range emails {
		token, hash := auth.NewToken()
		if _, err := st.CreateSignInToken(ctx, e, hash, time.Now(), time.Now().Add(time.Hour)); err != nil {
			return nil, err
		}
		c, err := post(base, "/sign-in/link?token="+url.QueryEscape(token), url.Values{}, nil)
		if err != nil {
			return nil, fmt.Errorf("trainee sign-in: %w", err)
		}
		if c == nil {
			return nil, fmt.Errorf("trainee sign-in set no session cookie")
		}
		out = append(out, c)
	}
	return out, nil
}
