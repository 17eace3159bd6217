package web

import (
	"strings"
	"testing"
	"time"
)

// An entry's markup escapes what it is given and carries the link and the
// remove button only when the coach may use them.
func TestEntryHTML(t *testing.T) {
	start := time.Date(2026, 6, 2, 13, 30, 0, 0, time.UTC) // 2:30pm in London (BST)
	booked := entryHTML(CalendarEntry{Start: start, End: start.Add(time.Hour), Booked: true, Status: "booked", CanOpen: true,
		Appointment: 42, Trainee: `Sam <b>"O'Neil"</b> & co`, Reference: "CR-7K4M-2Q9P"})
	for _, want := range []string{
		"<strong>2:30pm to 3:30pm</strong> ",
		`<strong class="nhsuk-tag nhsuk-tag--blue">Booked</strong>`,
		` Sam &lt;b&gt;&#34;O&#39;Neil&#34;&lt;/b&gt; &amp; co, <a href="/staff/referrals/CR-7K4M-2Q9P#appointment-42">CR-7K4M-2Q9P</a>`,
	} {
		if !strings.Contains(booked, want) {
			t.Errorf("booked entry lacks %q:\n%s", want, booked)
		}
	}
	if strings.Contains(booked, "<form") || strings.Contains(booked, "<b>") {
		t.Errorf("booked entry: %s", booked)
	}
	other := entryHTML(CalendarEntry{Start: start, End: start.Add(time.Hour), Booked: true, Status: "attended", Trainee: "Sam", Reference: "CR-1"})
	if strings.Contains(other, "Sam") || strings.Contains(other, "href") || !strings.Contains(other, "Took place") {
		t.Errorf("a former client's entry: %s", other)
	}
	free := entryHTML(CalendarEntry{ID: 7, Start: start, End: start.Add(time.Hour), Mode: "virtual", CanRemove: true})
	for _, want := range []string{`nhsuk-tag--green">Free</strong> Video call`, `action="/staff/calendar/slots/7/delete"`,
		`Remove<span class="nhsuk-u-visually-hidden"> 2:30pm on 2 June</span>`} {
		if !strings.Contains(free, want) {
			t.Errorf("free entry lacks %q:\n%s", want, free)
		}
	}
	past := entryHTML(CalendarEntry{ID: 7, Start: start, End: start.Add(time.Hour), Past: true})
	if !strings.Contains(past, "Past, not booked") || strings.Contains(past, "<form") {
		t.Errorf("past entry: %s", past)
	}
}

// entryHTML is one entry's markup as a string.
func entryHTML(e CalendarEntry) string {
	var b strings.Builder
	_ = writeEntry(&b, &e)
	return b.String()
}
