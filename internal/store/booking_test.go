package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"careers/internal/store"
	"careers/internal/testdb"
)

// RearrangeSlot keeps the calendar UID and raises the sequence; onto a
// taken slot it fails before the old appointment is touched; two moves
// onto one free slot at once: exactly one wins, the other keeps its time.
func TestRearrangeSlot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.NewPool(t))
	coach := mustCoach(t, st, "c@example.nhs.uk")
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	var slots []store.NewSlot
	for i := range 4 {
		s := start.Add(time.Duration(2*i) * time.Hour)
		slots = append(slots, store.NewSlot{Start: s, End: s.Add(time.Hour), Mode: "virtual"})
	}
	if _, err := st.AddSlots(ctx, coach, slots); err != nil {
		t.Fatal(err)
	}
	ids := slotIDs(t, st, coach)
	a, b := mustReferralID(t, st, "CR-REAR-AAAA"), mustReferralID(t, st, "CR-REAR-BBBB")
	for _, id := range []int64{a, b} {
		st.AddAllowance(ctx, id, "granted", 3, 0, "", time.Now())
	}
	if err := book(ctx, st, a, ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := book(ctx, st, b, ids[1]); err != nil {
		t.Fatal(err)
	}
	apptOf := func(slot int64) store.Appointment {
		t.Helper()
		var id int64
		if err := st.Pool().QueryRow(ctx, `SELECT id FROM appointments WHERE slot_id = $1 AND status = 'booked'`, slot).Scan(&id); err != nil {
			t.Fatalf("no live appointment on slot %d: %v", slot, err)
		}
		ap, err := st.AppointmentByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return ap
	}
	first, second := apptOf(ids[0]), apptOf(ids[1])
	move := func(old, slot int64) error {
		return st.InTx(ctx, func(tx *store.Store, _ store.Tx) error {
			_, err := tx.RearrangeSlot(ctx, old, slot, "trainee", 0, false, "", time.Now())
			return err
		})
	}
	// Onto the other trainee's slot: refused, nothing changed.
	if err := move(first.ID, ids[1]); !errors.Is(err, store.ErrSlotTaken) {
		t.Fatalf("onto a taken slot: %v", err)
	}
	if got := apptOf(ids[0]); got.ID != first.ID || got.Sequence != 0 {
		t.Errorf("after a refused move the old appointment is %+v", got)
	}
	// Both race for the third slot.
	errs := race(func() error { return move(first.ID, ids[2]) }, func() error { return move(second.ID, ids[2]) })
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, store.ErrSlotTaken):
		default:
			t.Fatal(err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d moves won", wins)
	}
	moved := apptOf(ids[2])
	loser := first
	if moved.ReferralID == a {
		loser = second
	}
	if moved.InviteID == moved.ID || moved.Sequence != 1 || (moved.InviteID != first.ID && moved.InviteID != second.ID) {
		t.Errorf("moved appointment: invite of %d, sequence %d", moved.InviteID, moved.Sequence)
	}
	if got := apptOf(loser.SlotID); got.ID != loser.ID {
		t.Error("the losing move lost its old time")
	}
	old, err := st.AppointmentByID(ctx, moved.InviteID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Status != "cancelled" || old.RearrangedTo != moved.ID {
		t.Errorf("the winner's old appointment: %s, moved to %d", old.Status, old.RearrangedTo)
	}
	// Moved again: the UID stays the first one's, the sequence rises.
	if err := move(moved.ID, ids[3]); err != nil {
		t.Fatal(err)
	}
	if again := apptOf(ids[3]); again.InviteID != moved.InviteID || again.Sequence != 2 {
		t.Errorf("moved twice: invite of %d (want %d), sequence %d", again.InviteID, moved.InviteID, again.Sequence)
	}
}
