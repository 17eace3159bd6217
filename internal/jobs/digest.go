package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"
	_ "time/tzdata" // Europe/London must resolve even in a minimal container image

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"careers/internal/mail"
	"careers/internal/store"
)

// DigestHour is the hour (Europe/London) from which the day's deadline
// digest is sent: the first hourly run at or after it sends it.
const DigestHour = 7

// DigestWindowDays is how close a response deadline must be for a referral
// to be listed (deadlines already passed are listed too).
const DigestWindowDays = 3

// london is the unit's time zone: "today" and calendar days are counted in it.
var london = mustLoadLocation("Europe/London")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot happen
	}
	return loc
}

// digestArgs is the periodic job that queues the day's deadline digests.
type digestArgs struct{}

// Kind names the job in River.
func (digestArgs) Kind() string { return "deadline_digest" }

// InsertOpts keeps one digest job per half hour however many leaders or
// restarts come and go.
func (digestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Minute}}
}

type digestWorker struct {
	river.WorkerDefaults[digestArgs]
	pool    *pgxpool.Pool
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
}

func (w *digestWorker) Work(ctx context.Context, _ *river.Job[digestArgs]) error {
	now := w.now()
	if now.In(london).Hour() < DigestHour {
		return nil
	}
	n, err := enqueueDeadlineDigests(ctx, w.pool, w.baseURL, now, w.log)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.InfoContext(ctx, "deadline digests queued", "count", n)
	}
	return nil
}

// enqueueDeadlineDigests queues today's deadline digest for every active
// coordinator, listing the referrals waiting for a first response whose
// 14-day deadline is at most DigestWindowDays days after today (Europe/London
// at now), or already past. Nothing is queued when there are none. Each
// digest's key is the coordinator and the date, so running it again the
// same day queues nothing new; it returns how many digests it queued.
func enqueueDeadlineDigests(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, now time.Time, log *slog.Logger) (int, error) {
	st := store.New(pool)
	today := now.In(london)
	refs, err := st.ReferralsNearResponseDeadline(ctx, today, DigestWindowDays)
	if err != nil {
		return 0, fmt.Errorf("deadline digest: %w", err)
	}
	if len(refs) == 0 {
		return 0, nil
	}
	coordinators, err := st.DeadlineDigestRecipients(ctx)
	if err != nil {
		return 0, fmt.Errorf("deadline digest: %w", err)
	}
	items := make([]mail.DeadlineItem, 0, len(refs))
	for _, r := range refs {
		items = append(items, mail.DeadlineItem{Reference: r.Reference, Route: r.Route, Deadline: r.Deadline})
	}
	date := today.Format(time.DateOnly)

	var ns []Notification
	for _, c := range coordinators {
		to := mail.Address{Name: c.Name, Email: c.Email}
		m, err := mail.DeadlineDigest(ctx, to, mail.DeadlineDigestData{
			Name: c.Name, Today: today, Referrals: items, QueueURL: queueURL(baseURL),
		})
		if err != nil {
			return 0, fmt.Errorf("deadline digest: %w", err)
		}
		n := Notification{Key: "deadline_digest:" + strconv.FormatInt(c.ID, 10) + ":" + date, Kind: "deadline_digest", Message: m}
		if err := n.validate(); err != nil {
			// One coordinator with an address we cannot send to must not stop
			// the others' digests.
			log.WarnContext(ctx, "deadline digest skipped", "staff_user_id", c.ID, "error", err.Error())
			continue
		}
		ns = append(ns, n)
	}
	queued := 0
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, n := range ns {
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
		return 0, fmt.Errorf("deadline digest: %w", err)
	}
	return queued, nil
}
