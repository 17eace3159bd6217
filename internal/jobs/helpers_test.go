package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/auth"
	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/mail"
	"careers/internal/mail/mailtest"
	"careers/internal/store"
	"careers/internal/testdb"
)

// MustDB is a fresh migrated database with River's tables.
func MustDB(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool := testdb.NewPool(tb)
	// Idempotent: harmless once the test template includes River's schema.
	if err := jobs.Migrate(context.Background(), pool); err != nil {
		tb.Fatalf("jobs.Migrate: %v", err)
	}
	return pool
}

func testConfig(tb testing.TB) config.Config {
	tb.Helper()
	u, err := url.Parse("https://careers.example.nhs.uk")
	if err != nil {
		tb.Fatal(err)
	}
	key, err := auth.ParseSecretKey(testdb.SecretKey)
	if err != nil {
		tb.Fatal(err)
	}
	return config.Config{Env: config.Development, BaseURL: u, MailFrom: &netmail.Address{Name: "Careers support", Address: "careers@localhost"},
		SecretKey: key}
}

var testOrigin = mail.Origin{From: mail.Address{Name: "Careers support", Email: "careers@psu.example.nhs.uk"}}

// MustSMTPSender sends to srv.
func MustSMTPSender(tb testing.TB, srv *mailtest.Server) mail.Sender {
	tb.Helper()
	s, err := mail.NewSMTPSender(srv.URL(), testOrigin, mail.WithSMTPTimeout(5*time.Second))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// MustStartClient starts a client that polls and retries in milliseconds,
// and stops it when the test ends.
func MustStartClient(tb testing.TB, pool *pgxpool.Pool, sender mail.Sender, opts ...jobs.Option) *jobs.Client {
	tb.Helper()
	opts = append([]jobs.Option{
		jobs.WithPollInterval(20 * time.Millisecond),
		jobs.WithBackoff(func(int) time.Duration { return 20 * time.Millisecond }),
	}, opts...)
	c, err := jobs.New(pool, testConfig(tb), slog.New(slog.DiscardHandler), sender, opts...)
	if err != nil {
		tb.Fatalf("jobs.New: %v", err)
	}
	if err := c.Start(context.Background()); err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			tb.Errorf("Stop: %v", err)
		}
	})
	return c
}

func testMessage(subject string) mail.Message {
	return mail.Message{
		To:      []mail.Address{{Name: "Alex Trainee", Email: "alex@example.org"}},
		Subject: subject,
		Text:    "Hello Alex,\n\n" + subject + "\n",
		HTML:    "<p>Hello Alex,</p><p>" + subject + "</p>",
	}
}

// MustEnqueue records n in its own committed transaction.
func MustEnqueue(tb testing.TB, pool *pgxpool.Pool, n jobs.Notification) int64 {
	tb.Helper()
	var id int64
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		var err error
		id, err = jobs.Enqueue(context.Background(), tx, n)
		return err
	})
	if err != nil {
		tb.Fatalf("Enqueue: %v", err)
	}
	return id
}

// MustReferral inserts a referral (the change that causes a message).
func MustReferral(tb testing.TB, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, reference string) int64 {
	tb.Helper()
	var id int64
	if err := q.QueryRow(context.Background(), `
		INSERT INTO referrals (reference, route, status, trainee_name, trainee_email)
		VALUES ($1, 'self', 'new', 'Alex Trainee', 'alex@example.org') RETURNING id`, reference).Scan(&id); err != nil {
		tb.Fatalf("insert referral: %v", err)
	}
	return id
}

// Eventually polls cond until it holds or timeout passes.
func Eventually(tb testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			tb.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustNotification(tb testing.TB, pool *pgxpool.Pool, id int64) store.Notification {
	tb.Helper()
	n, err := store.New(pool).Notification(context.Background(), id)
	if err != nil {
		tb.Fatalf("notification %d: %v", id, err)
	}
	return n
}

func waitStatus(tb testing.TB, pool *pgxpool.Pool, id int64, status string) store.Notification {
	tb.Helper()
	var n store.Notification
	Eventually(tb, 10*time.Second, fmt.Sprintf("notification %d to be %s", id, status), func() (bool, error) {
		n = mustNotification(tb, pool, id)
		return n.Status == status, nil
	})
	return n
}

// jobStates lists the River states of the delivery jobs of notification id.
func jobStates(tb testing.TB, pool *pgxpool.Pool, id int64) []string {
	tb.Helper()
	rows, _ := pool.Query(context.Background(), `
		SELECT state::text FROM river_job
		WHERE kind = 'notification_deliver' AND (args->>'notification_id')::bigint = $1 ORDER BY id`, id)
	states, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatal(err)
	}
	return states
}

func count(tb testing.TB, pool *pgxpool.Pool, sql string, args ...any) int {
	tb.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// startWorkers starts c for the rest of the test, stopping it at cleanup.
func startWorkers(t *testing.T, c *jobs.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = c.Stop(stop)
	})
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
}
