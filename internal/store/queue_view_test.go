package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"careers/internal/store"
	"careers/internal/testdb"
)

// The queue page's reads come with the view's audit row, in one round
// trip: the same counts, coaches and rows as read one by one, the row
// written once, and nothing read when the row cannot be written or a read
// after it fails.
func TestQueueViewReadsWithTheViewsAuditRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	kofi := mustQueueCoach(t, pool, "Kofi Coach", true)
	mustQueueCoach(t, pool, "Ada Coach", true)
	mustQueueCoach(t, pool, "Gone Coach", false)
	for i := range 7 {
		r := queueReferral{Ref: fmt.Sprintf("CR-QV-%02d", i), Submitted: queueDaysAgo(i + 1)}
		switch i % 3 {
		case 1:
			r.Status, r.Coach = "allocated", kofi
		case 2:
			r.Status = "closed"
		}
		mustQueueReferral(t, pool, r)
	}
	audits := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE record_type = 'referral_queue' AND request_id = 'qv-req'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	e := store.AuditEntry{At: time.Now(), ActorKind: "staff", ActorEmail: "cora@example.nhs.uk", Action: "view",
		RecordType: "referral_queue", RequestID: "qv-req", Outcome: store.OutcomeSuccess, ClientIP: "192.0.2.7"}
	q := store.QueueQuery{Status: store.QueueAll, Sort: store.SortReceived, Limit: 3, Now: queueNow}

	v, err := st.QueueView(ctx, e, q)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := st.ReferralCountsByStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	coaches, err := st.QueueCoaches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.Queue(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(v.Counts, counts) || v.Counts["new"] != 3 || v.Counts["allocated"] != 2 || v.Counts["closed"] != 2 {
		t.Errorf("counts %v, read alone %v", v.Counts, counts)
	}
	if !slices.Equal(v.Coaches, coaches) || len(v.Coaches) != 2 || v.Coaches[0].Name != "Ada Coach" {
		t.Errorf("coaches %v, read alone %v", v.Coaches, coaches)
	}
	if got, want := queueIDs(v.Page), queueIDs(page); !slices.Equal(got, want) || len(got) != 3 ||
		v.Page.Rows[0].Reference != "CR-QV-00" || v.Page.Rows[1].CoachName != "Kofi Coach" || v.Page.Next == nil || v.Page.Prev != nil {
		t.Errorf("page %v (next %v), read alone %v", v.Page.Rows, v.Page.Next, want)
	}
	if n := audits(); n != 1 {
		t.Errorf("%d audit rows for the view, want 1", n)
	}

	// The next page, then back from it: a page read backwards that comes to
	// the start short (a row gone since) is the full first page, and the
	// view is still audited once.
	q.After = v.Page.Next
	next, err := st.QueueView(ctx, e, q)
	if err != nil || len(next.Page.Rows) != 3 || next.Page.Rows[0].Reference != "CR-QV-03" || next.Page.Prev == nil {
		t.Fatalf("second page %v (prev %v): %v", next.Page.Rows, next.Page.Prev, err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM referrals WHERE reference = 'CR-QV-01'`); err != nil {
		t.Fatal(err)
	}
	q.After, q.Before = nil, next.Page.Prev
	back, err := st.QueueView(ctx, e, q)
	if err != nil {
		t.Fatal(err)
	}
	if refs := queueIDs(back.Page); len(refs) != 3 || back.Page.Rows[0].Reference != "CR-QV-00" || back.Page.Rows[1].Reference != "CR-QV-02" || back.Page.Prev != nil {
		t.Errorf("back at the start: %v (prev %v), want the full first page", back.Page.Rows, back.Page.Prev)
	}
	if n := audits(); n != 3 {
		t.Errorf("%d audit rows after three views, want 3", n)
	}
	q.Before = nil

	checkAuditedRead(t, pool, e, "referrals", func(st *store.Store, e store.AuditEntry) error {
		_, err := st.QueueView(ctx, e, q)
		return err
	}, audits, 3)
}
