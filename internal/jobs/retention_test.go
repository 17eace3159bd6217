package jobs_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/jobs"
	"careers/internal/mail/mailtest"
	"careers/internal/store"
)

// The personal data of the fixtures: none of it may reach the register.
const (
	fixtureName     = "Rowena Quill"
	fixtureEmail    = "rowena.quill@example.org"
	fixtureReferrer = "Desmond Oakley"
	fixtureNote     = "Talked about leaving surgery"
)

// childTables are the tables that hold a referral's records, and how to
// count one referral's rows in each.
var childTables = map[string]string{
	"documents":                `SELECT count(*) FROM documents WHERE referral_id = $1`,
	"summaries":                `SELECT count(*) FROM summaries WHERE referral_id = $1`,
	"appointments":             `SELECT count(*) FROM appointments WHERE referral_id = $1`,
	"notifications":            `SELECT count(*) FROM notifications WHERE referral_id = $1`,
	"notification_attachments": `SELECT count(*) FROM notification_attachments a JOIN notifications n ON n.id = a.notification_id WHERE n.referral_id = $1`,
	"referral_events":          `SELECT count(*) FROM referral_events WHERE referral_id = $1`,
	"referral_notes":           `SELECT count(*) FROM referral_notes WHERE referral_id = $1`,
	"info_requests":            `SELECT count(*) FROM info_requests WHERE referral_id = $1`,
	"extension_requests":       `SELECT count(*) FROM extension_requests WHERE referral_id = $1`,
	"allowance_events":         `SELECT count(*) FROM allowance_events WHERE referral_id = $1`,
	"referral_drafts":          `SELECT count(*) FROM referral_drafts WHERE referral_id = $1`,
	"auth_tokens":              `SELECT count(*) FROM auth_tokens WHERE referral_id = $1`,
	"outcome_answers":          `SELECT count(*) FROM outcome_answers WHERE referral_id = $1`,
	"outcome_followups":        `SELECT count(*) FROM outcome_followups WHERE referral_id = $1`,
}

// mustFinishedReferral adds a referral finished (status) at closedAt.
func mustFinishedReferral(tb testing.TB, pool *pgxpool.Pool, ref, status string, submitted time.Time, closedAt *time.Time) int64 {
	tb.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `
		INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, referrer_name, referrer_email, submitted_at, closed_at, closing_note)
		VALUES ($1, 'supervisor', $2, $3, $4, $5, 'desmond@example.org', $6, $7, $8) RETURNING id`,
		ref, status, fixtureName, fixtureEmail, fixtureReferrer, submitted, closedAt, fixtureNote).Scan(&id); err != nil {
		tb.Fatalf("insert referral %s: %v", ref, err)
	}
	return id
}

// mustChildren gives referral id records in every child table: two of each
// kind where the table allows, so counts are not all one.
func mustChildren(tb testing.TB, pool *pgxpool.Pool, id int64, coach int64, salt string) {
	tb.Helper()
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		tb.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			tb.Fatalf("%s: %v", strings.Fields(sql)[2], err)
		}
	}
	sum := sha256.Sum256([]byte("form c " + salt))
	exec(`INSERT INTO documents (kind, referral_id, filename, content_type, size, sha256, content)
		VALUES ('form_c', $1, 'form-c-rowena-quill.pdf', 'application/pdf', 4, $2, '\x25504446')`, id, sum[:])
	exec(`INSERT INTO referral_drafts (token_hash, route, referral_id, answers) VALUES ($1, 'supervisor', $2, $3)`,
		[]byte("draft "+salt), id, `{"trainee_name": ["`+fixtureName+`"]}`)
	exec(`INSERT INTO auth_tokens (purpose, token_hash, email, referral_id, expires_at) VALUES ('confirm_referral', $1, $2, $3, now())`,
		[]byte("token "+salt), fixtureEmail, id)
	for i := range 2 {
		exec(`INSERT INTO referral_events (referral_id, kind, actor_kind, detail) VALUES ($1, 'submitted', 'public', $2)`, id, fixtureName+fmt.Sprint(i))
	}
	exec(`INSERT INTO allowance_events (referral_id, kind, sessions) VALUES ($1, 'granted', 2), ($1, 'booked', 1), ($1, 'attended', 1)`, id)
	exec(`INSERT INTO extension_requests (referral_id, sessions, justification, requested_by, requested_at) VALUES ($1, 1, $2, $3, now())`, id, fixtureNote, coach)
	exec(`INSERT INTO referral_notes (referral_id, at, author_id, body) VALUES ($1, now(), $2, $3), ($1, now(), $2, 'second')`, id, coach, fixtureNote)
	exec(`INSERT INTO info_requests (referral_id, question, asked_by, asked_at, answer) VALUES ($1, 'Which deanery?', $2, now(), $3)`, id, coach, fixtureNote)
	var slot, appt int64
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Hour)
	if err := pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
		coach, start, start.Add(time.Hour)).Scan(&slot); err != nil {
		tb.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, status, booked_by)
		VALUES ($1, $2, $3, $4, $5, 'virtual', 'attended', 'trainee') RETURNING id`, id, slot, coach, start, start.Add(time.Hour)).Scan(&appt); err != nil {
		tb.Fatal(err)
	}
	exec(`INSERT INTO summaries (appointment_id, referral_id, self_awareness) VALUES ($1, $2, $3)`, appt, id, fixtureNote)
	exec(`INSERT INTO outcome_answers (referral_id, stage, answered_at, confidence, comment) VALUES ($1, 'after', now(), 4, $2)`, id, fixtureNote)
	exec(`INSERT INTO outcome_followups (referral_id, opted_out_at) VALUES ($1, now())`, id)
	for i := range 2 {
		var n int64
		if err := pool.QueryRow(ctx, `INSERT INTO notifications (key, kind, referral_id, recipients, subject, body_text, body_html)
			VALUES ($1, 'referral_receipt', $2, $3, 'Your referral', $4, $4) RETURNING id`,
			fmt.Sprintf("test:%s:%d", salt, i), id, `[{"name": "`+fixtureName+`", "email": "`+fixtureEmail+`"}]`, "Dear "+fixtureName).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		exec(`INSERT INTO notification_attachments (notification_id, position, filename, content_type, content)
			VALUES ($1, 0, 'invite.ics', 'text/calendar', '\x00'), ($1, 1, 'summary.pdf', 'application/pdf', '\x00')`, n)
	}
}

func childCounts(tb testing.TB, pool *pgxpool.Pool, id int64) map[string]int {
	tb.Helper()
	got := map[string]int{}
	for table, sql := range childTables {
		got[table] = count(tb, pool, sql, id)
	}
	return got
}

func exists(tb testing.TB, pool *pgxpool.Pool, ref string) bool {
	tb.Helper()
	return count(tb, pool, `SELECT count(*) FROM referrals WHERE reference = $1`, ref) == 1
}

func runRetention(tb testing.TB, pool *pgxpool.Pool, now time.Time) jobs.RetentionResult {
	tb.Helper()
	res, err := jobs.RunRetention(context.Background(), pool, now, 72, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("RunRetention: %v", err)
	}
	return res
}

// The job destroys exactly the finished referrals whose six years have
// run, with everything that belongs to them, and records each in the
// register without any personal data.
func TestRetentionDestroysExactlyWhatHasExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	coach := mustStaff(t, pool, "coach@psu.example.nhs.uk", "Casey Coach", []string{"coach"}, true)

	// Today is Tuesday 15 June 2032 in London: referrals finished on or
	// before 15 June 2026 (London) are due.
	now := at(2032, 6, 15, 3, 0)
	submitted := at(2025, 11, 3, 14, 0)
	full := mustFinishedReferral(t, pool, "CR-FULL-0001", "closed", submitted, ptr(at(2026, 3, 1, 12, 0)))
	mustChildren(t, pool, full, coach, "full")
	fullBefore := childCounts(t, pool, full)
	// Closed late on the last day that is due today.
	mustFinishedReferral(t, pool, "CR-EDGE-0002", "closed", submitted, ptr(at(2026, 6, 15, 23, 30)))
	// Closed five minutes into the next day in London (still 15 June in
	// UTC): due tomorrow, kept.
	after := mustFinishedReferral(t, pool, "CR-NEXT-0003", "closed", submitted, ptr(at(2026, 6, 16, 0, 5)))
	mustChildren(t, pool, after, coach, "after")
	afterBefore := childCounts(t, pool, after)
	// Withdrawn long ago: destroyed like a closed one.
	mustFinishedReferral(t, pool, "CR-WDRN-0004", "withdrawn", submitted, ptr(at(2025, 12, 1, 9, 0)))
	// Still open, however old: kept.
	mustFinishedReferral(t, pool, "CR-OPEN-0005", "active", at(2020, 1, 6, 9, 0), nil)
	// Closed recently: kept.
	mustFinishedReferral(t, pool, "CR-RCNT-0006", "closed", at(2031, 1, 6, 9, 0), ptr(at(2031, 5, 1, 9, 0)))

	res := runRetention(t, pool, now)
	if res.Destroyed != 3 || res.Failed != 0 {
		t.Fatalf("run = %+v, want 3 destroyed", res)
	}
	for ref, want := range map[string]bool{"CR-FULL-0001": false, "CR-EDGE-0002": false, "CR-NEXT-0003": true,
		"CR-WDRN-0004": false, "CR-OPEN-0005": true, "CR-RCNT-0006": true} {
		if got := exists(t, pool, ref); got != want {
			t.Errorf("%s exists = %v, want %v", ref, got, want)
		}
	}
	for table, n := range childCounts(t, pool, full) {
		if n != 0 {
			t.Errorf("%d rows of %s survived their referral", n, table)
		}
	}
	// Nothing anywhere still points at the destroyed referral's data.
	if n := count(t, pool, `SELECT count(*) FROM documents WHERE filename LIKE 'form-c%'`); n != 1 {
		t.Errorf("%d Form C documents left, want the kept referral's 1", n)
	}
	afterNow := childCounts(t, pool, after)
	for table, n := range afterBefore {
		if afterNow[table] != n || n == 0 {
			t.Errorf("kept referral's %s: %d rows, had %d", table, afterNow[table], n)
		}
	}

	// The register: one row per destroyed referral, dates in London, the
	// counts, and nothing about the person.
	reg, err := store.New(pool).DestructionRegister(ctx, time.Time{}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(reg) != 3 {
		t.Fatalf("register has %d rows, want 3", len(reg))
	}
	byRef := map[string]store.RegisterEntry{}
	for _, e := range reg {
		byRef[e.Reference] = e
		if !e.DestroyedAt.Equal(now) || e.RetentionMonths != 72 || e.Route != "supervisor" || e.DestroyedBy != "retention job" {
			t.Errorf("register row %+v", e)
		}
		if d := e.SubmittedOn.Format(time.DateOnly); d != "2025-11-03" {
			t.Errorf("%s submitted on %s", e.Reference, d)
		}
	}
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	if e := byRef["CR-FULL-0001"]; day(e.ClosedOn) != "2026-03-01" || day(e.DueOn) != "2032-03-01" {
		t.Errorf("CR-FULL-0001 closed %s due %s", day(e.ClosedOn), day(e.DueOn))
	}
	if e := byRef["CR-EDGE-0002"]; day(e.ClosedOn) != "2026-06-15" || day(e.DueOn) != "2032-06-15" {
		t.Errorf("CR-EDGE-0002 closed %s due %s", day(e.ClosedOn), day(e.DueOn))
	}
	want := map[string]int{
		store.CatReferral: 1, store.CatDocuments: fullBefore["documents"], store.CatSummaries: 1, store.CatAppointments: 1,
		store.CatMessages: 2, store.CatMessageAttachments: 4, store.CatTimeline: 2, store.CatNotes: 2, store.CatQuestions: 1,
		store.CatExtensions: 1, store.CatAllowance: 3, store.CatDrafts: 1, store.CatOneTimeLinks: 1,
		store.CatQuestionnaires: 1,
	}
	if got := byRef["CR-FULL-0001"].Categories; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("categories = %v\nwant %v", got, want)
	}
	if got := byRef["CR-WDRN-0004"].Categories; got[store.CatReferral] != 1 || got[store.CatDocuments] != 0 || len(got) != len(want) {
		t.Errorf("withdrawn referral's categories = %v", got)
	}
	var all string
	if err := pool.QueryRow(ctx, `SELECT string_agg(row_to_json(d)::text, ' ') FROM destruction_register d`).Scan(&all); err != nil {
		t.Fatal(err)
	}
	for _, personal := range []string{fixtureName, "Rowena", "Quill", fixtureEmail, fixtureReferrer, "desmond", fixtureNote, "rowena-quill"} {
		if strings.Contains(strings.ToLower(all), strings.ToLower(personal)) {
			t.Errorf("the register contains %q: %s", personal, all)
		}
	}
	// Each destruction is in the audit log, by reference.
	if n := count(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'destroyed' AND record_type = 'referral' AND actor_kind = 'system'
		AND record_id IN ('CR-FULL-0001', 'CR-EDGE-0002', 'CR-WDRN-0004')`); n != 3 {
		t.Errorf("%d destructions audited, want 3", n)
	}

	// A second run the same day destroys nothing more.
	if res := runRetention(t, pool, now.Add(time.Hour)); res.Destroyed != 0 {
		t.Errorf("second run destroyed %d", res.Destroyed)
	}
	if n := count(t, pool, `SELECT count(*) FROM destruction_register`); n != 3 {
		t.Errorf("register has %d rows after a second run", n)
	}
	// The next day, the referral closed just after midnight goes.
	if res := runRetention(t, pool, at(2032, 6, 16, 0, 1)); res.Destroyed != 1 || exists(t, pool, "CR-NEXT-0003") {
		t.Errorf("next day: %+v", res)
	}
}

// A legal hold stops destruction; once it is lifted the next run destroys
// the referral.
func TestRetentionRespectsLegalHold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	st := store.New(pool)
	admin := mustStaff(t, pool, "admin@psu.example.nhs.uk", "Ada Admin", []string{"admin"}, true)
	now := at(2033, 1, 10, 3, 0)
	mustFinishedReferral(t, pool, "CR-HELD-0001", "closed", at(2025, 1, 6, 9, 0), ptr(at(2025, 2, 1, 9, 0)))

	if err := st.PlaceLegalHold(ctx, "CR-HELD-0001", "Claim received from solicitors", admin, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if res := runRetention(t, pool, now); res.Destroyed != 0 || !exists(t, pool, "CR-HELD-0001") {
		t.Fatalf("a held referral was destroyed: %+v", res)
	}
	if n := count(t, pool, `SELECT count(*) FROM referral_events e JOIN referrals r ON r.id = e.referral_id
		WHERE r.reference = 'CR-HELD-0001' AND e.kind = 'legal_hold_placed' AND e.actor_id = $1`, admin); n != 1 {
		t.Errorf("%d hold events in the timeline", n)
	}
	if err := st.LiftLegalHold(ctx, "CR-HELD-0001", "Claim settled", admin, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if res := runRetention(t, pool, now.Add(2*time.Hour)); res.Destroyed != 1 || exists(t, pool, "CR-HELD-0001") {
		t.Fatalf("after the hold was lifted: %+v", res)
	}
	reg, err := st.DestructionRegister(ctx, time.Time{}, 0, 10)
	if err != nil || len(reg) != 1 || reg[0].Categories[store.CatTimeline] != 2 {
		t.Errorf("register = %+v (%v), want one row counting the two hold events", reg, err)
	}
}

// The periodic job is registered, runs when the client starts and uses
// the client's clock; abandoned referral forms go too.
func TestRetentionJobRunsOnStart(t *testing.T) {
	t.Parallel()
	pool := MustDB(t)
	now := at(2032, 9, 1, 2, 0)
	mustFinishedReferral(t, pool, "CR-GONE-0001", "withdrawn", at(2026, 1, 5, 9, 0), ptr(at(2026, 2, 1, 9, 0)))
	mustFinishedReferral(t, pool, "CR-KEEP-0002", "closed", at(2027, 1, 5, 9, 0), ptr(at(2027, 2, 1, 9, 0)))
	if _, err := pool.Exec(context.Background(), `INSERT INTO referral_drafts (token_hash, route, answers, updated_at)
		VALUES ('old', 'self', '{"trainee_name": ["Rowena Quill"]}', $1), ('new', 'self', '{}', $2)`,
		now.Add(-31*24*time.Hour), now.Add(-29*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	MustStartClient(t, pool, MustSMTPSender(t, mailtest.Start(t)), jobs.WithClock(func() time.Time { return now }))
	Eventually(t, 15*time.Second, "the retention job to run", func() (bool, error) {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'retention' AND state = 'completed'`) > 0, nil
	})
	if exists(t, pool, "CR-GONE-0001") || !exists(t, pool, "CR-KEEP-0002") {
		t.Error("the job did not destroy exactly the expired referral")
	}
	if n := count(t, pool, `SELECT count(*) FROM referral_drafts WHERE token_hash = 'old'`); n != 0 {
		t.Error("an abandoned draft was kept")
	}
	if n := count(t, pool, `SELECT count(*) FROM referral_drafts WHERE token_hash = 'new'`); n != 1 {
		t.Error("a recent draft was deleted")
	}
}

// A delivery job whose notification was destroyed with its referral ends
// at its first attempt, sending nothing, instead of retrying for hours.
func TestDeliveryOfDestroyedNotificationEndsCleanly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	var refID, id int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		refID = MustReferral(t, tx, "CS-GONE")
		var err error
		id, err = jobs.Enqueue(ctx, tx, jobs.Notification{Key: "gone:1", Kind: "referral_receipt", ReferralID: &refID,
			Message: testMessage("Gone")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM referrals WHERE id = $1`, refID); err != nil {
		t.Fatal(err)
	}
	MustStartClient(t, pool, MustSMTPSender(t, srv))
	Eventually(t, 10*time.Second, "the delivery job to finish", func() (bool, error) { return finished(jobStates(t, pool, id)), nil })
	var state string
	var attempt int
	if err := pool.QueryRow(ctx, `SELECT state::text, attempt FROM river_job WHERE kind = 'notification_deliver'`).Scan(&state, &attempt); err != nil {
		t.Fatal(err)
	}
	if state != "completed" || attempt != 1 {
		t.Errorf("delivery job %s after %d attempts, want completed after 1", state, attempt)
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Errorf("%d messages sent for a destroyed notification", len(got))
	}
}

// Emails that belong to no referral and spent one-time links are kept only
// for a while: the old ones go, the recent, the queued and the live stay.
func TestRetentionClearsLooseMessagesAndSpentLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	now := at(2027, 3, 1, 3, 0)
	old, recent := now.Add(-100*24*time.Hour), now.Add(-10*24*time.Hour)
	ref := mustFinishedReferral(t, pool, "CR-KEEP-0001", "closed", old, ptr(recent))
	for _, m := range []struct {
		key, status string
		referral    *int64
		at          time.Time
	}{
		{"old-sent", "sent", nil, old}, {"old-failed", "failed", nil, old}, {"old-queued", "queued", nil, old},
		{"recent-sent", "sent", nil, recent}, {"old-of-a-referral", "sent", &ref, old},
	} {
		var sentAt, failedAt *time.Time
		switch m.status {
		case "sent":
			sentAt = &m.at
		case "failed":
			failedAt = &m.at
		}
		if _, err := pool.Exec(ctx, `INSERT INTO notifications (key, kind, referral_id, recipients, subject, body_text, body_html, status, created_at, sent_at, failed_at)
			VALUES ($1, 'sign_in', $2, '[{"name":"","email":"x@example.org"}]', 'Your link', 'text', '<p>html</p>', $3, $4, $5, $6)`,
			m.key, m.referral, m.status, m.at, sentAt, failedAt); err != nil {
			t.Fatal(err)
		}
	}
	for i, l := range []struct {
		created, expires time.Time
		used             bool
	}{
		{old, old.Add(time.Hour), false},      // expired long ago: goes
		{old, old.Add(time.Hour), true},       // used long ago: goes
		{old, now.Add(time.Hour), false},      // old but still live (a long-lived invitation): stays
		{recent, recent.Add(time.Hour), true}, // used lately: stays
	} {
		var used *time.Time
		if l.used {
			used = &l.created
		}
		if _, err := pool.Exec(ctx, `INSERT INTO auth_tokens (purpose, token_hash, email, created_at, expires_at, used_at) VALUES ('sign_in', $1, 'x@example.org', $2, $3, $4)`,
			[]byte(fmt.Sprintf("hash-%d", i)), l.created, l.expires, used); err != nil {
			t.Fatal(err)
		}
	}
	res := runRetention(t, pool, now)
	if res.Messages != 2 || res.Links != 2 {
		t.Errorf("deleted %d messages and %d links, want 2 and 2", res.Messages, res.Links)
	}
	var keys []string
	rows, _ := pool.Query(ctx, `SELECT key FROM notifications ORDER BY key`)
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "old-of-a-referral,old-queued,recent-sent" {
		t.Errorf("messages left: %v", keys)
	}
	if n := count(t, pool, `SELECT count(*) FROM auth_tokens`); n != 2 {
		t.Errorf("%d links left, want 2", n)
	}
}
