package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// After a workshop (issue 16): the attendee's own check-in, their feedback
// and certificate, the email asking for feedback, the reports' figures,
// and the destruction of an event's registrations when its retention
// period ends (migration 00026).

// WorkshopCheckInCode is the code staff show in the session for
// workshop id (upper case letters and digits).
func (s *Store) WorkshopCheckInCode(ctx context.Context, workshopID int64) (string, error) {
	var code string
	err := s.db.QueryRow(ctx, `SELECT check_in_code FROM workshops WHERE id = $1`, workshopID).Scan(&code)
	if err != nil {
		return "", fmt.Errorf("workshop check-in code: %w", mapErr(err))
	}
	return code, nil
}

// WorkshopSelfCheckIn marks registration as attended by the attendee's own
// check-in at now, while it holds a place (status placed). It reports
// whether it changed anything: false when they were marked attended
// already (a second submit changes nothing) or hold no place.
func (s *Store) WorkshopSelfCheckIn(ctx context.Context, registrationID int64, now time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE workshop_registrations
		SET attendance = 'attended', attendance_by = 'self', attendance_at = $2, updated_at = $2
		WHERE id = $1 AND status = 'placed' AND attendance IS DISTINCT FROM 'attended'`, registrationID, now)
	if err != nil {
		return false, fmt.Errorf("workshop check-in: %w", mapErr(err))
	}
	return tag.RowsAffected() == 1, nil
}

// WorkshopFeedback is one attendee's answers after a workshop.
type WorkshopFeedback struct {
	FFT        string // very_good, good, neither, poor, very_poor, dont_know
	Comment    string
	AnsweredAt time.Time
}

// WorkshopFeedbackOf returns registration's feedback; found is false when
// they have not given any.
func (s *Store) WorkshopFeedbackOf(ctx context.Context, registrationID int64) (f WorkshopFeedback, found bool, err error) {
	err = s.db.QueryRow(ctx, `SELECT fft, comment, answered_at FROM workshop_feedback WHERE registration_id = $1`, registrationID).
		Scan(&f.FFT, &f.Comment, &f.AnsweredAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return WorkshopFeedback{}, false, nil
	}
	if err != nil {
		return WorkshopFeedback{}, false, fmt.Errorf("workshop feedback: %w", err)
	}
	return f, true, nil
}

// SaveWorkshopFeedback records an attendee's feedback once: it reports
// false, and keeps the first answers, when there are answers already (a
// double submit records one row). Only an attendee of the workshop
// (attendance attended) can give it.
func (s *Store) SaveWorkshopFeedback(ctx context.Context, registrationID int64, f WorkshopFeedback) (bool, error) {
	tag, err := s.db.Exec(ctx, `INSERT INTO workshop_feedback (registration_id, workshop_id, answered_at, fft, comment)
		SELECT r.id, r.workshop_id, $2, $3, $4 FROM workshop_registrations r
		WHERE r.id = $1 AND r.status = 'placed' AND r.attendance = 'attended'
		ON CONFLICT (registration_id) DO NOTHING`, registrationID, f.AnsweredAt, f.FFT, f.Comment)
	if err != nil {
		return false, fmt.Errorf("save workshop feedback: %w", mapErr(err))
	}
	return tag.RowsAffected() == 1, nil
}

// FeedbackAsk is an attendee to email after a workshop, asking for
// feedback.
type FeedbackAsk struct {
	RegistrationID int64
	WorkshopID     int64
	Slug           string
	Title          string
	StartsAt       time.Time
	EndsAt         time.Time
	Name           string
	Email          string
}

// LockFeedbackAsks lists, and locks in the caller's transaction, attendees
// of workshops that ended at or before now (and not before since) who have
// not been asked for feedback and have not given any, at most limit. Rows
// another worker holds are skipped.
func (s *Store) LockFeedbackAsks(ctx context.Context, since, now time.Time, limit int) ([]FeedbackAsk, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT r.id, w.id, w.slug, w.title, w.starts_at, w.ends_at, r.name, r.email
		FROM workshop_registrations r JOIN workshops w ON w.id = r.workshop_id
		WHERE r.attendance = 'attended' AND r.feedback_asked_at IS NULL AND r.status = 'placed'
		  AND w.status = 'scheduled' AND w.ends_at <= $1 AND w.ends_at > $2
		  AND NOT EXISTS (SELECT 1 FROM workshop_feedback f WHERE f.registration_id = r.id)
		ORDER BY w.ends_at, r.id
		LIMIT $3
		FOR UPDATE OF r SKIP LOCKED`, now, since, limit)
	asks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (FeedbackAsk, error) {
		var a FeedbackAsk
		err := row.Scan(&a.RegistrationID, &a.WorkshopID, &a.Slug, &a.Title, &a.StartsAt, &a.EndsAt, &a.Name, &a.Email)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("workshop feedback asks: %w", err)
	}
	return asks, nil
}

// MarkFeedbackAsked records that registration was asked for feedback at now.
func (s *Store) MarkFeedbackAsked(ctx context.Context, registrationID int64, now time.Time) error {
	if _, err := s.db.Exec(ctx, `UPDATE workshop_registrations SET feedback_asked_at = $2 WHERE id = $1`, registrationID, now); err != nil {
		return fmt.Errorf("mark feedback asked: %w", mapErr(err))
	}
	return nil
}

// WorkshopFigures are one workshop's counts for the reports.
type WorkshopFigures struct {
	ID        int64
	Title     string
	StartsAt  time.Time
	EndsAt    time.Time
	Cancelled bool
	Destroyed bool // its registrations were destroyed (retention)
	// Registrations confirmed (unconfirmed ones are nobody yet).
	Registrations int
	// Places: registrations with a place now (for an event that has
	// ended, those who had one at the end).
	Places   int
	Attended int
	// Waited: confirmed registrations that did not get a place straight
	// away (joined the waiting list); Converted: those of them who got one.
	Waited    int
	Converted int
	// FFT counts the Friends and Family Test answers by value.
	FFT map[string]int
}

// WorkshopComment is one free-text answer given after a workshop.
type WorkshopComment struct {
	WorkshopID int64
	At         time.Time
	FFT        string
	Comment    string
}

// WorkshopReport is what the reports read for workshops starting in a
// period.
type WorkshopReport struct {
	Workshops []WorkshopFigures
	Comments  []WorkshopComment
}

// confirmedSQL says a registration was confirmed. Cancelling one never
// confirmed stamps its confirmed_at with the moment it ended
// (CancelWorkshopRegistration), which tells the two apart.
const confirmedSQL = `(r.confirmed_at IS NOT NULL AND NOT (r.status = 'cancelled' AND r.placed_at IS NULL AND r.offered_at IS NULL AND r.ended_at = r.confirmed_at))`

// waitedSQL says a confirmed registration joined the waiting list: it was
// offered a place, or never got one, or got one only later than it
// confirmed (moved from the waiting list by hand; a place on confirming is
// stamped within microseconds of it).
const waitedSQL = confirmedSQL + ` AND (r.offered_at IS NOT NULL OR r.placed_at IS NULL OR r.placed_at > r.confirmed_at + interval '1 second')`

// ReportWorkshops reads the figures of the workshops starting in [from, to),
// in order of their start.
func (s *Store) ReportWorkshops(ctx context.Context, from, to time.Time) (WorkshopReport, error) {
	var rep WorkshopReport
	rows, _ := s.db.Query(ctx, `
		SELECT w.id, w.title, w.starts_at, w.ends_at, w.status = 'cancelled', w.registrations_destroyed_at IS NOT NULL,
		       count(r.id) FILTER (WHERE `+confirmedSQL+`),
		       count(r.id) FILTER (WHERE r.status = 'placed'),
		       count(r.id) FILTER (WHERE r.status = 'placed' AND r.attendance = 'attended'),
		       count(r.id) FILTER (WHERE `+waitedSQL+`),
		       count(r.id) FILTER (WHERE `+waitedSQL+` AND r.placed_at IS NOT NULL)
		FROM workshops w LEFT JOIN workshop_registrations r ON r.workshop_id = w.id
		WHERE w.starts_at >= $1 AND w.starts_at < $2
		GROUP BY w.id
		ORDER BY w.starts_at, w.id`, from, to)
	ws, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (WorkshopFigures, error) {
		var f WorkshopFigures
		err := row.Scan(&f.ID, &f.Title, &f.StartsAt, &f.EndsAt, &f.Cancelled, &f.Destroyed,
			&f.Registrations, &f.Places, &f.Attended, &f.Waited, &f.Converted)
		f.FFT = map[string]int{}
		return f, err
	})
	if err != nil {
		return rep, fmt.Errorf("workshop report: %w", err)
	}
	rep.Workshops = ws
	at := map[int64]int{}
	for i, w := range ws {
		at[w.ID] = i
	}
	rows, _ = s.db.Query(ctx, `
		SELECT f.workshop_id, f.fft, count(*) FROM workshop_feedback f JOIN workshops w ON w.id = f.workshop_id
		WHERE w.starts_at >= $1 AND w.starts_at < $2
		GROUP BY 1, 2`, from, to)
	var id int64
	var fft string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&id, &fft, &n}, func() error {
		if i, ok := at[id]; ok {
			rep.Workshops[i].FFT[fft] = n
		}
		return nil
	}); err != nil {
		return rep, fmt.Errorf("workshop report feedback: %w", err)
	}
	rows, _ = s.db.Query(ctx, `
		SELECT f.workshop_id, f.answered_at, f.fft, f.comment FROM workshop_feedback f JOIN workshops w ON w.id = f.workshop_id
		WHERE w.starts_at >= $1 AND w.starts_at < $2 AND f.comment <> ''
		ORDER BY w.starts_at, w.id, f.answered_at, f.registration_id`, from, to)
	rep.Comments, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (WorkshopComment, error) {
		var c WorkshopComment
		err := row.Scan(&c.WorkshopID, &c.At, &c.FFT, &c.Comment)
		return c, err
	})
	if err != nil {
		return rep, fmt.Errorf("workshop report comments: %w", err)
	}
	return rep, nil
}

// Register categories of a workshop's destroyed registrations (the
// register's row for a workshop is "workshop-<id>", route "workshop").
const (
	CatWorkshopRegistrations = "workshop_registrations"
	CatWorkshopAttendance    = "workshop_attendance"
	CatWorkshopFeedback      = "workshop_feedback"
	CatWorkshopLinks         = "workshop_place_links"
)

// WorkshopCategories lists the workshop categories in display order.
var WorkshopCategories = []string{CatWorkshopRegistrations, CatWorkshopAttendance, CatWorkshopFeedback, CatWorkshopLinks}

// RegisterRoute is the destruction register's route for a workshop's
// registrations.
const RegisterRoute = "workshop"

// WorkshopRegisterReference is the destruction register's reference for
// workshop id's registrations.
func WorkshopRegisterReference(id int64) string { return "workshop-" + strconv.FormatInt(id, 10) }

// workshopDueOn is the day a workshop's registrations fall due, for months
// in $2: the London date of its end plus the period.
const workshopDueOn = `(((w.ends_at AT TIME ZONE 'Europe/London')::date + make_interval(months => $2::int))::date)`

// DueWorkshop is a workshop whose registrations have passed their
// retention period.
type DueWorkshop struct {
	ID    int64
	DueOn time.Time
}

// WorkshopsDueBy lists workshops whose registrations fall due on or before
// through (a day in Europe/London) and are still kept, earliest first, at
// most limit. The first condition lets the index narrow the scan (see
// dueBy for referrals).
func (s *Store) WorkshopsDueBy(ctx context.Context, through time.Time, months, limit int) ([]DueWorkshop, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT w.id, `+workshopDueOn+` FROM workshops w
		WHERE w.registrations_destroyed_at IS NULL
		  AND w.ends_at < ((($1::date + 4) - make_interval(months => $2::int))::timestamp AT TIME ZONE 'Europe/London')
		  AND `+workshopDueOn+` <= $1::date
		ORDER BY w.ends_at, w.id
		LIMIT $3`, londonDate(through), months, limit)
	due, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (DueWorkshop, error) {
		var d DueWorkshop
		err := row.Scan(&d.ID, &d.DueOn)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("workshops due for destruction: %w", err)
	}
	return due, nil
}

// DestroyWorkshopRegistrations destroys, in one transaction, every
// registration of workshop id (names, email addresses, attendance, the
// feedback and links that go with them) once its retention period of
// months from the event's end has run out on the day of now: it locks the
// workshop, checks it is due, counts what goes by category, writes the
// destruction register's row ("workshop-<id>") and an audit row, deletes
// the registrations and marks the workshop. The event itself stays (title,
// dates, places: nothing about a person). ErrNotDue when it is not due or
// was done already; ErrNotFound when it is gone.
func (s *Store) DestroyWorkshopRegistrations(ctx context.Context, id int64, now time.Time, months int) (RegisterEntry, error) {
	if months < 1 {
		return RegisterEntry{}, fmt.Errorf("destroy workshop registrations: retention of %d months: %w", months, ErrInvalid)
	}
	today := londonDate(now.In(london))
	var e RegisterEntry
	err := s.InTx(ctx, func(st *Store, tx pgx.Tx) error {
		var due bool
		err := tx.QueryRow(ctx, `
			SELECT (w.starts_at AT TIME ZONE 'Europe/London')::date, (w.ends_at AT TIME ZONE 'Europe/London')::date,
			       `+workshopDueOn+`, `+workshopDueOn+` <= $1::date AND w.registrations_destroyed_at IS NULL
			FROM workshops w WHERE w.id = $3 FOR UPDATE`, today, months, id).
			Scan(&e.SubmittedOn, &e.ClosedOn, &e.DueOn, &due)
		if err != nil {
			return mapErr(err)
		}
		if !due {
			return ErrNotDue
		}
		var regs, attended, feedback, links int
		if err := tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM workshop_registrations WHERE workshop_id = $1),
			(SELECT count(*) FROM workshop_registrations WHERE workshop_id = $1 AND attendance IS NOT NULL),
			(SELECT count(*) FROM workshop_feedback WHERE workshop_id = $1),
			(SELECT count(*) FROM workshop_place_links l JOIN workshop_registrations r ON r.id = l.registration_id WHERE r.workshop_id = $1)`, id).
			Scan(&regs, &attended, &feedback, &links); err != nil {
			return err
		}
		e.Reference, e.Route = WorkshopRegisterReference(id), RegisterRoute
		e.Categories = map[string]int{CatWorkshopRegistrations: regs, CatWorkshopAttendance: attended,
			CatWorkshopFeedback: feedback, CatWorkshopLinks: links}
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
		if err := st.Audit(ctx, AuditEntry{At: e.DestroyedAt, ActorKind: "system", Action: "destroyed", RecordType: "workshop_registrations",
			RecordID: e.Reference, Outcome: OutcomeSuccess,
			Detail: fmt.Sprintf("workshop retention period of %d months ended on %s", months, e.DueOn.Format(time.DateOnly))}); err != nil {
			return err
		}
		// Feedback and links go with their registrations (ON DELETE CASCADE).
		if _, err := tx.Exec(ctx, `DELETE FROM workshop_registrations WHERE workshop_id = $1`, id); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE workshops SET registrations_destroyed_at = $2 WHERE id = $1`, id, now); err != nil {
			return mapErr(err)
		}
		return nil
	})
	if err != nil {
		return RegisterEntry{}, fmt.Errorf("destroy workshop %d registrations: %w", id, err)
	}
	return e, nil
}

// UpcomingRegistration is a registration for a workshop still to come
// that its person could cancel (a place, an offer, a waiting-list entry,
// an unconfirmed registration).
type UpcomingRegistration struct {
	ID         int64
	WorkshopID int64
	Title      string
	StartsAt   time.Time
	EndsAt     time.Time
	Status     string
}

// UpcomingRegistrationsOf lists email's registrations (lower case) for
// scheduled workshops starting after now that can still be cancelled,
// soonest first: what a trainee withdrawing may give up too.
func (s *Store) UpcomingRegistrationsOf(ctx context.Context, email string, now time.Time) ([]UpcomingRegistration, error) {
	if email == "" {
		return nil, nil
	}
	rows, _ := s.db.Query(ctx, `
		SELECT r.id, w.id, w.title, w.starts_at, w.ends_at, r.status
		FROM workshop_registrations r JOIN workshops w ON w.id = r.workshop_id
		WHERE r.email = $1 AND w.status = 'scheduled' AND w.starts_at > $2
		  AND r.status IN ('unconfirmed', 'placed', 'waiting', 'offered')
		ORDER BY w.starts_at, w.id`, email, now)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (UpcomingRegistration, error) {
		var u UpcomingRegistration
		err := row.Scan(&u.ID, &u.WorkshopID, &u.Title, &u.StartsAt, &u.EndsAt, &u.Status)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("upcoming workshop registrations: %w", err)
	}
	return out, nil
}
