package jobs_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/jobs"
	"careers/internal/mail/mailtest"
	"careers/internal/store"
)

// mustPastWorkshop adds a workshop that ended at ends with registrations
// (names and emails of the fixture's person), attendance, feedback and a
// place link: everything retention must destroy.
func mustPastWorkshop(tb testing.TB, pool *pgxpool.Pool, slug string, ends time.Time) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO workshops (slug, title, starts_at, ends_at, mode, capacity, check_in_code)
		VALUES ($1, 'Career planning', $2::timestamptz - interval '90 minutes', $2, 'online', 20, 'ABCD') RETURNING id`, slug, ends).Scan(&id); err != nil {
		tb.Fatal(err)
	}
	for i, st := range []string{"placed", "placed", "waiting"} {
		var att any
		if i == 0 {
			att = "attended"
		}
		var reg int64
		if err := pool.QueryRow(ctx, `INSERT INTO workshop_registrations (workshop_id, name, email, professional_group, region, grade, status, confirmed_at, placed_at, attendance, attendance_by)
			VALUES ($1, $2, $3, 'doctor', 'london', 'st3', $4, $5::timestamptz, CASE WHEN $4 = 'placed' THEN $5::timestamptz END, $6, CASE WHEN $6::text IS NOT NULL THEN 'self' END) RETURNING id`,
			id, fixtureName, strings.Replace(fixtureEmail, "@", "+"+slug+string(rune('a'+i))+"@", 1), st, ends.AddDate(0, 0, -10), att).Scan(&reg); err != nil {
			tb.Fatal(err)
		}
		if i == 0 {
			if _, err := pool.Exec(ctx, `INSERT INTO workshop_feedback (registration_id, workshop_id, fft, comment) VALUES ($1, $2, 'good', $3)`, reg, id, fixtureNote); err != nil {
				tb.Fatal(err)
			}
			if _, err := store.New(pool).NewWorkshopPlaceLink(ctx, reg, ends, ends.AddDate(0, 2, 0)); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return id
}

func TestWorkshopRetentionDestroysRegistrationsAndRegistersThem(t *testing.T) {
	t.Parallel()
	pool := MustDB(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	old := mustPastWorkshop(t, pool, "old-event", at(2025, 1, 10, 19, 30))
	recent := mustPastWorkshop(t, pool, "recent-event", at(2025, 6, 10, 19, 30))

	// The day before the old one is due (24 months after its end): nothing.
	res, err := jobs.RunWorkshopRetention(ctx, pool, at(2027, 1, 9, 23, 0), 24, log)
	if err != nil || res.Destroyed != 0 {
		t.Fatalf("a day early: %+v, %v", res, err)
	}
	res, err = jobs.RunWorkshopRetention(ctx, pool, at(2027, 1, 10, 2, 0), 24, log)
	if err != nil || res.Destroyed != 1 {
		t.Fatalf("on the day: %+v, %v", res, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM workshop_registrations WHERE workshop_id = $1`, old); n != 0 {
		t.Errorf("%d registrations of the old event kept", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM workshop_feedback WHERE workshop_id = $1`, old); n != 0 {
		t.Errorf("%d feedback rows of the old event kept", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM workshop_registrations WHERE workshop_id = $1`, recent); n != 3 {
		t.Errorf("the recent event has %d registrations, want 3 (not due)", n)
	}
	// The event stays, marked; its places follow the registrations gone.
	if n := count(t, pool, `SELECT count(*) FROM workshops WHERE id = $1 AND registrations_destroyed_at IS NOT NULL AND places_taken = 0`, old); n != 1 {
		t.Error("the old event is not kept and marked")
	}
	// The register has the row, with counts by category and nothing personal.
	es, err := store.New(pool).DestructionRegister(ctx, time.Time{}, 0, 10)
	if err != nil || len(es) != 1 {
		t.Fatalf("register: %d rows, %v", len(es), err)
	}
	e := es[0]
	if e.Reference != store.WorkshopRegisterReference(old) || e.Route != "workshop" || e.RetentionMonths != 24 ||
		e.DueOn.Format(time.DateOnly) != "2027-01-10" || e.ClosedOn.Format(time.DateOnly) != "2025-01-10" {
		t.Errorf("register row: %+v", e)
	}
	for cat, want := range map[string]int{store.CatWorkshopRegistrations: 3, store.CatWorkshopAttendance: 1, store.CatWorkshopFeedback: 1, store.CatWorkshopLinks: 1} {
		if e.Categories[cat] != want {
			t.Errorf("register %s = %d, want %d", cat, e.Categories[cat], want)
		}
	}
	var raw string
	if err := pool.QueryRow(ctx, `SELECT (SELECT string_agg(d::text, ' ') FROM destruction_register d) || ' ' ||
		(SELECT string_agg(a::text, ' ') FROM audit_log a WHERE a.action = 'destroyed')`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	for _, personal := range []string{fixtureName, "rowena", fixtureNote} {
		if strings.Contains(strings.ToLower(raw), strings.ToLower(personal)) {
			t.Errorf("the register or audit holds %q", personal)
		}
	}
	// A second run destroys nothing more.
	if res, err := jobs.RunWorkshopRetention(ctx, pool, at(2027, 1, 11, 2, 0), 24, log); err != nil || res.Destroyed != 0 {
		t.Errorf("second run: %+v, %v", res, err)
	}
	if _, err := store.New(pool).DestroyWorkshopRegistrations(ctx, old, at(2027, 1, 11, 2, 0), 24); err == nil {
		t.Error("the same event was destroyed twice")
	}
	if _, err := jobs.RunWorkshopRetention(ctx, pool, at(2027, 1, 11, 2, 0), 0, log); err == nil {
		t.Error("a retention of 0 months was accepted")
	}
}

// The daily retention job runs the workshops' own period
// (WORKSHOP_RETENTION_MONTHS) beside the referrals'.
func TestRetentionJobDestroysWorkshopRegistrationsByTheirOwnPeriod(t *testing.T) {
	t.Parallel()
	pool := MustDB(t)
	now := at(2026, 9, 1, 2, 0)
	due := mustPastWorkshop(t, pool, "due-after-six", at(2026, 2, 10, 19, 30))
	kept := mustPastWorkshop(t, pool, "kept-for-now", at(2026, 4, 10, 19, 30))
	cfg := testConfig(t)
	cfg.WorkshopRetentionMonths = 6
	c, err := jobs.New(pool, cfg, slog.New(slog.DiscardHandler), MustSMTPSender(t, mailtest.Start(t)), jobs.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	startWorkers(t, c)
	Eventually(t, 15*time.Second, "the retention job to run", func() (bool, error) {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'retention' AND state = 'completed'`) > 0, nil
	})
	if n := count(t, pool, `SELECT count(*) FROM workshop_registrations WHERE workshop_id = $1`, due); n != 0 {
		t.Errorf("%d registrations kept past six months", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM workshop_registrations WHERE workshop_id = $1`, kept); n != 3 {
		t.Errorf("%d registrations of the event not yet due, want 3", n)
	}
}
