package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Action is one step of the trainee's plan.
type Action struct {
	Action string `json:"action"`
	By     string `json:"by"` // YYYY-MM-DD
}

// Summary is the trainee's summary and action plan after a session.
type Summary struct {
	ID             int64
	AppointmentID  int64
	ReferralID     int64
	SelfAwareness  string
	Options        string
	Decision       string
	Actions        []Action
	SubmittedAt    *time.Time
	Share          bool
	ShareChangedAt *time.Time
	SentAt         *time.Time
	UpdatedAt      time.Time
}

const summaryColumns = `id, appointment_id, referral_id, self_awareness, options, decision, actions, submitted_at, share, share_changed_at, sent_at, updated_at`

func scanSummary(row interface{ Scan(...any) error }) (Summary, error) {
	var s Summary
	var actions []byte
	err := row.Scan(&s.ID, &s.AppointmentID, &s.ReferralID, &s.SelfAwareness, &s.Options, &s.Decision, &actions, &s.SubmittedAt,
		&s.Share, &s.ShareChangedAt, &s.SentAt, &s.UpdatedAt)
	if err != nil {
		return s, mapErr(err)
	}
	return s, json.Unmarshal(actions, &s.Actions)
}

// SummaryForAppointment returns an appointment's summary (ErrNotFound if
// none is started).
func (s *Store) SummaryForAppointment(ctx context.Context, appointmentID int64) (Summary, error) {
	sum, err := scanSummary(s.db.QueryRow(ctx, `SELECT `+summaryColumns+` FROM summaries WHERE appointment_id = $1`, appointmentID))
	if err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	return sum, nil
}

// LockSummary reads an appointment's summary under a row lock.
func (s *Store) LockSummary(ctx context.Context, appointmentID int64) (Summary, error) {
	sum, err := scanSummary(s.db.QueryRow(ctx, `SELECT `+summaryColumns+` FROM summaries WHERE appointment_id = $1 FOR UPDATE`, appointmentID))
	if err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	return sum, nil
}

// ReferralSummaries lists a referral's summaries by appointment.
func (s *Store) ReferralSummaries(ctx context.Context, referralID int64) ([]Summary, error) {
	rows, err := s.db.Query(ctx, `SELECT `+summaryColumns+` FROM summaries WHERE referral_id = $1 ORDER BY id`, referralID)
	if err != nil {
		return nil, fmt.Errorf("summaries: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		sum, err := scanSummary(rows)
		if err != nil {
			return nil, fmt.Errorf("summaries: %w", err)
		}
		out = append(out, sum)
	}
	return out, rows.Err()
}

// SaveSummary creates or updates the summary's text and plan; submit marks
// it submitted (it stays editable only as a draft).
func (s *Store) SaveSummary(ctx context.Context, sum Summary, submit bool, at time.Time) error {
	actions, err := json.Marshal(sum.Actions)
	if err != nil {
		return fmt.Errorf("save summary: %w", err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO summaries (appointment_id, referral_id, self_awareness, options, decision, actions, submitted_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN $8::timestamptz END, $8)
		ON CONFLICT (appointment_id) DO UPDATE SET self_awareness = $3, options = $4, decision = $5, actions = $6,
			submitted_at = CASE WHEN $7 THEN $8::timestamptz ELSE summaries.submitted_at END, updated_at = $8
		WHERE summaries.submitted_at IS NULL`,
		sum.AppointmentID, sum.ReferralID, sum.SelfAwareness, sum.Options, sum.Decision, actions, submit, at)
	if err != nil {
		return fmt.Errorf("save summary: %w", mapErr(err))
	}
	return nil
}

// SetShare records the trainee's consent (or its withdrawal) with its time;
// once the summary has been sent it can no longer change (ErrConflict).
func (s *Store) SetShare(ctx context.Context, appointmentID int64, share bool, at time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE summaries SET share = $2, share_changed_at = $3, updated_at = $3
		WHERE appointment_id = $1 AND sent_at IS NULL AND submitted_at IS NOT NULL`, appointmentID, share, at)
	if err != nil {
		return fmt.Errorf("share: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("share: %w", ErrConflict)
	}
	return nil
}

// MarkSummarySent records that the summary went to the Case Manager.
func (s *Store) MarkSummarySent(ctx context.Context, appointmentID int64, at time.Time) error {
	return s.execOne(ctx, "summary sent", `UPDATE summaries SET sent_at = $2 WHERE appointment_id = $1 AND sent_at IS NULL AND share`, appointmentID, at)
}
