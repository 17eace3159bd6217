package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/policy"
)

// DemoPassword is the password of every demo staff user (README lists them).
const DemoPassword = "careers-demo-2026"

// DemoStaff are the demo staff users, one or more per role.
var DemoStaff = []NewStaffUser{
	{Email: "admin@demo.careers.nhs.uk", Name: "Ada Admin", Roles: []policy.Role{policy.Admin}},
	{Email: "coordinator@demo.careers.nhs.uk", Name: "Cora Coordinator", Roles: []policy.Role{policy.Coordinator}},
	{Email: "coach@demo.careers.nhs.uk", Name: "Kofi Coach", Roles: []policy.Role{policy.Coach}},
	{Email: "coach2@demo.careers.nhs.uk", Name: "Priya Coach", Roles: []policy.Role{policy.Coach}},
	{Email: "lead@demo.careers.nhs.uk", Name: "Lee Lead", Roles: []policy.Role{policy.Lead}},
	{Email: "casemanager@demo.careers.nhs.uk", Name: "Cam Case Manager", Roles: []policy.Role{policy.CaseManager}},
}

// Seed loads the demo data for development and returns how many records it
// added. It is idempotent: running it again adds nothing. passwordHash is
// the hash of DemoPassword (hashing is not the store's job).
// DemoReferral is a demo referral built by the caller from real answers.
type DemoReferral struct {
	NewReferral
	DaysAgo          int
	CaseManagerEmail string
	CoachEmail       string
}

func (s *Store) Seed(ctx context.Context, passwordHash string, referrals []DemoReferral, now time.Time) (int, error) {
	added := 0
	err := s.InTx(ctx, func(st *Store, _ Tx) error {
		ids := map[string]int64{}
		for _, u := range DemoStaff {
			tag, err := st.db.Exec(ctx, `INSERT INTO staff_users (email, name, roles, demo, password_hash, password_changed_at)
				VALUES ($1, $2, $3, true, $4, now()) ON CONFLICT (email) DO NOTHING`, u.Email, u.Name, roleStrings(u.Roles), passwordHash)
			if err != nil {
				return err
			}
			added += int(tag.RowsAffected())
			var id int64
			if err := st.db.QueryRow(ctx, `SELECT id FROM staff_users WHERE email = $1`, u.Email).Scan(&id); err != nil {
				return err
			}
			ids[u.Email] = id
		}
		for email, p := range map[string]CoachProfile{
			"coach@demo.careers.nhs.uk":  {Background: "Former GP trainer and qualified career coach.", Specialisms: []string{"general practice", "less-than-full-time training", "leaving medicine"}, Modes: []string{"virtual", "telephone"}, Capacity: 8},
			"coach2@demo.careers.nhs.uk": {Background: "Careers adviser with a background in surgical education.", Specialisms: []string{"surgery", "specialty choice", "interviews"}, Modes: []string{"virtual", "in_person"}, Capacity: 6},
		} {
			p.UserID = ids[email]
			if _, err := st.db.Exec(ctx, `INSERT INTO coach_profiles (user_id, background, specialisms, modes, capacity)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING`, p.UserID, p.Background, p.Specialisms, p.Modes, p.Capacity); err != nil {
				return err
			}
			// Demo joining details (an example host, so a demo link goes
			// nowhere real); a coach who has set their own keeps them.
			if _, err := st.db.Exec(ctx, `UPDATE coach_profiles SET video_link = $2, phone = '020 7946 0000'
				WHERE user_id = $1 AND video_link = ''`, p.UserID, "https://video.example.nhs.uk/careers/"+strings.Split(email, "@")[0]); err != nil {
				return err
			}
		}
		for _, r := range referrals {
			r.SubmittedAt = now.AddDate(0, 0, -r.DaysAgo)
			if r.CaseManagerEmail != "" {
				r.CaseManagerID = ids[r.CaseManagerEmail]
			}
			var id int64
			answers, _ := json.Marshal(r.Answers)
			reasons, _ := json.Marshal(r.EligibilityReasons)
			err := st.db.QueryRow(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email,
				referrer_name, referrer_email, case_manager_id, coach_id, submitted_at, confirmed_at, professional_group, region,
				registration_body, registration_number, answers, eligibility, eligibility_reasons, form_d_sessions, form_d_status)
				VALUES ($1, $2, $3, $4, $5, nullif($6, ''), nullif($7, ''), nullif($8, 0), nullif($9, 0), $10::timestamptz,
				        CASE WHEN $2 = 'self' OR $3 = 'awaiting_trainee' THEN NULL ELSE $10::timestamptz END, $11, $12, $13, $14, $15, $16, $17,
				        nullif($18::int, 0), CASE WHEN $18::int > 0 THEN 'requested' END)
				ON CONFLICT (reference) DO NOTHING RETURNING id`,
				r.Reference, r.Route, r.Status, r.TraineeName, r.TraineeEmail, r.ReferrerName, r.ReferrerEmail, r.CaseManagerID,
				ids[r.CoachEmail], r.SubmittedAt, r.ProfessionalGroup, r.Region, r.RegistrationBody, r.RegistrationNumber,
				answers, r.Eligibility, reasons, r.FormDSessions).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // seeded before
			}
			if err != nil {
				return err
			}
			added++
			if err := st.AddEvent(ctx, id, r.SubmittedAt, "submitted", "system", 0, "Demo referral"); err != nil {
				return err
			}
			if r.Status == "allocated" {
				// Ready to book: an allowance, and Form D funding approved.
				if err := st.AddAllowance(ctx, id, "granted", 3, 0, "Demo allowance", now); err != nil {
					return err
				}
				if _, err := st.db.Exec(ctx, `UPDATE referrals SET form_d_status = 'approved', form_d_reference = 'DEMO-001' WHERE id = $1 AND form_d_status = 'requested'`, id); err != nil {
					return err
				}
			}
		}
		// The demo workshops (issue 16): coming, full, and held.
		n, err := st.seedWorkshops(ctx, now)
		added += n
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("seed: %w", err)
	}
	return added, nil
}
