package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// insertSlotSQL adds one slot unless it overlaps one of the coach's slots
// or their time off ($1 coach, $2 start, $3 end, $4 mode, $5 place,
// $6 blocked, $7 pattern or null).
const insertSlotSQL = `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode, place, blocked, pattern_id)
	SELECT $1, $2, $3, $4, $5, $6, $7
	WHERE NOT EXISTS (SELECT 1 FROM availability_slots WHERE coach_id = $1 AND starts_at < $3 AND ends_at > $2)
	  AND NOT EXISTS (SELECT 1 FROM coach_time_off WHERE coach_id = $1 AND starts_at < $3 AND ends_at > $2)`

// lockCoach takes the coach's row lock: changes to one coach's times are
// made one at a time, so two at once cannot overlap.
func (s *Store) lockCoach(ctx context.Context, coachID int64) error {
	_, err := s.db.Exec(ctx, `SELECT 1 FROM staff_users WHERE id = $1 FOR UPDATE`, coachID)
	return err
}

// TimeOff is a period a coach is not available.
type TimeOff struct {
	ID         int64
	Start, End time.Time
	Note       string
}

// CoachWeek is the coach's calendar from from to to in one statement: their
// slots (with the live appointment in each) and the time off that overlaps
// the period.
func (s *Store) CoachWeek(ctx context.Context, coachID int64, from, to time.Time) ([]CalendarSlot, []TimeOff, error) {
	rows, err := s.db.Query(ctx, CoachWeekSQL, coachID, from, to)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar: %w", err)
	}
	w, err := readWeek(rows)
	return w.Slots, w.Off, err
}

// CoachWeek's statement in three parts around the coach's id (twice);
// $2 from, $3 to. Each row ends with the coach it is of.
const (
	coachWeekSlots = `SELECT 'slot', sl.id, sl.starts_at, sl.ends_at, sl.mode, sl.place, sl.blocked,
		coalesce(a.id, 0), coalesce(r.reference, ''), coalesce(r.trainee_name, ''), coalesce(a.status, ''),
		coalesce(r.coach_id = sl.coach_id, false),
		a.id IS NOT NULL OR EXISTS (SELECT 1 FROM appointments x WHERE x.coach_id = sl.coach_id AND x.starts_at = sl.starts_at AND x.slot_id = sl.id), '',
		sl.coach_id
	FROM availability_slots sl
	LEFT JOIN appointments a ON a.slot_id = sl.id AND a.status <> 'cancelled'
	LEFT JOIN referrals r ON r.id = a.referral_id
	WHERE sl.coach_id = `
	coachWeekOff = ` AND sl.starts_at >= $2 AND sl.starts_at < $3
	UNION ALL
	SELECT 'off', t.id, t.starts_at, t.ends_at, '', '', true, 0, '', '', '', false, false, t.note, t.coach_id
	FROM coach_time_off t WHERE t.coach_id = `
	coachWeekEnd = ` AND t.ends_at > $2 AND t.starts_at < $3
	ORDER BY 3, 1`
)

// CoachWeekSQL is CoachWeek's statement ($1 coach, $2 from, $3 to); the
// benchmark's baseline runs it too.
const CoachWeekSQL = coachWeekSlots + "$1" + coachWeekOff + "$1" + coachWeekEnd

// coachWeekSessionSQL is CoachWeekSQL for the coach whose session's token
// hash is $1.
const coachWeekSessionSQL = coachWeekSlots + SessionStaffID + coachWeekOff + SessionStaffID + coachWeekEnd

// Week is a coach's calendar for a period, as CoachWeek reads it, and the
// coach it is of (0 when it is empty).
type Week struct {
	Coach int64
	Slots []CalendarSlot
	Off   []TimeOff
}

// weekColumns are the types of CoachWeekSQL's columns, as readWeek decodes them.
var weekColumns = []rawType{rawText, rawInt8, rawTimestamptz, rawTimestamptz, rawText, rawText, rawBool, rawInt8,
	rawText, rawText, rawText, rawBool, rawBool, rawText, rawInt8}

// readWeek reads CoachWeekSQL's rows, decoding them by hand (rawrow.go)
// when they come in binary: a coach opens the week many times a day, and
// it is a screenful of rows.
func readWeek(rows pgx.Rows) (Week, error) {
	defer rows.Close()
	// Room for a busy week, so the slots are not copied again and again
	// as they grow.
	w := Week{Slots: make([]CalendarSlot, 0, 32)}
	checked, raw := false, false
	for rows.Next() {
		if !checked {
			checked, raw = true, rawColumns(rows.FieldDescriptions(), weekColumns...) == nil
		}
		var kind, note string
		var c CalendarSlot
		var coach int64
		if raw {
			r := rawReader{vals: rows.RawValues()}
			kind = r.text("slot", "off")
			c = CalendarSlot{ID: r.int8(), Start: r.time(), End: r.time(),
				Mode: r.text("virtual", "telephone", "in_person"), Place: r.text(""), Blocked: r.bool(),
				Appointment: r.int8(), Reference: r.text(""), TraineeName: r.text(""),
				Status:    r.text("", "booked", "attended", "not_attended", "cancelled"),
				OwnClient: r.bool(), EverBooked: r.bool()}
			note, coach = r.text(""), r.int8()
			if r.err != nil {
				return Week{}, fmt.Errorf("calendar: %w", r.err)
			}
		} else if err := rows.Scan(&kind, &c.ID, &c.Start, &c.End, &c.Mode, &c.Place, &c.Blocked, &c.Appointment, &c.Reference,
			&c.TraineeName, &c.Status, &c.OwnClient, &c.EverBooked, &note, &coach); err != nil {
			return Week{}, fmt.Errorf("calendar: %w", err)
		}
		if w.Coach != 0 && coach != w.Coach {
			return Week{}, fmt.Errorf("calendar: rows of two coaches")
		}
		w.Coach = coach
		if kind == "off" {
			w.Off = append(w.Off, TimeOff{ID: c.ID, Start: c.Start, End: c.End, Note: note})
			continue
		}
		w.Slots = append(w.Slots, c)
	}
	if err := rows.Err(); err != nil {
		return Week{}, fmt.Errorf("calendar: %w", err)
	}
	return w, nil
}

// weekPrefetch is a coach's week read with the session (CoachWeekPrefetch).
type weekPrefetch struct {
	from, to time.Time
	week     Week
}

// CoachWeekPrefetch reads the week from from to to of the staff member
// whose session the request carries, in the session's own round trip
// (see Prefetch); PrefetchedWeek hands it to the calendar.
func CoachWeekPrefetch(from, to time.Time) *Prefetch {
	return &Prefetch{SQL: []string{coachWeekSessionSQL}, StaffSQL: []string{CoachWeekSQL}, Args: []any{from, to},
		Read: func(res pgx.BatchResults) (any, error) {
			rows, err := res.Query()
			if err != nil {
				return nil, err
			}
			w, err := readWeek(rows)
			return weekPrefetch{from: from, to: to, week: w}, err
		}}
}

// PrefetchedWeek is the week read with this request's session, if it was
// asked for (CoachWeekPrefetch) for the same period, the session read in
// the same round trip was coachID's (the caller has also checked that
// coachID signs the request), and its rows are coachID's. An empty week is
// handed out on the session's word when the statement read the coach from
// the session row (the two statements read it a moment apart, and if a
// sign-out came between them the week reads empty, never anyone else's),
// and when it was asked for coachID by id (knownPeople).
func PrefetchedWeek(ctx context.Context, coachID int64, from, to time.Time) ([]CalendarSlot, []TimeOff, bool) {
	memo := SessionReadFrom(ctx)
	if memo == nil || memo.Staff == nil || coachID == 0 || memo.Staff.ID != coachID || !memo.Staff.Active {
		return nil, nil, false
	}
	p, ok := memo.Prefetched.(weekPrefetch)
	if !ok || (p.week.Coach != coachID && p.week.Coach != 0) || !p.from.Equal(from) || !p.to.Equal(to) ||
		memo.askedForAnother(sessionPerson{staffID: coachID}) {
		return nil, nil, false
	}
	return p.week.Slots, p.week.Off, true
}

// AddTimeOff records time off and removes the coach's free times inside it
// that are still to come and were never booked (a slot once booked stays,
// as its appointment refers to it, but is never offered inside time off).
// It returns the time off's id and how many free times were removed; the
// same period sent again is the same time off.
func (s *Store) AddTimeOff(ctx context.Context, coachID int64, start, end time.Time, note string, now time.Time) (id int64, removed int, err error) {
	err = s.InTx(ctx, func(st *Store, _ pgx.Tx) error {
		if err := st.lockCoach(ctx, coachID); err != nil {
			return err
		}
		if err := st.db.QueryRow(ctx, `INSERT INTO coach_time_off (coach_id, starts_at, ends_at, note, created_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (coach_id, starts_at, ends_at) DO UPDATE SET note = coach_time_off.note RETURNING id`, coachID, start, end, note, now).Scan(&id); err != nil {
			return mapErr(err)
		}
		tag, err := st.db.Exec(ctx, `DELETE FROM availability_slots s WHERE s.coach_id = $1 AND s.starts_at < $3 AND s.ends_at > $2
			AND s.starts_at > $4 AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.coach_id = s.coach_id AND a.starts_at = s.starts_at AND a.slot_id = s.id)`, coachID, start, end, now)
		removed = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("add time off: %w", err)
	}
	return id, removed, nil
}

// TimeOffAppointment is a booked session that falls in time off.
type TimeOffAppointment struct {
	ID          int64
	Start, End  time.Time
	Reference   string
	TraineeName string
	OwnClient   bool // the referral is allocated to this coach now
}

// CoachTimeOff reads one of the coach's time off (ErrNotFound for anyone
// else's) and the booked sessions still to come that fall in it.
func (s *Store) CoachTimeOff(ctx context.Context, coachID, id int64, now time.Time) (TimeOff, []TimeOffAppointment, error) {
	var t TimeOff
	if err := s.db.QueryRow(ctx, `SELECT id, starts_at, ends_at, note FROM coach_time_off WHERE id = $1 AND coach_id = $2`, id, coachID).
		Scan(&t.ID, &t.Start, &t.End, &t.Note); err != nil {
		return t, nil, fmt.Errorf("time off: %w", mapErr(err))
	}
	rows, err := s.db.Query(ctx, `SELECT a.id, a.starts_at, a.ends_at, r.reference, r.trainee_name, coalesce(r.coach_id = a.coach_id, false)
		FROM appointments a JOIN referrals r ON r.id = a.referral_id
		WHERE a.coach_id = $1 AND a.status = 'booked' AND a.starts_at < $3 AND a.ends_at > $2 AND a.starts_at > $4
		ORDER BY a.starts_at`, coachID, t.Start, t.End, now)
	if err != nil {
		return t, nil, fmt.Errorf("time off: %w", err)
	}
	defer rows.Close()
	var out []TimeOffAppointment
	for rows.Next() {
		var a TimeOffAppointment
		if err := rows.Scan(&a.ID, &a.Start, &a.End, &a.Reference, &a.TraineeName, &a.OwnClient); err != nil {
			return t, nil, fmt.Errorf("time off: %w", err)
		}
		out = append(out, a)
	}
	return t, out, rows.Err()
}

// DeleteTimeOff removes one of the coach's time off (ErrNotFound for anyone
// else's). The free times it removed do not come back.
func (s *Store) DeleteTimeOff(ctx context.Context, coachID, id int64) error {
	return s.execOne(ctx, "delete time off", `DELETE FROM coach_time_off WHERE id = $1 AND coach_id = $2`, id, coachID)
}

// DeleteFutureSlot removes a coach's own slot that has never been booked and
// has not started by now: ErrNotFound when the coach has no such slot,
// ErrConflict when it was booked or has started (past times are read-only).
func (s *Store) DeleteFutureSlot(ctx context.Context, coachID, slotID int64, now time.Time) error {
	var found, deleted int
	err := s.db.QueryRow(ctx, `WITH target AS (
			SELECT id FROM availability_slots WHERE id = $1 AND coach_id = $2 FOR UPDATE
		), gone AS (
			DELETE FROM availability_slots s USING target WHERE s.id = target.id AND s.starts_at > $3
				AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.coach_id = s.coach_id AND a.starts_at = s.starts_at AND a.slot_id = s.id) RETURNING s.id
		)
		SELECT (SELECT count(*) FROM target), (SELECT count(*) FROM gone)`, slotID, coachID, now).Scan(&found, &deleted)
	switch {
	case err != nil:
		return fmt.Errorf("delete slot: %w", mapErr(err))
	case found == 0:
		return fmt.Errorf("delete slot: %w", ErrNotFound)
	case deleted == 0:
		return fmt.Errorf("delete slot: %w", ErrConflict)
	}
	return nil
}

// AddBlockedSlot blocks one period as a blocked slot, first removing the
// coach's free times inside it that are still to come and were never
// booked (so blocking a time that has a free slot replaces it rather than
// being left out). A booked time inside it stays, and then the block is not
// added (added is 0).
func (s *Store) AddBlockedSlot(ctx context.Context, coachID int64, sl NewSlot, now time.Time) (removed, added int, err error) {
	err = s.InTx(ctx, func(st *Store, _ pgx.Tx) error {
		if err := st.lockCoach(ctx, coachID); err != nil {
			return err
		}
		tag, err := st.db.Exec(ctx, `DELETE FROM availability_slots s WHERE s.coach_id = $1 AND s.starts_at < $3 AND s.ends_at > $2
			AND s.starts_at > $4 AND NOT s.blocked
			AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.coach_id = s.coach_id AND a.starts_at = s.starts_at AND a.slot_id = s.id)`,
			coachID, sl.Start, sl.End, now)
		if err != nil {
			return err
		}
		removed = int(tag.RowsAffected())
		tag, err = st.db.Exec(ctx, insertSlotSQL, coachID, sl.Start, sl.End, sl.Mode, sl.Place, true, nil)
		added = int(tag.RowsAffected())
		return mapErr(err)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("block time: %w", err)
	}
	return removed, added, nil
}
