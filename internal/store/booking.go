package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// BookingState is what the booking page needs about a referral, read in
// one statement: its state, the allocated coach's name, and what the
// trainee said suits them (the referral's answers "mode" and "times").
type BookingState struct {
	ReferralState
	CoachName string
	PrefMode  string
	PrefTimes string
}

// BookingStateByID reads a referral's BookingState.
func (s *Store) BookingStateByID(ctx context.Context, id int64) (BookingState, error) {
	return scanBookingState(s.db.QueryRow(ctx, bookingStateSQL, id))
}

const bookingStateSQL = `SELECT ` + stateColumns + `, coalesce(c.name, ''),
			coalesce(r.answers->'mode'->>0, ''), coalesce(r.answers->'times'->>0, '')
		FROM referrals r LEFT JOIN staff_users u ON u.id = r.updated_by LEFT JOIN staff_users c ON c.id = r.coach_id
		WHERE r.id = $1`

func scanBookingState(row pgx.Row) (BookingState, error) {
	var b BookingState
	st := &b.ReferralState
	err := row.Scan(&st.ID, &st.Reference, &st.Route, &st.Status, &st.Version, &st.TraineeName, &st.TraineeEmail, &st.ReferrerName,
		&st.ReferrerEmail, &st.CaseManagerID, &st.CoachID, &st.FirstResponseAt, &st.FormDStatus, &st.SessionsGranted, &st.SessionsUsed,
		&st.UpdatedAt, &st.UpdatedByName, &b.CoachName, &b.PrefMode, &b.PrefTimes)
	if err != nil {
		return b, fmt.Errorf("booking state: %w", mapErr(err))
	}
	return b, nil
}

// BookingPage reads what the booking page shows once the view is allowed,
// in one round trip: it writes e (the view's audit row), then reads the
// referral's BookingState and its coach's free times from from to to
// (FreeSlots; none without a coach, and only the coach the state names).
// The three statements are one
// pipeline with one Sync, so PostgreSQL runs them as one implicit
// transaction: nothing is read unless the view's row is written, and a
// statement that fails takes the row back with it.
func (s *Store) BookingPage(ctx context.Context, e AuditEntry, referralID int64, from, to time.Time) (BookingState, []FreeSlot, error) {
	b := &pgx.Batch{}
	b.Queue(auditInsertSQL, e.insertArgs()...)
	b.Queue(bookingStateSQL, referralID)
	b.Queue(freeSlotsOfReferralSQL, referralID, from, to)
	res := sendBatch(ctx, s.db, b)
	defer res.Close()
	if _, err := res.Exec(); err != nil {
		return BookingState{}, nil, fmt.Errorf("audit: %w", mapErr(err))
	}
	st, err := scanBookingState(res.QueryRow())
	if err != nil {
		return BookingState{}, nil, err
	}
	rows, err := res.Query()
	if err != nil {
		return BookingState{}, nil, fmt.Errorf("free slots: %w", err)
	}
	free, err := collectFreeSlots(rows)
	if err != nil {
		return BookingState{}, nil, err
	}
	if err := res.Close(); err != nil {
		return BookingState{}, nil, fmt.Errorf("booking page: %w", mapErr(err))
	}
	// Each statement reads the referral at its own moment: times of a
	// coach it was taken from in between are not this page's.
	own := free[:0]
	for _, f := range free {
		if f.Coach == st.CoachID {
			own = append(own, f)
		}
	}
	return st, own, nil
}

// FreeSlot is a time a trainee can book.
type FreeSlot struct {
	ID         int64
	Start, End time.Time
	Mode       string
	Place      string
	Coach      int64
}

// FreeSlots lists a coach's bookable slots (not blocked, no live
// appointment) starting from from and before to, in time order: one
// statement, an index range scan on the coach's slots.
func (s *Store) FreeSlots(ctx context.Context, coachID int64, from, to time.Time) ([]FreeSlot, error) {
	rows, err := s.db.Query(ctx, freeSlotsSQL+`$1`+freeSlotsEnd, coachID, from, to)
	if err != nil {
		return nil, fmt.Errorf("free slots: %w", err)
	}
	return collectFreeSlots(rows)
}

// freeSlotsSQL + the coach + freeSlotsEnd is FreeSlots's statement, from
// $2 and before $3.
const (
	freeSlotsSQL = `SELECT sl.id, sl.starts_at, sl.ends_at, sl.mode, sl.place, sl.coach_id
		FROM availability_slots sl
		WHERE sl.coach_id = `
	freeSlotsEnd = ` AND sl.starts_at >= $2 AND sl.starts_at < $3 AND NOT sl.blocked
			AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.slot_id = sl.id AND a.status <> 'cancelled')
			AND NOT EXISTS (SELECT 1 FROM coach_time_off t WHERE t.coach_id = sl.coach_id AND t.starts_at < sl.ends_at AND t.ends_at > sl.starts_at)
		ORDER BY sl.starts_at`
	// freeSlotsOfReferralSQL is FreeSlots for the coach of referral $1.
	freeSlotsOfReferralSQL = freeSlotsSQL + `(SELECT fr.coach_id FROM referrals fr WHERE fr.id = $1)` + freeSlotsEnd
)

func collectFreeSlots(rows pgx.Rows) ([]FreeSlot, error) {
	defer rows.Close()
	var out []FreeSlot
	for rows.Next() {
		var f FreeSlot
		if err := rows.Scan(&f.ID, &f.Start, &f.End, &f.Mode, &f.Place, &f.Coach); err != nil {
			return nil, fmt.Errorf("free slots: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("free slots: %w", err)
	}
	return out, nil
}

// RearrangeSlot books slotID as the new time of appointment oldID, in the
// caller's transaction (which holds the referral's lock and the old
// appointment's row lock): the new appointment keeps the old one's
// calendar UID (invite_of) with the sequence one higher, and the old one
// is then cancelled and linked to it. If the slot is taken the slot's
// unique index refuses the insert (ErrSlotTaken) before the old one is
// touched, and the caller's rollback leaves everything as it was. The
// caller applies the 24-hour rule and records the ledger.
func (s *Store) RearrangeSlot(ctx context.Context, oldID, slotID int64, by string, staffID int64, late bool, reason string, at time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, place, booked_by, booked_by_staff,
			invite_of, ical_sequence, created_at, updated_at)
		SELECT o.referral_id, sl.id, sl.coach_id, sl.starts_at, sl.ends_at, sl.mode, sl.place, $3, nullif($4, 0),
			coalesce(o.invite_of, o.id), o.ical_sequence + 1, $5, $5
		FROM appointments o, availability_slots sl
		WHERE o.id = $1 AND o.status = 'booked' AND sl.id = $2 AND NOT sl.blocked
			AND NOT EXISTS (SELECT 1 FROM coach_time_off t WHERE t.coach_id = sl.coach_id AND t.starts_at < sl.ends_at AND t.ends_at > sl.starts_at)
		RETURNING id`, oldID, slotID, by, staffID, at).Scan(&id)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.ConstraintName == "appointments_one_per_slot" {
		return 0, ErrSlotTaken
	}
	if err != nil {
		return 0, fmt.Errorf("rearrange: %w", mapErr(err))
	}
	// The old time's sequence rises too: its last version is the one
	// replaced, and no invitation is sent for it on its own.
	cancelledBy := by
	if cancelledBy != "trainee" && cancelledBy != "coach" && cancelledBy != "lead" {
		cancelledBy = "coordinator"
	}
	if err := s.execOne(ctx, "rearrange", `UPDATE appointments SET status = 'cancelled', cancelled_at = $2, cancelled_by = $3,
		cancel_reason = nullif($4, ''), late = $5, ical_sequence = ical_sequence + 1, rearranged_to = $6, updated_at = $2
		WHERE id = $1 AND status = 'booked'`, oldID, at, cancelledBy, reason, late, id); err != nil {
		return 0, err
	}
	return id, nil
}
