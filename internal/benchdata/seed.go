// Package benchdata seeds a realistic dataset for `make bench` and the
// query-plan tests: years of referrals in every state, answered through the
// real forms and checked by the real eligibility rules, with their
// timelines, allowance ledgers, notes, questions, emails and audit rows,
// the coaches with their profiles and a few hundred staff.
//
// Rows go in with COPY in one transaction (about a minute for 100,000
// referrals on two cores), with a marker row in the same transaction, so a
// database is either fully seeded or untouched, and a second Seed with the
// same options reuses it.
package benchdata

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/store"
)

// version changes whenever the generated data does, so a database seeded
// by an older harness is not mistaken for a current one.
const version = 4

// Options describes a dataset. Zero fields take the defaults.
type Options struct {
	Referrals    int       // 100,000
	Years        int       // spread over this many years back from Now: 5
	Coaches      int       // 50, each with a profile
	Coordinators int       // 12
	Leads        int       // 8
	CaseManagers int       // 280
	Now          time.Time // the end of the period: time.Now()
	Seed         uint64    // the random seed: the same seed gives the same data; 1
	// PasswordHash, if set, is the hash of store.DemoPassword: the demo
	// staff of `careers seed` are created with it (the benchmark signs in
	// as the demo coordinator) and every seeded staff member gets it too.
	// Empty: no demo staff, and nobody can sign in with a password.
	PasswordHash string
}

func (o Options) withDefaults() Options {
	def := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&o.Referrals, 100_000)
	def(&o.Years, 5)
	def(&o.Coaches, 50)
	def(&o.Coordinators, 12)
	def(&o.Leads, 8)
	def(&o.CaseManagers, 280)
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Summary says what a database holds.
type Summary struct {
	Reused        bool // seeded earlier with the same options
	Referrals     int
	Staff         int
	Events        int
	Audit         int
	Notifications int
	Allowance     int
	Appointments  int
	SeededAt      time.Time
	Took          time.Duration
}

// ErrNotEmpty means the database holds referrals that Seed did not make:
// it never adds a synthetic dataset to real (or demo) data.
var ErrNotEmpty = errors.New("benchdata: the database already holds referrals that were not seeded by benchdata")

// ErrOtherDataset means the database was seeded with other options; use a
// fresh database for these.
var ErrOtherDataset = errors.New("benchdata: the database was seeded with other options")

// markerTable records the dataset; it is not part of the service's schema.
const markerTable = "benchdata_marker"

// markerKey serialises concurrent seeders of one database.
const markerLock = 0x62656e6368 // "bench"

type marker struct {
	Version   int       `json:"version"`
	Referrals int       `json:"referrals"`
	Seed      uint64    `json:"seed"`
	Years     int       `json:"years"`
	Summary   Summary   `json:"summary"`
	SeededAt  time.Time `json:"seeded_at"`
}

// Seeded reports the dataset a database holds, if any.
func Seeded(ctx context.Context, pool *pgxpool.Pool) (Summary, bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, markerTable).Scan(&exists); err != nil {
		return Summary{}, false, fmt.Errorf("benchdata: %w", err)
	}
	if !exists {
		return Summary{}, false, nil
	}
	var raw []byte
	err := pool.QueryRow(ctx, `SELECT data FROM `+markerTable+` ORDER BY id DESC LIMIT 1`).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return Summary{}, false, nil
	}
	if err != nil {
		return Summary{}, false, fmt.Errorf("benchdata: %w", err)
	}
	var m marker
	if err := json.Unmarshal(raw, &m); err != nil {
		return Summary{}, false, fmt.Errorf("benchdata: marker: %w", err)
	}
	return m.Summary, true, nil
}

// Seed fills a migrated database with the dataset o describes, or reuses
// it if it was seeded before with the same options. It refuses a database
// holding other referrals (ErrNotEmpty) or another dataset
// (ErrOtherDataset).
func Seed(ctx context.Context, pool *pgxpool.Pool, o Options) (Summary, error) {
	o = o.withDefaults()
	began := time.Now()
	if o.PasswordHash != "" {
		// The demo staff, exactly as `careers seed` makes them.
		if _, err := store.New(pool).Seed(ctx, o.PasswordHash, nil, o.Now); err != nil {
			return Summary{}, fmt.Errorf("benchdata: demo staff: %w", err)
		}
	}
	var sum Summary
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(markerLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+markerTable+` (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, data jsonb NOT NULL)`); err != nil {
			return err
		}
		var raw []byte
		err := tx.QueryRow(ctx, `SELECT data FROM `+markerTable+` ORDER BY id DESC LIMIT 1`).Scan(&raw)
		switch {
		case err == nil:
			var m marker
			if err := json.Unmarshal(raw, &m); err != nil {
				return fmt.Errorf("marker: %w", err)
			}
			if m.Version != version || m.Referrals != o.Referrals || m.Seed != o.Seed || m.Years != o.Years {
				return fmt.Errorf("%w (%d referrals, seed %d, version %d; asked for %d, seed %d, version %d)",
					ErrOtherDataset, m.Referrals, m.Seed, m.Version, o.Referrals, o.Seed, version)
			}
			sum = m.Summary
			sum.Reused = true
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM referrals`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrNotEmpty
		}
		// Durability of this one transaction matters less than its speed;
		// a crash loses it whole (the marker goes with it).
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		s, err := seed(ctx, tx, o)
		if err != nil {
			return err
		}
		// The referrals just copied in are counted by status now, as a
		// database that has been running would have them, not left as
		// changes for the first run's workers to fold.
		if err := store.New(pool).InTxWith(tx, func(st *store.Store) error {
			_, err := st.FoldReferralStatusChanges(ctx)
			return err
		}); err != nil {
			return err
		}
		s.SeededAt = o.Now
		raw, err = json.Marshal(marker{Version: version, Referrals: o.Referrals, Seed: o.Seed, Years: o.Years, Summary: s, SeededAt: o.Now})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+markerTable+` (data) VALUES ($1)`, raw); err != nil {
			return err
		}
		sum = s
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotEmpty) || errors.Is(err, ErrOtherDataset) {
			return Summary{}, err
		}
		return Summary{}, fmt.Errorf("benchdata: %w", err)
	}
	if !sum.Reused {
		// Fresh statistics and visibility maps, as a database that has
		// been running for years would have (VACUUM cannot run in a
		// transaction).
		for _, t := range seededTables {
			if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) `+t); err != nil {
				return Summary{}, fmt.Errorf("benchdata: vacuum %s: %w", t, err)
			}
		}
	}
	sum.Took = time.Since(began)
	return sum, nil
}

var seededTables = []string{"staff_users", "coach_profiles", "referrals", "referral_events", "audit_log", "notifications",
	"allowance_events", "referral_notes", "info_requests", "extension_requests", "documents", "referral_drafts",
	"availability_slots", "appointments", "summaries", "workshops", "workshop_registrations", "workshop_feedback",
	"referral_status_counts", "referral_status_changes"}

// seed plans every referral, then copies each table in.
func seed(ctx context.Context, tx pgx.Tx, o Options) (Summary, error) {
	r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	staff, err := seedStaff(ctx, tx, r, o)
	if err != nil {
		return Summary{}, err
	}
	var firstID int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1 FROM referrals`).Scan(&firstID); err != nil {
		return Summary{}, err
	}
	seen := map[string]bool{}
	rows, err := tx.Query(ctx, `SELECT reference FROM referrals`)
	if err != nil {
		return Summary{}, err
	}
	refs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return Summary{}, err
	}
	for _, ref := range refs {
		seen[ref] = true
	}
	plans := make([]refPlan, 0, o.Referrals)
	for i := range o.Referrals {
		// Each referral draws from its own stream, so a change to one
		// story does not reshuffle every other.
		rr := rand.New(rand.NewPCG(o.Seed, uint64(i)+1))
		p, err := planReferral(rr, firstID+int64(i), o, staff, plans, seen)
		if err != nil {
			return Summary{}, err
		}
		plans = append(plans, p)
	}
	sum := Summary{Referrals: len(plans), Staff: len(staff.all)}
	steps := []struct {
		name string
		fn   func() (int, error)
	}{
		{"referrals", func() (int, error) { return copyReferrals(ctx, tx, plans) }},
		{"referral_events", func() (int, error) { return copyEvents(ctx, tx, plans) }},
		{"allowance_events", func() (int, error) { return copyLedger(ctx, tx, plans) }},
		{"notifications", func() (int, error) { return copyNotifications(ctx, tx, plans) }},
		{"audit_log", func() (int, error) { return copyAudit(ctx, tx, r, plans, staff, o) }},
		{"referral_notes", func() (int, error) { return copyNotes(ctx, tx, plans) }},
		{"info_requests", func() (int, error) { return copyInfo(ctx, tx, plans) }},
		{"extension_requests", func() (int, error) { return copyExtensions(ctx, tx, plans) }},
		{"documents", func() (int, error) { return copyDocuments(ctx, tx, plans) }},
		{"referral_drafts", func() (int, error) { return copyDrafts(ctx, tx, r, o) }},
		{"appointments", func() (int, error) { return seedAppointments(ctx, tx, r, plans, staff, o) }},
		{"outcome_answers", func() (int, error) { return copyOutcomes(ctx, tx, plans, o) }},
		// Workshops and webinars (issue 16).
		{"workshop_registrations", func() (int, error) { return seedWorkshops(ctx, tx, r, plans, o) }},
	}
	for _, s := range steps {
		n, err := s.fn()
		if err != nil {
			return Summary{}, fmt.Errorf("%s: %w", s.name, err)
		}
		switch s.name {
		case "referral_events":
			sum.Events = n
		case "audit_log":
			sum.Audit = n
		case "notifications":
			sum.Notifications = n
		case "allowance_events":
			sum.Allowance = n
		case "appointments":
			sum.Appointments = n
		}
	}
	// Rows were copied with their ids: move the identities past them.
	for _, t := range []string{"staff_users", "referrals", "availability_slots", "appointments"} {
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT max(id) FROM `+t+`))`, t); err != nil {
			return Summary{}, err
		}
	}
	return sum, nil
}

// copyRows copies rows made by next (nil ends) into table.
func copyRows(ctx context.Context, tx pgx.Tx, table string, cols []string, next func() []any) (int, error) {
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) { return next(), nil }))
	return int(n), err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func seedStaff(ctx context.Context, tx pgx.Tx, r *rand.Rand, o Options) (*staffSet, error) {
	var next int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1 FROM staff_users`).Scan(&next); err != nil {
		return nil, err
	}
	s := &staffSet{}
	add := func(n int, role string, list *[]staffMember) {
		for i := range n {
			first, last := pick(r, firstNames), pick(r, lastNames)
			m := staffMember{ID: next, Name: first + " " + last, Roles: []string{role}, Active: true,
				Email: strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(first+"."+last)) + "." + role + strconv.Itoa(i) + "@staff.example.org"}
			if role == "case_manager" && r.IntN(20) == 0 {
				m.Active = false // left the trust
			}
			if role == "psu_lead" && i%3 == 0 {
				m.Roles = append(m.Roles, "coordinator")
			}
			next++
			s.all = append(s.all, m)
			if m.Active {
				*list = append(*list, m)
			}
		}
	}
	add(o.Coordinators, "coordinator", &s.coordinators)
	add(o.Leads, "psu_lead", &s.leads)
	add(o.CaseManagers, "case_manager", &s.caseManagers)
	add(o.Coaches, "coach", &s.coach)
	hash := nullString(o.PasswordHash)
	i := 0
	_, err := copyRows(ctx, tx, "staff_users", []string{"id", "email", "name", "roles", "active", "password_hash", "password_changed_at",
		"created_at", "updated_at", "deactivated_at"}, func() []any {
		if i == len(s.all) {
			return nil
		}
		m := s.all[i]
		i++
		created := o.Now.AddDate(-o.Years, 0, 0).Add(-days(float64(r.IntN(400))))
		var deactivated any
		if !m.Active {
			deactivated = o.Now.Add(-days(float64(1 + r.IntN(700))))
		}
		var changed any
		if hash != nil {
			changed = created
		}
		return []any{m.ID, m.Email, m.Name, m.Roles, m.Active, hash, changed, created, created, deactivated}
	})
	if err != nil {
		return nil, err
	}
	i = 0
	_, err = copyRows(ctx, tx, "coach_profiles", []string{"user_id", "background", "specialisms", "modes", "capacity"}, func() []any {
		if i == len(s.coach) {
			return nil
		}
		c := s.coach[i]
		i++
		var spec []string
		for _, k := range r.Perm(len(coachSpecialisms))[:2+r.IntN(3)] {
			spec = append(spec, coachSpecialisms[k])
		}
		modes := [][]string{{"virtual"}, {"virtual", "telephone"}, {"virtual", "in_person"}, {"virtual", "in_person", "telephone"}}[r.IntN(4)]
		return []any{c.ID, pick(r, coachBackgrounds), spec, modes, 6 + r.IntN(15)}
	})
	if err != nil {
		return nil, err
	}
	// The demo coaches (made by store.Seed when there is a password hash)
	// take clients too, so the benchmark's coach has a real calendar.
	rows, err := tx.Query(ctx, `SELECT id, email, name FROM staff_users WHERE demo AND active AND 'coach' = ANY (roles) ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m staffMember
		if err := rows.Scan(&m.ID, &m.Email, &m.Name); err != nil {
			rows.Close()
			return nil, err
		}
		m.Roles, m.Active = []string{"coach"}, true
		s.coach = append(s.coach, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func copyReferrals(ctx context.Context, tx pgx.Tx, plans []refPlan) (int, error) {
	i := 0
	return copyRows(ctx, tx, "referrals", []string{"id", "reference", "route", "status", "trainee_name", "trainee_email", "referrer_name",
		"referrer_email", "case_manager_id", "coach_id", "submitted_at", "confirmed_at", "first_response_at", "closed_at", "created_at",
		"updated_at", "professional_group", "region", "registration_body", "registration_number", "answers", "eligibility",
		"eligibility_reasons", "form_d_sessions", "form_d_reference", "form_d_status", "version", "updated_by", "outcome", "closing_note",
		"eligibility_override", "eligibility_override_reason", "sessions_granted", "sessions_used"}, func() []any {
		if i == len(plans) {
			return nil
		}
		p := &plans[i]
		i++
		var formD any
		if p.FormDSessions > 0 {
			formD = p.FormDSessions
		}
		return []any{p.ID, p.Reference, string(p.Route), p.Status, p.Trainee.Name, p.Trainee.Email, nullString(p.Referrer.Name),
			nullString(p.Referrer.Email), nullInt(p.CaseManagerID), nullInt(p.CoachID), p.Submitted, nullTime(p.Confirmed),
			nullTime(p.FirstResponse), nullTime(p.Closed), p.Submitted, p.Updated, p.Group, p.Region, p.Body, p.Number,
			string(p.Answers), p.Eligibility, string(p.Reasons), formD, nullString(p.FormDReference), nullString(p.FormDStatus),
			p.Version, nullInt(p.UpdatedBy), nullString(p.Outcome), nullString(p.ClosingNote), nullString(p.Override),
			nullString(p.OverrideReason), p.SessionsGranted, p.SessionsUsed}
	})
}

// each walks every item of every plan.
func each[T any](plans []refPlan, items func(*refPlan) []T, row func(*refPlan, T) []any) func() []any {
	i, j := 0, 0
	return func() []any {
		for i < len(plans) {
			xs := items(&plans[i])
			if j < len(xs) {
				j++
				return row(&plans[i], xs[j-1])
			}
			i, j = i+1, 0
		}
		return nil
	}
}

func copyEvents(ctx context.Context, tx pgx.Tx, plans []refPlan) (int, error) {
	return copyRows(ctx, tx, "referral_events", []string{"referral_id", "at", "kind", "actor_kind", "actor_id", "detail"},
		each(plans, func(p *refPlan) []timelineEvent { return p.Events }, func(p *refPlan, e timelineEvent) []any {
			return []any{p.ID, e.At, e.Kind, e.ActorKind, nullInt(e.ActorID), e.Detail}
		}))
}

// copyLedger copies the allowance events. The trigger that keeps the
// referral's totals is off for the copy (the totals went in with the
// referrals); ALTER TABLE is transactional, so nobody else ever sees it off.
func copyLedger(ctx context.Context, tx pgx.Tx, plans []refPlan) (int, error) {
	if _, err := tx.Exec(ctx, `ALTER TABLE allowance_events DISABLE TRIGGER allowance_events_apply`); err != nil {
		return 0, err
	}
	n, err := copyRows(ctx, tx, "allowance_events", []string{"referral_id", "at", "kind", "sessions", "actor_id", "note"},
		each(plans, func(p *refPlan) []ledgerEvent { return p.Ledger }, func(p *refPlan, e ledgerEvent) []any {
			return []any{p.ID, e.At, e.Kind, e.Sessions, nullInt(e.ActorID), e.Note}
		}))
	if err != nil {
		return n, err
	}
	_, err = tx.Exec(ctx, `ALTER TABLE allowance_events ENABLE TRIGGER allowance_events_apply`)
	return n, err
}

// The emails are the length of the service's own: a greeting, a few
// paragraphs, a link and the unit's signature, in text and in HTML.
const mailSignature = "If you need help now, speak to your GP or call NHS 111. In an emergency call 999.\n\nCareers support, Professional Support Unit"

func copyNotifications(ctx context.Context, tx pgx.Tx, plans []refPlan) (int, error) {
	return copyRows(ctx, tx, "notifications", []string{"key", "kind", "referral_id", "recipients", "subject", "body_text", "body_html",
		"status", "attempts", "created_at", "updated_at", "sent_at"},
		each(plans, func(p *refPlan) []mail { return p.Mails }, func(p *refPlan, m mail) []any {
			to, _ := json.Marshal([]map[string]string{{"name": m.ToName, "email": m.ToEmail}})
			text := "Dear " + m.ToName + ",\n\n" + m.Paragraph + "\n\nYour reference is " + p.Reference +
				". You can see your referral's progress at any time by signing in with your email address.\n\n" + mailSignature
			html := `<!doctype html><html lang="en"><body style="font-family:Arial,sans-serif"><p>Dear ` + m.ToName + `,</p><p>` +
				m.Paragraph + `</p><p>Your reference is <strong>` + p.Reference + `</strong>. You can see your referral's progress at any time by ` +
				`<a href="https://careers.example.org/sign-in">signing in</a> with your email address.</p><p>If you need help now, speak to your GP ` +
				`or call NHS 111. In an emergency call 999.</p><p>Careers support<br>Professional Support Unit</p></body></html>`
			sent := m.At.Add(time.Duration(5+len(m.Key)%40) * time.Second)
			return []any{m.Key, m.Kind, p.ID, string(to), m.Subject, text, html, "sent", 1, m.At, sent, sent}
		}))
}

func copyNotes(ctx context.Context, tx pgx.Tx, plans []refPlan) (int, error) {
	return copyRows(ctx, tx, "referral_notes", []string{"referral_id", "at", "author_id", "body"},
		each(plans, func(p *refPlan) []note { return p.Notes }, func(p *refPlan, n note) []any {
			return []any{p.ID, n.At, n.Author, n.Body}
		}))
}

func copyInfo(ctx context.Context, tx pgx.Tx, plans []refPlan) (int, error) {
	return copyRows(ctx, tx, "info_requests", []string{"referral_id", "question", "asked_by", "asked_at", "answer", "answered_at"},
		each(plans, func(p *refPlan) []infoRequest { return p.Info }, func(p *refPlan, q infoRequest) []any {
			return []any{p.ID, q.Question, q.By, q.At, nullString(q.Answer), nullTime(q.Answered)}
		}))
}

func copyExtensions(ctx context.Context, tx pgx.Tx, plans []refPlan) (int, error) {
	return copyRows(ctx, tx, "extension_requests", []string{"referral_id", "sessions", "justification", "requested_by", "requested_at",
		"status", "decided_by", "decided_at", "decision_note"},
		each(plans, func(p *refPlan) []*extension {
			if p.Extension == nil {
				return nil
			}
			return []*extension{p.Extension}
		}, func(p *refPlan, x *extension) []any {
			var by any
			if x.Status != "pending" {
				by = x.DecidedBy
			}
			return []any{p.ID, x.Sessions, "The trainee is making good progress and one more session would let them finish their plan.",
				x.By, x.At, x.Status, by, nullTime(x.DecidedAt), nullString(x.DecisionMsg)}
		}))
}

// formC is a small but real PDF: what the Case Manager uploads.
var formC = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n4 0 obj<</Length 44>>stream\n" +
	"BT /F1 12 Tf 72 770 Td (Form C: referral) Tj ET\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func copyDocuments(ctx context.Context, tx pgx.Tx, plans []refPlan) (int, error) {
	sum := sha256.Sum256(formC)
	return copyRows(ctx, tx, "documents", []string{"kind", "referral_id", "filename", "content_type", "size", "sha256", "content",
		"uploaded_by", "created_at"},
		each(plans, func(p *refPlan) []time.Time {
			if !p.CreatedByCaseMgr {
				return nil
			}
			return []time.Time{p.FormCUploadedAt}
		}, func(p *refPlan, at time.Time) []any {
			return []any{"form_c", p.ID, "Form C " + p.Trainee.Name + ".pdf", "application/pdf", len(formC), sum[:], formC, p.CaseManagerID, at}
		}))
}

// copyDrafts adds forms people started and never sent.
func copyDrafts(ctx context.Context, tx pgx.Tx, r *rand.Rand, o Options) (int, error) {
	n := o.Referrals / 30
	i := 0
	return copyRows(ctx, tx, "referral_drafts", []string{"token_hash", "route", "answers", "created_at", "updated_at"}, func() []any {
		if i == n {
			return nil
		}
		i++
		p := newPerson(r, 9_000_000+i)
		answers, _ := json.Marshal(map[string][]string{"name": {p.Name}, "email": {p.Email}, "phone": {p.Phone}})
		var hash [32]byte
		for k := range hash {
			hash[k] = byte(r.IntN(256))
		}
		at := o.Now.Add(-days(float64(r.IntN(o.Years * 365))))
		return []any{hash[:], "self", string(answers), at, at.Add(time.Duration(r.IntN(3600)) * time.Second)}
	})
}

// copyAudit writes the audit trail: each referral's creation, decisions
// and views, plus coordinators viewing the queue and staff signing in.
func copyAudit(ctx context.Context, tx pgx.Tx, r *rand.Rand, plans []refPlan, staff *staffSet, o Options) (int, error) {
	type entry struct {
		at                        time.Time
		kind                      string
		actorID                   int64
		email, action, rtype, rid string
		detail                    string
	}
	ip := func() netip.Addr {
		return netip.AddrFrom4([4]byte{10, byte(r.IntN(256)), byte(r.IntN(256)), byte(1 + r.IntN(254))})
	}
	reqID := 0
	row := func(e entry) []any {
		reqID++
		return []any{e.at, e.kind, nullInt(e.actorID), nullString(e.email), e.action, e.rtype, e.rid, ip(),
			"careers-web/" + strconv.FormatUint(o.Seed, 36) + "-" + strconv.Itoa(reqID), "success", e.detail}
	}
	var buf []entry
	i := 0
	extra := 0
	span := time.Duration(o.Years) * 365 * 24 * time.Hour
	return copyRows(ctx, tx, "audit_log", []string{"at", "actor_kind", "actor_id", "actor_email", "action", "record_type", "record_id",
		"client_ip", "request_id", "outcome", "detail"}, func() []any {
		for len(buf) == 0 {
			switch {
			case i < len(plans):
				p := &plans[i]
				i++
				creator := entry{at: p.Submitted, kind: "public", email: p.Trainee.Email, action: "create", rtype: "referral", rid: p.Reference, detail: string(p.Route)}
				if p.CreatedByCaseMgr {
					creator.kind, creator.email, creator.actorID = "staff", "", p.CaseManagerID
				} else if p.Referrer.Email != "" {
					creator.email = p.Referrer.Email
				}
				buf = append(buf, creator)
				for _, e := range p.Events {
					if e.ActorKind == "staff" && e.Kind != "note" {
						buf = append(buf, entry{at: e.At, kind: "staff", actorID: e.ActorID, action: e.Kind, rtype: "referral", rid: p.Reference})
					}
				}
				for _, at := range p.Views {
					buf = append(buf, entry{at: at, kind: "staff", actorID: pick(r, staff.coordinators).ID, action: "view_referral", rtype: "referral", rid: p.Reference})
				}
				if !p.TraineeSignedInAt.IsZero() {
					buf = append(buf, entry{at: p.TraineeSignedInAt, kind: "public", email: p.Trainee.Email, action: "sign_in", rtype: "public", detail: "email link"},
						entry{at: p.TraineeSignedInAt.Add(20 * time.Second), kind: "public", email: p.Trainee.Email, action: "view_referral_status", rtype: "referral", rid: p.Reference})
				}
			case extra < len(plans):
				// Coordinators looking at the queue, and staff signing in.
				extra++
				at := o.Now.Add(-time.Duration(r.Int64N(int64(span))))
				c := pick(r, staff.coordinators)
				buf = append(buf, entry{at: at, kind: "staff", actorID: c.ID, action: "view", rtype: "referral_queue"})
				if extra%3 == 0 {
					m := pick(r, staff.all)
					buf = append(buf, entry{at: at.Add(-time.Minute), kind: "staff", actorID: m.ID, action: "sign_in", rtype: "staff_user",
						rid: strconv.FormatInt(m.ID, 10), detail: "password and authenticator"})
				}
			default:
				return nil
			}
		}
		e := buf[0]
		buf = buf[1:]
		return row(e)
	})
}
