package booking_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"careers/internal/booking"
)

func TestInitials(t *testing.T) {
	for name, want := range map[string]string{
		"Jo Smith": "JS", "  tamsin   quiller-brown ": "TQ", "Ólafur O'Neil": "ÓO", "": "", "J. R. R. Tolkien": "JRRT", "42 Jo": "J",
	} {
		if got := booking.Initials(name); got != want {
			t.Errorf("Initials(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestFeedParsesAndEscapes(t *testing.T) {
	start := time.Date(2026, 7, 1, 13, 0, 0, 0, time.UTC) // 2pm in London (BST)
	body := booking.Feed("Sessions", []booking.FeedEvent{
		{UID: booking.AppointmentUID(7, "careers.example.nhs.uk"), Sequence: 2, Start: start, End: start.Add(time.Hour),
			Summary: "Careers session: JS (CR-ABCD-2345)\r\nBEGIN:VEVENT; x, y", Stamp: start},
		{UID: booking.TimeOffUID(3, "careers.example.nhs.uk:8443"), Start: start.Add(24 * time.Hour), End: start.Add(48 * time.Hour),
			Summary: "Not available (time off)", Stamp: start},
	})
	if strings.Count(string(body), "BEGIN:VEVENT\r\n") != 2 {
		t.Fatalf("a summary added an event:\n%s", body)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ev := cal.Events()
	if len(ev) != 2 {
		t.Fatalf("%d events", len(ev))
	}
	if got := ev[0].GetProperty(ics.ComponentPropertyDtStart); got.Value != "20260701T140000" || got.ICalParameters["TZID"][0] != "Europe/London" {
		t.Errorf("DTSTART %v", got)
	}
	if uid := ev[1].GetProperty(ics.ComponentPropertyUniqueId).Value; uid != "time-off-3@careers.example.nhs.uk" {
		t.Errorf("time off UID %q", uid)
	}
	if strings.Contains(string(body), "METHOD:") {
		t.Error("a subscription is not an invitation: no METHOD")
	}
}
