// Package mail builds the service's email messages and sends them.
//
// A message has a plain-text part and an HTML part, both rendered from templ
// components (Render; the text part from Para, List and Link, the HTML part
// inside Layout). A Sender delivers it: SMTPSender over SMTP, or
// MailboxSender into the development mailbox shown at /dev/mailbox. Messages
// are not sent directly by features: they are recorded and delivered through
// the durable queue in internal/jobs.
//
// Anything that reaches a header (names, subjects, attachment names) is
// cleaned of line breaks and control characters and then encoded, so it
// cannot add headers of its own.
package mail

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	netmail "net/mail"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Address is a person's name and email address.
type Address struct {
	Name  string
	Email string
}

// String formats the address for a header, with the name cleaned and
// encoded as needed.
func (a Address) String() string { return a.netmail().String() }

func (a Address) netmail() *netmail.Address {
	return &netmail.Address{Name: HeaderText(a.Name, maxNameRunes), Address: a.Email}
}

// AddressFrom converts a parsed address (as config holds MAIL_FROM) to an
// Address. A nil a gives the zero Address.
func AddressFrom(a *netmail.Address) Address {
	if a == nil {
		return Address{}
	}
	return Address{Name: a.Name, Email: a.Address}
}

// Attachment is a file sent with a message.
type Attachment struct {
	Filename    string
	ContentType string
	Content     []byte
}

// Message is one email: its recipients, subject and both parts.
type Message struct {
	To      []Address
	Subject string
	// Text is the plain-text part, HTML the HTML part. Both are required:
	// people read mail in clients that show either.
	Text        string
	HTML        string
	Attachments []Attachment
	// MessageID is the unique part of the Message-ID header; the sender adds
	// "@" and the domain of the From address. The notification queue fixes
	// it when a notification is recorded, so every delivery attempt carries
	// the same Message-ID. Empty: a random one for each Send.
	MessageID string
}

// Limits on what one message may carry.
const (
	// MaxRecipients caps the To list; the service writes to people one at a
	// time, never to a mailing list.
	MaxRecipients = 10
	// MaxAttachmentBytes caps the total size of the attachments (before
	// encoding, which adds a third) to stay well inside common server limits.
	MaxAttachmentBytes = 10 << 20
	// MaxSubjectRunes is where a subject is cut.
	MaxSubjectRunes  = 200
	maxSubjectRunes  = MaxSubjectRunes
	maxNameRunes     = 100
	maxFilenameRunes = 100
)

// ErrInvalidMessage is wrapped by every error from Message.Validate.
var ErrInvalidMessage = errors.New("mail: invalid message")

var messageIDPart = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Validate reports the first thing that would stop m being sent. It never
// quotes the addresses or content in its error.
func (m Message) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
	}
	if len(m.To) == 0 {
		return bad("no recipients")
	}
	if len(m.To) > MaxRecipients {
		return bad("%d recipients, at most %d", len(m.To), MaxRecipients)
	}
	for i, a := range m.To {
		if !ValidEmail(a.Email) {
			return bad("recipient %d is not a plain email address", i+1)
		}
	}
	if HeaderText(m.Subject, maxSubjectRunes) == "" {
		return bad("no subject")
	}
	if strings.TrimSpace(m.Text) == "" {
		return bad("no plain-text part")
	}
	if strings.TrimSpace(m.HTML) == "" {
		return bad("no HTML part")
	}
	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return bad("text is not valid UTF-8")
	}
	total := 0
	for i, a := range m.Attachments {
		if len(a.Content) == 0 {
			return bad("attachment %d is empty", i+1)
		}
		total += len(a.Content)
	}
	if total > MaxAttachmentBytes {
		return bad("attachments total %d bytes, at most %d", total, MaxAttachmentBytes)
	}
	if m.MessageID != "" && !messageIDPart.MatchString(m.MessageID) {
		return bad("message ID has characters a header cannot carry")
	}
	return nil
}

// ValidEmail reports whether s is a bare email address (no display name, no
// angle brackets, nothing that could break a header or an SMTP command).
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, "<>\"\\ \t\r\n,;:") {
		return false
	}
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1
}

// HeaderText makes s safe for a header: every control character (CR and LF
// included) and Unicode line or paragraph separator becomes a space, runs of
// spaces become one, and the result is trimmed and cut to at most max runes.
// Encoding for the wire (RFC 2047) happens later; this step makes sure that
// no value can carry a line break into the header block whatever the
// encoder does.
func HeaderText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' {
			space = b.Len() > 0
			continue
		}
		if n >= max {
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// safeFilename reduces an attachment's name to a plain file name: no folders,
// no control characters, no quotes; "attachment" if nothing is left.
func safeFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(HeaderText(name, 4*maxFilenameRunes))
	name = strings.Map(func(r rune) rune {
		switch r {
		case '"', '\'', '`', '/', ':', '*', '?', '<', '>', '|', ';':
			return '_'
		}
		return r
	}, name)
	name = HeaderText(name, maxFilenameRunes)
	if name == "" || name == "." || name == ".." {
		return "attachment"
	}
	return name
}

// safeContentType keeps a well-formed media type (with its parameters, which
// calendar invitations need) and otherwise falls back to a plain download.
func safeContentType(ct string) string {
	const fallback = "application/octet-stream"
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fallback
	}
	out := mime.FormatMediaType(mt, params)
	if out == "" || strings.ContainsFunc(out, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return fallback
	}
	return out
}

// messageIDDomain is the right-hand side of the Message-ID: the domain of
// the From address when it looks like one.
func messageIDDomain(from string) string {
	at := strings.LastIndexByte(from, '@')
	d := from[at+1:]
	if at < 0 || d == "" || strings.ContainsFunc(d, func(r rune) bool {
		return !(r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return "careers.invalid"
	}
	return d
}

// NewMessageID returns a random value for Message.MessageID.
func NewMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
