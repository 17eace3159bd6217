package mail

import (
	"bytes"
	"fmt"
	netmail "net/mail"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Origin is what every message from one sender carries: its From and,
// optionally, a Reply-To (for example the unit's shared mailbox).
type Origin struct {
	From    Address
	ReplyTo *Address
}

func (o Origin) validate() error {
	if !ValidEmail(o.From.Email) {
		return fmt.Errorf("%w: the From address is not a plain email address", ErrInvalidMessage)
	}
	if o.ReplyTo != nil && !ValidEmail(o.ReplyTo.Email) {
		return fmt.Errorf("%w: the Reply-To address is not a plain email address", ErrInvalidMessage)
	}
	return nil
}

// built is a message ready for the wire.
type built struct {
	msg       *gomail.Msg
	messageID string // with angle brackets, as in the header
}

// build turns m into a go-mail message with every header set. Both senders
// use it, so the development mailbox shows exactly what SMTP would carry.
func build(o Origin, m Message, now time.Time) (built, error) {
	if err := o.validate(); err != nil {
		return built{}, err
	}
	if err := m.Validate(); err != nil {
		return built{}, err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	// Addresses go in as parsed values, never as strings to be parsed: the
	// names are cleaned by Address.netmail and encoded by net/mail.
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderFrom, o.From.netmail())
	to := make([]*netmail.Address, 0, len(m.To))
	for _, a := range m.To {
		to = append(to, a.netmail())
	}
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderTo, to...)
	if o.ReplyTo != nil {
		msg.SetAddrHeaderFromMailAddress(gomail.HeaderReplyTo, o.ReplyTo.netmail())
	}
	msg.Subject(HeaderText(m.Subject, maxSubjectRunes))
	id := m.MessageID
	if id == "" {
		id = NewMessageID()
	}
	msg.SetMessageIDWithValue(id + "@" + messageIDDomain(o.From.Email))
	msg.SetDateWithValue(now)
	// RFC 3834: tells auto-responders (out-of-office replies) to stay quiet.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")

	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	for _, a := range m.Attachments {
		if err := msg.AttachReader(safeFilename(a.Filename), bytes.NewReader(a.Content),
			gomail.WithFileContentType(gomail.ContentType(safeContentType(a.ContentType)))); err != nil {
			return built{}, fmt.Errorf("mail: attachment: %w", err)
		}
	}
	return built{msg: msg, messageID: msg.GetMessageID()}, nil
}
