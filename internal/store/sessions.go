package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/policy"
)

// SessionTouch is how often an unchanged session's idle expiry is pushed
// on. The idle timeout is the store's (SetIdleTimeout), not scs's: scs
// with an idle timeout marks every session changed on every request, to be
// encoded, compared and sent back in a cookie each time. Here a request
// that changed nothing only moves the expiry on (TouchCtx), and only once
// it would move by this much: a statement a minute per session at most, at
// the cost of an idle timeout up to this much shorter than set.
const SessionTouch = time.Minute

// SessionStore keeps scs sessions in PostgreSQL (the pgxstore table, with
// the signed-in staff member's id beside the data). The table is keyed by
// the SHA-256 of each session's token, never the token itself: the cookie
// holds the token, and someone who reads the table (a backup, a replica,
// a read-only role) finds nothing to present as a session. Reading a session also
// reads its staff account in the same statement, and an unchanged session
// is written at most once per SessionTouch.
type SessionStore struct {
	*pgxstore.PostgresStore
	pool *pgxpool.Pool
	// staffKey is the session key holding the staff member's id (int64);
	// emailKey the one holding a public person's verified address (string).
	staffKey, emailKey string
	codec              *SessionCodec
	// known is who this instance's earlier requests found each session to
	// be, for the prefetches (Prefetch.StaffSQL, Prefetch.EmailSQL).
	known *knownPeople
	// idle is how long a session lasts unused (SetIdleTimeout); zero: no
	// idle timeout, a session lasts until the deadline it was saved with.
	idle time.Duration
}

// SetIdleTimeout sets how long a session lasts unused: each save expires
// it that long after (or at its deadline, if sooner), and TouchCtx moves
// the expiry on as it is used. Call it before the store is used.
func (s *SessionStore) SetIdleTimeout(d time.Duration) { s.idle = d }

// idleExpiry is when a session saved or used now expires: the idle
// timeout from now, or its deadline if that comes first.
func (s *SessionStore) idleExpiry(deadline time.Time, now time.Time) time.Time {
	if s.idle <= 0 {
		return deadline
	}
	if e := now.Add(s.idle).UTC(); e.Before(deadline) {
		return e
	}
	return deadline
}

// NewSessionStore makes the store; expired sessions are swept every
// cleanup (StopCleanup ends it). staffKey and emailKey name the session
// values kept in columns of their own beside the data (staff_id and
// public_email), for statements that read the signed-in person's rows.
func NewSessionStore(pool *pgxpool.Pool, staffKey, emailKey string, cleanup time.Duration) *SessionStore {
	return &SessionStore{PostgresStore: pgxstore.NewWithCleanupInterval(pool, cleanup), pool: pool, staffKey: staffKey,
		emailKey: emailKey, codec: NewSessionCodec(), known: &knownPeople{by: map[[32]byte]knownPerson{}}}
}

// Codec is the codec the session manager must use with this store (scs's
// Codec): gob, with the memory that spares decoding and comparing an
// unchanged session on every request.
func (s *SessionStore) Codec() *SessionCodec { return s.codec }

// SessionRead is what one request's session read found: kept in the
// request's context (WithSessionRead) so the commit can tell whether
// anything changed, and the request need not read the account again.
type SessionRead struct {
	token  string
	data   []byte
	expiry time.Time
	// gone: the session this request read had been deleted (signed out
	// elsewhere) by the time this request went to delete it itself;
	// deleted: this request deleted it (signed out, or renewed its token).
	gone, deleted bool
	// Staff is the account the session belongs to, read with it (nil if
	// none), without its password hash and second factor secret.
	Staff *StaffUser
	// Prefetch, set before the session is read, is sent with it in one
	// round trip; Prefetched is what its Read made of the rows (nil when
	// the session was not found or the statement failed).
	Prefetch   *Prefetch
	Prefetched any
	// asked is the person the prefetch's statements were asked for by
	// id or address (Prefetch.StaffSQL, EmailSQL), or no one when they
	// read the person from the session row themselves (Prefetch.SQL).
	asked sessionPerson
}

// sessionPerson is who a session is: a staff member's id, or the
// verified address of a person signed in by email link.
type sessionPerson struct {
	staffID int64
	email   string
}

// askedForAnother reports whether the prefetch was asked for by id or
// address (knownPeople) for someone other than p: its rows, even none,
// are then not p's.
func (r *SessionRead) askedForAnother(p sessionPerson) bool {
	return r.asked != sessionPerson{} && r.asked != p
}

// maxKnownPeople bounds knownPeople: past it, the map starts again.
const maxKnownPeople = 20000

// knownPeople remembers, by session key, who each session's row said it
// was when this instance last read it (its staff account's id, or else its
// verified address), until the session's expiry. It is a hint and never an
// authority: a prefetch asked for the person it names is handed out only
// when the session read in the same round trip passes the page's checks as
// that same person, and a page whose hint was wrong, or that has none (the
// first request on this instance), reads as before. A session that is
// signed out, not found, or past its expiry is forgotten (the expired ones
// in a sweep every sweepKnownPeople at most, when the map is next written).
type knownPeople struct {
	mu    sync.RWMutex
	by    map[[32]byte]knownPerson
	swept time.Time
}

type knownPerson struct {
	sessionPerson
	expiry time.Time
}

// sweepKnownPeople is how often knownPeople lets go of expired sessions.
const sweepKnownPeople = 10 * time.Minute

func (k *knownPeople) get(key []byte, now time.Time) (sessionPerson, bool) {
	if k == nil || len(key) != 32 {
		return sessionPerson{}, false
	}
	k.mu.RLock()
	p, ok := k.by[[32]byte(key)]
	k.mu.RUnlock()
	if !ok || !now.Before(p.expiry) {
		return sessionPerson{}, false
	}
	return p.sessionPerson, true
}

// set remembers who the session under key is until expiry; no one (a
// session not yet signed in) is forgotten.
func (k *knownPeople) set(key []byte, p sessionPerson, expiry, now time.Time) {
	if k == nil || len(key) != 32 {
		return
	}
	if p == (sessionPerson{}) {
		k.forget(key)
		return
	}
	e := knownPerson{sessionPerson: p, expiry: expiry}
	k.mu.RLock()
	old, ok := k.by[[32]byte(key)]
	k.mu.RUnlock()
	if ok && old.sessionPerson == e.sessionPerson && old.expiry.Equal(e.expiry) {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.by) >= maxKnownPeople {
		clear(k.by)
	}
	if now.Sub(k.swept) > sweepKnownPeople {
		maps.DeleteFunc(k.by, func(_ [32]byte, v knownPerson) bool { return !now.Before(v.expiry) })
		k.swept = now
	}
	k.by[[32]byte(key)] = e
}

func (k *knownPeople) forget(key []byte) {
	if k == nil || len(key) != 32 {
		return
	}
	// Most sessions of no one were never remembered: no need to wait
	// for every reader to write nothing.
	k.mu.RLock()
	_, ok := k.by[[32]byte(key)]
	k.mu.RUnlock()
	if !ok {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.by, [32]byte(key))
}

// Prefetch is a page's statements sent together with the session's read
// (one round trip instead of two), for the pages people reload all day.
// Each statement takes the session's token hash as $1, reads the signed-in
// person through SessionStaffID or SessionPublicEmail, and takes Args as
// $2 on; Read reads their results, one per statement, in order. When this
// instance already knows who the session is (knownPeople), StaffSQL or
// EmailSQL, if set, go instead: the same statements with the staff id or
// the address as $1, which spares the database reading the session row
// again inside each. They run
// before anyone knows whether the session is valid, so their rows are
// nobody's until the request's own checks have passed: the page takes them
// (through a function such as PrefetchedWeek) only for the person those
// checks passed, and reads for itself otherwise. (CardPrefetch is the
// exception: it reads a referral's card by the reference in the address,
// whoever asks, which the page then checks the policy against, as it
// would a card it read.)
type Prefetch struct {
	SQL                []string
	StaffSQL, EmailSQL []string
	Args               []any
	Read               func(pgx.BatchResults) (any, error)
}

// SessionStaffID is, inside a Prefetch's SQL, the staff id of the live
// session whose token hash is $1 (NULL when there is none).
const SessionStaffID = `(SELECT ps.staff_id FROM sessions ps WHERE ps.token_hash = $1 AND current_timestamp < ps.expiry)`

// SessionPublicEmail is, inside a Prefetch's SQL, the verified address (in
// lower case) of the person signed in by email link to the live session
// whose token hash is $1 (NULL when there is none, or it is not known yet:
// a session saved before the column was added).
const SessionPublicEmail = `(SELECT ps.public_email FROM sessions ps WHERE ps.token_hash = $1 AND current_timestamp < ps.expiry)`

type sessionReadKey struct{}

// WithSessionRead gives a request a place for its session read.
func WithSessionRead(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionReadKey{}, &SessionRead{})
}

// SessionReadFrom returns the request's session read (nil outside one).
func SessionReadFrom(ctx context.Context) *SessionRead {
	r, _ := ctx.Value(sessionReadKey{}).(*SessionRead)
	return r
}

// sessionStaffColumns are staffColumns for a LEFT JOIN: a session with no
// staff account reads as id 0. The password hash and the sealed second
// factor secret are left out (read as empty text): every request reads the
// account, and only signing in and changing a password need them, which
// read the account themselves.
const sessionStaffColumns = `coalesce(u.id, 0), coalesce(u.email, ''), coalesce(u.name, ''), coalesce(u.roles, '{}'),
	coalesce(u.active, false), '', '', u.totp_enrolled_at,
	coalesce(u.totp_last_step, 0), coalesce(u.session_epoch, 0), coalesce(u.demo, false), coalesce(u.created_at, 'epoch'),
	u.deactivated_at`

// sessionColumns are the types of sessionSQL's columns, as readSession
// decodes them.
var sessionColumns = []rawType{rawBytea, rawTimestamptz,
	rawInt8, rawText, rawText, rawTextArray, rawBool, rawText, rawText, rawTimestamptz, rawInt8, rawInt4, rawBool,
	rawTimestamptz, rawTimestamptz, rawText}

// readSession reads sessionSQL's row: the session's data and expiry, its
// staff account (id 0 when it has none) and its verified address (empty
// when it has none). Every signed-in request reads
// it, so it is decoded by hand (rawrow.go) when it comes in binary. No row
// is ErrNotFound.
func readSession(rows pgx.Rows, data *[]byte, expiry *time.Time, email *string) (StaffUser, error) {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return StaffUser{}, mapErr(err)
		}
		return StaffUser{}, ErrNotFound
	}
	var u StaffUser
	if rawColumns(rows.FieldDescriptions(), sessionColumns...) != nil {
		var err error
		if u, err = scanStaff(sessionRow{row: rows, data: data, expiry: expiry, email: email}); err != nil {
			return StaffUser{}, err
		}
	} else {
		r := rawReader{vals: rows.RawValues()}
		*data = r.bytes()
		*expiry = r.time()
		u = StaffUser{ID: r.int8(), Email: r.text(""), Name: r.text("")}
		for _, role := range r.textArray() {
			u.Roles = append(u.Roles, policy.Role(role))
		}
		u.Active, u.PasswordHash, u.TOTPSecret = r.bool(), r.text(""), r.text("")
		u.TOTPEnrolledAt, u.TOTPLastStep, u.SessionEpoch = r.timePtr(), r.int8(), int(r.int4())
		u.Demo, u.CreatedAt, u.DeactivatedAt = r.bool(), r.time(), r.timePtr()
		*email = r.text("")
		if r.err != nil {
			return StaffUser{}, r.err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return StaffUser{}, mapErr(err)
	}
	return u, nil
}

// sessionRow scans the session's own columns around the account's, which
// it hands to scanStaff (readSession's way when the row is not in binary).
type sessionRow struct {
	row    pgx.Row
	data   *[]byte
	expiry *time.Time
	email  *string
}

func (r sessionRow) Scan(dest ...any) error {
	return r.row.Scan(append(append([]any{r.data, r.expiry}, dest...), r.email)...)
}

// sessionKey is the stored key of a session token.
func sessionKey(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// FindCtx reads a live session and its staff account in one statement,
// with the request's Prefetch, if any, in the same round trip.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	var expiry time.Time
	var email string
	memo := SessionReadFrom(ctx)
	key := sessionKey(token)
	var u StaffUser
	var err error
	var prefetched any
	var asked sessionPerson
	batchFailed := false
	if memo != nil && memo.Prefetch != nil {
		u, prefetched, asked, err = s.findWith(ctx, key, memo.Prefetch, &data, &expiry, &email)
		// The batch as a whole can fail (a statement that could not be
		// prepared fails it before anything runs): the session is then
		// read alone, as without a prefetch.
		batchFailed = err != nil && !errors.Is(err, ErrNotFound)
	}
	if memo == nil || memo.Prefetch == nil || batchFailed {
		prefetched, asked = nil, sessionPerson{}
		var rows pgx.Rows
		if rows, err = s.pool.Query(ctx, sessionSQL, key); err == nil {
			u, err = readSession(rows, &data, &expiry, &email)
		}
	}
	if errors.Is(err, ErrNotFound) {
		s.known.forget(key)
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("session: %w", err)
	}
	person := sessionPerson{email: email}
	if u.ID != 0 {
		person = sessionPerson{staffID: u.ID}
	}
	s.known.set(key, person, expiry, time.Now())
	if memo != nil {
		*memo = SessionRead{token: token, data: data, expiry: expiry, Prefetch: memo.Prefetch, Prefetched: prefetched, asked: asked}
		if u.ID != 0 {
			memo.Staff = &u
		}
	}
	return data, true, nil
}

const sessionSQL = `SELECT s.data, s.expiry, ` + sessionStaffColumns + `, coalesce(s.public_email, '')
		FROM sessions s LEFT JOIN staff_users u ON u.id = s.staff_id
		WHERE s.token_hash = $1 AND current_timestamp < s.expiry`

// findWith reads the session and runs p in one round trip. A prefetch that
// fails while it runs is not the session's failure: its result is left
// out and the page reads for itself (and meets the failure there, if it
// lasts). A batch that fails as a whole fails the read (FindCtx then reads
// the session alone).
func (s *SessionStore) findWith(ctx context.Context, key []byte, p *Prefetch, data *[]byte, expiry *time.Time, email *string) (StaffUser, any, sessionPerson, error) {
	b := &pgx.Batch{}
	b.Queue(sessionSQL, key)
	statements, who := p.SQL, any(key)
	known, _ := s.known.get(key, time.Now())
	var asked sessionPerson
	switch {
	case known.staffID != 0 && p.StaffSQL != nil:
		statements, who, asked = p.StaffSQL, known.staffID, sessionPerson{staffID: known.staffID}
	case known.email != "" && p.EmailSQL != nil:
		statements, who, asked = p.EmailSQL, known.email, sessionPerson{email: known.email}
	}
	args := append([]any{who}, p.Args...)
	for _, sql := range statements {
		b.Queue(sql, args...)
	}
	res := sendBatch(ctx, s.pool, b)
	defer res.Close()
	rows, err := res.Query()
	if err != nil {
		return StaffUser{}, nil, asked, err
	}
	u, err := readSession(rows, data, expiry, email)
	if err != nil {
		return u, nil, asked, err
	}
	// A statement Read did not read may have failed too: closing the
	// batch reads what is left and says.
	v, err := p.Read(res)
	if err == nil {
		err = res.Close()
	}
	if err != nil {
		return u, nil, asked, nil
	}
	return u, v, asked, nil
}

// batchSender sends a batch: a pool, a connection or a transaction.
type batchSender interface {
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
}

// onceResults are a batch's results that close only once. pgx tidies up
// after a failed batch on every Close, touching the connection's caches,
// and after the first Close a pool's connection may already be another
// request's: so a deferred Close after an explicit one must do nothing.
type onceResults struct {
	pgx.BatchResults
	closed bool
	err    error
}

func (o *onceResults) Close() error {
	if !o.closed {
		o.closed, o.err = true, o.BatchResults.Close()
	}
	return o.err
}

// sendBatch sends b and returns its results, closed once however often
// Close is called.
func sendBatch(ctx context.Context, db batchSender, b *pgx.Batch) *onceResults {
	return &onceResults{BatchResults: db.SendBatch(ctx, b)}
}

// CommitCtx writes the session unless it is the one this request read,
// unchanged, and its expiry would move on by less than SessionTouch. The
// expiry scs gives is the session's deadline: with an idle timeout, it
// expires sooner (idleExpiry).
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	expiry = s.idleExpiry(expiry, time.Now())
	if memo := SessionReadFrom(ctx); memo != nil && memo.token == token &&
		expiry.Sub(memo.expiry) < SessionTouch && !expiry.Before(memo.expiry) && s.sameSession(memo.data, b) {
		return nil
	}
	var staffID *int64
	var email *string
	if _, values, err := s.codec.Decode(b); err == nil {
		if id, ok := values[s.staffKey].(int64); ok && id != 0 {
			staffID = &id
		}
		if e, ok := values[s.emailKey].(string); ok && NormaliseEmail(e) != "" {
			e = NormaliseEmail(e)
			email = &e
		}
	}
	// A session this request read is only updated: if signing out in
	// another request deleted it meanwhile, it stays deleted rather than
	// coming back with this request's copy. A new one (or a renewed token)
	// is inserted.
	var err error
	if memo := SessionReadFrom(ctx); memo != nil && memo.gone && memo.token != token {
		// The session was signed out while this request ran: do not save
		// it again under the token this request renewed it to.
		return nil
	}
	if memo := SessionReadFrom(ctx); memo != nil && memo.token == token {
		_, err = s.pool.Exec(ctx, `UPDATE sessions SET data = $2, expiry = $3, staff_id = $4, public_email = $5 WHERE token_hash = $1`,
			sessionKey(token), b, expiry, staffID, email)
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO sessions (token_hash, data, expiry, staff_id, public_email) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (token_hash) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry, staff_id = EXCLUDED.staff_id,
				public_email = EXCLUDED.public_email`,
			sessionKey(token), b, expiry, staffID, email)
	}
	if err != nil {
		return fmt.Errorf("session commit: %w", err)
	}
	if memo := SessionReadFrom(ctx); memo != nil && memo.token == token {
		memo.data, memo.expiry = b, expiry
	}
	return nil
}

// TouchCtx moves on the idle expiry of the session this request read,
// when it would move by SessionTouch or more and the request has not
// saved, deleted or renewed it (those set its expiry themselves). It never
// brings back a session deleted meanwhile (signed out elsewhere) or one
// that expired while the request ran, nor moves an expiry back.
func (s *SessionStore) TouchCtx(ctx context.Context) error {
	memo := SessionReadFrom(ctx)
	if s.idle <= 0 || memo == nil || memo.token == "" || memo.gone || memo.deleted {
		return nil
	}
	now := time.Now()
	// Within SessionTouch of the idle timeout's own reach, nothing to do:
	// the deadline is not needed to know that.
	if now.Add(s.idle).Sub(memo.expiry) < SessionTouch {
		return nil
	}
	deadline, _, err := s.codec.Decode(memo.data)
	if err != nil {
		return fmt.Errorf("session touch: %w", err)
	}
	expiry := s.idleExpiry(deadline, now)
	if expiry.Sub(memo.expiry) < SessionTouch {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET expiry = $2 WHERE token_hash = $1 AND expiry < $2 AND current_timestamp < expiry`,
		sessionKey(memo.token), expiry); err != nil {
		return fmt.Errorf("session touch: %w", err)
	}
	memo.expiry = expiry
	return nil
}

// sameSession reports whether two encoded sessions hold the same deadline
// and values. Gob writes a map in Go's random order, so equal sessions can
// encode to different bytes: when the bytes differ, compare what they
// decode to. (SessionCodec encodes unchanged values to the very bytes they
// were read from, so this is nearly always the first comparison.)
func (s *SessionStore) sameSession(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	da, va, err := s.codec.Decode(a)
	if err != nil {
		return false
	}
	db, vb, err := s.codec.Decode(b)
	if err != nil {
		return false
	}
	return da.Equal(db) && reflect.DeepEqual(va, vb)
}

// DeleteCtx removes a session. When it is the one this request read and it
// was gone already (signed out in another request meanwhile), the request
// is marked so its commit cannot bring the session back under a new token
// (scs's RenewToken deletes the old token, then saves under a new one).
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	if token == "" {
		// scs destroying a session it never found (one that had lapsed):
		// there is nothing stored to delete, and the request's fresh
		// session (a flash saying it signed out) must still be saved.
		return nil
	}
	key := sessionKey(token)
	s.known.forget(key)
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, key)
	// A request that read the session meanwhile may have remembered it
	// again.
	s.known.forget(key)
	if err != nil {
		return err
	}
	if memo := SessionReadFrom(ctx); memo != nil && memo.token == token {
		memo.deleted = true
		if tag.RowsAffected() == 0 {
			memo.gone = true
		}
	}
	return nil
}

// Find, Commit and Delete without a context (the scs.Store interface).
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a request.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a request.
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// AllCtx would list every session by token; the table holds only their
// hashes, so it refuses (it hides pgxstore's, which reads a token column).
func (s *SessionStore) AllCtx(context.Context) (map[string][]byte, error) {
	return nil, errors.New("session: sessions are stored by token hash and cannot be listed by token")
}

// All is AllCtx without a request.
func (s *SessionStore) All() (map[string][]byte, error) { return s.AllCtx(context.Background()) }

var _ scs.CtxStore = (*SessionStore)(nil)
