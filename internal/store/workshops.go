package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/workshops"
)

// Workshop is one workshop or webinar as the public pages show it.
type Workshop struct {
	ID                   int64
	Slug                 string
	Title                string
	Description          string
	Audience             string
	StartsAt, EndsAt     time.Time
	Mode                 string
	JoiningLink          string // only ever shown to people with a place
	Venue                string
	Capacity             int
	PlacesTaken          int
	Presenters           string
	RegistrationOpensAt  *time.Time
	RegistrationClosesAt *time.Time
	Status               string
	CancelReason         string
	ICSSequence          int
	// Waiting is how many are on the waiting list (waiting or offered).
	Waiting int
}

// PlacesLeft is how many places nobody holds.
func (w Workshop) PlacesLeft() int { return max(0, w.Capacity-w.PlacesTaken) }

// RegistrationState says whether someone may register at now: "open",
// "not_open" (before registration opens), "closed" (after it closes),
// "cancelled" or "past" (started).
func (w Workshop) RegistrationState(now time.Time) string {
	switch {
	case w.Status == workshops.WorkshopCancelled:
		return "cancelled"
	case !now.Before(w.StartsAt):
		return "past"
	case w.RegistrationOpensAt != nil && now.Before(*w.RegistrationOpensAt):
		return "not_open"
	case w.RegistrationClosesAt != nil && !now.Before(*w.RegistrationClosesAt):
		return "closed"
	}
	return "open"
}

const workshopColumns = `w.id, w.slug, w.title, w.description, w.audience, w.starts_at, w.ends_at, w.mode, w.joining_link, w.venue,
	w.capacity, w.places_taken, w.presenters, w.registration_opens_at, w.registration_closes_at, w.status, w.cancel_reason, w.ics_sequence,
	(SELECT count(*) FROM workshop_registrations q WHERE q.workshop_id = w.id AND q.status IN ('waiting', 'offered'))::int`

// workshopDest is where workshopColumns are scanned to.
func workshopDest(w *Workshop) []any {
	return []any{&w.ID, &w.Slug, &w.Title, &w.Description, &w.Audience, &w.StartsAt, &w.EndsAt, &w.Mode, &w.JoiningLink, &w.Venue,
		&w.Capacity, &w.PlacesTaken, &w.Presenters, &w.RegistrationOpensAt, &w.RegistrationClosesAt, &w.Status, &w.CancelReason, &w.ICSSequence,
		&w.Waiting}
}

func scanWorkshop(row pgx.Row) (Workshop, error) {
	var w Workshop
	err := row.Scan(workshopDest(&w)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Workshop{}, ErrNotFound
	}
	if err != nil {
		return Workshop{}, fmt.Errorf("workshop: %w", err)
	}
	return w, nil
}

// WorkshopBySlug finds the workshop at /workshops/{slug}.
func (s *Store) WorkshopBySlug(ctx context.Context, slug string) (Workshop, error) {
	return scanWorkshop(s.db.QueryRow(ctx, `SELECT `+workshopColumns+` FROM workshops w WHERE w.slug = $1`, slug))
}

// WorkshopByID finds workshop id.
func (s *Store) WorkshopByID(ctx context.Context, id int64) (Workshop, error) {
	return scanWorkshop(s.db.QueryRow(ctx, `SELECT `+workshopColumns+` FROM workshops w WHERE w.id = $1`, id))
}

// UpcomingWorkshops lists the workshops that have not ended by now, soonest
// first (cancelled ones too, so a link to one still explains itself; the
// list page shows them as cancelled).
func (s *Store) UpcomingWorkshops(ctx context.Context, now time.Time, limit int) ([]Workshop, error) {
	rows, err := s.db.Query(ctx, `SELECT `+workshopColumns+` FROM workshops w WHERE w.ends_at > $1 ORDER BY w.starts_at, w.id LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("upcoming workshops: %w", err)
	}
	defer rows.Close()
	var out []Workshop
	for rows.Next() {
		w, err := scanWorkshop(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// lockWorkshop locks workshop id's row until the transaction ends: every
// change of who holds a place takes this lock first, so confirmations,
// cancellations and offers for one workshop happen one after another.
func (s *Store) lockWorkshop(ctx context.Context, id int64) (Workshop, error) {
	return scanWorkshop(s.db.QueryRow(ctx, `SELECT `+workshopColumns+` FROM workshops w WHERE w.id = $1 FOR UPDATE OF w`, id))
}

// LockWorkshops locks the workshops ids (in any order, repeats allowed)
// until the transaction ends, in the order of their ids. A transaction
// that changes places in several workshops takes their locks this way
// first (the offer sweep, a withdrawal that gives up several places): two
// of them taking the same workshops' locks in different orders (one by
// offer expiry, the other by start) could each wait for the other, and
// PostgreSQL would end one with a deadlock error. Locks already held are
// taken again at no cost, so the single-workshop steps that follow
// (lockWorkshop) are unchanged.
func (s *Store) LockWorkshops(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.Exec(ctx, `SELECT id FROM workshops WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids); err != nil {
		return fmt.Errorf("lock workshops: %w", mapErr(err))
	}
	return nil
}

// NewWorkshopRegistration is a person's registration as they gave it.
type NewWorkshopRegistration struct {
	WorkshopID        int64
	Name, Email       string
	ProfessionalGroup string
	Region            string
	Grade             string
	// Eligibility is the check's outcome on the answers (eligible or
	// needs_review), with its reasons; Answers are the other answers the
	// rules read (training number, end of training, schemes), as given.
	Eligibility        string
	EligibilityReasons []EligibilityReason
	Answers            map[string][]string
}

// Registration outcomes of RegisterForWorkshop.
var (
	// ErrAlreadyRegistered: the email already holds a live registration
	// (placed, waiting or offered) for the workshop; nothing changed.
	ErrAlreadyRegistered = errors.New("already registered")
	// ErrRegistrationRemoved: staff removed this email from the workshop;
	// it cannot register again by itself.
	ErrRegistrationRemoved = errors.New("registration removed by staff")
)

// RegisterForWorkshop records r as unconfirmed with a one-time confirmation
// link (only its hash kept) valid until expires. A person registering again
// after cancelling (or declining or letting an offer lapse) reuses their
// row (keeping when they first confirmed: confirming again sets the
// waiting-list order afresh, and a registration someone else types in for
// their address cannot take away their sign-in); one not confirmed yet
// gets a fresh link (the old one stops working),
// but not within 10 minutes of the last (a double submit, or someone
// filling in another's address again and again, sends one email). A live
// registration is left alone: ErrAlreadyRegistered, with its id.
func (s *Store) RegisterForWorkshop(ctx context.Context, r NewWorkshopRegistration, tokenHash []byte, now, expires time.Time) (int64, error) {
	var id int64
	var status string
	err := s.db.QueryRow(ctx, `
		INSERT INTO workshop_registrations (workshop_id, name, email, professional_group, region, grade, status,
			created_at, updated_at, confirm_token_hash, confirm_expires_at, eligibility, eligibility_reasons, answers)
		VALUES ($1, $2, $3, $4, $5, $6, 'unconfirmed', $7, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (workshop_id, email) DO UPDATE SET
			name = excluded.name, professional_group = excluded.professional_group, region = excluded.region, grade = excluded.grade,
			eligibility = excluded.eligibility, eligibility_reasons = excluded.eligibility_reasons, answers = excluded.answers,
			status = 'unconfirmed', placed_at = NULL, offered_at = NULL, offer_expires_at = NULL, ended_at = NULL,
			confirm_token_hash = excluded.confirm_token_hash, confirm_expires_at = excluded.confirm_expires_at,
			reminded = '{}', updated_at = excluded.updated_at
		WHERE workshop_registrations.status IN ('cancelled', 'declined', 'lapsed')
			OR workshop_registrations.status = 'unconfirmed' AND (workshop_registrations.confirm_expires_at <= $7
				OR workshop_registrations.updated_at <= $7::timestamptz - interval '10 minutes')
		RETURNING id, status`,
		r.WorkshopID, r.Name, r.Email, r.ProfessionalGroup, r.Region, r.Grade, now, tokenHash, expires,
		r.Eligibility, reasonsOrEmpty(r.EligibilityReasons), answersOrEmpty(r.Answers)).Scan(&id, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.db.QueryRow(ctx, `SELECT id, status FROM workshop_registrations WHERE workshop_id = $1 AND email = $2`, r.WorkshopID, r.Email).Scan(&id, &status)
		if err != nil {
			return 0, fmt.Errorf("register for workshop: %w", mapErr(err))
		}
		if status == workshops.Removed {
			return id, ErrRegistrationRemoved
		}
		return id, ErrAlreadyRegistered
	}
	if err != nil {
		return 0, fmt.Errorf("register for workshop: %w", mapErr(err))
	}
	return id, nil
}

func reasonsOrEmpty(rs []EligibilityReason) []EligibilityReason {
	if rs == nil {
		return []EligibilityReason{}
	}
	return rs
}

func answersOrEmpty(a map[string][]string) map[string][]string {
	if a == nil {
		return map[string][]string{}
	}
	return a
}

// ConfirmedRegistration is the outcome of confirming a registration's email.
type ConfirmedRegistration struct {
	RegistrationID int64
	WorkshopID     int64
	Slug           string
	Status         string // placed or waiting
	// Position is the place on the waiting list (1 = next), when waiting.
	Position int
}

// ConfirmWorkshopRegistration spends the confirmation link whose token
// hashes to tokenHash, at now, and gives the registration a place or a
// waiting-list entry, in one transaction (call it inside InTx): the
// workshop's row is locked first, so confirmations for one workshop happen
// one at a time, and a place is given only while places_taken < capacity
// and nobody is waiting ahead (the CHECK on places_taken is the last
// guard). ErrNotFound: no such link, spent or run out. ErrInvalid: the
// workshop is cancelled or has started.
func (s *Store) ConfirmWorkshopRegistration(ctx context.Context, tokenHash []byte, now time.Time) (ConfirmedRegistration, error) {
	var c ConfirmedRegistration
	if len(tokenHash) == 0 {
		return c, ErrNotFound
	}
	err := s.db.QueryRow(ctx, `SELECT r.id, r.workshop_id FROM workshop_registrations r
		WHERE r.confirm_token_hash = $1 AND r.confirm_expires_at > $2 AND r.status = 'unconfirmed'`, tokenHash, now).Scan(&c.RegistrationID, &c.WorkshopID)
	if err != nil {
		return c, mapErr(err)
	}
	w, err := s.lockWorkshop(ctx, c.WorkshopID)
	if err != nil {
		return c, err
	}
	c.Slug = w.Slug
	// Lock the registration after the workshop (the order every change
	// uses) and check it is still the unconfirmed one the link was for.
	var status string
	if err := s.db.QueryRow(ctx, `SELECT status FROM workshop_registrations WHERE id = $1 AND confirm_token_hash = $2 FOR UPDATE`,
		c.RegistrationID, tokenHash).Scan(&status); err != nil {
		return c, mapErr(err)
	}
	if status != workshops.Unconfirmed {
		return c, ErrNotFound
	}
	if w.Status == workshops.WorkshopCancelled || !now.Before(w.StartsAt) {
		return c, ErrInvalid
	}
	c.Status = workshops.Waiting
	if w.PlacesTaken < w.Capacity && w.Waiting == 0 {
		c.Status = workshops.Placed
	}
	// The order of confirmation is the order in which confirmations took
	// the workshop's lock: confirmed_at never goes backwards within a
	// workshop (a confirmation whose clock read earlier but which waited
	// for the lock comes after the one that held it).
	_, err = s.db.Exec(ctx, `UPDATE workshop_registrations SET status = $2,
			confirmed_at = greatest($3::timestamptz, (SELECT max(q.confirmed_at) + interval '1 microsecond' FROM workshop_registrations q WHERE q.workshop_id = $4)),
			placed_at = CASE WHEN $2 = 'placed' THEN $3::timestamptz END, confirm_token_hash = NULL, confirm_expires_at = NULL, updated_at = $3
		WHERE id = $1`, c.RegistrationID, c.Status, now, c.WorkshopID)
	if err != nil {
		return c, fmt.Errorf("confirm workshop registration: %w", mapErr(err))
	}
	if c.Status == workshops.Waiting {
		c.Position, err = s.WaitingPosition(ctx, c.RegistrationID)
	}
	return c, err
}

// WaitingPosition is registration id's place on its workshop's waiting list
// (1 = offered next); 0 when it is not waiting.
func (s *Store) WaitingPosition(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM workshop_registrations q JOIN workshop_registrations r ON r.workshop_id = q.workshop_id
		WHERE r.id = $1 AND r.status = 'waiting' AND q.status = 'waiting' AND (q.confirmed_at, q.id) <= (r.confirmed_at, r.id)`, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("waiting position: %w", err)
	}
	return n, nil
}

// WorkshopOffer is a freed place just offered to someone waiting, or,
// too close to the start for an offer, given to them (Placed).
type WorkshopOffer struct {
	RegistrationID int64
	Expires        time.Time
	Placed         bool
}

// OfferPlaces offers each free place of workshop id to the next person on
// its waiting list (in order of confirmation), at now, with the deadline
// workshops.OfferExpiry gives. Within workshops.NoOffersWithin of the
// start there is no time to answer an offer: the place goes straight to
// the next person waiting (they asked to come, and are told by email with
// the joining details; they can still cancel). Call it in a transaction;
// it takes the workshop's lock. Nothing happens for a cancelled or started
// workshop. Most callers want jobs.OfferFreedPlaces, which also emails
// each person.
func (s *Store) OfferPlaces(ctx context.Context, id int64, now time.Time) ([]WorkshopOffer, error) {
	w, err := s.lockWorkshop(ctx, id)
	if err != nil {
		return nil, err
	}
	expires, ok := workshops.OfferExpiry(now, w.StartsAt)
	free := w.Capacity - w.PlacesTaken
	if free <= 0 || w.Status == workshops.WorkshopCancelled || !now.Before(w.StartsAt) {
		return nil, nil
	}
	var offerUntil *time.Time // none: a place without an offer
	if ok {
		offerUntil = &expires
	}
	rows, err := s.db.Query(ctx, `UPDATE workshop_registrations SET
			status = CASE WHEN $3::timestamptz IS NULL THEN 'placed' ELSE 'offered' END,
			placed_at = CASE WHEN $3::timestamptz IS NULL THEN $2::timestamptz END,
			offered_at = CASE WHEN $3::timestamptz IS NOT NULL THEN $2::timestamptz END,
			offer_expires_at = $3, updated_at = $2
		WHERE id IN (SELECT id FROM workshop_registrations WHERE workshop_id = $1 AND status = 'waiting'
			ORDER BY confirmed_at, id LIMIT $4 FOR UPDATE)
		RETURNING id`, id, now, offerUntil, free)
	if err != nil {
		return nil, fmt.Errorf("offer places: %w", mapErr(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("offer places: %w", mapErr(err))
	}
	out := make([]WorkshopOffer, len(ids))
	for i, rid := range ids {
		out[i] = WorkshopOffer{RegistrationID: rid, Expires: expires, Placed: !ok}
		if !ok {
			out[i].Expires = time.Time{}
		}
	}
	return out, nil
}

// lockRegistration locks registration id's workshop, then the registration
// (always in that order), and returns the registration's status.
func (s *Store) lockRegistration(ctx context.Context, id int64) (Workshop, WorkshopRegistration, error) {
	var wid int64
	if err := s.db.QueryRow(ctx, `SELECT workshop_id FROM workshop_registrations WHERE id = $1`, id).Scan(&wid); err != nil {
		return Workshop{}, WorkshopRegistration{}, mapErr(err)
	}
	w, err := s.lockWorkshop(ctx, wid)
	if err != nil {
		return w, WorkshopRegistration{}, err
	}
	r, err := scanRegistration(s.db.QueryRow(ctx, `SELECT `+registrationColumns+` FROM workshop_registrations r WHERE r.id = $1 FOR UPDATE`, id))
	return w, r, err
}

// CancelWorkshopRegistration ends registration id at its person's request,
// before the start: a place, a waiting-list entry, an offer or an
// unconfirmed registration. It reports whether a place was freed (the
// caller then runs jobs.OfferFreedPlaces in the same transaction) and the
// status it had. ErrConflict: nothing to cancel, or the event has started.
func (s *Store) CancelWorkshopRegistration(ctx context.Context, id int64, now time.Time) (freed bool, was string, err error) {
	w, r, err := s.lockRegistration(ctx, id)
	if err != nil {
		return false, "", err
	}
	if !workshops.CanCancel(r.Status, now, w.StartsAt) {
		return false, r.Status, ErrConflict
	}
	// A check-in made before the start (allowed from 15 minutes before)
	// goes with the place.
	if _, err := s.db.Exec(ctx, `UPDATE workshop_registrations SET status = 'cancelled', ended_at = $2, offer_expires_at = NULL,
			confirm_token_hash = NULL, confirm_expires_at = NULL, confirmed_at = coalesce(confirmed_at, $2),
			attendance = NULL, attendance_by = NULL, attendance_at = NULL, updated_at = $2 WHERE id = $1`, id, now); err != nil {
		return false, r.Status, fmt.Errorf("cancel workshop registration: %w", mapErr(err))
	}
	return workshops.HoldsPlace(r.Status), r.Status, nil
}

// AcceptWorkshopOffer turns registration id's live offer into a place.
// ErrConflict: there is no offer, or it has run out.
func (s *Store) AcceptWorkshopOffer(ctx context.Context, id int64, now time.Time) error {
	w, r, err := s.lockRegistration(ctx, id)
	if err != nil {
		return err
	}
	if r.Status != workshops.Offered || r.OfferExpiresAt == nil || !now.Before(*r.OfferExpiresAt) ||
		!now.Before(w.StartsAt) || w.Status == workshops.WorkshopCancelled {
		return ErrConflict
	}
	_, err = s.db.Exec(ctx, `UPDATE workshop_registrations SET status = 'placed', placed_at = $2, offer_expires_at = NULL, updated_at = $2 WHERE id = $1`, id, now)
	if err != nil {
		return fmt.Errorf("accept workshop offer: %w", mapErr(err))
	}
	return nil
}

// DeclineWorkshopOffer records that registration id said no to its offer;
// the place is free again (the caller runs jobs.OfferFreedPlaces).
// ErrConflict: there is no live offer.
func (s *Store) DeclineWorkshopOffer(ctx context.Context, id int64, now time.Time) error {
	_, r, err := s.lockRegistration(ctx, id)
	if err != nil {
		return err
	}
	if r.Status != workshops.Offered {
		return ErrConflict
	}
	_, err = s.db.Exec(ctx, `UPDATE workshop_registrations SET status = 'declined', ended_at = $2, offer_expires_at = NULL, updated_at = $2 WHERE id = $1`, id, now)
	if err != nil {
		return fmt.Errorf("decline workshop offer: %w", mapErr(err))
	}
	return nil
}

// LapseWorkshopOffers marks offers that ran out by now as lapsed, at most
// limit of them, and returns the workshops whose places they freed (the
// caller offers them on). Safe to run twice: a lapsed offer is not
// offered any more.
func (s *Store) LapseWorkshopOffers(ctx context.Context, now time.Time, limit int) (regIDs, workshopIDs []int64, err error) {
	// A cancelled event's offers are left as they are: everyone was told
	// of the cancellation, and "your offer ran out" would only confuse.
	rows, err := s.db.Query(ctx, `SELECT r.id, r.workshop_id FROM workshop_registrations r JOIN workshops w ON w.id = r.workshop_id
		WHERE r.status = 'offered' AND r.offer_expires_at <= $1 AND w.status = 'scheduled'
		ORDER BY r.offer_expires_at, r.id LIMIT $2`, now, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("lapse offers: %w", err)
	}
	type pair struct{ r, w int64 }
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pair, error) {
		var p pair
		return p, row.Scan(&p.r, &p.w)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("lapse offers: %w", err)
	}
	wids := make([]int64, len(ps))
	for i, p := range ps {
		wids[i] = p.w
	}
	if err := s.LockWorkshops(ctx, wids); err != nil {
		return nil, nil, err
	}
	seen := map[int64]bool{}
	for _, p := range ps {
		tag, err := s.db.Exec(ctx, `UPDATE workshop_registrations SET status = 'lapsed', ended_at = $2, offer_expires_at = NULL, updated_at = $2
			WHERE id = $1 AND status = 'offered' AND offer_expires_at <= $2`, p.r, now)
		if err != nil {
			return nil, nil, fmt.Errorf("lapse offers: %w", mapErr(err))
		}
		if tag.RowsAffected() == 0 {
			continue
		}
		regIDs = append(regIDs, p.r)
		if !seen[p.w] {
			seen[p.w] = true
			workshopIDs = append(workshopIDs, p.w)
		}
	}
	return regIDs, workshopIDs, nil
}

// WorkshopRegistration is one registration with its workshop, for emails,
// the trainee's own page and their data export.
type WorkshopRegistration struct {
	ID                int64
	WorkshopID        int64
	Name, Email       string
	ProfessionalGroup string
	Region            string
	Grade             string
	Status            string
	CreatedAt         time.Time
	ConfirmedAt       *time.Time
	PlacedAt          *time.Time
	OfferExpiresAt    *time.Time
	EndedAt           *time.Time
	Attendance        string
	Reminded          []string
	Eligibility       string
	// EligibilityReasons are the check's reasons (for staff and the
	// person's own data export).
	EligibilityReasons []EligibilityReason
	Answers            map[string][]string
}

const registrationColumns = `r.id, r.workshop_id, r.name, r.email, r.professional_group, r.region, r.grade, r.status, r.created_at,
	r.confirmed_at, r.placed_at, r.offer_expires_at, r.ended_at, coalesce(r.attendance, ''), r.reminded,
	r.eligibility, r.eligibility_reasons, r.answers`

// registrationDest is where registrationColumns are scanned to.
func registrationDest(r *WorkshopRegistration) []any {
	return []any{&r.ID, &r.WorkshopID, &r.Name, &r.Email, &r.ProfessionalGroup, &r.Region, &r.Grade, &r.Status, &r.CreatedAt,
		&r.ConfirmedAt, &r.PlacedAt, &r.OfferExpiresAt, &r.EndedAt, &r.Attendance, &r.Reminded,
		&r.Eligibility, &r.EligibilityReasons, &r.Answers}
}

func scanRegistration(row pgx.Row) (WorkshopRegistration, error) {
	var r WorkshopRegistration
	err := row.Scan(registrationDest(&r)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("workshop registration: %w", err)
	}
	return r, nil
}

// WorkshopRegistrationByID reads registration id.
func (s *Store) WorkshopRegistrationByID(ctx context.Context, id int64) (WorkshopRegistration, error) {
	return scanRegistration(s.db.QueryRow(ctx, `SELECT `+registrationColumns+` FROM workshop_registrations r WHERE r.id = $1`, id))
}

// RegistrationWithWorkshop is a registration and its workshop.
type RegistrationWithWorkshop struct {
	Registration WorkshopRegistration
	Workshop     Workshop
}

// WorkshopRegistrationsByEmail lists every registration of email (lower
// case) with its workshop, latest event first, in one statement: the
// trainee's own page and data export.
func (s *Store) WorkshopRegistrationsByEmail(ctx context.Context, email string) ([]RegistrationWithWorkshop, error) {
	if email == "" {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, registrationsByEmailSQL, email)
	if err != nil {
		return nil, fmt.Errorf("registrations by email: %w", err)
	}
	return collectRegistrationsWithWorkshop(rows)
}

const (
	registrationsByEmailSQL = `SELECT ` + registrationColumns + `, ` + workshopColumns + `
	FROM workshop_registrations r JOIN workshops w ON w.id = r.workshop_id
	WHERE r.email = $1 ORDER BY w.starts_at DESC, r.id`
	// registrationsBySessionSQL is registrationsByEmailSQL for the person
	// signed in to the session whose token hash is $1.
	registrationsBySessionSQL = `SELECT ` + registrationColumns + `, ` + workshopColumns + `
	FROM workshop_registrations r JOIN workshops w ON w.id = r.workshop_id
	WHERE r.email = ` + SessionPublicEmail + ` ORDER BY w.starts_at DESC, r.id`
)

// collectRegistrationsWithWorkshop reads rows of registrationColumns
// followed by workshopColumns.
func collectRegistrationsWithWorkshop(rows pgx.Rows) ([]RegistrationWithWorkshop, error) {
	defer rows.Close()
	var out []RegistrationWithWorkshop
	for rows.Next() {
		var x RegistrationWithWorkshop
		if err := rows.Scan(append(registrationDest(&x.Registration), workshopDest(&x.Workshop)...)...); err != nil {
			return nil, fmt.Errorf("registrations by email: %w", err)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registrations by email: %w", err)
	}
	return out, nil
}

// HasConfirmedWorkshopRegistration reports whether email has confirmed a
// registration for any workshop (such a person may sign in to see it).
func (s *Store) HasConfirmedWorkshopRegistration(ctx context.Context, email string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workshop_registrations WHERE email = $1 AND confirmed_at IS NOT NULL)`, email).Scan(&ok)
	return ok, err
}

// DueWorkshopReminder is one reminder to send.
type DueWorkshopReminder struct {
	RegistrationID int64
	Name           string // the reminder's name in the reminded column: 2d or 2h
}

// ClaimWorkshopReminders finds reminders due at now for people with a
// place (each offset once; one that is already late by more than its
// offset's worth is not sent, nor one due before the person had their
// place) and records them as sent in the same transaction; the caller
// queues the emails in it. At most limit of each offset at a time.
func (s *Store) ClaimWorkshopReminders(ctx context.Context, now time.Time, limit int) ([]DueWorkshopReminder, error) {
	var out []DueWorkshopReminder
	for i, o := range workshops.ReminderOffsets {
		// The 2-day reminder is due from 2 days before until the 2-hour
		// one is; the 2-hour one until the start.
		until := time.Duration(0)
		if i+1 < len(workshops.ReminderOffsets) {
			until = workshops.ReminderOffsets[i+1].Before
		}
		rows, err := s.db.Query(ctx, `UPDATE workshop_registrations r SET reminded = array_append(r.reminded, $1), updated_at = $2
			FROM workshops w WHERE w.id = r.workshop_id AND r.id IN (
				SELECT r2.id FROM workshop_registrations r2 JOIN workshops w2 ON w2.id = r2.workshop_id
				WHERE r2.status = 'placed' AND w2.status = 'scheduled' AND NOT ($1 = ANY (r2.reminded))
				AND w2.starts_at - $3::interval <= $2 AND w2.starts_at - $4::interval > $2
				-- Someone given their place after this reminder was due has
				-- just had the place email: no reminder on top of it.
				AND (r2.placed_at IS NULL OR r2.placed_at <= w2.starts_at - $3::interval)
				ORDER BY w2.starts_at, r2.id LIMIT $5 FOR UPDATE OF r2 SKIP LOCKED)
			RETURNING r.id`, o.Name, now, o.Before, until, limit)
		if err != nil {
			return nil, fmt.Errorf("workshop reminders: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return nil, fmt.Errorf("workshop reminders: %w", err)
		}
		for _, id := range ids {
			out = append(out, DueWorkshopReminder{RegistrationID: id, Name: o.Name})
		}
	}
	return out, nil
}

// WorkshopByConfirmToken finds the workshop of the unconfirmed registration
// whose confirmation link has a token hashing to tokenHash, while the link
// works; ErrNotFound otherwise. It spends nothing.
func (s *Store) WorkshopByConfirmToken(ctx context.Context, tokenHash []byte, now time.Time) (Workshop, error) {
	if len(tokenHash) == 0 {
		return Workshop{}, ErrNotFound
	}
	return scanWorkshop(s.db.QueryRow(ctx, `SELECT `+workshopColumns+` FROM workshops w JOIN workshop_registrations r ON r.workshop_id = w.id
		WHERE r.confirm_token_hash = $1 AND r.confirm_expires_at > $2 AND r.status = 'unconfirmed'`, tokenHash, now))
}
