package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"careers/internal/jobs"
	"careers/internal/mail/mailtest"
)

// The workers fold the referral status changes into the queue's counts
// when they start (and every minute after).
func TestStatusCountsFoldedWhenWorkersStart(t *testing.T) {
	t.Parallel()
	pool := MustDB(t)
	for _, ref := range []string{"CR-FOLD-0001", "CR-FOLD-0002"} {
		if _, err := pool.Exec(context.Background(), `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email)
			VALUES ($1, 'self', 'new', 'Alex Trainee', 'alex@example.org')`, ref); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM referral_status_changes`); n != 2 {
		t.Fatalf("%d changes recorded for two new referrals, want 2", n)
	}
	c, err := jobs.New(pool, testConfig(t), slog.New(slog.DiscardHandler), MustSMTPSender(t, mailtest.Start(t)))
	if err != nil {
		t.Fatal(err)
	}
	startWorkers(t, c)
	Eventually(t, 15*time.Second, "the changes to be folded", func() (bool, error) {
		return count(t, pool, `SELECT count(*) FROM referral_status_changes`) == 0, nil
	})
	if n := count(t, pool, `SELECT coalesce(sum(n), 0) FROM referral_status_counts WHERE status = 'new'`); n != 2 {
		t.Errorf("%d new referrals counted after folding, want 2", n)
	}
}
