package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/store"
	"careers/internal/testdb"
)

var londonTZ = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

func london(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, londonTZ)
}

func mustClosed(t *testing.T, pool *pgxpool.Pool, ref, status string, closedAt *time.Time) int64 {
	t.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, submitted_at, closed_at)
		VALUES ($1, 'self', $2, 'Rowena Quill', 'rowena@example.org', '2025-01-06 09:00+00', $3) RETURNING id`, ref, status, closedAt).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func mustAdmin(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `INSERT INTO staff_users (email, name, roles) VALUES ('admin@example.nhs.uk', 'Ada Admin', '{admin}') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Due dates are counted in calendar months from the London day a referral
// finished; the list for the next 30 days shows held ones, the job's list
// does not.
func TestRetentionReferralsDueBy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	admin := mustAdmin(t, pool)
	closed := func(tm time.Time) *time.Time { return &tm }
	// Today: 10 March 2032. 72 months.
	today := london(2032, 3, 10, 8, 0)
	mustClosed(t, pool, "CR-OVERDUE", "closed", closed(london(2025, 12, 1, 9, 0)))    // due 2031-12-01
	mustClosed(t, pool, "CR-TODAY", "withdrawn", closed(london(2026, 3, 10, 23, 59))) // due today
	mustClosed(t, pool, "CR-HELD", "closed", closed(london(2026, 3, 20, 9, 0)))       // due 2032-03-20, held
	mustClosed(t, pool, "CR-DAY30", "closed", closed(london(2026, 4, 9, 0, 30)))      // due 2032-04-09 = today + 30
	mustClosed(t, pool, "CR-DAY31", "closed", closed(london(2026, 4, 10, 0, 30)))     // due 2032-04-10
	mustClosed(t, pool, "CR-OPEN", "active", nil)
	// Reopened: closed_at cleared, so not due whatever its history.
	mustClosed(t, pool, "CR-REOPENED", "active", nil)
	if err := st.PlaceLegalHold(ctx, "CR-HELD", "Complaint under investigation", admin, today); err != nil {
		t.Fatal(err)
	}

	refs := func(ds []store.DueReferral) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Reference)
		}
		return out
	}
	soon, err := st.ReferralsDueBy(ctx, today.AddDate(0, 0, 30), 72, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := refs(soon); len(got) != 4 || got[0] != "CR-OVERDUE" || got[1] != "CR-TODAY" || got[2] != "CR-HELD" || got[3] != "CR-DAY30" {
		t.Fatalf("due in 30 days = %v", got)
	}
	if !soon[2].OnHold || soon[2].HoldReason != "Complaint under investigation" || soon[0].OnHold {
		t.Errorf("hold flags: %+v", soon)
	}
	if d := soon[3].DueOn.Format(time.DateOnly); d != "2032-04-09" {
		t.Errorf("CR-DAY30 due on %s", d)
	}
	now, err := st.ReferralsDueBy(ctx, today, 72, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := refs(now); len(got) != 2 || got[0] != "CR-OVERDUE" || got[1] != "CR-TODAY" {
		t.Errorf("due today = %v", got)
	}
	if limited, _ := st.ReferralsDueBy(ctx, today, 72, 1, false); len(limited) != 1 {
		t.Errorf("limit ignored: %d", len(limited))
	}
	// Month ends: closed on 31 August 2026 with one month's retention is
	// due on 30 September, not in October.
	mustClosed(t, pool, "CR-MONTHEND", "closed", closed(london(2026, 8, 31, 12, 0)))
	// (The referrals above closed earlier, so they are due too.)
	if got, _ := st.ReferralsDueBy(ctx, london(2026, 9, 30, 1, 0), 1, 100, false); !slices.Contains(refs(got), "CR-MONTHEND") {
		t.Errorf("month end: %v", refs(got))
	}
	if got, _ := st.ReferralsDueBy(ctx, london(2026, 9, 29, 23, 0), 1, 100, false); slices.Contains(refs(got), "CR-MONTHEND") {
		t.Errorf("month end, a day early: %v", refs(got))
	}
}

// DestroyReferral checks again under the row lock: a referral reopened,
// held or not yet due is left alone.
func TestDestroyReferralRechecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	admin := mustAdmin(t, pool)
	now := london(2032, 3, 10, 8, 0)
	old := london(2025, 1, 31, 9, 0)
	open := mustClosed(t, pool, "CR-OPEN", "active", nil)
	notYet := mustClosed(t, pool, "CR-NOTYET", "closed", &now)
	held := mustClosed(t, pool, "CR-HELD", "closed", &old)
	if err := st.PlaceLegalHold(ctx, "CR-HELD", "Claim", admin, now); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   int64
		want error
	}{{open, store.ErrNotDue}, {notYet, store.ErrNotDue}, {held, store.ErrOnHold}, {999999, store.ErrNotFound}} {
		if _, err := st.DestroyReferral(ctx, tc.id, now, 72); !errors.Is(err, tc.want) {
			t.Errorf("destroy %d: %v, want %v", tc.id, err, tc.want)
		}
	}
	if n := countRows(t, pool, `SELECT count(*) FROM referrals`); n != 3 {
		t.Errorf("%d referrals left, want 3", n)
	}
	if n := countRows(t, pool, `SELECT count(*) FROM destruction_register`); n != 0 {
		t.Errorf("register rows written for referrals not destroyed: %d", n)
	}
	if _, err := st.DestroyReferral(ctx, open, now, 0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a retention of 0 months: %v", err)
	}
	// Holds: one at a time, unknown references refused.
	if err := st.PlaceLegalHold(ctx, "CR-HELD", "Again", admin, now); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second hold: %v", err)
	}
	if err := st.PlaceLegalHold(ctx, "CR-NONE", "Claim", admin, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("hold on an unknown reference: %v", err)
	}
	if err := st.LiftLegalHold(ctx, "CR-OPEN", "Not held", admin, now); !errors.Is(err, store.ErrConflict) {
		t.Errorf("lifting a hold that is not there: %v", err)
	}
	holds, err := st.LegalHolds(ctx)
	if err != nil || len(holds) != 1 || holds[0].Reference != "CR-HELD" || holds[0].ByName != "Ada Admin" || holds[0].Reason != "Claim" {
		t.Errorf("holds = %+v (%v)", holds, err)
	}
}

// The register is proof of destruction: the database refuses to change or
// remove its rows, whoever asks.
func TestDestructionRegisterIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	old := london(2025, 1, 31, 9, 0)
	id := mustClosed(t, pool, "CR-GONE", "closed", &old)
	e, err := st.DestroyReferral(ctx, id, london(2032, 3, 10, 8, 0), 72)
	if err != nil {
		t.Fatal(err)
	}
	if e.DueOn.Format(time.DateOnly) != "2031-01-31" || e.Categories[store.CatReferral] != 1 {
		t.Errorf("entry = %+v", e)
	}
	for _, sql := range []string{
		`UPDATE destruction_register SET reference = 'CR-OTHER'`,
		`UPDATE destruction_register SET categories = '{}'`,
		`DELETE FROM destruction_register`,
		`TRUNCATE destruction_register`,
	} {
		if _, err := pool.Exec(ctx, sql); err == nil {
			t.Errorf("%s was allowed", sql)
		}
	}
	reg, err := st.DestructionRegister(ctx, time.Time{}, 0, 10)
	if err != nil || len(reg) != 1 || reg[0].Reference != "CR-GONE" {
		t.Errorf("register = %+v (%v)", reg, err)
	}
	// A reference is destroyed once: the same reference cannot be entered
	// twice.
	if _, err := pool.Exec(ctx, `INSERT INTO destruction_register (reference, route, submitted_on, closed_on, due_on, destroyed_at, retention_months, categories)
		VALUES ('CR-GONE', 'self', '2025-01-01', '2025-01-31', '2031-01-31', now(), 72, '{}')`); err == nil {
		t.Error("a second register row for one reference was allowed")
	}
}

// Register pages: newest first, one page at a time by keyset.
func TestDestructionRegisterPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	old := london(2025, 1, 31, 9, 0)
	base := london(2032, 3, 10, 8, 0)
	for i, ref := range []string{"CR-A", "CR-B", "CR-C"} {
		id := mustClosed(t, pool, ref, "closed", &old)
		if _, err := st.DestroyReferral(ctx, id, base.Add(time.Duration(i)*time.Minute), 72); err != nil {
			t.Fatal(err)
		}
	}
	first, err := st.DestructionRegister(ctx, time.Time{}, 0, 2)
	if err != nil || len(first) != 3 || first[0].Reference != "CR-C" || first[1].Reference != "CR-B" {
		t.Fatalf("first page = %+v (%v), want CR-C, CR-B and one more", first, err)
	}
	second, err := st.DestructionRegister(ctx, first[1].DestroyedAt, first[1].ID, 2)
	if err != nil || len(second) != 1 || second[0].Reference != "CR-A" {
		t.Errorf("second page = %+v (%v)", second, err)
	}
}

func countRows(t *testing.T, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
