package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"careers/internal/auth"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/outcomes"
	"careers/internal/store"
)

type followUpArgs struct{}

// Kind names the job in River.
func (followUpArgs) Kind() string { return "outcome_followups" }

// InsertOpts keeps one run per hour.
func (followUpArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

type followUpWorker struct {
	river.WorkerDefaults[followUpArgs]
	pool    *pgxpool.Pool
	baseURL *url.URL
	months  int
	now     func() time.Time
	log     *slog.Logger
}

func (w *followUpWorker) Work(ctx context.Context, _ *river.Job[followUpArgs]) error {
	n, err := SendFollowUps(ctx, w.pool, w.baseURL, w.now(), w.months, 200)
	if n > 0 {
		w.log.InfoContext(ctx, "outcome follow-ups queued", "count", n)
	}
	return err
}

// FollowUpPath is the page a follow-up link opens (the token rides in its
// query string, the only thing in it).
const FollowUpPath = "/outcomes/follow-up"

// SendFollowUps sends the six-month follow-up of the outcome questionnaire:
// one email once it is due, one reminder at most, never to a trainee
// outcomes.NeverAsk refuses (withdrew, asked not to be contacted, no
// session, record destroyed before the follow-up ends). Each email carries
// a fresh link whose hash only is kept. One transaction, rows locked so
// workers running at once cannot send twice (and the notification key
// would refuse a second message anyway). It returns how many it queued.
func SendFollowUps(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, now time.Time, months, limit int) (int, error) {
	// Closed between the longest ago that can still be in its window and
	// the latest that can be due now (a day's slack on each side for the
	// clock change; outcomes.Next decides exactly).
	oldest := now.AddDate(0, -outcomes.FollowUpMonths, -1).Add(-outcomes.Window)
	newest := now.AddDate(0, -outcomes.FollowUpMonths, 1)
	sent := 0
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return store.New(pool).InTxWith(tx, func(st *store.Store) error {
			cs, err := st.LockFollowUpCandidates(ctx, oldest, newest, now.Add(-outcomes.ReminderAfter), months, limit)
			if err != nil {
				return err
			}
			for _, c := range cs {
				f := outcomes.Facts{Status: c.Status, Outcome: c.Outcome, ClosedAt: c.ClosedAt, Attended: c.Attended,
					OptedOut: c.OptedOut, Answered: c.Answered, DestroyOn: destroyDay(c.DestroyOn), SentAt: c.SentAt, Reminded: c.Reminded}
				what := outcomes.Next(f, now)
				if what == outcomes.SendNothing {
					continue
				}
				token, hash := auth.NewToken()
				reminder := what == outcomes.SendReminder
				if err := st.MarkFollowUpSent(ctx, c.ID, reminder, hash, now, outcomes.WindowEnd(c.ClosedAt)); err != nil {
					return err
				}
				kind, subject, first := "outcome_followup", "Six months on: two questions about your careers support",
					"Six months ago your careers support with us came to an end. We would like to know where you are now, and whether the support still helps. There are two questions, and you do not have to answer them."
				if reminder {
					kind, subject, first = "outcome_followup_reminder", "A reminder: two questions about your careers support",
						"A reminder, and the last we will send: we would like to know where you are now, and whether the support still helps. There are two questions, and you do not have to answer them."
				}
				m, err := notify.Write(ctx, notify.Letter{
					Subject:    subject,
					Greeting:   "Dear " + c.TraineeName + ",",
					Paragraphs: []string{first, "Your answers are used only as anonymous figures for the unit and those who fund it, and are never shown to your Case Manager or to anyone who referred you."},
					Link:       baseURL.JoinPath(FollowUpPath).String() + "?token=" + token,
					LinkLabel:  "Answer two questions (no sign-in needed)",
					After:      []string{"The link works until " + outcomes.WindowEnd(c.ClosedAt).In(london).Format("2 January 2006") + ". On that page you can also ask us not to contact you again."},
				})
				if err != nil {
					return err
				}
				m.To = []mail.Address{{Name: c.TraineeName, Email: c.TraineeEmail}}
				id := c.ID
				if _, err := Enqueue(ctx, tx, Notification{Key: kind + ":" + c.Reference, Kind: kind, ReferralID: &id, Message: m}); err != nil {
					return err
				}
				if err := st.AddEvent(ctx, c.ID, now, "outcome_followup_sent", "system", 0, "The six-month outcome questions were emailed to the trainee"); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("outcome follow-ups: %w", err)
	}
	return sent, nil
}

// destroyDay is the London date the store gives (midnight UTC) as the
// start of that day in London.
func destroyDay(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, london)
}

var _ river.Worker[followUpArgs] = (*followUpWorker)(nil)
