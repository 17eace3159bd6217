package store_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"

	"careers/internal/store"
	"careers/internal/testdb"
)

// A session is read with its staff account in one statement, and an
// unchanged one is written only when its expiry moves on by a minute.
func TestSessionStoreWritesOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	coach := mustCoach(t, st, "sess@example.nhs.uk")
	ss := store.NewSessionStore(pool, "staff_id", time.Hour)
	t.Cleanup(ss.StopCleanup)

	deadline := time.Now().Add(12 * time.Hour)
	enc := func(values map[string]any) []byte {
		b, err := (scs.GobCodec{}).Encode(deadline, values)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	signedIn := enc(map[string]any{"staff_id": coach, "flash": ""})
	expiry := time.Now().Add(30 * time.Minute).UTC().Truncate(time.Microsecond)
	if err := ss.CommitCtx(ctx, "tok", signedIn, expiry); err != nil {
		t.Fatal(err)
	}
	stored := func() (time.Time, int64) {
		var e time.Time
		var id *int64
		if err := pool.QueryRow(ctx, `SELECT expiry, staff_id FROM sessions WHERE token_hash = sha256('tok')`).Scan(&e, &id); err != nil {
			t.Fatal(err)
		}
		if id == nil {
			return e, 0
		}
		return e, *id
	}
	if _, id := stored(); id != coach {
		t.Fatalf("staff id beside the session: %d, want %d", id, coach)
	}
	// The table keys on the token's SHA-256: the token itself, which the
	// cookie carries, is nowhere in it.
	var tokenKept bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions s
		WHERE position('tok'::bytea IN s.token_hash) > 0 OR position('tok'::bytea IN s.data) > 0)`).Scan(&tokenKept); err != nil {
		t.Fatal(err)
	}
	if tokenKept {
		t.Error("the session token is stored in the sessions table")
	}

	// A request reads it: the account comes with it.
	req := store.WithSessionRead(ctx)
	b, found, err := ss.FindCtx(req, "tok")
	if err != nil || !found || string(b) != string(signedIn) {
		t.Fatalf("find: %v %v", found, err)
	}
	read := store.SessionReadFrom(req)
	if read.Staff == nil || read.Staff.ID != coach || read.Staff.Email != "sess@example.nhs.uk" {
		t.Fatalf("staff read with the session: %+v", read.Staff)
	}
	// Unchanged (encoded afresh, so perhaps in another map order), expiry
	// 30 s later: not written.
	again := enc(map[string]any{"flash": "", "staff_id": coach})
	if err := ss.CommitCtx(req, "tok", again, expiry.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if e, _ := stored(); !e.Equal(expiry) {
		t.Errorf("an unchanged session was written (expiry %v, want %v)", e, expiry)
	}
	// Unchanged, expiry 2 minutes later: written.
	if err := ss.CommitCtx(req, "tok", signedIn, expiry.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if e, _ := stored(); !e.Equal(expiry.Add(2 * time.Minute)) {
		t.Errorf("the idle expiry did not move on: %v", e)
	}
	// Changed data: written at once, and signing out clears the staff id.
	req = store.WithSessionRead(ctx)
	if _, _, err := ss.FindCtx(req, "tok"); err != nil {
		t.Fatal(err)
	}
	signedOut := enc(map[string]any{"flash": "Signed out"})
	if err := ss.CommitCtx(req, "tok", signedOut, expiry.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, id := stored(); id != 0 {
		t.Errorf("staff id %d after the change", id)
	}
	req = store.WithSessionRead(ctx)
	if b, _, _ := ss.FindCtx(req, "tok"); string(b) != string(signedOut) || store.SessionReadFrom(req).Staff != nil {
		t.Error("the changed session did not read back as written")
	}
	// Signed out elsewhere while this request ran: its write does not bring
	// the session back.
	req = store.WithSessionRead(ctx)
	if _, _, err := ss.FindCtx(req, "tok"); err != nil {
		t.Fatal(err)
	}
	if err := ss.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if err := ss.CommitCtx(req, "tok", enc(map[string]any{"flash": "late write"}), expiry.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := ss.FindCtx(ctx, "tok"); found {
		t.Error("a request's late write brought a deleted session back")
	}
	if err := ss.CommitCtx(ctx, "tok", signedOut, expiry.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Signed out elsewhere, then this request renews its token (a role or
	// password change): the renewed session is not saved.
	if err := ss.CommitCtx(ctx, "tok", signedIn, expiry); err != nil {
		t.Fatal(err)
	}
	req = store.WithSessionRead(ctx)
	if _, _, err := ss.FindCtx(req, "tok"); err != nil {
		t.Fatal(err)
	}
	if err := ss.DeleteCtx(ctx, "tok"); err != nil { // the other request's sign-out
		t.Fatal(err)
	}
	if err := ss.DeleteCtx(req, "tok"); err != nil { // RenewToken's delete of the old token
		t.Fatal(err)
	}
	if err := ss.CommitCtx(req, "tok2", signedIn, expiry); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := ss.FindCtx(ctx, "tok2"); found {
		t.Error("a session signed out elsewhere came back under a renewed token")
	}
	// A renewal with nothing signed out in between is saved as usual.
	if err := ss.CommitCtx(ctx, "tok", signedIn, expiry); err != nil {
		t.Fatal(err)
	}
	req = store.WithSessionRead(ctx)
	if _, _, err := ss.FindCtx(req, "tok"); err != nil {
		t.Fatal(err)
	}
	if err := ss.DeleteCtx(req, "tok"); err != nil {
		t.Fatal(err)
	}
	if err := ss.CommitCtx(req, "tok3", signedIn, expiry); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := ss.FindCtx(ctx, "tok3"); !found {
		t.Error("an ordinary token renewal was not saved")
	}
	// Expired sessions are not found.
	if _, err := pool.Exec(ctx, `UPDATE sessions SET expiry = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if _, found, err := ss.FindCtx(ctx, "tok"); found || err != nil {
		t.Errorf("expired session found: %v %v", found, err)
	}
}

// A page's statement sent with the session's read (the coach's week): it
// reads the week of the session's own account in the same round trip, and
// it is handed only to that account, for that period; a lapsed session
// reads nothing, and a failing statement leaves the session read whole.
func TestSessionPrefetch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	coach := mustCoach(t, st, "prefetch@example.nhs.uk")
	other := mustCoach(t, st, "prefetch.other@example.nhs.uk")
	ss := store.NewSessionStore(pool, "staff_id", time.Hour)
	t.Cleanup(ss.StopCleanup)
	from := time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 7)
	for _, c := range []int64{coach, other} {
		if _, err := st.AddSlots(ctx, c, []store.NewSlot{{Start: from.Add(10 * time.Hour), End: from.Add(11 * time.Hour), Mode: "virtual"}}); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func(token string, id int64, expiry time.Time) {
		b, err := (scs.GobCodec{}).Encode(expiry, map[string]any{"staff_id": id})
		if err != nil {
			t.Fatal(err)
		}
		if err := ss.CommitCtx(ctx, token, b, expiry); err != nil {
			t.Fatal(err)
		}
	}
	signIn("coach-tok", coach, time.Now().Add(time.Hour))
	signIn("lapsed-tok", other, time.Now().Add(-time.Minute))
	signIn("other-tok", other, time.Now().Add(time.Hour))

	read := func(token string, p *store.Prefetch) (context.Context, bool) {
		req := store.WithSessionRead(ctx)
		store.SessionReadFrom(req).Prefetch = p
		_, found, err := ss.FindCtx(req, token)
		if err != nil {
			t.Fatal(err)
		}
		return req, found
	}
	req, found := read("coach-tok", store.CoachWeekPrefetch(from, to))
	if !found || store.SessionReadFrom(req).Staff == nil || store.SessionReadFrom(req).Staff.ID != coach {
		t.Fatalf("the session was not read with its account: %v %+v", found, store.SessionReadFrom(req).Staff)
	}
	slots, _, ok := store.PrefetchedWeek(req, coach, from, to)
	direct, _, err := st.CoachWeek(ctx, coach, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if !ok || len(slots) != 1 || len(direct) != 1 || slots[0].ID != direct[0].ID {
		t.Fatalf("prefetched week %v (%v), read directly %v", slots, ok, direct)
	}
	if _, _, ok := store.PrefetchedWeek(req, other, from, to); ok {
		t.Error("the week read with one coach's session was handed to another account")
	}
	if _, _, ok := store.PrefetchedWeek(req, coach, to, to.AddDate(0, 0, 7)); ok {
		t.Error("the week read for one period was handed out for another")
	}
	// A lapsed session is not found, and its statement reads nothing.
	if _, found := read("lapsed-tok", store.CoachWeekPrefetch(from, to)); found {
		t.Error("a lapsed session was found")
	}
	lapsed := store.CoachWeekPrefetch(from, to)
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM (`+lapsed.SQL+`) w`, append([]any{sha256Of("lapsed-tok")}, lapsed.Args...)...).Scan(&n); err != nil || n != 0 {
		t.Errorf("the week read through a lapsed session: %d rows (%v)", n, err)
	}
	// Rows of another coach are never handed out, whatever the session
	// read said (the two statements read the session row a moment apart).
	otherReq, _ := read("other-tok", store.CoachWeekPrefetch(from, to))
	if _, _, ok := store.PrefetchedWeek(otherReq, other, from, to); !ok {
		t.Fatal("the other coach's own week was not handed to them")
	}
	store.SessionReadFrom(otherReq).Staff = &store.StaffUser{ID: coach, Active: true}
	if _, _, ok := store.PrefetchedWeek(otherReq, coach, from, to); ok {
		t.Error("another coach's rows were handed to the account the session read said")
	}
	// An empty week is handed out on the session's word; an inactive
	// account gets nothing.
	later := to.AddDate(1, 0, 0)
	emptyReq, _ := read("coach-tok", store.CoachWeekPrefetch(later, later.AddDate(0, 0, 7)))
	if slots, off, ok := store.PrefetchedWeek(emptyReq, coach, later, later.AddDate(0, 0, 7)); !ok || len(slots)+len(off) != 0 {
		t.Errorf("an empty week: %v %v %v", slots, off, ok)
	}
	store.SessionReadFrom(emptyReq).Staff.Active = false
	if _, _, ok := store.PrefetchedWeek(emptyReq, coach, later, later.AddDate(0, 0, 7)); ok {
		t.Error("a week handed to an inactive account")
	}
	if _, _, ok := store.PrefetchedWeek(ctx, coach, from, to); ok {
		t.Error("a week handed out outside a request")
	}
	broken := &store.Prefetch{SQL: `SELECT 1/0 WHERE $1::bytea IS NOT NULL`, Read: func(pgx.Rows) (any, error) { return "read", nil }}
	if req, found := read("coach-tok", broken); !found || store.SessionReadFrom(req).Staff == nil || store.SessionReadFrom(req).Prefetched != nil {
		t.Errorf("a failing prefetch: found %v, prefetched %v", found, store.SessionReadFrom(req).Prefetched)
	}
	// One that cannot even be prepared fails the whole batch: the session
	// is then read alone.
	unpreparable := &store.Prefetch{SQL: `SELECT * FROM no_such_table WHERE $1::bytea IS NOT NULL`, Read: func(pgx.Rows) (any, error) { return "read", nil }}
	if req, found := read("coach-tok", unpreparable); !found || store.SessionReadFrom(req).Staff == nil || store.SessionReadFrom(req).Prefetched != nil {
		t.Errorf("an unpreparable prefetch: found %v, prefetched %v", found, store.SessionReadFrom(req).Prefetched)
	}
}

// sha256Of is a session's stored key (the SHA-256 of its token).
func sha256Of(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
