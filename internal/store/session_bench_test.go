package store_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"careers/internal/store"
	"careers/internal/testdb"
)

// BenchmarkSessionRead is the client's side of a page's first round trip
// on the coach's week: the week alone by the coach's id (what the bare
// baseline runs), the session alone, and the session with the week in one
// batch (what the service runs). cpu-ns/op is this process's CPU (user
// and system) a read; ns/op includes waiting for PostgreSQL.
// docs/performance.md, tenth look.
func BenchmarkSessionRead(b *testing.B) {
	ctx := context.Background()
	pool := testdb.NewPool(b)
	st := store.New(pool)
	u, err := st.CreateStaffUser(ctx, store.NewStaffUser{Email: "bench.week@example.nhs.uk", Name: "Bench Coach"})
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 7)
	var slots []store.NewSlot
	for d := range 5 {
		for h := range 6 {
			start := from.AddDate(0, 0, d).Add(time.Duration(9+h) * time.Hour)
			slots = append(slots, store.NewSlot{Start: start, End: start.Add(time.Hour), Mode: "virtual"})
		}
	}
	if _, err := st.AddSlots(ctx, u.ID, slots); err != nil {
		b.Fatal(err)
	}
	ss := store.NewSessionStore(pool, "staff_id", "public_email", time.Hour)
	b.Cleanup(ss.StopCleanup)
	saveSession(b, ss, "bench-token", map[string]any{"staff_id": u.ID, "staff_epoch": 0, "staff_roles": "coach"}, time.Now().Add(time.Hour))
	read := func(p func() *store.Prefetch) func(testing.TB) error {
		return func(tb testing.TB) error {
			readSessionWith(tb, ss, "bench-token", p())
			return nil
		}
	}
	for _, c := range []struct {
		name string
		run  func(testing.TB) error
	}{
		{"week alone", func(testing.TB) error { _, _, err := st.CoachWeek(ctx, u.ID, from, to); return err }},
		{"session alone", read(func() *store.Prefetch { return nil })},
		{"session with the week", read(func() *store.Prefetch { return store.CoachWeekPrefetch(from, to) })},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			before := processCPU()
			for b.Loop() {
				if err := c.run(b); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((processCPU()-before).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is this process's CPU time so far, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
