package store

import (
	"context"
	"fmt"
	"net/netip"
	"time"
)

// LinkRequest is a queued request for an emailed link (see migration
// 00016): the public form records it the same way for every address.
type LinkRequest struct {
	ID          int64
	Purpose     string // PurposeSignIn, PurposeResetPassword or PurposeConfirmReferral
	Email       string
	RequestedAt time.Time
	ClientIP    string
	RequestID   string
}

// AddLinkRequest records a request for a link; run it in the transaction
// that queues its job.
func (s *Store) AddLinkRequest(ctx context.Context, r LinkRequest) (int64, error) {
	var ip *netip.Addr
	if a, err := netip.ParseAddr(r.ClientIP); err == nil {
		ip = &a
	}
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO link_requests (purpose, email, requested_at, client_ip, request_id)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, r.Purpose, NormaliseEmail(r.Email), r.RequestedAt, ip, r.RequestID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("link request: %w", mapErr(err))
	}
	return id, nil
}

// TakeLinkRequest deletes a queued request and returns it: of two workers
// with the same job, one gets it and the other ErrNotFound.
func (s *Store) TakeLinkRequest(ctx context.Context, id int64) (LinkRequest, error) {
	r := LinkRequest{ID: id}
	var ip *netip.Addr
	err := s.db.QueryRow(ctx, `DELETE FROM link_requests WHERE id = $1 RETURNING purpose, email, requested_at, client_ip, request_id`, id).
		Scan(&r.Purpose, &r.Email, &r.RequestedAt, &ip, &r.RequestID)
	if err != nil {
		return r, fmt.Errorf("take link request: %w", mapErr(err))
	}
	if ip != nil {
		r.ClientIP = ip.String()
	}
	return r, nil
}

// AwaitingConfirmation lists the referrals waiting for this address to
// confirm them (newest first, at most a few), for a new confirmation link.
func (s *Store) AwaitingConfirmation(ctx context.Context, email string) ([]AwaitingReminder, error) {
	rows, err := s.db.Query(ctx, `SELECT id, reference, route, trainee_name, trainee_email, coalesce(referrer_name, '')
		FROM referrals WHERE trainee_email = $1 AND status = 'awaiting_trainee' ORDER BY submitted_at DESC, id DESC LIMIT 5`, NormaliseEmail(email))
	if err != nil {
		return nil, fmt.Errorf("awaiting confirmation: %w", err)
	}
	defer rows.Close()
	var out []AwaitingReminder
	for rows.Next() {
		var a AwaitingReminder
		if err := rows.Scan(&a.ID, &a.Reference, &a.Route, &a.TraineeName, &a.TraineeEmail, &a.ReferrerName); err != nil {
			return nil, fmt.Errorf("awaiting confirmation: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("awaiting confirmation: %w", err)
	}
	return out, nil
}

// TakeMailAllowance counts one email to address and reports whether it is
// within limit per window: the cap on mail the public forms can cause to one
// recipient. It is counted in the database, so it holds across instances.
func (s *Store) TakeMailAllowance(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, error) {
	n, err := s.CountHit(ctx, key, window, now)
	if err != nil {
		return false, err
	}
	return n <= limit, nil
}

// DeleteStaleLinkRequests deletes link requests recorded before before: a
// job that gave up on one leaves it behind, and its row holds an address.
// At most limit go in one call.
func (s *Store) DeleteStaleLinkRequests(ctx context.Context, before time.Time, limit int) (int64, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM link_requests WHERE id IN (
		SELECT id FROM link_requests WHERE requested_at < $1 ORDER BY id LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("delete stale link requests: %w", err)
	}
	return tag.RowsAffected(), nil
}
