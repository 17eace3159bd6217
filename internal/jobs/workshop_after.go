package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/store"
)

// After a workshop (issue 16): the email asking each attendee for
// feedback, once, and the destruction of an event's registrations when its
// own retention period ends.

// DefaultWorkshopRetentionMonths applies when the configuration gives none
// (the default of WORKSHOP_RETENTION_MONTHS): two years after the event.
const DefaultWorkshopRetentionMonths = 24

// FeedbackAskWithin is how long after a workshop's end its attendees are
// still asked for feedback: attendance marked by staff a few days late
// still brings the email; an old event's does not.
const FeedbackAskWithin = 14 * 24 * time.Hour

// FeedbackLinkLasts is how long the link in the feedback email works.
const FeedbackLinkLasts = 60 * 24 * time.Hour

type workshopFeedbackArgs struct{}

// Kind names the job in River.
func (workshopFeedbackArgs) Kind() string { return "workshop_feedback_asks" }

// InsertOpts keeps one run per quarter hour.
func (workshopFeedbackArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 15 * time.Minute}}
}

type workshopFeedbackWorker struct {
	river.WorkerDefaults[workshopFeedbackArgs]
	pool    *pgxpool.Pool
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
}

func (w *workshopFeedbackWorker) Work(ctx context.Context, _ *river.Job[workshopFeedbackArgs]) error {
	n, err := SendWorkshopFeedbackAsks(ctx, w.pool, w.baseURL, w.now(), 200)
	if n > 0 {
		w.log.InfoContext(ctx, "workshop feedback asks queued", "count", n)
	}
	return err
}

// SendWorkshopFeedbackAsks emails each attendee of a workshop that has
// ended (within FeedbackAskWithin) once, asking for feedback, with a fresh
// link to their place (store.NewWorkshopPlaceLink: only its hash is kept).
// One transaction; the rows are locked and marked asked in it, and the
// notification key refuses a second message anyway. It returns how many
// it queued, at most limit.
func SendWorkshopFeedbackAsks(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, now time.Time, limit int) (int, error) {
	sent := 0
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return store.New(pool).InTxWith(tx, func(st *store.Store) error {
			asks, err := st.LockFeedbackAsks(ctx, now.Add(-FeedbackAskWithin), now, limit)
			if err != nil {
				return err
			}
			for _, a := range asks {
				token, err := st.NewWorkshopPlaceLink(ctx, a.RegistrationID, now, now.Add(FeedbackLinkLasts))
				if err != nil {
					return err
				}
				base := baseURL.JoinPath("workshops", a.Slug, "your-place")
				m, err := notify.Write(ctx, notify.Letter{
					Subject:  "Thank you for coming: how was " + a.Title + "?",
					Greeting: "Dear " + a.Name + ",",
					Paragraphs: []string{
						"Thank you for coming to " + a.Title + " on " + a.StartsAt.In(london).Format("Monday 2 January 2006") + ".",
						"Please tell us how it was: one question, and a box for anything we could do better. It takes a minute and is up to you. We use the answers as anonymous figures to improve the workshops.",
						"You can also download your certificate of attendance from the same page.",
					},
					Link:      base.JoinPath("feedback").String() + "?token=" + token,
					LinkLabel: "Tell us how it was (no sign-in needed)",
					After:     []string{"The link works until " + now.Add(FeedbackLinkLasts).In(london).Format("2 January 2006") + "."},
				})
				if err != nil {
					return err
				}
				m.To = []mail.Address{{Name: a.Name, Email: a.Email}}
				if _, err := Enqueue(ctx, tx, Notification{Key: "workshop_feedback_ask:" + strconv.FormatInt(a.RegistrationID, 10),
					Kind: "workshop_feedback_ask", Message: m}); err != nil {
					return err
				}
				if err := st.MarkFeedbackAsked(ctx, a.RegistrationID, now); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("workshop feedback asks: %w", err)
	}
	return sent, nil
}

// WorkshopRetentionResult counts what a workshop retention run did.
type WorkshopRetentionResult struct {
	Destroyed int // workshops whose registrations were destroyed
	Skipped   int
	Failed    int
}

// RunWorkshopRetention destroys the registrations of every workshop whose
// retention period of months (from the event's end) has run out on the
// day of now (Europe/London), one transaction each, each recorded in the
// destruction register; a failure on one is logged by id and the others go
// ahead. It returns an error when it could not list what is due or failed
// on some workshop.
func RunWorkshopRetention(ctx context.Context, pool *pgxpool.Pool, now time.Time, months int, log *slog.Logger) (WorkshopRetentionResult, error) {
	var res WorkshopRetentionResult
	if months < 1 {
		return res, errors.New("workshop retention: the retention period must be at least one month")
	}
	st := store.New(pool)
	today := now.In(london)
	var failed []int64
	for {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("workshop retention: %w", err)
		}
		due, err := st.WorkshopsDueBy(ctx, today, months, retentionBatch+len(failed))
		if err != nil {
			return res, fmt.Errorf("workshop retention: %w", err)
		}
		progress := false
		for _, d := range due {
			if slices.Contains(failed, d.ID) {
				continue
			}
			progress = true
			_, err := st.DestroyWorkshopRegistrations(ctx, d.ID, now, months)
			switch {
			case err == nil:
				res.Destroyed++
			case errors.Is(err, store.ErrNotDue), errors.Is(err, store.ErrNotFound):
				res.Skipped++
				failed = append(failed, d.ID)
			default:
				if ctx.Err() != nil {
					return res, fmt.Errorf("workshop retention: %w", ctx.Err())
				}
				res.Failed++
				failed = append(failed, d.ID)
				log.ErrorContext(ctx, "retention: workshop registrations not destroyed", "workshop_id", d.ID, "error", err.Error())
			}
		}
		if !progress {
			break
		}
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("workshop retention: %d workshops could not be done", res.Failed)
	}
	return res, nil
}

var _ river.Worker[workshopFeedbackArgs] = (*workshopFeedbackWorker)(nil)
