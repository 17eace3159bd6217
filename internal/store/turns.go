package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SpentTokenReferral finds the referral of a link of purpose that was
// already used (and has not expired): a second click of a button that
// spent it is shown where the first one went, not a broken link.
func (s *Store) SpentTokenReferral(ctx context.Context, purpose string, hash []byte, now time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT referral_id FROM auth_tokens
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NOT NULL AND expires_at > $3 AND referral_id IS NOT NULL`,
		hash, purpose, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("spent token: %w", mapErr(err))
	}
	return id, nil
}

// ReferralOutcome is a referral's status and closure outcome ("" if none).
func (s *Store) ReferralOutcome(ctx context.Context, id int64) (status, outcome string, err error) {
	err = s.db.QueryRow(ctx, `SELECT status, coalesce(outcome, '') FROM referrals WHERE id = $1`, id).Scan(&status, &outcome)
	if err != nil {
		return "", "", fmt.Errorf("referral outcome: %w", mapErr(err))
	}
	return status, outcome, nil
}

// LeadWaiting is what waits for a PSU lead: references of referrals whose
// Form D funding is requested, and of those with a request for extra
// sessions pending.
type LeadWaiting struct {
	Funding    []string
	Extensions []string
}

// Any reports whether anything waits.
func (l LeadWaiting) Any() bool { return len(l.Funding)+len(l.Extensions) > 0 }

// LeadRequestsWaiting reads what waits for a PSU lead, oldest first (one
// statement).
func (s *Store) LeadRequestsWaiting(ctx context.Context) (LeadWaiting, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT 'funding', reference, submitted_at FROM referrals
		WHERE form_d_status = 'requested' AND status NOT IN ('closed', 'withdrawn', 'awaiting_trainee')
		UNION ALL
		SELECT 'extension', r.reference, x.requested_at FROM extension_requests x JOIN referrals r ON r.id = x.referral_id
		WHERE x.status = 'pending'
		ORDER BY 3, 2`)
	var out LeadWaiting
	var kind, ref string
	var at time.Time
	_, err := pgx.ForEachRow(rows, []any{&kind, &ref, &at}, func() error {
		if kind == "funding" {
			out.Funding = append(out.Funding, ref)
		} else {
			out.Extensions = append(out.Extensions, ref)
		}
		return nil
	})
	if err != nil {
		return LeadWaiting{}, fmt.Errorf("lead requests: %w", err)
	}
	return out, nil
}

// LeadDigestRecipients lists the active PSU leads.
func (s *Store) LeadDigestRecipients(ctx context.Context) ([]DigestRecipient, error) {
	rows, _ := s.db.Query(ctx, `SELECT id, name, email FROM staff_users WHERE active AND 'psu_lead' = ANY (roles) ORDER BY id`)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[DigestRecipient])
	if err != nil {
		return nil, fmt.Errorf("lead digest recipients: %w", err)
	}
	return rs, nil
}

// SummaryDue is a session the trainee attended without writing its
// summary.
type SummaryDue struct {
	ID           int64
	ReferralID   int64
	Reference    string
	TraineeName  string
	TraineeEmail string
	Start        time.Time
}

// SummaryReminderWindow bounds how far back a session's summary is asked
// for: a reminder weeks late (after the job was stopped) would confuse more
// than help.
const SummaryReminderWindow = 14 * 24 * time.Hour

// DueSummaryReminders locks (skipping rows another worker holds) up to
// limit attended sessions that ended before endedBefore (and within
// SummaryReminderWindow of it), whose trainee has not submitted a summary
// and was not reminded, on referrals still open.
func (s *Store) DueSummaryReminders(ctx context.Context, endedBefore time.Time, limit int) ([]SummaryDue, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT a.id, a.referral_id, r.reference, r.trainee_name, r.trainee_email, a.starts_at
		FROM appointments a JOIN referrals r ON r.id = a.referral_id
		WHERE a.status = 'attended' AND a.summary_reminded_at IS NULL AND a.ends_at < $1 AND a.ends_at >= $3
		  AND r.status NOT IN ('closed', 'withdrawn')
		  AND NOT EXISTS (SELECT 1 FROM summaries su WHERE su.appointment_id = a.id AND su.submitted_at IS NOT NULL)
		ORDER BY a.ends_at LIMIT $2
		FOR UPDATE OF a SKIP LOCKED`, endedBefore, limit, endedBefore.Add(-SummaryReminderWindow))
	var out []SummaryDue
	var d SummaryDue
	_, err := pgx.ForEachRow(rows, []any{&d.ID, &d.ReferralID, &d.Reference, &d.TraineeName, &d.TraineeEmail, &d.Start}, func() error {
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due summary reminders: %w", err)
	}
	return out, nil
}

// MarkSummaryReminded records that the sessions' summary reminders were
// queued, in one statement.
func (s *Store) MarkSummaryReminded(ctx context.Context, appointmentIDs []int64, at time.Time) error {
	if _, err := s.db.Exec(ctx, `UPDATE appointments SET summary_reminded_at = $2 WHERE id = ANY($1)`, appointmentIDs, at); err != nil {
		return fmt.Errorf("summary reminded: %w", err)
	}
	return nil
}

// SentEmail is an email the service sent (or is sending) to one person
// about a referral.
type SentEmail struct {
	Subject string
	Text    string
	Status  string
	At      time.Time
}

// EmailsSentTo lists the emails about a referral addressed to email, newest
// first: the trainee's "what was sent to you" (only their own).
func (s *Store) EmailsSentTo(ctx context.Context, referralID int64, email string) ([]SentEmail, error) {
	rows, _ := s.db.Query(ctx, `SELECT subject, body_text, status, created_at FROM notifications
		WHERE referral_id = $1 AND EXISTS (SELECT 1 FROM jsonb_array_elements(recipients) x WHERE lower(x->>'email') = lower($2))
		ORDER BY created_at DESC, id DESC`, referralID, email)
	var out []SentEmail
	var e SentEmail
	_, err := pgx.ForEachRow(rows, []any{&e.Subject, &e.Text, &e.Status, &e.At}, func() error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("emails sent to: %w", err)
	}
	return out, nil
}

// SubmittedSummaries reports which of a referral's sessions have a
// submitted summary (by appointment id).
func (s *Store) SubmittedSummaries(ctx context.Context, referralID int64) (map[int64]bool, error) {
	rows, _ := s.db.Query(ctx, `SELECT appointment_id FROM summaries WHERE referral_id = $1 AND submitted_at IS NOT NULL`, referralID)
	out := map[int64]bool{}
	var id int64
	_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
		out[id] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("submitted summaries: %w", err)
	}
	return out, nil
}

// PurposeChangeEmail is a trainee's link, sent to a new email address,
// proving it is theirs before their referral moves to it.
const PurposeChangeEmail = "change_email"

// CreateEmailChangeToken stores the hash of a link to move a referral to
// a new address. Earlier unused links for the referral stop working.
func (s *Store) CreateEmailChangeToken(ctx context.Context, referralID int64, newEmail string, hash []byte, now, expires time.Time) error {
	if _, err := s.db.Exec(ctx, `UPDATE auth_tokens SET used_at = $2 WHERE purpose = 'change_email' AND referral_id = $1 AND used_at IS NULL`,
		referralID, now); err != nil {
		return fmt.Errorf("email change token: %w", err)
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO auth_tokens (purpose, token_hash, email, referral_id, created_at, expires_at)
		VALUES ('change_email', $1, $2, $3, $4, $5)`, hash, NormaliseEmail(newEmail), referralID, now, expires); err != nil {
		return fmt.Errorf("email change token: %w", mapErr(err))
	}
	return nil
}

// SetTraineeEmail moves a referral to the trainee's new address (its
// answers too, so every page shows the one address).
func (s *Store) SetTraineeEmail(ctx context.Context, referralID int64, email string) error {
	return s.execOne(ctx, "trainee email", `UPDATE referrals SET trainee_email = $2,
		answers = CASE WHEN answers ? 'email' THEN jsonb_set(answers, '{email}', jsonb_build_array($2::text)) ELSE answers END
		WHERE id = $1`, referralID, NormaliseEmail(email))
}

// SetTraineePhone records the trainee's corrected phone number.
func (s *Store) SetTraineePhone(ctx context.Context, referralID int64, phone string) error {
	return s.execOne(ctx, "trainee phone", `UPDATE referrals SET answers = jsonb_set(answers, '{phone}', jsonb_build_array($2::text))
		WHERE id = $1`, referralID, phone)
}
