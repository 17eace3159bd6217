package booking_test

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"careers/internal/booking"
)

// MustParseICS parses b with an independent iCalendar library and returns
// the calendar and its single event.
func MustParseICS(tb testing.TB, b []byte) (*ics.Calendar, *ics.VEvent) {
	tb.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("parse: %v\n%s", err, b)
	}
	events := cal.Events()
	if len(events) != 1 {
		tb.Fatalf("%d events, want 1\n%s", len(events), b)
	}
	return cal, events[0]
}

func calProp(cal *ics.Calendar, name string) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == name {
			return p.Value
		}
	}
	return ""
}

func eventProp(tb testing.TB, ev *ics.VEvent, p ics.ComponentProperty) *ics.IANAProperty {
	tb.Helper()
	got := ev.GetProperties(p)
	if len(got) != 1 {
		tb.Fatalf("%d %s properties, want 1", len(got), p)
	}
	return got[0]
}

func sampleInvite(t *testing.T) booking.Invite {
	start := MustLondon(t, "2026-06-10 14:00")
	return booking.Invite{
		UID:         booking.AppointmentUID(42, "careers.example.nhs.uk"),
		Method:      booking.MethodRequest,
		Start:       start,
		End:         start.Add(time.Hour),
		Summary:     "Careers support session",
		Description: "Video call with your coach.",
		Location:    "https://video.example.nhs.uk/r/abc",
		Organizer:   booking.Person{Name: "Careers support unit", Email: "careers@example.nhs.uk"},
		Attendee:    booking.Person{Name: "Sam Trainee", Email: "sam@example.org"},
		Stamp:       MustUTC(t, "2026-06-01T09:15:00Z"),
	}
}

func TestInviteParses(t *testing.T) {
	inv := sampleInvite(t)
	cal, ev := MustParseICS(t, inv.ICS())
	checks := []struct{ name, got, want string }{
		{"VERSION", calProp(cal, "VERSION"), "2.0"},
		{"METHOD", calProp(cal, "METHOD"), "REQUEST"},
		{"UID", ev.Id(), "appointment-42@careers.example.nhs.uk"},
		{"SEQUENCE", eventProp(t, ev, ics.ComponentPropertySequence).Value, "0"},
		{"STATUS", eventProp(t, ev, ics.ComponentPropertyStatus).Value, "CONFIRMED"},
		{"SUMMARY", eventProp(t, ev, ics.ComponentPropertySummary).Value, inv.Summary},
		{"DESCRIPTION", eventProp(t, ev, ics.ComponentPropertyDescription).Value, inv.Description},
		{"LOCATION", eventProp(t, ev, ics.ComponentPropertyLocation).Value, inv.Location},
		{"DTSTAMP", eventProp(t, ev, ics.ComponentPropertyDtstamp).Value, "20260601T091500Z"},
		{"ORGANIZER", eventProp(t, ev, ics.ComponentPropertyOrganizer).Value, "mailto:careers@example.nhs.uk"},
		{"ORGANIZER CN", strings.Join(eventProp(t, ev, ics.ComponentPropertyOrganizer).ICalParameters["CN"], "|"), "Careers support unit"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	att := ev.Attendees()
	if len(att) != 1 || att[0].Email() != "sam@example.org" || att[0].ParticipationStatus() != ics.ParticipationStatusNeedsAction ||
		!slices.Equal(att[0].ICalParameters["CN"], []string{"Sam Trainee"}) {
		t.Errorf("attendees = %+v", att)
	}
	start, err := ev.GetStartAt()
	if err != nil || !start.Equal(inv.Start) {
		t.Errorf("start = %v, %v; want %v", start, err, inv.Start)
	}
	end, err := ev.GetEndAt()
	if err != nil || !end.Equal(inv.End) {
		t.Errorf("end = %v, %v; want %v", end, err, inv.End)
	}
}

// TestInviteLifecycle follows one appointment: booked, moved, cancelled.
// Calendars match the versions by UID and apply the highest SEQUENCE.
func TestInviteLifecycle(t *testing.T) {
	booked := sampleInvite(t)
	moved := booked
	moved.Sequence = 1
	moved.Start, moved.End = booked.Start.Add(48*time.Hour), booked.End.Add(48*time.Hour)
	moved.Stamp = booked.Stamp.Add(time.Hour)
	cancelled := moved
	cancelled.Sequence = 2
	cancelled.Method = booking.MethodCancel
	cancelled.Status = booking.StatusCancelled
	cancelled.Stamp = moved.Stamp.Add(time.Hour)

	want := []struct {
		method, status string
		start          time.Time
	}{
		{"REQUEST", "CONFIRMED", booked.Start},
		{"REQUEST", "CONFIRMED", moved.Start},
		{"CANCEL", "CANCELLED", moved.Start},
	}
	lastSeq := -1
	for i, inv := range []booking.Invite{booked, moved, cancelled} {
		cal, ev := MustParseICS(t, inv.ICS())
		if ev.Id() != booked.UID {
			t.Errorf("version %d: UID %q, want %q", i, ev.Id(), booked.UID)
		}
		seq, err := strconv.Atoi(eventProp(t, ev, ics.ComponentPropertySequence).Value)
		if err != nil || seq <= lastSeq {
			t.Errorf("version %d: SEQUENCE %d (%v) does not rise from %d", i, seq, err, lastSeq)
		}
		lastSeq = seq
		if got := calProp(cal, "METHOD"); got != want[i].method {
			t.Errorf("version %d: METHOD %q, want %q", i, got, want[i].method)
		}
		if got := eventProp(t, ev, ics.ComponentPropertyStatus).Value; got != want[i].status {
			t.Errorf("version %d: STATUS %q, want %q", i, got, want[i].status)
		}
		if start, err := ev.GetStartAt(); err != nil || !start.Equal(want[i].start) {
			t.Errorf("version %d: start %v (%v), want %v", i, start, err, want[i].start)
		}
	}
}

func TestInviteMethodAndStatus(t *testing.T) {
	cases := []struct {
		method, status         string
		wantMethod, wantStatus string
	}{
		{"", "", "REQUEST", "CONFIRMED"},
		{"REQUEST", "", "REQUEST", "CONFIRMED"},
		{"CANCEL", "", "CANCEL", "CANCELLED"},
		{"cancel", "CONFIRMED", "CANCEL", "CANCELLED"},
		{"REQUEST", "cancelled", "REQUEST", "CANCELLED"},
		{"PUBLISH\r\nX-EVIL:1", "TENTATIVE\r\nX-EVIL:1", "REQUEST", "CONFIRMED"},
		{"PUBLISH", "", "PUBLISH", "CONFIRMED"}, // the "Add to calendar" download
		{" publish ", "cancelled", "PUBLISH", "CANCELLED"},
	}
	for _, c := range cases {
		inv := sampleInvite(t)
		inv.Method, inv.Status = c.method, c.status
		b := inv.ICS()
		cal, ev := MustParseICS(t, b)
		if got := calProp(cal, "METHOD"); got != c.wantMethod {
			t.Errorf("%q/%q: METHOD %q, want %q", c.method, c.status, got, c.wantMethod)
		}
		if got := eventProp(t, ev, ics.ComponentPropertyStatus).Value; got != c.wantStatus {
			t.Errorf("%q/%q: STATUS %q, want %q", c.method, c.status, got, c.wantStatus)
		}
		if bytes.Contains(b, []byte("X-EVIL")) {
			t.Errorf("%q/%q: passed through", c.method, c.status)
		}
		// Only a request asks the attendee to answer.
		if rsvp := bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n "), nil), []byte("RSVP=TRUE")); rsvp != (c.wantMethod == "REQUEST") {
			t.Errorf("%q/%q: RSVP %v", c.method, c.status, rsvp)
		}
	}
}

func TestInviteAcrossClockChanges(t *testing.T) {
	cases := []struct {
		wall, dtstart, utc string
	}{
		{"2026-03-28 10:00", "20260328T100000", "2026-03-28T10:00:00Z"}, // GMT
		{"2026-03-29 10:00", "20260329T100000", "2026-03-29T09:00:00Z"}, // first day of BST
		{"2026-03-30 10:00", "20260330T100000", "2026-03-30T09:00:00Z"},
		{"2026-10-24 10:00", "20261024T100000", "2026-10-24T09:00:00Z"}, // last day of BST
		{"2026-10-25 10:00", "20261025T100000", "2026-10-25T10:00:00Z"}, // GMT again
		{"2026-10-26 10:00", "20261026T100000", "2026-10-26T10:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.wall, func(t *testing.T) {
			inv := sampleInvite(t)
			inv.Start = MustUTC(t, c.utc) // stored in UTC; written in London time
			inv.End = inv.Start.Add(time.Hour)
			_, ev := MustParseICS(t, inv.ICS())
			p := eventProp(t, ev, ics.ComponentPropertyDtStart)
			if p.Value != c.dtstart || !slices.Equal(p.ICalParameters["TZID"], []string{"Europe/London"}) {
				t.Fatalf("DTSTART %v:%s, want TZID=Europe/London:%s", p.ICalParameters, p.Value, c.dtstart)
			}
			start, err := ev.GetStartAt()
			if err != nil || !start.Equal(inv.Start) || start.Format("2006-01-02 15:04") != c.wall {
				t.Fatalf("start = %v (%v), want %s London = %s", start, err, c.wall, c.utc)
			}
			if end, err := ev.GetEndAt(); err != nil || end.Sub(start) != time.Hour {
				t.Fatalf("end = %v (%v)", end, err)
			}
		})
	}
}

// TestInviteTimezoneRules checks the VTIMEZONE the invitation carries
// against Go's zone database: for every year from each rule's start to
// 2037, the change it describes is the one Go knows, to the second.
func TestInviteTimezoneRules(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	cal, _ := MustParseICS(t, sampleInvite(t).ICS())
	tzs := cal.Timezones()
	if len(tzs) != 1 || tzs[0].GetProperty(ics.ComponentPropertyTzid).Value != "Europe/London" {
		t.Fatalf("timezones = %+v", tzs)
	}
	rrule := regexp.MustCompile(`^FREQ=YEARLY;BYMONTH=([0-9]+);BYDAY=-1SU$`)
	seen := map[string]bool{}
	for _, c := range tzs[0].Components {
		var base *ics.ComponentBase
		switch c := c.(type) {
		case *ics.Standard:
			base, seen["STANDARD"] = &c.ComponentBase, true
		case *ics.Daylight:
			base, seen["DAYLIGHT"] = &c.ComponentBase, true
		default:
			t.Fatalf("unexpected %T in VTIMEZONE", c)
		}
		prop := func(name string) string {
			p := base.GetProperty(ics.ComponentProperty(name))
			if p == nil {
				t.Fatalf("no %s", name)
			}
			return p.Value
		}
		from, to := offset(t, prop("TZOFFSETFROM")), offset(t, prop("TZOFFSETTO"))
		dtstart, err := time.Parse("20060102T150405", prop("DTSTART"))
		if err != nil {
			t.Fatal(err)
		}
		m := rrule.FindStringSubmatch(prop("RRULE"))
		if m == nil {
			t.Fatalf("RRULE %q", prop("RRULE"))
		}
		month, _ := strconv.Atoi(m[1])
		if dtstart.Month() != time.Month(month) || dtstart != lastSunday(dtstart.Year(), dtstart.Month()).Add(dtstart.Sub(dtstart.Truncate(24*time.Hour))) {
			t.Fatalf("DTSTART %v is not the rule's first change", dtstart)
		}
		clock := dtstart.Sub(dtstart.Truncate(24 * time.Hour))
		for y := dtstart.Year(); y <= 2037; y++ {
			// DTSTART is local time before the change: UTC is that minus the offset.
			at := lastSunday(y, time.Month(month)).Add(clock).Add(-from)
			_, before := at.Add(-time.Second).In(loc).Zone()
			_, after := at.In(loc).Zone()
			if time.Duration(before)*time.Second != from || time.Duration(after)*time.Second != to {
				t.Fatalf("%d: at %v Go's London goes from %ds to %ds; VTIMEZONE says %v to %v", y, at, before, after, from, to)
			}
		}
	}
	if !seen["STANDARD"] || !seen["DAYLIGHT"] {
		t.Fatalf("VTIMEZONE has %v, want STANDARD and DAYLIGHT", seen)
	}
}

func offset(tb testing.TB, s string) time.Duration {
	tb.Helper()
	t, err := time.Parse("-0700", s)
	if err != nil {
		tb.Fatal(err)
	}
	_, off := t.Zone()
	return time.Duration(off) * time.Second
}

// lastSunday is 00:00 UTC on the last Sunday of the month.
func lastSunday(year int, month time.Month) time.Time {
	d := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -int(d.Weekday()))
}

func TestInviteEscaping(t *testing.T) {
	inv := sampleInvite(t)
	inv.Summary = "Session; plan, part 1 \\ notes\r\nATTENDEE:mailto:evil@example.com"
	inv.Description = "Line one\r\nLine two\nPath C:\\new; a, b\rLast\u2028line"
	inv.Location = "Room 4, Stewart House;\nEND:VEVENT"
	inv.Organizer = booking.Person{Name: "O'Brien, Dr; \"Jo\"\r\nX-INJECT:1", Email: "careers@example.nhs.uk\r\nX-INJECT:2"}
	inv.Attendee = booking.Person{Name: "Zoë\tSmith: \x00\x07", Email: " sam@example.org "}
	inv.UID = "appointment-7@careers\r\nX-INJECT:3"
	b := inv.ICS()
	cal, ev := MustParseICS(t, b)

	checks := []struct{ name, got, want string }{
		{"SUMMARY", eventProp(t, ev, ics.ComponentPropertySummary).Value, "Session; plan, part 1 \\ notes ATTENDEE:mailto:evil@example.com"},
		{"DESCRIPTION", eventProp(t, ev, ics.ComponentPropertyDescription).Value, "Line one\nLine two\nPath C:\\new; a, b\nLast\nline"},
		{"LOCATION", eventProp(t, ev, ics.ComponentPropertyLocation).Value, "Room 4, Stewart House; END:VEVENT"},
		{"ORGANIZER CN", strings.Join(eventProp(t, ev, ics.ComponentPropertyOrganizer).ICalParameters["CN"], "|"), "O'Brien, Dr; 'Jo' X-INJECT:1"},
		{"ORGANIZER", eventProp(t, ev, ics.ComponentPropertyOrganizer).Value, "mailto:careers@example.nhs.ukX-INJECT:2"},
		{"ATTENDEE CN", strings.Join(ev.Attendees()[0].ICalParameters["CN"], "|"), "Zoë Smith:"},
		{"ATTENDEE", ev.Attendees()[0].Email(), "sam@example.org"},
		{"UID", eventProp(t, ev, ics.ComponentPropertyUniqueId).Value, "appointment-7@careers X-INJECT:3"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if n := len(ev.Attendees()); n != 1 {
		t.Errorf("%d attendees, want 1", n)
	}
	if len(cal.Events()) != 1 {
		t.Error("more than one event")
	}
	for _, p := range ev.Properties {
		if strings.HasPrefix(p.IANAToken, "X-") {
			t.Errorf("injected property %s", p.IANAToken)
		}
	}
	for _, raw := range []string{`Session\; plan\, part 1 \\ notes`, `Line one\nLine two\nPath C:\\new\; a\, b\nLast\nline`} {
		if !bytes.Contains(unfold(b), []byte(raw)) {
			t.Errorf("raw text %q not found in\n%s", raw, b)
		}
	}
	ends := 0
	for _, l := range strings.Split(string(unfold(b)), "\r\n") {
		if strings.HasPrefix(l, "X-") || strings.HasPrefix(l, "ATTENDEE:") {
			t.Errorf("injected line %q", l)
		}
		if l == "END:VEVENT" {
			ends++
		}
		if strings.ContainsFunc(l, func(r rune) bool { return r < ' ' }) {
			t.Errorf("control character in %q", l)
		}
	}
	if ends != 1 {
		t.Errorf("%d END:VEVENT lines", ends)
	}
}

// unfold joins folded lines.
func unfold(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n "), nil) }

// checkLines checks every physical line: CRLF, at most 75 octets, whole
// UTF-8 characters.
func checkLines(tb testing.TB, b []byte) (lines []string) {
	tb.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		tb.Fatal("does not end with CRLF")
	}
	if bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) || bytes.Count(b, []byte("\r")) != bytes.Count(b, []byte("\r\n")) {
		tb.Fatal("a line ending that is not CRLF")
	}
	lines = strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	for i, l := range lines {
		if len(l) > 75 {
			tb.Errorf("line %d is %d octets: %q", i, len(l), l)
		}
		if !utf8.ValidString(l) {
			tb.Errorf("line %d splits a character: %q", i, l)
		}
	}
	return lines
}

func TestInviteFolding(t *testing.T) {
	inv := sampleInvite(t)
	inv.Description = strings.Repeat("Zoë’s plan: 🙂 options, decisions; next steps. ", 20)
	inv.Attendee.Name = strings.Repeat("Very Long Name ", 10)
	b := inv.ICS()
	lines := checkLines(t, b)
	folded := 0
	for _, l := range lines {
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded < 10 {
		t.Fatalf("only %d continuation lines for a long description", folded)
	}
	_, ev := MustParseICS(t, b)
	if got := eventProp(t, ev, ics.ComponentPropertyDescription).Value; got != strings.TrimSpace(inv.Description) {
		t.Fatalf("description after unfolding =\n %q\nwant\n %q", got, inv.Description)
	}
	if got := ev.Attendees()[0].ICalParameters["CN"]; !slices.Equal(got, []string{strings.TrimSpace(inv.Attendee.Name)}) {
		t.Fatalf("CN after unfolding = %q", got)
	}
}

// TestInviteFoldingBoundary: "SUMMARY:" is 8 octets, so a 67-octet summary
// makes a line of exactly 75 and is not folded; one more octet is.
func TestInviteFoldingBoundary(t *testing.T) {
	for _, c := range []struct {
		summary string
		folded  bool
	}{
		{strings.Repeat("a", 67), false},
		{strings.Repeat("a", 68), true},
		{strings.Repeat("a", 66) + "é", true}, // 68 octets: the é moves down whole
		{strings.Repeat("a", 65) + "é", false},
	} {
		inv := sampleInvite(t)
		inv.Summary = c.summary
		b := inv.ICS()
		lines := checkLines(t, b)
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "SUMMARY:") })
		folded := strings.HasPrefix(lines[i+1], " ")
		if folded != c.folded {
			t.Errorf("%d-octet summary: folded %v, want %v", len(c.summary), folded, c.folded)
		}
		_, ev := MustParseICS(t, b)
		if got := eventProp(t, ev, ics.ComponentPropertySummary).Value; got != c.summary {
			t.Errorf("summary = %q, want %q", got, c.summary)
		}
	}
}

func TestInviteInvalidUTF8(t *testing.T) {
	inv := sampleInvite(t)
	inv.Summary = "Session \xff\xfe"
	inv.Description = strings.Repeat("x", 70) + "\xe2\x82" // a cut-off character at a fold
	b := inv.ICS()
	if !utf8.Valid(b) {
		t.Fatal("invalid UTF-8 written")
	}
	checkLines(t, b)
	MustParseICS(t, b)
}

func TestAppointmentUID(t *testing.T) {
	cases := []struct {
		id         int64
		host, want string
	}{
		{42, "careers.example.nhs.uk", "appointment-42@careers.example.nhs.uk"},
		{7, "Careers.Example.NHS.uk:8443", "appointment-7@careers.example.nhs.uk"},
		{1, "host\r\nX-EVIL 1", "appointment-1@hostx-evil1"},
	}
	for _, c := range cases {
		if got := booking.AppointmentUID(c.id, c.host); got != c.want {
			t.Errorf("AppointmentUID(%d, %q) = %q, want %q", c.id, c.host, got, c.want)
		}
	}
}
