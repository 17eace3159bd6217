package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/jobs"
	"careers/internal/mail"
	"careers/internal/policy"
)

// In development with no SMTP server, what the service sends can be read
// at /dev/mailbox; the HTML part is served sandboxed.
func TestDevMailboxShowsSentMessages(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	a := ts.NewBrowser(t)
	a.SignInStaff(t, "admin@example.nhs.uk", "")
	a.Post(t, "/staff/admin/users/new", url.Values{"name": {"Rhea Rao"}, "email": {"rhea@example.nhs.uk"}, "roles": {"coordinator"}})
	msgs := ts.mail.To(t, "rhea@example.nhs.uk")
	if len(msgs) != 1 {
		t.Fatalf("%d invitations delivered", len(msgs))
	}
	// The stored copy of a sent message no longer holds its one-time link.
	var body string
	if err := ts.pool.QueryRow(context.Background(), `SELECT body_text || body_html FROM notifications WHERE key LIKE 'set_password:%'`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, "token=") || !strings.Contains(body, "link removed after sending") {
		t.Errorf("a sent invitation keeps its link in the database:\n%.300s", body)
	}
	anyone := ts.NewBrowser(t)
	list := anyone.Get(t, "/dev/mailbox")
	if list.Status != 200 || !strings.Contains(list.Body, "Your careers support account") {
		t.Fatalf("mailbox list: %d", list.Status)
	}
	one := anyone.Get(t, "/dev/mailbox/"+itoa(msgs[0].ID))
	if one.Status != 200 || !strings.Contains(one.Body, "Choose your password") {
		t.Fatalf("mailbox message: %d", one.Status)
	}
	html := anyone.Get(t, "/dev/mailbox/"+itoa(msgs[0].ID)+"/html")
	if csp := html.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("HTML part served without a sandbox: %q", csp)
	}
	if html.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("HTML part cannot be framed by the mailbox page: %q", html.Header.Get("X-Frame-Options"))
	}
	raw := anyone.Get(t, "/dev/mailbox/"+itoa(msgs[0].ID)+"/raw")
	if !strings.HasPrefix(raw.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(raw.Body, "Subject: ") {
		t.Errorf("raw message: %q", raw.Header.Get("Content-Disposition"))
	}
}

// With an SMTP server configured, or in production, there is no mailbox.
func TestNoDevMailboxWithSMTP(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, map[string]string{"SMTP_URL": "smtp://127.0.0.1:1"})
	if p := ts.NewBrowser(t).Get(t, "/dev/mailbox"); p.Status != http.StatusNotFound {
		t.Errorf("/dev/mailbox with SMTP_URL set: %d", p.Status)
	}
}

// Coordinators see undelivered messages and can send a failed one again.
func TestCoordinatorRetriesAFailedMessage(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	a := ts.NewBrowser(t)
	a.SignInStaff(t, "admin@example.nhs.uk", "")
	a.Post(t, "/staff/admin/users/new", url.Values{"name": {"Ivo Ivanov"}, "email": {"ivo@example.nhs.uk"}, "roles": {"coach"}})
	ts.mail.settle(t)
	// As if every attempt had failed (the queue's own tests cover how).
	if _, err := ts.pool.Exec(context.Background(), `UPDATE notifications SET status = 'failed', attempts = 12, sent_at = NULL,
		last_error = 'could not connect to the mail server', failed_at = now() WHERE key LIKE 'set_password:%'`); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(context.Background(), `DELETE FROM dev_mailbox`); err != nil {
		t.Fatal(err)
	}

	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	p := c.Get(t, "/staff/messages")
	if p.Status != 200 || !strings.Contains(p.Body, "could not connect to the mail server") {
		t.Fatalf("messages page: %d", p.Status)
	}
	var id int64
	if err := ts.pool.QueryRow(context.Background(), `SELECT id FROM notifications WHERE key LIKE 'set_password:%'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if p := c.Post(t, "/staff/messages/"+itoa(id)+"/retry", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("retry: %d", p.Status)
	}
	if n := len(ts.mail.To(t, "ivo@example.nhs.uk")); n != 1 {
		t.Errorf("%d messages delivered after the retry, want 1", n)
	}
	if p := c.Follow(t, c.Post(t, "/staff/messages/"+itoa(id)+"/retry", nil)); !strings.Contains(p.Body, "already") {
		t.Error("retrying a delivered message does not say so")
	}
	// Coaches and admins do not see the queue.
	if p := a.Get(t, "/staff/messages"); p.Status != http.StatusForbidden {
		t.Errorf("admin on /staff/messages: %d", p.Status)
	}
}

// A message whose delivery a crash interrupted is not lost from sight: the
// page shows one still "running" long after it started as stuck (with when
// it will be tried again), one River rescued as interrupted, and one River
// gave up after repeated interruptions as stopped, which coordinators can
// send again.
func TestMessagesPageShowsDeliveriesInterruptedByACrash(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ctx := context.Background()
	// Each is recorded and, before the workers can see its job, left as a
	// crash leaves it.
	crashed := func(key, subject, job string) int64 {
		t.Helper()
		var id int64
		err := pgx.BeginFunc(ctx, ts.pool, func(tx pgx.Tx) error {
			var err error
			id, err = jobs.Enqueue(ctx, tx, jobs.Notification{Key: key, Kind: "staff_invite", Message: mail.Message{
				To: []mail.Address{{Name: "Ivo Ivanov", Email: "ivo@example.nhs.uk"}}, Subject: subject, Text: subject, HTML: "<p>" + subject + "</p>"}})
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE river_job SET `+job+` WHERE kind = 'notification_deliver' AND (args->>'notification_id')::bigint = $1`, id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	const rescued = `ARRAY[jsonb_build_object('at', now(), 'attempt', 1, 'error', 'Stuck job rescued by JobRescuer', 'trace', '')]`
	stuck := crashed("crash:stuck", "Stuck message", `state = 'running', attempt = 1, attempted_at = now() - interval '2 minutes', attempted_by = ARRAY['gone']`)
	crashed("crash:rescued", "Rescued message", `state = 'retryable', attempt = 1, attempted_at = now() - interval '4 minutes',
		scheduled_at = now() + interval '1 hour', errors = `+rescued)
	stopped := crashed("crash:stopped", "Stopped message", `state = 'discarded', attempt = max_attempts, attempted_at = now() - interval '4 minutes',
		finalized_at = now(), errors = `+rescued)

	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	p := c.Get(t, "/staff/messages")
	if p.Status != 200 {
		t.Fatalf("messages page: %d", p.Status)
	}
	row := func(subject string) string {
		t.Helper()
		i := strings.Index(p.Body, subject)
		if i < 0 {
			t.Fatalf("the page does not list %q", subject)
		}
		end := strings.Index(p.Body[i:], "</tr>")
		return p.Body[i : i+end]
	}
	if r := row("Stuck message"); !strings.Contains(r, ">Stuck<") || !strings.Contains(r, "will be tried again automatically by") ||
		strings.Contains(r, "/retry") {
		t.Errorf("stuck row:\n%s", r)
	}
	if r := row("Rescued message"); !strings.Contains(r, ">Interrupted<") || strings.Contains(r, "/retry") {
		t.Errorf("rescued row:\n%s", r)
	}
	if r := row("Stopped message"); !strings.Contains(r, ">Stopped<") || !strings.Contains(r, "/staff/messages/"+itoa(stopped)+"/retry") {
		t.Errorf("stopped row:\n%s", r)
	}

	// The stuck one cannot be sent twice by hand while River still holds
	// it; the stopped one can be sent again, and is.
	// dump logs the delivery jobs, should the test fail.
	dump := func() {
		rows, _ := ts.pool.Query(ctx, `SELECT id, (args->>'notification_id')::bigint, state::text, attempt, coalesce(array_to_string(errors, ' '), ''), scheduled_at::text FROM river_job WHERE kind = 'notification_deliver'`)
		for rows.Next() {
			var id, nid, attempt int
			var st, errs, sched string
			_ = rows.Scan(&id, &nid, &st, &attempt, &errs, &sched)
			t.Logf("job %d for %d: %s attempt %d sched %s: %s", id, nid, st, attempt, sched, errs)
		}
		rows.Close()
	}
	if p := c.Follow(t, c.Post(t, "/staff/messages/"+itoa(stuck)+"/retry", nil)); !strings.Contains(p.Body, "already") {
		dump()
		t.Error("retrying a stuck message does not say it is already being sent")
	}
	if p := c.Post(t, "/staff/messages/"+itoa(stopped)+"/retry", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("retry: %d", p.Status)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, err := ts.store.Notification(ctx, stopped)
		if err != nil {
			t.Fatal(err)
		}
		if n.Status == "sent" {
			break
		}
		if time.Now().After(deadline) {
			dump()
			t.Fatalf("the stopped message was not sent after the retry: %+v", n)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// The undelivered-messages page lists every message, so coordinators can
// send it again, but not what a message is when the audience table keeps
// its content from them (a trainee's summary on its way to their Case
// Manager).
func TestMessagesPageFollowsTheAudienceTable(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustReferral(t, "CR-MSGS-0001", "t@example.com", "", cm.ID, 0)
	ctx := context.Background()
	for _, m := range []struct{ kind, subject string }{
		{"summary_to_case_manager", "MARK-SUMMARY-SUBJECT"},
		{"referral_declined", "MARK-DECLINE-SUBJECT"},
	} {
		if _, err := ts.pool.Exec(ctx, `INSERT INTO notifications (key, kind, referral_id, recipients, subject, body_text, body_html, status, attempts, last_error, failed_at)
			SELECT $1, $1, id, '[{"name":"Case Manager","email":"cm@example.nhs.uk"}]', $2, 'body', '<p>body</p>', 'failed', 12, 'could not connect to the mail server', now()
			FROM referrals WHERE reference = 'CR-MSGS-0001'`, m.kind, m.subject); err != nil {
			t.Fatal(err)
		}
	}
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	p := c.Get(t, "/staff/messages")
	if p.Status != http.StatusOK {
		t.Fatalf("messages page: %d", p.Status)
	}
	if strings.Contains(p.Body, "MARK-SUMMARY-SUBJECT") || strings.Contains(p.Body, "summary_to_case_manager") {
		t.Error("coordinators read what a summary message is, which the audience table keeps from them")
	}
	if !strings.Contains(p.Body, "your role does not see") || strings.Count(p.Body, "CR-MSGS-0001") < 2 {
		t.Error("the summary message is not listed (without its subject) beside the decline")
	}
	if !strings.Contains(p.Body, "MARK-DECLINE-SUBJECT") {
		t.Error("a message coordinators may read is not shown in full")
	}
}
