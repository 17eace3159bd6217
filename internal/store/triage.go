package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"careers/internal/triage"
)

// ErrStale means the referral changed since the person opened it.
var ErrStale = errors.New("changed since you opened it")

// ErrOverAllowance means a change would use more sessions than granted
// (the database's own check refused it).
var ErrOverAllowance = errors.New("sessions used would exceed the allowance")

// ReferralState is what decisions need to know about a referral, read
// under a row lock.
type ReferralState struct {
	ID              int64
	Reference       string
	Route           string
	Status          string
	Version         int
	TraineeName     string
	TraineeEmail    string
	ReferrerName    string
	ReferrerEmail   string
	CaseManagerID   int64
	CoachID         int64
	FirstResponseAt *time.Time
	FormDStatus     string
	SessionsGranted int
	SessionsUsed    int
	UpdatedAt       time.Time
	UpdatedByName   string
}

const stateColumns = `r.id, r.reference, r.route, r.status, r.version, r.trainee_name, r.trainee_email, coalesce(r.referrer_name, ''),
	coalesce(r.referrer_email, ''), coalesce(r.case_manager_id, 0), coalesce(r.coach_id, 0), r.first_response_at,
	coalesce(r.form_d_status, ''), r.sessions_granted, r.sessions_used, r.updated_at, coalesce(u.name, '')`

func scanState(row interface{ Scan(...any) error }) (ReferralState, error) {
	var s ReferralState
	err := row.Scan(&s.ID, &s.Reference, &s.Route, &s.Status, &s.Version, &s.TraineeName, &s.TraineeEmail, &s.ReferrerName,
		&s.ReferrerEmail, &s.CaseManagerID, &s.CoachID, &s.FirstResponseAt, &s.FormDStatus, &s.SessionsGranted, &s.SessionsUsed,
		&s.UpdatedAt, &s.UpdatedByName)
	return s, mapErr(err)
}

// LockReferral reads a referral's state and locks its row until the
// transaction ends, so decisions on one referral are taken one at a time.
func (s *Store) LockReferral(ctx context.Context, id int64) (ReferralState, error) {
	st, err := scanState(s.db.QueryRow(ctx, `SELECT `+stateColumns+` FROM referrals r LEFT JOIN staff_users u ON u.id = r.updated_by
		WHERE r.id = $1 FOR UPDATE OF r`, id))
	if err != nil {
		return st, fmt.Errorf("lock referral: %w", err)
	}
	return st, nil
}

// ReferralStateByID reads a referral's state without locking.
func (s *Store) ReferralStateByID(ctx context.Context, id int64) (ReferralState, error) {
	st, err := scanState(s.db.QueryRow(ctx, `SELECT `+stateColumns+` FROM referrals r LEFT JOIN staff_users u ON u.id = r.updated_by WHERE r.id = $1`, id))
	if err != nil {
		return st, fmt.Errorf("referral state: %w", err)
	}
	return st, nil
}

// Change is one change to a referral's row, made under its lock.
type Change struct {
	Status        string // "" keeps it
	FirstResponse bool   // stops the 14-day response clock (if not stopped already)
	CoachID       *int64
	Outcome       string
	ClosingNote   string
	Closed        bool
	Reopened      bool
	ByStaff       int64
	At            time.Time
}

// ApplyChange writes a change and moves the referral's version on.
func (s *Store) ApplyChange(ctx context.Context, id int64, c Change) error {
	var coach any
	if c.CoachID != nil {
		coach = *c.CoachID
	}
	return s.execOne(ctx, "change referral", `UPDATE referrals SET
			status = coalesce(nullif($2, ''), status),
			first_response_at = CASE WHEN $3 THEN coalesce(first_response_at, $4) ELSE first_response_at END,
			coach_id = CASE WHEN $5::bigint IS NULL THEN coach_id ELSE $5::bigint END,
			outcome = CASE WHEN $6 <> '' THEN $6 WHEN $9 THEN NULL ELSE outcome END,
			closing_note = CASE WHEN $7 <> '' THEN $7 WHEN $9 THEN NULL ELSE closing_note END,
			closed_at = CASE WHEN $8 THEN $4 WHEN $9 THEN NULL ELSE closed_at END,
			version = version + 1, updated_by = nullif($10, 0), updated_at = $4
		WHERE id = $1`, id, c.Status, c.FirstResponse, c.At, coach, c.Outcome, c.ClosingNote, c.Closed, c.Reopened, c.ByStaff)
}

// OverrideEligibility records a coordinator's eligibility decision.
func (s *Store) OverrideEligibility(ctx context.Context, id int64, decision, reason string, by int64, at time.Time) error {
	return s.execOne(ctx, "override eligibility", `UPDATE referrals SET eligibility_override = $2, eligibility_override_reason = $3,
		version = version + 1, updated_by = $4, updated_at = $5 WHERE id = $1`, id, decision, reason, by, at)
}

// DecideFormD records a PSU lead's funding decision.
func (s *Store) DecideFormD(ctx context.Context, id int64, status, reference string, by int64, at time.Time) error {
	return s.execOne(ctx, "form D", `UPDATE referrals SET form_d_status = $2, form_d_reference = coalesce(nullif($3, ''), form_d_reference),
		version = version + 1, updated_by = $4, updated_at = $5 WHERE id = $1 AND form_d_status = 'requested'`, id, status, reference, by, at)
}

// ErrAlreadyGranted means an initial allowance was asked for a referral
// that has had one: it is granted once in a referral's life (triage.InitialGrant).
var ErrAlreadyGranted = errors.New("the initial allowance was granted already")

// AddAllowance records a ledger event; the database refuses one that would
// use more sessions than granted (ErrOverAllowance), and a second initial
// grant is refused here (ErrAlreadyGranted). The caller holds the
// referral's lock, so the check and the insert are one decision.
func (s *Store) AddAllowance(ctx context.Context, id int64, kind string, sessions int, by int64, note string, at time.Time) error {
	tag, err := s.db.Exec(ctx, `INSERT INTO allowance_events (referral_id, at, kind, sessions, actor_id, note)
		SELECT $1, $2, $3, $4, nullif($5, 0), $6
		WHERE $3 <> 'granted' OR NOT EXISTS (SELECT 1 FROM allowance_events WHERE referral_id = $1 AND kind = 'granted')`,
		id, at, kind, sessions, by, note)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.ConstraintName == "referrals_sessions_within_allowance" {
		return ErrOverAllowance
	}
	if err != nil {
		return fmt.Errorf("allowance: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return ErrAlreadyGranted
	}
	return nil
}

// Ledger is a referral's allowance as the triage rules count it.
func (s *Store) Ledger(ctx context.Context, id int64) (triage.Ledger, error) {
	events, err := s.Allowance(ctx, id)
	if err != nil {
		return triage.Ledger{}, err
	}
	les := make([]triage.LedgerEvent, len(events))
	for i, e := range events {
		les[i] = triage.LedgerEvent{Kind: triage.LedgerKind(e.Kind), Sessions: e.Sessions}
	}
	return triage.Tally(les), nil
}

// AllowanceEvent is one line of the ledger.
type AllowanceEvent struct {
	At        time.Time
	Kind      string
	Sessions  int
	ActorName string
	Note      string
}

// Allowance lists a referral's ledger, oldest first.
func (s *Store) Allowance(ctx context.Context, id int64) ([]AllowanceEvent, error) {
	rows, err := s.db.Query(ctx, `SELECT e.at, e.kind, e.sessions, coalesce(u.name, ''), e.note FROM allowance_events e
		LEFT JOIN staff_users u ON u.id = e.actor_id WHERE e.referral_id = $1 ORDER BY e.id`, id)
	if err != nil {
		return nil, fmt.Errorf("allowance: %w", err)
	}
	defer rows.Close()
	var out []AllowanceEvent
	for rows.Next() {
		var e AllowanceEvent
		if err := rows.Scan(&e.At, &e.Kind, &e.Sessions, &e.ActorName, &e.Note); err != nil {
			return nil, fmt.Errorf("allowance: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CoachLoad is a coach as the allocation page shows them.
type CoachLoad struct {
	ID          int64
	Name        string
	Email       string
	Active      int // open referrals allocated to them
	Capacity    int
	Modes       []string
	Specialisms []string
	Background  string
}

// CoachesWithLoad lists active coaches with their caseloads (one query).
func (s *Store) CoachesWithLoad(ctx context.Context) ([]CoachLoad, error) {
	rows, err := s.db.Query(ctx, `SELECT u.id, u.name, u.email,
			(SELECT count(*) FROM referrals r WHERE r.coach_id = u.id AND r.status IN ('allocated','active')),
			coalesce(p.capacity, 10), coalesce(p.modes, '{virtual}'), coalesce(p.specialisms, '{}'), coalesce(p.background, '')
		FROM staff_users u LEFT JOIN coach_profiles p ON p.user_id = u.id
		WHERE u.active AND 'coach' = ANY (u.roles) ORDER BY u.name, u.id`)
	if err != nil {
		return nil, fmt.Errorf("coaches: %w", err)
	}
	defer rows.Close()
	var out []CoachLoad
	for rows.Next() {
		var c CoachLoad
		if err := rows.Scan(&c.ID, &c.Name, &c.Email, &c.Active, &c.Capacity, &c.Modes, &c.Specialisms, &c.Background); err != nil {
			return nil, fmt.Errorf("coaches: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddNote adds an internal note to a referral.
//
// The same author's same note again within an hour is a repeat (a double
// click, a second tab): it is not added twice (ErrConflict). The caller
// holds the referral's lock.
func (s *Store) AddNote(ctx context.Context, id, author int64, body string, at time.Time) error {
	tag, err := s.db.Exec(ctx, `INSERT INTO referral_notes (referral_id, at, author_id, body) SELECT $1, $2, $3, $4
		WHERE NOT EXISTS (SELECT 1 FROM referral_notes WHERE referral_id = $1 AND author_id = $3 AND body = $4 AND at > $2::timestamptz - interval '1 hour')`,
		id, at, author, body)
	if err != nil {
		return fmt.Errorf("note: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("note: %w", ErrConflict)
	}
	return nil
}

// Note is an internal note.
type Note struct {
	At     time.Time
	Author string
	Body   string
}

// AskInfo records a question for the trainee.
func (s *Store) AskInfo(ctx context.Context, id, by int64, question string, at time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO info_requests (referral_id, question, asked_by, asked_at) VALUES ($1, $2, $3, $4)`, id, question, by, at)
	if err != nil {
		return fmt.Errorf("ask info: %w", mapErr(err))
	}
	return nil
}

// InfoRequest is a question to the trainee and their answer.
type InfoRequest struct {
	ID         int64
	Question   string
	AskedAt    time.Time
	Answer     string
	AnsweredAt *time.Time
}

// InfoRequests lists a referral's questions, oldest first.
func (s *Store) InfoRequests(ctx context.Context, id int64) ([]InfoRequest, error) {
	rows, err := s.db.Query(ctx, `SELECT id, question, asked_at, coalesce(answer, ''), answered_at FROM info_requests
		WHERE referral_id = $1 ORDER BY asked_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("info requests: %w", err)
	}
	defer rows.Close()
	var out []InfoRequest
	for rows.Next() {
		var q InfoRequest
		if err := rows.Scan(&q.ID, &q.Question, &q.AskedAt, &q.Answer, &q.AnsweredAt); err != nil {
			return nil, fmt.Errorf("info requests: %w", err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// AnswerInfo records the trainee's answer to the open question (ErrConflict
// if none is open).
func (s *Store) AnswerInfo(ctx context.Context, referralID int64, answer string, at time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE info_requests SET answer = $2, answered_at = $3
		WHERE id = (SELECT id FROM info_requests WHERE referral_id = $1 AND answered_at IS NULL ORDER BY asked_at DESC LIMIT 1)`,
		referralID, answer, at)
	if err != nil {
		return fmt.Errorf("answer info: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("answer info: %w", ErrConflict)
	}
	return nil
}

// ExtensionRequest is a request for more sessions.
type ExtensionRequest struct {
	ID            int64
	ReferralID    int64
	Reference     string
	TraineeName   string
	Sessions      int
	Justification string
	RequestedBy   string
	RequestedAt   time.Time
	Status        string
	DecidedBy     string
	DecisionNote  string
}

// RequestExtension records a request (one pending per referral: a second
// is ErrConflict).
func (s *Store) RequestExtension(ctx context.Context, id int64, sessions int, justification string, by int64, at time.Time) (int64, error) {
	var rid int64
	err := s.db.QueryRow(ctx, `INSERT INTO extension_requests (referral_id, sessions, justification, requested_by, requested_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, id, sessions, justification, by, at).Scan(&rid)
	if err != nil {
		return 0, fmt.Errorf("request extension: %w", mapErr(err))
	}
	return rid, nil
}

const extensionColumns = `e.id, e.referral_id, r.reference, r.trainee_name, e.sessions, e.justification, q.name, e.requested_at, e.status,
	coalesce(d.name, ''), coalesce(e.decision_note, '')`

func (s *Store) extensions(ctx context.Context, where string, args ...any) ([]ExtensionRequest, error) {
	rows, err := s.db.Query(ctx, `SELECT `+extensionColumns+` FROM extension_requests e JOIN referrals r ON r.id = e.referral_id
		JOIN staff_users q ON q.id = e.requested_by LEFT JOIN staff_users d ON d.id = e.decided_by `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("extensions: %w", err)
	}
	defer rows.Close()
	var out []ExtensionRequest
	for rows.Next() {
		var x ExtensionRequest
		if err := rows.Scan(&x.ID, &x.ReferralID, &x.Reference, &x.TraineeName, &x.Sessions, &x.Justification, &x.RequestedBy,
			&x.RequestedAt, &x.Status, &x.DecidedBy, &x.DecisionNote); err != nil {
			return nil, fmt.Errorf("extensions: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// LockExtension reads a request under a lock, whatever its status
// (ErrNotFound if there is no such request); the caller checks that it
// belongs to the referral in hand and is still pending.
func (s *Store) LockExtension(ctx context.Context, id int64) (ExtensionRequest, error) {
	xs, err := s.extensions(ctx, `WHERE e.id = $1 FOR UPDATE OF e`, id)
	if err != nil {
		return ExtensionRequest{}, err
	}
	if len(xs) == 0 {
		return ExtensionRequest{}, ErrNotFound
	}
	return xs[0], nil
}

// DecideExtension records a lead's decision on a pending request.
func (s *Store) DecideExtension(ctx context.Context, id int64, approved bool, note string, by int64, at time.Time) error {
	status := "declined"
	if approved {
		status = "approved"
	}
	return s.execOne(ctx, "decide extension", `UPDATE extension_requests SET status = $2, decision_note = $3, decided_by = $4, decided_at = $5
		WHERE id = $1 AND status = 'pending'`, id, status, note, by, at)
}
