package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/workshops"
)

// The staff side of workshops (issue 16): coordinators and PSU leads make,
// change, copy and cancel events, look after the registrations and keep
// the event's history.

// WorkshopFields are what staff set on an event.
type WorkshopFields struct {
	Title, Description, Audience string
	StartsAt, EndsAt             time.Time
	Mode                         string // workshops.ModeOnline or ModeInPerson
	JoiningLink, Venue           string
	Capacity                     int
	Presenters                   string
	RegistrationOpensAt          *time.Time
	RegistrationClosesAt         *time.Time
}

// StaffWorkshop is an event as staff see it, with its counts.
type StaffWorkshop struct {
	ID   int64
	Slug string
	WorkshopFields
	PlacesTaken  int
	CheckInCode  string
	Status       string
	CancelledAt  *time.Time
	CancelReason string
	ICSSequence  int
	CopiedFrom   *int64
	Placed       int // placed (PlacesTaken also counts the offered)
	Offered      int
	Waiting      int
	Unconfirmed  int
}

// Cancelled reports whether the event is called off.
func (w StaffWorkshop) Cancelled() bool { return w.Status == workshops.WorkshopCancelled }

// Free is how many places nobody holds.
func (w StaffWorkshop) Free() int { return max(w.Capacity-w.PlacesTaken, 0) }

var (
	// ErrCapacityBelowTaken refuses a capacity smaller than the places held.
	ErrCapacityBelowTaken = errors.New("capacity below the places taken")
	// ErrWorkshopCancelled refuses a change to a cancelled event.
	ErrWorkshopCancelled = errors.New("workshop cancelled")
	// ErrTimeFixed refuses a change of time workshops.TimeChange does not
	// allow (the event has started, or the new start has passed).
	ErrTimeFixed = errors.New("workshop time cannot change")
	// ErrNoFreePlace refuses giving a place when none is free.
	ErrNoFreePlace = errors.New("no free place")
)

const staffWorkshopSQL = `SELECT w.id, w.slug, w.title, w.description, w.audience, w.starts_at, w.ends_at, w.mode,
	w.joining_link, w.venue, w.capacity, w.presenters, w.registration_opens_at, w.registration_closes_at,
	w.places_taken, w.check_in_code, w.status, w.cancelled_at, w.cancel_reason, w.ics_sequence, w.copied_from,
	(SELECT count(*) FILTER (WHERE r.status = 'placed') FROM workshop_registrations r WHERE r.workshop_id = w.id),
	(SELECT count(*) FILTER (WHERE r.status = 'offered') FROM workshop_registrations r WHERE r.workshop_id = w.id),
	(SELECT count(*) FILTER (WHERE r.status = 'waiting') FROM workshop_registrations r WHERE r.workshop_id = w.id),
	(SELECT count(*) FILTER (WHERE r.status = 'unconfirmed') FROM workshop_registrations r WHERE r.workshop_id = w.id)
	FROM workshops w `

func scanStaffWorkshop(row pgx.Row) (StaffWorkshop, error) {
	var w StaffWorkshop
	err := row.Scan(&w.ID, &w.Slug, &w.Title, &w.Description, &w.Audience, &w.StartsAt, &w.EndsAt, &w.Mode,
		&w.JoiningLink, &w.Venue, &w.Capacity, &w.Presenters, &w.RegistrationOpensAt, &w.RegistrationClosesAt,
		&w.PlacesTaken, &w.CheckInCode, &w.Status, &w.CancelledAt, &w.CancelReason, &w.ICSSequence, &w.CopiedFrom,
		&w.Placed, &w.Offered, &w.Waiting, &w.Unconfirmed)
	if errors.Is(err, pgx.ErrNoRows) {
		return StaffWorkshop{}, ErrNotFound
	}
	if err != nil {
		return StaffWorkshop{}, fmt.Errorf("workshop: %w", err)
	}
	return w, nil
}

// StaffWorkshopByID is one event with its counts.
func (s *Store) StaffWorkshopByID(ctx context.Context, id int64) (StaffWorkshop, error) {
	return scanStaffWorkshop(s.db.QueryRow(ctx, staffWorkshopSQL+`WHERE w.id = $1`, id))
}

// LockStaffWorkshop locks the event's row for a change, in a transaction.
func (s *Store) LockStaffWorkshop(ctx context.Context, id int64) (StaffWorkshop, error) {
	if _, err := s.db.Exec(ctx, `SELECT 1 FROM workshops WHERE id = $1 FOR UPDATE`, id); err != nil {
		return StaffWorkshop{}, fmt.Errorf("lock workshop: %w", err)
	}
	return s.StaffWorkshopByID(ctx, id)
}

// PastWorkshopsShown is how many past events the staff list shows.
const PastWorkshopsShown = 100

// StaffWorkshops lists the events still to end, soonest first, and the
// most recent PastWorkshopsShown that have ended, latest first.
func (s *Store) StaffWorkshops(ctx context.Context, now time.Time) (upcoming, past []StaffWorkshop, err error) {
	collect := func(sql string, args ...any) ([]StaffWorkshop, error) {
		rows, err := s.db.Query(ctx, sql, args...)
		if err != nil {
			return nil, fmt.Errorf("workshops: %w", err)
		}
		defer rows.Close()
		var out []StaffWorkshop
		for rows.Next() {
			w, err := scanStaffWorkshop(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
		return out, rows.Err()
	}
	if upcoming, err = collect(staffWorkshopSQL+`WHERE w.ends_at > $1 ORDER BY w.starts_at, w.id`, now); err != nil {
		return nil, nil, err
	}
	past, err = collect(staffWorkshopSQL+`WHERE w.ends_at <= $1 ORDER BY w.starts_at DESC, w.id DESC LIMIT $2`, now, PastWorkshopsShown)
	return upcoming, past, err
}

// NewStaffWorkshop is an event to create. Key is the create form's one-time
// key: a second submit with the same key finds the first event.
type NewStaffWorkshop struct {
	WorkshopFields
	CheckInCode string
	CopiedFrom  *int64
	CreatedBy   int64
	Key         string
	Now         time.Time
}

// CreateStaffWorkshop makes the event with a unique slug from its title and
// date (base, base-2, ...) and records it in the history, in the caller's
// transaction. created is false when the form's key made one already: id
// is then that event's.
func (s *Store) CreateStaffWorkshop(ctx context.Context, n NewStaffWorkshop) (id int64, created bool, err error) {
	base := workshops.SlugBase(n.Title, n.StartsAt)
	for i := 1; i <= 1000; i++ {
		err := s.db.QueryRow(ctx, `INSERT INTO workshops (slug, title, description, audience, starts_at, ends_at, mode, joining_link,
				venue, capacity, presenters, registration_opens_at, registration_closes_at, check_in_code, copied_from, created_by,
				created_at, updated_at, submission_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18)
			ON CONFLICT DO NOTHING RETURNING id`,
			workshops.SlugWith(base, i), n.Title, n.Description, n.Audience, n.StartsAt, n.EndsAt, n.Mode, n.JoiningLink,
			n.Venue, n.Capacity, n.Presenters, n.RegistrationOpensAt, n.RegistrationClosesAt, n.CheckInCode, n.CopiedFrom,
			nullID(n.CreatedBy), n.Now, n.Key).Scan(&id)
		if err == nil {
			action, detail := "created", "Event created"
			if n.CopiedFrom != nil {
				action, detail = "copied", "Event created as a copy of another"
			}
			return id, true, s.AddWorkshopHistory(ctx, id, n.Now, n.CreatedBy, action, detail, 0)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, false, fmt.Errorf("create workshop: %w", mapErr(err))
		}
		// A clash: the same form sent twice, or the slug taken.
		err = s.db.QueryRow(ctx, `SELECT id FROM workshops WHERE submission_key = $1`, n.Key).Scan(&id)
		if err == nil {
			return id, false, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, false, fmt.Errorf("create workshop: %w", err)
		}
	}
	return 0, false, fmt.Errorf("create workshop: no free slug for %q", base)
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// WorkshopChange is what an edit did.
type WorkshopChange struct {
	Before, After StaffWorkshop
	// Moved is true when the time or the place changed: the invitations
	// are out of date, and the sequence was raised.
	Moved bool
	// Freed is how many more places there are free than before.
	Freed int
}

// UpdateStaffWorkshop changes the event, in the caller's transaction, with
// its row locked: the capacity may not go below the places held
// (ErrCapacityBelowTaken), a cancelled event does not change
// (ErrWorkshopCancelled), nor a started event's time (ErrTimeFixed,
// workshops.TimeChange), and a change of time or place raises the
// calendar sequence. The history records what changed.
func (s *Store) UpdateStaffWorkshop(ctx context.Context, id int64, f WorkshopFields, actor int64, now time.Time) (WorkshopChange, error) {
	before, err := s.LockStaffWorkshop(ctx, id)
	if err != nil {
		return WorkshopChange{}, err
	}
	if before.Cancelled() {
		return WorkshopChange{Before: before}, ErrWorkshopCancelled
	}
	if f.Capacity < before.PlacesTaken {
		return WorkshopChange{Before: before}, ErrCapacityBelowTaken
	}
	if _, msg := workshops.TimeChange(before.StartsAt, before.EndsAt, f.StartsAt, f.EndsAt, now); msg != "" {
		return WorkshopChange{Before: before}, ErrTimeFixed
	}
	c := WorkshopChange{Before: before}
	c.Moved = !f.StartsAt.Equal(before.StartsAt) || !f.EndsAt.Equal(before.EndsAt) || f.Mode != before.Mode ||
		f.Venue != before.Venue || f.JoiningLink != before.JoiningLink
	_, err = s.db.Exec(ctx, `UPDATE workshops SET title = $2, description = $3, audience = $4, starts_at = $5, ends_at = $6,
			mode = $7, joining_link = $8, venue = $9, capacity = $10, presenters = $11, registration_opens_at = $12,
			registration_closes_at = $13, ics_sequence = ics_sequence + $14, updated_at = $15
		WHERE id = $1`, id, f.Title, f.Description, f.Audience, f.StartsAt, f.EndsAt, f.Mode, f.JoiningLink, f.Venue,
		f.Capacity, f.Presenters, f.RegistrationOpensAt, f.RegistrationClosesAt, boolInt(c.Moved), now)
	if err != nil {
		return c, fmt.Errorf("update workshop: %w", mapErr(err))
	}
	if !f.StartsAt.Equal(before.StartsAt) {
		// A new time: the reminders are due again before it, and a live
		// offer may not outlast the new start.
		if _, err := s.db.Exec(ctx, `UPDATE workshop_registrations SET reminded = '{}',
				offer_expires_at = CASE WHEN status = 'offered' THEN least(offer_expires_at, $2) END, updated_at = $3
			WHERE workshop_id = $1 AND status IN ('placed', 'offered')`, id, f.StartsAt, now); err != nil {
			return c, fmt.Errorf("update workshop: %w", mapErr(err))
		}
	}
	if c.After, err = s.StaffWorkshopByID(ctx, id); err != nil {
		return c, err
	}
	c.Freed = c.After.Free() - before.Free()
	return c, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CancelStaffWorkshop calls the event off, in the caller's transaction:
// status cancelled with the reason, the calendar sequence raised, and the
// history. It returns the event as cancelled and the people to tell
// (everyone unconfirmed, placed, offered or waiting); ErrWorkshopCancelled
// when it was already.
func (s *Store) CancelStaffWorkshop(ctx context.Context, id int64, reason string, actor int64, now time.Time) (StaffWorkshop, []StaffRegistration, error) {
	w, err := s.LockStaffWorkshop(ctx, id)
	if err != nil {
		return w, nil, err
	}
	if w.Cancelled() {
		return w, nil, ErrWorkshopCancelled
	}
	if _, err := s.db.Exec(ctx, `UPDATE workshops SET status = 'cancelled', cancelled_at = $2, cancel_reason = $3,
		ics_sequence = ics_sequence + 1, updated_at = $2 WHERE id = $1`, id, now, reason); err != nil {
		return w, nil, fmt.Errorf("cancel workshop: %w", mapErr(err))
	}
	if w, err = s.StaffWorkshopByID(ctx, id); err != nil {
		return w, nil, err
	}
	regs, err := s.StaffRegistrations(ctx, id)
	if err != nil {
		return w, nil, err
	}
	var tell []StaffRegistration
	for _, r := range regs {
		switch r.Status {
		case workshops.Unconfirmed, workshops.Placed, workshops.Offered, workshops.Waiting:
			tell = append(tell, r)
		}
	}
	return w, tell, s.AddWorkshopHistory(ctx, id, now, actor, "cancelled", "Event cancelled: "+reason, len(tell))
}

// StaffRegistration is one person's registration as staff see it.
type StaffRegistration struct {
	ID                int64
	Name, Email       string
	ProfessionalGroup string
	Region, Grade     string
	Status            string
	CreatedAt         time.Time
	ConfirmedAt       *time.Time
	PlacedAt          *time.Time
	OfferExpiresAt    *time.Time
	EndedAt           *time.Time
	Attendance        string
	AttendanceBy      string
}

// StaffRegistrations lists an event's registrations: the waiting list in
// its order (confirmation, then id), the rest by when they registered.
func (s *Store) StaffRegistrations(ctx context.Context, workshopID int64) ([]StaffRegistration, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, email, professional_group, region, grade, status, created_at, confirmed_at,
			placed_at, offer_expires_at, ended_at, coalesce(attendance, ''), coalesce(attendance_by, '')
		FROM workshop_registrations WHERE workshop_id = $1
		ORDER BY confirmed_at NULLS LAST, id`, workshopID)
	if err != nil {
		return nil, fmt.Errorf("workshop registrations: %w", err)
	}
	defer rows.Close()
	var out []StaffRegistration
	for rows.Next() {
		var r StaffRegistration
		if err := rows.Scan(&r.ID, &r.Name, &r.Email, &r.ProfessionalGroup, &r.Region, &r.Grade, &r.Status, &r.CreatedAt,
			&r.ConfirmedAt, &r.PlacedAt, &r.OfferExpiresAt, &r.EndedAt, &r.Attendance, &r.AttendanceBy); err != nil {
			return nil, fmt.Errorf("workshop registrations: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// lockStaffRegistration locks one of the event's registrations.
func (s *Store) lockStaffRegistration(ctx context.Context, workshopID, regID int64) (StaffRegistration, error) {
	var r StaffRegistration
	err := s.db.QueryRow(ctx, `SELECT id, name, email, status FROM workshop_registrations WHERE id = $1 AND workshop_id = $2 FOR UPDATE`,
		regID, workshopID).Scan(&r.ID, &r.Name, &r.Email, &r.Status)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("lock registration: %w", err)
	}
	return r, nil
}

// GiveWorkshopPlace moves someone on the waiting list (or holding an offer)
// to a place by hand, in the caller's transaction. The event's row is
// locked first, as every change of places is; with no free place it is
// ErrNoFreePlace (the table's CHECK would refuse it too), and someone not
// waiting or offered is ErrConflict.
func (s *Store) GiveWorkshopPlace(ctx context.Context, workshopID, regID, actor int64, now time.Time) (StaffRegistration, error) {
	w, err := s.LockStaffWorkshop(ctx, workshopID)
	if err != nil {
		return StaffRegistration{}, err
	}
	if w.Cancelled() {
		return StaffRegistration{}, ErrWorkshopCancelled
	}
	r, err := s.lockStaffRegistration(ctx, workshopID, regID)
	if err != nil {
		return r, err
	}
	switch {
	case r.Status == workshops.Offered:
		// Holds a place already: it becomes theirs.
	case r.Status != workshops.Waiting:
		return r, ErrConflict
	case w.Free() == 0:
		return r, ErrNoFreePlace
	}
	if _, err := s.db.Exec(ctx, `UPDATE workshop_registrations SET status = 'placed', placed_at = $2, offer_expires_at = NULL,
		updated_at = $2 WHERE id = $1`, regID, now); err != nil {
		return r, fmt.Errorf("give place: %w", mapErr(err))
	}
	return r, s.AddWorkshopHistory(ctx, workshopID, now, actor, "moved", "A place given by hand to someone on the waiting list", 0)
}

// RemoveWorkshopRegistration takes someone off the event by hand (status
// removed), in the caller's transaction. It returns the registration as it
// was, and whether it held a place (which is now free).
func (s *Store) RemoveWorkshopRegistration(ctx context.Context, workshopID, regID, actor int64, now time.Time) (StaffRegistration, bool, error) {
	if _, err := s.LockStaffWorkshop(ctx, workshopID); err != nil {
		return StaffRegistration{}, false, err
	}
	r, err := s.lockStaffRegistration(ctx, workshopID, regID)
	if err != nil {
		return r, false, err
	}
	switch r.Status {
	case workshops.Unconfirmed, workshops.Placed, workshops.Offered, workshops.Waiting:
	default:
		return r, false, ErrConflict
	}
	if _, err := s.db.Exec(ctx, `UPDATE workshop_registrations SET status = 'removed', ended_at = $2, offer_expires_at = NULL,
		attendance = NULL, attendance_by = NULL, attendance_at = NULL, confirmed_at = coalesce(confirmed_at, $2),
		confirm_token_hash = NULL, confirm_expires_at = NULL, updated_at = $2 WHERE id = $1`, regID, now); err != nil {
		return r, false, fmt.Errorf("remove registration: %w", mapErr(err))
	}
	return r, workshops.HoldsPlace(r.Status), s.AddWorkshopHistory(ctx, workshopID, now, actor, "removed",
		"Someone taken off the event by hand (they were "+r.Status+")", 0)
}

// SetWorkshopAttendance records the staff register: attended or absent for
// each placed registration named (others are left as they are). It returns
// how many rows it set.
func (s *Store) SetWorkshopAttendance(ctx context.Context, workshopID int64, marks map[int64]string, actor int64, now time.Time) (int, error) {
	n := 0
	for id, mark := range marks {
		if mark != "attended" && mark != "absent" {
			continue
		}
		tag, err := s.db.Exec(ctx, `UPDATE workshop_registrations SET attendance = $3, attendance_by = 'staff', attendance_at = $4,
			updated_at = $4 WHERE id = $1 AND workshop_id = $2 AND status = 'placed'
			AND attendance IS DISTINCT FROM $3`, id, workshopID, mark, now)
		if err != nil {
			return n, fmt.Errorf("attendance: %w", mapErr(err))
		}
		n += int(tag.RowsAffected())
	}
	if n > 0 {
		if err := s.AddWorkshopHistory(ctx, workshopID, now, actor, "attendance",
			fmt.Sprintf("Attendance register saved: %d changed", n), 0); err != nil {
			return n, err
		}
	}
	return n, nil
}

// WorkshopHistoryEntry is one line of an event's history.
type WorkshopHistoryEntry struct {
	At         time.Time
	Actor      string // the staff member's name, or ""
	Action     string
	Detail     string
	Recipients int
}

// AddWorkshopHistory records what happened to an event.
func (s *Store) AddWorkshopHistory(ctx context.Context, workshopID int64, at time.Time, actor int64, action, detail string, recipients int) error {
	_, err := s.db.Exec(ctx, `INSERT INTO workshop_history (workshop_id, at, actor_id, action, detail, recipients)
		VALUES ($1, $2, $3, $4, $5, $6)`, workshopID, at, nullID(actor), action, detail, recipients)
	if err != nil {
		return fmt.Errorf("workshop history: %w", mapErr(err))
	}
	return nil
}

// WorkshopHistory lists an event's history, latest first.
func (s *Store) WorkshopHistory(ctx context.Context, workshopID int64) ([]WorkshopHistoryEntry, error) {
	rows, err := s.db.Query(ctx, `SELECT h.at, coalesce(u.name, ''), h.action, h.detail, h.recipients
		FROM workshop_history h LEFT JOIN staff_users u ON u.id = h.actor_id
		WHERE h.workshop_id = $1 ORDER BY h.at DESC, h.id DESC`, workshopID)
	if err != nil {
		return nil, fmt.Errorf("workshop history: %w", err)
	}
	defer rows.Close()
	var out []WorkshopHistoryEntry
	for rows.Next() {
		var e WorkshopHistoryEntry
		if err := rows.Scan(&e.At, &e.Actor, &e.Action, &e.Detail, &e.Recipients); err != nil {
			return nil, fmt.Errorf("workshop history: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddWorkshopMessage records a message to everyone with a place in the
// history, once per form key: false when the key was used already (the same
// form sent twice), and the caller sends nothing.
func (s *Store) AddWorkshopMessage(ctx context.Context, workshopID int64, at time.Time, actor int64, key, detail string, recipients int) (bool, error) {
	tag, err := s.db.Exec(ctx, `INSERT INTO workshop_history (workshop_id, at, actor_id, action, detail, recipients, submission_key)
		VALUES ($1, $2, $3, 'messaged', $4, $5, $6) ON CONFLICT (submission_key) DO NOTHING`,
		workshopID, at, nullID(actor), detail, recipients, key)
	if err != nil {
		return false, fmt.Errorf("workshop message: %w", mapErr(err))
	}
	return tag.RowsAffected() == 1, nil
}

// ErrTooLateToOffer refuses an offer too close to the start to answer.
var ErrTooLateToOffer = errors.New("too late to offer a place")

// OfferWorkshopPlaceTo offers a free place by hand to someone on the
// waiting list, out of turn, in the caller's transaction with the event's
// row locked: the offer runs out per workshops.OfferExpiry (ErrTooLateToOffer
// when the start is too close); no free place is ErrNoFreePlace; someone not
// waiting is ErrConflict. It returns when the offer runs out.
func (s *Store) OfferWorkshopPlaceTo(ctx context.Context, workshopID, regID, actor int64, now time.Time) (time.Time, error) {
	w, err := s.LockStaffWorkshop(ctx, workshopID)
	if err != nil {
		return time.Time{}, err
	}
	if w.Cancelled() {
		return time.Time{}, ErrWorkshopCancelled
	}
	r, err := s.lockStaffRegistration(ctx, workshopID, regID)
	if err != nil {
		return time.Time{}, err
	}
	if r.Status != workshops.Waiting {
		return time.Time{}, ErrConflict
	}
	if w.Free() == 0 {
		return time.Time{}, ErrNoFreePlace
	}
	expires, ok := workshops.OfferExpiry(now, w.StartsAt)
	if !ok {
		return time.Time{}, ErrTooLateToOffer
	}
	if _, err := s.db.Exec(ctx, `UPDATE workshop_registrations SET status = 'offered', offered_at = $2, offer_expires_at = $3,
		updated_at = $2 WHERE id = $1`, regID, now, expires); err != nil {
		return time.Time{}, fmt.Errorf("offer place: %w", mapErr(err))
	}
	return expires, s.AddWorkshopHistory(ctx, workshopID, now, actor, "offered",
		"A free place offered by hand to someone on the waiting list, until "+expires.In(ukZone).Format("2 January 2006, 3:04pm"), 0)
}

var ukZone = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()
