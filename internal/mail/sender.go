package mail

import (
	"context"
	"errors"
	"fmt"

	"careers/internal/config"
	"careers/internal/store"
)

// Sender delivers one message. Implementations are safe for concurrent use.
// A returned error that is a *SendError describes the failure without
// personal data; Permanent tells whether trying again could help.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SendError is a delivery failure described for logs and staff: its text
// names what failed and the server's status code, never the addresses, the
// subject or the server's own words (which often quote the address).
type SendError struct {
	// Summary is the safe description; Error returns it.
	Summary string
	// Permanent is true when the server refused the message for good (a 5xx
	// answer to the sender, a recipient or the content), so retrying is
	// pointless.
	Permanent bool
	err       error
}

func (e *SendError) Error() string { return e.Summary }

// Unwrap gives the underlying error, which may contain personal data: never
// log or store its text.
func (e *SendError) Unwrap() error { return e.err }

// IsPermanent reports whether err is a delivery failure that retrying cannot
// fix (including a message that is invalid in itself).
func IsPermanent(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Permanent
	}
	return errors.Is(err, ErrInvalidMessage)
}

// NewSender picks the sender for cfg: SMTP when SMTP_URL is set; otherwise,
// in development only, the development mailbox in st. Production without
// SMTP_URL is an error (config already refuses it).
func NewSender(cfg config.Config, st *store.Store) (Sender, error) {
	o := Origin{From: AddressFrom(cfg.MailFrom)}
	if cfg.MailReplyTo != nil {
		r := AddressFrom(cfg.MailReplyTo)
		o.ReplyTo = &r
	}
	if cfg.SMTPURL != nil {
		var opts []SMTPOption
		if !cfg.IsDevelopment() {
			// Never plain text in production: without STARTTLS the
			// server is refused, not used unencrypted.
			opts = append(opts, WithRequiredTLS())
		}
		return NewSMTPSender(cfg.SMTPURL, o, opts...)
	}
	if !cfg.IsDevelopment() {
		return nil, errors.New("SMTP_URL: is required outside development (the development mailbox does not exist there)")
	}
	if st == nil {
		return nil, fmt.Errorf("mail: the development mailbox needs the store")
	}
	return NewMailboxSender(st, o)
}
