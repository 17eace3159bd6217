package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"careers/internal/mail"
	"careers/internal/policy"
	"careers/internal/store"
)

// Notification is a message to send because something happened.
type Notification struct {
	// Key identifies the notification: enqueueing the same key twice records
	// one notification and sends one message. Build it from what makes the
	// message unique, e.g. "invite:<user id>:<token id>". At most 300
	// characters; no personal data (it may appear in logs of the database).
	Key string
	// Kind names the kind of message in logs and the notification log:
	// lower case letters, digits and underscores, e.g. "staff_invite".
	Kind string
	// ReferralID puts the notification in that referral's notification log.
	ReferralID *int64
	// Message is the rendered message. Its MessageID is ignored: the queue
	// fixes one per notification.
	Message mail.Message
}

// ErrInvalidNotification is wrapped by Enqueue's errors for a notification
// that could never be sent (bad key, kind or message).
var ErrInvalidNotification = errors.New("jobs: invalid notification")

var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

func (n Notification) validate() error {
	if n.Key == "" || len(n.Key) > 300 {
		return fmt.Errorf("%w: the key must be 1 to 300 characters", ErrInvalidNotification)
	}
	for _, r := range n.Key {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: the key has a control character", ErrInvalidNotification)
		}
	}
	if !kindPattern.MatchString(n.Kind) {
		return fmt.Errorf("%w: the kind must be lower case letters, digits and underscores", ErrInvalidNotification)
	}
	// An email about a referral says what it carries and to whom in the
	// audience table; one the table does not know is never sent.
	if n.ReferralID != nil {
		if _, ok := policy.EmailOf(n.Kind); !ok {
			return fmt.Errorf("%w: the kind %q of an email about a referral is not in policy's audience table", ErrInvalidNotification, n.Kind)
		}
	}
	if err := n.Message.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidNotification, err)
	}
	return nil
}

// Enqueue records a notification and its delivery job in the caller's
// transaction. If tx rolls back, nothing is sent; if it commits, the message
// is delivered once (see deliverWorker for the one remaining window). A key
// already recorded returns the existing notification's id and queues
// nothing more.
func Enqueue(ctx context.Context, tx pgx.Tx, n Notification) (id int64, err error) {
	id, _, err = enqueue(ctx, tx, n)
	return id, err
}

func enqueue(ctx context.Context, tx pgx.Tx, n Notification) (id int64, created bool, err error) {
	if err := n.validate(); err != nil {
		return 0, false, err
	}
	rec := store.NewNotification{
		Key:        n.Key,
		Kind:       n.Kind,
		ReferralID: n.ReferralID,
		Subject:    mail.HeaderText(n.Message.Subject, mail.MaxSubjectRunes),
		Text:       n.Message.Text,
		HTML:       n.Message.HTML,
	}
	for _, a := range n.Message.To {
		rec.To = append(rec.To, store.Recipient{Name: a.Name, Email: a.Email})
	}
	for _, a := range n.Message.Attachments {
		rec.Attachments = append(rec.Attachments, store.NotificationAttachment{Filename: a.Filename, ContentType: a.ContentType, Content: a.Content})
	}
	id, created, err = store.InsertNotification(ctx, tx, rec)
	if err != nil {
		return 0, false, fmt.Errorf("jobs: enqueue: %w", err)
	}
	if !created {
		return id, false, nil
	}
	ic, err := inserter()
	if err != nil {
		return 0, false, err
	}
	if _, err := ic.InsertTx(ctx, tx, deliverArgs{NotificationID: id}, nil); err != nil {
		return 0, false, fmt.Errorf("jobs: enqueue: %w", err)
	}
	return id, true, nil
}

// Retry puts a failed notification back in the queue, in the caller's
// transaction (so the handler can audit-log it in the same one). It returns
// store.ErrNotFound when there is no such notification and
// store.ErrConflict when it is not failed (sent, or still being retried).
func Retry(ctx context.Context, tx pgx.Tx, id int64) error {
	if err := store.RequeueNotification(ctx, tx, id); err != nil {
		return err
	}
	ic, err := inserter()
	if err != nil {
		return err
	}
	// If a live delivery job for it exists (it cannot, unless someone
	// retried at the same instant), River skips this insert as a duplicate
	// and that job delivers the message.
	if _, err := ic.InsertTx(ctx, tx, deliverArgs{NotificationID: id}, nil); err != nil {
		return fmt.Errorf("jobs: retry: %w", err)
	}
	return nil
}

// inserter is an insert-only River client: it needs no pool (InsertTx uses
// the caller's transaction) and runs nothing, which is what lets Enqueue be a
// plain function that any store transaction can call. It is built once and
// never changes.
var inserter = sync.OnceValues(func() (*river.Client[pgx.Tx], error) {
	c, err := river.NewClient(riverpgxv5.New(nil), &river.Config{
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: insert client: %w", err)
	}
	return c, nil
})

// deliverArgs is the delivery job of one notification. It carries only the
// id: the message itself stays in the notifications table, so River's job
// table holds no personal data.
type deliverArgs struct {
	NotificationID int64 `json:"notification_id"`
}

// Kind names the job in River.
func (deliverArgs) Kind() string { return "notification_deliver" }

// liveStates are the job states in which a delivery job is still going to
// run; at most one such job exists per notification. Finished jobs
// (completed, cancelled, discarded) do not count, so Retry can queue a new
// one.
var liveStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// InsertOpts puts delivery on the email queue with its attempt limit.
func (deliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       QueueEmail,
		MaxAttempts: DefaultMaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: liveStates},
	}
}
