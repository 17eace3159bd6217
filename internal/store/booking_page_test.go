package store_test

import (
	"context"
	"testing"
	"time"

	"careers/internal/store"
	"careers/internal/testdb"
)

// The booking page's reads come with the view's audit row, in one round
// trip: the same referral and free times as read one by one, the row
// written, and nothing read when the row cannot be written.
func TestBookingPageReadsWithTheViewsAuditRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	coach := mustCoach(t, st, "bp.coach@example.nhs.uk")
	other := mustCoach(t, st, "bp.other@example.nhs.uk")
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	for _, c := range []int64{coach, other} {
		if _, err := st.AddSlots(ctx, c, []store.NewSlot{{Start: start, End: start.Add(time.Hour), Mode: "virtual"},
			{Start: start.Add(2 * time.Hour), End: start.Add(3 * time.Hour), Mode: "telephone"}}); err != nil {
			t.Fatal(err)
		}
	}
	ref := mustReferralID(t, st, "CR-BOOK-PAGE")
	if _, err := pool.Exec(ctx, `UPDATE referrals SET coach_id = $2, status = 'allocated' WHERE id = $1`, ref, coach); err != nil {
		t.Fatal(err)
	}
	from, to := time.Now(), time.Now().Add(14*24*time.Hour)
	audits := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE record_id = 'CR-BOOK-PAGE' AND request_id = 'bp-req'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	e := store.AuditEntry{At: time.Now(), ActorKind: "public", ActorEmail: "t@example.org", Action: "view_referral",
		RecordType: "referral", RecordID: "CR-BOOK-PAGE", RequestID: "bp-req", Outcome: store.OutcomeSuccess, ClientIP: "192.0.2.7"}
	state, free, err := st.BookingPage(ctx, e, ref, from, to)
	if err != nil {
		t.Fatal(err)
	}
	wantState, err := st.BookingStateByID(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	wantFree, err := st.FreeSlots(ctx, coach, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if state.ID != ref || state.CoachID != coach || state.CoachName != wantState.CoachName || state.Status != "allocated" {
		t.Errorf("state %+v, read alone %+v", state.ReferralState, wantState.ReferralState)
	}
	if len(free) != 2 || len(wantFree) != 2 || free[0].ID != wantFree[0].ID || free[1].ID != wantFree[1].ID || free[1].Mode != "telephone" {
		t.Errorf("free times %+v, read alone %+v", free, wantFree)
	}
	if n := audits(); n != 1 {
		t.Errorf("%d audit rows for the view, want 1", n)
	}
	var ip string
	if err := pool.QueryRow(ctx, `SELECT host(client_ip) FROM audit_log WHERE request_id = 'bp-req'`).Scan(&ip); err != nil || ip != "192.0.2.7" {
		t.Errorf("audit row's address %q (%v)", ip, err)
	}

	// No coach: no free times.
	if _, err := pool.Exec(ctx, `UPDATE referrals SET coach_id = NULL, status = 'accepted' WHERE id = $1`, ref); err != nil {
		t.Fatal(err)
	}
	if state, free, err := st.BookingPage(ctx, e, ref, from, to); err != nil || state.CoachID != 0 || len(free) != 0 {
		t.Errorf("without a coach: coach %d, %d free times (%v)", state.CoachID, len(free), err)
	}

	// With the coach back, so the free times are read from their table.
	if _, err := pool.Exec(ctx, `UPDATE referrals SET coach_id = $2, status = 'allocated' WHERE id = $1`, ref, coach); err != nil {
		t.Fatal(err)
	}
	checkAuditedRead(t, pool, e, "availability_slots", func(st *store.Store, e store.AuditEntry) error {
		_, _, err := st.BookingPage(ctx, e, ref, from, to)
		return err
	}, audits, 2)
}
