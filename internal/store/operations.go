package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// OperationsFigures are the numbers an operations team watches (the
// metrics endpoint reports them): counts and ages only, never a person or a
// reference.
type OperationsFigures struct {
	// PastDeadline counts referrals still waiting for a first response
	// whose 14-day deadline (ResponseDeadlineDays, counted in Europe/London
	// calendar days) is before today: the ones the coordinators' digest
	// lists as overdue (ReferralsNearResponseDeadline).
	PastDeadline int64
	// Undelivered counts messages not sent, by status (queued, failed): the
	// /staff/messages list.
	Undelivered map[string]int64
	// OldestUnconfirmed is when the longest-waiting referral still waiting
	// for its trainee's confirmation was submitted; zero when none waits.
	OldestUnconfirmed time.Time
}

// Operations reads the operations figures in one statement, each part on
// an index: the deadline expression of referrals_queue_deadline_status_idx,
// notifications_undelivered_idx and referrals_awaiting_idx. today is a
// calendar date in Europe/London (its clock time is ignored).
func (s *Store) Operations(ctx context.Context, today time.Time) (OperationsFigures, error) {
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	f := OperationsFigures{Undelivered: map[string]int64{}}
	var oldest *time.Time
	// A deadline is past when the clock started before the start (in
	// Europe/London) of the day ResponseDeadlineDays before today; a
	// referral with no clock yet sorts at 'infinity' and never counts.
	err := s.db.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM referrals
			 WHERE status = 'new' AND first_response_at IS NULL
			   AND coalesce(CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END, 'infinity')
			       < (($1::date - $2::int)::timestamp AT TIME ZONE 'Europe/London')),
			(SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM
				(SELECT status, count(*) AS n FROM notifications WHERE status <> 'sent' GROUP BY status) u),
			(SELECT min(submitted_at) FROM referrals WHERE status = 'awaiting_trainee')`,
		day, ResponseDeadlineDays).Scan(&f.PastDeadline, &f.Undelivered, &oldest)
	if err != nil {
		return OperationsFigures{}, fmt.Errorf("operations figures: %w", err)
	}
	if oldest != nil {
		f.OldestUnconfirmed = *oldest
	}
	return f, nil
}

// QueueCount is how many jobs of one kind are in one state of River's
// queue, and how long the oldest of them that could run now has waited.
type QueueCount struct {
	State string
	Kind  string
	Count int64
	// OldestAvailable is when the oldest available job of this kind was
	// due; zero for states other than available.
	OldestAvailable time.Time
}

// QueueDepth counts River's jobs that are not finished (available,
// scheduled, retryable, running, pending), by state and kind: finished
// jobs are never read, so the cost stays with the queue's live size.
// limit bounds the rows (kinds are the service's own, a handful).
func (s *Store) QueueDepth(ctx context.Context, limit int) ([]QueueCount, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT state::text, kind, count(*), min(scheduled_at) FILTER (WHERE state = 'available')
		FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending')
		GROUP BY state, kind ORDER BY state, kind LIMIT $1`, limit)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueCount, error) {
		var q QueueCount
		var oldest *time.Time
		if err := r.Scan(&q.State, &q.Kind, &q.Count, &oldest); err != nil {
			return q, err
		}
		if oldest != nil {
			q.OldestAvailable = *oldest
		}
		return q, nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue depth: %w", err)
	}
	return out, nil
}
