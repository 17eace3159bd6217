package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"careers/internal/booking"
	"careers/internal/policy"
)

var londonTZ = func() *time.Location { l, _ := time.LoadLocation("Europe/London"); return l }()

// londonAt is the instant of h:00 London time on d.
func calLondonAt(d booking.Date, h int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, h, 0, 0, 0, londonTZ).UTC()
}

// mustBook books the coach's slot starting at start for the referral, as
// the booking page does (the ledger's booked step included).
func mustBook(t *testing.T, ts *testServer, referral, coach int64, start time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var slot int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM availability_slots WHERE coach_id = $1 AND starts_at = $2`, coach, start).Scan(&slot); err != nil {
		t.Fatalf("no slot at %v: %v", start, err)
	}
	id, err := ts.store.BookSlot(ctx, referral, slot, "trainee", 0, ts.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AddAllowance(ctx, referral, "booked", 1, 0, "", ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET status = 'active' WHERE id = $1`, referral); err != nil {
		t.Fatal(err)
	}
	return id
}

// Time off over free and booked times: the free ones go, the booked one is
// listed with a way to cancel it as the coach's cancellation (which costs
// the trainee nothing), and nothing inside it is offered or made again.
func TestTimeOffOverBookedAndFreeTimes(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	other := ts.MustStaff(t, "other.coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	day := booking.DateOf(ts.clock.Now()).AddDays(10)
	mustSlots(t, ts, coach.ID, calLondonAt(day, 9), calLondonAt(day, 10), calLondonAt(day, 11), calLondonAt(day, 14))
	_, ref := allocated(t, ts, "CR-TOFF-2345", "tam@example.com", coach.ID, 3)
	appt := mustBook(t, ts, ref, coach.ID, calLondonAt(day, 10))

	p := cb.Post(t, "/staff/calendar/time-off", url.Values{"off_from": {day.String()}, "off_from_time": {"09:00"},
		"off_until_time": {"13:00"}, "off_note": {"Leave"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/staff/calendar/time-off/") {
		t.Fatalf("time off: %d %q %s", p.Status, p.Location, errorSummary(p.Body))
	}
	page := cb.Get(t, p.Location)
	if !strings.Contains(page.Body, "2 free time(s) inside it removed") || !strings.Contains(page.Body, "Tam Trainee") ||
		!strings.Contains(page.Body, `action="/staff/appointments/`+itoa(appt)+`/cancel"`) ||
		!strings.Contains(page.Body, `href="/staff/referrals/CR-TOFF-2345#appointment-`+itoa(appt)+`"`) || !strings.Contains(page.Body, "Leave") {
		t.Errorf("time off page does not list the booked session with a way to cancel or move it:\n%s", page.Body)
	}
	var starts []time.Time
	rows, _ := ts.pool.Query(ctx, `SELECT starts_at FROM availability_slots WHERE coach_id = $1 ORDER BY starts_at`, coach.ID)
	for rows.Next() {
		var s time.Time
		rows.Scan(&s)
		starts = append(starts, s)
	}
	rows.Close()
	if len(starts) != 2 || !starts[0].Equal(calLondonAt(day, 10)) || !starts[1].Equal(calLondonAt(day, 14)) {
		t.Errorf("slots after time off: %v; want the booked 10am and the free 2pm", starts)
	}
	// The same form sent twice is one time off.
	cb.Post(t, "/staff/calendar/time-off", url.Values{"off_from": {day.String()}, "off_from_time": {"09:00"}, "off_until_time": {"13:00"}, "off_note": {"Leave"}})
	var offs int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM coach_time_off WHERE coach_id = $1`, coach.ID).Scan(&offs); err != nil {
		t.Fatal(err)
	}
	if offs != 1 {
		t.Errorf("%d time off after sending the form twice", offs)
	}
	// A weekly pattern over the day leaves the time off alone.
	pp := cb.Post(t, "/staff/calendar/pattern", url.Values{"from": {day.String()}, "until": {day.String()}, "weekdays": {itoa(int64(day.Weekday()))},
		"start": {"09:00"}, "length": {"60"}, "count": {"5"}, "mode": {"virtual"}})
	if pp.Status != http.StatusSeeOther {
		t.Fatalf("pattern: %d %s", pp.Status, errorSummary(pp.Body))
	}
	var inside int
	ts.pool.QueryRow(ctx, `SELECT count(*) FROM availability_slots WHERE coach_id = $1 AND starts_at < $3 AND ends_at > $2 AND starts_at <> $4`,
		coach.ID, calLondonAt(day, 9), calLondonAt(day, 13), calLondonAt(day, 10)).Scan(&inside)
	if inside != 0 {
		t.Errorf("a weekly pattern made %d time(s) inside time off", inside)
	}
	// The week shows the time off, in a grid with headers.
	week := cb.Get(t, "/staff/calendar?from="+day.String())
	for _, want := range []string{"<table", `<th scope="col"`, `<th scope="row"`, "Time off", "9am to 1pm: Leave", "<caption"} {
		if !strings.Contains(week.Body, want) {
			t.Errorf("week page lacks %q", want)
		}
	}
	// The coach cancels from the time off page: the trainee keeps the session.
	if c := cb.Post(t, "/staff/appointments/"+itoa(appt)+"/cancel", url.Values{"reason-" + itoa(appt): {"On leave"}}); c.Status != http.StatusSeeOther {
		t.Fatalf("coach's cancellation: %d %s", c.Status, errorSummary(c.Body))
	}
	if granted, u := used(t, ts, ref); granted != 3 || u != 0 {
		t.Errorf("after the coach's cancellation the trainee has used %d of %d; want 0 of 3", u, granted)
	}
	var forfeits int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM allowance_events WHERE referral_id = $1 AND kind = 'forfeited'`, ref).Scan(&forfeits); err != nil {
		t.Fatal(err)
	}
	if forfeits != 0 {
		t.Error("a coach's cancellation forfeited a session")
	}
	// The released time is inside the time off: never offered, never bookable.
	free, err := ts.store.FreeSlots(ctx, coach.ID, ts.clock.Now(), ts.clock.Now().Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range free {
		if f.Start.Before(calLondonAt(day, 13)) && f.End.After(calLondonAt(day, 9)) {
			t.Errorf("a time inside time off is offered: %v", f.Start)
		}
	}
	var released int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM availability_slots WHERE coach_id = $1 AND starts_at = $2`, coach.ID, calLondonAt(day, 10)).Scan(&released); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.BookSlot(ctx, ref, released, "trainee", 0, ts.clock.Now()); err == nil {
		t.Error("a time inside time off was booked")
	}
	// Another coach cannot see or remove it.
	ob := ts.NewBrowser(t)
	ob.SignInStaff(t, other.Email, "")
	if g := ob.Get(t, p.Location); g.Status != http.StatusNotFound {
		t.Errorf("another coach's time off: %d", g.Status)
	}
	// Bad input keeps what was typed.
	bad := cb.Post(t, "/staff/calendar/time-off", url.Values{"off_from": {"next week"}, "off_from_time": {"25:00"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `value="next week"`) || !strings.Contains(bad.Body, "There is a problem") {
		t.Errorf("bad time off: %d", bad.Status)
	}
	// The coach removes the time off.
	if d := cb.Post(t, p.Location+"/delete", nil); d.Status != http.StatusSeeOther {
		t.Errorf("remove time off: %d", d.Status)
	}
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM coach_time_off WHERE coach_id = $1`, coach.ID).Scan(&offs); err != nil {
		t.Fatal(err)
	}
	if offs != 0 {
		t.Error("time off not removed")
	}
}

// A weekly pattern is one thing: it can be changed from a date onward,
// ended, and its free times removed in one go; booked times stay.
func TestWeeklyPatternChangeEndAndRemove(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	from := booking.DateOf(ts.clock.Now()).AddDays(1)
	until := from.AddDays(27)
	if p := cb.Post(t, "/staff/calendar/pattern", url.Values{"from": {from.String()}, "until": {until.String()}, "weekdays": {"2", "4"},
		"start": {"14:00"}, "length": {"60"}, "count": {"1"}, "mode": {"virtual"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("pattern: %d %s", p.Status, errorSummary(p.Body))
	}
	var pid int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM availability_patterns WHERE coach_id = $1`, coach.ID).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		var n int
		if err := ts.pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM availability_slots WHERE pattern_id = $1`, pid); n != 8 {
		t.Fatalf("%d slots in the pattern; want 8", n)
	}
	list := cb.Get(t, "/staff/calendar/patterns")
	if !strings.Contains(list.Body, "Tuesdays and Thursdays: 1 session of 60 minutes from 14:00") || !strings.Contains(list.Body, "8 free and 0 booked") {
		t.Errorf("patterns page:\n%s", list.Body)
	}
	// The last time is booked.
	var last time.Time
	if err := ts.pool.QueryRow(ctx, `SELECT max(starts_at) FROM availability_slots WHERE pattern_id = $1`, pid).Scan(&last); err != nil {
		t.Fatal(err)
	}
	_, ref := allocated(t, ts, "CR-PATT-2345", "tam@example.com", coach.ID, 3)
	mustBook(t, ts, ref, coach.ID, last)

	// Change from two weeks on: Wednesdays at 10:00.
	change := from.AddDays(14)
	base := "/staff/calendar/patterns/" + itoa(pid)
	if g := cb.Get(t, base); g.Status != 200 || !strings.Contains(g.Body, `value="14:00"`) {
		t.Fatalf("pattern page: %d", g.Status)
	}
	bad := cb.Post(t, base+"/change", url.Values{"change_from": {"soon"}, "until": {until.String()}, "start": {"10:00"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `value="soon"`) {
		t.Errorf("bad change: %d", bad.Status)
	}
	c := cb.Post(t, base+"/change", url.Values{"change_from": {change.String()}, "until": {until.String()}, "weekdays": {"3"},
		"start": {"10:00"}, "length": {"60"}, "count": {"1"}, "mode": {"virtual"}})
	if c.Status != http.StatusSeeOther {
		t.Fatalf("change: %d %s", c.Status, errorSummary(c.Body))
	}
	if n := count(`SELECT count(*) FROM availability_slots WHERE pattern_id = $1 AND starts_at >= $2 AND starts_at <> $3`, pid, change.Midnight(), last); n != 0 {
		t.Errorf("%d of the old pattern's free times left after the change", n)
	}
	if n := count(`SELECT count(*) FROM availability_slots WHERE starts_at = $1`, last); n != 1 {
		t.Error("the booked time was removed by the change")
	}
	var newID int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM availability_patterns WHERE coach_id = $1 AND id <> $2`, coach.ID, pid).Scan(&newID); err != nil {
		t.Fatal(err)
	}
	rows, _ := ts.pool.Query(ctx, `SELECT starts_at FROM availability_slots WHERE pattern_id = $1`, newID)
	n := 0
	for rows.Next() {
		var s time.Time
		rows.Scan(&s)
		l := s.In(londonTZ)
		if l.Weekday() != time.Wednesday || l.Hour() != 10 || booking.DateOf(s).Compare(change) < 0 {
			t.Errorf("new pattern's time at %v", l)
		}
		n++
	}
	rows.Close()
	if n != 2 {
		t.Errorf("%d Wednesdays in the changed pattern; want 2", n)
	}
	var endsOn time.Time
	if err := ts.pool.QueryRow(ctx, `SELECT ends_on FROM availability_patterns WHERE id = $1`, pid).Scan(&endsOn); err != nil {
		t.Fatal(err)
	}
	if endsOn.Format(time.DateOnly) != change.AddDays(-1).String() {
		t.Errorf("old pattern ends %v; want the day before the change", endsOn)
	}

	// End the new pattern from a week later: its last Wednesday goes.
	if e := cb.Post(t, "/staff/calendar/patterns/"+itoa(newID)+"/end", url.Values{"end_from": {change.AddDays(7).String()}}); e.Status != http.StatusSeeOther {
		t.Fatalf("end: %d %s", e.Status, errorSummary(e.Body))
	}
	if n := count(`SELECT count(*) FROM availability_slots WHERE pattern_id = $1`, newID); n != 1 {
		t.Errorf("%d times left in the ended pattern; want 1", n)
	}
	if e := cb.Post(t, "/staff/calendar/patterns/"+itoa(newID)+"/end", url.Values{"end_from": {"2001-01-01"}}); e.Status != http.StatusUnprocessableEntity {
		t.Errorf("ending in the past: %d", e.Status)
	}

	// Remove the old pattern's free times: the booked one stays.
	if r := cb.Post(t, base+"/remove-free", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("remove free: %d", r.Status)
	}
	if n := count(`SELECT count(*) FROM availability_slots WHERE pattern_id = $1`, pid); n != 1 {
		t.Errorf("%d times left after removing the free ones; want the booked one", n)
	}
	if n := count(`SELECT count(*) FROM appointments WHERE referral_id = $1 AND status = 'booked'`, ref); n != 1 {
		t.Error("the booking was touched")
	}
}

// Past times are read-only: no Remove button and no "Free" label on the
// page, and the server refuses to remove them.
func TestPastTimesReadOnly(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	start := ts.clock.Now().Add(2 * time.Hour).Truncate(time.Hour)
	mustSlots(t, ts, coach.ID, start)
	var id int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM availability_slots WHERE coach_id = $1`, coach.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	del := "/staff/calendar/slots/" + itoa(id) + "/delete"
	week := "/staff/calendar?from=" + booking.DateOf(start).String()
	if g := cb.Get(t, week); !strings.Contains(g.Body, del) || !strings.Contains(g.Body, ">Free<") {
		t.Fatal("a future free time has no Remove button or Free label")
	}
	ts.clock.Advance(3 * time.Hour)
	g := cb.Get(t, week)
	if strings.Contains(g.Body, del) || strings.Contains(g.Body, ">Free<") || !strings.Contains(g.Body, "Past, not booked") {
		t.Error("a past time is shown as free, or can be removed")
	}
	if p := cb.Post(t, del, nil); p.Status != http.StatusSeeOther {
		t.Errorf("remove a past time: %d", p.Status)
	}
	var n int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM availability_slots WHERE id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Error("the server removed a past time")
	}
	if g := cb.Get(t, "/staff/calendar"); !strings.Contains(g.Body, "That time has passed") {
		t.Error("the refusal is not explained")
	}
}

// The month view opens on the current month (by the server's clock), and
// the week holding today links to it.
func TestMonthViewOpensOnTheCurrentMonth(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	ts.clock.Advance(75 * 24 * time.Hour)
	want := ts.clock.Now().In(londonTZ).Format("January 2006")
	if g := cb.Get(t, "/staff/calendar?view=month"); !strings.Contains(g.Body, want) {
		t.Errorf("month view does not open on %s", want)
	}
	if g := cb.Get(t, "/staff/calendar"); !strings.Contains(g.Body, `href="/staff/calendar?view=month"`) {
		t.Error("this week does not link to this month")
	}
}

var feedURLRe = regexp.MustCompile(`value="(http[^"]*/calendar-feed/([A-Za-z0-9_-]+)\.ics)"`)

// The calendar subscription: a secret address, regenerated or stopped by
// the coach; it parses as iCalendar and holds initials and references only.
func TestCalendarFeed(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	day := booking.DateOf(ts.clock.Now()).AddDays(5)
	mustSlots(t, ts, coach.ID, calLondonAt(day, 10), calLondonAt(day, 12))
	_, ref := allocated(t, ts, "CR-FEED-2345", "tam@example.com", coach.ID, 3)
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET trainee_name = 'Tamsin Quiller-Brown' WHERE id = $1`, ref); err != nil {
		t.Fatal(err)
	}
	mustBook(t, ts, ref, coach.ID, calLondonAt(day, 10))
	if p := cb.Post(t, "/staff/calendar/time-off", url.Values{"off_from": {day.AddDays(1).String()}, "off_note": {"Dentist"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("time off: %d", p.Status)
	}
	if g := cb.Get(t, "/staff/calendar/feed"); !strings.Contains(g.Body, "no subscription address") {
		t.Error("feed page before one is made")
	}
	made := cb.Post(t, "/staff/calendar/feed", nil)
	m := feedURLRe.FindStringSubmatch(made.Body)
	if made.Status != 200 || m == nil {
		t.Fatalf("make feed: %d", made.Status)
	}
	path, token := m[1][strings.Index(m[1], "/calendar-feed/"):], m[2]
	anon := ts.NewBrowser(t)
	f := anon.Get(t, path)
	if f.Status != 200 || !strings.HasPrefix(f.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %q", f.Status, f.Header.Get("Content-Type"))
	}
	cal, err := ics.ParseCalendar(bytes.NewReader([]byte(f.Body)))
	if err != nil {
		t.Fatalf("feed does not parse: %v", err)
	}
	var summaries []string
	for _, e := range cal.Events() {
		summaries = append(summaries, e.GetProperty(ics.ComponentPropertySummary).Value)
	}
	if len(summaries) != 2 || !strings.Contains(summaries[0], "TQ (CR-FEED-2345)") || !strings.Contains(summaries[1], "time off") {
		t.Errorf("feed events: %q", summaries)
	}
	for _, secret := range []string{"Tamsin", "Quiller", "Dentist", "tam@example.com"} {
		if strings.Contains(f.Body, secret) {
			t.Errorf("the feed holds %q", secret)
		}
	}
	// Only an HMAC of the token is stored; the log never has it.
	var stored []byte
	if err := ts.pool.QueryRow(ctx, `SELECT token_hash FROM calendar_feeds WHERE coach_id = $1`, coach.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 32 || bytes.Contains(stored, []byte(token)) {
		t.Error("the feed token is not stored as a hash")
	}
	if logs := ts.logs.String(); strings.Contains(logs, token) || !strings.Contains(logs, `"route":"/calendar-feed/{token}.ics"`) {
		t.Error("the feed's request is not logged by its route, or its token is in the log")
	}
	// A wrong token: 404.
	if g := anon.Get(t, "/calendar-feed/"+strings.Repeat("x", len(token))+".ics"); g.Status != http.StatusNotFound {
		t.Errorf("wrong token: %d", g.Status)
	}
	// Regenerate: the old address stops working, the new one works.
	again := feedURLRe.FindStringSubmatch(cb.Post(t, "/staff/calendar/feed", nil).Body)
	if again == nil || again[2] == token {
		t.Fatal("no new address")
	}
	if g := anon.Get(t, path); g.Status != http.StatusNotFound {
		t.Errorf("old address after regenerating: %d", g.Status)
	}
	newPath := again[1][strings.Index(again[1], "/calendar-feed/"):]
	if g := anon.Get(t, newPath); g.Status != 200 {
		t.Errorf("new address: %d", g.Status)
	}
	var audits int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('calendar_feed_create', 'calendar_feed_regenerate')`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 2 {
		t.Errorf("%d audit rows for making and regenerating the feed", audits)
	}
	// Stop it.
	if r := cb.Post(t, "/staff/calendar/feed/revoke", nil); r.Status != http.StatusSeeOther {
		t.Errorf("revoke: %d", r.Status)
	}
	if g := anon.Get(t, newPath); g.Status != http.StatusNotFound {
		t.Errorf("address after stopping: %d", g.Status)
	}
}

// Blocking a morning that has free times replaces them (not "0 added, 1
// left out").
func TestBlockingReplacesFreeTimes(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	day := booking.DateOf(ts.clock.Now()).AddDays(4)
	mustSlots(t, ts, coach.ID, calLondonAt(day, 9), calLondonAt(day, 10), calLondonAt(day, 12))
	p := cb.Post(t, "/staff/calendar/single", url.Values{"date": {day.String()}, "single_start": {"09:00"}, "single_length": {"120"}, "block": {"yes"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("block: %d %s", p.Status, errorSummary(p.Body))
	}
	if g := cb.Get(t, p.Location); !strings.Contains(g.Body, "Time blocked: 2 free time(s) inside it removed") {
		t.Error("the coach is not told the free times were replaced")
	}
	var blocked, free int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE blocked), count(*) FILTER (WHERE NOT blocked) FROM availability_slots WHERE coach_id = $1`, coach.ID).Scan(&blocked, &free); err != nil {
		t.Fatal(err)
	}
	if blocked != 1 || free != 1 {
		t.Errorf("%d blocked and %d free after blocking 9 to 11; want 1 and the noon time", blocked, free)
	}
}
