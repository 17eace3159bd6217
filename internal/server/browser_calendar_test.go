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

// weekGeometry is where the coach's week's parts are on the screen.
type weekGeometry struct {
	Days      int  // day headings
	Across    bool // the day headings side by side, left to right
	Down      bool // the day headings one under another
	HoursDown bool // the hour headings one under another
	Overflow  bool // the page is wider than the window, or the table than the page's column
	// The day and the hour heading whose column and row hold the first
	// entry with the given text (-1, "": none).
	EntryDay  int
	EntryHour string
}

// weekLayout measures the week table as laid out.
func (tb *tab) weekLayout(entryText string) weekGeometry {
	tb.t.Helper()
	js := `(() => {
		const rect = e => e.getBoundingClientRect();
		const days = [...document.querySelectorAll(".app-week tbody th")].map(rect);
		const hours = [...document.querySelectorAll(".app-week thead th")].filter(h => /^[0-9]/.test(h.textContent.trim()));
		const entry = [...document.querySelectorAll(".app-week__entry")].find(e => e.textContent.includes(` + "`" + entryText + "`" + `));
		const g = {Days: days.length, Across: days.length > 1, Down: days.length > 1, HoursDown: hours.length > 1,
			Overflow: document.documentElement.scrollWidth > window.innerWidth ||
				rect(document.querySelector(".app-week")).right > rect(document.querySelector("main")).right + 1,
			EntryDay: -1, EntryHour: ""};
		for (let i = 1; i < days.length; i++) {
			g.Across = g.Across && Math.abs(days[i].top - days[0].top) < 2 && days[i].left > days[i-1].left;
			g.Down = g.Down && Math.abs(days[i].left - days[0].left) < 2 && days[i].top > days[i-1].top;
		}
		for (let i = 1; i < hours.length; i++) {
			g.HoursDown = g.HoursDown && rect(hours[i]).top > rect(hours[i-1]).top;
		}
		if (entry) {
			const r = rect(entry);
			g.EntryDay = g.Across ? days.findIndex(d => r.left >= d.left - 1 && r.right <= d.right + 1)
				: days.findLastIndex(d => d.top < r.top);
			const h = hours.find(h => r.top >= rect(h).top - 1 && r.bottom <= rect(h).bottom + 1);
			g.EntryHour = h && getComputedStyle(h).display !== "none" && g.Across ? h.textContent.trim() : "";
		}
		return g;
	})()`
	g, err := chromedp.Run(tb.ctx, chromedp.Evaluate[weekGeometry](js))
	if err != nil {
		tb.t.Fatalf("week layout: %v", err)
	}
	return g
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
	if !strings.Contains(co.text(".app-week"), "Leave") {
		t.Error("the grid does not show the time off")
	}
	// On a wide screen the week's one table is turned on its side: the
	// days across, the hours down, the booked time in Tuesday's column
	// and the 2pm row.
	g := co.weekLayout("Tam Trainee")
	if g.Days != 7 || g.Overflow {
		t.Fatalf("1280 px: %d days, wider than the window: %v", g.Days, g.Overflow)
	}
	if !g.Across {
		t.Errorf("1280 px: the days are not side by side: %+v", g)
	}
	if !g.HoursDown {
		t.Errorf("1280 px: the hours do not go down the page: %+v", g)
	}
	if g.EntryDay != 1 || g.EntryHour != "2pm" {
		t.Errorf("1280 px: the booked time is under day %d and hour %q, not Tuesday 2pm: %+v", g.EntryDay, g.EntryHour, g)
	}

	// Seven days side by side need 990 px: at 800 (a tablet) the week is
	// the list of days, and at 1000, just past, the grid fits the page.
	for _, w := range []int64{800, 1000} {
		if err := chromedp.Do(co.ctx, chromedp.EmulateViewport(w, 1000)); err != nil {
			t.Fatal(err)
		}
		co.open(co.path())
		if g := co.weekLayout("Tam Trainee"); g.Across != (w >= 990) || g.Down != (w < 990) || g.Overflow {
			t.Errorf("%d px: days side by side %v, one under another %v, wider than the page %v", w, g.Across, g.Down, g.Overflow)
		}
	}
	if err := chromedp.Do(co.ctx, chromedp.EmulateViewport(1280, 1000)); err != nil {
		t.Fatal(err)
	}
	co.open(co.path())

	// The month: the days with times or time off, as a list.
	week := co.path()
	co.submit(`main a[href*="view=month"]`)
	if m := co.text("main"); !strings.Contains(m, "Tam Trainee") || !strings.Contains(m, "Leave") || !strings.Contains(m, day.Midnight().In(londonTZ).Format("Monday 2 January")) {
		t.Errorf("the month lacks the week's booked time or time off: %q", m)
	}
	co.open(week)

	// On a phone the same table is a list of days: each day's heading
	// above its times, the booked time under Tuesday.
	if err := chromedp.Do(co.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	co.open(week)
	g = co.weekLayout("Tam Trainee")
	if g.Days != 7 || g.Overflow {
		t.Fatalf("390 px: %d days, wider than the window: %v", g.Days, g.Overflow)
	}
	if !g.Down {
		t.Errorf("390 px: the days are not one under another: %+v", g)
	}
	if g.EntryDay != 1 {
		t.Errorf("390 px: the booked time is under day %d, not Tuesday: %+v", g.EntryDay, g)
	}
	if !strings.Contains(co.text(".app-week tbody tr:last-child th"), "No times") {
		t.Errorf("390 px: an empty Sunday does not say so: %q", co.text(".app-week tbody tr:last-child th"))
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
