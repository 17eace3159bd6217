package store_test

import (
	"context"
	"sync"
	"testing"

	"careers/internal/store"
	"careers/internal/testdb"
	"careers/migrations"
)

func mustMigrator(tb testing.TB, url string) *store.Migrator {
	tb.Helper()
	m, err := store.NewMigrator(testdb.MustPool(tb, url), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

func migrationCount(tb testing.TB) int {
	tb.Helper()
	files, err := migrations.FS.ReadDir(".")
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if len(f.Name()) > 4 && f.Name()[len(f.Name())-4:] == ".sql" {
			n++
		}
	}
	return n
}

func TestMigrationsUpStatusDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testdb.EmptyURL(t)
	m := mustMigrator(t, url)
	want := migrationCount(t)

	sts, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != want {
		t.Fatalf("status lists %d migrations, the folder has %d", len(sts), want)
	}
	for _, s := range sts {
		if s.Applied {
			t.Errorf("%s applied on an empty database", s.Name)
		}
	}
	if cur, err := m.Current(ctx); err != nil || cur {
		t.Fatalf("Current on an empty database = %v, %v", cur, err)
	}

	n, err := m.Up(ctx)
	if err != nil || n != want {
		t.Fatalf("Up from empty applied %d (err %v), want %d", n, err, want)
	}
	if cur, err := m.Current(ctx); err != nil || !cur {
		t.Fatalf("Current after Up = %v, %v", cur, err)
	}
	sts, _ = m.Status(ctx)
	for _, s := range sts {
		if !s.Applied {
			t.Errorf("%s not applied after Up", s.Name)
		}
	}

	if err := m.Down(ctx); err != nil {
		t.Fatalf("Down: %v", err)
	}
	sts, _ = m.Status(ctx)
	if sts[len(sts)-1].Applied {
		t.Error("the latest migration is still applied after Down")
	}
	if n, err := m.Up(ctx); err != nil || n != 1 {
		t.Fatalf("Up after Down applied %d (err %v), want 1", n, err)
	}
	if n, err := m.Up(ctx); err != nil || n != 0 {
		t.Fatalf("a second Up applied %d (err %v), want 0", n, err)
	}
}

// Every migration can be rolled back to empty and applied again, so Down
// sections are kept honest.
func TestMigrationsDownToEmptyAndBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := mustMigrator(t, testdb.EmptyURL(t))
	want := migrationCount(t)
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < want; i++ {
		if err := m.Down(ctx); err != nil {
			t.Fatalf("Down #%d: %v", i+1, err)
		}
	}
	if n, err := m.Up(ctx); err != nil || n != want {
		t.Fatalf("Up from fully rolled back applied %d (err %v), want %d", n, err, want)
	}
}

// Two instances starting at the same moment against one empty database both
// migrate successfully: the advisory lock makes them take turns.
func TestConcurrentMigrationsBothSucceed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testdb.EmptyURL(t)
	a, b := mustMigrator(t, url), mustMigrator(t, url)
	want := migrationCount(t)

	var wg sync.WaitGroup
	results := make([]int, 2)
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, m := range []*store.Migrator{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = m.Up(ctx)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	if results[0]+results[1] != want {
		t.Errorf("applied %d + %d migrations, want %d in total (each exactly once)", results[0], results[1], want)
	}
	if cur, err := a.Current(ctx); err != nil || !cur {
		t.Errorf("not current after both ran: %v %v", cur, err)
	}
}
