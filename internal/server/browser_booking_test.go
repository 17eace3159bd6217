package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/booking"
	"careers/internal/browsertest"
	"careers/internal/policy"
)

// A trainee books from their own page by following links only, then moves
// the session to another time in one step; every page passes axe at
// 1280 px and on a 390 px phone, where nothing scrolls sideways.
func TestBrowserBookAndRearrange(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	addSlot(t, ts, coach.ID, start, "virtual")
	addSlot(t, ts, coach.ID, start.Add(2*time.Hour), "telephone")
	addSlot(t, ts, coach.ID, start.Add(4*time.Hour), "in_person")
	ts.MustReferral(t, "CR-BRBK-2345", "bo@example.com", "", 0, coach.ID)
	var id int64
	ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'allocated', trainee_name = 'Bo Trainee',
		answers = '{"mode": ["telephone"], "times": ["weekdays"]}' WHERE reference = 'CR-BRBK-2345' RETURNING id`).Scan(&id)
	ts.store.AddAllowance(ctx, id, "granted", 2, 0, "", time.Now())

	tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, tr.ctx, "book-rearrange")
	tr.open("/sign-in")
	tr.fill("email", "bo@example.com")
	tr.submit("form button[type=submit]")
	tr.open(ts.mail.MustLink(t, "bo@example.com"))
	tr.submit("form button[type=submit]")
	tr.open("/your-referrals/CR-BRBK-2345")
	tr.submit(`a[href="/your-referrals/CR-BRBK-2345/book"]`)
	// The filter by way of meeting is a link; then back to all.
	tr.submit(`nav[aria-label="Way of meeting"] a[href*="mode=telephone"]`)
	if got := tr.text("main form"); strings.Contains(got, "Video call") || !strings.Contains(got, "Telephone") {
		t.Errorf("the telephone filter shows %q", got)
	}
	tr.submit(`nav[aria-label="Way of meeting"] a:not([href*="mode="])`)
	tr.click(`label[for="slot"]`)
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Session booked") {
		t.Fatal("no booking confirmation")
	}
	if !strings.Contains(tr.text("main"), "Add to calendar") {
		t.Error("no Add to calendar link after booking")
	}

	// Rearranging: the new time is chosen while the old one is held.
	tr.submit(`a[href$="/rearrange"]`)
	if !strings.Contains(tr.text("main"), "stays booked until you choose a new time") {
		t.Fatal("the rearrange page does not say the old time is held")
	}
	tr.click(`input[name=slot]:not(:checked) + label`)
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Your session has moved") {
		t.Fatalf("no confirmation of the move: %q", tr.text("main"))
	}

	// The same pages on a phone.
	if err := chromedp.Do(tr.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	narrow := func(what string) {
		t.Helper()
		if wide := mustRun(t, tr.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); wide {
			t.Errorf("%s scrolls sideways at 390 px", what)
		}
	}
	tr.open("/your-referrals/CR-BRBK-2345")
	narrow("the trainee's page")
	tr.submit(`a[href="/your-referrals/CR-BRBK-2345/book"]`)
	narrow("the booking page")
	tr.open("/your-referrals/CR-BRBK-2345")
	tr.submit(`a[href$="/rearrange"]`)
	narrow("the rearrange page")
	// Nothing chosen: the error summary, on a phone.
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-error-summary"), "Choose a new time") {
		t.Error("no error summary when nothing is chosen")
	}
	narrow("the rearrange page with an error")
}

// With JavaScript off, a trainee pages to the next week, filters, books
// and moves the session: links and plain forms only.
func TestBrowserBookingWithoutJavaScript(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	addSlot(t, ts, coach.ID, start, "virtual")
	addSlot(t, ts, coach.ID, start.Add(8*24*time.Hour), "telephone")
	addSlot(t, ts, coach.ID, start.Add(8*24*time.Hour+2*time.Hour), "virtual")
	ts.MustReferral(t, "CR-NOJS-2345", "nojs@example.com", "", 0, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'allocated', trainee_name = 'No Script' WHERE reference = 'CR-NOJS-2345' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ts.store.AddAllowance(ctx, id, "granted", 1, 0, "", time.Now())

	tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithJavaScriptDisabled(), browsertest.WithTimeout(120*time.Second)), ts: ts, noJS: true}
	defer saveScreenshot(t, tr.ctx, "book-nojs")
	tr.open("/sign-in")
	tr.fill("email", "nojs@example.com")
	tr.submit("form button[type=submit]")
	tr.open(ts.mail.MustLink(t, "nojs@example.com"))
	tr.submit("form button[type=submit]")
	tr.open("/your-referrals/CR-NOJS-2345")
	tr.submit(`a[href="/your-referrals/CR-NOJS-2345/book"]`)
	tr.submit(`a.nhsuk-pagination__link--next`)
	tr.submit(`nav[aria-label="Way of meeting"] a[href*="mode=telephone"]`)
	tr.click(`label[for="slot"]`)
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Session booked") {
		t.Fatal("no booking confirmation without JavaScript")
	}
	var mode string
	if err := ts.pool.QueryRow(ctx, `SELECT mode FROM appointments WHERE referral_id = $1 AND status = 'booked'`, id).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "telephone" {
		t.Errorf("booked a %q time, want the telephone one", mode)
	}
	tr.submit(`a[href$="/rearrange"]`)
	tr.click(`label[for="slot"]`)
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Your session has moved") {
		t.Fatalf("no confirmation of the move: %q", tr.text("main"))
	}
}

// A busy week on a phone: the day picker's seven days take two rows, and
// from the picker to the button one day's times fit one screen (390 by
// 844). The trainee picks another day and books one of its times; on a
// desktop the seven days sit in one row.
func TestBrowserBookingBusyWeekFitsAScreen(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "kofi@example.nhs.uk", policy.Coach)
	day := booking.DateOf(ts.clock.Now()).AddDays(3)
	for day.Weekday() != time.Monday {
		day = day.AddDays(1)
	}
	var wednesday []int64
	for d := range 5 {
		for h := 9; h < 18; h++ {
			if h == 13 || h == 15 {
				continue
			}
			mode := []string{"virtual", "telephone", "in_person"}[(d+h)%3]
			id := addSlot(t, ts, coach.ID, londonAt(t, day.AddDays(d), h), mode)
			if d == 2 {
				wednesday = append(wednesday, id)
			}
		}
	}
	ts.MustReferral(t, "CR-BUSY-2345", "busy@example.com", "", 0, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'allocated', trainee_name = 'Busy Trainee',
		answers = '{"mode": ["telephone"], "times": ["weekdays"]}' WHERE reference = 'CR-BUSY-2345' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ts.store.AddAllowance(ctx, id, "granted", 2, 0, "", time.Now())

	tr := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(120*time.Second)), ts: ts}
	defer saveScreenshot(t, tr.ctx, "book-busy-week")
	if err := chromedp.Do(tr.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	tr.open("/sign-in")
	tr.fill("email", "busy@example.com")
	tr.submit("form button[type=submit]")
	tr.open(ts.mail.MustLink(t, "busy@example.com"))
	tr.submit("form button[type=submit]")
	tr.open("/your-referrals/CR-BUSY-2345")
	tr.submit(`a[href="/your-referrals/CR-BUSY-2345/book"]`)
	type layout struct {
		Rows, Days, Times int
		Span              float64 // from the top of the day picker to the bottom of the button
		Wide              bool
	}
	measure := func() layout {
		t.Helper()
		return mustRun(t, tr.ctx, chromedp.Evaluate[layout](`(() => {
			const tops = new Set([...document.querySelectorAll('.app-days__item')].map(e => Math.round(e.getBoundingClientRect().top)));
			const top = document.querySelector('nav.app-days').getBoundingClientRect().top;
			const bottom = document.querySelector('main form button[type=submit]').getBoundingClientRect().bottom;
			return {Rows: tops.size, Days: document.querySelectorAll('.app-days__item').length,
				Times: document.querySelectorAll('input[name=slot]').length, Span: bottom - top,
				Wide: document.documentElement.scrollWidth > window.innerWidth};
		})()`))
	}
	phone := measure()
	if phone.Days != 7 || phone.Rows != 2 || phone.Times != 7 || phone.Wide {
		t.Errorf("on a phone: %+v, want 7 days in 2 rows, one day's 7 times, nothing sideways", phone)
	}
	if phone.Span > 844 {
		t.Errorf("on a phone the day picker, a day's times and the button take %.0f px, more than a 844 px screen", phone.Span)
	}
	// Another day, by its link in the picker; one of its times booked.
	tr.submit(`nav.app-days li:nth-child(3) a`)
	if got := tr.text("main form legend"); !strings.HasPrefix(got, "Wednesday") {
		t.Errorf("the third day of the picker shows %q", got)
	}
	tr.click(`label[for="slot-` + strconv.FormatInt(wednesday[1], 10) + `"]`)
	tr.submit("main form button[type=submit]")
	if !strings.Contains(tr.text(".nhsuk-notification-banner"), "Session booked") {
		t.Fatal("no booking confirmation")
	}
	var booked int64
	if err := ts.pool.QueryRow(ctx, `SELECT slot_id FROM appointments WHERE referral_id = $1 AND status = 'booked'`, id).Scan(&booked); err != nil || booked != wednesday[1] {
		t.Errorf("booked slot %d (%v), want Wednesday's second, %d", booked, err, wednesday[1])
	}
	if err := chromedp.Do(tr.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	tr.open("/your-referrals/CR-BUSY-2345/book")
	if desk := measure(); desk.Rows != 1 || desk.Days != 7 || desk.Wide {
		t.Errorf("on a desktop: %+v, want the 7 days in one row", desk)
	}
}
