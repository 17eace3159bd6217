package benchdata_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"careers/internal/benchdata"
	"careers/internal/intake"
	"careers/internal/testdb"
)

// The self-referrals the benchmark sends are complete by the form's own
// rules: "Send" on them makes a referral, never a "check your answers" redirect.
func TestSelfReferralIsComplete(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for n := range 500 {
		v, err := benchdata.SelfReferral(7, n, today)
		if err != nil {
			t.Fatal(err)
		}
		if page, missing := intake.Self.Incomplete(v, func(string) bool { return false }); missing {
			t.Fatalf("answers %d stop at page %q: %v", n, page, v)
		}
	}
	about := benchdata.SelfAboutForm(7, 3)
	p, _, _ := intake.Self.Page("about")
	if probs := p.Check(p.Read(about), false); len(probs) > 0 {
		t.Fatalf("the about page's form fails its checks: %v", probs)
	}
}

func TestSeedMakesAConsistentDatasetOnce(t *testing.T) {
	t.Parallel()
	// benchdata bulk-loads (COPY with a trigger held off, VACUUM): an
	// operator's step, run as the schema's owner like a migration.
	pool := testdb.MustPool(t, testdb.New(t).OwnerURL)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	o := benchdata.Options{Referrals: 3000, Now: now, CaseManagers: 30}
	sum, err := benchdata.Seed(ctx, pool, o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Reused || sum.Referrals != 3000 || sum.Events < 3000 || sum.Audit < 3000 || sum.Notifications < 3000 || sum.Allowance == 0 ||
		sum.Appointments == 0 {
		t.Fatalf("summary %+v", sum)
	}

	// Every route and eligibility result, and the states a unit is mostly
	// in (the short-lived ones, such as info_requested, may be missing
	// from a dataset this small).
	var statuses, routes, eligibilities int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT status) FILTER (WHERE status IN ('awaiting_trainee','new','allocated','active','closed','withdrawn')),
			count(DISTINCT route), count(DISTINCT eligibility) FROM referrals`).
		Scan(&statuses, &routes, &eligibilities); err != nil {
		t.Fatal(err)
	}
	if statuses != 6 || routes != 3 || eligibilities != 3 {
		t.Errorf("%d of the 6 common states, %d routes, %d eligibility results; want every one", statuses, routes, eligibilities)
	}
	// Outcome questionnaires at every stage, with pairs the reports can
	// use, closure answers only on closed referrals with a session held.
	var before, after, followup, pairs, badAfter int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE stage = 'before'), count(*) FILTER (WHERE stage = 'after'),
			count(*) FILTER (WHERE stage = 'followup'),
			count(*) FILTER (WHERE stage = 'after' AND EXISTS (SELECT 1 FROM outcome_answers b WHERE b.referral_id = a.referral_id AND b.stage = 'before' AND NOT b.skipped)),
			count(*) FILTER (WHERE stage = 'after' AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.id = a.referral_id AND r.status = 'closed'))
		FROM outcome_answers a`).Scan(&before, &after, &followup, &pairs, &badAfter); err != nil {
		t.Fatal(err)
	}
	if before < 50 || after < 20 || followup < 5 || pairs < 10 || badAfter != 0 {
		t.Errorf("questionnaires: %d before, %d after (%d paired, %d on referrals not closed), %d six months on", before, after, pairs, badAfter, followup)
	}
	// The ledger's totals agree with its events, as the trigger keeps them.
	var off int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM referrals r LEFT JOIN LATERAL (
			SELECT coalesce(sum(sessions) FILTER (WHERE kind IN ('granted','extended')), 0) AS g,
			       coalesce(sum(sessions) FILTER (WHERE kind IN ('booked','forfeited')), 0)
			     - coalesce(sum(sessions) FILTER (WHERE kind IN ('released','waived')), 0) AS u
			FROM allowance_events e WHERE e.referral_id = r.id) l ON true
		WHERE r.sessions_granted <> l.g OR r.sessions_used <> l.u`).Scan(&off); err != nil {
		t.Fatal(err)
	}
	if off != 0 {
		t.Errorf("%d referrals' allowance totals disagree with their ledger", off)
	}
	// State and times agree: open referrals are not closed, closed ones
	// have a closing time, allocated ones a coach, nothing is in the future.
	var bad int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM referrals WHERE
			(status IN ('closed','withdrawn')) <> (closed_at IS NOT NULL)
			OR (status IN ('allocated','active') AND coach_id IS NULL)
			OR (status = 'awaiting_trainee' AND (route = 'self' OR confirmed_at IS NOT NULL))
			OR (status = 'new' AND first_response_at IS NOT NULL AND NOT EXISTS (
				SELECT 1 FROM info_requests q WHERE q.referral_id = referrals.id))
			OR submitted_at > $1 OR updated_at > $1`, now).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d referrals whose state and times disagree", bad)
	}
	// Appointments are in their referral's coach's own free times, booked
	// ones still to come and held ones past, and at most one live
	// appointment a slot (the unique index would have refused more).
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM appointments a JOIN referrals r ON r.id = a.referral_id
			JOIN availability_slots s ON s.id = a.slot_id
		WHERE a.coach_id <> r.coach_id OR s.coach_id <> a.coach_id OR s.starts_at <> a.starts_at OR s.blocked
			OR (a.status = 'booked' AND a.starts_at < $1) OR (a.status = 'attended' AND a.starts_at > $1)`, now).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d appointments out of place", bad)
	}
	// Workshops (issue 16): held ones with attendance and feedback, some
	// to come, the benchmark's own open for registration, and places never
	// past capacity (the CHECK would have refused it).
	var held, coming, attended, feedback, waiting int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM workshops WHERE ends_at < $1), (SELECT count(*) FROM workshops WHERE starts_at > $1),
			(SELECT count(*) FROM workshop_registrations WHERE attendance = 'attended'), (SELECT count(*) FROM workshop_feedback),
			(SELECT count(*) FROM workshop_registrations WHERE status = 'waiting')`, now).Scan(&held, &coming, &attended, &feedback, &waiting); err != nil {
		t.Fatal(err)
	}
	if held < 50 || coming < 2 || attended < 500 || feedback < 100 {
		t.Errorf("workshops: %d held, %d coming, %d attended, %d feedback answers", held, coming, attended, feedback)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM workshops WHERE slug = $1 AND starts_at > $2 AND capacity = 2000`, benchdata.BenchWorkshopSlug, now).Scan(&bad); err != nil || bad != 1 {
		t.Errorf("the benchmark's workshop: %d, %v", bad, err)
	}
	// The trigger is back on after the copy.
	var enabled string
	if err := pool.QueryRow(ctx, `SELECT tgenabled FROM pg_trigger WHERE tgname = 'allowance_events_apply'`).Scan(&enabled); err != nil {
		t.Fatal(err)
	}
	if enabled != "O" {
		t.Errorf("allowance trigger left %q", enabled)
	}

	again, err := benchdata.Seed(ctx, pool, o)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM referrals`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if !again.Reused || n != 3000 {
		t.Errorf("second seed: reused %v, %d referrals; want the first dataset reused", again.Reused, n)
	}
	if _, err := benchdata.Seed(ctx, pool, benchdata.Options{Referrals: 4000, Now: now}); !errors.Is(err, benchdata.ErrOtherDataset) {
		t.Errorf("seeding other options over a dataset: %v, want ErrOtherDataset", err)
	}
}

// A database with referrals of its own is never seeded.
func TestSeedRefusesADatabaseWithReferrals(t *testing.T) {
	t.Parallel()
	// benchdata bulk-loads (COPY with a trigger held off, VACUUM): an
	// operator's step, run as the schema's owner like a migration.
	pool := testdb.MustPool(t, testdb.New(t).OwnerURL)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email)
		VALUES ('CR-2222-3333', 'self', 'new', 'Real Person', 'real@example.org')`); err != nil {
		t.Fatal(err)
	}
	if _, err := benchdata.Seed(ctx, pool, benchdata.Options{Referrals: 10}); !errors.Is(err, benchdata.ErrNotEmpty) {
		t.Fatalf("Seed over real data: %v, want ErrNotEmpty", err)
	}
}
