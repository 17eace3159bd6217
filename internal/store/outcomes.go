package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The outcome questionnaire (migration 00023, internal/outcomes).

// OutcomeAnswer is one questionnaire as the trainee answered (or skipped)
// it. Ratings hold 0 for a question not answered.
type OutcomeAnswer struct {
	Stage       string    `json:"stage"`
	AnsweredAt  time.Time `json:"answered_at"`
	Skipped     bool      `json:"skipped"`
	Ratings     [5]int    `json:"ratings"` // outcomes.Items order
	FFT         string    `json:"friends_and_family_test,omitempty"`
	Comment     string    `json:"comment,omitempty"`
	MayQuote    bool      `json:"may_quote"`
	Destination string    `json:"where_now,omitempty"`
	StillHelps  int       `json:"still_helps,omitempty"`
}

const outcomeColumns = `stage, answered_at, skipped, coalesce(self_awareness, 0), coalesce(options, 0), coalesce(decision, 0),
	coalesce(plan, 0), coalesce(confidence, 0), coalesce(fft, ''), comment, may_quote, coalesce(destination, ''), coalesce(still_helps, 0)`

// nullable stores 0 or "" as NULL.
func nullable[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// OutcomeState is what decides which questionnaire the trainee is offered.
type OutcomeState struct {
	BeforeDone   bool
	AfterDone    bool
	FirstSession time.Time // earliest session not cancelled (zero for none)
	Attended     int
	ClosedAt     time.Time
	OptedOut     bool
}

// OutcomeStateOf reads a referral's questionnaire state in one statement.
func (s *Store) OutcomeStateOf(ctx context.Context, referralID int64) (OutcomeState, error) {
	var st OutcomeState
	var first, closed *time.Time
	err := s.db.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM outcome_answers WHERE referral_id = $1 AND stage = 'before'),
			EXISTS (SELECT 1 FROM outcome_answers WHERE referral_id = $1 AND stage = 'after'),
			(SELECT min(starts_at) FROM appointments WHERE referral_id = $1 AND status <> 'cancelled'),
			(SELECT count(*) FROM appointments WHERE referral_id = $1 AND status = 'attended')::int,
			(SELECT closed_at FROM referrals WHERE id = $1),
			coalesce((SELECT opted_out_at IS NOT NULL FROM outcome_followups WHERE referral_id = $1), false)`, referralID).
		Scan(&st.BeforeDone, &st.AfterDone, &first, &st.Attended, &closed, &st.OptedOut)
	if err != nil {
		return st, fmt.Errorf("outcome state: %w", mapErr(err))
	}
	if first != nil {
		st.FirstSession = *first
	}
	if closed != nil {
		st.ClosedAt = *closed
	}
	return st, nil
}

// SaveOutcome records a questionnaire (or its skipping) for a referral. A
// second answer to the same questionnaire (a double submit) records
// nothing and returns created false. optOut records that the trainee does
// not want the six-month email.
func (s *Store) SaveOutcome(ctx context.Context, referralID int64, a OutcomeAnswer, optOut bool) (created bool, err error) {
	err = s.InTx(ctx, func(st *Store, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO outcome_answers (referral_id, stage, answered_at, skipped, self_awareness, options,
				decision, plan, confidence, fft, comment, may_quote, destination, still_helps)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (referral_id, stage) DO NOTHING`,
			referralID, a.Stage, a.AnsweredAt, a.Skipped, nullable(a.Ratings[0]), nullable(a.Ratings[1]), nullable(a.Ratings[2]),
			nullable(a.Ratings[3]), nullable(a.Ratings[4]), nullable(a.FFT), a.Comment, a.MayQuote, nullable(a.Destination), nullable(a.StillHelps))
		if err != nil {
			return mapErr(err)
		}
		created = tag.RowsAffected() == 1
		if optOut {
			if _, err := tx.Exec(ctx, `INSERT INTO outcome_followups (referral_id, opted_out_at) VALUES ($1, $2)
				ON CONFLICT (referral_id) DO UPDATE SET opted_out_at = coalesce(outcome_followups.opted_out_at, EXCLUDED.opted_out_at),
					token_hash = NULL, token_expires_at = NULL`, referralID, a.AnsweredAt); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("save questionnaire: %w", err)
	}
	return created, nil
}

// FollowUpCandidate is a closed referral whose six-month follow-up may be
// due, with what decides it.
type FollowUpCandidate struct {
	ID           int64
	Reference    string
	TraineeName  string
	TraineeEmail string
	Status       string
	Outcome      string
	ClosedAt     time.Time
	Attended     int
	OptedOut     bool
	Answered     bool
	DestroyOn    time.Time // a date in Europe/London (midnight UTC)
	SentAt       *time.Time
	Reminded     bool
}

// LockFollowUpCandidates lists, and locks for the rest of the transaction,
// up to limit referrals closed between closedFrom and closedTo that may
// have something to send: closed (not withdrawn) with a session held, not
// opted out, the follow-up not answered, and either not emailed yet or
// emailed before remindBefore without a reminder. The caller decides each
// exactly (outcomes.Next); the filter keeps referrals that can never be
// sent anything from filling the batch. Rows another worker holds are
// skipped. months is the retention period, for the day the record may be
// destroyed.
func (s *Store) LockFollowUpCandidates(ctx context.Context, closedFrom, closedTo, remindBefore time.Time, months, limit int) ([]FollowUpCandidate, error) {
	rows, err := s.db.Query(ctx, `SELECT r.id, r.reference, r.trainee_name, r.trainee_email, r.status, coalesce(r.outcome, ''),
			r.closed_at,
			(SELECT count(*) FROM appointments a WHERE a.referral_id = r.id AND a.status = 'attended')::int,
			coalesce(f.opted_out_at IS NOT NULL, false),
			EXISTS (SELECT 1 FROM outcome_answers o WHERE o.referral_id = r.id AND o.stage = 'followup'),
			((r.closed_at AT TIME ZONE 'Europe/London')::date + make_interval(months => $3::int))::date,
			f.sent_at, f.reminded_at IS NOT NULL
		FROM referrals r LEFT JOIN outcome_followups f ON f.referral_id = r.id
		WHERE r.closed_at IS NOT NULL AND r.closed_at >= $1 AND r.closed_at < $2
			AND r.status = 'closed' AND coalesce(r.outcome, '') <> 'withdrew'
			AND f.reminded_at IS NULL AND f.opted_out_at IS NULL AND (f.sent_at IS NULL OR f.sent_at <= $5)
			AND EXISTS (SELECT 1 FROM appointments a WHERE a.referral_id = r.id AND a.status = 'attended')
			AND NOT EXISTS (SELECT 1 FROM outcome_answers o WHERE o.referral_id = r.id AND o.stage = 'followup')
		ORDER BY r.closed_at, r.id
		LIMIT $4
		FOR UPDATE OF r SKIP LOCKED`, closedFrom, closedTo, months, limit, remindBefore)
	if err != nil {
		return nil, fmt.Errorf("follow-up candidates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (FollowUpCandidate, error) {
		var c FollowUpCandidate
		err := row.Scan(&c.ID, &c.Reference, &c.TraineeName, &c.TraineeEmail, &c.Status, &c.Outcome, &c.ClosedAt, &c.Attended,
			&c.OptedOut, &c.Answered, &c.DestroyOn, &c.SentAt, &c.Reminded)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("follow-up candidates: %w", err)
	}
	return out, nil
}

// MarkFollowUpSent records the follow-up email (reminder false) or its
// reminder with the link's new token hash, valid until expires; an earlier
// link stops working.
func (s *Store) MarkFollowUpSent(ctx context.Context, referralID int64, reminder bool, hash []byte, now, expires time.Time) error {
	q := `INSERT INTO outcome_followups (referral_id, sent_at, token_hash, token_expires_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (referral_id) DO UPDATE SET sent_at = EXCLUDED.sent_at, token_hash = EXCLUDED.token_hash,
			token_expires_at = EXCLUDED.token_expires_at`
	if reminder {
		q = `UPDATE outcome_followups SET reminded_at = $2, token_hash = $3, token_expires_at = $4 WHERE referral_id = $1`
	}
	if _, err := s.db.Exec(ctx, q, referralID, now, hash, expires); err != nil {
		return fmt.Errorf("follow-up sent: %w", mapErr(err))
	}
	return nil
}

// FollowUpByToken finds the referral a follow-up link is for: ErrNotFound
// when the link is unknown, used or expired.
func (s *Store) FollowUpByToken(ctx context.Context, hash []byte, now time.Time) (referralID int64, err error) {
	err = s.db.QueryRow(ctx, `SELECT referral_id FROM outcome_followups WHERE token_hash = $1 AND token_expires_at > $2`, hash, now).Scan(&referralID)
	if err != nil {
		return 0, fmt.Errorf("follow-up link: %w", mapErr(err))
	}
	return referralID, nil
}

// AnswerFollowUp records the answer given through a follow-up link (or its
// skipping, or a request not to be asked again: optOut) and spends the
// link, in one transaction. ErrNotFound: the link is unknown, used or
// expired (a double submit finds it spent). It returns the referral's
// reference, for the audit log.
func (s *Store) AnswerFollowUp(ctx context.Context, hash []byte, a OutcomeAnswer, optOut bool) (reference string, err error) {
	var referralID int64
	err = s.InTx(ctx, func(st *Store, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT f.referral_id, r.reference FROM outcome_followups f JOIN referrals r ON r.id = f.referral_id
			WHERE f.token_hash = $1 AND f.token_expires_at > $2 FOR UPDATE OF f`,
			hash, a.AnsweredAt).Scan(&referralID, &reference); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE outcome_followups SET token_hash = NULL, token_expires_at = NULL,
				opted_out_at = CASE WHEN $2 THEN $3::timestamptz ELSE opted_out_at END WHERE referral_id = $1`,
			referralID, optOut, a.AnsweredAt); err != nil {
			return mapErr(err)
		}
		if optOut && !a.Skipped {
			return nil
		}
		_, err := st.SaveOutcome(ctx, referralID, a, false)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("answer follow-up: %w", err)
	}
	return reference, nil
}

// OutcomePair is one trainee's closure answers with their before answers
// (zero when they gave none), and the categories the report breaks down
// by; nothing that names the trainee.
type OutcomePair struct {
	Route, Group string
	Reasons      []string
	Before       [5]int
	After        [5]int
	FFT          string
}

// FollowUpAnswer is one six-month answer with its categories.
type FollowUpAnswer struct {
	Route, Group string
	Reasons      []string
	Destination  string
	StillHelps   int
}

// OutcomeComment is a closure comment; Name is set only when the trainee
// agreed to be quoted.
type OutcomeComment struct {
	At      time.Time
	Comment string
	Name    string
	FFT     string
}

// QuestionnaireReport is the questionnaires of a period.
type QuestionnaireReport struct {
	Pairs     []OutcomePair    // closure answers of referrals closed in the period
	FollowUps []FollowUpAnswer // six-month answers given in the period
	Comments  []OutcomeComment // closure comments of referrals closed in the period
}

// ReportQuestionnaires reads the questionnaires for [from, to): the closure
// answers (with the before answers they pair with) and comments of
// referrals closed in the period, and the follow-up answers given in it.
// Rows carry no identity: the report aggregates them with the pure rules
// of internal/outcomes, which are tested by hand-worked figures. Two
// statements; the closure range uses referrals_closed_at_idx.
func (s *Store) ReportQuestionnaires(ctx context.Context, from, to time.Time) (QuestionnaireReport, error) {
	var out QuestionnaireReport
	rows, err := s.db.Query(ctx, `SELECT r.route, r.professional_group,
			ARRAY(SELECT `+reportReasons+`), 'pair',
			coalesce(b.self_awareness, 0), coalesce(b.options, 0), coalesce(b.decision, 0), coalesce(b.plan, 0), coalesce(b.confidence, 0),
			coalesce(a.self_awareness, 0), coalesce(a.options, 0), coalesce(a.decision, 0), coalesce(a.plan, 0), coalesce(a.confidence, 0),
			coalesce(a.fft, ''), a.comment, CASE WHEN a.may_quote THEN r.trainee_name ELSE '' END, a.answered_at
		FROM referrals r
		JOIN outcome_answers a ON a.referral_id = r.id AND a.stage = 'after' AND NOT a.skipped
		LEFT JOIN outcome_answers b ON b.referral_id = r.id AND b.stage = 'before' AND NOT b.skipped
		WHERE r.closed_at IS NOT NULL AND r.closed_at >= $1 AND r.closed_at < $2
		ORDER BY a.answered_at`, from, to)
	if err != nil {
		return out, fmt.Errorf("report questionnaires: %w", err)
	}
	var p OutcomePair
	var kind, comment, name string
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&p.Route, &p.Group, &p.Reasons, &kind,
		&p.Before[0], &p.Before[1], &p.Before[2], &p.Before[3], &p.Before[4],
		&p.After[0], &p.After[1], &p.After[2], &p.After[3], &p.After[4], &p.FFT, &comment, &name, &at}, func() error {
		out.Pairs = append(out.Pairs, p)
		if comment != "" {
			out.Comments = append(out.Comments, OutcomeComment{At: at, Comment: comment, Name: name, FFT: p.FFT})
		}
		p = OutcomePair{}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("report questionnaires: %w", err)
	}
	rows, err = s.db.Query(ctx, `SELECT r.route, r.professional_group, ARRAY(SELECT `+reportReasons+`),
			coalesce(a.destination, ''), coalesce(a.still_helps, 0)
		FROM outcome_answers a JOIN referrals r ON r.id = a.referral_id
		WHERE a.stage = 'followup' AND NOT a.skipped AND a.answered_at >= $1 AND a.answered_at < $2`, from, to)
	if err != nil {
		return out, fmt.Errorf("report follow-ups: %w", err)
	}
	var f FollowUpAnswer
	_, err = pgx.ForEachRow(rows, []any{&f.Route, &f.Group, &f.Reasons, &f.Destination, &f.StillHelps}, func() error {
		out.FollowUps = append(out.FollowUps, f)
		f = FollowUpAnswer{}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("report follow-ups: %w", err)
	}
	return out, nil
}
