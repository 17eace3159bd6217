package store_test

import (
	"context"
	"testing"
	"time"

	"careers/internal/store"
	"careers/internal/testdb"
)

// The operations figures count what the coordinators' digest and the
// messages list show: past the deadline exactly the referrals the digest
// lists as overdue (London calendar days, the clock from confirmation for
// third-party routes, none without a clock or with a first response), the
// unsent messages by status, and the oldest referral still waiting for its
// trainee.
func TestOperationsFigures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	today := time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC)

	empty, err := st.Operations(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	if empty.PastDeadline != 0 || len(empty.Undelivered) != 0 || !empty.OldestUnconfirmed.IsZero() {
		t.Fatalf("empty database: %+v", empty)
	}

	if _, err := pool.Exec(ctx, `
		INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, submitted_at, confirmed_at, first_response_at) VALUES
		-- deadline 16 June (London day of 2 June 00:30 BST): past
		('CS-PAST', 'self', 'new', 'A', 'a@example.org', '2026-06-01 23:30:00+00', NULL, NULL),
		-- deadline 20 June (today): not past yet
		('CS-TODAY', 'self', 'new', 'B', 'b@example.org', '2026-06-06 08:00:00+00', NULL, NULL),
		-- third party, confirmed 1 June: past; submitted long before
		('CS-CONF', 'supervisor', 'new', 'C', 'c@example.org', '2026-04-01 08:00:00+00', '2026-06-01 08:00:00+00', NULL),
		-- answered in time: never past
		('CS-DONE', 'self', 'new', 'D', 'd@example.org', '2026-05-01 08:00:00+00', NULL, '2026-05-02 08:00:00+00'),
		-- accepted: not waiting
		('CS-ACC', 'self', 'accepted', 'E', 'e@example.org', '2026-05-01 08:00:00+00', NULL, '2026-05-02 08:00:00+00'),
		-- waiting for the trainee: no clock, the oldest unconfirmed
		('CS-WAIT1', 'supervisor', 'awaiting_trainee', 'F', 'f@example.org', '2026-06-10 08:00:00+00', NULL, NULL),
		('CS-WAIT2', 'supervisor', 'awaiting_trainee', 'G', 'g@example.org', '2026-06-15 08:00:00+00', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO notifications (key, kind, recipients, subject, body_text, body_html, status, sent_at, failed_at) VALUES
		('k1', 'test', '[{"email": "x@example.org"}]', 's', 't', '', 'queued', NULL, NULL),
		('k2', 'test', '[{"email": "x@example.org"}]', 's', 't', '', 'failed', NULL, now()),
		('k3', 'test', '[{"email": "x@example.org"}]', 's', 't', '', 'failed', NULL, now()),
		('k4', 'test', '[{"email": "x@example.org"}]', 's', 't', '', 'sent', now(), NULL)`); err != nil {
		t.Fatal(err)
	}

	f, err := st.Operations(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	overdue, err := st.ReferralsNearResponseDeadline(ctx, today, -1)
	if err != nil {
		t.Fatal(err)
	}
	if f.PastDeadline != 2 || int(f.PastDeadline) != len(overdue) {
		t.Errorf("past deadline = %d, the digest's overdue list has %d (%+v), want 2", f.PastDeadline, len(overdue), overdue)
	}
	if f.Undelivered["queued"] != 1 || f.Undelivered["failed"] != 2 || f.Undelivered["sent"] != 0 {
		t.Errorf("undelivered = %v", f.Undelivered)
	}
	if want := time.Date(2026, 6, 10, 8, 0, 0, 0, time.UTC); !f.OldestUnconfirmed.Equal(want) {
		t.Errorf("oldest unconfirmed = %v, want %v", f.OldestUnconfirmed, want)
	}
	// The next day CS-TODAY is past too.
	if f, _ := st.Operations(ctx, today.AddDate(0, 0, 1)); f.PastDeadline != 3 {
		t.Errorf("a day later past deadline = %d, want 3", f.PastDeadline)
	}

	if _, err := pool.Exec(ctx, `
		INSERT INTO river_job (kind, args, state, scheduled_at, finalized_at, max_attempts, queue) VALUES
		('notification_deliver', '{}', 'available', '2026-06-20 08:00:00+00', NULL, 12, 'email'),
		('notification_deliver', '{}', 'available', '2026-06-20 08:30:00+00', NULL, 12, 'email'),
		('notification_deliver', '{}', 'retryable', '2026-06-20 10:00:00+00', NULL, 12, 'email'),
		('retention', '{}', 'completed', '2026-06-20 08:00:00+00', '2026-06-20 08:01:00+00', 25, 'default')`); err != nil {
		t.Fatal(err)
	}
	q, err := st.QueueDepth(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].State != "available" || q[0].Count != 2 || q[1].State != "retryable" || q[1].Count != 1 {
		t.Fatalf("queue depth = %+v (finished jobs must not count)", q)
	}
	if want := time.Date(2026, 6, 20, 8, 0, 0, 0, time.UTC); !q[0].OldestAvailable.Equal(want) || !q[1].OldestAvailable.IsZero() {
		t.Errorf("oldest available = %v / %v, want %v / zero", q[0].OldestAvailable, q[1].OldestAvailable, want)
	}
}
