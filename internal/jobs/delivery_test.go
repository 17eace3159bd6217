package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"

	"careers/internal/jobs"
	"careers/internal/mail"
	"careers/internal/mail/mailtest"
	"careers/internal/store"
)

// finished reports whether no delivery job of the notification can run
// again, so no further message can be sent for it.
func finished(states []string) bool {
	for _, s := range states {
		if s != "completed" && s != "cancelled" && s != "discarded" {
			return false
		}
	}
	return true
}

func TestCommittedNotificationIsDeliveredOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	MustStartClient(t, pool, MustSMTPSender(t, srv))

	var refID, id int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		refID = MustReferral(t, tx, "CS-1001")
		var err error
		id, err = jobs.Enqueue(ctx, tx, jobs.Notification{
			Key: fmt.Sprintf("referral_receipt:%d", refID), Kind: "referral_receipt", ReferralID: &refID,
			Message: testMessage("We have your referral"),
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	n := waitStatus(t, pool, id, store.NotificationSent)
	srv.WaitFor(1, 5*time.Second)
	Eventually(t, 5*time.Second, "the delivery job to finish", func() (bool, error) { return finished(jobStates(t, pool, id)), nil })
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	m := got[0]
	if m.Get("Subject") != "We have your referral" || m.Get("To") != `"Alex Trainee" <alex@example.org>` ||
		m.Get("Message-Id") != "<"+n.MessageToken+"@psu.example.nhs.uk>" || m.Text == "" || m.HTML == "" {
		t.Errorf("message: subject %q to %q id %q text %q html %q", m.Get("Subject"), m.Get("To"), m.Get("Message-Id"), m.Text, m.HTML)
	}
	if n.Attempts != 1 || n.SentAt == nil || n.LastError != "" || n.Kind != "referral_receipt" {
		t.Errorf("notification = %+v", n)
	}
	if states := jobStates(t, pool, id); len(states) != 1 || states[0] != "completed" {
		t.Errorf("delivery jobs = %v, want one completed", states)
	}

	log, err := store.New(pool).ReferralNotifications(ctx, refID)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].ID != id || log[0].To[0].Email != "alex@example.org" || log[0].Status != store.NotificationSent {
		t.Errorf("referral notification log = %+v", log)
	}
	var args string
	if err := pool.QueryRow(ctx, `SELECT args::text FROM river_job WHERE kind = 'notification_deliver'`).Scan(&args); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(args, "alex") || strings.Contains(args, "referral") {
		t.Errorf("the River job carries personal data: %s", args)
	}
}

func TestRolledBackChangeEnqueuesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	MustStartClient(t, pool, MustSMTPSender(t, srv))

	boom := errors.New("the change failed after enqueueing")
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		refID := MustReferral(t, tx, "CS-2001")
		if _, err := jobs.Enqueue(ctx, tx, jobs.Notification{
			Key: "referral_receipt:rolled-back", Kind: "referral_receipt", ReferralID: &refID,
			Message: testMessage("This must never arrive"),
		}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("transaction = %v, want it rolled back by %v", err, boom)
	}
	for table, sql := range map[string]string{
		"referrals":     `SELECT count(*) FROM referrals`,
		"notifications": `SELECT count(*) FROM notifications`,
		"river_job":     `SELECT count(*) FROM river_job WHERE kind = 'notification_deliver'`,
	} {
		if n := count(t, pool, sql); n != 0 {
			t.Errorf("%s has %d rows after the rollback", table, n)
		}
	}
	// With no notification and no job left, nothing can ever be sent; the
	// same key is free for a change that does commit.
	id := MustEnqueue(t, pool, jobs.Notification{Key: "referral_receipt:rolled-back", Kind: "referral_receipt", Message: testMessage("Second try")})
	waitStatus(t, pool, id, store.NotificationSent)
	if got := srv.WaitFor(1, 5*time.Second); len(got) != 1 || got[0].Get("Subject") != "Second try" {
		t.Errorf("received %d messages", len(got))
	}
}

// The mail server is down: the change commits anyway and the message waits,
// retrying; when the server is back, it arrives exactly once.
func TestSMTPOutageThenRecoveryDeliversExactlyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	srv.Down()
	MustStartClient(t, pool, MustSMTPSender(t, srv), jobs.WithMaxAttempts(jobs.DefaultMaxAttempts))

	var refID, id int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		refID = MustReferral(t, tx, "CS-3001")
		var err error
		id, err = jobs.Enqueue(ctx, tx, jobs.Notification{
			Key: "referral_receipt:outage", Kind: "referral_receipt", ReferralID: &refID, Message: testMessage("Sent through an outage"),
		})
		return err
	})
	if err != nil {
		t.Fatalf("the change did not commit while the mail server was down: %v", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM referrals WHERE id = $1`, refID); n != 1 {
		t.Fatal("the referral is not there")
	}

	var n store.Notification
	Eventually(t, 10*time.Second, "two failed attempts", func() (bool, error) {
		n = mustNotification(t, pool, id)
		return n.Attempts >= 2, nil
	})
	if n.Status != store.NotificationQueued || n.LastError != "could not connect to the mail server (connection refused)" {
		t.Errorf("during the outage: status %q, last error %q", n.Status, n.LastError)
	}
	states := jobStates(t, pool, id)
	if len(states) != 1 || !slices.Contains([]string{"available", "retryable", "running", "scheduled"}, states[0]) {
		t.Errorf("during the outage the job is %v, want it pending a retry", states)
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Fatalf("%d messages arrived at a stopped server", len(got))
	}

	srv.Up()
	n = waitStatus(t, pool, id, store.NotificationSent)
	Eventually(t, 5*time.Second, "the delivery job to finish", func() (bool, error) { return finished(jobStates(t, pool, id)), nil })
	if got := srv.Messages(); len(got) != 1 {
		t.Fatalf("after recovery %d messages arrived, want exactly 1", len(got))
	}
	if n.LastError != "" || n.Attempts < 3 {
		t.Errorf("after recovery: %+v", n)
	}
}

// Two clients (serve and a worker, or two workers) share the queue: every
// message is delivered exactly once.
func TestTwoWorkersDeliverEachMessageOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	sender := MustSMTPSender(t, srv)
	MustStartClient(t, pool, sender)
	MustStartClient(t, pool, sender)

	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, err := jobs.Enqueue(ctx, tx, jobs.Notification{
					Key: fmt.Sprintf("bulk:%d", i), Kind: "bulk_test", Message: testMessage(fmt.Sprintf("Message %02d", i)),
				})
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	Eventually(t, 20*time.Second, "every notification to be sent", func() (bool, error) {
		return count(t, pool, `SELECT count(*) FROM notifications WHERE status = 'sent'`) == n, nil
	})
	Eventually(t, 5*time.Second, "every delivery job to finish", func() (bool, error) {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'notification_deliver' AND state <> 'completed'`) == 0, nil
	})
	got := srv.Messages()
	seen := map[string]int{}
	for _, m := range got {
		seen[m.Get("Subject")]++
	}
	if len(got) != n || len(seen) != n {
		t.Fatalf("received %d messages with %d distinct subjects, want %d of each", len(got), len(seen), n)
	}
	for s, k := range seen {
		if k != 1 {
			t.Errorf("%q arrived %d times", s, k)
		}
	}
	if a := count(t, pool, `SELECT sum(attempts) FROM notifications`); a != n {
		t.Errorf("%d delivery attempts recorded for %d messages", a, n)
	}
}

// A delivery job that runs again for a notification already sent (River
// rescuing a job it thought stuck, or any duplicate) sends nothing.
func TestDuplicateDeliveryJobDoesNotSendAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	MustStartClient(t, pool, MustSMTPSender(t, srv))

	id := MustEnqueue(t, pool, jobs.Notification{Key: "dup:1", Kind: "dup_test", Message: testMessage("Only once")})
	waitStatus(t, pool, id, store.NotificationSent)
	srv.WaitFor(1, 5*time.Second)

	if _, err := pool.Exec(ctx, `
		INSERT INTO river_job (args, kind, max_attempts, queue)
		VALUES (jsonb_build_object('notification_id', $1::bigint), 'notification_deliver', 12, 'email')`, id); err != nil {
		t.Fatal(err)
	}
	Eventually(t, 5*time.Second, "the duplicate job to run", func() (bool, error) {
		states := jobStates(t, pool, id)
		return len(states) == 2 && finished(states), nil
	})
	if got := srv.Messages(); len(got) != 1 {
		t.Errorf("%d messages after a duplicate job, want 1", len(got))
	}
	if n := mustNotification(t, pool, id); n.Attempts != 1 {
		t.Errorf("attempts = %d, want 1", n.Attempts)
	}
}

func TestSameKeyRecordsOneNotification(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	MustStartClient(t, pool, MustSMTPSender(t, srv))

	n := jobs.Notification{Key: "invite:7:42", Kind: "staff_invite", Message: testMessage("Set your password")}
	var a, b int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		if a, err = jobs.Enqueue(ctx, tx, n); err != nil {
			return err
		}
		b, err = jobs.Enqueue(ctx, tx, n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := MustEnqueue(t, pool, n)
	if a != b || a != c {
		t.Errorf("ids %d, %d, %d: want one notification", a, b, c)
	}
	waitStatus(t, pool, a, store.NotificationSent)
	Eventually(t, 5*time.Second, "the delivery job to finish", func() (bool, error) { return finished(jobStates(t, pool, a)), nil })
	if states := jobStates(t, pool, a); len(states) != 1 {
		t.Errorf("delivery jobs = %v, want 1", states)
	}
	// Enqueueing again after it was sent sends nothing either.
	MustEnqueue(t, pool, n)
	if got := srv.Messages(); len(got) != 1 || count(t, pool, `SELECT count(*) FROM river_job`) > 2 {
		t.Errorf("received %d messages, want 1", len(got))
	}
}

// After the last attempt the notification shows as failed, with a safe
// reason, on the staff list; a retry delivers it.
func TestFinalFailureShowsFailedAndRetryDelivers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	st := store.New(pool)
	srv := mailtest.Start(t)
	srv.Down()
	MustStartClient(t, pool, MustSMTPSender(t, srv), jobs.WithMaxAttempts(3))

	id := MustEnqueue(t, pool, jobs.Notification{Key: "fail:1", Kind: "fail_test", Message: testMessage("Delivered on retry")})
	n := waitStatus(t, pool, id, store.NotificationFailed)
	if n.Attempts != 3 || n.FailedAt == nil || n.LastError != "could not connect to the mail server (connection refused)" {
		t.Errorf("failed notification = %+v", n)
	}
	Eventually(t, 5*time.Second, "the job to stop", func() (bool, error) {
		s := jobStates(t, pool, id)
		return len(s) == 1 && s[0] == "cancelled", nil
	})
	list, err := st.UndeliveredNotifications(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != id || list[0].Status != store.NotificationFailed {
		t.Errorf("undelivered list = %+v", list)
	}

	retry := func(id int64) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return jobs.Retry(ctx, tx, id) })
	}
	if err := retry(id + 1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Retry(unknown) = %v, want ErrNotFound", err)
	}

	srv.Up()
	if err := retry(id); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	if err := retry(id); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Retry of a queued notification = %v, want ErrConflict", err)
	}
	n = waitStatus(t, pool, id, store.NotificationSent)
	Eventually(t, 5*time.Second, "the retried job to finish", func() (bool, error) { return finished(jobStates(t, pool, id)), nil })
	if got := srv.Messages(); len(got) != 1 || got[0].Get("Subject") != "Delivered on retry" {
		t.Fatalf("received %d messages after the retry, want 1", len(got))
	}
	if n.Attempts != 4 || n.FailedAt != nil || n.LastError != "" {
		t.Errorf("after the retry: %+v", n)
	}
	if err := retry(id); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Retry of a sent notification = %v, want ErrConflict", err)
	}
	if list, _ := st.UndeliveredNotifications(ctx, 100); len(list) != 0 {
		t.Errorf("undelivered list after the retry = %+v", list)
	}
}

// A server that refuses the recipient for good fails the notification at
// once, without the address in the stored reason.
func TestPermanentRefusalFailsWithoutRetrying(t *testing.T) {
	t.Parallel()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	srv.RejectRecipients(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "alex@example.org: no such user"})
	MustStartClient(t, pool, MustSMTPSender(t, srv))

	id := MustEnqueue(t, pool, jobs.Notification{Key: "perm:1", Kind: "perm_test", Message: testMessage("Nobody home")})
	n := waitStatus(t, pool, id, store.NotificationFailed)
	if n.Attempts != 1 {
		t.Errorf("attempts = %d, want 1 (no retries after a permanent refusal)", n.Attempts)
	}
	if !strings.Contains(n.LastError, "550") || strings.Contains(n.LastError, "alex") {
		t.Errorf("last error = %q, want the status code without the address", n.LastError)
	}
}

func TestEnqueueRefusesWhatCouldNeverBeSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	good := jobs.Notification{Key: "k:1", Kind: "some_kind", Message: testMessage("Hello")}
	for name, mutate := range map[string]func(*jobs.Notification){
		"empty key":        func(n *jobs.Notification) { n.Key = "" },
		"key with newline": func(n *jobs.Notification) { n.Key = "k\n1" },
		"long key":         func(n *jobs.Notification) { n.Key = strings.Repeat("k", 301) },
		"bad kind":         func(n *jobs.Notification) { n.Kind = "Some Kind" },
		"no recipient":     func(n *jobs.Notification) { n.Message.To = nil },
		"bad address":      func(n *jobs.Notification) { n.Message.To[0].Email = "alex@example.org\r\nBcc: x@evil.example" },
		"no text part":     func(n *jobs.Notification) { n.Message.Text = "" },
		// An email about a referral must say in the audience table what it
		// carries and to whom.
		"referral email not in the audience table": func(n *jobs.Notification) { id := int64(1); n.ReferralID = &id },
	} {
		n := good
		n.Message = testMessage("Hello")
		mutate(&n)
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { _, err := jobs.Enqueue(ctx, tx, n); return err })
		if !errors.Is(err, jobs.ErrInvalidNotification) {
			t.Errorf("%s: Enqueue = %v, want ErrInvalidNotification", name, err)
		}
	}
	if c := count(t, pool, `SELECT count(*) FROM notifications`); c != 0 {
		t.Errorf("%d notifications recorded", c)
	}
}

// Attachments survive the queue: recorded with the notification and sent
// with the message.
func TestAttachmentsAreQueuedAndSent(t *testing.T) {
	t.Parallel()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	MustStartClient(t, pool, MustSMTPSender(t, srv))
	m := testMessage("Your appointment")
	ics := []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
	m.Attachments = []mail.Attachment{{Filename: "appointment.ics", ContentType: "text/calendar; method=REQUEST", Content: ics}}
	id := MustEnqueue(t, pool, jobs.Notification{Key: "att:1", Kind: "attachment_test", Message: m})
	waitStatus(t, pool, id, store.NotificationSent)
	got := srv.WaitFor(1, 5*time.Second)
	if len(got[0].Attachments) != 1 || got[0].Attachments[0].Filename != "appointment.ics" || string(got[0].Attachments[0].Content) != string(ics) {
		t.Errorf("attachments = %+v", got[0].Attachments)
	}
}

// In development without SMTP_URL the queue delivers into the development
// mailbox, in the same transaction that marks the notification sent.
func TestDeliveryIntoTheDevelopmentMailbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	st := store.New(pool)
	cfg := testConfig(t)
	sender, err := mail.NewSender(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sender.(*mail.MailboxSender); !ok {
		t.Fatalf("development without SMTP_URL chose %T, want the mailbox", sender)
	}
	MustStartClient(t, pool, sender)
	id := MustEnqueue(t, pool, jobs.Notification{Key: "dev:1", Kind: "dev_test", Message: testMessage("Kept in the mailbox")})
	n := waitStatus(t, pool, id, store.NotificationSent)
	list, err := st.MailboxMessages(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Subject != "Kept in the mailbox" {
		t.Fatalf("mailbox = %+v", list)
	}
	m, err := st.MailboxMessage(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.MessageID != n.MessageToken+"@localhost" || m.Text == "" || m.HTML == "" || m.To != "Alex Trainee <alex@example.org>" {
		t.Errorf("mailbox message = %+v", m)
	}

	cfg.Env = "production"
	if _, err := mail.NewSender(cfg, st); err == nil {
		t.Error("production without SMTP_URL got a sender")
	}
}

func TestDefaultBackoffRidesOutAboutTwelveHours(t *testing.T) {
	t.Parallel()
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, 64 * time.Minute, 128 * time.Minute, 4 * time.Hour, 4 * time.Hour}
	if len(want) != jobs.DefaultMaxAttempts-1 {
		t.Fatalf("the table has %d waits for %d attempts", len(want), jobs.DefaultMaxAttempts)
	}
	var total time.Duration
	for i, w := range want {
		for range 50 {
			got := jobs.DefaultBackoff(i + 1)
			if got < w-w/10 || got > w+w/10 {
				t.Fatalf("wait after attempt %d = %s, want %s ± 10%%", i+1, got, w)
			}
		}
		total += w
	}
	if total < 11*time.Hour || total > 13*time.Hour {
		t.Errorf("the last attempt comes %s after the first, want about 12 hours", total)
	}
}
