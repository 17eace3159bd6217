package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/reports"
)

// The unit's reports: each query aggregates in the database and sends back
// counts or histograms, never one row per person. Every period filter is a
// range on an indexed column (submitted_at, the response clock's start,
// closed_at, allowance_events.at), so a report costs the period it covers,
// not the history. Periods are half-open: [from, to).

// reportReasons is a referral's reasons for referral as rows; answers that
// are not a list count as no reasons rather than failing the report.
const reportReasons = `jsonb_array_elements_text(CASE WHEN jsonb_typeof(r.answers->'reasons') = 'array'
	THEN r.answers->'reasons' ELSE '[]'::jsonb END)`

// ReportReceived is the referrals received in a period, counted every way
// the report breaks them down. Maps are keyed by the stored value.
type ReportReceived struct {
	Total    int
	ByRoute  map[string]int
	ByRegion map[string]int
	ByGroup  map[string]int
	// ByReason counts referrals giving each reason; a referral with several
	// reasons counts once under each.
	ByReason map[string]int
}

// ReportReceived counts the referrals submitted in [from, to) by route,
// region, professional group and reason, in one statement.
func (s *Store) ReportReceived(ctx context.Context, from, to time.Time) (ReportReceived, error) {
	rows, err := s.db.Query(ctx, `WITH p AS MATERIALIZED (
			SELECT r.route, r.region, r.professional_group, r.answers FROM referrals r
			WHERE r.submitted_at >= $1 AND r.submitted_at < $2)
		SELECT 'total', '', count(*) FROM p
		UNION ALL SELECT 'route', route, count(*) FROM p GROUP BY route
		UNION ALL SELECT 'region', region, count(*) FROM p GROUP BY region
		UNION ALL SELECT 'group', professional_group, count(*) FROM p GROUP BY professional_group
		UNION ALL SELECT 'reason', reason, count(*) FROM p r, `+reportReasons+` AS reason GROUP BY reason`, from, to)
	if err != nil {
		return ReportReceived{}, fmt.Errorf("report received: %w", err)
	}
	out := ReportReceived{ByRoute: map[string]int{}, ByRegion: map[string]int{}, ByGroup: map[string]int{}, ByReason: map[string]int{}}
	var dim, key string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&dim, &key, &n}, func() error {
		switch dim {
		case "total":
			out.Total = n
		case "route":
			out.ByRoute[key] = n
		case "region":
			out.ByRegion[key] = n
		case "group":
			out.ByGroup[key] = n
		case "reason":
			out.ByReason[key] = n
		}
		return nil
	})
	if err != nil {
		return ReportReceived{}, fmt.Errorf("report received: %w", err)
	}
	return out, nil
}

// ReportResponses is how quickly referrals whose response clock started in
// a period were answered.
type ReportResponses struct {
	// Answered holds the referrals with a first response, by calendar days
	// (Europe/London) from the clock's start to the response.
	Answered []reports.Bin
	// Overdue counts those with no response whose due day has passed.
	Overdue int
}

// OnTime is how many were answered by the due day: triage.ResponseDays
// calendar days or fewer after the clock started.
func (r ReportResponses) OnTime(days int) int {
	n := 0
	for _, b := range r.Answered {
		if b.Value <= days {
			n += b.N
		}
	}
	return n
}

// ReportResponses looks at referrals whose clock started in [from, to)
// (submission for self-referrals, the trainee's confirmation otherwise, as
// triage.ResponseDeadline has it): those answered, by days taken, and
// those unanswered with their due day (start + responseDays) before today,
// a London date. A referral closed or withdrawn with no response (a
// trainee who withdrew first) had no response due, as the queue shows it.
func (s *Store) ReportResponses(ctx context.Context, from, to time.Time, responseDays int, today time.Time) (ReportResponses, error) {
	// The clock expression is written exactly as in queueDeadlineKey, so
	// the range uses the index of migration 00008.
	rows, err := s.db.Query(ctx, `WITH c AS MATERIALIZED (
			SELECT (CASE WHEN r.route = 'self' THEN r.submitted_at ELSE r.confirmed_at END AT TIME ZONE 'Europe/London')::date AS start_day,
				(r.first_response_at AT TIME ZONE 'Europe/London')::date AS response_day
			FROM referrals r
			WHERE coalesce(CASE WHEN r.route = 'self' THEN r.submitted_at ELSE r.confirmed_at END, 'infinity') >= $1
				AND coalesce(CASE WHEN r.route = 'self' THEN r.submitted_at ELSE r.confirmed_at END, 'infinity') < $2
				AND (r.first_response_at IS NOT NULL OR r.status NOT IN ('closed', 'withdrawn')))
		SELECT greatest(response_day - start_day, 0), count(*)::int, true FROM c WHERE response_day IS NOT NULL GROUP BY 1
		UNION ALL
		SELECT 0, count(*)::int, false FROM c WHERE response_day IS NULL AND start_day + $3::int < $4::date`,
		from, to, responseDays, today.Format(time.DateOnly))
	if err != nil {
		return ReportResponses{}, fmt.Errorf("report responses: %w", err)
	}
	var out ReportResponses
	var days, n int
	var answered bool
	_, err = pgx.ForEachRow(rows, []any{&days, &n, &answered}, func() error {
		if answered {
			out.Answered = append(out.Answered, reports.Bin{Value: days, N: n})
		} else {
			out.Overdue = n
		}
		return nil
	})
	if err != nil {
		return ReportResponses{}, fmt.Errorf("report responses: %w", err)
	}
	return out, nil
}

// ReportWaits is the wait from allocation to the first session for
// referrals allocated in a period.
type ReportWaits struct {
	// Seen holds those with a first session (booked, attended or not
	// attended, but not cancelled), by calendar days (Europe/London) from
	// allocation to the session's day.
	Seen []reports.Bin
	// Waiting counts those with no such session yet.
	Waiting int
}

// ReportWaits looks at referrals whose allocation (their first 'granted'
// ledger event) fell in [from, to), and the day of their first appointment
// that was not cancelled.
func (s *Store) ReportWaits(ctx context.Context, from, to time.Time) (ReportWaits, error) {
	rows, err := s.db.Query(ctx, `WITH w AS MATERIALIZED (
			SELECT ((SELECT min(a.starts_at) FROM appointments a WHERE a.referral_id = g.referral_id AND a.status <> 'cancelled')
					AT TIME ZONE 'Europe/London')::date - (g.at AT TIME ZONE 'Europe/London')::date AS days
			FROM allowance_events g
			WHERE g.kind = 'granted' AND g.at >= $1 AND g.at < $2
				AND NOT EXISTS (SELECT 1 FROM allowance_events e
					WHERE e.referral_id = g.referral_id AND e.id < g.id AND e.kind = 'granted'))
		SELECT CASE WHEN days < 0 THEN 0 ELSE days END, count(*)::int FROM w GROUP BY 1`, from, to)
	if err != nil {
		return ReportWaits{}, fmt.Errorf("report waits: %w", err)
	}
	var out ReportWaits
	var days *int
	var n int
	_, err = pgx.ForEachRow(rows, []any{&days, &n}, func() error {
		if days == nil {
			out.Waiting = n
		} else {
			out.Seen = append(out.Seen, reports.Bin{Value: *days, N: n})
		}
		return nil
	})
	if err != nil {
		return ReportWaits{}, fmt.Errorf("report waits: %w", err)
	}
	return out, nil
}

// ReportSessions is the allowance ledger's movements in a period, and the
// requests for extra sessions.
type ReportSessions struct {
	// Sessions sums the sessions of each kind of ledger event: granted,
	// extended, attended, forfeited, waived.
	Sessions map[string]int
	// ExtensionsAsked counts requests made in the period; ExtensionsApproved
	// those approved in it (whenever they were asked).
	ExtensionsAsked, ExtensionsApproved int
}

// ReportSessions sums the ledger events of [from, to) by kind and counts
// the requests for extra sessions made and approved in it.
func (s *Store) ReportSessions(ctx context.Context, from, to time.Time) (ReportSessions, error) {
	rows, err := s.db.Query(ctx, `SELECT e.kind, sum(e.sessions)::int FROM allowance_events e
			WHERE e.at >= $1 AND e.at < $2 AND e.kind IN ('granted', 'extended', 'attended', 'forfeited', 'waived')
			GROUP BY e.kind
		UNION ALL SELECT 'extensions_asked', count(*)::int FROM extension_requests x WHERE x.requested_at >= $1 AND x.requested_at < $2
		UNION ALL SELECT 'extensions_approved', count(*)::int FROM extension_requests x
			WHERE x.status = 'approved' AND x.decided_at >= $1 AND x.decided_at < $2`, from, to)
	if err != nil {
		return ReportSessions{}, fmt.Errorf("report sessions: %w", err)
	}
	out := ReportSessions{Sessions: map[string]int{}}
	var kind string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&kind, &n}, func() error {
		switch kind {
		case "extensions_asked":
			out.ExtensionsAsked = n
		case "extensions_approved":
			out.ExtensionsApproved = n
		default:
			out.Sessions[kind] = n
		}
		return nil
	})
	if err != nil {
		return ReportSessions{}, fmt.Errorf("report sessions: %w", err)
	}
	return out, nil
}

// ReportOutcomes is the referrals closed in a period by their outcome.
type ReportOutcomes struct {
	// ByOutcome counts each outcome once per referral ("" for a referral
	// closed without one, such as a withdrawal).
	ByOutcome map[string]int
	// ByOutcomeReason counts referrals by outcome and reason for referral
	// ([outcome, reason]); a referral with several reasons counts once
	// under each.
	ByOutcomeReason map[[2]string]int
}

// ReportOutcomes counts the referrals closed in [from, to) (closed or
// withdrawn) by outcome, and by outcome and reason.
func (s *Store) ReportOutcomes(ctx context.Context, from, to time.Time) (ReportOutcomes, error) {
	rows, err := s.db.Query(ctx, `WITH p AS MATERIALIZED (
			SELECT coalesce(r.outcome, '') AS outcome, r.answers FROM referrals r
			WHERE r.closed_at >= $1 AND r.closed_at < $2)
		SELECT outcome, NULL::text, count(*)::int FROM p GROUP BY outcome
		UNION ALL SELECT outcome, reason, count(*)::int FROM p r, `+reportReasons+` AS reason GROUP BY outcome, reason`, from, to)
	if err != nil {
		return ReportOutcomes{}, fmt.Errorf("report outcomes: %w", err)
	}
	out := ReportOutcomes{ByOutcome: map[string]int{}, ByOutcomeReason: map[[2]string]int{}}
	var outcome string
	var reason *string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&outcome, &reason, &n}, func() error {
		if reason == nil {
			out.ByOutcome[outcome] = n
		} else {
			out.ByOutcomeReason[[2]string{outcome, *reason}] = n
		}
		return nil
	})
	if err != nil {
		return ReportOutcomes{}, fmt.Errorf("report outcomes: %w", err)
	}
	return out, nil
}
