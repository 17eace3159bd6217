package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrSlotTaken means someone booked the slot a moment earlier.
var ErrSlotTaken = errors.New("that time has just been booked")

// NewSlot is a slot (or blocked time) a coach publishes.
type NewSlot struct {
	Start, End time.Time
	Mode       string
	Place      string
	Blocked    bool
}

// AddSlots adds a coach's slots, skipping any that would overlap one they
// already have or their time off; it returns how many were added. Adds for one coach are taken
// one at a time (the coach's row is locked), so two at once cannot overlap.
func (s *Store) AddSlots(ctx context.Context, coachID int64, slots []NewSlot) (int, error) {
	added := 0
	err := s.InTx(ctx, func(st *Store, _ Tx) error {
		if err := st.lockCoach(ctx, coachID); err != nil {
			return err
		}
		for _, sl := range slots {
			tag, err := st.db.Exec(ctx, insertSlotSQL, coachID, sl.Start, sl.End, sl.Mode, sl.Place, sl.Blocked, nil)
			if err != nil {
				return fmt.Errorf("add slots: %w", mapErr(err))
			}
			added += int(tag.RowsAffected())
		}
		return nil
	})
	return added, err
}

// CalendarSlot is a slot as the coach's calendar shows it.
type CalendarSlot struct {
	ID          int64
	Start, End  time.Time
	Mode        string
	Place       string
	Blocked     bool
	Appointment int64 // 0 when free
	Reference   string
	TraineeName string
	Status      string
	OwnClient   bool // the booked referral is allocated to this coach now
	EverBooked  bool // some appointment (even a cancelled one) used the slot
	InTimeOff   bool // the slot overlaps the coach's time off: never offered
}

// CoachCalendar lists a coach's slots from from to to, with the live
// appointment in each (one query).
func (s *Store) CoachCalendar(ctx context.Context, coachID int64, from, to time.Time) ([]CalendarSlot, error) {
	rows, err := s.db.Query(ctx, `SELECT sl.id, sl.starts_at, sl.ends_at, sl.mode, sl.place, sl.blocked,
			coalesce(a.id, 0), coalesce(r.reference, ''), coalesce(r.trainee_name, ''), coalesce(a.status, ''),
			coalesce(r.coach_id = sl.coach_id, false), EXISTS (SELECT 1 FROM appointments x WHERE x.coach_id = sl.coach_id AND x.starts_at = sl.starts_at AND x.slot_id = sl.id),
			EXISTS (SELECT 1 FROM coach_time_off t WHERE t.coach_id = sl.coach_id AND t.starts_at < sl.ends_at AND t.ends_at > sl.starts_at)
		FROM availability_slots sl
		LEFT JOIN appointments a ON a.slot_id = sl.id AND a.status <> 'cancelled'
		LEFT JOIN referrals r ON r.id = a.referral_id
		WHERE sl.coach_id = $1 AND sl.starts_at >= $2 AND sl.starts_at < $3 ORDER BY sl.starts_at`, coachID, from, to)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	defer rows.Close()
	var out []CalendarSlot
	for rows.Next() {
		var c CalendarSlot
		if err := rows.Scan(&c.ID, &c.Start, &c.End, &c.Mode, &c.Place, &c.Blocked, &c.Appointment, &c.Reference, &c.TraineeName, &c.Status, &c.OwnClient, &c.EverBooked, &c.InTimeOff); err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Appointment is a booked session.
type Appointment struct {
	ID                 int64
	ReferralID         int64
	Reference          string
	TraineeName        string
	TraineeEmail       string
	SlotID             int64
	CoachID            int64
	CoachName          string
	CoachEmail         string
	Start, End         time.Time
	Mode               string
	Place              string
	Status             string
	BookedBy           string
	CancelledAt        *time.Time
	CancelledBy        string
	CancelReason       string
	Late               bool
	WaivedAt           *time.Time
	Sequence           int
	MeetingConfirmedAt *time.Time
	// InviteID is the appointment whose calendar UID this one's invitations
	// use: its own ID, or after a rearrangement the first of the chain.
	InviteID int64
	// RearrangedTo is the appointment this one was moved to (0: none).
	RearrangedTo int64
	// Joining details in force: the appointment's own, else the coach's
	// default ("" for none).
	VideoLink, Phone string
	// The appointment's own overrides ("" when it uses the coach's default).
	OwnVideoLink, OwnPhone string
}

const appointmentColumns = `a.id, a.referral_id, r.reference, r.trainee_name, r.trainee_email, a.slot_id, a.coach_id, u.name, u.email,
	a.starts_at, a.ends_at, a.mode, a.place, a.status, a.booked_by, a.cancelled_at, coalesce(a.cancelled_by, ''),
	coalesce(a.cancel_reason, ''), a.late, a.waived_at, a.ical_sequence, a.meeting_confirmed_at,
	coalesce(a.invite_of, a.id), coalesce(a.rearranged_to, 0),
	coalesce(nullif(a.video_link, ''), jp.video_link, ''), coalesce(nullif(a.phone, ''), jp.phone, ''), coalesce(a.video_link, ''), coalesce(a.phone, '')`

// appointmentFields are the destinations of appointmentColumns, in order;
// queries that select more after them append their own.
func appointmentFields(a *Appointment) []any {
	return []any{&a.ID, &a.ReferralID, &a.Reference, &a.TraineeName, &a.TraineeEmail, &a.SlotID, &a.CoachID, &a.CoachName, &a.CoachEmail,
		&a.Start, &a.End, &a.Mode, &a.Place, &a.Status, &a.BookedBy, &a.CancelledAt, &a.CancelledBy, &a.CancelReason, &a.Late,
		&a.WaivedAt, &a.Sequence, &a.MeetingConfirmedAt, &a.InviteID, &a.RearrangedTo, &a.VideoLink, &a.Phone, &a.OwnVideoLink, &a.OwnPhone}
}

func scanAppointment(row interface{ Scan(...any) error }) (Appointment, error) {
	var a Appointment
	err := row.Scan(appointmentFields(&a)...)
	return a, mapErr(err)
}

const appointmentFrom = ` FROM appointments a JOIN referrals r ON r.id = a.referral_id JOIN staff_users u ON u.id = a.coach_id
	LEFT JOIN coach_profiles jp ON jp.user_id = a.coach_id `

// ReferralAppointments lists a referral's appointments, oldest first.
func (s *Store) ReferralAppointments(ctx context.Context, referralID int64) ([]Appointment, error) {
	rows, err := s.db.Query(ctx, `SELECT `+appointmentColumns+appointmentFrom+`WHERE a.referral_id = $1 ORDER BY a.starts_at, a.id`, referralID)
	if err != nil {
		return nil, fmt.Errorf("appointments: %w", err)
	}
	defer rows.Close()
	var out []Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, fmt.Errorf("appointments: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LockAppointment reads an appointment under a row lock.
func (s *Store) LockAppointment(ctx context.Context, id int64) (Appointment, error) {
	a, err := scanAppointment(s.db.QueryRow(ctx, `SELECT `+appointmentColumns+appointmentFrom+`WHERE a.id = $1 FOR UPDATE OF a`, id))
	if err != nil {
		return a, fmt.Errorf("appointment: %w", err)
	}
	return a, nil
}

// AppointmentByID reads an appointment.
func (s *Store) AppointmentByID(ctx context.Context, id int64) (Appointment, error) {
	a, err := scanAppointment(s.db.QueryRow(ctx, `SELECT `+appointmentColumns+appointmentFrom+`WHERE a.id = $1`, id))
	if err != nil {
		return a, fmt.Errorf("appointment: %w", err)
	}
	return a, nil
}

// BookSlot records a booking of a free slot for a referral; the slot's
// unique index refuses a second live booking (ErrSlotTaken). The caller
// holds the referral's lock and records the ledger step.
func (s *Store) BookSlot(ctx context.Context, referralID, slotID int64, bookedBy string, staffID int64, at time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, place, booked_by, booked_by_staff, created_at, updated_at)
		SELECT $1, sl.id, sl.coach_id, sl.starts_at, sl.ends_at, sl.mode, sl.place, $3, nullif($4, 0), $5, $5
		FROM availability_slots sl WHERE sl.id = $2 AND NOT sl.blocked
			AND NOT EXISTS (SELECT 1 FROM coach_time_off t WHERE t.coach_id = sl.coach_id AND t.starts_at < sl.ends_at AND t.ends_at > sl.starts_at)
		RETURNING id`, referralID, slotID, bookedBy, staffID, at).Scan(&id)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.ConstraintName == "appointments_one_per_slot" {
		return 0, ErrSlotTaken
	}
	if err != nil {
		return 0, fmt.Errorf("book: %w", mapErr(err))
	}
	return id, nil
}

// CancelAppointment records a cancellation (the caller decides late, and
// records the ledger steps). The invitation's sequence rises.
func (s *Store) CancelAppointment(ctx context.Context, id int64, by, reason string, late bool, at time.Time) error {
	return s.execOne(ctx, "cancel appointment", `UPDATE appointments SET status = 'cancelled', cancelled_at = $2, cancelled_by = $3,
		cancel_reason = nullif($4, ''), late = $5, ical_sequence = ical_sequence + 1, updated_at = $2
		WHERE id = $1 AND status = 'booked'`, id, at, by, reason, late)
}

// RecordAttendance records whether the session took place.
func (s *Store) RecordAttendance(ctx context.Context, id int64, attended bool, at time.Time) error {
	status := "not_attended"
	if attended {
		status = "attended"
	}
	return s.execOne(ctx, "attendance", `UPDATE appointments SET status = $2, updated_at = $3 WHERE id = $1 AND status = 'booked'`, id, status, at)
}

// ConfirmMeeting records the coach's confirmation that the meeting took place.
func (s *Store) ConfirmMeeting(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, "confirm meeting", `UPDATE appointments SET meeting_confirmed_at = $2, updated_at = $2
		WHERE id = $1 AND status = 'attended' AND meeting_confirmed_at IS NULL`, id, at)
}

// WaiveAppointment records that a forfeited session was given back.
func (s *Store) WaiveAppointment(ctx context.Context, id int64, reason string, at time.Time) error {
	return s.execOne(ctx, "waive", `UPDATE appointments SET waived_at = $2, waive_reason = $3, updated_at = $2
		WHERE id = $1 AND waived_at IS NULL AND (late OR status = 'not_attended')`, id, at, reason)
}
