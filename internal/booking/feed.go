package booking

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// FeedEvent is one event in a coach's calendar subscription: a session
// (shown by the trainee's initials and the referral's reference only) or
// time off.
type FeedEvent struct {
	UID        string
	Sequence   int
	Start, End time.Time
	Summary    string // one line
	Stamp      time.Time
}

// Feed is a coach's calendar subscription as an iCalendar file (RFC 5545,
// no METHOD: a published calendar, not an invitation).
func Feed(name string, events []FeedEvent) []byte {
	var b bytes.Buffer
	line := func(s string) { fold(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//NHS careers support//careers//EN")
	line("CALSCALE:GREGORIAN")
	line("X-WR-CALNAME:" + text(name, false))
	line("X-WR-TIMEZONE:Europe/London")
	line("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
	line("X-PUBLISHED-TTL:PT1H")
	for _, l := range vtimezone {
		line(l)
	}
	for _, e := range events {
		line("BEGIN:VEVENT")
		line("UID:" + text(e.UID, false))
		line("SEQUENCE:" + strconv.Itoa(max(e.Sequence, 0)))
		line("DTSTAMP:" + e.Stamp.UTC().Format("20060102T150405Z"))
		line("DTSTART;TZID=Europe/London:" + e.Start.In(london).Format("20060102T150405"))
		line("DTEND;TZID=Europe/London:" + e.End.In(london).Format("20060102T150405"))
		line("SUMMARY:" + text(e.Summary, false))
		line("STATUS:CONFIRMED")
		line("TRANSP:OPAQUE")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

// Initials are the first letter of each word of a name, in capitals, such
// as "JS" for "Jo Smith": what a coach's calendar feed shows of a trainee.
func Initials(name string) string {
	var out []string
	for _, w := range strings.Fields(name) {
		if r, _ := utf8.DecodeRuneInString(w); unicode.IsLetter(r) {
			out = append(out, string(unicode.ToUpper(r)))
		}
	}
	return strings.Join(out, "")
}

// TimeOffUID is the stable calendar UID of a coach's time off id.
func TimeOffUID(id int64, host string) string {
	return UID("time-off", id, host)
}
