package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"careers/internal/store"
)

// DefaultRetentionMonths applies when the configuration gives none (the
// default of RETENTION_MONTHS): six years after a referral finishes.
const DefaultRetentionMonths = 72

// DraftAbandonedAfter is how long a referral form that was never submitted
// is kept after its last change. Drafts hold what a person typed (names,
// reasons), so they are not kept for the sake of it.
const DraftAbandonedAfter = 30 * 24 * time.Hour

// LooseMessagesKeptFor is how long an email that belongs to no referral (a
// sign-in link, a staff invitation, the deadline digest) is kept once sent
// or given up: long enough to answer "did my link arrive?", no longer.
const LooseMessagesKeptFor = 90 * 24 * time.Hour

// SpentLinksKeptFor is how long a used or expired one-time link's row is
// kept (it holds the address the link was sent to).
const SpentLinksKeptFor = 30 * 24 * time.Hour

// retentionBatch is how many referrals one query lists; each is then
// destroyed in its own transaction.
const retentionBatch = 200

type retentionArgs struct{}

// Kind names the job in River.
func (retentionArgs) Kind() string { return "retention" }

// InsertOpts keeps one run per hour however many leaders or restarts come
// and go; a rerun destroys nothing more anyway.
func (retentionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

type retentionWorker struct {
	river.WorkerDefaults[retentionArgs]
	pool   *pgxpool.Pool
	months int
	// workshopMonths is the workshops' own period (WORKSHOP_RETENTION_MONTHS).
	workshopMonths int
	now            func() time.Time
	log            *slog.Logger
}

// Timeout is longer than the client's default: a backlog (the first run,
// or after the job has been down) can take a while. A run cut short returns
// an error and River runs it again, which carries on where it stopped (what
// was destroyed stays destroyed); an interrupted run is rescued once this
// has passed.
func (w *retentionWorker) Timeout(*river.Job[retentionArgs]) time.Duration { return RetentionTimeout }

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[retentionArgs]) error {
	res, err := RunRetention(ctx, w.pool, w.now(), w.months, w.log)
	w.log.InfoContext(ctx, "retention run", "destroyed", res.Destroyed, "skipped", res.Skipped,
		"failed", res.Failed, "drafts_deleted", res.Drafts, "messages_deleted", res.Messages, "links_deleted", res.Links,
		"retention_months", w.months)
	// Workshops' registrations have a period of their own (issue 16).
	wres, werr := RunWorkshopRetention(ctx, w.pool, w.now(), w.workshopMonths, w.log)
	w.log.InfoContext(ctx, "workshop retention run", "destroyed", wres.Destroyed, "skipped", wres.Skipped, "failed", wres.Failed,
		"retention_months", w.workshopMonths)
	return errors.Join(err, werr)
}

// RetentionResult counts what a run did.
type RetentionResult struct {
	Destroyed int   // referrals destroyed
	Skipped   int   // changed after they were listed (reopened, held)
	Failed    int   // could not be destroyed this time (logged)
	Drafts    int64 // abandoned referral forms deleted
	Messages  int64 // old emails that belong to no referral deleted
	Links     int64 // used or expired one-time links deleted
}

// RunRetention destroys every finished referral whose retention period of
// months has run out on the day of now (Europe/London) and is not under a
// legal hold, one transaction each: a failure on one is logged, by id only,
// and the others go ahead. Then it deletes referral forms abandoned for
// DraftAbandonedAfter, emails that belong to no referral after
// LooseMessagesKeptFor, and spent one-time links after SpentLinksKeptFor.
// It returns an error only when it could not list
// what is due or failed on some referral, so that River records the run as
// failed; what was destroyed stays destroyed.
func RunRetention(ctx context.Context, pool *pgxpool.Pool, now time.Time, months int, log *slog.Logger) (RetentionResult, error) {
	var res RetentionResult
	if months < 1 {
		return res, errors.New("retention: the retention period must be at least one month")
	}
	st := store.New(pool)
	today := now.In(london)
	// Referrals that failed are not listed again in this run, so one that
	// always fails cannot keep the run going round.
	var failed []int64
	for {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("retention: %w", err)
		}
		due, err := st.ReferralsDueBy(ctx, today, months, retentionBatch+len(failed), false)
		if err != nil {
			return res, fmt.Errorf("retention: %w", err)
		}
		progress := false
		for _, d := range due {
			if slices.Contains(failed, d.ID) {
				continue
			}
			progress = true
			_, err := st.DestroyReferral(ctx, d.ID, now, months)
			switch {
			case err == nil:
				res.Destroyed++
			case errors.Is(err, store.ErrNotDue), errors.Is(err, store.ErrOnHold), errors.Is(err, store.ErrNotFound):
				res.Skipped++
				failed = append(failed, d.ID) // not due after all: do not list it again
			default:
				if ctx.Err() != nil {
					return res, fmt.Errorf("retention: %w", ctx.Err())
				}
				res.Failed++
				failed = append(failed, d.ID)
				// The id and the error only: errors from the store name
				// tables and constraints, never the referral's contents.
				log.ErrorContext(ctx, "retention: referral not destroyed", "referral_id", d.ID, "error", err.Error())
			}
		}
		if !progress {
			break
		}
	}
	n, err := st.DeleteAbandonedDrafts(ctx, now.Add(-DraftAbandonedAfter), 10000)
	res.Drafts = n
	if err != nil {
		return res, fmt.Errorf("retention: %w", err)
	}
	if res.Messages, err = st.DeleteOldLooseMessages(ctx, now.Add(-LooseMessagesKeptFor), 10000); err != nil {
		return res, fmt.Errorf("retention: %w", err)
	}
	if res.Links, err = st.DeleteSpentLinks(ctx, now.Add(-SpentLinksKeptFor), now, 10000); err != nil {
		return res, fmt.Errorf("retention: %w", err)
	}
	// A link request is worked within seconds; one a day old was given up.
	if _, err = st.DeleteStaleLinkRequests(ctx, now.Add(-24*time.Hour), 10000); err != nil {
		return res, fmt.Errorf("retention: %w", err)
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("retention: %d referrals could not be destroyed", res.Failed)
	}
	return res, nil
}

var _ river.Worker[retentionArgs] = (*retentionWorker)(nil)
