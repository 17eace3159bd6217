package server_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/policy"
)

// A session lasts 30 minutes unused and 12 hours in all. A page that
// changes nothing in the session sends no cookie back, writes nothing
// while the session's expiry is less than a minute behind, and moves the
// expiry on when it is; the expiry never passes the session's deadline;
// an idle session ends, and signing out of it still says so. (That a
// touch never brings back a session deleted meanwhile is
// store.TestSessionTouch's.)
func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "idle@example.nhs.uk", policy.Coordinator)
	b := ts.NewBrowser(t)
	secret := b.SignInStaff(t, "idle@example.nhs.uk", "")
	ctx := context.Background()
	sum := sha256.Sum256([]byte(cookieValue(b, ts, "careers_session")))
	key := sum[:]
	expiry := func() time.Time {
		t.Helper()
		var e time.Time
		if err := ts.pool.QueryRow(ctx, `SELECT expiry FROM sessions WHERE token_hash = $1`, key).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	setExpiry := func(e time.Time) {
		t.Helper()
		if _, err := ts.pool.Exec(ctx, `UPDATE sessions SET expiry = $2 WHERE token_hash = $1`, key, e); err != nil {
			t.Fatal(err)
		}
	}
	get := func(want int) page {
		t.Helper()
		p := b.Get(t, "/staff/coordinator")
		if p.Status != want {
			t.Fatalf("the coordinator's home: %d, want %d", p.Status, want)
		}
		return p
	}

	// Just signed in: 30 minutes from now.
	if d := time.Until(expiry()); d < 29*time.Minute || d > 30*time.Minute {
		t.Fatalf("a new session expires in %v, want 30 minutes", d)
	}
	// A page that changes nothing: no cookie sent back, nothing written.
	before := expiry()
	p := get(http.StatusOK)
	if c := p.Header.Values("Set-Cookie"); len(c) != 0 {
		t.Errorf("an unchanged session's page sets a cookie: %q", c)
	}
	if e := expiry(); !e.Equal(before) {
		t.Errorf("an unchanged session was written within the minute: %v -> %v", before, e)
	}
	// Used 10 minutes after its last write: the expiry moves on to 30
	// minutes from now.
	setExpiry(time.Now().Add(20 * time.Minute))
	get(http.StatusOK)
	if d := time.Until(expiry()); d < 29*time.Minute || d > 30*time.Minute {
		t.Errorf("after a page, the session expires in %v, want 30 minutes", d)
	}
	// Near its deadline: the expiry moves on no further than it.
	deadline := time.Now().Add(10 * time.Minute).UTC()
	if _, err := ts.pool.Exec(ctx, `UPDATE sessions SET expiry = $2 WHERE token_hash = $1`, key, deadline.Add(-5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	forceDeadline(t, ts, key, deadline)
	get(http.StatusOK)
	if e := expiry(); e.After(deadline) || deadline.Sub(e) > time.Second {
		t.Errorf("near its deadline (%v) the session expires at %v", deadline, e)
	}
	// Idle past its expiry: signed out.
	setExpiry(time.Now().Add(-time.Second))
	get(http.StatusSeeOther)
	// Signing out of a session that has lapsed (the sign-out button on a
	// page left open) still says so on the next page.
	other := ts.NewBrowser(t)
	other.SignInStaff(t, "idle@example.nhs.uk", secret)
	osum := sha256.Sum256([]byte(cookieValue(other, ts, "careers_session")))
	if _, err := ts.pool.Exec(ctx, `UPDATE sessions SET expiry = now() - interval '1 second' WHERE token_hash = $1`, osum[:]); err != nil {
		t.Fatal(err)
	}
	if p := other.Post(t, "/staff/sign-out", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("sign out of a lapsed session: %d", p.Status)
	}
	if p := other.Get(t, "/staff/sign-in"); !strings.Contains(p.Body, "You have signed out") {
		t.Error("signing out of a lapsed session lost its message")
	}
}

// forceDeadline rewrites the session's stored deadline (inside its data),
// as if it had been made 12 hours before deadline.
func forceDeadline(t *testing.T, ts *testServer, key []byte, deadline time.Time) {
	t.Helper()
	ctx := context.Background()
	var data []byte
	if err := ts.pool.QueryRow(ctx, `SELECT data FROM sessions WHERE token_hash = $1`, key).Scan(&data); err != nil {
		t.Fatal(err)
	}
	codec := ts.srv.SessionStoreForTest().Codec()
	_, values, err := codec.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := codec.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(ctx, `UPDATE sessions SET data = $2 WHERE token_hash = $1`, key, b); err != nil {
		t.Fatal(err)
	}
}

// An answer the handler leaves empty (no body, no status written) still
// moves the session's idle expiry on: the touch runs as the empty answer
// goes out, not only when a page is written.
func TestSessionTouchedByAnEmptyAnswer(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, func(r chi.Router) {
		r.Get("/test/empty", func(http.ResponseWriter, *http.Request) {})
	}, nil)
	ts.MustStaff(t, "empty@example.nhs.uk", policy.Coordinator)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "empty@example.nhs.uk", "")
	ctx := context.Background()
	sum := sha256.Sum256([]byte(cookieValue(b, ts, "careers_session")))
	if _, err := ts.pool.Exec(ctx, `UPDATE sessions SET expiry = now() + interval '20 minutes' WHERE token_hash = $1`, sum[:]); err != nil {
		t.Fatal(err)
	}
	if p := b.Get(t, "/test/empty"); p.Status != http.StatusOK || p.Body != "" {
		t.Fatalf("the empty answer: %d %q", p.Status, p.Body)
	}
	var e time.Time
	if err := ts.pool.QueryRow(ctx, `SELECT expiry FROM sessions WHERE token_hash = $1`, sum[:]).Scan(&e); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(e); d < 29*time.Minute || d > 30*time.Minute {
		t.Errorf("after an empty answer the session expires in %v, want 30 minutes", d)
	}
}
