package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/mail"
	"careers/internal/policy"
	"careers/internal/store"
)

// mailbox is the real delivery path in tests: the server enqueues in its
// transaction, a River worker delivers into the development mailbox, and
// tests read what was delivered.
type mailbox struct {
	pool *pgxpool.Pool
	st   *store.Store
	// wrongAudience collects emails about a referral sent to someone other
	// than the recipient the audience table gives their kind.
	mu            sync.Mutex
	wrongAudience []string
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
	m := &mailbox{pool: pool, st: st}
	// Every test that sends email about a referral checks each went to
	// the recipient its kind has in the audience table.
	tb.Cleanup(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, w := range m.wrongAudience {
			tb.Errorf("email outside the audience table: %s", w)
		}
	})
	return m
}

func (m *mailbox) enqueue(ctx context.Context, tx pgx.Tx, key, kind string, referralID *int64, msg mail.Message) error {
	if referralID != nil {
		if w := recipientsFit(ctx, tx, kind, *referralID, msg); w != "" {
			m.mu.Lock()
			m.wrongAudience = append(m.wrongAudience, w)
			m.mu.Unlock()
		}
	}
	_, err := jobs.Enqueue(ctx, tx, jobs.Notification{Key: key, Kind: kind, ReferralID: referralID, Message: msg})
	return err
}

// recipientsFit checks an email about a referral goes to the viewer its
// kind has in the audience table (policy.EmailOf): the trainee, the
// supervisor who referred, the Case Manager who referred, or the coach
// (allocated, or of one of its sessions for that session's invitation).
func recipientsFit(ctx context.Context, tx pgx.Tx, kind string, referralID int64, msg mail.Message) string {
	e, ok := policy.EmailOf(kind)
	if !ok {
		return kind + ": not in the table"
	}
	var trainee, referrer, cm string
	var coaches []string
	err := tx.QueryRow(ctx, `SELECT r.trainee_email, coalesce(r.referrer_email, ''), coalesce(cm.email, ''),
			array_remove(array_cat(ARRAY[co.email], coalesce((SELECT array_agg(u.email) FROM appointments a
				JOIN staff_users u ON u.id = a.coach_id WHERE a.referral_id = r.id), '{}')), NULL)
		FROM referrals r LEFT JOIN staff_users cm ON cm.id = r.case_manager_id LEFT JOIN staff_users co ON co.id = r.coach_id
		WHERE r.id = $1`, referralID).Scan(&trainee, &referrer, &cm, &coaches)
	if err != nil {
		return kind + ": " + err.Error()
	}
	for _, to := range msg.To {
		var fits bool
		switch e.To {
		case policy.ViewerTrainee:
			fits = strings.EqualFold(to.Email, trainee)
		case policy.ViewerSupervisor:
			fits = referrer != "" && strings.EqualFold(to.Email, referrer)
		case policy.ViewerCaseManager:
			fits = cm != "" && strings.EqualFold(to.Email, cm)
		case policy.ViewerCoach:
			for _, c := range coaches {
				fits = fits || strings.EqualFold(to.Email, c)
			}
		case policy.ViewerTeam:
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM staff_users WHERE lower(email) = lower($1) AND active
				AND roles && ARRAY['coordinator', 'psu_lead'])`, to.Email).Scan(&fits); err != nil {
				return kind + ": " + err.Error()
			}
		}
		if !fits {
			return kind + " went to someone who is not the " + e.To.Label()
		}
	}
	return ""
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
