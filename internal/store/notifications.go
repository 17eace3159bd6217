package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification statuses.
const (
	// NotificationQueued: recorded and waiting for (another) delivery attempt.
	NotificationQueued = "queued"
	// NotificationSent: the mail server accepted the message.
	NotificationSent = "sent"
	// NotificationFailed: every attempt failed; staff may retry it.
	NotificationFailed = "failed"
)

// Recipient is one addressee of a notification.
type Recipient struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// NotificationAttachment is a file sent with a notification.
type NotificationAttachment struct {
	Filename    string `db:"filename"`
	ContentType string `db:"content_type"`
	Content     []byte `db:"content"`
}

// NewNotification is a notification to record. Its parts are already
// rendered: the row is what will be sent, whenever that happens.
type NewNotification struct {
	Key         string
	Kind        string
	ReferralID  *int64
	To          []Recipient
	Subject     string
	Text        string
	HTML        string
	Attachments []NotificationAttachment
}

// Notification is a recorded notification with its delivery state.
type Notification struct {
	ID           int64       `db:"id"`
	Key          string      `db:"key"`
	Kind         string      `db:"kind"`
	ReferralID   *int64      `db:"referral_id"`
	To           []Recipient `db:"recipients"`
	Subject      string      `db:"subject"`
	Text         string      `db:"body_text"`
	HTML         string      `db:"body_html"`
	MessageToken string      `db:"message_token"`
	Status       string      `db:"status"`
	Attempts     int         `db:"attempts"`
	LastError    string      `db:"last_error"`
	CreatedAt    time.Time   `db:"created_at"`
	UpdatedAt    time.Time   `db:"updated_at"`
	SentAt       *time.Time  `db:"sent_at"`
	FailedAt     *time.Time  `db:"failed_at"`
	// ReferralReference is the reference of the referral it belongs to, if
	// any, for display.
	ReferralReference string `db:"referral_reference"`
	// Attachments are loaded only by LockNotification (delivery needs them;
	// lists do not).
	Attachments []NotificationAttachment `db:"-"`
}

// notificationColumns lists the columns Notification scans, in order.
const notificationColumns = `id, key, kind, referral_id, recipients, subject, body_text, body_html,
	message_token::text AS message_token, status, attempts, coalesce(last_error, '') AS last_error,
	created_at, updated_at, sent_at, failed_at,
	coalesce((SELECT r.reference FROM referrals r WHERE r.id = notifications.referral_id), '') AS referral_reference`

// InsertNotification records n in tx unless a notification with the same key
// exists, and reports whether this call created it. Two transactions racing
// with one key are serialised by the unique index: the second waits for the
// first and then finds its row (or inserts, if the first rolled back).
func InsertNotification(ctx context.Context, tx pgx.Tx, n NewNotification) (id int64, created bool, err error) {
	if len(n.To) == 0 {
		return 0, false, errors.New("insert notification: no recipients")
	}
	err = tx.QueryRow(ctx, `
		INSERT INTO notifications (key, kind, referral_id, recipients, subject, body_text, body_html)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (key) DO NOTHING
		RETURNING id`,
		n.Key, n.Kind, n.ReferralID, n.To, n.Subject, n.Text, n.HTML).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		if err := tx.QueryRow(ctx, `SELECT id FROM notifications WHERE key = $1`, n.Key).Scan(&id); err != nil {
			return 0, false, fmt.Errorf("insert notification: existing key: %w", err)
		}
		return id, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert notification: %w", err)
	}
	for i, a := range n.Attachments {
		if _, err := tx.Exec(ctx, `
			INSERT INTO notification_attachments (notification_id, position, filename, content_type, content)
			VALUES ($1, $2, $3, $4, $5)`, id, i, a.Filename, a.ContentType, a.Content); err != nil {
			return 0, false, fmt.Errorf("insert notification attachment: %w", err)
		}
	}
	return id, true, nil
}

// LockNotification reads notification id with its attachments and locks its
// row until tx ends, so that two deliveries of one notification cannot
// overlap: the second waits, then sees the first one's outcome.
func LockNotification(ctx context.Context, tx pgx.Tx, id int64) (Notification, error) {
	rows, _ := tx.Query(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = $1 FOR UPDATE`, id)
	n, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Notification])
	if errors.Is(err, pgx.ErrNoRows) {
		return Notification{}, ErrNotFound
	}
	if err != nil {
		return Notification{}, fmt.Errorf("lock notification: %w", err)
	}
	rows, _ = tx.Query(ctx, `
		SELECT filename, content_type, content FROM notification_attachments
		WHERE notification_id = $1 ORDER BY position`, id)
	n.Attachments, err = pgx.CollectRows(rows, pgx.RowToStructByName[NotificationAttachment])
	if err != nil {
		return Notification{}, fmt.Errorf("lock notification: attachments: %w", err)
	}
	return n, nil
}

// oneTimeLink matches a URL carrying a one-time token.
const oneTimeLink = `https?://[^[:space:]"<>]*[?&]token=[A-Za-z0-9_-]+`

const linkRemoved = "[one-time link removed after sending]"

// MarkNotificationSent records a successful delivery attempt in tx.
//
// One-time links (sign-in, set-password, reset, confirmation) are cut out of
// the stored copy once sent: the record of what went to whom stays, but a
// copy of the database cannot be used to sign in as anyone.
func MarkNotificationSent(ctx context.Context, tx pgx.Tx, id int64) error {
	tag, err := tx.Exec(ctx, `
		UPDATE notifications
		SET status = 'sent', sent_at = now(), failed_at = NULL, attempts = attempts + 1,
		    last_error = NULL, updated_at = now(),
		    body_text = regexp_replace(body_text, $2, $3, 'g'),
		    body_html = regexp_replace(body_html, $2, $3, 'g')
		WHERE id = $1`, id, oneTimeLink, linkRemoved)
	if err != nil {
		return fmt.Errorf("mark notification sent: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// RecordNotificationFailure records a failed delivery attempt. With final
// set, no further attempt will be made and the notification shows as failed.
// lastError must be safe to show staff: no addresses or message content.
func (s *Store) RecordNotificationFailure(ctx context.Context, id int64, lastError string, final bool) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE notifications
		SET attempts = attempts + 1, last_error = $2, updated_at = now(),
		    status = CASE WHEN $3 THEN 'failed' ELSE status END,
		    failed_at = CASE WHEN $3 THEN now() ELSE failed_at END
		WHERE id = $1 AND status <> 'sent'`, id, lastError, final)
	if err != nil {
		return fmt.Errorf("record notification failure: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// RequeueNotification puts a failed notification back in the queue (staff
// asked for a retry), or one still queued that no delivery job will send
// any more (River gave its job up after interruptions). It returns
// ErrNotFound when there is no such notification and ErrConflict when it is
// sent already or a delivery job is still going to send it.
func RequeueNotification(ctx context.Context, tx pgx.Tx, id int64) error {
	var status string
	var live bool
	err := tx.QueryRow(ctx, `SELECT n.status, EXISTS (SELECT 1 FROM river_job j
			WHERE j.kind = 'notification_deliver' AND j.args @> jsonb_build_object('notification_id', n.id)
			AND j.state IN ('available', 'pending', 'retryable', 'running', 'scheduled'))
		FROM notifications n WHERE n.id = $1 FOR UPDATE OF n`, id).Scan(&status, &live)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("requeue notification: %w", err)
	}
	switch {
	case status == NotificationQueued && !live:
		return nil // queued already; the caller queues a new job
	case status != NotificationFailed:
		return ErrConflict
	}
	if _, err := tx.Exec(ctx, `
		UPDATE notifications SET status = 'queued', failed_at = NULL, updated_at = now()
		WHERE id = $1`, id); err != nil {
		return fmt.Errorf("requeue notification: %w", err)
	}
	return nil
}

// Notification returns one notification without its attachments.
func (s *Store) Notification(ctx context.Context, id int64) (Notification, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = $1`, id)
	n, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Notification])
	if errors.Is(err, pgx.ErrNoRows) {
		return Notification{}, ErrNotFound
	}
	if err != nil {
		return Notification{}, fmt.Errorf("notification: %w", err)
	}
	return n, nil
}

// NotificationByKey returns the notification recorded under key.
func (s *Store) NotificationByKey(ctx context.Context, key string) (Notification, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE key = $1`, key)
	n, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Notification])
	if errors.Is(err, pgx.ErrNoRows) {
		return Notification{}, ErrNotFound
	}
	if err != nil {
		return Notification{}, fmt.Errorf("notification by key: %w", err)
	}
	return n, nil
}

// UndeliveredNotification is a notification not yet sent, with the state
// of its latest delivery job in River's table.
type UndeliveredNotification struct {
	Notification
	// JobState is River's state of the latest delivery job ("available",
	// "running", "retryable", "discarded", ...), or "" when there is none.
	JobState string `db:"job_state"`
	// JobAttemptedAt is when that job's current or last attempt started.
	JobAttemptedAt *time.Time `db:"job_attempted_at"`
	// JobRescued is set when River's rescuer found the job still running
	// long after it started (its worker had died) and scheduled it again.
	JobRescued bool `db:"job_rescued"`
}

// riverRescueError is what River's rescuer records in a job's errors.
const riverRescueError = "Stuck job rescued by JobRescuer"

// UndeliveredNotifications lists notifications not yet sent, newest first:
// failed ones, ones being retried, ones still waiting, and ones whose
// delivery was interrupted (its job still running long after it started,
// rescued, or given up by River), with their delivery job's state. limit
// caps the list.
func (s *Store) UndeliveredNotifications(ctx context.Context, limit int) ([]UndeliveredNotification, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+notificationColumns+`,
		coalesce(j.state::text, '') AS job_state, j.attempted_at AS job_attempted_at, coalesce(j.rescued, false) AS job_rescued
		FROM notifications
		LEFT JOIN LATERAL (
			SELECT rj.state, rj.attempted_at,
			       EXISTS (SELECT 1 FROM unnest(rj.errors) e WHERE e->>'error' = $2) AS rescued
			FROM river_job rj
			WHERE rj.kind = 'notification_deliver' AND rj.args @> jsonb_build_object('notification_id', notifications.id)
			ORDER BY rj.id DESC LIMIT 1) j ON true
		WHERE status <> 'sent' ORDER BY created_at DESC, id DESC LIMIT $1`, limit, riverRescueError)
	ns, err := pgx.CollectRows(rows, pgx.RowToStructByName[UndeliveredNotification])
	if err != nil {
		return nil, fmt.Errorf("undelivered notifications: %w", err)
	}
	return ns, nil
}

// ReferralNotifications is the notification log of one referral, oldest
// first: what went to whom, when, and its delivery status.
func (s *Store) ReferralNotifications(ctx context.Context, referralID int64) ([]Notification, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE referral_id = $1 ORDER BY created_at, id`, referralID)
	ns, err := pgx.CollectRows(rows, pgx.RowToStructByName[Notification])
	if err != nil {
		return nil, fmt.Errorf("referral notifications: %w", err)
	}
	return ns, nil
}

// DigestRecipient is a staff member who receives the daily deadline digest.
type DigestRecipient struct {
	ID    int64  `db:"id"`
	Name  string `db:"name"`
	Email string `db:"email"`
}

// DeadlineDigestRecipients lists the active coordinators, who receive the
// daily digest of referrals near their response deadline.
func (s *Store) DeadlineDigestRecipients(ctx context.Context) ([]DigestRecipient, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, name, email FROM staff_users
		WHERE active AND 'coordinator' = ANY (roles)
		ORDER BY id`)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[DigestRecipient])
	if err != nil {
		return nil, fmt.Errorf("deadline digest recipients: %w", err)
	}
	return rs, nil
}

// ResponseDeadlineDays is the unit's target for a first response to a
// referral, in calendar days.
const ResponseDeadlineDays = 14

// DeadlineReferral is a referral waiting for its first response, with its
// response deadline.
type DeadlineReferral struct {
	ID        int64  `db:"id"`
	Reference string `db:"reference"`
	Route     string `db:"route"`
	// ClockStart is when the response clock started: submission for
	// self-referrals, the trainee's confirmation for the other routes.
	ClockStart time.Time `db:"clock_start"`
	// Deadline is the last day (a Europe/London calendar date) for a first
	// response; pgx reads a date as midnight UTC.
	Deadline time.Time `db:"deadline"`
}

// ReferralsNearResponseDeadline lists the referrals still waiting for a first
// response (status new, no first response) whose deadline falls on or before
// today plus withinDays, earliest deadline first. Deadlines already passed
// are included. today is a calendar date in Europe/London (its clock time is
// ignored). The deadline is 14 calendar days, counted in Europe/London, from
// submission for self-referrals and from the trainee's confirmation for the
// third-party routes; a third-party referral not yet confirmed has no clock.
func (s *Store) ReferralsNearResponseDeadline(ctx context.Context, today time.Time, withinDays int) ([]DeadlineReferral, error) {
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	rows, _ := s.pool.Query(ctx, `
		SELECT id, reference, route, clock_start,
		       (clock_start AT TIME ZONE 'Europe/London')::date + $3::int AS deadline
		FROM (
			SELECT id, reference, route,
			       CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END AS clock_start
			FROM referrals
			WHERE status = 'new' AND first_response_at IS NULL
		) r
		WHERE clock_start IS NOT NULL
		  AND (clock_start AT TIME ZONE 'Europe/London')::date + $3::int <= $1::date + $2::int
		ORDER BY deadline, reference`, day, withinDays, ResponseDeadlineDays)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[DeadlineReferral])
	if err != nil {
		return nil, fmt.Errorf("referrals near response deadline: %w", err)
	}
	return rs, nil
}
