package mail

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/store"
)

type txKey struct{}

// WithTx returns a context with which a MailboxSender stores the message in
// tx, so that the development mailbox receives it exactly when tx commits
// (the delivery worker passes the transaction that marks the notification
// sent). SMTPSender ignores it.
func WithTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// MailboxSender keeps messages in the development mailbox (the dev_mailbox
// table, shown at /dev/mailbox) instead of sending them. It builds each
// message exactly as SMTPSender would and stores the raw MIME with it, so
// what a developer sees is what a mail server would have received.
type MailboxSender struct {
	st     *store.Store
	origin Origin
	now    func() time.Time
}

// NewMailboxSender returns a sender into st's development mailbox.
func NewMailboxSender(st *store.Store, o Origin) (*MailboxSender, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &MailboxSender{st: st, origin: o, now: time.Now}, nil
}

// Send stores m in the development mailbox.
func (s *MailboxSender) Send(ctx context.Context, m Message) error {
	b, err := build(s.origin, m, s.now())
	if err != nil {
		return &SendError{Summary: "the message is not valid: " + strings.TrimPrefix(err.Error(), ErrInvalidMessage.Error()+": "), Permanent: true, err: err}
	}
	var raw bytes.Buffer
	if _, err := b.msg.WriteTo(&raw); err != nil {
		return &SendError{Summary: "could not write the message", Permanent: true, err: err}
	}
	stored := store.MailboxMessage{
		MessageID: strings.Trim(b.messageID, "<>"),
		From:      joinAddresses([]Address{s.origin.From}),
		To:        joinAddresses(m.To),
		Subject:   HeaderText(m.Subject, maxSubjectRunes),
		Text:      m.Text,
		HTML:      m.HTML,
		Raw:       raw.Bytes(),
	}
	if s.origin.ReplyTo != nil {
		stored.ReplyTo = joinAddresses([]Address{*s.origin.ReplyTo})
	}
	for _, a := range m.Attachments {
		stored.Attachments = append(stored.Attachments, store.MailboxAttachment{
			Filename:    safeFilename(a.Filename),
			ContentType: safeContentType(a.ContentType),
			Content:     a.Content,
		})
	}
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		_, err = store.SaveMailboxMessageTx(ctx, tx, stored)
	} else {
		_, err = s.st.SaveMailboxMessage(ctx, stored)
	}
	if err != nil {
		return &SendError{Summary: "could not store the message in the development mailbox", err: err}
	}
	return nil
}

// joinAddresses writes addresses for reading (not for a header).
func joinAddresses(as []Address) string {
	parts := make([]string, 0, len(as))
	for _, a := range as {
		if n := HeaderText(a.Name, maxNameRunes); n != "" {
			parts = append(parts, fmt.Sprintf("%s <%s>", n, a.Email))
		} else {
			parts = append(parts, a.Email)
		}
	}
	return strings.Join(parts, ", ")
}
