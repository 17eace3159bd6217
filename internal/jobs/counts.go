package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"careers/internal/store"
)

// foldCountsArgs asks for the referral status changes recorded since the
// last run to be folded into the counts (store.FoldReferralStatusChanges).
// The counts are exact either way; folding keeps what a read adds up
// small.
type foldCountsArgs struct{}

// Kind names the job in River.
func (foldCountsArgs) Kind() string { return "referral_status_counts" }

// InsertOpts keeps one run per minute.
func (foldCountsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

type foldCountsWorker struct {
	river.WorkerDefaults[foldCountsArgs]
	st *store.Store
}

func (w *foldCountsWorker) Work(ctx context.Context, _ *river.Job[foldCountsArgs]) error {
	_, err := w.st.FoldReferralStatusChanges(ctx)
	return err
}
