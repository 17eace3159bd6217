package store

import (
	"context"
	"fmt"
	"time"
)

// SetCalendarFeed stores the hash of a coach's new calendar feed token,
// replacing any earlier one (whose address then stops working). It reports
// whether there was one.
func (s *Store) SetCalendarFeed(ctx context.Context, coachID int64, tokenHash []byte, now time.Time) (replaced bool, err error) {
	err = s.db.QueryRow(ctx, `INSERT INTO calendar_feeds (coach_id, token_hash, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (coach_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at
		RETURNING xmax <> 0`, coachID, tokenHash, now).Scan(&replaced)
	if err != nil {
		return false, fmt.Errorf("calendar feed: %w", mapErr(err))
	}
	return replaced, nil
}

// RevokeCalendarFeed removes a coach's calendar feed; ErrNotFound when they
// have none.
func (s *Store) RevokeCalendarFeed(ctx context.Context, coachID int64) error {
	return s.execOne(ctx, "revoke calendar feed", `DELETE FROM calendar_feeds WHERE coach_id = $1`, coachID)
}

// CalendarFeedMade is when the coach's current feed address was made, or
// nil when they have none.
func (s *Store) CalendarFeedMade(ctx context.Context, coachID int64) (*time.Time, error) {
	var at *time.Time
	err := s.db.QueryRow(ctx, `SELECT max(created_at) FROM calendar_feeds WHERE coach_id = $1`, coachID).Scan(&at)
	if err != nil {
		return nil, fmt.Errorf("calendar feed: %w", err)
	}
	return at, nil
}

// FeedEvent is one event in a coach's calendar feed: a booked (or held)
// session, or time off. It carries the trainee's name only so the feed can
// write their initials; the name itself is never written.
type FeedEvent struct {
	TimeOff     bool
	ID          int64
	Start, End  time.Time
	Mode        string
	Reference   string
	TraineeName string
	Sequence    int
	Status      string
	Updated     time.Time
	OwnClient   bool // the referral is allocated to the coach now
}

// CalendarFeed reads, in one statement, the feed whose token hashes to
// tokenHash: the stored hash (nil when there is no such feed) and the
// coach's sessions and time off that end after since.
func (s *Store) CalendarFeed(ctx context.Context, tokenHash []byte, since time.Time) (stored []byte, events []FeedEvent, err error) {
	rows, err := s.db.Query(ctx, CalendarFeedSQL, tokenHash, since)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar feed: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e FeedEvent
		var kind *string
		var id *int64
		var start, end, updated *time.Time
		var mode, ref, name, status *string
		var seq *int
		var own *bool
		if err := rows.Scan(&stored, &kind, &id, &start, &end, &mode, &ref, &name, &seq, &status, &updated, &own); err != nil {
			return nil, nil, fmt.Errorf("calendar feed: %w", err)
		}
		if kind == nil {
			continue // a feed with nothing in it
		}
		e.TimeOff, e.ID, e.Start, e.End, e.Mode, e.Reference, e.TraineeName, e.Sequence, e.Status, e.Updated, e.OwnClient =
			*kind == "off", *id, *start, *end, *mode, *ref, *name, *seq, *status, *updated, *own
		events = append(events, e)
	}
	return stored, events, rows.Err()
}

// CalendarFeedSQL is CalendarFeed's statement ($1 token hash, $2 since).
const CalendarFeedSQL = `SELECT f.token_hash, e.kind, e.id, e.starts_at, e.ends_at, e.mode, e.reference, e.trainee_name, e.seq, e.status, e.updated_at, e.own
	FROM calendar_feeds f
	LEFT JOIN LATERAL (
		SELECT 'session' AS kind, a.id, a.starts_at, a.ends_at, a.mode, r.reference, r.trainee_name, a.ical_sequence AS seq, a.status, a.updated_at,
			coalesce(r.coach_id = a.coach_id, false) AS own
		FROM appointments a JOIN referrals r ON r.id = a.referral_id
		WHERE a.coach_id = f.coach_id AND a.status <> 'cancelled' AND a.ends_at > $2
		UNION ALL
		SELECT 'off', t.id, t.starts_at, t.ends_at, '', '', '', 0, '', t.created_at, true
		FROM coach_time_off t WHERE t.coach_id = f.coach_id AND t.ends_at > $2
	) e ON true
	WHERE f.token_hash = $1
	ORDER BY e.starts_at`
