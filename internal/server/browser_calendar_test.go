package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/booking"
	"careers/internal/browsertest"
	"careers/internal/policy"
	"careers/internal/store"
)

// displayOf is the computed CSS display of the first element css matches.
func (tb *tab) displayOf(css string) string {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(`+"`"+css+"`"+`)).display`))
	if err != nil {
		tb.t.Fatalf("display of %s: %v", css, err)
	}
	return v
}

// The coach starts at home, goes to their calendar by links, adds time off
// over a free and a booked time, and sees the week as a grid at 1280 px
// and as a list of days at 390 px, with no axe violations.
func TestBrowserCoachCalendar(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	// Monday of next week, so the times are in the week after this one.
	monday := booking.DateOf(ts.clock.Now())
	for monday.Weekday() != time.Monday {
		monday = monday.AddDays(1)
	}
	if monday == booking.DateOf(ts.clock.Now()) {
		monday = monday.AddDays(7)
	}
	day := monday.AddDays(1)
	mustSlots(t, ts, coach.ID, calLondonAt(day, 10), calLondonAt(day, 14), calLondonAt(day.AddDays(1), 11))
	_, ref := allocated(t, ts, "CR-WEEK-2345", "jo@example.com", coach.ID, 3)
	mustBook(t, ts, ref, coach.ID, calLondonAt(day, 14))
	if _, _, err := ts.store.AddPattern(context.Background(), coach.ID, store.NewPattern{From: monday.AddDays(14).Midnight(), Until: monday.AddDays(20).Midnight(),
		Weekdays: []int16{1, 3}, Start: "09:30", LengthMinutes: 45, PerDay: 2, Mode: "telephone"}, nil); err != nil {
		t.Fatal(err)
	}

	co := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, co.ctx, "calendar-coach")
	co.open("/staff/sign-in")
	co.fill("email", coach.Email)
	co.fill("password", testPassword)
	co.submit("form button[type=submit]")
	co.click(".nhsuk-details__summary")
	co.fill("code", totp(t, strings.TrimSpace(co.text(".app-secret")), ts.clock.Now()))
	co.submit("form button[type=submit]")
	co.submit("main a.nhsuk-button")
	if got := co.path(); got != "/staff" && got != "/staff/coach" {
		t.Fatalf("the coach starts at %s, not home", got)
	}
	co.submit(`a[href="/staff/calendar"]`)
	co.submit(`a.nhsuk-pagination__link--next`)
	if !strings.Contains(co.text("caption"), monday.Midnight().In(londonTZ).Format("Monday 2 January 2006")) {
		t.Fatalf("next week is not the week of %s: %q", monday, co.text("caption"))
	}
	if !strings.Contains(co.text(".app-week"), "Free") || !strings.Contains(co.text(".app-week"), "Tam Trainee") {
		t.Errorf("the grid lacks the free and the booked times: %q", co.text(".app-week"))
	}

	// Time off over the day's free and booked times, from the page of
	// forms the week links to.
	co.submit(`a[href="/staff/calendar/add#time-off"]`)
	co.fill("off_from", day.String())
	co.fill("off_from_time", "09:00")
	co.fill("off_until_time", "17:00")
	co.fill("off_note", "Leave")
	co.submit(`form[action="/staff/calendar/time-off"] button`)
	if !strings.Contains(co.text(".nhsuk-notification-banner"), "1 free time(s) inside it removed") {
		t.Errorf("banner: %q", co.text(".nhsuk-notification-banner"))
	}
	if main := co.text("main"); !strings.Contains(main, "Tam Trainee") || !strings.Contains(main, "Cancel the session") {
		t.Errorf("the booked session in the time off is not listed with a way to cancel it: %q", main)
	}
	co.submit(`a.nhsuk-back-link`)
	if d := co.displayOf(".app-week"); d == "none" {
		t.Error("no grid at 1280 px")
	}
	if d := co.displayOf(".app-week__list"); d != "none" {
		t.Errorf("the day list shows beside the grid at 1280 px (%s)", d)
	}
	if !strings.Contains(co.text(".app-week"), "Leave") {
		t.Error("the grid does not show the time off")
	}

	// On a phone the same week is a list of days.
	if err := chromedp.Do(co.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	co.open(co.path())
	if d := co.displayOf(".app-week"); d != "none" {
		t.Errorf("the grid shows at 390 px (%s)", d)
	}
	if d := co.displayOf(".app-week__list"); d == "none" {
		t.Error("no day list at 390 px")
	}
	if !strings.Contains(co.text(".app-week__list"), "Tam Trainee") {
		t.Error("the day list lacks the booked time")
	}

	// The weekly pattern and the subscription pages, by links.
	co.submit(`a[href="/staff/calendar/patterns"]`)
	co.submit(`main .nhsuk-card a`)
	if !strings.Contains(co.text("main"), "Change it from a date") {
		t.Errorf("pattern page: %q", co.text("main"))
	}
	co.submit(`a.nhsuk-back-link`)
	co.submit(`a.nhsuk-back-link`)
	co.submit(`a[href="/staff/calendar/feed"]`)
	co.submit(`form[action="/staff/calendar/feed"] button`)
	if !strings.Contains(co.text("main"), "copy it now") {
		t.Errorf("feed page: %q", co.text("main"))
	}
}
