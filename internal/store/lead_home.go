package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LeadRequest is a decision waiting for a PSU lead, with what they need to
// take it in place: a funding request (Form D) or a request for extra
// sessions, the sessions asked for, the allowance so far, and for an
// extension the coach's justification.
type LeadRequest struct {
	Kind        string // "funding" or "extension"
	ExtensionID int64  // for an extension
	Card        ReferralCard
	Version     int // the referral's, for the decision form
	Requested   int // sessions asked for
	Granted     int // sessions in the allowance so far
	Used        int // sessions booked or held (the ledger's count)
	// Justification is the coach's reason for an extension ("" for funding).
	Justification string
	RequestedBy   string // the coach (extension) or Case Manager (funding)
	RequestedAt   time.Time
	CoachName     string
}

// Left is the allowance not yet used.
func (l LeadRequest) Left() int { return max(l.Granted-l.Used, 0) }

// The lead's requests, read off the partial indexes on pending requests.
const leadRequestsSQL = `SELECT * FROM (
	SELECT 'funding' AS kind, 0::bigint AS extension_id, r.id, r.reference, r.route, r.status, r.trainee_name, r.submitted_at,
		r.trainee_email, coalesce(r.referrer_email, ''), coalesce(r.case_manager_id, 0), coalesce(r.coach_id, 0),
		r.version, coalesce(r.form_d_sessions, 0), r.sessions_granted, r.sessions_used, '' AS justification,
		coalesce(m.name, ''), r.submitted_at AS requested_at, coalesce(c.name, '')
	FROM referrals r LEFT JOIN staff_users m ON m.id = r.case_manager_id LEFT JOIN staff_users c ON c.id = r.coach_id
	WHERE r.form_d_status = 'requested' AND r.status NOT IN ('closed', 'withdrawn', 'awaiting_trainee')
	UNION ALL
	SELECT 'extension', e.id, r.id, r.reference, r.route, r.status, r.trainee_name, r.submitted_at,
		r.trainee_email, coalesce(r.referrer_email, ''), coalesce(r.case_manager_id, 0), coalesce(r.coach_id, 0),
		r.version, e.sessions, r.sessions_granted, r.sessions_used, e.justification,
		q.name, e.requested_at, coalesce(c.name, '')
	FROM extension_requests e JOIN referrals r ON r.id = e.referral_id JOIN staff_users q ON q.id = e.requested_by
		LEFT JOIN staff_users c ON c.id = r.coach_id
	WHERE e.status = 'pending') x
ORDER BY requested_at, kind, extension_id LIMIT 200`

// LeadRequests lists the decisions waiting for a PSU lead, oldest first,
// in one statement.
func (s *Store) LeadRequests(ctx context.Context) ([]LeadRequest, error) {
	rows, err := s.db.Query(ctx, leadRequestsSQL)
	if err != nil {
		return nil, fmt.Errorf("lead requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LeadRequest, error) {
		var l LeadRequest
		c := &l.Card
		err := row.Scan(&l.Kind, &l.ExtensionID, &c.ID, &c.Reference, &c.Route, &c.Status, &c.TraineeName, &c.SubmittedAt,
			&c.Owners.TraineeEmail, &c.Owners.ReferrerEmail, &c.Owners.CaseManagerID, &c.Owners.CoachID,
			&l.Version, &l.Requested, &l.Granted, &l.Used, &l.Justification, &l.RequestedBy, &l.RequestedAt, &l.CoachName)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("lead requests: %w", err)
	}
	return out, nil
}
