package store

import (
	"context"
	"fmt"
	"time"
)

// CoachJoining is how trainees join a coach's sessions unless an
// appointment says otherwise: a video link and a telephone number.
type CoachJoining struct {
	VideoLink string
	Phone     string
	// Modes are the ways of meeting the coach offers (read, not saved, by
	// SaveCoachJoining).
	Modes []string
}

// CoachJoiningOf reads a coach's default joining details (empty if they
// have no profile yet).
func (s *Store) CoachJoiningOf(ctx context.Context, coachID int64) (CoachJoining, error) {
	j := CoachJoining{Modes: []string{"virtual"}}
	err := s.db.QueryRow(ctx, `SELECT video_link, phone, modes FROM coach_profiles WHERE user_id = $1`, coachID).Scan(&j.VideoLink, &j.Phone, &j.Modes)
	if err != nil && mapErr(err) != ErrNotFound {
		return j, fmt.Errorf("coach joining: %w", err)
	}
	return j, nil
}

// SaveCoachJoining sets a coach's default joining details. The profile row
// exists already (SaveCoachProfile runs first in the same transaction).
func (s *Store) SaveCoachJoining(ctx context.Context, coachID int64, j CoachJoining) error {
	return s.execOne(ctx, "save coach joining", `UPDATE coach_profiles SET video_link = $2, phone = $3 WHERE user_id = $1`,
		coachID, j.VideoLink, j.Phone)
}

// SetAppointmentJoining overrides the joining details of one booked
// appointment ("" goes back to the coach's default) and raises the
// invitation's sequence, as the invitation is sent again.
func (s *Store) SetAppointmentJoining(ctx context.Context, id int64, j CoachJoining, at time.Time) error {
	return s.execOne(ctx, "appointment joining", `UPDATE appointments SET video_link = nullif($2, ''), phone = nullif($3, ''),
		ical_sequence = ical_sequence + 1, updated_at = $4 WHERE id = $1 AND status = 'booked'`, id, j.VideoLink, j.Phone, at)
}

// DueReminder is a reminder to send: the appointment and how long before
// its start the reminder is.
type DueReminder struct {
	Appointment
	Offset time.Duration
}

// DueAppointmentReminders takes, locked (other workers skip them), booked
// appointments starting after now whose reminder at one of offsets is due
// and not yet sent for their current start time. Of several offsets due at
// once for one appointment only the nearest to the start is returned (a
// session booked 30 hours ahead gets the 2-hour reminder, not a late
// 48-hour one); MarkRemindersSent then records every offset at or above it.
// A reminder whose moment came before the booking is not sent: the
// booking's own confirmation has just said it all.
func (s *Store) DueAppointmentReminders(ctx context.Context, now time.Time, offsets []time.Duration, limit int) ([]DueReminder, error) {
	mins := make([]int32, 0, len(offsets))
	var longest time.Duration
	for _, o := range offsets {
		mins = append(mins, int32(o/time.Minute))
		longest = max(longest, o)
	}
	rows, err := s.db.Query(ctx, `SELECT `+appointmentColumns+`, due.m FROM appointments a
		JOIN referrals r ON r.id = a.referral_id JOIN staff_users u ON u.id = a.coach_id
		LEFT JOIN coach_profiles jp ON jp.user_id = a.coach_id
		CROSS JOIN LATERAL (SELECT min(o.m) AS m FROM unnest($3::int[]) AS o(m)
			WHERE a.starts_at - make_interval(mins => o.m) <= $1 AND a.created_at < a.starts_at - make_interval(mins => o.m)) due
		WHERE a.status = 'booked' AND a.starts_at > $1 AND a.starts_at <= $2 AND due.m IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM appointment_reminders ar WHERE ar.appointment_id = a.id AND ar.starts_at = a.starts_at AND ar.offset_minutes <= due.m)
		ORDER BY a.starts_at LIMIT $4 FOR UPDATE OF a SKIP LOCKED`, now, now.Add(longest), mins, limit)
	if err != nil {
		return nil, fmt.Errorf("due reminders: %w", err)
	}
	defer rows.Close()
	var out []DueReminder
	for rows.Next() {
		var d DueReminder
		var m int32
		if err := rows.Scan(append(appointmentFields(&d.Appointment), &m)...); err != nil {
			return nil, fmt.Errorf("due reminders: %w", err)
		}
		d.Offset = time.Duration(m) * time.Minute
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkRemindersSent records that the reminder at offset (and any longer
// offset, now past) was sent for the appointment's start time. It returns
// false if another worker recorded this one first.
func (s *Store) MarkRemindersSent(ctx context.Context, id int64, start time.Time, offset time.Duration, offsets []time.Duration, at time.Time) (bool, error) {
	var mins []int32
	for _, o := range offsets {
		if o >= offset {
			mins = append(mins, int32(o/time.Minute))
		}
	}
	tag, err := s.db.Exec(ctx, `INSERT INTO appointment_reminders (appointment_id, offset_minutes, starts_at, sent_at)
		SELECT $1, m, $2, $4 FROM unnest($3::int[]) AS o(m) ON CONFLICT DO NOTHING`, id, start, mins, at)
	if err != nil {
		return false, fmt.Errorf("mark reminders: %w", mapErr(err))
	}
	return tag.RowsAffected() > 0, nil
}

// AttendanceAsk is a coach with sessions whose attendance is not recorded.
type AttendanceAsk struct {
	CoachID    int64
	CoachName  string
	CoachEmail string
	Sessions   []Appointment
}

// DueAttendanceAsks takes, locked, booked appointments that started before
// before and whose coach has not been asked to record attendance, grouped
// by coach (at most limit appointments).
func (s *Store) DueAttendanceAsks(ctx context.Context, before time.Time, limit int) ([]AttendanceAsk, error) {
	rows, err := s.db.Query(ctx, `SELECT `+appointmentColumns+appointmentFrom+`WHERE a.status = 'booked' AND a.starts_at < $1
		AND a.attendance_asked_at IS NULL ORDER BY a.coach_id, a.starts_at LIMIT $2 FOR UPDATE OF a SKIP LOCKED`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("attendance asks: %w", err)
	}
	defer rows.Close()
	var out []AttendanceAsk
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, fmt.Errorf("attendance asks: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].CoachID != a.CoachID {
			out = append(out, AttendanceAsk{CoachID: a.CoachID, CoachName: a.CoachName, CoachEmail: a.CoachEmail})
		}
		out[len(out)-1].Sessions = append(out[len(out)-1].Sessions, a)
	}
	return out, rows.Err()
}

// MarkAttendanceAsked records that the coach was asked about these
// appointments.
func (s *Store) MarkAttendanceAsked(ctx context.Context, ids []int64, at time.Time) error {
	if _, err := s.db.Exec(ctx, `UPDATE appointments SET attendance_asked_at = $2 WHERE id = ANY($1) AND attendance_asked_at IS NULL`, ids, at); err != nil {
		return fmt.Errorf("mark attendance asked: %w", err)
	}
	return nil
}

// CoachClient is one of a coach's open referrals as their home lists it.
type CoachClient struct {
	ReferralCard
	Granted, Used int
	Next          *time.Time // the next booked session, if any
	// Summaries: sessions that took place, and summaries the trainee has
	// submitted for them.
	Held, Summaries int
}

// CoachClients lists a coach's open referrals with their allowance, next
// session and summaries, in one statement.
func (s *Store) CoachClients(ctx context.Context, coachID int64, now time.Time) ([]CoachClient, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cardColumns+`, sessions_granted, sessions_used,
			(SELECT min(a.starts_at) FROM appointments a WHERE a.referral_id = referrals.id AND a.status = 'booked' AND a.starts_at > $2),
			(SELECT count(*) FROM appointments a WHERE a.referral_id = referrals.id AND a.status = 'attended'),
			(SELECT count(*) FROM summaries sm WHERE sm.referral_id = referrals.id AND sm.submitted_at IS NOT NULL)
		FROM referrals WHERE coach_id = $1 AND status NOT IN ('closed','withdrawn') ORDER BY trainee_name, id LIMIT 200`, coachID, now)
	if err != nil {
		return nil, fmt.Errorf("coach clients: %w", err)
	}
	defer rows.Close()
	var out []CoachClient
	for rows.Next() {
		var c CoachClient
		if err := rows.Scan(&c.ID, &c.Reference, &c.Route, &c.Status, &c.TraineeName, &c.SubmittedAt,
			&c.Owners.TraineeEmail, &c.Owners.ReferrerEmail, &c.Owners.CaseManagerID, &c.Owners.CoachID,
			&c.Granted, &c.Used, &c.Next, &c.Held, &c.Summaries); err != nil {
			return nil, fmt.Errorf("coach clients: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CoachAgenda lists a coach's own sessions their home shows, in one
// statement, for the referrals allocated to them now: booked sessions from from to to (today and this week), booked
// sessions that started before now (attendance to record), and sessions
// that took place but are not confirmed.
func (s *Store) CoachAgenda(ctx context.Context, coachID int64, now, from, to time.Time) ([]Appointment, error) {
	rows, err := s.db.Query(ctx, `SELECT `+appointmentColumns+appointmentFrom+`WHERE a.coach_id = $1 AND r.coach_id = $1 AND (
			(a.status = 'booked' AND a.starts_at >= $3 AND a.starts_at < $4)
			OR (a.status = 'booked' AND a.starts_at <= $2)
			OR (a.status = 'attended' AND a.meeting_confirmed_at IS NULL))
		ORDER BY a.starts_at, a.id LIMIT 500`, coachID, now, from, to)
	if err != nil {
		return nil, fmt.Errorf("coach agenda: %w", err)
	}
	defer rows.Close()
	var out []Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, fmt.Errorf("coach agenda: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
