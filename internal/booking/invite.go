package booking

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The iTIP methods and event statuses an Invite uses.
const (
	MethodRequest   = "REQUEST"   // a new or changed appointment
	MethodCancel    = "CANCEL"    // a cancelled appointment
	MethodPublish   = "PUBLISH"   // a copy to add to one's own calendar (a download), not an invitation to answer
	StatusConfirmed = "CONFIRMED" // the appointment stands
	StatusCancelled = "CANCELLED" // the appointment is off
)

// Person is an organiser or attendee of an appointment.
type Person struct {
	Name, Email string
}

// Invite is a calendar invitation (RFC 5545 with RFC 5546 methods) for one
// appointment. Every change to the appointment sends a new Invite with the
// same UID and a higher Sequence; a cancellation uses MethodCancel.
type Invite struct {
	UID      string // stable for the appointment's life, see AppointmentUID
	Sequence int    // 0 at booking, raised by one with every change and the cancellation
	// Method is MethodRequest, MethodCancel or MethodPublish; anything
	// else is MethodRequest.
	Method     string
	Start, End time.Time // written as Europe/London wall-clock times
	Summary    string    // one line; line breaks become spaces
	// Description may have several lines.
	Description string
	Location    string // one line; line breaks become spaces
	// VideoLink, when set, is written as URL and as an RFC 7986 CONFERENCE
	// (FEATURE=VIDEO) so calendars show a "join" button. It must already
	// have passed CheckVideoLink; anything else is left out.
	VideoLink string
	Organizer Person
	Attendee  Person
	// Status is StatusConfirmed or StatusCancelled; a cancellation is
	// always StatusCancelled, and anything else StatusConfirmed.
	Status string
	Stamp  time.Time // when this version was made (DTSTAMP), written in UTC
}

// AppointmentUID is the stable calendar UID for appointment id served from
// host, such as "appointment-42@careers.example.nhs.uk". A port is dropped,
// so moving the service to another port does not orphan invitations.
func AppointmentUID(id int64, host string) string { return UID("appointment", id, host) }

// UID is the stable calendar UID of the kind's record id served from host:
// "<kind>-<id>@<host>", the host lower-cased with its port and anything
// but letters, digits, dots and hyphens dropped.
func UID(kind string, id int64, host string) string {
	host, _, _ = strings.Cut(host, ":")
	host = strings.ToLower(strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r <= unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, host))
	return kind + "-" + strconv.FormatInt(id, 10) + "@" + host
}

// vtimezone is Europe/London since 1996: GMT in winter, BST (+01:00) from
// 01:00 GMT on the last Sunday of March to 01:00 GMT on the last Sunday of
// October. DTSTART is local time before each change.
var vtimezone = []string{
	"BEGIN:VTIMEZONE",
	"TZID:Europe/London",
	"BEGIN:DAYLIGHT",
	"TZOFFSETFROM:+0000",
	"TZOFFSETTO:+0100",
	"TZNAME:BST",
	"DTSTART:19960331T010000",
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
	"END:DAYLIGHT",
	"BEGIN:STANDARD",
	"TZOFFSETFROM:+0100",
	"TZOFFSETTO:+0000",
	"TZNAME:GMT",
	"DTSTART:19961027T020000",
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
	"END:STANDARD",
	"END:VTIMEZONE",
}

// ICS is the invitation as an iCalendar file: CRLF line endings, lines
// folded at 75 octets, text escaped, and no line breaks or control
// characters let through from names, summary or location, so nothing typed
// into them can add a property.
func (i Invite) ICS() []byte {
	method, status := MethodRequest, StatusConfirmed
	switch m := strings.TrimSpace(i.Method); {
	case strings.EqualFold(m, MethodCancel):
		method = MethodCancel
	case strings.EqualFold(m, MethodPublish):
		method = MethodPublish
	}
	if method == MethodCancel || strings.EqualFold(strings.TrimSpace(i.Status), StatusCancelled) {
		status = StatusCancelled
	}

	var b bytes.Buffer
	line := func(s string) { fold(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//NHS careers support//careers//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:" + method)
	for _, l := range vtimezone {
		line(l)
	}
	line("BEGIN:VEVENT")
	line("UID:" + text(i.UID, false))
	line("SEQUENCE:" + strconv.Itoa(max(i.Sequence, 0)))
	line("DTSTAMP:" + i.Stamp.UTC().Format("20060102T150405Z"))
	line("DTSTART;TZID=Europe/London:" + i.Start.In(london).Format("20060102T150405"))
	line("DTEND;TZID=Europe/London:" + i.End.In(london).Format("20060102T150405"))
	line("SUMMARY:" + text(i.Summary, false))
	if d := text(i.Description, true); d != "" {
		line("DESCRIPTION:" + d)
	}
	if l := text(i.Location, false); l != "" {
		line("LOCATION:" + l)
	}
	if link, err := CheckVideoLink(i.VideoLink); err == nil && link != "" {
		line("URL:" + link)
		line("CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Video call:" + link)
	}
	if a := address(i.Organizer.Email); a != "" {
		line("ORGANIZER" + commonName(i.Organizer.Name) + ":" + a)
	}
	if a := address(i.Attendee.Email); a != "" {
		params := commonName(i.Attendee.Name) + ";ROLE=REQ-PARTICIPANT"
		if method == MethodRequest {
			params += ";PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
		}
		line("ATTENDEE" + params + ":" + a)
	}
	line("STATUS:" + status)
	line("TRANSP:OPAQUE")
	line("END:VEVENT")
	line("END:VCALENDAR")
	return b.Bytes()
}

// fold writes one content line, folded so no line is longer than 75 octets
// before its CRLF, never splitting a UTF-8 character.
func fold(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}

// isBreak reports whether r ends a line for someone reading the text.
func isBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// text is s as an iCalendar TEXT value: backslashes, semicolons and commas
// escaped, line breaks written as \n when multiline and as spaces
// otherwise, other control characters dropped.
func text(s string, multiline bool) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n")
	if !multiline {
		s = strings.Join(strings.FieldsFunc(s, isBreak), " ")
	}
	s = strings.TrimSpace(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case isBreak(r):
			b.WriteString(`\n`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// commonName is the ;CN= parameter for name, or "" for no name. A parameter
// value cannot hold a double quote or be escaped, so quotes become
// apostrophes.
func commonName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case unicode.IsControl(r) || isBreak(r):
			return ' '
		}
		return r
	}, strings.ToValidUTF8(name, "\uFFFD"))
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return ""
	}
	return `;CN="` + name + `"`
}

// address is the mailto: URI for email, or "" for none. Spaces and control
// characters cannot be in an address, so they are dropped.
func address(email string) string {
	email = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || isBreak(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(email, ""))
	if email == "" {
		return ""
	}
	return "mailto:" + email
}
