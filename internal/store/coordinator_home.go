package store

import (
	"context"
	"fmt"
	"time"
)

// CoordinatorToDo is what needs a coordinator today, as counts; each
// matches one of the queue's lists (or the undelivered messages page), so a
// count and the list it links to agree.
type CoordinatorToDo struct {
	Overdue     int // needs a coordinator, no response, past the due day
	DueSoon     int // needs a coordinator, no response, due within triage.SoonDays days
	New         int // status new
	Answered    int // QueueAnswered
	Forfeits    int // QueueForfeits
	Unconfirmed int // QueueUnconfirmed
	Chase       int // QueueChase
	Undelivered int // messages failed, or not sent within a few minutes
}

// undeliveredAfter is how long a message may wait to be sent before the
// coordinator's home counts it: a fresh one is normally on its way. Its
// age is measured by the database's clock, which stamped its created_at,
// not by the instance's (a clock apart from the database's, a test's
// moved one included, would count a message queued a moment ago).
const undeliveredAfter = `interval '10 minutes'`

// CoordinatorToDo counts the coordinator's to-do list at now in one
// statement: each count reads a partial index of migrations 00006-00018,
// never a large table whole.
func (s *Store) CoordinatorToDo(ctx context.Context, now time.Time) (CoordinatorToDo, error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	overdueBefore, soonBefore := deadlineBounds(now)
	needs := queueListWhere(QueueNeeds, arg, now)
	ob, sb := arg(overdueBefore), arg(soonBefore)
	b := worklistBoundsAt(now)
	sql := `SELECT
		(SELECT count(*) FROM referrals r WHERE ` + needs + ` AND r.first_response_at IS NULL AND ` + queueDeadlineKey + ` < ` + ob + `),
		(SELECT count(*) FROM referrals r WHERE ` + needs + ` AND r.first_response_at IS NULL
			AND ` + queueDeadlineKey + ` >= ` + ob + ` AND ` + queueDeadlineKey + ` < ` + sb + `),
		(SELECT count(*) FROM referrals r WHERE r.status = 'new'),
		(SELECT count(*) FROM referrals r WHERE ` + queueListWhere(QueueAnswered, arg, now) + `),
		(SELECT count(DISTINCT a.referral_id) FROM appointments a JOIN referrals r ON r.id = a.referral_id
			WHERE a.waived_at IS NULL AND (a.late OR a.status = 'not_attended') AND a.starts_at >= ` + arg(b.waiveFrom) + `
			AND ` + queueOpenStatus + `),
		(SELECT count(DISTINCT a.referral_id) FROM appointments a
			WHERE a.status = 'attended' AND a.meeting_confirmed_at IS NULL AND a.ends_at < ` + arg(b.confirmBefore) + `),
		(SELECT count(*) FROM referrals r WHERE ` + queueListWhere(QueueChase, arg, now) + `),
		(SELECT count(*) FROM notifications n WHERE n.status <> 'sent' AND (n.status = 'failed' OR n.created_at < current_timestamp - ` + undeliveredAfter + `))`
	var t CoordinatorToDo
	err := s.db.QueryRow(ctx, sql, args...).Scan(&t.Overdue, &t.DueSoon, &t.New, &t.Answered, &t.Forfeits, &t.Unconfirmed, &t.Chase, &t.Undelivered)
	if err != nil {
		return t, fmt.Errorf("coordinator to-do: %w", err)
	}
	return t, nil
}
