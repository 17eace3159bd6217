package store_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/store"
	"careers/internal/testdb"
)

func newNotification(key string, referralID *int64) store.NewNotification {
	return store.NewNotification{
		Key: key, Kind: "test_kind", ReferralID: referralID,
		To:      []store.Recipient{{Name: "Alex Trainee", Email: "alex@example.org"}},
		Subject: "Subject", Text: "Text part", HTML: "<p>HTML part</p>",
		Attachments: []store.NotificationAttachment{
			{Filename: "a.ics", ContentType: "text/calendar", Content: []byte("BEGIN:VCALENDAR")},
			{Filename: "b.pdf", ContentType: "application/pdf", Content: []byte{0, 1, 2, 3}},
		},
	}
}

func mustInsertNotification(tb testing.TB, pool *pgxpool.Pool, n store.NewNotification) (int64, bool) {
	tb.Helper()
	var id int64
	var created bool
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		var err error
		id, created, err = store.InsertNotification(context.Background(), tx, n)
		return err
	})
	if err != nil {
		tb.Fatalf("InsertNotification: %v", err)
	}
	return id, created
}

func mustReferralRow(tb testing.TB, pool *pgxpool.Pool, ref string) int64 {
	tb.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `
		INSERT INTO referrals (reference, route, status, trainee_name, trainee_email)
		VALUES ($1, 'self', 'new', 'Alex Trainee', 'alex@example.org') RETURNING id`, ref).Scan(&id); err != nil {
		tb.Fatal(err)
	}
	return id
}

func TestInsertNotificationIsIdempotentByKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)

	a, created := mustInsertNotification(t, pool, newNotification("k:1", nil))
	if !created {
		t.Fatal("first insert did not create")
	}
	b, created := mustInsertNotification(t, pool, newNotification("k:1", nil))
	if created || b != a {
		t.Errorf("second insert = %d (created %v), want %d and not created", b, created, a)
	}
	n, err := st.Notification(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if n.Status != store.NotificationQueued || n.Attempts != 0 || n.MessageToken == "" || len(n.To) != 1 || n.To[0].Name != "Alex Trainee" ||
		n.Subject != "Subject" || n.Text != "Text part" || n.HTML != "<p>HTML part</p>" || n.SentAt != nil {
		t.Errorf("notification = %+v", n)
	}
	var attachments int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM notification_attachments WHERE notification_id = $1`, a).Scan(&attachments); err != nil || attachments != 2 {
		t.Errorf("attachments = %d (%v), want 2 (not doubled by the second insert)", attachments, err)
	}
	if _, err := st.Notification(ctx, a+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing notification: %v", err)
	}
	if got, err := st.NotificationByKey(ctx, "k:1"); err != nil || got.ID != a {
		t.Errorf("NotificationByKey = %d, %v", got.ID, err)
	}
}

// Two transactions enqueue the same key at once: the one that commits wins;
// if it rolls back instead, the other records it.
func TestInsertNotificationRaceOnOneKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	for _, firstCommits := range []bool{true, false} {
		key := "race:commit"
		if !firstCommits {
			key = "race:rollback"
		}
		tx1, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		id1, created1, err := store.InsertNotification(ctx, tx1, newNotification(key, nil))
		if err != nil || !created1 {
			t.Fatalf("first: %d %v %v", id1, created1, err)
		}
		var wg sync.WaitGroup
		var id2 int64
		var created2 bool
		var err2 error
		wg.Add(1)
		go func() {
			defer wg.Done()
			err2 = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				var err error
				id2, created2, err = store.InsertNotification(ctx, tx, newNotification(key, nil))
				return err
			})
		}()
		time.Sleep(50 * time.Millisecond) // let the second block on the key
		if firstCommits {
			err = tx1.Commit(ctx)
		} else {
			err = tx1.Rollback(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if err2 != nil {
			t.Fatalf("second: %v", err2)
		}
		if firstCommits && (created2 || id2 != id1) {
			t.Errorf("after the first committed: second got %d created %v, want %d existing", id2, created2, id1)
		}
		if !firstCommits && (!created2 || id2 == id1) {
			t.Errorf("after the first rolled back: second got %d created %v, want a new row", id2, created2)
		}
	}
}

func TestNotificationDeliveryLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	id, _ := mustInsertNotification(t, pool, newNotification("life:1", nil))

	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		n, err := store.LockNotification(ctx, tx, id)
		if err != nil {
			return err
		}
		if len(n.Attachments) != 2 || n.Attachments[1].Filename != "b.pdf" || !bytes.Equal(n.Attachments[1].Content, []byte{0, 1, 2, 3}) {
			t.Errorf("attachments = %+v", n.Attachments)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := store.LockNotification(ctx, tx, id+100)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LockNotification(missing) = %v", err)
	}

	if err := st.RecordNotificationFailure(ctx, id, "could not connect", false); err != nil {
		t.Fatal(err)
	}
	n, _ := st.Notification(ctx, id)
	if n.Status != store.NotificationQueued || n.Attempts != 1 || n.LastError != "could not connect" {
		t.Errorf("after a failed attempt: %+v", n)
	}
	requeue := func() error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return store.RequeueNotification(ctx, tx, id) })
	}
	// Queued with a delivery job that will still run: nothing to requeue.
	// Queued with none left (River gave it up after interruptions): staff
	// may send it again.
	if err := requeue(); err != nil {
		t.Errorf("requeue of a queued notification no job will send = %v, want it allowed", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO river_job (kind, queue, args, max_attempts, state, scheduled_at)
		VALUES ('notification_deliver', 'email', jsonb_build_object('notification_id', $1::bigint), 12, 'retryable', now() + interval '1 minute')`, id); err != nil {
		t.Fatal(err)
	}
	if err := requeue(); !errors.Is(err, store.ErrConflict) {
		t.Errorf("requeue of a queued notification with a live delivery job = %v, want ErrConflict", err)
	}
	if err := st.RecordNotificationFailure(ctx, id, "refused", true); err != nil {
		t.Fatal(err)
	}
	n, _ = st.Notification(ctx, id)
	if n.Status != store.NotificationFailed || n.Attempts != 2 || n.FailedAt == nil || n.LastError != "refused" {
		t.Errorf("after the final attempt: %+v", n)
	}
	if err := requeue(); err != nil {
		t.Fatalf("requeue: %v", err)
	}
	n, _ = st.Notification(ctx, id)
	if n.Status != store.NotificationQueued || n.FailedAt != nil || n.Attempts != 2 {
		t.Errorf("after the requeue: %+v", n)
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return store.MarkNotificationSent(ctx, tx, id) }); err != nil {
		t.Fatal(err)
	}
	n, _ = st.Notification(ctx, id)
	if n.Status != store.NotificationSent || n.SentAt == nil || n.Attempts != 3 || n.LastError != "" {
		t.Errorf("after sending: %+v", n)
	}
	if err := st.RecordNotificationFailure(ctx, id, "late failure", true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failure recorded against a sent notification: %v", err)
	}
	if err := requeue(); !errors.Is(err, store.ErrConflict) {
		t.Errorf("requeue of a sent notification = %v, want ErrConflict", err)
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return store.RequeueNotification(ctx, tx, id+100) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("requeue of a missing notification = %v, want ErrNotFound", err)
	}
}

func TestNotificationLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	ref := mustReferralRow(t, pool, "CS-LOG")
	other := mustReferralRow(t, pool, "CS-OTHER")
	first, _ := mustInsertNotification(t, pool, newNotification("log:1", &ref))
	second, _ := mustInsertNotification(t, pool, newNotification("log:2", &ref))
	mustInsertNotification(t, pool, newNotification("log:other", &other))
	sent, _ := mustInsertNotification(t, pool, newNotification("log:sent", nil))
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return store.MarkNotificationSent(ctx, tx, sent) }); err != nil {
		t.Fatal(err)
	}

	log, err := st.ReferralNotifications(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].ID != first || log[1].ID != second || log[0].ReferralReference != "CS-LOG" {
		t.Errorf("referral log = %+v, want notifications %d then %d", log, first, second)
	}
	undelivered, err := st.UndeliveredNotifications(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(undelivered) != 3 || undelivered[0].ReferralReference != "CS-OTHER" {
		t.Errorf("undelivered = %d, want 3 (not the sent one)", len(undelivered))
	}
	if limited, _ := st.UndeliveredNotifications(ctx, 1); len(limited) != 1 {
		t.Errorf("limit ignored: %d", len(limited))
	}

	// Deleting a referral (retention) deletes its notifications with it.
	if _, err := pool.Exec(ctx, `DELETE FROM referrals WHERE id = $1`, ref); err != nil {
		t.Fatal(err)
	}
	if log, _ := st.ReferralNotifications(ctx, ref); len(log) != 0 {
		t.Errorf("notifications survived their referral: %d", len(log))
	}
	var attachments int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM notification_attachments WHERE notification_id = ANY($1)`, []int64{first, second}).Scan(&attachments); err != nil || attachments != 0 {
		t.Errorf("attachments survived: %d (%v)", attachments, err)
	}
}

// Calendar days are counted in Europe/London: a referral made at 00:30 BST
// on 2 June (23:30 UTC on 1 June) has its deadline on 16 June.
func TestReferralsNearResponseDeadlineCountsLondonDays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	if _, err := pool.Exec(ctx, `
		INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, submitted_at)
		VALUES ('CS-BST', 'self', 'new', 'A', 'a@example.org', '2026-06-01 23:30:00+00')`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		today time.Time
		want  int
	}{
		{time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC), 0}, // 4 days left
		{time.Date(2026, 6, 13, 0, 0, 0, 0, time.UTC), 1}, // 3 days left
		{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), 1},  // long past
	} {
		got, err := st.ReferralsNearResponseDeadline(ctx, tc.today, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("on %s: %d referrals, want %d", tc.today.Format(time.DateOnly), len(got), tc.want)
			continue
		}
		if tc.want == 1 && (got[0].Reference != "CS-BST" || got[0].Deadline.Format(time.DateOnly) != "2026-06-16" || got[0].Route != "self") {
			t.Errorf("on %s: %+v, want deadline 2026-06-16", tc.today.Format(time.DateOnly), got[0])
		}
	}
}
