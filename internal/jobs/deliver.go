package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"careers/internal/mail"
	"careers/internal/store"
	"careers/internal/telemetry"
)

// Delivery retries. A message is tried DefaultMaxAttempts times; the wait
// after attempt n is 30 seconds doubled n-1 times, at most 4 hours, give or
// take 10% so that queued messages do not all hit a recovering server at
// once: 30s, 1m, 2m, 4m, 8m, 16m, 32m, 64m, 2h8m, then 4h twice. The last
// attempt is about 12 hours after the first, which rides out a night-long
// mail server outage; after it the notification shows as failed and staff
// can retry it from /staff/messages.
const (
	DefaultMaxAttempts = 12
	backoffBase        = 30 * time.Second
	backoffMax         = 4 * time.Hour
)

// DefaultBackoff is the wait after failed attempt number attempt (from 1).
func DefaultBackoff(attempt int) time.Duration {
	d := backoffBase
	for i := 1; i < attempt && d < backoffMax; i++ {
		d *= 2
	}
	d = min(d, backoffMax)
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + jitter
}

// deliverWorker sends one notification.
//
// Exactly once: the worker locks the notification's row (SELECT … FOR
// UPDATE) in a transaction, returns at once if it is already sent, sends,
// and then marks it sent and completes the River job in that same
// transaction (river.JobCompleteTx). A second delivery of the same
// notification (a duplicate job, River rescuing a job it thinks is stuck,
// a staff retry racing a running attempt) waits on the lock and then finds
// it sent. The one window left is between the mail server accepting the
// message and the commit: if the process dies or the database is lost in
// that instant, the job runs again and the message is sent twice. No
// protocol closes it (SMTP has no transactions); the Message-ID is the same
// on every attempt, so mail systems that deduplicate can drop the copy.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	pool        *pgxpool.Pool
	st          *store.Store
	sender      mail.Sender
	log         *slog.Logger
	maxAttempts int
	backoff     func(attempt int) time.Duration
	metrics     *telemetry.Metrics
}

// Timeout bounds one attempt: the SMTP conversation has its own shorter
// timeouts, this is the backstop.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration { return DeliveryTimeout }

// NextRetry applies the backoff.
func (w *deliverWorker) NextRetry(job *river.Job[deliverArgs]) time.Time {
	return time.Now().Add(w.backoff(job.Attempt))
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	id := job.Args.NotificationID
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("deliver notification %d: %w", id, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	n, err := store.LockNotification(ctx, tx, id)
	if errors.Is(err, store.ErrNotFound) {
		// Deleted with its referral: nothing to send.
		w.log.InfoContext(ctx, "notification gone before delivery", "notification_id", id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("deliver notification %d: %w", id, err)
	}
	if n.Status != store.NotificationQueued {
		// Sent already (a duplicate job), or failed and not retried.
		return nil
	}

	// WithTx lets the development mailbox keep the message in this same
	// transaction (exactly once); SMTP ignores it.
	sendErr := w.sender.Send(mail.WithTx(ctx, tx), message(n))
	if sendErr == nil {
		if err := store.MarkNotificationSent(ctx, tx, id); err != nil {
			return fmt.Errorf("deliver notification %d: %w", id, err)
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("deliver notification %d: complete job: %w", id, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("deliver notification %d: commit: %w", id, err)
		}
		w.metrics.EmailSent()
		w.log.InfoContext(ctx, "notification sent", "notification_id", id, "kind", n.Kind, "attempt", job.Attempt)
		return nil
	}

	_ = tx.Rollback(ctx)
	summary := failureText(sendErr)
	final := mail.IsPermanent(sendErr) || job.Attempt >= min(job.MaxAttempts, w.maxAttempts)
	w.metrics.EmailFailed(final)
	if err := w.st.RecordNotificationFailure(ctx, id, summary, final); err != nil && !errors.Is(err, store.ErrNotFound) {
		w.log.ErrorContext(ctx, "recording a delivery failure", "notification_id", id, "error", err.Error())
	}
	w.log.WarnContext(ctx, "notification not delivered", "notification_id", id, "kind", n.Kind,
		"attempt", job.Attempt, "final", final, "error", summary)
	if final {
		// Cancel rather than let River discard it: the notification row now
		// says failed, and a retry queues a new job.
		return river.JobCancel(errors.New(summary))
	}
	return errors.New(summary)
}

// failureText is what staff see and River stores: the sender's safe summary,
// never the server's own words (they quote addresses).
func failureText(err error) string {
	var se *mail.SendError
	switch {
	case errors.As(err, &se):
		return se.Summary
	case errors.Is(err, mail.ErrInvalidMessage):
		return "the message is not valid"
	case errors.Is(err, context.DeadlineExceeded):
		return "sending took too long"
	}
	return "sending failed"
}

// message rebuilds the mail message from the recorded notification.
func message(n store.Notification) mail.Message {
	m := mail.Message{Subject: n.Subject, Text: n.Text, HTML: n.HTML, MessageID: n.MessageToken}
	for _, r := range n.To {
		m.To = append(m.To, mail.Address{Name: r.Name, Email: r.Email})
	}
	for _, a := range n.Attachments {
		m.Attachments = append(m.Attachments, mail.Attachment{Filename: a.Filename, ContentType: a.ContentType, Content: a.Content})
	}
	return m
}

var _ river.Worker[deliverArgs] = (*deliverWorker)(nil)
