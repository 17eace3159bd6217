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
	ss := store.NewSessionStore(pool, "staff_id", "public_email", time.Hour)
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

// With an idle timeout, a save expires the session that long after (or at
// its deadline), and TouchCtx moves an unchanged session's expiry on once
// it would move by a minute, never back, never past the deadline, and
// never for a session deleted meanwhile or by the request itself.
func TestSessionTouch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	ss := store.NewSessionStore(pool, "staff_id", "public_email", time.Hour)
	t.Cleanup(ss.StopCleanup)
	ss.SetIdleTimeout(30 * time.Minute)
	key := sha256.Sum256([]byte("tok"))
	stored := func() (time.Time, bool) {
		t.Helper()
		var e time.Time
		err := pool.QueryRow(ctx, `SELECT expiry FROM sessions WHERE token_hash = $1`, key[:]).Scan(&e)
		if err == pgx.ErrNoRows {
			return e, false
		} else if err != nil {
			t.Fatal(err)
		}
		return e, true
	}
	save := func(deadline time.Time) {
		t.Helper()
		b, err := ss.Codec().Encode(deadline, map[string]any{"flash": ""})
		if err != nil {
			t.Fatal(err)
		}
		if err := ss.CommitCtx(ctx, "tok", b, deadline); err != nil {
			t.Fatal(err)
		}
	}
	read := func() context.Context {
		t.Helper()
		req := store.WithSessionRead(ctx)
		if _, found, err := ss.FindCtx(req, "tok"); err != nil || !found {
			t.Fatalf("find: %v %v", found, err)
		}
		return req
	}
	near := func(got time.Time, want time.Duration) bool {
		d := time.Until(got)
		return d > want-time.Minute && d <= want
	}

	// Saved with a 12-hour deadline: expires in 30 minutes.
	save(time.Now().Add(12 * time.Hour))
	if e, _ := stored(); !near(e, 30*time.Minute) {
		t.Fatalf("a saved session expires in %v, want 30 minutes", time.Until(e))
	}
	// Touched at once: not written.
	before, _ := stored()
	if err := ss.TouchCtx(read()); err != nil {
		t.Fatal(err)
	}
	if e, _ := stored(); !e.Equal(before) {
		t.Errorf("touched within the minute: %v -> %v", before, e)
	}
	// Last written 10 minutes ago: moved on to 30 minutes from now.
	if _, err := pool.Exec(ctx, `UPDATE sessions SET expiry = now() + interval '20 minutes' WHERE token_hash = $1`, key[:]); err != nil {
		t.Fatal(err)
	}
	if err := ss.TouchCtx(read()); err != nil {
		t.Fatal(err)
	}
	if e, _ := stored(); !near(e, 30*time.Minute) {
		t.Errorf("touched after 10 minutes: expires in %v, want 30 minutes", time.Until(e))
	}
	// Its deadline in 10 minutes: moved on to the deadline, no further.
	deadline := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Microsecond)
	save(deadline)
	if _, err := pool.Exec(ctx, `UPDATE sessions SET expiry = now() + interval '2 minutes' WHERE token_hash = $1`, key[:]); err != nil {
		t.Fatal(err)
	}
	if err := ss.TouchCtx(read()); err != nil {
		t.Fatal(err)
	}
	if e, _ := stored(); !e.Equal(deadline) {
		t.Errorf("touched near its deadline %v: expires at %v", deadline, e)
	}
	// Deleted (signed out elsewhere) after this request read it: the touch
	// does not bring it back.
	save(time.Now().Add(12 * time.Hour))
	if _, err := pool.Exec(ctx, `UPDATE sessions SET expiry = now() + interval '5 minutes' WHERE token_hash = $1`, key[:]); err != nil {
		t.Fatal(err)
	}
	req := read()
	if err := ss.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if err := ss.TouchCtx(req); err != nil {
		t.Fatal(err)
	}
	if _, found := stored(); found {
		t.Error("a touch brought back a session deleted meanwhile")
	}
	// Deleted by the request itself and saved again (a renewed token
	// reuses nothing; here the same token, saved afresh by another
	// request): the first request's touch leaves it as saved.
	save(time.Now().Add(12 * time.Hour))
	if _, err := pool.Exec(ctx, `UPDATE sessions SET expiry = now() + interval '5 minutes' WHERE token_hash = $1`, key[:]); err != nil {
		t.Fatal(err)
	}
	req = read()
	if err := ss.DeleteCtx(req, "tok"); err != nil {
		t.Fatal(err)
	}
	save(time.Now().Add(12 * time.Hour))
	if _, err := pool.Exec(ctx, `UPDATE sessions SET expiry = now() + interval '5 minutes' WHERE token_hash = $1`, key[:]); err != nil {
		t.Fatal(err)
	}
	if err := ss.TouchCtx(req); err != nil {
		t.Fatal(err)
	}
	if e, _ := stored(); !near(e, 5*time.Minute) {
		t.Errorf("a request that deleted its session moved the expiry of the one saved after: %v", time.Until(e))
	}
	// Lapsed after this request read it (idle past its expiry, as another
	// request found): the touch does not bring it back to life.
	if _, err := pool.Exec(ctx, `UPDATE sessions SET expiry = now() + interval '5 minutes' WHERE token_hash = $1`, key[:]); err != nil {
		t.Fatal(err)
	}
	req = read()
	if _, err := pool.Exec(ctx, `UPDATE sessions SET expiry = now() - interval '1 second' WHERE token_hash = $1`, key[:]); err != nil {
		t.Fatal(err)
	}
	if err := ss.TouchCtx(req); err != nil {
		t.Fatal(err)
	}
	if e, _ := stored(); e.After(time.Now()) {
		t.Errorf("a touch brought a lapsed session back: expires in %v", time.Until(e))
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
	ss := store.NewSessionStore(pool, "staff_id", "public_email", time.Hour)
	t.Cleanup(ss.StopCleanup)
	from := time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 7)
	for _, c := range []int64{coach, other} {
		if _, err := st.AddSlots(ctx, c, []store.NewSlot{{Start: from.Add(10 * time.Hour), End: from.Add(11 * time.Hour), Mode: "virtual"}}); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func(token string, id int64, expiry time.Time) {
		saveSession(t, ss, token, map[string]any{"staff_id": id}, expiry)
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
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM (`+lapsed.SQL[0]+`) w`, append([]any{sha256Of("lapsed-tok")}, lapsed.Args...)...).Scan(&n); err != nil || n != 0 {
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
	broken := &store.Prefetch{SQL: []string{`SELECT 1/0 WHERE $1::bytea IS NOT NULL`}, Read: func(pgx.BatchResults) (any, error) { return "read", nil }}
	if req, found := read("coach-tok", broken); !found || store.SessionReadFrom(req).Staff == nil || store.SessionReadFrom(req).Prefetched != nil {
		t.Errorf("a failing prefetch: found %v, prefetched %v", found, store.SessionReadFrom(req).Prefetched)
	}
	// One that cannot even be prepared fails the whole batch: the session
	// is then read alone.
	unpreparable := &store.Prefetch{SQL: []string{`SELECT * FROM no_such_table WHERE $1::bytea IS NOT NULL`}, Read: func(pgx.BatchResults) (any, error) { return "read", nil }}
	if req, found := read("coach-tok", unpreparable); !found || store.SessionReadFrom(req).Staff == nil || store.SessionReadFrom(req).Prefetched != nil {
		t.Errorf("an unpreparable prefetch: found %v, prefetched %v", found, store.SessionReadFrom(req).Prefetched)
	}
}

// Once this instance has read a session, it asks for that person's week or
// page by id or address, without the database reading the session row
// again inside each statement; the rows are the same, and they are handed
// out only when the session read with them is that person's: a wrong
// belief (taught here by hand) costs a read, never another person's rows,
// and an empty week asked for someone else is not taken for this coach's.
// Signing out forgets the session.
func TestSessionPrefetchAsksKnownPeople(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	coach := mustCoach(t, st, "known@example.nhs.uk")
	other := mustCoach(t, st, "known.other@example.nhs.uk")
	ss := store.NewSessionStore(pool, "staff_id", "public_email", time.Hour)
	t.Cleanup(ss.StopCleanup)
	from := time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 7)
	later := to.AddDate(1, 0, 0)
	for i, c := range []int64{coach, other} {
		if _, err := st.AddSlots(ctx, c, []store.NewSlot{{Start: from.Add(time.Duration(10+i) * time.Hour), End: from.Add(time.Duration(11+i) * time.Hour), Mode: "virtual"}}); err != nil {
			t.Fatal(err)
		}
	}
	expiry := time.Now().Add(time.Hour)
	saveSession(t, ss, "coach-tok", map[string]any{"staff_id": coach}, expiry)
	week := func(f, t2 time.Time) context.Context {
		return readSessionWith(t, ss, "coach-tok", store.CoachWeekPrefetch(f, t2))
	}

	first := week(from, to)
	if id, _ := store.PrefetchAsked(first); id != 0 {
		t.Fatalf("the first read asked for coach %d by id: the session had not been read yet", id)
	}
	slots1, _, ok1 := store.PrefetchedWeek(first, coach, from, to)
	second := week(from, to)
	if id, _ := store.PrefetchAsked(second); id != coach {
		t.Fatalf("the second read asked for %d, want the coach %d by id", id, coach)
	}
	slots2, _, ok2 := store.PrefetchedWeek(second, coach, from, to)
	direct, _, err := st.CoachWeek(ctx, coach, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if !ok1 || !ok2 || len(slots1) != 1 || len(slots2) != 1 || len(direct) != 1 || slots1[0].ID != direct[0].ID || slots2[0].ID != direct[0].ID {
		t.Fatalf("the week read through the session %v (%v), by id %v (%v), directly %v", slots1, ok1, slots2, ok2, direct)
	}
	if slots, off, ok := store.PrefetchedWeek(week(later, later.AddDate(0, 0, 7)), coach, later, later.AddDate(0, 0, 7)); !ok || len(slots)+len(off) != 0 {
		t.Errorf("an empty week asked for by the coach's id: %v %v %v", slots, off, ok)
	}
	if _, _, ok := store.PrefetchedWeek(second, other, from, to); ok {
		t.Error("the week asked for one coach by id was handed to another")
	}

	// Believed to be the other coach: their rows come back and are not
	// handed out, and nor is an empty week asked for them.
	ss.Teach("coach-tok", other, "")
	wrong := week(from, to)
	if id, _ := store.PrefetchAsked(wrong); id != other {
		t.Fatalf("the taught belief was not used: asked for %d", id)
	}
	if _, _, ok := store.PrefetchedWeek(wrong, coach, from, to); ok {
		t.Error("another coach's week, asked for on a wrong belief, was handed to the session's coach")
	}
	ss.Teach("coach-tok", other, "")
	if _, _, ok := store.PrefetchedWeek(week(later, later.AddDate(0, 0, 7)), coach, later, later.AddDate(0, 0, 7)); ok {
		t.Error("an empty week asked for another coach was taken for the session's coach's")
	}
	// The session's row put the belief right.
	if id, _ := store.PrefetchAsked(week(from, to)); id != coach {
		t.Errorf("the belief was not put right by the session's row: asked for %d", id)
	}

	// A belief past the session's expiry is not used.
	ss.TeachUntil("coach-tok", other, "", time.Now().Add(-time.Second))
	if id, _ := store.PrefetchAsked(week(from, to)); id != 0 {
		t.Errorf("a belief past its session's expiry was used: asked for %d", id)
	}
	// A session not found (lapsed here) is forgotten.
	if _, err := pool.Exec(ctx, `UPDATE sessions SET expiry = now() - interval '1 second' WHERE token_hash = $1`, sha256Of("coach-tok")); err != nil {
		t.Fatal(err)
	}
	if _, found, err := ss.FindCtx(store.WithSessionRead(ctx), "coach-tok"); found || err != nil {
		t.Fatalf("a lapsed session: found %v (%v)", found, err)
	}
	saveSession(t, ss, "coach-tok", map[string]any{"staff_id": coach}, expiry)
	if id, _ := store.PrefetchAsked(week(from, to)); id != 0 {
		t.Errorf("a session not found was still known: asked for %d", id)
	}
	// A session of no one yet (before signing in) is not remembered.
	before := ss.KnownPeople()
	saveSession(t, ss, "anon-tok", map[string]any{"flash": "hello"}, expiry)
	readSessionWith(t, ss, "anon-tok", store.CoachWeekPrefetch(from, to))
	if after := ss.KnownPeople(); after != before {
		t.Errorf("a session of no one was remembered: %d people known, %d before", after, before)
	}

	// Signing out forgets the session: a new one under the same token
	// (not a thing scs does; here to see the belief gone) is read through
	// the session row again.
	if err := ss.DeleteCtx(ctx, "coach-tok"); err != nil {
		t.Fatal(err)
	}
	saveSession(t, ss, "coach-tok", map[string]any{"staff_id": coach}, expiry)
	if id, _ := store.PrefetchAsked(week(from, to)); id != 0 {
		t.Errorf("a signed-out session was still known: asked for %d", id)
	}

	// A public person's page, by address.
	for _, r := range []struct{ ref, trainee, referrer string }{
		{"KP-1", "kim@example.org", ""},
		{"KP-2", "kim@example.org", "lee@example.org"},
	} {
		if _, err := pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, referrer_email)
			VALUES ($1, 'self', 'new', 'A Trainee', $2, nullif($3, ''))`, r.ref, r.trainee, r.referrer); err != nil {
			t.Fatal(err)
		}
	}
	saveSession(t, ss, "kim-tok", map[string]any{"public_email": "kim@example.org"}, expiry)
	page := func() context.Context { return readSessionWith(t, ss, "kim-tok", store.YourPagePrefetch()) }
	cards1, _, ok1 := store.PrefetchedYourPage(page(), "kim@example.org")
	byAddress := page()
	if _, e := store.PrefetchAsked(byAddress); e != "kim@example.org" {
		t.Fatalf("the second page asked for %q, want kim's address", e)
	}
	cards2, _, ok2 := store.PrefetchedYourPage(byAddress, "kim@example.org")
	if !ok1 || !ok2 || len(cards1) != 2 || len(cards2) != 2 || cards1[0].Reference != cards2[0].Reference || cards1[1].Reference != cards2[1].Reference {
		t.Fatalf("the page read through the session %v (%v), by address %v (%v)", cards1, ok1, cards2, ok2)
	}
	// Believed to be lee, whose one referral is kim's too: every row is
	// kim's, but it is not kim's page, and it is not handed out.
	ss.Teach("kim-tok", 0, "lee@example.org")
	if cards, _, ok := store.PrefetchedYourPage(page(), "kim@example.org"); ok {
		t.Errorf("lee's page, asked for on a wrong belief, was handed to kim: %v", cards)
	}
	// The same through the sessions table: a session read as lee's, then
	// saved as kim's under the same token (scs renews the token at every
	// sign-in, so this is the belt to that brace).
	saveSession(t, ss, "swap-tok", map[string]any{"public_email": "lee@example.org"}, expiry)
	readSessionWith(t, ss, "swap-tok", store.YourPagePrefetch())
	saveSession(t, ss, "swap-tok", map[string]any{"public_email": "kim@example.org"}, expiry)
	swapped := readSessionWith(t, ss, "swap-tok", store.YourPagePrefetch())
	if _, e := store.PrefetchAsked(swapped); e != "lee@example.org" {
		t.Fatalf("the page after the swap was asked for %q, want lee's address (the belief before)", e)
	}
	if cards, _, ok := store.PrefetchedYourPage(swapped, "kim@example.org"); ok {
		t.Errorf("lee's page was handed to kim after the session changed hands: %v", cards)
	}
	if cards, _, ok := store.PrefetchedYourPage(readSessionWith(t, ss, "swap-tok", store.YourPagePrefetch()), "kim@example.org"); !ok || len(cards) != 2 {
		t.Errorf("kim's page, asked for by kim's address after the session's row said so: %v (%v)", cards, ok)
	}
}

// saveSession stores a session of values under token until expiry.
func saveSession(t testing.TB, ss *store.SessionStore, token string, values map[string]any, expiry time.Time) {
	t.Helper()
	b, err := (scs.GobCodec{}).Encode(expiry, values)
	if err != nil {
		t.Fatal(err)
	}
	if err := ss.CommitCtx(context.Background(), token, b, expiry); err != nil {
		t.Fatal(err)
	}
}

// readSessionWith reads the live session under token with p, as a
// request does, and returns the request's context holding what was read.
func readSessionWith(t testing.TB, ss *store.SessionStore, token string, p *store.Prefetch) context.Context {
	t.Helper()
	req := store.WithSessionRead(context.Background())
	store.SessionReadFrom(req).Prefetch = p
	if _, found, err := ss.FindCtx(req, token); err != nil || !found {
		t.Fatalf("session %s: found %v, %v", token, found, err)
	}
	return req
}

// sha256Of is a session's stored key (the SHA-256 of its token).
func sha256Of(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// A public person's own page is read in the session's round trip, through
// the address kept beside the session's data, and handed out only for
// that person's rows.
func TestSessionPrefetchOfYourPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	ss := store.NewSessionStore(pool, "staff_id", "public_email", time.Hour)
	t.Cleanup(ss.StopCleanup)
	for _, r := range []struct{ ref, trainee, referrer string }{
		{"PF-1", "pat@example.org", ""},
		{"PF-2", "sam@example.org", "pat@example.org"},
		{"PF-3", "sam@example.org", ""},
	} {
		if _, err := pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, referrer_email)
			VALUES ($1, 'self', 'new', 'A Trainee', $2, nullif($3, ''))`, r.ref, r.trainee, r.referrer); err != nil {
			t.Fatal(err)
		}
	}
	var workshop int64
	if err := pool.QueryRow(ctx, `INSERT INTO workshops (slug, title, starts_at, ends_at, mode, capacity, check_in_code)
		VALUES ('pf-planning', 'Planning', now() + interval '1 day', now() + interval '1 day 2 hours', 'online', 10, 'PF01') RETURNING id`).Scan(&workshop); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO workshop_registrations (workshop_id, name, email, professional_group, region, grade)
		VALUES ($1, 'Pat', 'pat@example.org', 'doctor', 'london', 'F1')`, workshop); err != nil {
		t.Fatal(err)
	}
	signIn := func(token string, values map[string]any) {
		saveSession(t, ss, token, values, time.Now().Add(time.Hour))
	}
	// The address is kept in lower case, as referrals and registrations
	// hold it.
	signIn("pat-tok", map[string]any{"public_email": " Pat@Example.org"})
	var kept string
	if err := pool.QueryRow(ctx, `SELECT public_email FROM sessions WHERE token_hash = $1`, sha256Of("pat-tok")).Scan(&kept); err != nil || kept != "pat@example.org" {
		t.Fatalf("address beside the session: %q (%v)", kept, err)
	}
	read := func(token string) context.Context { return readSessionWith(t, ss, token, store.YourPagePrefetch()) }
	req := read("pat-tok")
	cards, regs, ok := store.PrefetchedYourPage(req, "pat@example.org")
	direct, directRegs, err := store.New(pool).ReferralCardsAndRegistrations(ctx, "pat@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if !ok || len(cards) != 2 || len(direct) != 2 || cards[0].Reference != direct[0].Reference || cards[1].Reference != direct[1].Reference ||
		len(regs) != 1 || len(directRegs) != 1 || regs[0].Registration.ID != directRegs[0].Registration.ID || regs[0].Workshop.Slug != "pf-planning" {
		t.Fatalf("prefetched %v %v (%v), read directly %v %v", cards, regs, ok, direct, directRegs)
	}
	// Only for the address the request's own checks found.
	if _, _, ok := store.PrefetchedYourPage(req, "sam@example.org"); ok {
		t.Error("one person's page was handed to another address")
	}
	if _, _, ok := store.PrefetchedYourPage(ctx, "pat@example.org"); ok {
		t.Error("a page handed out outside a request")
	}
	// A row that is not the person's is never handed out, whatever read it
	// (the statements read the session row a moment after the session's).
	samReq := read(func() string { signIn("sam-tok", map[string]any{"public_email": "sam@example.org"}); return "sam-tok" }())
	if _, _, ok := store.PrefetchedYourPage(samReq, "sam@example.org"); !ok {
		t.Fatal("sam's own page was not handed to them")
	}
	if _, _, ok := store.PrefetchedYourPage(samReq, "pat@example.org"); ok {
		t.Error("rows read for sam (one of them pat's as referrer) were handed to pat")
	}
	// A staff session reads nobody's page; nor does a session saved before
	// its address had a column (nothing read is not trusted: the page reads
	// for itself).
	staffID := mustCoach(t, store.New(pool), "pf.coach@example.nhs.uk")
	signIn("staff-tok", map[string]any{"staff_id": staffID, "public_email": "pat@example.org"})
	if _, _, ok := store.PrefetchedYourPage(read("staff-tok"), "pat@example.org"); ok {
		t.Error("a staff session's read was handed to a public address")
	}
	// The address the checks found is compared as stored: in lower case.
	if _, _, ok := store.PrefetchedYourPage(read("pat-tok"), " PAT@example.org"); !ok {
		t.Error("the page was not handed to the same address written otherwise")
	}
	signIn("old-tok", map[string]any{"public_email": "pat@example.org"})
	if _, err := pool.Exec(ctx, `UPDATE sessions SET public_email = NULL WHERE token_hash = $1`, sha256Of("old-tok")); err != nil {
		t.Fatal(err)
	}
	if c, r, ok := store.PrefetchedYourPage(read("old-tok"), "pat@example.org"); ok {
		t.Errorf("nothing read was handed out as an empty page: %v %v", c, r)
	}
	// Signing out (the address removed) clears the column.
	signIn("pat-tok", map[string]any{"flash": "bye"})
	var gone *string
	if err := pool.QueryRow(ctx, `SELECT public_email FROM sessions WHERE token_hash = $1`, sha256Of("pat-tok")).Scan(&gone); err != nil || gone != nil {
		t.Errorf("address kept after it left the session: %v (%v)", gone, err)
	}
}

// A referral's card read with the session is the card read directly, and
// is handed out only for the reference it was read for.
func TestSessionPrefetchOfCard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	ss := store.NewSessionStore(pool, "staff_id", "public_email", time.Hour)
	t.Cleanup(ss.StopCleanup)
	if _, err := pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, referrer_email)
		VALUES ('PC-1', 'self', 'new', 'A Trainee', 'pat@example.org', 'ref@example.org')`); err != nil {
		t.Fatal(err)
	}
	saveSession(t, ss, "card-tok", map[string]any{"public_email": "pat@example.org"}, time.Now().Add(time.Hour))
	read := func(token, ref string) context.Context { return readSessionWith(t, ss, token, store.CardPrefetch(ref)) }
	req := read("card-tok", "PC-1")
	got, ok := store.PrefetchedCard(req, "PC-1")
	direct, err := store.New(pool).ReferralCardByReference(ctx, "PC-1")
	if err != nil {
		t.Fatal(err)
	}
	if !ok || got != direct || got.Owners.TraineeEmail != "pat@example.org" || got.Owners.ReferrerEmail != "ref@example.org" {
		t.Fatalf("prefetched %+v (%v), read directly %+v", got, ok, direct)
	}
	if _, ok := store.PrefetchedCard(req, "PC-2"); ok {
		t.Error("a card was handed out for another reference")
	}
	if _, ok := store.PrefetchedCard(ctx, "PC-1"); ok {
		t.Error("a card handed out outside a request")
	}
	// No such referral: nothing handed out, the page reads (and answers
	// 404) for itself; the session is still read.
	if _, ok := store.PrefetchedCard(read("card-tok", "PC-9"), "PC-9"); ok {
		t.Error("a missing referral was handed out as a card")
	}
}
