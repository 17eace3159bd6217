package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"careers/internal/store"
	"careers/internal/testdb"
)

// LockWorkshops takes the workshops' locks in the order of their ids,
// whatever order it is given them in: asked for (B, A) while another
// transaction holds B, it holds A already as it waits for B. Every
// transaction that changes places in several workshops (the offer sweep,
// a withdrawal) takes them this way, so no two can wait for each other.
func TestLockWorkshopsTakesThemInIDOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	mk := func(slug, code string) int64 {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO workshops (slug, title, starts_at, ends_at, mode, capacity, check_in_code)
			VALUES ($1, $1, now() + interval '5 days', now() + interval '5 days 1 hour', 'online', 5, $2) RETURNING id`, slug, code).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	a, b := mk("lock-a", "LOCKA1"), mk("lock-b", "LOCKB1")
	if a > b {
		a, b = b, a
	}

	holder, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, `SELECT id FROM workshops WHERE id = $1 FOR UPDATE`, b); err != nil {
		t.Fatal(err)
	}

	locker, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Rollback(ctx)
	var pid int
	if err := locker.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- store.New(pool).InTxWith(locker, func(st *store.Store) error { return st.LockWorkshops(ctx, []int64{b, a, b}) })
	}()
	// Wait until the locker waits (for B).
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting bool
		if err := pool.QueryRow(ctx, `SELECT coalesce(wait_event_type = 'Lock', false) FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("LockWorkshops never waited for the workshop held elsewhere")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A is taken already.
	probe, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = probe.Exec(ctx, `SELECT id FROM workshops WHERE id = $1 FOR UPDATE NOWAIT`, a)
	probe.Rollback(ctx)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
		t.Fatalf("workshop A was not locked before B (lock attempt on A: %v)", err)
	}
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("LockWorkshops: %v", err)
	}
	if err := store.New(pool).InTxWith(locker, func(st *store.Store) error { return st.LockWorkshops(ctx, nil) }); err != nil {
		t.Fatalf("no workshops: %v", err)
	}
}

// A started event's time is refused on the locked row itself
// (ErrTimeFixed), whatever the form was checked against, and the row is
// left as it was; the rest can still change.
func TestUpdateStaffWorkshopKeepsAStartedEventsTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	now := time.Now().UTC().Truncate(time.Second)
	start, end := now.Add(-time.Hour), now.Add(time.Hour)
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO workshops (slug, title, starts_at, ends_at, mode, joining_link, capacity, check_in_code)
		VALUES ('started', 'Started', $1, $2, 'online', 'https://meet.example.nhs.uk/a', 5, 'START1') RETURNING id`, start, end).Scan(&id); err != nil {
		t.Fatal(err)
	}
	st := store.New(pool)
	f := store.WorkshopFields{Title: "Started", StartsAt: start, EndsAt: end.Add(time.Hour), Mode: "online",
		JoiningLink: "https://meet.example.nhs.uk/a", Capacity: 5}
	if _, err := st.UpdateStaffWorkshop(ctx, id, f, 0, now); !errors.Is(err, store.ErrTimeFixed) {
		t.Fatalf("a later end for a started event: %v, want ErrTimeFixed", err)
	}
	var got time.Time
	if err := pool.QueryRow(ctx, `SELECT ends_at FROM workshops WHERE id = $1`, id).Scan(&got); err != nil || !got.Equal(end) {
		t.Errorf("the end is %v (%v), want %v", got, err, end)
	}
	f.EndsAt, f.JoiningLink = end, "https://meet.example.nhs.uk/b"
	if _, err := st.UpdateStaffWorkshop(ctx, id, f, 0, now); err != nil {
		t.Errorf("a new joining link for a started event: %v", err)
	}
}
