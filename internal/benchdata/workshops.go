package benchdata

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Workshops and webinars (issue 16): two a month over the dataset's years
// and a few to come, each with registrations drawn from the trainees:
// places, a waiting list when full, attendance and feedback at the ones
// held. BenchWorkshopSlug is one far ahead with room for every
// registration the benchmark posts.

// BenchWorkshopSlug is the workshop the benchmark's registrations post to.
const BenchWorkshopSlug = "bench-career-planning"

var workshopTitles = []string{"Career planning", "The consultant interview", "Networking for clinicians",
	"Less than full time training", "Careers outside medicine", "Preparing for specialty recruitment"}

var fftAnswers = []string{"very_good", "very_good", "very_good", "good", "good", "neither", "poor", "very_poor", "dont_know"}

// seedWorkshops adds the workshops and their registrations; it returns how
// many registrations it copied.
func seedWorkshops(ctx context.Context, tx pgx.Tx, r *rand.Rand, plans []refPlan, o Options) (int, error) {
	type ws struct {
		id                   int64
		starts, ends         time.Time
		capacity, registered int
	}
	var all []ws
	add := func(slug, title string, starts time.Time, capacity int) error {
		ends := starts.Add(90 * time.Minute)
		// Registration opened two months ahead, and is open now for any
		// still to come.
		opens := starts.AddDate(0, -2, 0)
		if opens.After(o.Now) {
			opens = o.Now.AddDate(0, 0, -1)
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO workshops (slug, title, description, audience, starts_at, ends_at, mode, joining_link,
				capacity, presenters, registration_opens_at, check_in_code, created_at, updated_at)
			VALUES ($1, $2, 'A careers workshop of the unit, in the benchmark''s dataset.', 'Trainees in London and Kent, Surrey and Sussex',
				$3, $4, 'online', 'https://meet.example.nhs.uk/bench', $5, 'A careers coach', $6, $7, $6, $6) RETURNING id`,
			slug, title, starts, ends, capacity, opens, "BENCH"+strconv.Itoa(len(all)%100)).Scan(&id)
		if err != nil {
			return err
		}
		all = append(all, ws{id: id, starts: starts, ends: ends, capacity: capacity, registered: 20 + r.IntN(40)})
		return nil
	}
	first := o.Now.AddDate(-o.Years, 0, 0)
	n := 0
	for t := first; t.Before(o.Now.AddDate(0, 2, 0)); t = t.AddDate(0, 0, 15) {
		day := time.Date(t.Year(), t.Month(), t.Day(), 18, 0, 0, 0, time.UTC)
		if err := add("bench-"+day.Format("2006-01-02")+"-"+strconv.Itoa(n), workshopTitles[n%len(workshopTitles)], day, 25+r.IntN(20)); err != nil {
			return 0, err
		}
		n++
	}
	// The benchmark's own: far ahead, open, room for every post (they stay
	// unconfirmed, holding nothing, but the capacity says it too).
	if err := add(BenchWorkshopSlug, "Career planning", o.Now.AddDate(0, 6, 0), 2000); err != nil {
		return 0, err
	}
	all[len(all)-1].registered = 30
	cols := []string{"workshop_id", "name", "email", "professional_group", "region", "grade", "status", "created_at",
		"confirmed_at", "placed_at", "offered_at", "attendance", "attendance_by", "attendance_at", "feedback_asked_at", "eligibility"}
	var rows []wsRow
	for _, w := range all {
		held := !w.ends.After(o.Now)
		seen := map[string]bool{}
		placed := 0
		for i := 0; i < w.registered && len(plans) > 0; i++ {
			p := plans[r.IntN(len(plans))]
			email := strings.ToLower(p.Trainee.Email)
			if seen[email] {
				continue
			}
			seen[email] = true
			confirmed := w.starts.AddDate(0, 0, -30).Add(time.Duration(i) * time.Hour)
			status := "placed"
			var placedAt, offeredAt, att, by, attAt, asked any = confirmed, nil, nil, nil, nil, nil
			fb := ""
			switch {
			case placed >= w.capacity:
				status, placedAt = "waiting", nil
				if held {
					status = "lapsed"
				}
			case r.IntN(10) == 0:
				status, placedAt = "cancelled", nil
			}
			if status == "placed" {
				placed++
				if r.IntN(8) == 0 { // from the waiting list
					offeredAt = confirmed.Add(24 * time.Hour)
					placedAt = confirmed.Add(30 * time.Hour)
				}
				if held {
					att, by, attAt = "absent", "staff", w.ends
					if r.IntN(5) != 0 {
						att, by, attAt = "attended", "self", w.starts
						asked = w.ends.Add(15 * time.Minute)
						if r.IntN(2) == 0 {
							fb = fftAnswers[r.IntN(len(fftAnswers))]
						}
					}
				}
			}
			rows = append(rows, wsRow{vals: []any{w.id, p.Trainee.Name, email, p.Group, p.Region, "st3", status, confirmed,
				confirmed, placedAt, offeredAt, att, by, attAt, asked, "eligible"}, feedback: fb})
		}
	}
	i := 0
	count, err := copyRows(ctx, tx, "workshop_registrations", cols, func() []any {
		if i >= len(rows) {
			return nil
		}
		i++
		return rows[i-1].vals
	})
	if err != nil {
		return count, err
	}
	// Feedback from about half of those who attended.
	var fids []int64
	var femails, ffts []string
	for _, r := range rows {
		if r.feedback != "" {
			fids, femails, ffts = append(fids, r.vals[0].(int64)), append(femails, r.vals[2].(string)), append(ffts, r.feedback)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO workshop_feedback (registration_id, workshop_id, answered_at, fft, comment)
		SELECT r.id, r.workshop_id, r.attendance_at + interval '1 day', f.fft, CASE WHEN r.id % 3 = 0 THEN 'More time for questions, please' ELSE '' END
		FROM workshop_registrations r JOIN unnest($1::bigint[], $2::text[], $3::text[]) AS f(workshop_id, email, fft)
		  ON f.workshop_id = r.workshop_id AND f.email = r.email`, fids, femails, ffts); err != nil {
		return count, err
	}
	return count, nil
}

// wsRow is one registration to copy, and its feedback answer, if any.
type wsRow struct {
	vals     []any
	feedback string
}
