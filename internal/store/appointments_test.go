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

func mustCoach(t *testing.T, st *store.Store, email string) int64 {
	t.Helper()
	u, err := st.CreateStaffUser(context.Background(), store.NewStaffUser{Email: email, Name: "Coach", Roles: nil})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// book is what the booking handler does, in one transaction: lock the
// referral, book the slot, use a session.
func book(ctx context.Context, st *store.Store, referralID, slotID int64) error {
	return st.InTx(ctx, func(tx *store.Store, _ store.Tx) error {
		if _, err := tx.LockReferral(ctx, referralID); err != nil {
			return err
		}
		if _, err := tx.BookSlot(ctx, referralID, slotID, "trainee", 0, time.Now()); err != nil {
			return err
		}
		return tx.AddAllowance(ctx, referralID, "booked", 1, 0, "", time.Now())
	})
}

func slotIDs(t *testing.T, st *store.Store, coach int64) []int64 {
	t.Helper()
	cal, err := st.CoachCalendar(context.Background(), coach, time.Now(), time.Now().Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range cal {
		ids = append(ids, c.ID)
	}
	return ids
}

func race(fns ...func() error) []error {
	var wg sync.WaitGroup
	errs := make([]error, len(fns))
	start := make(chan struct{})
	for i, f := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); <-start; errs[i] = f() }()
	}
	close(start)
	wg.Wait()
	return errs
}

func TestTwoBookingsOfOneSlot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.NewPool(t))
	coach := mustCoach(t, st, "c@example.nhs.uk")
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	if n, err := st.AddSlots(ctx, coach, []store.NewSlot{{Start: start, End: start.Add(time.Hour), Mode: "virtual"}}); err != nil || n != 1 {
		t.Fatalf("add: %d %v", n, err)
	}
	a, b := mustReferralID(t, st, "CR-SLOT-AAAA"), mustReferralID(t, st, "CR-SLOT-BBBB")
	for _, id := range []int64{a, b} {
		st.AddAllowance(ctx, id, "granted", 3, 0, "", time.Now())
	}
	slot := slotIDs(t, st, coach)[0]
	errs := race(func() error { return book(ctx, st, a, slot) }, func() error { return book(ctx, st, b, slot) })
	ok, taken := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrSlotTaken):
			taken++
		default:
			t.Fatal(err)
		}
	}
	if ok != 1 || taken != 1 {
		t.Fatalf("%d bookings, %d refused as taken", ok, taken)
	}
	// The loser used no session.
	sa, _ := st.ReferralStateByID(ctx, a)
	sb, _ := st.ReferralStateByID(ctx, b)
	if sa.SessionsUsed+sb.SessionsUsed != 1 {
		t.Errorf("sessions used %d + %d", sa.SessionsUsed, sb.SessionsUsed)
	}
}

func TestTwoBookingsOfTheLastSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.NewPool(t))
	coach := mustCoach(t, st, "c@example.nhs.uk")
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	st.AddSlots(ctx, coach, []store.NewSlot{{Start: start, End: start.Add(time.Hour), Mode: "virtual"}, {Start: start.Add(2 * time.Hour), End: start.Add(3 * time.Hour), Mode: "virtual"}})
	id := mustReferralID(t, st, "CR-LAST-AAAA")
	st.AddAllowance(ctx, id, "granted", 1, 0, "", time.Now())
	slots := slotIDs(t, st, coach)
	errs := race(func() error { return book(ctx, st, id, slots[0]) }, func() error { return book(ctx, st, id, slots[1]) })
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
		t.Fatalf("%d bookings, %d refused over the allowance", ok, over)
	}
	appts, _ := st.ReferralAppointments(ctx, id)
	if len(appts) != 1 {
		t.Errorf("%d appointments stored (the refused one must roll back)", len(appts))
	}
}

func TestSlotsDoNotOverlap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.NewPool(t))
	coach := mustCoach(t, st, "c@example.nhs.uk")
	s := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	n, err := st.AddSlots(ctx, coach, []store.NewSlot{
		{Start: s, End: s.Add(time.Hour), Mode: "virtual"},
		{Start: s.Add(30 * time.Minute), End: s.Add(90 * time.Minute), Mode: "virtual"}, // overlaps the first
		{Start: s.Add(time.Hour), End: s.Add(2 * time.Hour), Mode: "telephone"},         // touches, does not overlap
	})
	if err != nil || n != 2 {
		t.Fatalf("added %d (%v), want 2", n, err)
	}
}
