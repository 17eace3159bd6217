package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MailboxMessage is a message kept by the development mailbox instead of
// being sent (development with no SMTP_URL).
type MailboxMessage struct {
	ID        int64  `db:"id"`
	MessageID string `db:"message_id"`
	// From, ReplyTo and To are the header values as sent (ReplyTo may be
	// empty), decoded for reading.
	From    string `db:"from_header"`
	ReplyTo string `db:"reply_to"`
	To      string `db:"to_header"`
	Subject string `db:"subject"`
	Text    string `db:"body_text"`
	HTML    string `db:"body_html"`
	// Raw is the whole MIME message as it would have gone to the mail server.
	Raw       []byte    `db:"raw"`
	CreatedAt time.Time `db:"created_at"`
	// Attachments carry their content only when saving and from
	// MailboxAttachment; MailboxMessage loads names, types and sizes.
	Attachments []MailboxAttachment `db:"-"`
}

// MailboxAttachment is a file attached to a development mailbox message.
type MailboxAttachment struct {
	Position    int    `db:"position"`
	Filename    string `db:"filename"`
	ContentType string `db:"content_type"`
	Size        int    `db:"size"`
	Content     []byte `db:"content"`
}

// MailboxSummary is one line of the development mailbox's list.
type MailboxSummary struct {
	ID          int64     `db:"id"`
	To          string    `db:"to_header"`
	Subject     string    `db:"subject"`
	CreatedAt   time.Time `db:"created_at"`
	Attachments int       `db:"attachments"`
}

// SaveMailboxMessage stores m and its attachments and returns its id.
func (s *Store) SaveMailboxMessage(ctx context.Context, m MailboxMessage) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		id, err = SaveMailboxMessageTx(ctx, tx, m)
		return err
	})
	return id, err
}

// SaveMailboxMessageTx stores m in tx, so the message is kept exactly when
// tx commits (the delivery worker's transaction).
func SaveMailboxMessageTx(ctx context.Context, tx pgx.Tx, m MailboxMessage) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, `
		INSERT INTO dev_mailbox (message_id, from_header, reply_to, to_header, subject, body_text, body_html, raw)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		m.MessageID, m.From, m.ReplyTo, m.To, m.Subject, m.Text, m.HTML, m.Raw).Scan(&id); err != nil {
		return 0, fmt.Errorf("save mailbox message: %w", err)
	}
	for i, a := range m.Attachments {
		if _, err := tx.Exec(ctx, `
			INSERT INTO dev_mailbox_attachments (message_id, position, filename, content_type, content)
			VALUES ($1, $2, $3, $4, $5)`, id, i, a.Filename, a.ContentType, a.Content); err != nil {
			return 0, fmt.Errorf("save mailbox attachment: %w", err)
		}
	}
	return id, nil
}

// MailboxMessages lists the development mailbox, newest first, at most limit.
func (s *Store) MailboxMessages(ctx context.Context, limit int) ([]MailboxSummary, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT m.id, m.to_header, m.subject, m.created_at,
		       (SELECT count(*) FROM dev_mailbox_attachments a WHERE a.message_id = m.id)::int AS attachments
		FROM dev_mailbox m ORDER BY m.created_at DESC, m.id DESC LIMIT $1`, limit)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[MailboxSummary])
	if err != nil {
		return nil, fmt.Errorf("mailbox messages: %w", err)
	}
	return ms, nil
}

// MailboxMessage returns one development mailbox message with its
// attachments' names, types and sizes (not their content).
func (s *Store) MailboxMessage(ctx context.Context, id int64) (MailboxMessage, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, message_id, from_header, reply_to, to_header, subject, body_text, body_html, raw, created_at
		FROM dev_mailbox WHERE id = $1`, id)
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[MailboxMessage])
	if errors.Is(err, pgx.ErrNoRows) {
		return MailboxMessage{}, ErrNotFound
	}
	if err != nil {
		return MailboxMessage{}, fmt.Errorf("mailbox message: %w", err)
	}
	rows, _ = s.pool.Query(ctx, `
		SELECT position, filename, content_type, length(content) AS size, ''::bytea AS content
		FROM dev_mailbox_attachments WHERE message_id = $1 ORDER BY position`, id)
	m.Attachments, err = pgx.CollectRows(rows, pgx.RowToStructByName[MailboxAttachment])
	if err != nil {
		return MailboxMessage{}, fmt.Errorf("mailbox message: attachments: %w", err)
	}
	return m, nil
}

// MailboxAttachment returns one attachment of a development mailbox message
// with its content.
func (s *Store) MailboxAttachment(ctx context.Context, messageID int64, position int) (MailboxAttachment, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT position, filename, content_type, length(content) AS size, content
		FROM dev_mailbox_attachments WHERE message_id = $1 AND position = $2`, messageID, position)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[MailboxAttachment])
	if errors.Is(err, pgx.ErrNoRows) {
		return MailboxAttachment{}, ErrNotFound
	}
	if err != nil {
		return MailboxAttachment{}, fmt.Errorf("mailbox attachment: %w", err)
	}
	return a, nil
}
