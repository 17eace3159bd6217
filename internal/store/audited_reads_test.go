package store_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/store"
	"careers/internal/testdb"
)

// impatientStore is a store on pool's database with one connection that
// gives up on a lock after 200 ms. Warm it (one successful call of the
// page's read) before lockTable: its statements are then prepared, and the
// page's batch runs as it does in service, its audit row first, so a read
// of the locked table fails after the row was written, not while pgx
// prepares the statements before sending any.
func impatientStore(t *testing.T, pool *pgxpool.Pool) *store.Store {
	t.Helper()
	cfg := pool.Config()
	cfg.MaxConns, cfg.MinConns = 1, 0
	params := map[string]string{"lock_timeout": "200ms"}
	maps.Copy(params, cfg.ConnConfig.RuntimeParams)
	cfg.ConnConfig.RuntimeParams = params
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return store.New(p)
}

// lockTable locks table until unlock is called (or the test ends).
func lockTable(t *testing.T, pool *pgxpool.Pool, table string) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	lock, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	unlock = func() { _ = lock.Rollback(ctx) } // a second call finds it closed
	t.Cleanup(unlock)
	if _, err := lock.Exec(ctx, `LOCK TABLE `+table+` IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	return unlock
}

// isLockTimeout says whether err is PostgreSQL giving up on a lock.
func isLockTimeout(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55P03"
}

// checkAuditedRead pins what every audited read owes its audit row, for a
// read whose rows come from table: an audit row the table refuses is an
// error and nothing else runs, and a read after the row that fails (table
// locked past the connection's lock timeout) takes the row back with it.
// audits counts the rows e writes; it holds want before and after.
func checkAuditedRead(t *testing.T, pool *pgxpool.Pool, e store.AuditEntry, table string,
	read func(*store.Store, store.AuditEntry) error, audits func() int, want int) {
	t.Helper()
	bad := e
	bad.Outcome = "maybe"
	if err := read(store.New(pool), bad); err == nil {
		t.Error("a view whose audit row was refused was read")
	}
	if n := audits(); n != want {
		t.Errorf("%d audit rows after a refused one, want %d", n, want)
	}

	impatient := impatientStore(t, pool)
	warm := e
	warm.RequestID = e.RequestID + "-warm"
	if err := read(impatient, warm); err != nil {
		t.Fatal(err)
	}
	unlock := lockTable(t, pool, table)
	if err := read(impatient, e); !isLockTimeout(err) {
		t.Errorf("a view whose read of %s timed out on its lock: %v", table, err)
	}
	unlock()
	if n := audits(); n != want {
		t.Errorf("%d audit rows after a view whose read failed, want %d (its row taken back)", n, want)
	}
}

// The staff referral page's read comes with the view's audit row, in one
// round trip: the same page as read alone, the row written, and nothing
// read when the row cannot be written or the read after it fails.
func TestReferralPageAuditedReadsWithTheViewsAuditRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	coach := mustQueueCoach(t, pool, "Rita Coach", true)
	ref := mustReferralID(t, st, "CR-RP-AUDIT")
	if _, err := pool.Exec(ctx, `UPDATE referrals SET coach_id = $2, status = 'allocated' WHERE id = $1`, ref, coach); err != nil {
		t.Fatal(err)
	}
	audits := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE record_id = 'CR-RP-AUDIT' AND request_id = 'rp-req'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	e := store.AuditEntry{At: time.Now(), ActorKind: "staff", ActorEmail: "cora@example.nhs.uk", Action: "view_referral",
		RecordType: "referral", RecordID: "CR-RP-AUDIT", RequestID: "rp-req", Outcome: store.OutcomeSuccess}
	for _, withCoaches := range []bool{true, false} {
		got, err := st.ReferralPageAudited(ctx, e, "CR-RP-AUDIT", withCoaches)
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.ReferralPageByReference(ctx, "CR-RP-AUDIT", withCoaches)
		if err != nil {
			t.Fatal(err)
		}
		if got.State.ID != ref || got.State.CoachID != coach || got.CoachName != want.CoachName || got.State.Status != "allocated" ||
			len(got.Coaches) != len(want.Coaches) || (len(got.Coaches) == 0) == withCoaches || got.Detail.Reference != "CR-RP-AUDIT" {
			t.Errorf("with coaches %v: page %+v (%d coaches), read alone %+v (%d)", withCoaches, got.State, len(got.Coaches), want.State, len(want.Coaches))
		}
	}
	if n := audits(); n != 2 {
		t.Errorf("%d audit rows for two views, want 2", n)
	}
	// A referral gone since its card was read: not found (the attempt
	// stays audited).
	if _, err := st.ReferralPageAudited(ctx, e, "CR-NO-SUCH", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a referral that does not exist: %v", err)
	}
	if n := audits(); n != 3 {
		t.Errorf("%d audit rows after three views, want 3", n)
	}

	checkAuditedRead(t, pool, e, "referrals", func(st *store.Store, e store.AuditEntry) error {
		_, err := st.ReferralPageAudited(ctx, e, "CR-RP-AUDIT", false)
		return err
	}, audits, 3)
}
