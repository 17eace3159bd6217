package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// NewPattern is a weekly pattern as stored; its slots are worked out by
// package booking and stored with it.
type NewPattern struct {
	From, Until   time.Time // dates (midnight UTC), both included
	Weekdays      []int16   // 0 Sunday to 6 Saturday
	Start         string    // "HH:MM", Europe/London
	LengthMinutes int
	PerDay        int
	Mode          string
	Place         string
}

// Pattern is a stored weekly pattern with what it holds still to come.
type Pattern struct {
	ID int64
	NewPattern
	FreeToCome   int // free times still to come
	BookedToCome int // booked times still to come
}

// AddPattern stores a pattern and adds its slots, skipping any that
// overlap the coach's slots or time off; it returns the pattern's id and how
// many slots were added.
func (s *Store) AddPattern(ctx context.Context, coachID int64, p NewPattern, slots []NewSlot) (id int64, added int, err error) {
	err = s.InTx(ctx, func(st *Store, _ pgx.Tx) error {
		if err := st.lockCoach(ctx, coachID); err != nil {
			return err
		}
		if err := st.db.QueryRow(ctx, `INSERT INTO availability_patterns (coach_id, starts_on, ends_on, weekdays, start_time, length_minutes, per_day, mode, place)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			coachID, p.From, p.Until, p.Weekdays, p.Start, p.LengthMinutes, p.PerDay, p.Mode, p.Place).Scan(&id); err != nil {
			return mapErr(err)
		}
		for _, sl := range slots {
			tag, err := st.db.Exec(ctx, insertSlotSQL, coachID, sl.Start, sl.End, sl.Mode, sl.Place, false, id)
			if err != nil {
				return mapErr(err)
			}
			added += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("add pattern: %w", err)
	}
	return id, added, nil
}

const patternColumns = `p.id, p.starts_on, p.ends_on, p.weekdays, p.start_time, p.length_minutes, p.per_day, p.mode, p.place,
	(SELECT count(*) FROM availability_slots s WHERE s.pattern_id = p.id AND s.starts_at > $2
		AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.slot_id = s.id AND a.status <> 'cancelled')),
	(SELECT count(*) FROM availability_slots s JOIN appointments a ON a.slot_id = s.id AND a.status <> 'cancelled' AND a.status = 'booked'
		WHERE s.pattern_id = p.id AND s.starts_at > $2)`

func scanPattern(row interface{ Scan(...any) error }) (Pattern, error) {
	var p Pattern
	err := row.Scan(&p.ID, &p.From, &p.Until, &p.Weekdays, &p.Start, &p.LengthMinutes, &p.PerDay, &p.Mode, &p.Place, &p.FreeToCome, &p.BookedToCome)
	return p, mapErr(err)
}

// CoachPatterns lists the coach's patterns that have not ended by today
// (a date), earliest first.
func (s *Store) CoachPatterns(ctx context.Context, coachID int64, now, today time.Time) ([]Pattern, error) {
	rows, err := s.db.Query(ctx, `SELECT `+patternColumns+` FROM availability_patterns p
		WHERE p.coach_id = $1 AND p.ends_on >= $3 ORDER BY p.starts_on, p.id`, coachID, now, today)
	if err != nil {
		return nil, fmt.Errorf("patterns: %w", err)
	}
	defer rows.Close()
	var out []Pattern
	for rows.Next() {
		p, err := scanPattern(rows)
		if err != nil {
			return nil, fmt.Errorf("patterns: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CoachPattern reads one of the coach's patterns (ErrNotFound for anyone
// else's).
func (s *Store) CoachPattern(ctx context.Context, coachID, id int64, now time.Time) (Pattern, error) {
	p, err := scanPattern(s.db.QueryRow(ctx, `SELECT `+patternColumns+` FROM availability_patterns p WHERE p.coach_id = $1 AND p.id = $3`, coachID, now, id))
	if err != nil {
		return p, fmt.Errorf("pattern: %w", err)
	}
	return p, nil
}

// EndPattern ends one of the coach's patterns before the day that starts at
// from (lastDay is the day before, a date): its free times from then on
// that were never booked are removed, booked ones stay. A pattern ended
// before its first day is removed (its booked times stay, without it). It
// returns how many free times were removed; ErrNotFound for anyone else's.
func (s *Store) EndPattern(ctx context.Context, coachID, id int64, from, lastDay, now time.Time) (removed int, err error) {
	err = s.InTx(ctx, func(st *Store, _ pgx.Tx) error {
		if err := st.lockCoach(ctx, coachID); err != nil {
			return err
		}
		var startsOn, endsOn time.Time
		if err := st.db.QueryRow(ctx, `SELECT starts_on, ends_on FROM availability_patterns WHERE id = $1 AND coach_id = $2 FOR UPDATE`, id, coachID).
			Scan(&startsOn, &endsOn); err != nil {
			return mapErr(err)
		}
		tag, err := st.db.Exec(ctx, `DELETE FROM availability_slots s WHERE s.pattern_id = $1 AND s.starts_at >= $2 AND s.starts_at > $3
			AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.coach_id = s.coach_id AND a.starts_at = s.starts_at AND a.slot_id = s.id)`, id, from, now)
		if err != nil {
			return err
		}
		removed = int(tag.RowsAffected())
		switch {
		case lastDay.Before(startsOn):
			_, err = st.db.Exec(ctx, `DELETE FROM availability_patterns WHERE id = $1`, id)
		case lastDay.Before(endsOn):
			_, err = st.db.Exec(ctx, `UPDATE availability_patterns SET ends_on = $2 WHERE id = $1`, id, lastDay)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("end pattern: %w", err)
	}
	return removed, nil
}

// RemovePatternFreeTimes removes a pattern's free times still to come that
// were never booked; booked ones stay. It returns how many were removed;
// ErrNotFound for anyone else's pattern.
func (s *Store) RemovePatternFreeTimes(ctx context.Context, coachID, id int64, now time.Time) (int, error) {
	removed := 0
	err := s.InTx(ctx, func(st *Store, _ pgx.Tx) error {
		if err := st.lockCoach(ctx, coachID); err != nil {
			return err
		}
		var found int64
		if err := st.db.QueryRow(ctx, `SELECT id FROM availability_patterns WHERE id = $1 AND coach_id = $2 FOR UPDATE`, id, coachID).Scan(&found); err != nil {
			return mapErr(err)
		}
		tag, err := st.db.Exec(ctx, `DELETE FROM availability_slots s WHERE s.pattern_id = $1 AND s.starts_at > $2
			AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.coach_id = s.coach_id AND a.starts_at = s.starts_at AND a.slot_id = s.id)`, id, now)
		removed = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("remove pattern times: %w", err)
	}
	return removed, nil
}
