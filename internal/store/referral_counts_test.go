package store_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/store"
	"careers/internal/testdb"
)

// countedByHand counts referrals in each status from every referral, as
// the queue did before the counts were kept.
func countedByHand(tb testing.TB, pool *pgxpool.Pool) map[string]int {
	tb.Helper()
	out, err := countEvery(context.Background(), pool)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func countEvery(ctx context.Context, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) (map[string]int, error) {
	rows, err := db.Query(ctx, `SELECT status, count(*) FROM referrals GROUP BY status`)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	var st string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&st, &n}, func() error { out[st] = n; return nil })
	return out, err
}

func countsAgree(tb testing.TB, st *store.Store, pool *pgxpool.Pool, when string) {
	tb.Helper()
	got, err := st.ReferralCountsByStatus(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if want := countedByHand(tb, pool); !maps.Equal(got, want) {
		tb.Errorf("%s: counts %v, want %v", when, got, want)
	}
}

func pendingChanges(tb testing.TB, pool *pgxpool.Pool) int {
	tb.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM referral_status_changes`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// The queue's counts by status are kept as referrals are added, change
// status, are deleted or truncated, and agree with a count of every
// referral at each step, before and after the changes are folded in.
func TestReferralCountsFollowEveryChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, owner := testdb.NewPools(t)
	st := store.New(pool)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	fold := func() int64 {
		t.Helper()
		n, err := st.FoldReferralStatusChanges(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	countsAgree(t, st, pool, "no referrals")
	for i := range 5 {
		mustReferralRow(t, pool, fmt.Sprintf("CR-CNT-%04d", i))
	}
	countsAgree(t, st, pool, "five new, not folded")
	if n := fold(); n != 5 {
		t.Errorf("folded %d changes, want 5", n)
	}
	if n := pendingChanges(t, pool); n != 0 {
		t.Errorf("%d changes left after folding", n)
	}
	countsAgree(t, st, pool, "five new, folded")

	exec(`UPDATE referrals SET status = 'accepted' WHERE reference IN ('CR-CNT-0000', 'CR-CNT-0001')`)
	exec(`UPDATE referrals SET status = 'closed' WHERE reference = 'CR-CNT-0001'`)
	countsAgree(t, st, pool, "two accepted, one of them then closed")
	// A change that leaves the status as it was, or changes another
	// column, records nothing.
	before := pendingChanges(t, pool)
	exec(`UPDATE referrals SET status = status, trainee_name = 'Alex Renamed'`)
	if n := pendingChanges(t, pool); n != before {
		t.Errorf("an update that kept every status recorded %d changes", n-before)
	}
	fold()
	exec(`DELETE FROM referrals WHERE reference = 'CR-CNT-0002'`)
	countsAgree(t, st, pool, "one deleted after a fold")
	fold()
	countsAgree(t, st, pool, "one deleted, folded")
	if got, _ := st.ReferralCountsByStatus(ctx); got["new"] != 2 || got["accepted"] != 1 || got["closed"] != 1 {
		t.Errorf("counts %v, want new 2, accepted 1, closed 1", got)
	}

	// A change not yet committed while a fold runs is folded by the next.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE referrals SET status = 'withdrawn' WHERE reference = 'CR-CNT-0003'`); err != nil {
		t.Fatal(err)
	}
	fold()
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	countsAgree(t, st, pool, "a change committed after a fold")
	fold()
	countsAgree(t, st, pool, "a change committed after a fold, folded")

	// TRUNCATE is the owner's (the service may not).
	if _, err := owner.Exec(ctx, `TRUNCATE referrals CASCADE`); err != nil {
		t.Fatal(err)
	}
	countsAgree(t, st, pool, "after TRUNCATE")
	mustReferralRow(t, pool, "CR-CNT-0100")
	countsAgree(t, st, pool, "one new after TRUNCATE")
}

// countsAgreeInOneSnapshot reads the counts and counts every referral in
// one repeatable-read transaction, and says how they differ.
func countsAgreeInOneSnapshot(ctx context.Context, st *store.Store, pool *pgxpool.Pool) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var got map[string]int
	if err := st.InTxWith(tx, func(st *store.Store) error {
		got, err = st.ReferralCountsByStatus(ctx)
		return err
	}); err != nil {
		return err
	}
	want, err := countEvery(ctx, tx)
	if err != nil {
		return err
	}
	if !maps.Equal(got, want) {
		return fmt.Errorf("in one snapshot the counts read %v, every referral counted %v", got, want)
	}
	return nil
}

// Many transactions changing referrals while folds run, two at a time,
// and readers compare the counts with every referral counted in the same
// snapshot: nothing is counted twice or lost, at any moment.
func TestReferralCountsUnderConcurrentChangesAndFolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	statuses := []string{"accepted", "allocated", "active", "closed"}

	var wg, folders sync.WaitGroup
	errs := make(chan error, 64)
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				ref := fmt.Sprintf("CR-CON-%d-%03d", w, i)
				tx, err := pool.Begin(ctx)
				if err != nil {
					errs <- err
					return
				}
				if _, err := tx.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email)
					VALUES ($1, 'self', 'new', 'Alex Trainee', 'alex@example.org')`, ref); err != nil {
					errs <- err
					return
				}
				for _, s := range statuses[:i%len(statuses)] {
					if _, err := tx.Exec(ctx, `UPDATE referrals SET status = $2 WHERE reference = $1`, ref, s); err != nil {
						errs <- err
						return
					}
				}
				if i%7 == 0 {
					if _, err := tx.Exec(ctx, `DELETE FROM referrals WHERE reference = $1`, ref); err != nil {
						errs <- err
						return
					}
				}
				if err := tx.Commit(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Until the writers are done: readers comparing, in one snapshot, the
	// counts with a count of every referral, and folds, two of each.
	untilStopped := func(step func() error) {
		folders.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := step(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 2 {
		untilStopped(func() error { return countsAgreeInOneSnapshot(ctx, st, pool) })
		untilStopped(func() error { _, err := st.FoldReferralStatusChanges(ctx); return err })
	}
	wg.Wait()
	close(stop)
	folders.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	countsAgree(t, st, pool, "after concurrent changes and folds")
	if _, err := st.FoldReferralStatusChanges(ctx); err != nil {
		t.Fatal(err)
	}
	countsAgree(t, st, pool, "after a last fold")
}

// The migration that starts keeping the counts counts the referrals
// already there.
func TestReferralCountsMigrationCountsWhatIsThere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testdb.EmptyURL(t)
	m := mustMigrator(t, url)
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	// Back to before the counts were kept (00030 is the latest migration
	// when this test was written; step down until its table is gone).
	pool := testdb.MustPool(t, url)
	for {
		var kept bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass('referral_status_counts') IS NOT NULL`).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if !kept {
			break
		}
		if err := m.Down(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, status := range []string{"new", "new", "closed", "withdrawn", "closed", "closed"} {
		if _, err := pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email)
			VALUES ($1, 'self', $2, 'Alex Trainee', 'alex@example.org')`, fmt.Sprintf("CR-MIG-%04d", i), status); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	st := store.New(pool)
	countsAgree(t, st, pool, "after the migration")
	if got, _ := st.ReferralCountsByStatus(ctx); got["new"] != 2 || got["closed"] != 3 || got["withdrawn"] != 1 {
		t.Errorf("counts %v, want new 2, closed 3, withdrawn 1", got)
	}
}
