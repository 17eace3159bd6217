package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/store"
)

// The periodic side of telling people it is their turn (issue 14): the
// PSU leads' morning digest of requests waiting for them, and the
// trainee's reminder to write the summary of a session they attended.

// leadDigestArgs is the periodic job that queues the leads' digest.
type leadDigestArgs struct{}

// Kind names the job in River.
func (leadDigestArgs) Kind() string { return "lead_digest" }

// InsertOpts keeps one job per half hour however many leaders come and go.
func (leadDigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Minute}}
}

type leadDigestWorker struct {
	river.WorkerDefaults[leadDigestArgs]
	pool    *pgxpool.Pool
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
}

func (w *leadDigestWorker) Work(ctx context.Context, _ *river.Job[leadDigestArgs]) error {
	now := w.now()
	if now.In(london).Hour() < DigestHour {
		return nil
	}
	n, err := SendLeadDigests(ctx, w.pool, w.baseURL, now)
	if n > 0 {
		w.log.InfoContext(ctx, "lead digests queued", "count", n)
	}
	return err
}

// SendLeadDigests queues today's digest for every active PSU lead: one
// email listing, by reference only, the Form D funding and extension
// requests waiting for a decision (nothing when none wait). Each digest's
// key is the lead and the date, so a second run the same day queues
// nothing; it returns how many it queued.
func SendLeadDigests(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, now time.Time) (int, error) {
	st := store.New(pool)
	waiting, err := st.LeadRequestsWaiting(ctx)
	if err != nil || !waiting.Any() {
		return 0, err
	}
	leads, err := st.LeadDigestRecipients(ctx)
	if err != nil {
		return 0, err
	}
	date := now.In(london).Format(time.DateOnly)
	queued := 0
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, l := range leads {
			m, err := notify.LeadDigest(ctx, l.Name, waiting.Funding, waiting.Extensions, baseURL.JoinPath("staff", "lead").String())
			if err != nil {
				return err
			}
			m.To = []mail.Address{{Name: l.Name, Email: l.Email}}
			n := Notification{Key: "lead_digest:" + strconv.FormatInt(l.ID, 10) + ":" + date, Kind: "lead_digest", Message: m}
			if err := n.validate(); err != nil {
				continue // one lead's unusable address must not stop the others'
			}
			_, created, err := enqueue(ctx, tx, n)
			if err != nil {
				return err
			}
			if created {
				queued++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("lead digest: %w", err)
	}
	return queued, nil
}

// SummaryReminderAfter is how long after a session the trainee attended
// they are reminded (once) to write its summary, if they have not.
const SummaryReminderAfter = 48 * time.Hour

type summaryRemindArgs struct{}

// Kind names the job in River.
func (summaryRemindArgs) Kind() string { return "summary_reminders" }

// InsertOpts keeps one run per half hour.
func (summaryRemindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Minute}}
}

type summaryRemindWorker struct {
	river.WorkerDefaults[summaryRemindArgs]
	pool    *pgxpool.Pool
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
}

func (w *summaryRemindWorker) Work(ctx context.Context, _ *river.Job[summaryRemindArgs]) error {
	n, err := SendSummaryReminders(ctx, w.pool, w.baseURL, w.now(), 200)
	if n > 0 {
		w.log.InfoContext(ctx, "summary reminders queued", "count", n)
	}
	return err
}

// SendSummaryReminders reminds each trainee whose attended session ended
// SummaryReminderAfter ago without a submitted summary, once per session,
// and returns how many it queued (at most limit).
func SendSummaryReminders(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, now time.Time, limit int) (int, error) {
	sent := 0
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return store.New(pool).InTxWith(tx, func(st *store.Store) error {
			due, err := st.DueSummaryReminders(ctx, now.Add(-SummaryReminderAfter), limit)
			if err != nil {
				return err
			}
			ids := make([]int64, 0, len(due))
			for _, a := range due {
				when := a.Start.In(london).Format("Monday 2 January")
				link := baseURL.JoinPath("your-referrals", a.Reference, "appointments", strconv.FormatInt(a.ID, 10), "summary").String()
				m, err := notify.TraineeSummaryReminder(ctx, a.TraineeName, when, link)
				if err != nil {
					return err
				}
				m.To = []mail.Address{{Name: a.TraineeName, Email: a.TraineeEmail}}
				if _, err := Enqueue(ctx, tx, Notification{Key: "summary_reminder:" + strconv.FormatInt(a.ID, 10), Kind: "summary_reminder",
					ReferralID: &a.ReferralID, Message: m}); err != nil {
					return err
				}
				ids = append(ids, a.ID)
			}
			if len(ids) == 0 {
				return nil
			}
			sent = len(ids)
			return st.MarkSummaryReminded(ctx, ids, now)
		})
	})
	if err != nil {
		return 0, fmt.Errorf("summary reminders: %w", err)
	}
	return sent, nil
}
