package jobs_test

import (
	"context"
	"sync"
	"testing"

	"careers/internal/jobs"
	"careers/internal/testdb"
)

// Several instances starting at once against a new database all migrate
// River's schema successfully (they take turns), and running it again
// changes nothing.
func TestMigrateConcurrentlyThenAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testdb.EmptyURL(t)
	if ok, err := jobs.Current(ctx, testdb.MustPool(t, url)); err != nil || ok {
		t.Errorf("Current on an empty database = %v, %v", ok, err)
	}
	const instances = 4
	errs := make([]error, instances)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range instances {
		pool := testdb.MustPool(t, url)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = jobs.Migrate(ctx, pool)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	pool := testdb.MustPool(t, url)
	if ok, err := jobs.Current(ctx, pool); err != nil || !ok {
		t.Errorf("Current after migrating = %v, %v", ok, err)
	}
	if err := jobs.Migrate(ctx, pool); err != nil {
		t.Fatalf("again: %v", err)
	}
	var tables int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename IN ('river_job', 'river_leader', 'river_migration', 'river_queue')`).Scan(&tables); err != nil || tables != 4 {
		t.Errorf("River tables = %d (%v), want 4", tables, err)
	}
	var locks int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&locks); err != nil || locks != 0 {
		t.Errorf("%d advisory locks left behind (%v)", locks, err)
	}
}

func TestMigrationsHashIsStable(t *testing.T) {
	t.Parallel()
	a, b := jobs.MigrationsHash(), jobs.MigrationsHash()
	if len(a) != 64 || a != b {
		t.Errorf("MigrationsHash = %q then %q", a, b)
	}
}
