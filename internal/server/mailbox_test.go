package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/mail"
	"careers/internal/store"
)

// mailbox is the real delivery path in tests: the server enqueues in its
// transaction, a River worker delivers into the development mailbox, and
// tests read what was delivered.
type mailbox struct {
	pool *pgxpool.Pool
	st   *store.Store
}

func newMailbox(tb testing.TB, pool *pgxpool.Pool, cfg config.Config, now func() time.Time) *mailbox {
	tb.Helper()
	st := store.New(pool)
	sender, err := mail.NewMailboxSender(st, mail.Origin{From: mail.AddressFrom(cfg.MailFrom)})
	if err != nil {
		tb.Fatal(err)
	}
	jc, err := jobs.New(pool, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), sender,
		jobs.WithPollInterval(50*time.Millisecond), jobs.WithClock(now))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := jc.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = jc.Stop(stop)
		cancel()
	})
	return &mailbox{pool: pool, st: st}
}

func (m *mailbox) enqueue(ctx context.Context, tx pgx.Tx, key, kind string, referralID *int64, msg mail.Message) error {
	_, err := jobs.Enqueue(ctx, tx, jobs.Notification{Key: key, Kind: kind, ReferralID: referralID, Message: msg})
	return err
}

// settle waits until every queued notification has been delivered, so a
// test can count what arrived (or did not).
func (m *mailbox) settle(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		// Link requests become notifications (or nothing) in their job.
		var queued int
		if err := m.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM notifications WHERE status = 'queued')
			+ (SELECT count(*) FROM link_requests)`).Scan(&queued); err != nil {
			tb.Fatal(err)
		}
		if queued == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d notifications or link requests still queued after 15s", queued)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// To returns the delivered messages addressed to address, oldest first.
func (m *mailbox) To(tb testing.TB, address string) []store.MailboxMessage {
	tb.Helper()
	m.settle(tb)
	list, err := m.st.MailboxMessages(context.Background(), 1000)
	if err != nil {
		tb.Fatal(err)
	}
	// Delivery order (ids), oldest first.
	sort.Slice(list, func(i, j int) bool { return list[i].ID > list[j].ID })
	var out []store.MailboxMessage
	for i := len(list) - 1; i >= 0; i-- {
		if strings.Contains(strings.ToLower(list[i].To), strings.ToLower(address)) {
			full, err := m.st.MailboxMessage(context.Background(), list[i].ID)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, full)
		}
	}
	return out
}

var linkRe = regexp.MustCompile(`https?://[^\s"<>]+token=[A-Za-z0-9_-]+`)

// MustLink returns the link in the newest message to address, as a path on
// the test server.
func (m *mailbox) MustLink(tb testing.TB, address string) string {
	tb.Helper()
	msgs := m.To(tb, address)
	if len(msgs) == 0 {
		tb.Fatalf("no message to %s", address)
	}
	last := msgs[len(msgs)-1]
	link := linkRe.FindString(last.Text)
	if link == "" {
		tb.Fatalf("the message to %s has no link:\n%s", address, last.Text)
	}
	u, err := url.Parse(link)
	if err != nil {
		tb.Fatal(err)
	}
	return u.RequestURI()
}
