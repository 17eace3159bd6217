package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"careers/internal/booking"
	"careers/internal/policy"
	"careers/internal/store"
)

// londonAt is the instant London clocks show h:00 on d.
func londonAt(t *testing.T, d booking.Date, h int) time.Time {
	t.Helper()
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(d.Year, d.Month, d.Day, h, 0, 0, 0, l).UTC()
}

// addSlot adds one hour-long slot in mode and returns its ID.
func addSlot(t *testing.T, ts *testServer, coach int64, start time.Time, mode string) int64 {
	t.Helper()
	var id int64
	if err := ts.pool.QueryRow(context.Background(), `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode, place)
		VALUES ($1, $2, $3, $4, 'Room 4') RETURNING id`, coach, start, start.Add(time.Hour), mode).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func offered(body string, id int64) bool {
	return strings.Contains(body, `name="slot" type="radio" value="`+strconv.FormatInt(id, 10)+`"`)
}

var hrefRe = regexp.MustCompile(`href="([^"]+)"[^>]*>\s*<span class="nhsuk-pagination__title">(Previous|Next) week`)

// weekLink is the page's link to the previous or next week ("" for none).
func weekLink(body, which string) string {
	for _, m := range hrefRe.FindAllStringSubmatch(body, -1) {
		if m[2] == which {
			return strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return ""
}

var dayRe = regexp.MustCompile(`<a class="app-days__day[^"]*" href="([^"]+)"[^>]*>\s*<span class="app-days__name">([^<]+)</span>\s*<span class="app-days__date">([^<]+)</span>\s*<span class="app-days__count">([^<]+)</span>`)

// dayLink is the day picker's link to d ("" for none).
func dayLink(body string, d booking.Date) string {
	for _, m := range dayRe.FindAllStringSubmatch(body, -1) {
		if m[2]+" "+m[3] == time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Format("Mon 2 Jan") {
			return strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return ""
}

// dayCounts is the day picker's days with times and how many each says.
func dayCounts(body string) map[string]string {
	out := map[string]string{}
	for _, m := range dayRe.FindAllStringSubmatch(body, -1) {
		out[m[2]+" "+m[3]] = m[4]
	}
	return out
}

// The booking page shows a week of times grouped by day, opens on the
// first day with a free time, pages by week, filters by way of meeting,
// and marks the times that match what the trainee told us; the horizon
// holds on the page and on the server; times inside 24 hours say what a
// later change costs.
func TestBookingPageWeeksFilterAndPreferences(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	trainee, id := allocated(t, ts, "CR-WEEK-2345", "week@example.com", coach.ID, 2)
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET answers = '{"mode": ["virtual"], "times": ["Weekday evenings after work"]}' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	now := ts.clock.Now()
	// A Monday at least three days ahead that is not a bank holiday, and the
	// Tuesday after it.
	mon := booking.DateOf(now).AddDays(3)
	for mon.Weekday() != time.Monday {
		mon = mon.AddDays(1)
	}
	for {
		_, h1 := booking.BankHoliday(mon)
		_, h2 := booking.BankHoliday(mon.AddDays(1))
		if !h1 && !h2 {
			break
		}
		mon = mon.AddDays(7)
	}
	morning := addSlot(t, ts, coach.ID, londonAt(t, mon, 10), "in_person")
	evening := addSlot(t, ts, coach.ID, londonAt(t, mon, 18), "virtual")
	phone := addSlot(t, ts, coach.ID, londonAt(t, mon.AddDays(1), 18), "telephone")
	later := addSlot(t, ts, coach.ID, londonAt(t, mon.AddDays(8), 18), "virtual")
	beyond := addSlot(t, ts, coach.ID, now.Add(8*7*24*time.Hour+time.Hour).Truncate(time.Hour), "virtual")
	soon := addSlot(t, ts, coach.ID, now.Add(18*time.Hour).Truncate(time.Hour), "virtual")

	// Opens on the first day with a free time: the one 18 hours away,
	// which says a later change costs a session.
	p := trainee.Get(t, "/your-referrals/CR-WEEK-2345/book")
	if p.Status != http.StatusOK || !offered(p.Body, soon) || !strings.Contains(p.Body, "Less than 24 hours away") {
		t.Fatalf("first page: %d, the time 18 hours away offered %v", p.Status, offered(p.Body, soon))
	}
	if offered(p.Body, beyond) {
		t.Error("a time beyond the 8-week horizon is offered")
	}
	// The week with the Monday opens on the Monday; the Tuesday is a day of
	// the day picker, away.
	p = trainee.Get(t, "/your-referrals/CR-WEEK-2345/book?from="+mon.String())
	for _, s := range []int64{morning, evening} {
		if !offered(p.Body, s) {
			t.Errorf("slot %d not offered on its day", s)
		}
	}
	if offered(p.Body, later) || offered(p.Body, soon) || offered(p.Body, phone) {
		t.Error("a time of another day is offered")
	}
	if !strings.Contains(p.Body, ">"+londonAt(t, mon, 12).Format("Monday 2 January")+"</legend>") {
		t.Error("the Monday's times are not under its date")
	}
	tue := dayLink(p.Body, mon.AddDays(1))
	if tp := trainee.Get(t, tue); tue == "" || !offered(tp.Body, phone) || strings.Count(tp.Body, `">Matches what you told us</strong>`) != 1 {
		t.Errorf("the day picker does not lead to the Tuesday's time (%q), unmarked (a telephone call)", tue)
	}
	// Only the video call on a weekday evening matches what they told us.
	if n := strings.Count(p.Body, `">Matches what you told us</strong>`); n != 2 { // the explanation + one time
		t.Errorf("%d marks, want the explanation and one time", n)
	}
	hint := p.Body[strings.Index(p.Body, `id="slot-`+strconv.FormatInt(evening, 10)+`-hint"`):]
	if !strings.Contains(hint[:strings.Index(hint, "</div>")], "Matches what you told us") {
		t.Error("the video call on Monday evening is not marked")
	}
	if !strings.Contains(p.Body, "video call; weekdays; evenings") {
		t.Error("the page does not say what the trainee told us")
	}
	// Next week, then back.
	next := weekLink(p.Body, "Next")
	if next == "" {
		t.Fatal("no link to the next week")
	}
	n := trainee.Get(t, next)
	if !offered(n.Body, later) || offered(n.Body, evening) {
		t.Error("the next week does not show its own times")
	}
	if prev := weekLink(n.Body, "Previous"); prev == "" || !offered(trainee.Get(t, prev).Body, evening) {
		t.Error("the previous week link does not lead back")
	}
	// The filter by way of meeting.
	f := trainee.Get(t, "/your-referrals/CR-WEEK-2345/book?from="+mon.String()+"&mode=telephone")
	if !offered(f.Body, phone) || offered(f.Body, evening) || offered(f.Body, morning) {
		t.Error("the telephone filter shows other ways of meeting")
	}
	if !strings.Contains(f.Body, `aria-current="page"><strong>Telephone`) {
		t.Error("the filter does not show which way of meeting is chosen")
	}
	// Choosing a filter from any week opens on its first time.
	if !strings.Contains(p.Body, `href="/your-referrals/CR-WEEK-2345/book?mode=telephone"`) {
		t.Error("no filter link for telephone")
	} else if g := trainee.Get(t, "/your-referrals/CR-WEEK-2345/book?mode=telephone"); !offered(g.Body, phone) {
		t.Error("the telephone filter does not open on the first telephone time")
	}
	// A refused booking shows the same week and filter again, the choice kept.
	r := trainee.Post(t, "/your-referrals/CR-WEEK-2345/book", url.Values{"slot": {strconv.FormatInt(beyond, 10)}, "from": {mon.String()}, "mode": {"telephone"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "more than 8 weeks ahead") || !offered(r.Body, phone) || offered(r.Body, evening) {
		t.Errorf("booking beyond the horizon: %d %s", r.Status, errorSummary(r.Body))
	}
	if _, u := used(t, ts, id); u != 0 {
		t.Errorf("refused booking used %d", u)
	}
}

// A week is a day picker of its seven days, each saying how many free
// times it has and how many match what the trainee told us; one day's
// times are shown at a time (the first with times, the one asked for, or
// the one of the time chosen when the form comes back with an error).
func TestBookingDayPicker(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	trainee, id := allocated(t, ts, "CR-DAYS-2345", "days@example.com", coach.ID, 2)
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET answers = '{"mode": ["virtual"], "times": ["Weekday evenings after work"]}' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	mon := booking.DateOf(ts.clock.Now()).AddDays(3)
	for mon.Weekday() != time.Monday {
		mon = mon.AddDays(1)
	}
	for {
		_, h1 := booking.BankHoliday(mon)
		_, h2 := booking.BankHoliday(mon.AddDays(2))
		if !h1 && !h2 {
			break
		}
		mon = mon.AddDays(7)
	}
	wed := mon.AddDays(2)
	var monday, wednesday []int64
	for _, h := range []int{9, 11, 18} {
		monday = append(monday, addSlot(t, ts, coach.ID, londonAt(t, mon, h), "virtual"))
	}
	for _, h := range []int{10, 19} {
		wednesday = append(wednesday, addSlot(t, ts, coach.ID, londonAt(t, wed, h), "in_person"))
	}
	label := func(d booking.Date) string { return londonAt(t, d, 12).Format("Mon 2 Jan") }
	base := "/your-referrals/CR-DAYS-2345/book?from=" + mon.String()

	p := trainee.Get(t, base)
	counts := dayCounts(p.Body)
	if len(counts) != 2 || counts[label(mon)] != "3 times" || counts[label(wed)] != "2 times" {
		t.Errorf("day picker: %q, want Monday 3 times and Wednesday 2", counts)
	}
	if strings.Count(p.Body, `class="app-days__item"`) != 7 || !strings.Contains(p.Body, londonAt(t, mon.AddDays(1), 12).Format("2 Jan")+`</span> <span class="app-days__count">No times</span>`) {
		t.Error("the day picker does not show the seven days, those without times as such")
	}
	// Monday's one evening video call matches; Wednesday's in-person
	// times do not.
	if !strings.Contains(p.Body, `<span class="app-days__match">1 matches<span class="nhsuk-u-visually-hidden"> what you told us</span>`) || strings.Count(p.Body, "app-days__match") != 1 {
		t.Error("the day picker does not say how many of a day's times match")
	}
	if !regexp.MustCompile(`app-days__day--current" href="[^"]*day=` + mon.String() + `[&"]`).MatchString(p.Body) {
		t.Error("the Monday, shown, is not marked as the current day")
	}
	for _, s := range monday {
		if !offered(p.Body, s) {
			t.Errorf("Monday's time %d is not shown on opening the week", s)
		}
	}
	for _, s := range wednesday {
		if offered(p.Body, s) {
			t.Errorf("Wednesday's time %d is shown with Monday's", s)
		}
	}
	// The filter's days: the days keep it, and count its times only.
	f := trainee.Get(t, base+"&mode=in_person")
	if c := dayCounts(f.Body); len(c) != 1 || c[label(wed)] != "2 times" || !strings.Contains(dayLink(f.Body, wed), "mode=in_person") {
		t.Errorf("the in-person filter's day picker: %v, Wednesday's link %q", c, dayLink(f.Body, wed))
	}
	// A coordinator booking for the trainee reads whose preferences match.
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, "coord@example.nhs.uk", "")
	if s := cb.Get(t, "/staff/referrals/CR-DAYS-2345/book?from="+mon.String()); !strings.Contains(s.Body, `1 matches<span class="nhsuk-u-visually-hidden"> what the trainee told us</span>`) ||
		strings.Count(s.Body, `">Matches what the trainee told us</strong>`) != 2 || strings.Contains(s.Body, "what you told us") {
		t.Errorf("the coordinator's page does not say whose preferences match: %d", s.Status)
	}
	w := trainee.Get(t, dayLink(p.Body, wed))
	if !offered(w.Body, wednesday[0]) || !offered(w.Body, wednesday[1]) || offered(w.Body, monday[0]) {
		t.Error("the Wednesday link does not show Wednesday's times alone")
	}
	if !strings.Contains(w.Body, `name="day" value="`+wed.String()+`"`) {
		t.Error("the form does not keep the day shown")
	}
	// A day without times, or outside the week, opens on the first with.
	for _, d := range []string{mon.AddDays(1).String(), mon.AddDays(9).String(), "not-a-date"} {
		if g := trainee.Get(t, base+"&day="+d); !offered(g.Body, monday[0]) {
			t.Errorf("day=%s does not fall back to the first day with times", d)
		}
	}
	// A refused choice comes back on its own day, still chosen: a late move
	// without a reason, to a Wednesday time, posted from the Monday.
	appt := bookedAt(t, ts, trainee, "CR-DAYS-2345", addSlot(t, ts, coach.ID, ts.clock.Now().Truncate(time.Hour).Add(20*time.Hour), "virtual"))
	moveURL := "/your-referrals/CR-DAYS-2345/appointments/" + strconv.FormatInt(appt, 10) + "/rearrange"
	r := trainee.Post(t, moveURL, url.Values{"slot": {strconv.FormatInt(wednesday[1], 10)}, "from": {mon.String()}, "day": {mon.String()}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="`+strconv.FormatInt(wednesday[1], 10)+`" checked`) || offered(r.Body, monday[0]) {
		t.Errorf("a refused move does not come back on its time's day, still chosen: %d %s", r.Status, errorSummary(r.Body))
	}
}

// BOOKING_MIN_NOTICE and BOOKING_HORIZON set the window the page and the
// server share.
func TestBookingWindowIsConfigurable(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, map[string]string{"BOOKING_MIN_NOTICE": "2h", "BOOKING_HORIZON": "72h"})
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	trainee, _ := allocated(t, ts, "CR-CONF-2345", "conf@example.com", coach.ID, 2)
	now := ts.clock.Now()
	in3h := addSlot(t, ts, coach.ID, now.Add(3*time.Hour).Truncate(time.Minute), "virtual")
	in1h := addSlot(t, ts, coach.ID, now.Add(time.Hour).Truncate(time.Minute), "virtual")
	in4d := addSlot(t, ts, coach.ID, now.Add(96*time.Hour).Truncate(time.Minute), "virtual")
	p := trainee.Get(t, "/your-referrals/CR-CONF-2345/book")
	if !offered(p.Body, in3h) || offered(p.Body, in1h) || offered(p.Body, in4d) || !strings.Contains(p.Body, "at least 2 hours from now, up to 3 days ahead") {
		t.Errorf("the page does not follow the configured window")
	}
	if r := trainee.Post(t, "/your-referrals/CR-CONF-2345/book", url.Values{"slot": {strconv.FormatInt(in1h, 10)}}); r.Status != http.StatusConflict ||
		!strings.Contains(errorSummary(r.Body), "less than 2 hours") || !offered(r.Body, in3h) {
		t.Errorf("inside the notice: %d %s", r.Status, errorSummary(r.Body))
	}
	if r := trainee.Post(t, "/your-referrals/CR-CONF-2345/book", url.Values{"slot": {strconv.FormatInt(in3h, 10)}}); r.Status != http.StatusSeeOther {
		t.Errorf("inside the window: %d %s", r.Status, errorSummary(r.Body))
	}
}

// A weekly pattern never offers a bank holiday in England: Christmas Day
// 2026, the substitute Monday 28 December 2026, Easter Monday 2027.
func TestBankHolidaysAreNotOffered(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	for _, period := range []struct {
		ref, email string
		now        time.Time
		from, to   booking.Date
		holidays   []booking.Date
		ordinary   booking.Date
	}{
		{"CR-XMAS-2345", "xmas@example.com", time.Date(2026, 12, 16, 9, 0, 0, 0, time.UTC), booking.NewDate(2026, 12, 21), booking.NewDate(2027, 1, 1),
			[]booking.Date{booking.NewDate(2026, 12, 25), booking.NewDate(2026, 12, 28), booking.NewDate(2027, 1, 1)}, booking.NewDate(2026, 12, 29)},
		{"CR-EAST-2345", "easter@example.com", time.Date(2027, 3, 16, 9, 0, 0, 0, time.UTC), booking.NewDate(2027, 3, 22), booking.NewDate(2027, 4, 2),
			[]booking.Date{booking.NewDate(2027, 3, 26), booking.NewDate(2027, 3, 29)}, booking.NewDate(2027, 3, 30)},
	} {
		ts.clock.Advance(period.now.Sub(ts.clock.Now()))
		p := booking.Pattern{From: period.from, Until: period.to, Weekdays: weekdays, Start: "10:00", Length: time.Hour, Mode: booking.ModeVirtual}
		var slots []store.NewSlot
		for _, s := range p.Slots() {
			slots = append(slots, store.NewSlot{Start: s.Start, End: s.End, Mode: string(s.Mode)})
		}
		if _, err := ts.store.AddSlots(context.Background(), coach.ID, slots); err != nil {
			t.Fatal(err)
		}
		trainee, _ := allocated(t, ts, period.ref, period.email, coach.ID, 1)
		var pages strings.Builder
		for d := period.from; d.Compare(period.to) <= 0; d = d.AddDays(7) {
			pages.WriteString(trainee.Get(t, "/your-referrals/"+period.ref+"/book?from="+d.String()).Body)
		}
		all := pages.String()
		for _, h := range period.holidays {
			if label := londonAt(t, h, 12).Format("Monday 2 January"); strings.Contains(all, "<legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">"+label+"</legend>") {
				t.Errorf("%s (a bank holiday) is offered", label)
			}
		}
		if label := londonAt(t, period.ordinary, 12).Format("Monday 2 January"); !strings.Contains(all, ">"+label+"</legend>") {
			t.Errorf("%s (an ordinary day) is not offered", label)
		}
	}
}

// bookedAt books the slot at start for the trainee and returns the
// appointment's ID.
func bookedAt(t *testing.T, ts *testServer, b *browser, ref string, slot int64) int64 {
	t.Helper()
	if p := b.Post(t, "/your-referrals/"+ref+"/book", url.Values{"slot": {strconv.FormatInt(slot, 10)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book: %d %s", p.Status, errorSummary(p.Body))
	}
	var id int64
	if err := ts.pool.QueryRow(context.Background(), `SELECT id FROM appointments WHERE slot_id = $1 AND status = 'booked'`, slot).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// ledger is the referral's allowance events, as text.
func ledger(t *testing.T, ts *testServer, id int64) string {
	t.Helper()
	var s string
	if err := ts.pool.QueryRow(context.Background(), `SELECT coalesce(string_agg(kind || ':' || sessions, ',' ORDER BY id), '') FROM allowance_events WHERE referral_id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Rearranging is one step: the new time is chosen while the old one is
// held, and both people get one updated invitation (same UID, SEQUENCE
// one higher, METHOD:REQUEST), which the "Add to calendar" download
// matches; a double submit moves nothing twice.
func TestRearrangeInOneStep(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	trainee, id := allocated(t, ts, "CR-MOVE-2345", "move@example.com", coach.ID, 1)
	now := ts.clock.Now().Truncate(time.Hour)
	a := addSlot(t, ts, coach.ID, now.Add(72*time.Hour), "virtual")
	b := addSlot(t, ts, coach.ID, now.Add(74*time.Hour), "telephone")
	appt := bookedAt(t, ts, trainee, "CR-MOVE-2345", a)
	first := invites(t, ts, "move@example.com")
	if len(first) != 1 {
		t.Fatalf("%d invitations after booking", len(first))
	}
	uid := prop(first[0], ics.ComponentPropertyUniqueId)
	mailsBefore := len(ts.mail.To(t, "move@example.com")) + len(ts.mail.To(t, coach.Email))

	// The trainee's page links to the change, which shows times with the
	// old one still booked.
	home := trainee.Get(t, "/your-referrals/CR-MOVE-2345")
	moveURL := "/your-referrals/CR-MOVE-2345/appointments/" + strconv.FormatInt(appt, 10) + "/rearrange"
	if !strings.Contains(home.Body, `href="`+moveURL+`"`) || !strings.Contains(home.Body, "/calendar.ics") {
		t.Fatal("the trainee's page has no link to change the time or add it to a calendar")
	}
	g := trainee.Get(t, moveURL)
	if g.Status != http.StatusOK || !offered(g.Body, b) || offered(g.Body, a) || !strings.Contains(g.Body, "stays booked until you choose a new time") {
		t.Fatalf("rearrange page: %d", g.Status)
	}
	// Nothing chosen: the form again, nothing changed.
	if p := trainee.Post(t, moveURL, nil); p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p.Body), "Choose a new time") {
		t.Errorf("nothing chosen: %d", p.Status)
	}
	form := url.Values{"slot": {strconv.FormatInt(b, 10)}}
	if p := trainee.Post(t, moveURL, form); p.Status != http.StatusSeeOther {
		t.Fatalf("rearrange: %d %s", p.Status, errorSummary(p.Body))
	}
	var newAppt int64
	var oldStatus string
	if err := ts.pool.QueryRow(ctx, `SELECT status, coalesce(rearranged_to, 0) FROM appointments WHERE id = $1`, appt).Scan(&oldStatus, &newAppt); err != nil {
		t.Fatal(err)
	}
	if oldStatus != "cancelled" || newAppt == 0 {
		t.Fatalf("old appointment %s, moved to %d", oldStatus, newAppt)
	}
	if _, u := used(t, ts, id); u != 1 {
		t.Errorf("used %d after an in-time move, want 1", u)
	}
	if got := ledger(t, ts, id); got != "granted:1,booked:1,released:1,booked:1" {
		t.Errorf("ledger %s", got)
	}
	if home := trainee.Get(t, "/your-referrals/CR-MOVE-2345"); !strings.Contains(home.Body, "Moved to another time") {
		t.Error("the trainee's page does not say the old time was moved")
	}
	// One email each, with the updated invitation.
	if after := len(ts.mail.To(t, "move@example.com")) + len(ts.mail.To(t, coach.Email)); after != mailsBefore+2 {
		t.Errorf("%d emails for a rearrangement, want 2", after-mailsBefore)
	}
	for _, who := range []string{"move@example.com", coach.Email} {
		cals := invites(t, ts, who)
		last := cals[len(cals)-1]
		if prop(last, ics.ComponentPropertyUniqueId) != uid || prop(last, ics.ComponentPropertySequence) != "1" || !strings.Contains(string(last.Serialize()), "METHOD:REQUEST") {
			t.Errorf("%s: invitation uid %q sequence %q", who, prop(last, ics.ComponentPropertyUniqueId), prop(last, ics.ComponentPropertySequence))
		}
		if strings.Contains(string(last.Serialize()), "METHOD:CANCEL") {
			t.Errorf("%s got a cancellation", who)
		}
	}
	// The download: an attachment, not stored, the same event.
	dl := trainee.Get(t, "/your-referrals/CR-MOVE-2345/appointments/"+strconv.FormatInt(newAppt, 10)+"/calendar.ics")
	if dl.Status != http.StatusOK || !strings.HasPrefix(dl.Header.Get("Content-Type"), "text/calendar") ||
		!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(dl.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("download: %d %v", dl.Status, dl.Header)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader([]byte(dl.Body)))
	if err != nil {
		t.Fatal(err)
	}
	if prop(cal, ics.ComponentPropertyUniqueId) != uid || prop(cal, ics.ComponentPropertySequence) != "1" || !strings.Contains(prop(cal, ics.ComponentPropertyLocation), "Telephone") {
		t.Errorf("download: uid %q sequence %q location %q", prop(cal, ics.ComponentPropertyUniqueId), prop(cal, ics.ComponentPropertySequence), prop(cal, ics.ComponentPropertyLocation))
	}
	// A double submit: told it moved already, nothing else changes.
	p := trainee.Post(t, moveURL, form)
	if p.Status != http.StatusSeeOther {
		t.Errorf("double submit: %d", p.Status)
	}
	var live int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM appointments WHERE referral_id = $1 AND status = 'booked'`, id).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 1 || ledger(t, ts, id) != "granted:1,booked:1,released:1,booked:1" {
		t.Errorf("after a double submit: %d booked, ledger %s", live, ledger(t, ts, id))
	}
	// Cancelling the moved session cancels the same calendar event.
	cancel := "/your-referrals/CR-MOVE-2345/appointments/" + strconv.FormatInt(newAppt, 10) + "/cancel"
	if p := trainee.Post(t, cancel, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", p.Status)
	}
	cals := invites(t, ts, "move@example.com")
	if last := cals[len(cals)-1]; prop(last, ics.ComponentPropertyUniqueId) != uid || prop(last, ics.ComponentPropertySequence) != "2" {
		t.Errorf("cancellation after a move: uid %q sequence %q", prop(last, ics.ComponentPropertyUniqueId), prop(last, ics.ComponentPropertySequence))
	}
	// Someone else cannot download it.
	other, _ := allocated(t, ts, "CR-OTHR-2345", "other@example.com", coach.ID, 1)
	if p := other.Get(t, "/your-referrals/CR-MOVE-2345/appointments/"+strconv.FormatInt(newAppt, 10)+"/calendar.ics"); p.Status != http.StatusNotFound {
		t.Errorf("another trainee's download: %d", p.Status)
	}
}

// A rearrangement that fails leaves the old booking, the ledger and the
// mailbox as they were: the new time was taken; a late move without a
// reason; a late move with no session left for the new time. A late move
// with a session left forfeits one, as a late cancellation does.
func TestFailedRearrangeChangesNothing(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	trainee, id := allocated(t, ts, "CR-FAIL-2345", "fail@example.com", coach.ID, 1)
	rival, _ := allocated(t, ts, "CR-RIVL-2345", "rival@example.com", coach.ID, 1)
	now := ts.clock.Now().Truncate(time.Hour)
	soon := addSlot(t, ts, coach.ID, now.Add(20*time.Hour), "virtual")
	taken := addSlot(t, ts, coach.ID, now.Add(72*time.Hour), "virtual")
	free := addSlot(t, ts, coach.ID, now.Add(74*time.Hour), "virtual")
	appt := bookedAt(t, ts, trainee, "CR-FAIL-2345", soon)
	bookedAt(t, ts, rival, "CR-RIVL-2345", taken)
	moveURL := "/your-referrals/CR-FAIL-2345/appointments/" + strconv.FormatInt(appt, 10) + "/rearrange"
	before, mails := ledger(t, ts, id), len(ts.mail.To(t, "fail@example.com"))
	unchanged := func(what string) {
		t.Helper()
		var status string
		if err := ts.pool.QueryRow(ctx, `SELECT status FROM appointments WHERE id = $1`, appt).Scan(&status); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM appointments WHERE referral_id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if status != "booked" || n != 1 || ledger(t, ts, id) != before || len(ts.mail.To(t, "fail@example.com")) != mails {
			t.Errorf("%s: old %s, %d appointments, ledger %s (was %s)", what, status, n, ledger(t, ts, id), before)
		}
	}
	// The page warns that the move is late and asks why.
	if g := trainee.Get(t, moveURL); !strings.Contains(g.Body, "less than 24 hours away") || !strings.Contains(g.Body, `name="reason"`) {
		t.Error("a late move does not warn or ask why")
	}
	p := trainee.Post(t, moveURL, url.Values{"slot": {strconv.FormatInt(free, 10)}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p.Body), "Tell us why") || !strings.Contains(p.Body, `value="`+strconv.FormatInt(free, 10)+`" checked`) {
		t.Errorf("late move without a reason: %d %s", p.Status, errorSummary(p.Body))
	}
	unchanged("no reason")
	p = trainee.Post(t, moveURL, url.Values{"slot": {strconv.FormatInt(taken, 10)}, "reason": {"Clinic overran."}})
	if p.Status != http.StatusConflict || !strings.Contains(errorSummary(p.Body), "Someone booked that time") || !strings.Contains(errorSummary(p.Body), "still booked") {
		t.Errorf("move to a taken time: %d %s", p.Status, errorSummary(p.Body))
	}
	if !strings.Contains(p.Body, "Clinic overran.") {
		t.Error("the reason was not kept")
	}
	unchanged("taken")
	// Late, with the only session in use: the forfeit leaves none for the new time.
	p = trainee.Post(t, moveURL, url.Values{"slot": {strconv.FormatInt(free, 10)}, "reason": {"Clinic overran."}})
	if p.Status != http.StatusConflict || !strings.Contains(errorSummary(p.Body), "none left") {
		t.Errorf("late move with no session left: %d %s", p.Status, errorSummary(p.Body))
	}
	unchanged("no session left")
	// With another session granted, the late move goes through and forfeits one.
	if err := ts.store.AddAllowance(ctx, id, "extended", 1, 0, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if p := trainee.Post(t, moveURL, url.Values{"slot": {strconv.FormatInt(free, 10)}, "reason": {"Clinic overran."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("late move: %d %s", p.Status, errorSummary(p.Body))
	}
	var late bool
	if err := ts.pool.QueryRow(ctx, `SELECT late FROM appointments WHERE id = $1`, appt).Scan(&late); err != nil {
		t.Fatal(err)
	}
	if g, u := used(t, ts, id); g != 2 || u != 2 || !late {
		t.Errorf("after a late move: granted %d used %d late %v, want 2, 2, true", g, u, late)
	}
}

// Two trainees race for one time while one of them moves a session to it:
// exactly one gets it, and if the mover loses, their old time stays booked.
func TestRearrangeRace(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	now := ts.clock.Now().Truncate(time.Hour)
	const rounds = 4
	for i := range rounds {
		ref, rref := "CR-MVR"+strconv.Itoa(i)+"-2345", "CR-BKR"+strconv.Itoa(i)+"-2345"
		mover, moverID := allocated(t, ts, ref, "mover"+strconv.Itoa(i)+"@example.com", coach.ID, 1)
		booker, bookerID := allocated(t, ts, rref, "booker"+strconv.Itoa(i)+"@example.com", coach.ID, 1)
		old := addSlot(t, ts, coach.ID, now.Add(time.Duration(48+i*4)*time.Hour), "virtual")
		target := addSlot(t, ts, coach.ID, now.Add(time.Duration(50+i*4)*time.Hour), "virtual")
		appt := bookedAt(t, ts, mover, ref, old)
		post := func(b *browser, path string) int {
			req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(url.Values{"slot": {strconv.FormatInt(target, 10)}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				return -1
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		var wg sync.WaitGroup
		var moved, booked int
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			moved = post(mover, "/your-referrals/"+ref+"/appointments/"+strconv.FormatInt(appt, 10)+"/rearrange")
		}()
		go func() {
			defer wg.Done()
			<-start
			booked = post(booker, "/your-referrals/"+rref+"/book")
		}()
		close(start)
		wg.Wait()
		wins := 0
		for _, s := range []int{moved, booked} {
			switch s {
			case http.StatusSeeOther:
				wins++
			case http.StatusConflict:
			default:
				t.Fatalf("round %d: status %d", i, s)
			}
		}
		var live int
		if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM appointments WHERE slot_id = $1 AND status <> 'cancelled'`, target).Scan(&live); err != nil {
			t.Fatal(err)
		}
		if wins != 1 || live != 1 {
			t.Fatalf("round %d: %d winners, %d live bookings of the time", i, wins, live)
		}
		var oldStatus string
		if err := ts.pool.QueryRow(ctx, `SELECT status FROM appointments WHERE id = $1`, appt).Scan(&oldStatus); err != nil {
			t.Fatal(err)
		}
		if _, u := used(t, ts, moverID); u != 1 {
			t.Errorf("round %d: the mover uses %d sessions", i, u)
		}
		if moved == http.StatusConflict && (oldStatus != "booked" || ledger(t, ts, moverID) != "granted:1,booked:1") {
			t.Errorf("round %d: the mover lost but the old time is %s, ledger %s", i, oldStatus, ledger(t, ts, moverID))
		}
		if booked == http.StatusConflict && ledger(t, ts, bookerID) != "granted:1" {
			t.Errorf("round %d: the booker lost but the ledger is %s", i, ledger(t, ts, bookerID))
		}
	}
}

// Opening the booking page is audited as a view of the referral, once,
// for the trainee and for a coordinator booking for them (the row goes
// with the page's reads, store.BookingPage); someone else's is answered as
// missing and audited as a refusal, with no view.
func TestBookingPageViewIsAudited(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	coord := ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	trainee, _ := allocated(t, ts, "CR-AUDB-2345", "audb@example.com", coach.ID, 2)
	addSlot(t, ts, coach.ID, ts.clock.Now().Add(72*time.Hour).Truncate(time.Hour), "virtual")
	views := func() int {
		return ts.count(t, `SELECT count(*) FROM audit_log WHERE action = 'view_referral' AND record_type = 'referral'
			AND record_id = 'CR-AUDB-2345' AND outcome = 'success'`)
	}
	before := views()
	if p := trainee.Get(t, "/your-referrals/CR-AUDB-2345/book"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Video call") {
		t.Fatalf("the trainee's booking page: %d", p.Status)
	}
	if n := views(); n != before+1 {
		t.Errorf("%d views audited after the trainee opened the booking page, want %d", n, before+1)
	}
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coord.Email, "")
	if p := cb.Get(t, "/staff/referrals/CR-AUDB-2345/book"); p.Status != http.StatusOK {
		t.Fatalf("booking for the trainee: %d", p.Status)
	}
	if n := views(); n != before+2 {
		t.Errorf("%d views audited after the coordinator opened it, want %d", n, before+2)
	}
	ts.MustReferral(t, "CR-OTHR-2345", "someone.else@example.com", "", 0, 0)
	other := ts.NewBrowser(t)
	other.SignInPublic(t, "someone.else@example.com")
	if p := other.Get(t, "/your-referrals/CR-AUDB-2345/book"); p.Status != http.StatusNotFound {
		t.Errorf("someone else's booking page: %d, want 404", p.Status)
	}
	if n := views(); n != before+2 {
		t.Errorf("a refused booking page was audited as a view (%d)", n)
	}
	if n := ts.count(t, `SELECT count(*) FROM audit_log WHERE record_id = 'CR-AUDB-2345' AND outcome = 'denied' AND actor_email = 'someone.else@example.com'`); n != 1 {
		t.Errorf("%d refusals audited, want 1", n)
	}
}
