package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Retention (docs/decisions/0003-retention.md): a finished referral (closed
// or withdrawn) is destroyed once its retention period has run from the day
// it finished, unless a legal hold stops it. What was destroyed is recorded
// in the append-only destruction register, without anything about the
// person.
//
// Dates are calendar days in Europe/London. A referral finished on day C
// falls due on C plus the retention period in months, counted by
// PostgreSQL's calendar arithmetic (31 January plus one month is 28 or 29
// February), and is destroyed by the first run on or after that day. Every
// query below uses the one expression dueOn, so the admin page, the job and
// the register agree on the date.

// Sentinel errors of DestroyReferral: the referral changed after it was
// listed (reopened, held), so it is left alone.
var (
	// ErrNotDue means the referral is not finished, or its retention
	// period has not run out.
	ErrNotDue = errors.New("not due for destruction")
	// ErrOnHold means a legal hold stops the referral's destruction.
	ErrOnHold = errors.New("under a legal hold")
)

// dueOn is the day a finished referral falls due, for months in $2.
const dueOn = `(((r.closed_at AT TIME ZONE 'Europe/London')::date + make_interval(months => $2::int))::date)`

// dueBy keeps the finished referrals due on or before the date $1. The first
// condition lets the index on closed_at narrow the scan: calendar
// arithmetic can move a due date back by at most three days at a month's
// end, so the bound is loosened by four; the second is the exact test.
const dueBy = `r.closed_at IS NOT NULL AND r.status IN ('closed','withdrawn')
	AND r.closed_at < ((($1::date + 4) - make_interval(months => $2::int))::timestamp AT TIME ZONE 'Europe/London')
	AND ` + dueOn + ` <= $1::date`

// londonDate turns a day in Europe/London (its clock time ignored) into the
// value the queries compare dates with.
func londonDate(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
}

// DueReferral is a finished referral as the retention pages and job see it:
// its reference, route and dates, never its contents.
type DueReferral struct {
	ID         int64     `db:"id"`
	Reference  string    `db:"reference"`
	Route      string    `db:"route"`
	Status     string    `db:"status"`
	ClosedAt   time.Time `db:"closed_at"`
	DueOn      time.Time `db:"due_on"` // a date in Europe/London (pgx reads it as midnight UTC)
	OnHold     bool      `db:"on_hold"`
	HoldReason string    `db:"hold_reason"`
}

// ReferralsDueBy lists finished referrals that fall due on or before through
// (a day in Europe/London), earliest first, at most limit of them. The job
// asks with through = today and withHeld false; the admin page asks for the
// next 30 days and shows the held ones too.
func (s *Store) ReferralsDueBy(ctx context.Context, through time.Time, months, limit int, withHeld bool) ([]DueReferral, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT r.id, r.reference, r.route, r.status, r.closed_at, `+dueOn+` AS due_on,
		       r.legal_hold_at IS NOT NULL AS on_hold, coalesce(r.legal_hold_reason, '') AS hold_reason
		FROM referrals r
		WHERE `+dueBy+` AND ($4 OR r.legal_hold_at IS NULL)
		ORDER BY r.closed_at, r.id
		LIMIT $3`, londonDate(through), months, limit, withHeld)
	due, err := pgx.CollectRows(rows, pgx.RowToStructByName[DueReferral])
	if err != nil {
		return nil, fmt.Errorf("referrals due for destruction: %w", err)
	}
	return due, nil
}

// Register categories: what DestroyReferral counts, in the order shown.
const (
	CatReferral           = "referral"
	CatDocuments          = "documents"
	CatSummaries          = "summaries"
	CatAppointments       = "appointments"
	CatMessages           = "messages"
	CatMessageAttachments = "message_attachments"
	CatTimeline           = "timeline_events"
	CatNotes              = "notes"
	CatQuestions          = "questions"
	CatExtensions         = "extension_requests"
	CatAllowance          = "allowance_events"
	CatDrafts             = "drafts"
	CatOneTimeLinks       = "one_time_links"
	CatQuestionnaires     = "outcome_questionnaires"
)

// Categories lists the register's categories in display order.
var Categories = []string{CatReferral, CatDocuments, CatSummaries, CatAppointments, CatMessages, CatMessageAttachments,
	CatTimeline, CatNotes, CatQuestions, CatExtensions, CatAllowance, CatDrafts, CatOneTimeLinks, CatQuestionnaires}

// countChildren counts every record of a referral, by category. Each
// subquery reads one child table by its referral index.
const countChildren = `SELECT
	(SELECT count(*) FROM documents WHERE referral_id = $1),
	(SELECT count(*) FROM summaries WHERE referral_id = $1),
	(SELECT count(*) FROM appointments WHERE referral_id = $1),
	(SELECT count(*) FROM notifications WHERE referral_id = $1),
	(SELECT count(*) FROM notification_attachments a JOIN notifications n ON n.id = a.notification_id WHERE n.referral_id = $1),
	(SELECT count(*) FROM referral_events WHERE referral_id = $1),
	(SELECT count(*) FROM referral_notes WHERE referral_id = $1),
	(SELECT count(*) FROM info_requests WHERE referral_id = $1),
	(SELECT count(*) FROM extension_requests WHERE referral_id = $1),
	(SELECT count(*) FROM allowance_events WHERE referral_id = $1),
	(SELECT count(*) FROM referral_drafts WHERE referral_id = $1),
	(SELECT count(*) FROM auth_tokens WHERE referral_id = $1),
	(SELECT count(*) FROM outcome_answers WHERE referral_id = $1)`

// RegisterEntry is one row of the destruction register.
type RegisterEntry struct {
	ID              int64
	Reference       string
	Route           string
	SubmittedOn     time.Time // dates in Europe/London
	ClosedOn        time.Time
	DueOn           time.Time
	DestroyedAt     time.Time
	RetentionMonths int
	Categories      map[string]int
	DestroyedBy     string
}

// DestroyReferral destroys one referral and everything that belongs to it,
// in one transaction: it locks the referral, checks again that it is
// finished, due on the day of now (Europe/London) and not held, counts its
// records by category, writes the register row and an audit row, and
// deletes the referral (its child rows go with it, ON DELETE CASCADE). It
// returns ErrNotFound, ErrNotDue or ErrOnHold, and destroys nothing, when
// the referral is gone, was reopened or is not yet due, or is held.
func (s *Store) DestroyReferral(ctx context.Context, id int64, now time.Time, months int) (RegisterEntry, error) {
	if months < 1 {
		return RegisterEntry{}, fmt.Errorf("destroy referral: retention of %d months: %w", months, ErrInvalid)
	}
	today := londonDate(now.In(london))
	var e RegisterEntry
	err := s.InTx(ctx, func(st *Store, tx pgx.Tx) error {
		var finished, due, held bool
		err := tx.QueryRow(ctx, `
			SELECT r.reference, r.route,
			       (r.submitted_at AT TIME ZONE 'Europe/London')::date,
			       coalesce((r.closed_at AT TIME ZONE 'Europe/London')::date, $1::date),
			       coalesce(`+dueOn+`, $1::date),
			       r.closed_at IS NOT NULL AND r.status IN ('closed','withdrawn'),
			       coalesce(`+dueOn+` <= $1::date, false),
			       r.legal_hold_at IS NOT NULL
			FROM referrals r WHERE r.id = $3 FOR UPDATE`, today, months, id).
			Scan(&e.Reference, &e.Route, &e.SubmittedOn, &e.ClosedOn, &e.DueOn, &finished, &due, &held)
		if err != nil {
			return mapErr(err)
		}
		switch {
		case !finished || !due:
			return ErrNotDue
		case held:
			return ErrOnHold
		}
		counts := make([]int, len(Categories)-1)
		dest := make([]any, len(counts))
		for i := range counts {
			dest[i] = &counts[i]
		}
		if err := tx.QueryRow(ctx, countChildren, id).Scan(dest...); err != nil {
			return err
		}
		e.Categories = map[string]int{CatReferral: 1}
		for i, c := range Categories[1:] {
			e.Categories[c] = counts[i]
		}
		raw, err := json.Marshal(e.Categories)
		if err != nil {
			return err
		}
		e.DestroyedAt, e.RetentionMonths, e.DestroyedBy = now.UTC(), months, "retention job"
		if err := tx.QueryRow(ctx, `
			INSERT INTO destruction_register (reference, route, submitted_on, closed_on, due_on, destroyed_at, retention_months, categories, destroyed_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			e.Reference, e.Route, e.SubmittedOn, e.ClosedOn, e.DueOn, e.DestroyedAt, months, raw, e.DestroyedBy).Scan(&e.ID); err != nil {
			return mapErr(err)
		}
		if err := st.Audit(ctx, AuditEntry{At: e.DestroyedAt, ActorKind: "system", Action: "destroyed", RecordType: "referral",
			RecordID: e.Reference, Outcome: OutcomeSuccess, Detail: fmt.Sprintf("retention period of %d months ended on %s", months, e.DueOn.Format(time.DateOnly))}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM referrals WHERE id = $1`, id); err != nil {
			return mapErr(err)
		}
		return nil
	})
	if err != nil {
		return RegisterEntry{}, fmt.Errorf("destroy referral %d: %w", id, err)
	}
	return e, nil
}

// DeleteAbandonedDrafts deletes referral forms never submitted and not
// changed since before (and any Form C uploaded to them), at most limit of
// them; it returns how many went.
func (s *Store) DeleteAbandonedDrafts(ctx context.Context, before time.Time, limit int) (int64, error) {
	tag, err := s.db.Exec(ctx, `
		DELETE FROM referral_drafts WHERE id IN (
			SELECT id FROM referral_drafts WHERE referral_id IS NULL AND updated_at < $1 ORDER BY updated_at LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("delete abandoned drafts: %w", err)
	}
	return tag.RowsAffected(), nil
}

// DeleteSpentLinks deletes one-time links that belong to no referral
// (sign-in, set or reset a password) made before before that were used or
// have expired: a sign-in link's row holds the address it was for, and an
// old one serves no purpose. A referral's own links (confirming it) go with
// the referral. At most limit go in one call.
func (s *Store) DeleteSpentLinks(ctx context.Context, before, now time.Time, limit int) (int64, error) {
	tag, err := s.db.Exec(ctx, `
		DELETE FROM auth_tokens WHERE id IN (
			SELECT id FROM auth_tokens WHERE referral_id IS NULL AND created_at < $1 AND (used_at IS NOT NULL OR expires_at < $2)
			ORDER BY created_at LIMIT $3)`, before, now, limit)
	if err != nil {
		return 0, fmt.Errorf("delete spent links: %w", err)
	}
	return tag.RowsAffected(), nil
}

// DeleteOldLooseMessages deletes emails that belong to no referral (sign-in
// links, staff invitations and password resets, the coordinators' digest)
// recorded before before and no longer waiting to be sent. A referral's own
// messages go with the referral when its retention period ends.
func (s *Store) DeleteOldLooseMessages(ctx context.Context, before time.Time, limit int) (int64, error) {
	tag, err := s.db.Exec(ctx, `
		DELETE FROM notifications WHERE id IN (
			SELECT id FROM notifications WHERE referral_id IS NULL AND status <> 'queued' AND created_at < $1
			ORDER BY created_at LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("delete old messages: %w", err)
	}
	return tag.RowsAffected(), nil
}

// DestroyedOn returns when the referral with reference was destroyed, if
// it was (found false otherwise).
func (s *Store) DestroyedOn(ctx context.Context, reference string) (at time.Time, found bool, err error) {
	err = s.db.QueryRow(ctx, `SELECT destroyed_at FROM destruction_register WHERE reference = $1`, reference).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("destruction register: %w", err)
	}
	return at, true, nil
}

// DestructionRegister lists the register newest first, limit rows from the
// keyset cursor (rows strictly older than beforeAt/beforeID; zero beforeID
// starts at the newest). It returns one row more than limit when there is a
// further page.
func (s *Store) DestructionRegister(ctx context.Context, beforeAt time.Time, beforeID int64, limit int) ([]RegisterEntry, error) {
	rows, err := s.db.Query(ctx, `
		SELECT id, reference, route, submitted_on, closed_on, due_on, destroyed_at, retention_months, categories, destroyed_by
		FROM destruction_register
		WHERE $1::bigint = 0 OR (destroyed_at, id) < ($2, $1)
		ORDER BY destroyed_at DESC, id DESC
		LIMIT $3`, beforeID, beforeAt, limit+1)
	if err != nil {
		return nil, fmt.Errorf("destruction register: %w", err)
	}
	es, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RegisterEntry, error) {
		var e RegisterEntry
		err := row.Scan(&e.ID, &e.Reference, &e.Route, &e.SubmittedOn, &e.ClosedOn, &e.DueOn, &e.DestroyedAt, &e.RetentionMonths, &e.Categories, &e.DestroyedBy)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("destruction register: %w", err)
	}
	return es, nil
}

// LegalHold is a referral kept beyond its retention period.
type LegalHold struct {
	Reference string     `db:"reference"`
	Route     string     `db:"route"`
	Status    string     `db:"status"`
	ClosedAt  *time.Time `db:"closed_at"`
	Reason    string     `db:"reason"`
	At        time.Time  `db:"at"`
	ByName    string     `db:"by_name"`
}

// LegalHolds lists the referrals under a legal hold, oldest hold first.
func (s *Store) LegalHolds(ctx context.Context) ([]LegalHold, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT r.reference, r.route, r.status, r.closed_at, r.legal_hold_reason AS reason, r.legal_hold_at AS at,
		       coalesce(u.name, '') AS by_name
		FROM referrals r LEFT JOIN staff_users u ON u.id = r.legal_hold_by
		WHERE r.legal_hold_at IS NOT NULL
		ORDER BY r.legal_hold_at, r.id`)
	hs, err := pgx.CollectRows(rows, pgx.RowToStructByName[LegalHold])
	if err != nil {
		return nil, fmt.Errorf("legal holds: %w", err)
	}
	return hs, nil
}

// PlaceLegalHold puts the referral with reference under a legal hold and
// records it in its timeline. It returns ErrNotFound for an unknown
// reference and ErrConflict when the referral is held already. Audit it in
// the same transaction.
func (s *Store) PlaceLegalHold(ctx context.Context, reference, reason string, by int64, now time.Time) error {
	return s.InTx(ctx, func(st *Store, tx pgx.Tx) error {
		id, held, err := st.lockForHold(ctx, reference)
		if err != nil {
			return err
		}
		if held {
			return fmt.Errorf("legal hold: %w", ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE referrals SET legal_hold_reason = $2, legal_hold_at = $3, legal_hold_by = $4 WHERE id = $1`,
			id, reason, now, by); err != nil {
			return fmt.Errorf("legal hold: %w", mapErr(err))
		}
		// The reason (a complaint, a claim, a court's request) stays with the
		// hold and in the audit log: the timeline, which the coach and the
		// Case Manager read and the trainee gets in their data, says only
		// that there is one.
		return st.AddEvent(ctx, id, now, "legal_hold_placed", "staff", by,
			"Legal hold placed: this referral is kept past its retention period until the hold is lifted.")
	})
}

// LiftLegalHold ends a referral's legal hold, recording why in its
// timeline. It returns ErrNotFound for an unknown reference and ErrConflict
// when the referral is not held. Once lifted, a referral past its due date
// is destroyed by the next run of the retention job.
func (s *Store) LiftLegalHold(ctx context.Context, reference, reason string, by int64, now time.Time) error {
	return s.InTx(ctx, func(st *Store, tx pgx.Tx) error {
		id, held, err := st.lockForHold(ctx, reference)
		if err != nil {
			return err
		}
		if !held {
			return fmt.Errorf("lift legal hold: %w", ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE referrals SET legal_hold_reason = NULL, legal_hold_at = NULL, legal_hold_by = NULL WHERE id = $1`, id); err != nil {
			return fmt.Errorf("lift legal hold: %w", mapErr(err))
		}
		return st.AddEvent(ctx, id, now, "legal_hold_lifted", "staff", by, "Legal hold lifted.")
	})
}

func (s *Store) lockForHold(ctx context.Context, reference string) (id int64, held bool, err error) {
	err = s.db.QueryRow(ctx, `SELECT id, legal_hold_at IS NOT NULL FROM referrals WHERE reference = $1 FOR UPDATE`, reference).Scan(&id, &held)
	if err != nil {
		return 0, false, fmt.Errorf("legal hold: %w", mapErr(err))
	}
	return id, held, nil
}
