package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"careers/internal/auth"
	"careers/internal/benchdata"
	"careers/internal/booking"
	"careers/internal/config"
	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/store"
)

// cmdSeed migrates the database and loads the demo data. It refuses to run
// outside development, where it would put demo people into a real service.
func cmdSeed(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if !cfg.IsDevelopment() {
		return errors.New("ENV: seed loads demo data and runs only in development")
	}
	log := newLogger(io.Discard, cfg.LogLevel)
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.close(context.WithoutCancel(ctx))
	if _, err := db.migrate(ctx, cfg, log); err != nil {
		return err
	}
	// The demo history is bulk-loaded (COPY with a trigger held off, then
	// VACUUM), which only the schema's owner may do; like a migration it
	// is an operator's step, not the service's. Everything after it goes
	// through the service's own role.
	owner, err := db.openOwner(ctx)
	if err != nil {
		return err
	}
	defer owner.Close()
	hash, err := auth.NewHasher(1).Hash(ctx, store.DemoPassword)
	if err != nil {
		return err
	}
	// Seven years of history first (it needs an empty database, so only a
	// fresh one gets it): enough referrals in every state, with sessions,
	// outcomes and a caseload per coach, for the queue and the reports to
	// show what they are for, and old enough that the retention job has
	// referrals to destroy and the admin's page some falling due.
	hist, err := benchdata.Seed(ctx, owner, benchdata.Options{Referrals: demoHistory, Years: 7, Coaches: 6, Coordinators: 2,
		Leads: 1, CaseManagers: 8, PasswordHash: hash, Seed: 2026})
	switch {
	case errors.Is(err, benchdata.ErrNotEmpty) || errors.Is(err, benchdata.ErrOtherDataset):
		fmt.Fprintln(stdout, "demo history skipped: the database already holds referrals")
	case err != nil:
		return err
	case !hist.Reused:
		fmt.Fprintf(stdout, "demo history: %d referrals over seven years\n", hist.Referrals)
	}
	st := store.New(db.pool)
	n, err := st.Seed(ctx, hash, demoReferrals(time.Now()), time.Now())
	if err != nil {
		return err
	}
	// The demo coach's availability for the next three weeks.
	coach, err := st.StaffUserByEmail(ctx, "coach@demo.careers.nhs.uk")
	if err != nil {
		return err
	}
	today := booking.DateOf(time.Now())
	pattern := booking.Pattern{From: today.AddDays(1), Until: today.AddDays(21), Weekdays: []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday},
		Start: "10:00", Length: time.Hour, Every: 3 * time.Hour, Count: 2, Mode: booking.ModeVirtual, Place: "Video call link sent by email"}
	var slots []store.NewSlot
	for _, sl := range pattern.Slots() {
		slots = append(slots, store.NewSlot{Start: sl.Start, End: sl.End, Mode: string(sl.Mode), Place: sl.Place})
	}
	if _, err := st.AddSlots(ctx, coach.ID, slots); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data ready (%d record(s) added)\n", n)
	return nil
}

// demoHistory is how many past referrals the demo database gets.
const demoHistory = 900

// demoReferrals are answered through the real forms' definitions and
// checked by the real eligibility rules, so the demo shows what a referral
// really holds.
func demoReferrals(now time.Time) []store.DemoReferral {
	type demo struct {
		ref, route, status string
		daysAgo            int
		cm, coach          string
		answers            intake.Values
	}
	doctor := func(name, email, region, stage, number string, extra intake.Values) intake.Values {
		v := intake.Values{"name": {name}, "email": {email}, "phone": {"07700 900" + number[:3]}, "group": {"doctor"}, "body": {"gmc"},
			"number": {number}, "region": {region}, "stage": {stage}, "training_number": {"LDN/0" + number[:3] + "/N"},
			"specialty": {"General surgery"}, "employer": {"A London teaching hospital"}, "end_kind": {"expected"},
			"end_date": {"2029-08-05"}, "reasons": {"uncertain_direction"}, "hopes": {"I would like to think through whether surgery is right for me, and what else I could do."},
			"mode": {"virtual"}, "times": {"Tuesday or Thursday afternoons"}, "consent_privacy": {"yes"}, "consent_contact": {"yes"}}
		v.Merge(extra)
		return v
	}
	demos := []demo{
		{"CR-A7K4-M2Q9", "self", "new", 3, "", "", doctor("Alex Morgan", "alex.morgan@example.com", "london", "st3", "7012345", nil)},
		{"CR-B3HX-7RTW", "supervisor", "awaiting_trainee", 2, "", "", doctor("Sam Patel", "sam.patel@example.com", "kss", "ct2", "7023456", intake.Values{
			"referrer_name": {"Dr Jo Reed"}, "referrer_role": {"educational_supervisor"}, "referrer_org": {"A Kent hospital"},
			"referrer_email": {"jo.reed@example.com"}, "level1": {"Two meetings about specialty choice; no decision yet."}, "trainee_knows": {"yes"},
			"reasons": {"lack_of_progress", "uncertain_direction"}})},
		{"CR-C9PN-4VJK", "case_manager", "allocated", 20, "casemanager@demo.careers.nhs.uk", "coach@demo.careers.nhs.uk", doctor("Chris Lee", "chris.lee@example.com", "london", "st5", "7034567", intake.Values{
			"reasons": {"ill_health"}, "sessions": {"3"}})},
		{"CR-D2WF-8MZE", "self", "new", 12, "", "", doctor("Morgan Shaw", "morgan.shaw@example.com", "elsewhere", "f2", "7045678", intake.Values{
			"training_number": nil, "end_kind": {"none"}, "end_date": nil})},
	}
	var out []store.DemoReferral
	for _, d := range demos {
		a := intake.Extract(intake.Route(d.route), d.answers)
		res := eligibility.Check(a.Eligibility(), eligibility.DateOf(now))
		var reasons []store.EligibilityReason
		for _, r := range res.Reasons {
			reasons = append(reasons, store.EligibilityReason{Code: r.Code, Text: r.Text, Signpost: r.Signpost})
		}
		out = append(out, store.DemoReferral{NewReferral: store.NewReferral{
			Reference: d.ref, Route: d.route, Status: d.status, TraineeName: a.TraineeName, TraineeEmail: a.TraineeEmail,
			ReferrerName: a.ReferrerName, ReferrerEmail: a.ReferrerEmail, ProfessionalGroup: string(a.Group), Region: string(a.Region),
			RegistrationBody: string(a.Body), RegistrationNumber: a.Number, Answers: d.answers, Eligibility: string(res.Outcome),
			EligibilityReasons: reasons, FormDSessions: a.FormDSessions,
		}, DaysAgo: d.daysAgo, CaseManagerEmail: d.cm, CoachEmail: d.coach})
	}
	return out
}
