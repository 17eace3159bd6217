package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Draft is a referral form in progress.
type Draft struct {
	ID         int64
	Route      string
	StaffID    int64
	Answers    map[string][]string
	ReferralID int64 // set once submitted
}

// CreateDraft starts a draft; only the hash of its token is kept.
func (s *Store) CreateDraft(ctx context.Context, route string, staffID int64, tokenHash []byte) (Draft, error) {
	d := Draft{Route: route, StaffID: staffID, Answers: map[string][]string{}}
	err := s.db.QueryRow(ctx, `INSERT INTO referral_drafts (token_hash, route, staff_id) VALUES ($1, $2, nullif($3, 0)) RETURNING id`,
		tokenHash, route, staffID).Scan(&d.ID)
	if err != nil {
		return Draft{}, fmt.Errorf("create draft: %w", mapErr(err))
	}
	return d, nil
}

func scanDraft(row pgx.Row) (Draft, error) {
	var d Draft
	var raw []byte
	if err := row.Scan(&d.ID, &d.Route, &d.StaffID, &raw, &d.ReferralID); err != nil {
		return Draft{}, mapErr(err)
	}
	if err := json.Unmarshal(raw, &d.Answers); err != nil {
		return Draft{}, fmt.Errorf("draft answers: %w", err)
	}
	if d.Answers == nil {
		d.Answers = map[string][]string{}
	}
	return d, nil
}

const draftColumns = `id, route, coalesce(staff_id, 0), answers, coalesce(referral_id, 0)`

// DraftByToken finds a draft by its token's hash.
func (s *Store) DraftByToken(ctx context.Context, tokenHash []byte) (Draft, error) {
	d, err := scanDraft(s.db.QueryRow(ctx, `SELECT `+draftColumns+` FROM referral_drafts WHERE token_hash = $1`, tokenHash))
	if err != nil {
		return Draft{}, fmt.Errorf("draft: %w", err)
	}
	return d, nil
}

// LockDraft loads a draft and locks it until the transaction ends, so two
// submits of one form are taken one after the other.
func (s *Store) LockDraft(ctx context.Context, id int64) (Draft, error) {
	d, err := scanDraft(s.db.QueryRow(ctx, `SELECT `+draftColumns+` FROM referral_drafts WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return Draft{}, fmt.Errorf("lock draft: %w", err)
	}
	return d, nil
}

// SaveDraftAnswers replaces a draft's answers (not once it is submitted).
func (s *Store) SaveDraftAnswers(ctx context.Context, id int64, answers map[string][]string) error {
	raw, err := json.Marshal(answers)
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	return s.execOne(ctx, "save draft", `UPDATE referral_drafts SET answers = $2, updated_at = now() WHERE id = $1 AND referral_id IS NULL`, id, raw)
}

// Document is an uploaded file.
type Document struct {
	ID          int64
	Kind        string
	Filename    string
	ContentType string
	Size        int
	SHA256      []byte
	Content     []byte // only when asked for
	UploadedBy  int64
	CreatedAt   time.Time
}

// SaveDraftDocument stores a draft's document of a kind, replacing any.
func (s *Store) SaveDraftDocument(ctx context.Context, draftID int64, d Document) error {
	return s.InTx(ctx, func(st *Store, _ Tx) error {
		if _, err := st.db.Exec(ctx, `DELETE FROM documents WHERE draft_id = $1 AND kind = $2 AND referral_id IS NULL`, draftID, d.Kind); err != nil {
			return fmt.Errorf("save document: %w", err)
		}
		_, err := st.db.Exec(ctx, `INSERT INTO documents (kind, draft_id, filename, content_type, size, sha256, content, uploaded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, 0))`, d.Kind, draftID, d.Filename, d.ContentType, d.Size, d.SHA256, d.Content, d.UploadedBy)
		if err != nil {
			return fmt.Errorf("save document: %w", mapErr(err))
		}
		return nil
	})
}

const documentMeta = `id, kind, filename, content_type, size, sha256, coalesce(uploaded_by, 0), created_at`

func scanDocument(row pgx.Row, withContent bool) (Document, error) {
	var d Document
	dest := []any{&d.ID, &d.Kind, &d.Filename, &d.ContentType, &d.Size, &d.SHA256, &d.UploadedBy, &d.CreatedAt}
	if withContent {
		dest = append(dest, &d.Content)
	}
	return d, mapErr(row.Scan(dest...))
}

// DraftDocument returns a draft's document of a kind (without content).
func (s *Store) DraftDocument(ctx context.Context, draftID int64, kind string) (Document, error) {
	d, err := scanDocument(s.db.QueryRow(ctx, `SELECT `+documentMeta+` FROM documents WHERE draft_id = $1 AND kind = $2 AND referral_id IS NULL`, draftID, kind), false)
	if err != nil {
		return Document{}, fmt.Errorf("draft document: %w", err)
	}
	return d, nil
}

// ReferralDocument returns a referral's document of a kind, with content.
func (s *Store) ReferralDocument(ctx context.Context, referralID int64, kind string) (Document, error) {
	d, err := scanDocument(s.db.QueryRow(ctx, `SELECT `+documentMeta+`, content FROM documents WHERE referral_id = $1 AND kind = $2
		ORDER BY id DESC LIMIT 1`, referralID, kind), true)
	if err != nil {
		return Document{}, fmt.Errorf("referral document: %w", err)
	}
	return d, nil
}

// NewReferral is what submitting a form records.
type NewReferral struct {
	Reference          string
	Route              string
	Status             string
	TraineeName        string
	TraineeEmail       string
	ReferrerName       string
	ReferrerEmail      string
	CaseManagerID      int64
	ProfessionalGroup  string
	Region             string
	RegistrationBody   string
	RegistrationNumber string
	Answers            map[string][]string
	Eligibility        string
	EligibilityReasons any // JSON
	FormDSessions      int
	FormDReference     string
	SubmittedAt        time.Time
}

// ErrReferenceTaken means a new reference clashed with an old one (the
// caller draws another).
var ErrReferenceTaken = errors.New("reference taken")

// SubmitDraft turns a locked draft into a referral: the referral, its
// documents and the draft's link to it, in the caller's transaction.
func (s *Store) SubmitDraft(ctx context.Context, draftID int64, n NewReferral) (int64, error) {
	answers, err := json.Marshal(n.Answers)
	if err != nil {
		return 0, fmt.Errorf("submit: %w", err)
	}
	reasons, err := json.Marshal(n.EligibilityReasons)
	if err != nil {
		return 0, fmt.Errorf("submit: %w", err)
	}
	var id int64
	err = s.db.QueryRow(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, referrer_name, referrer_email,
			case_manager_id, professional_group, region, registration_body, registration_number, answers, eligibility, eligibility_reasons,
			form_d_sessions, form_d_reference, form_d_status, submitted_at)
		SELECT $1::text, $2::text, $3::text, $4::text, $5::text, nullif($6::text, ''), nullif($7::text, ''), nullif($8::bigint, 0),
			$9::text, $10::text, $11::text, $12::text, $13::jsonb, $14::text, $15::jsonb,
			nullif($16::int, 0), nullif($17::text, ''), CASE WHEN $16::int > 0 THEN 'requested' END, $18::timestamptz
		-- A reference is never used twice, not even after its referral was
		-- destroyed: the destruction register and the audit log still name it.
		WHERE NOT EXISTS (SELECT 1 FROM destruction_register WHERE reference = $1)
		ON CONFLICT (reference) DO NOTHING RETURNING id`,
		n.Reference, n.Route, n.Status, n.TraineeName, n.TraineeEmail, n.ReferrerName, n.ReferrerEmail, n.CaseManagerID,
		n.ProfessionalGroup, n.Region, n.RegistrationBody, n.RegistrationNumber, answers, n.Eligibility, reasons,
		n.FormDSessions, n.FormDReference, n.SubmittedAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrReferenceTaken
	}
	if err != nil {
		return 0, fmt.Errorf("submit: %w", mapErr(err))
	}
	if _, err := s.db.Exec(ctx, `UPDATE documents SET referral_id = $2, draft_id = NULL WHERE draft_id = $1`, draftID, id); err != nil {
		return 0, fmt.Errorf("submit: %w", err)
	}
	if err := s.execOne(ctx, "submit", `UPDATE referral_drafts SET referral_id = $2, updated_at = now() WHERE id = $1 AND referral_id IS NULL`, draftID, id); err != nil {
		return 0, err
	}
	return id, nil
}

// ReferenceOf returns a referral's reference.
func (s *Store) ReferenceOf(ctx context.Context, id int64) (string, error) {
	var ref string
	if err := s.db.QueryRow(ctx, `SELECT reference FROM referrals WHERE id = $1`, id).Scan(&ref); err != nil {
		return "", fmt.Errorf("reference: %w", mapErr(err))
	}
	return ref, nil
}

// AddEvent adds a line to a referral's timeline.
func (s *Store) AddEvent(ctx context.Context, referralID int64, at time.Time, kind, actorKind string, actorID int64, detail string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO referral_events (referral_id, at, kind, actor_kind, actor_id, detail) VALUES ($1, $2, $3, $4, nullif($5, 0), $6)`,
		referralID, at, kind, actorKind, actorID, detail)
	if err != nil {
		return fmt.Errorf("event: %w", mapErr(err))
	}
	return nil
}

// Event is one line of a referral's timeline.
type Event struct {
	At        time.Time
	Kind      string
	ActorName string
	Detail    string
}

// ReferralDetail is everything the staff referral page shows.
type ReferralDetail struct {
	ReferralCard
	ReferrerName       string
	Answers            map[string][]string
	Eligibility        string
	EligibilityReasons []EligibilityReason
	FormDSessions      int
	FormDReference     string
	FormDStatus        string
	ConfirmedAt        *time.Time
	Override           string // the coordinator's eligibility decision, if any
	OverrideReason     string
	FormC              *Document // metadata
	Events             []Event
}

// EligibilityReason is one stored reason of the eligibility check.
type EligibilityReason struct {
	Code     string `json:"code"`
	Text     string `json:"text"`
	Signpost string `json:"signpost,omitempty"`
}

// ReferralDetailByReference loads a referral with its answers, documents
// (metadata) and timeline: three indexed queries.
func (s *Store) ReferralDetailByReference(ctx context.Context, ref string) (ReferralDetail, error) {
	return s.referralDetail(ctx, "reference = $1", ref)
}

// ReferralDetailByID is ReferralDetailByReference by id.
func (s *Store) ReferralDetailByID(ctx context.Context, id int64) (ReferralDetail, error) {
	return s.referralDetail(ctx, "id = $1", id)
}

func (s *Store) referralDetail(ctx context.Context, where string, arg any) (ReferralDetail, error) {
	var d ReferralDetail
	var answers, reasons []byte
	err := s.db.QueryRow(ctx, `SELECT `+cardColumns+`, coalesce(referrer_name, ''), answers, eligibility, eligibility_reasons,
			coalesce(form_d_sessions, 0), coalesce(form_d_reference, ''), coalesce(form_d_status, ''), confirmed_at,
			coalesce(eligibility_override, ''), coalesce(eligibility_override_reason, '')
		FROM referrals WHERE `+where, arg).Scan(
		&d.ID, &d.Reference, &d.Route, &d.Status, &d.TraineeName, &d.SubmittedAt,
		&d.Owners.TraineeEmail, &d.Owners.ReferrerEmail, &d.Owners.CaseManagerID, &d.Owners.CoachID,
		&d.ReferrerName, &answers, &d.Eligibility, &reasons, &d.FormDSessions, &d.FormDReference, &d.FormDStatus, &d.ConfirmedAt,
		&d.Override, &d.OverrideReason)
	if err != nil {
		return d, fmt.Errorf("referral: %w", mapErr(err))
	}
	if err := json.Unmarshal(answers, &d.Answers); err != nil {
		return d, fmt.Errorf("referral answers: %w", err)
	}
	if err := json.Unmarshal(reasons, &d.EligibilityReasons); err != nil {
		return d, fmt.Errorf("referral eligibility: %w", err)
	}
	if doc, err := scanDocument(s.db.QueryRow(ctx, `SELECT `+documentMeta+` FROM documents WHERE referral_id = $1 AND kind = 'form_c' ORDER BY id DESC LIMIT 1`, d.ID), false); err == nil {
		d.FormC = &doc
	} else if !errors.Is(err, ErrNotFound) {
		return d, fmt.Errorf("referral documents: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT e.at, e.kind, coalesce(u.name, ''), e.detail FROM referral_events e
		LEFT JOIN staff_users u ON u.id = e.actor_id WHERE e.referral_id = $1 ORDER BY e.at, e.id`, d.ID)
	if err != nil {
		return d, fmt.Errorf("referral events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.Kind, &e.ActorName, &e.Detail); err != nil {
			return d, fmt.Errorf("referral events: %w", err)
		}
		d.Events = append(d.Events, e)
	}
	return d, rows.Err()
}

// ConfirmReferral records the trainee's confirmation of a referral made for
// them: their corrections and preferences, the eligibility worked out again,
// and the referral enters triage. Only a referral waiting for the trainee
// can be confirmed (ErrConflict otherwise).
func (s *Store) ConfirmReferral(ctx context.Context, id int64, name string, answers map[string][]string, eligibility string, reasons any, now time.Time) error {
	a, err := json.Marshal(answers)
	if err != nil {
		return fmt.Errorf("confirm: %w", err)
	}
	r, err := json.Marshal(reasons)
	if err != nil {
		return fmt.Errorf("confirm: %w", err)
	}
	tag, err := s.db.Exec(ctx, `UPDATE referrals SET trainee_name = $2, answers = $3, eligibility = $4, eligibility_reasons = $5,
		status = 'new', confirmed_at = $6, updated_at = now() WHERE id = $1 AND status = 'awaiting_trainee'`, id, name, a, eligibility, r, now)
	if err != nil {
		return fmt.Errorf("confirm: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("confirm: %w", ErrConflict)
	}
	return nil
}

// AwaitingReminder is a referral waiting for its trainee long enough to be
// reminded.
type AwaitingReminder struct {
	ID           int64
	Reference    string
	Route        string
	TraineeName  string
	TraineeEmail string
	ReferrerName string
}

// LockDueReminder takes one referral that has waited for its trainee since
// before cutoff and has not been reminded, locked for this transaction
// (others skip it). ErrNotFound when none is due.
func (s *Store) LockDueReminder(ctx context.Context, cutoff time.Time) (AwaitingReminder, error) {
	var a AwaitingReminder
	err := s.db.QueryRow(ctx, `SELECT id, reference, route, trainee_name, trainee_email, coalesce(referrer_name, '')
		FROM referrals WHERE status = 'awaiting_trainee' AND submitted_at <= $1 AND reminded_at IS NULL
		ORDER BY submitted_at LIMIT 1 FOR UPDATE SKIP LOCKED`, cutoff).
		Scan(&a.ID, &a.Reference, &a.Route, &a.TraineeName, &a.TraineeEmail, &a.ReferrerName)
	if err != nil {
		return a, fmt.Errorf("due reminder: %w", mapErr(err))
	}
	return a, nil
}

// MarkReminded records that the trainee was reminded.
func (s *Store) MarkReminded(ctx context.Context, id int64, now time.Time) error {
	return s.execOne(ctx, "mark reminded", `UPDATE referrals SET reminded_at = $2 WHERE id = $1`, id, now)
}

// CloseUnconfirmed closes a referral still waiting for its trainee
// (ErrConflict if it no longer is).
func (s *Store) CloseUnconfirmed(ctx context.Context, id int64, now time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE referrals SET status = 'closed', closed_at = $2, updated_at = now()
		WHERE id = $1 AND status = 'awaiting_trainee'`, id, now)
	if err != nil {
		return fmt.Errorf("close: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("close: %w", ErrConflict)
	}
	return nil
}
