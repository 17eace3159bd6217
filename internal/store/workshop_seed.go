package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// demoWorkshop is one of the demo workshops `careers seed` adds, placed
// around now so `make run` shows some coming and some held: with places,
// a waiting list, attendance and feedback.
type demoWorkshop struct {
	slug, title, description, audience, mode string
	start                                    time.Duration // from now, at the hour
	length                                   time.Duration
	capacity                                 int
	placed, waiting, attended                int
	feedback                                 []string // FFT answers, one per attendee who answered
	comments                                 []string
}

var demoWorkshops = []demoWorkshop{
	{slug: "demo-career-planning", title: "Career planning", mode: "online", start: 10 * 24 * time.Hour, length: 90 * time.Minute, capacity: 30, placed: 6,
		description: "An evening webinar on the unit's four-stage approach to career planning: knowing yourself, finding out about your options, deciding, and making a plan you can act on.",
		audience:    "Doctors and dentists in training, any grade"},
	{slug: "demo-the-consultant-interview", title: "The consultant interview", mode: "online", start: 20 * 24 * time.Hour, length: time.Hour, capacity: 4, placed: 4, waiting: 2,
		description: "Preparing for the consultant interview: the visit before the interview, the presentation, the panel's questions and managing your nerves, with time for your questions.",
		audience:    "Specialty registrars within two years of their CCT"},
	{slug: "demo-networking-for-clinicians", title: "Networking for clinicians", mode: "in_person", start: -30 * 24 * time.Hour, length: 2 * time.Hour, capacity: 20, placed: 12, attended: 9,
		description: "Why a network of contacts helps in a career decision, and how to build one: finding people in roles you are curious about and asking them good questions.",
		audience:    "Healthcare trainees in London and Kent, Surrey and Sussex",
		feedback:    []string{"very_good", "very_good", "good", "very_good", "good", "neither", "very_good"},
		comments:    []string{"More time for the practice conversations", "", "A list of the roles we talked about afterwards would help"}},
	{slug: "demo-career-planning-spring", title: "Career planning", mode: "online", start: -60 * 24 * time.Hour, length: 90 * time.Minute, capacity: 30, placed: 8, attended: 6,
		description: "An evening webinar on the unit's four-stage approach to career planning.",
		audience:    "Doctors and dentists in training, any grade",
		feedback:    []string{"good", "very_good", "good", "poor", "very_good", "dont_know"},
		comments:    []string{"", "", "", "The sound dropped out a few times"}},
}

// demoNames are the demo registrants' names.
var demoNames = []string{"Aisha Rahman", "Ben Okafor", "Chloe Martin", "Dev Patel", "Ella Hughes", "Farid Haddad", "Grace Lee",
	"Hamish Reid", "Isla Brown", "Jonah Clarke", "Kiran Shah", "Lucy Evans", "Marek Nowak", "Nia Williams"}

// seedWorkshops adds the demo workshops (idempotent: a slug seeded before
// is left alone) and returns how many it added.
func (s *Store) seedWorkshops(ctx context.Context, now time.Time) (int, error) {
	base := now.Truncate(time.Hour)
	added := 0
	for wi, d := range demoWorkshops {
		starts := base.Add(d.start)
		// An evening start, 6pm UK time, on the day.
		l := starts.In(london)
		starts = time.Date(l.Year(), l.Month(), l.Day(), 18, 0, 0, 0, london)
		ends := starts.Add(d.length)
		venue, link := "", ""
		if d.mode == "in_person" {
			venue = "Stewart House, 32 Russell Square, London WC1B 5DN"
		} else {
			link = "https://meet.example.nhs.uk/careers-" + d.slug
		}
		var id int64
		err := s.db.QueryRow(ctx, `INSERT INTO workshops (slug, title, description, audience, starts_at, ends_at, mode, joining_link, venue,
				capacity, presenters, registration_opens_at, registration_closes_at, check_in_code, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'A careers coach of the unit', $11, $5, $12, $11, $11)
			ON CONFLICT (slug) DO NOTHING RETURNING id`,
			d.slug, d.title, d.description, d.audience, starts, ends, d.mode, link, venue, d.capacity,
			starts.AddDate(0, -2, 0), "DEMO"+strconv.Itoa(10+wi)).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return added, fmt.Errorf("demo workshop: %w", err)
		}
		added++
		held := !ends.After(now)
		for i := range d.placed + d.waiting {
			name := demoNames[(i+wi*3)%len(demoNames)]
			email := "workshop.demo" + strconv.Itoa(wi) + "." + strconv.Itoa(i) + "@example.com"
			confirmed := starts.AddDate(0, 0, -20).Add(time.Duration(i) * time.Hour)
			status, placedAt := "placed", &confirmed
			if i >= d.placed {
				status, placedAt = "waiting", nil
			}
			var att, by, attAt any
			if held && status == "placed" {
				att, by, attAt = "absent", "staff", ends
				if i < d.attended {
					att = "attended"
					if i%2 == 0 {
						by, attAt = "self", starts.Add(-5*time.Minute)
					}
				}
			}
			var reg int64
			if err := s.db.QueryRow(ctx, `INSERT INTO workshop_registrations (workshop_id, name, email, professional_group, region, grade,
					status, created_at, confirmed_at, placed_at, attendance, attendance_by, attendance_at, updated_at, eligibility)
				VALUES ($1, $2, $3, 'doctor', 'london', 'st4', $4, $5, $5, $6, $7, $8, $9, $5, 'eligible') RETURNING id`,
				id, name, email, status, confirmed, placedAt, att, by, attAt).Scan(&reg); err != nil {
				return added, fmt.Errorf("demo workshop registration: %w", err)
			}
			if att == "attended" && i < len(d.feedback) {
				comment := ""
				if i < len(d.comments) {
					comment = d.comments[i]
				}
				if _, err := s.db.Exec(ctx, `UPDATE workshop_registrations SET feedback_asked_at = $2 WHERE id = $1`, reg, ends.Add(time.Hour)); err != nil {
					return added, err
				}
				if _, err := s.db.Exec(ctx, `INSERT INTO workshop_feedback (registration_id, workshop_id, answered_at, fft, comment) VALUES ($1, $2, $3, $4, $5)`,
					reg, id, ends.Add(26*time.Hour), d.feedback[i], comment); err != nil {
					return added, fmt.Errorf("demo workshop feedback: %w", err)
				}
			}
		}
	}
	return added, nil
}
