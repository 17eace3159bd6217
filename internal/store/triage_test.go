package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"careers/internal/store"
	"careers/internal/testdb"
)

func mustReferralID(t *testing.T, st *store.Store, ref string) int64 {
	t.Helper()
	var id int64
	err := st.Pool().QueryRow(context.Background(), `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email)
		VALUES ($1, 'self', 'accepted', 'T', 't@example.com') RETURNING id`, ref).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Sessions used never exceed the allowance, even with two people acting at
// once: the database refuses the second.
func TestLedgerInvariantUnderConcurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.NewPool(t))
	id := mustReferralID(t, st, "CR-TEST-AAAA")
	now := time.Now()
	if err := st.AddAllowance(ctx, id, "granted", 2, 0, "", now); err != nil {
		t.Fatal(err)
	}
	if err := st.AddAllowance(ctx, id, "booked", 1, 0, "", now); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = st.AddAllowance(ctx, id, "booked", 1, 0, "", now)
			}()
		}
		close(start)
		wg.Wait()
		ok, over := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrOverAllowance):
				over++
			default:
				t.Fatal(err)
			}
		}
		if ok != 1 || over != 1 {
			t.Fatalf("round %d: %d bookings succeeded, %d refused; want 1 and 1", round, ok, over)
		}
		// Give the session back for the next round.
		if err := st.AddAllowance(ctx, id, "released", 1, 0, "", now); err != nil {
			t.Fatal(err)
		}
	}
	s, err := st.ReferralStateByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if s.SessionsGranted != 2 || s.SessionsUsed != 1 {
		t.Errorf("granted %d used %d", s.SessionsGranted, s.SessionsUsed)
	}
	// A waiver gives a forfeited session back; more releases than uses are refused.
	if err := st.AddAllowance(ctx, id, "forfeited", 1, 0, "late", now); err != nil {
		t.Fatal(err)
	}
	if err := st.AddAllowance(ctx, id, "forfeited", 1, 0, "late", now); !errors.Is(err, store.ErrOverAllowance) {
		t.Errorf("a forfeit past the allowance: %v", err)
	}
	if err := st.AddAllowance(ctx, id, "waived", 1, 0, "", now); err != nil {
		t.Fatal(err)
	}
	if err := st.AddAllowance(ctx, id, "released", 5, 0, "", now); err == nil {
		t.Error("releasing more sessions than were used was accepted")
	}
	// The ledger cannot be rewritten.
	if _, err := st.Pool().Exec(ctx, `UPDATE allowance_events SET sessions = 10`); err == nil {
		t.Error("a ledger event was changed")
	}
	evs, _ := st.Allowance(ctx, id)
	if len(evs) != 14 {
		t.Errorf("%d ledger events", len(evs))
	}
}

// Decisions on one referral are taken one at a time, and each moves the
// version on.
func TestApplyChangeMovesVersionAndStopsTheClockOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.NewPool(t))
	id := mustReferralID(t, st, "CR-TEST-BBBB")
	first := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := st.ApplyChange(ctx, id, store.Change{Status: "info_requested", FirstResponse: true, At: first}); err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyChange(ctx, id, store.Change{Status: "accepted", FirstResponse: true, At: first.Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	s, _ := st.ReferralStateByID(ctx, id)
	if s.Version != 3 || s.Status != "accepted" || s.FirstResponseAt == nil || !s.FirstResponseAt.Equal(first) {
		t.Errorf("version %d status %s first response %v", s.Version, s.Status, s.FirstResponseAt)
	}
}
