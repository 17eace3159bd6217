package jobs_test

import (
	"context"
	"testing"
	"time"

	"careers/internal/jobs"
	"careers/internal/mail/mailtest"
	"careers/internal/store"
)

// The windows are what the docs promise: an interrupted email is run again
// a few minutes after it started (River's default is an hour), once it is
// past its own timeout; the longest job, retention, is rescued after its
// own timeout.
func TestRescueWindows(t *testing.T) {
	if jobs.RescueStuckJobsAfter > 5*time.Minute {
		t.Errorf("RescueStuckJobsAfter = %s, want a few minutes", jobs.RescueStuckJobsAfter)
	}
	if jobs.DeliveryTimeout >= jobs.RescueStuckJobsAfter || jobs.DefaultJobTimeout >= jobs.RescueStuckJobsAfter {
		t.Errorf("a job still within its timeout (delivery %s, default %s) could be rescued at %s",
			jobs.DeliveryTimeout, jobs.DefaultJobTimeout, jobs.RescueStuckJobsAfter)
	}
	if jobs.DeliveryTimeout > time.Minute {
		t.Errorf("DeliveryTimeout = %s, want at most a minute", jobs.DeliveryTimeout)
	}
	if jobs.RetentionTimeout > 30*time.Minute {
		t.Errorf("RetentionTimeout = %s: an interrupted retention run waits that long", jobs.RetentionTimeout)
	}
}

// A crash mid-delivery leaves the job "running" in River's table with no
// worker. With the client's production settings, a delivery that started
// four minutes ago is rescued and sent, without waiting River's default
// hour (or the ten minutes this service used to set); one that started two minutes ago (past its own
// timeout, inside the window) is left alone, as a slow live attempt would
// be. No test sleeps for minutes: the crash is dated in the past.
func TestDeliveryInterruptedByACrashIsSentAgainWithinMinutes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	srv := mailtest.Start(t)

	crashed := MustEnqueue(t, pool, jobs.Notification{Key: "crash:1", Kind: "staff_invite", Message: testMessage("Interrupted long ago")})
	recent := MustEnqueue(t, pool, jobs.Notification{Key: "crash:2", Kind: "staff_invite", Message: testMessage("Interrupted just now")})
	// What a worker killed mid-send leaves behind: its job running, taken
	// by a client that is gone, the notification still queued.
	crash := func(id int64, ago time.Duration) {
		t.Helper()
		tag, err := pool.Exec(ctx, `
			UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - $2::interval,
			       attempted_by = ARRAY['crashed-client']
			WHERE kind = 'notification_deliver' AND (args->>'notification_id')::bigint = $1`, id, ago.String())
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("simulating the crash: %v (%d rows)", err, tag.RowsAffected())
		}
	}
	crash(crashed, 4*time.Minute)
	crash(recent, 2*time.Minute)

	// The process comes back (a fresh client: production timeouts and
	// rescue window, test polling and backoff).
	start := time.Now()
	MustStartClient(t, pool, MustSMTPSender(t, srv))
	Eventually(t, 30*time.Second, "the interrupted delivery to be sent", func() (bool, error) {
		return mustNotification(t, pool, crashed).Status == store.NotificationSent, nil
	})
	t.Logf("sent %s after the restart", time.Since(start).Round(time.Millisecond))
	if got := srv.WaitFor(1, 5*time.Second); len(got) != 1 || got[0].Get("Subject") != "Interrupted long ago" {
		t.Fatalf("received %d messages, want the interrupted one", len(got))
	}
	var errs string
	if err := pool.QueryRow(ctx, `SELECT array_to_string(errors, ' ') FROM river_job
		WHERE kind = 'notification_deliver' AND (args->>'notification_id')::bigint = $1`, crashed).Scan(&errs); err != nil || errs == "" {
		t.Errorf("the rescued job records no rescue (%v)", err)
	}
	// The rescuer has run (it rescued the first); the second is not yet
	// taken for dead.
	if states := jobStates(t, pool, recent); len(states) != 1 || states[0] != "running" {
		t.Errorf("a delivery started two minutes ago was rescued already: %v", states)
	}
	if n := mustNotification(t, pool, recent); n.Status != store.NotificationQueued {
		t.Errorf("the recent one: %+v", n)
	}
}
