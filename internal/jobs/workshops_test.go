package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"careers/internal/jobs"
	"careers/internal/mail/mailtest"
)

// The workshop_sweep job, run by River with the injected clock: an offer
// that ran out lapses and the place is offered to the next person waiting,
// and the 2-hour reminder goes to the person with a place, once; every
// email reaches the SMTP server with its calendar file.
func TestWorkshopSweepJob(t *testing.T) {
	t.Parallel()
	pool := MustDB(t)
	ctx := context.Background()
	// The clock is the real time: the client also runs the retention job
	// at start with this clock, and it deletes sent emails that belong to
	// no referral once they are 90 days old by their created_at, which
	// the database sets. A fixed date more than 90 days after the real one
	// let it delete this test's emails when it happened to run after they
	// were sent (seen under load on 2026-12-07).
	now := time.Now().UTC().Truncate(time.Minute)
	var wsID, other int64
	if err := pool.QueryRow(ctx, `INSERT INTO workshops (slug, title, starts_at, ends_at, mode, joining_link, capacity, check_in_code)
		VALUES ('sweep', 'Sweep workshop', $1, $2, 'online', 'https://meet.example.com/sweep', 2, 'SWEEP1') RETURNING id`,
		now.Add(90*time.Minute), now.Add(3*time.Hour)).Scan(&wsID); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO workshops (slug, title, starts_at, ends_at, mode, capacity, check_in_code)
		VALUES ('later', 'Later workshop', $1, $2, 'online', 1, 'LATER1') RETURNING id`,
		now.Add(5*24*time.Hour), now.Add(5*24*time.Hour+time.Hour)).Scan(&other); err != nil {
		t.Fatal(err)
	}
	reg := func(ws int64, email, status string, confirmed time.Time, expires *time.Time) {
		t.Helper()
		if _, err := pool.Exec(ctx, `INSERT INTO workshop_registrations (workshop_id, name, email, professional_group, region, grade, status, confirmed_at, offered_at, offer_expires_at)
			VALUES ($1, $2, $2, 'doctor', 'london', 'st3', $3, $4, CASE WHEN $3 = 'offered' THEN $4::timestamptz END, $5)`, ws, email, status, confirmed, expires); err != nil {
			t.Fatal(err)
		}
	}
	ran := now.Add(-time.Minute)
	reg(wsID, "placed@example.org", "placed", now.Add(-48*time.Hour), nil)
	// The later workshop: the offer ran out a minute ago; next is waiting.
	reg(other, "lapsing@example.org", "offered", now.Add(-30*time.Hour), &ran)
	reg(other, "next@example.org", "waiting", now.Add(-29*time.Hour), nil)

	t.Cleanup(func() {
		if t.Failed() {
			rows, _ := pool.Query(ctx, `SELECT kind, state, errors::text FROM river_job ORDER BY id`)
			for rows.Next() {
				var k, st string
				var e *string
				rows.Scan(&k, &st, &e)
				if e != nil {
					t.Log(k, st, *e)
				} else {
					t.Log(k, st)
				}
			}
			rows.Close()
			rows, _ = pool.Query(ctx, `SELECT kind, status FROM notifications`)
			for rows.Next() {
				var k, st string
				rows.Scan(&k, &st)
				t.Log("notification", k, st)
			}
			rows.Close()
		}
	})
	srv := mailtest.Start(t)
	MustStartClient(t, pool, MustSMTPSender(t, srv), jobs.WithClock(func() time.Time { return now }))
	Eventually(t, 45*time.Second, "the sweep to run and its emails to arrive", func() (bool, error) {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'workshop_sweep' AND state = 'completed'`) > 0 &&
			count(t, pool, `SELECT count(*) FROM notifications WHERE kind LIKE 'workshop_%'`) == 3 &&
			count(t, pool, `SELECT count(*) FROM notifications WHERE status <> 'sent'`) == 0, nil
	})
	status := func(email string) string {
		var s string
		pool.QueryRow(ctx, `SELECT status FROM workshop_registrations WHERE email = $1`, email).Scan(&s)
		return s
	}
	if status("lapsing@example.org") != "lapsed" || status("next@example.org") != "offered" {
		t.Fatalf("after the sweep: %s, %s", status("lapsing@example.org"), status("next@example.org"))
	}
	var reminded []string
	pool.QueryRow(ctx, `SELECT reminded FROM workshop_registrations WHERE email = 'placed@example.org'`).Scan(&reminded)
	if len(reminded) != 1 || reminded[0] != "2h" {
		t.Fatalf("reminders recorded: %v", reminded)
	}
	subjects := map[string]string{}
	for _, m := range srv.Messages() {
		to := strings.Join(m.EnvelopeTo, ",")
		subjects[to] = m.Get("Subject")
		var ics string
		for _, a := range m.Attachments {
			if a.Filename == "workshop.ics" {
				ics = string(a.Content)
			}
		}
		if !strings.Contains(ics, "BEGIN:VCALENDAR") || !strings.Contains(ics, "UID:workshop-") {
			t.Errorf("%q to %s has no calendar file", m.Get("Subject"), to)
		}
		if strings.Contains(ics, "meet.example.com") != strings.HasPrefix(m.Get("Subject"), "Reminder:") {
			t.Errorf("%q to %s: the joining link goes only with a place", m.Get("Subject"), to)
		}
	}
	for to, want := range map[string]string{"placed@example.org": "Reminder: Sweep workshop", "lapsing@example.org": "The offer of a place has run out",
		"next@example.org": "A place is free for you"} {
		if !strings.HasPrefix(subjects[to], want) {
			t.Errorf("to %s: %q, want %q", to, subjects[to], want)
		}
	}
}
