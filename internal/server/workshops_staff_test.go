package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"careers/internal/jobs"
	"careers/internal/policy"
)

// wsForm is a valid event form starting at start (UK time), for an hour.
func wsForm(key string, start time.Time, kv ...string) url.Values {
	s, e := start.In(londonTZ), start.Add(time.Hour).In(londonTZ)
	v := url.Values{"key": {key}, "title": {"Career planning: next steps"}, "description": {"Planning your next move."},
		"audience": {"Doctors and dentists in training"}, "presenters": {"A careers coach"}, "mode": {"online"},
		"joining_link": {"https://meet.example.nhs.uk/room-1"}, "capacity": {"30"},
		"start-day": {strconv.Itoa(s.Day())}, "start-month": {strconv.Itoa(int(s.Month()))}, "start-year": {strconv.Itoa(s.Year())},
		"start-time": {s.Format("15:04")},
		"end-day":    {strconv.Itoa(e.Day())}, "end-month": {strconv.Itoa(int(e.Month()))}, "end-year": {strconv.Itoa(e.Year())},
		"end-time": {e.Format("15:04")}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var formKeyRe = regexp.MustCompile(`name="key" value="([A-Za-z0-9_-]+)"`)

// wsFormKey opens a form page and returns its one-time key.
func wsFormKey(t *testing.T, b *browser, path string) string {
	t.Helper()
	p := b.Get(t, path)
	if p.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, p.Status)
	}
	m := formKeyRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("%s has no form key", path)
	}
	return m[1]
}

// wsCreate makes an event through the form and returns its id.
// wsCoordinator is a server with a coordinator signed in, and a start
// time on the hour ten days ahead for the events a test creates.
func wsCoordinator(t *testing.T) (*testServer, *browser, time.Time) {
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")
	return ts, b, ts.clock.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
}

func wsCreate(t *testing.T, b *browser, start time.Time, kv ...string) int64 {
	t.Helper()
	p := b.Post(t, "/staff/workshops/new", wsForm(wsFormKey(t, b, "/staff/workshops/new"), start, kv...))
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/staff/workshops/") {
		t.Fatalf("create: %d %q\n%.1500s", p.Status, p.Location, wsSummary(p.Body))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(p.Location, "/staff/workshops/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// wsRegister adds a confirmed registration in status (placed, waiting ...)
// straight in the table, confirmed at the given order.
func wsRegister(t *testing.T, ts *testServer, workshop int64, name, status string, order int) int64 {
	t.Helper()
	var id int64
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	err := ts.pool.QueryRow(context.Background(), `INSERT INTO workshop_registrations (workshop_id, name, email, professional_group,
			region, grade, status, confirmed_at, placed_at)
		VALUES ($1, $2, $3, 'doctor', 'london', 'ST3', $4, now() - make_interval(mins => 100 - $5),
			CASE WHEN $4 = 'placed' THEN now() END) RETURNING id`, workshop, name, email, status, order).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func wsStatus(t *testing.T, ts *testServer, reg int64) string {
	t.Helper()
	var s string
	if err := ts.pool.QueryRow(context.Background(), `SELECT status FROM workshop_registrations WHERE id = $1`, reg).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func wsPath(id int64, rest string) string { return "/staff/workshops/" + strconvI(id) + rest }

func calMethod(c *ics.Calendar) string {
	for _, p := range c.CalendarProperties {
		if p.IANAToken == string(ics.PropertyMethod) {
			return p.Value
		}
	}
	return ""
}

func TestStaffWorkshopCreateCheckedAndOnce(t *testing.T) {
	t.Parallel()
	ts, b, start := wsCoordinator(t)

	// The homes and the navigation link to the list.
	if p := b.Get(t, "/staff/coordinator"); !strings.Contains(p.Body, `href="/staff/workshops"`) {
		t.Error("the coordinator's home does not link to the workshops")
	}

	key := wsFormKey(t, b, "/staff/workshops/new")
	// An end an hour before the start, the whole date and time (an hour
	// after the start can be the next day: only the time would not do).
	before := start.Add(-time.Hour).In(londonTZ)
	bad := wsForm(key, start, "title", "", "joining_link", "http://meet.example.nhs.uk/x", "capacity", "0",
		"end-day", strconv.Itoa(before.Day()), "end-month", strconv.Itoa(int(before.Month())), "end-year", strconv.Itoa(before.Year()),
		"end-time", before.Format("15:04"), "audience", "Dentists & GPs <all grades>",
		"opens-day", "31", "opens-month", "2", "opens-year", "2027", "opens-time", "09:00")
	p := b.Post(t, "/staff/workshops/new", bad)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: %d", p.Status)
	}
	sum := wsSummary(p.Body)
	for _, want := range []string{"Enter the title", "must start with https://", "Places must be a whole number from 1 to 2000",
		"The end must be after the start", "The date registration opens must be a real date"} {
		if !strings.Contains(sum, want) {
			t.Errorf("error summary lacks %q:\n%s", want, sum)
		}
	}
	// The values come back as typed.
	for _, want := range []string{`value="http://meet.example.nhs.uk/x"`, `value="Dentists &amp; GPs &lt;all grades&gt;"`,
		`value="` + key + `"`, "Planning your next move.", `value="31"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the form lost %s", want)
		}
	}
	if !strings.Contains(p.Body, "<title>Error:") {
		t.Error("the title does not say there is an error")
	}
	// A start in the past is refused.
	if p := b.Post(t, "/staff/workshops/new", wsForm(key, ts.clock.Now().Add(-2*time.Hour))); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(wsSummary(p.Body), "The start must be in the future") {
		t.Errorf("a past start: %d", p.Status)
	}
	// In person needs a venue.
	if p := b.Post(t, "/staff/workshops/new", wsForm(key, start, "mode", "in_person", "venue", "")); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(wsSummary(p.Body), "Enter the venue") {
		t.Errorf("in person without a venue: %d", p.Status)
	}

	// The valid form, sent twice (a double click), makes one event.
	good := wsForm(key, start)
	first := b.Post(t, "/staff/workshops/new", good)
	second := b.Post(t, "/staff/workshops/new", good)
	if first.Status != http.StatusSeeOther || second.Location != first.Location {
		t.Fatalf("double submit: %d %q then %q", first.Status, first.Location, second.Location)
	}
	if n := ts.count(t, `SELECT count(*) FROM workshops`); n != 1 {
		t.Fatalf("%d events from one form sent twice", n)
	}
	var slug, code string
	var starts time.Time
	if err := ts.pool.QueryRow(context.Background(), `SELECT slug, check_in_code, starts_at FROM workshops`).Scan(&slug, &code, &starts); err != nil {
		t.Fatal(err)
	}
	if want := "career-planning-next-steps-" + start.In(londonTZ).Format("2006-01-02"); slug != want {
		t.Errorf("slug %q, want %q", slug, want)
	}
	if !regexp.MustCompile(`^[A-HJ-NP-Z2-9]{6}$`).MatchString(code) {
		t.Errorf("check-in code %q", code)
	}
	if !starts.Equal(start) {
		t.Errorf("starts %v, want %v (UK time read back)", starts, start)
	}
	// Sent at the same moment from two tabs: still one more event.
	k2 := wsFormKey(t, b, "/staff/workshops/new")
	done := make(chan string, 2)
	for range 2 {
		go func() {
			req, _ := http.NewRequest("POST", ts.URL+"/staff/workshops/new", strings.NewReader(wsForm(k2, start.Add(24*time.Hour)).Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				done <- err.Error()
				return
			}
			resp.Body.Close()
			done <- resp.Header.Get("Location")
		}()
	}
	if a, c := <-done, <-done; a != c || !strings.HasPrefix(a, "/staff/workshops/") {
		t.Errorf("two submits at once went to %q and %q", a, c)
	}
	if n := ts.count(t, `SELECT count(*) FROM workshops`); n != 2 {
		t.Fatalf("%d events after two forms, one sent twice at once", n)
	}
	// The same title on the same day gets its own slug.
	id2 := wsCreate(t, b, start)
	var slug2 string
	_ = ts.pool.QueryRow(context.Background(), `SELECT slug FROM workshops WHERE id = $1`, id2).Scan(&slug2)
	if slug2 != slug+"-2" {
		t.Errorf("second slug %q", slug2)
	}

	ev := b.Follow(t, first)
	for _, want := range []string{"Career planning: next steps", "0 of 30 taken", code, "Created", "Event created"} {
		if !strings.Contains(ev.Body, want) {
			t.Errorf("the event page lacks %q", want)
		}
	}
	if cc := ev.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("event page Cache-Control %q", cc)
	}
	if n := ts.count(t, `SELECT count(*) FROM audit_log WHERE record_type = 'workshop' AND action = 'view'`); n != 1 {
		t.Errorf("%d audited views of the event page, want 1", n)
	}
	list := b.Get(t, "/staff/workshops")
	if !strings.Contains(list.Body, "Career planning: next steps") || !strings.Contains(list.Body, "0 of 30") ||
		!strings.Contains(list.Body, web_TimeRangeYear(start)) {
		t.Errorf("the list lacks the event:\n%.3000s", list.Body)
	}
	if big := b.Get(t, strings.TrimSuffix(first.Location, "/")+"/check-in-code"); !strings.Contains(big.Body, `app-check-in-code`) ||
		!strings.Contains(big.Body, code) {
		t.Error("the check-in code page does not show the code")
	}
}

// web_TimeRangeYear is the year as the list shows it in the date.
func web_TimeRangeYear(t time.Time) string { return t.In(londonTZ).Format("2 January 2006") }

func TestStaffWorkshopEditCopyCapacityAndUpdates(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "lead@example.nhs.uk", "")
	start := ts.clock.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
	id := wsCreate(t, b, start, "capacity", "2")
	ann := wsRegister(t, ts, id, "Ann Placed", "placed", 1)
	bob := wsRegister(t, ts, id, "Bob Placed", "placed", 2)
	cat := wsRegister(t, ts, id, "Cat Waiting", "waiting", 3)
	dan := wsRegister(t, ts, id, "Dan Waiting", "waiting", 4)

	// The edit form is filled in from the event.
	form := b.Get(t, wsPath(id, "/edit"))
	if !strings.Contains(form.Body, `value="Career planning: next steps"`) || !strings.Contains(form.Body, `value="`+start.In(londonTZ).Format("15:04")+`"`) {
		t.Fatal("the edit form is not filled in")
	}
	// Fewer places than taken is refused, with the values kept.
	p := b.Post(t, wsPath(id, "/edit"), wsForm("", start, "capacity", "1", "title", "Career planning, revised"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(wsSummary(p.Body), "cannot be fewer than the 2 already taken") ||
		!strings.Contains(p.Body, `value="Career planning, revised"`) {
		t.Fatalf("capacity below taken: %d\n%s", p.Status, wsSummary(p.Body))
	}
	// More places: the first waiting is offered one at once.
	p = b.Post(t, wsPath(id, "/edit"), wsForm("", start, "capacity", "3"))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("raise capacity: %d\n%s", p.Status, wsSummary(p.Body))
	}
	if s := wsStatus(t, ts, cat); s != "offered" {
		t.Errorf("first waiting is %s after the capacity rose, want offered", s)
	}
	if s := wsStatus(t, ts, dan); s != "waiting" {
		t.Errorf("second waiting is %s, want still waiting", s)
	}
	if len(ts.mail.To(t, "cat.waiting@example.com")) != 1 {
		t.Error("the offer was not emailed")
	}
	if len(ts.mail.To(t, "ann.placed@example.com")) != 0 {
		t.Error("a capacity change emailed people with a place")
	}
	// A new time: the sequence rises and everyone with a place gets the
	// updated invitation; the waiting and offered do not.
	// Ann had her 2-day reminder for the old time: she is reminded again
	// before the new one.
	if _, err := ts.pool.Exec(context.Background(), `UPDATE workshop_registrations SET reminded = '{2d}' WHERE id = $1`, ann); err != nil {
		t.Fatal(err)
	}
	later := start.Add(2 * time.Hour)
	p = b.Post(t, wsPath(id, "/edit"), wsForm("", later, "capacity", "3"))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("move: %d\n%s", p.Status, wsSummary(p.Body))
	}
	var reminded []string
	if err := ts.pool.QueryRow(context.Background(), `SELECT reminded FROM workshop_registrations WHERE id = $1`, ann).Scan(&reminded); err != nil || len(reminded) != 0 {
		t.Errorf("reminders sent for the old time still count: %v %v", reminded, err)
	}
	var seq int
	_ = ts.pool.QueryRow(context.Background(), `SELECT ics_sequence FROM workshops WHERE id = $1`, id).Scan(&seq)
	if seq != 1 {
		t.Errorf("sequence %d after a change of time, want 1", seq)
	}
	for _, who := range []string{"ann.placed@example.com", "bob.placed@example.com"} {
		cals := invites(t, ts, who)
		if len(cals) != 1 {
			t.Fatalf("%s got %d invitations, want 1 update", who, len(cals))
		}
		c := cals[0]
		if calMethod(c) != "REQUEST" || prop(c, ics.ComponentPropertySequence) != "1" ||
			!strings.HasPrefix(prop(c, ics.ComponentPropertyUniqueId), "workshop-"+strconvI(id)+"@") {
			t.Errorf("%s update: method %s seq %s uid %s", who, calMethod(c), prop(c, ics.ComponentPropertySequence), prop(c, ics.ComponentPropertyUniqueId))
		}
		if got := prop(c, ics.ComponentPropertyDtStart); !strings.Contains(got, later.In(londonTZ).Format("T150405")) {
			t.Errorf("%s update starts %s, want %s", who, got, later.In(londonTZ))
		}
	}
	if n := len(ts.mail.To(t, "dan.waiting@example.com")); n != 0 {
		t.Errorf("the waiting list got %d emails about the change", n)
	}
	// A change of the description only sends nothing and keeps the sequence.
	p = b.Post(t, wsPath(id, "/edit"), wsForm("", later, "capacity", "3", "description", "Now with a workbook."))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("description: %d", p.Status)
	}
	if len(invites(t, ts, "ann.placed@example.com")) != 1 {
		t.Error("a description change sent an invitation")
	}
	_ = ann
	_ = bob
	ev := b.Get(t, wsPath(id, ""))
	for _, want := range []string{"Changed: places (from 2 to 3)", "Changed: time", "updated invitation sent to 2 people with a place", "Changed: description"} {
		if !strings.Contains(ev.Body, want) {
			t.Errorf("the history lacks %q", want)
		}
	}

	// Copy: a new form with the details and no dates; it needs its own.
	cp := b.Get(t, wsPath(id, "/copy"))
	if !strings.Contains(cp.Body, `value="Career planning: next steps"`) || strings.Contains(cp.Body, `value="`+later.In(londonTZ).Format("15:04")+`"`) {
		t.Error("the copy form should keep the details and drop the dates")
	}
	ck := formKeyRe.FindStringSubmatch(cp.Body)[1]
	v := wsForm(ck, later, "copied_from", strconvI(id))
	for _, k := range []string{"start-day", "start-month", "start-year", "start-time"} {
		v.Del(k)
	}
	if p := b.Post(t, "/staff/workshops/new", v); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(wsSummary(p.Body), "Enter the date and time the event starts") {
		t.Errorf("a copy without dates: %d", p.Status)
	}
	next := later.Add(7 * 24 * time.Hour)
	p = b.Post(t, "/staff/workshops/new", wsForm(ck, next, "copied_from", strconvI(id)))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("copy: %d\n%s", p.Status, wsSummary(p.Body))
	}
	var copied int64
	_ = ts.pool.QueryRow(context.Background(), `SELECT coalesce(copied_from, 0) FROM workshops WHERE id <> $1`, id).Scan(&copied)
	if copied != id {
		t.Errorf("the copy records copied_from %d, want %d", copied, id)
	}
}

func TestStaffWorkshopMoveByHandAndRemove(t *testing.T) {
	t.Parallel()
	ts, b, start := wsCoordinator(t)
	id := wsCreate(t, b, start, "capacity", "1")
	ann := wsRegister(t, ts, id, "Ann Placed", "placed", 1)
	cat := wsRegister(t, ts, id, "Cat Waiting", "waiting", 2)
	dan := wsRegister(t, ts, id, "Dan Waiting", "waiting", 3)

	ev := b.Get(t, wsPath(id, ""))
	if strings.Index(ev.Body, "Cat Waiting") > strings.Index(ev.Body, "Dan Waiting") || !strings.Contains(ev.Body, "Number 1 on the waiting list") {
		t.Error("the waiting list is not in order")
	}
	if strings.Contains(ev.Body, "/place\"") {
		t.Error("a full event offers to give places by hand")
	}
	// No place is free: giving one by hand is refused.
	p := b.Post(t, wsPath(id, "/registrations/"+strconvI(dan)+"/place"), nil)
	if p.Status != http.StatusSeeOther || wsStatus(t, ts, dan) != "waiting" {
		t.Fatalf("give a place when full: %d, Dan %s", p.Status, wsStatus(t, ts, dan))
	}
	if f := b.Follow(t, p); !strings.Contains(f.Body, "No place is free") {
		t.Error("no message that no place is free")
	}
	// Someone else's event's registration is not found here.
	other := wsCreate(t, b, start.Add(time.Hour))
	if p := b.Post(t, wsPath(other, "/registrations/"+strconvI(ann)+"/remove"), nil); p.Status != http.StatusNotFound || wsStatus(t, ts, ann) != "placed" {
		t.Errorf("remove through another event: %d", p.Status)
	}
	// Removing Ann frees her place: it is offered to Cat, the first waiting.
	p = b.Post(t, wsPath(id, "/registrations/"+strconvI(ann)+"/remove"), nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", p.Status)
	}
	if s := wsStatus(t, ts, ann); s != "removed" {
		t.Errorf("Ann is %s", s)
	}
	if s := wsStatus(t, ts, cat); s != "offered" {
		t.Errorf("Cat is %s after a place was freed, want offered", s)
	}
	cals := invites(t, ts, "ann.placed@example.com")
	if len(cals) != 1 || calMethod(cals[0]) != "CANCEL" {
		t.Errorf("Ann was not sent a cancelled invitation (%d)", len(cals))
	}
	if len(ts.mail.To(t, "cat.waiting@example.com")) != 1 {
		t.Error("Cat's offer was not emailed")
	}
	// Removing again changes nothing.
	if f := b.Follow(t, b.Post(t, wsPath(id, "/registrations/"+strconvI(ann)+"/remove"), nil)); !strings.Contains(f.Body, "no longer registered") {
		t.Error("a second removal was not answered")
	}
	// Cat holds the offered place: staff can make it hers.
	p = b.Post(t, wsPath(id, "/registrations/"+strconvI(cat)+"/place"), nil)
	if p.Status != http.StatusSeeOther || wsStatus(t, ts, cat) != "placed" {
		t.Fatalf("give Cat the place: %d, %s", p.Status, wsStatus(t, ts, cat))
	}
	var taken int
	_ = ts.pool.QueryRow(context.Background(), `SELECT places_taken FROM workshops WHERE id = $1`, id).Scan(&taken)
	if taken != 1 {
		t.Errorf("%d places taken, want 1", taken)
	}
	if cals := invites(t, ts, "cat.waiting@example.com"); len(cals) != 2 || calMethod(cals[1]) != "REQUEST" {
		t.Errorf("Cat was not sent an invitation for her place")
	}
	// Raise the capacity through the form? Not needed: give Dan a place
	// after taking Cat off, without the offer (a free place by hand).
	if _, err := ts.pool.Exec(context.Background(), `UPDATE workshops SET capacity = 2 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	p = b.Post(t, wsPath(id, "/registrations/"+strconvI(dan)+"/place"), nil)
	if p.Status != http.StatusSeeOther || wsStatus(t, ts, dan) != "placed" {
		t.Fatalf("give Dan the free place: %d, %s", p.Status, wsStatus(t, ts, dan))
	}
	ev = b.Get(t, wsPath(id, ""))
	for _, want := range []string{"Place given by hand", "Taken off by hand", "No longer registered (1)"} {
		if !strings.Contains(ev.Body, want) {
			t.Errorf("the event page lacks %q", want)
		}
	}
}

// A free place offered by hand goes to the person chosen, out of turn,
// with the offer email; with no place free it is refused.
func TestStaffWorkshopOfferByHand(t *testing.T) {
	t.Parallel()
	ts, b, start := wsCoordinator(t)
	id := wsCreate(t, b, start, "capacity", "2")
	wsRegister(t, ts, id, "Ann Placed", "placed", 1)
	cat := wsRegister(t, ts, id, "Cat Waiting", "waiting", 2)
	dan := wsRegister(t, ts, id, "Dan Waiting", "waiting", 3)
	// One place is free (the rows went in without the automatic offer):
	// staff choose Dan, second in line.
	if ev := b.Get(t, wsPath(id, "")); !strings.Contains(ev.Body, wsPath(id, "/registrations/"+strconvI(dan)+"/offer")) {
		t.Fatal("no offer button with a place free")
	}
	p := b.Post(t, wsPath(id, "/registrations/"+strconvI(dan)+"/offer"), nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("offer: %d", p.Status)
	}
	if f := b.Follow(t, p); !strings.Contains(f.Body, "Place offered until") || !strings.Contains(f.Body, "Offered a place (1)") ||
		!strings.Contains(f.Body, "Place offered by hand") {
		t.Error("the event page does not show the offer")
	}
	if wsStatus(t, ts, dan) != "offered" || wsStatus(t, ts, cat) != "waiting" {
		t.Errorf("Dan %s, Cat %s", wsStatus(t, ts, dan), wsStatus(t, ts, cat))
	}
	var expires time.Time
	_ = ts.pool.QueryRow(context.Background(), `SELECT offer_expires_at FROM workshop_registrations WHERE id = $1`, dan).Scan(&expires)
	if d := expires.Sub(ts.clock.Now()); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("the offer lasts %v, want about a day", d)
	}
	m := ts.mail.To(t, "dan.waiting@example.com")
	if len(m) != 1 || !strings.Contains(m[0].Subject, "A place is free for you") || !linkRe.MatchString(m[0].Text) {
		t.Errorf("Dan's offer email: %d", len(m))
	}
	// Now full: offering Cat is refused and changes nothing.
	p = b.Post(t, wsPath(id, "/registrations/"+strconvI(cat)+"/offer"), nil)
	if f := b.Follow(t, p); !strings.Contains(f.Body, "No place is free") || wsStatus(t, ts, cat) != "waiting" {
		t.Errorf("offer with no place free: Cat %s", wsStatus(t, ts, cat))
	}
	// The offered place can be given outright.
	if p := b.Post(t, wsPath(id, "/registrations/"+strconvI(dan)+"/place"), nil); p.Status != http.StatusSeeOther || wsStatus(t, ts, dan) != "placed" {
		t.Errorf("give Dan his offered place: %s", wsStatus(t, ts, dan))
	}
}

func TestStaffWorkshopCancelTellsEveryone(t *testing.T) {
	t.Parallel()
	ts, b, start := wsCoordinator(t)
	id := wsCreate(t, b, start, "capacity", "2")
	ann := wsRegister(t, ts, id, "Ann Placed", "placed", 1)
	wsRegister(t, ts, id, "Bob Placed", "placed", 2)
	wsRegister(t, ts, id, "Cat Waiting", "waiting", 3)
	gone := wsRegister(t, ts, id, "Eve Gone", "waiting", 4)
	if _, err := ts.pool.Exec(context.Background(), `UPDATE workshop_registrations SET status = 'cancelled', ended_at = now() WHERE id = $1`, gone); err != nil {
		t.Fatal(err)
	}
	// Bob gave his place back and Cat holds the offer of it when the
	// event is called off.
	if _, err := ts.pool.Exec(context.Background(), `UPDATE workshop_registrations SET status = 'cancelled', ended_at = now()
		WHERE email = 'bob.placed@example.com' AND workshop_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(context.Background(), `UPDATE workshop_registrations SET status = 'offered', offered_at = now(), offer_expires_at = $2
		WHERE email = 'cat.waiting@example.com' AND workshop_id = $1`, id, ts.clock.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	form := b.Get(t, wsPath(id, "/cancel"))
	if !strings.Contains(form.Body, "Everyone registered or waiting (2)") {
		t.Errorf("the cancel page does not say who is told")
	}
	p := b.Post(t, wsPath(id, "/cancel"), url.Values{"reason": {" "}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(wsSummary(p.Body), "Enter why the event is cancelled") {
		t.Fatalf("no reason: %d", p.Status)
	}
	p = b.Post(t, wsPath(id, "/cancel"), url.Values{"reason": {"The presenter is unwell"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", p.Status)
	}
	b.Post(t, wsPath(id, "/cancel"), url.Values{"reason": {"The presenter is unwell"}}) // a double submit
	for _, who := range []string{"ann.placed@example.com", "cat.waiting@example.com"} {
		msgs := ts.mail.To(t, who)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "The presenter is unwell") {
			t.Fatalf("%s got %d emails", who, len(msgs))
		}
		cals := invites(t, ts, who)
		if len(cals) != 1 {
			t.Fatalf("%s: %d calendars", who, len(cals))
		}
		c := cals[0]
		if calMethod(c) != "CANCEL" || prop(c, ics.ComponentPropertyStatus) != "CANCELLED" || prop(c, ics.ComponentPropertySequence) != "1" ||
			!strings.HasPrefix(prop(c, ics.ComponentPropertyUniqueId), "workshop-"+strconvI(id)+"@") {
			t.Errorf("%s: method %s status %s seq %s uid %s", who, calMethod(c), prop(c, ics.ComponentPropertyStatus),
				prop(c, ics.ComponentPropertySequence), prop(c, ics.ComponentPropertyUniqueId))
		}
		if strings.Contains(msgs[0].Text, "meet.example.nhs.uk") {
			t.Errorf("the cancellation to %s carries the joining link", who)
		}
	}
	for _, who := range []string{"eve.gone@example.com", "bob.placed@example.com"} {
		if n := len(ts.mail.To(t, who)); n != 0 {
			t.Errorf("%s, no longer registered, got %d emails", who, n)
		}
	}
	// Cat's offer, made before the cancellation, never "runs out": she
	// was told the event is off, and that is the last word.
	ts.clock.Advance(25 * time.Hour)
	if n, err := (jobs.WorkshopMailer{BaseURL: mustURL(t, ts.URL)}).SweepWorkshopOffers(context.Background(), ts.pool, ts.clock.Now()); err != nil || n != 0 {
		t.Errorf("the sweep lapsed %d offers of a cancelled event (%v)", n, err)
	}
	if n := len(ts.mail.To(t, "cat.waiting@example.com")); n != 1 {
		t.Errorf("Cat got %d emails after the cancellation, want only it", n)
	}
	var status string
	var recipients int
	_ = ts.pool.QueryRow(context.Background(), `SELECT w.status, h.recipients FROM workshops w JOIN workshop_history h ON h.workshop_id = w.id
		AND h.action = 'cancelled' WHERE w.id = $1`, id).Scan(&status, &recipients)
	if status != "cancelled" || recipients != 2 {
		t.Errorf("status %s, history recipients %d", status, recipients)
	}
	if n := ts.count(t, `SELECT count(*) FROM workshop_history WHERE action = 'cancelled'`); n != 1 {
		t.Errorf("%d cancellations in the history", n)
	}
	ev := b.Get(t, wsPath(id, ""))
	if !strings.Contains(ev.Body, "The presenter is unwell") || strings.Contains(ev.Body, wsPath(id, "/edit")) {
		t.Error("the cancelled event's page")
	}
	if p := b.Post(t, wsPath(id, "/edit"), wsForm("", start)); p.Status != http.StatusSeeOther {
		t.Errorf("editing a cancelled event: %d", p.Status)
	}
	if f := b.Get(t, wsPath(id, "")); !strings.Contains(f.Body, "cannot be changed") {
		t.Error("editing a cancelled event was not refused in words")
	}
	// A cancelled event has no register to mark, even at its start time.
	ts.clock.Advance(start.Sub(ts.clock.Now()))
	if reg := b.Get(t, wsPath(id, "/register")); strings.Contains(reg.Body, `name="att-`) || !strings.Contains(reg.Body, "This event was cancelled") {
		t.Error("the register of a cancelled event can be marked")
	}
	b.Post(t, wsPath(id, "/register"), url.Values{"att-" + strconvI(ann): {"attended"}})
	if n := ts.count(t, `SELECT count(*) FROM workshop_registrations WHERE attendance IS NOT NULL`); n != 0 {
		t.Errorf("%d attendances saved for a cancelled event", n)
	}
}

func TestStaffWorkshopEmailEveryoneAndRegister(t *testing.T) {
	t.Parallel()
	ts, b, start := wsCoordinator(t)
	id := wsCreate(t, b, start, "capacity", "2")
	ann := wsRegister(t, ts, id, "Ann Placed", "placed", 1)
	bob := wsRegister(t, ts, id, "Bob Placed", "placed", 2)
	cat := wsRegister(t, ts, id, "Cat Waiting", "waiting", 3)

	key := wsFormKey(t, b, wsPath(id, "/message"))
	p := b.Post(t, wsPath(id, "/message"), url.Values{"key": {key}, "subject": {""}, "body": {"Bring a pen."}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(wsSummary(p.Body), "Enter a subject") || !strings.Contains(p.Body, "Bring a pen.") {
		t.Fatalf("no subject: %d", p.Status)
	}
	msg := url.Values{"key": {key}, "subject": {"What to bring"}, "body": {"Bring a pen.\r\n\r\nAnd your CV."}}
	if p := b.Post(t, wsPath(id, "/message"), msg); p.Status != http.StatusSeeOther {
		t.Fatalf("send: %d\n%s", p.Status, wsSummary(p.Body))
	}
	b.Post(t, wsPath(id, "/message"), msg) // a double submit sends nothing more
	for _, who := range []string{"ann.placed@example.com", "bob.placed@example.com"} {
		m := ts.mail.To(t, who)
		if len(m) != 1 || m[0].Subject != "What to bring" || !strings.Contains(m[0].Text, "And your CV.") {
			t.Errorf("%s got %d messages", who, len(m))
		}
	}
	if n := len(ts.mail.To(t, "cat.waiting@example.com")); n != 0 {
		t.Errorf("the waiting list got %d messages", n)
	}
	var recipients int
	var detail string
	_ = ts.pool.QueryRow(context.Background(), `SELECT recipients, detail FROM workshop_history WHERE workshop_id = $1 AND action = 'messaged'`, id).Scan(&recipients, &detail)
	if recipients != 2 || !strings.Contains(detail, "What to bring") || !strings.Contains(detail, "And your CV.") {
		t.Errorf("history: %d recipients, %q", recipients, detail)
	}
	if n := ts.count(t, `SELECT count(*) FROM workshop_history WHERE action = 'messaged'`); n != 1 {
		t.Errorf("%d messages in the history", n)
	}
	if ev := b.Get(t, wsPath(id, "")); !strings.Contains(ev.Body, "Emailed everyone with a place") || !strings.Contains(ev.Body, "sent to 2") {
		t.Error("the event page's history does not show the message")
	}

	// The register: people with a place only; one POST saves them all.
	reg := b.Get(t, wsPath(id, "/register"))
	if !strings.Contains(reg.Body, "Ann Placed") || !strings.Contains(reg.Body, "Bob Placed") || strings.Contains(reg.Body, "Cat Waiting") {
		t.Error("the register lists the wrong people")
	}
	if n := ts.count(t, `SELECT count(*) FROM audit_log WHERE record_type = 'workshop' AND action = 'workshop_view_register'`); n != 1 {
		t.Errorf("%d audited views of the register", n)
	}
	marks := url.Values{"att-" + strconvI(ann): {"attended"}, "att-" + strconvI(bob): {"absent"}, "att-" + strconvI(cat): {"attended"}}
	// Before check-in opens (15 minutes before the start) the register
	// lists who has a place but cannot be marked: nobody is "attended"
	// before the event, which would send them its feedback request and a
	// certificate.
	if strings.Contains(reg.Body, `name="att-`) || !strings.Contains(reg.Body, "The register opens when check-in does") {
		t.Error("the register can be marked days before the event")
	}
	if p = b.Post(t, wsPath(id, "/register"), marks); p.Status != http.StatusSeeOther {
		t.Fatalf("early register: %d", p.Status)
	}
	if n := ts.count(t, `SELECT count(*) FROM workshop_registrations WHERE attendance IS NOT NULL`); n != 0 {
		t.Fatalf("%d attendances saved before the event", n)
	}
	ts.clock.Advance(start.Add(-15 * time.Minute).Sub(ts.clock.Now()))
	if reg = b.Get(t, wsPath(id, "/register")); !strings.Contains(reg.Body, `name="att-`) {
		t.Fatal("the register cannot be marked once check-in opens")
	}
	p = b.Post(t, wsPath(id, "/register"), marks)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save the register: %d", p.Status)
	}
	rows, err := ts.pool.Query(context.Background(), `SELECT id, coalesce(attendance, ''), coalesce(attendance_by, ''), attendance_at IS NOT NULL
		FROM workshop_registrations WHERE workshop_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for rows.Next() {
		var rid int64
		var att, by string
		var at bool
		_ = rows.Scan(&rid, &att, &by, &at)
		got[rid] = att + "/" + by + "/" + strconv.FormatBool(at)
	}
	rows.Close()
	if got[ann] != "attended/staff/true" || got[bob] != "absent/staff/true" || got[cat] != "//false" {
		t.Errorf("attendance %v", got)
	}
	if reg := b.Get(t, wsPath(id, "/register")); !strings.Contains(reg.Body, `value="attended" checked`) {
		t.Error("the register does not show what was saved")
	}
}

// Only coordinators and PSU leads reach these pages: a coach, a trainee
// and someone not signed in are refused on every route, GET and POST, and
// nothing changes.
func TestStaffWorkshopAccessRefused(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	co := ts.NewBrowser(t)
	co.SignInStaff(t, "coord@example.nhs.uk", "")
	start := ts.clock.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
	id := wsCreate(t, co, start, "capacity", "1")
	reg := wsRegister(t, ts, id, "Ann Placed", "placed", 1)

	coach := ts.NewBrowser(t)
	coach.SignInStaff(t, "coach@example.nhs.uk", "")
	cm := ts.NewBrowser(t)
	cm.SignInStaff(t, "cm@example.nhs.uk", "")
	ts.MustReferral(t, "CR-WSAC-0001", "trainee@example.com", "", 0, 0)
	trainee := ts.NewBrowser(t)
	trainee.SignInPublic(t, "trainee@example.com")
	anon := ts.NewBrowser(t)

	gets := []string{"/staff/workshops", "/staff/workshops/new", wsPath(id, ""), wsPath(id, "/edit"), wsPath(id, "/copy"),
		wsPath(id, "/cancel"), wsPath(id, "/message"), wsPath(id, "/register"), wsPath(id, "/check-in-code")}
	posts := map[string]url.Values{
		"/staff/workshops/new": wsForm("abcdefghijklmnopqrstuvwxyz", start),
		wsPath(id, "/edit"):    wsForm("", start, "title", "Changed by someone else", "capacity", "5"),
		wsPath(id, "/cancel"):  {"reason": {"no"}},
		wsPath(id, "/message"): {"key": {"abcdefghijklmnopqrstuvwxyz"}, "subject": {"x"}, "body": {"y"}},
		wsPath(id, "/registrations/"+strconvI(reg)+"/remove"): nil,
		wsPath(id, "/registrations/"+strconvI(reg)+"/place"):  nil,
		wsPath(id, "/registrations/"+strconvI(reg)+"/offer"):  nil,
		wsPath(id, "/register"):                               {"att-" + strconvI(reg): {"absent"}},
	}
	for name, b := range map[string]*browser{"coach": coach, "case manager": cm, "trainee": trainee, "anonymous": anon} {
		for _, path := range gets {
			p := b.Get(t, path)
			ok := p.Status == http.StatusForbidden || ((name == "anonymous" || name == "trainee") && p.Status == http.StatusSeeOther && p.Location == "/staff/sign-in")
			if !ok {
				t.Errorf("%s GET %s: %d %q", name, path, p.Status, p.Location)
			}
			if strings.Contains(p.Body, "Ann Placed") {
				t.Errorf("%s saw a registrant's name on %s", name, path)
			}
		}
		for path, form := range posts {
			p := b.Post(t, path, form)
			ok := p.Status == http.StatusForbidden || ((name == "anonymous" || name == "trainee") && p.Status == http.StatusSeeOther && p.Location == "/staff/sign-in")
			if !ok {
				t.Errorf("%s POST %s: %d %q", name, path, p.Status, p.Location)
			}
		}
	}
	var title, status, regStatus string
	var capacity int
	var att *string
	_ = ts.pool.QueryRow(context.Background(), `SELECT w.title, w.status, w.capacity, r.status, r.attendance FROM workshops w
		JOIN workshop_registrations r ON r.workshop_id = w.id WHERE w.id = $1`, id).Scan(&title, &status, &capacity, &regStatus, &att)
	if title != "Career planning: next steps" || status != "scheduled" || capacity != 1 || regStatus != "placed" || att != nil {
		t.Errorf("refused requests changed the event: %s %s %d %s %v", title, status, capacity, regStatus, att)
	}
	if n := ts.count(t, `SELECT count(*) FROM workshops`); n != 1 {
		t.Errorf("%d events", n)
	}
	if n := ts.count(t, `SELECT count(*) FROM workshop_history WHERE action = 'messaged'`); n != 0 {
		t.Errorf("a refused message was recorded")
	}
}

// wsSummary is a page's whole error summary.
func wsSummary(body string) string {
	i := strings.Index(body, "nhsuk-error-summary__list")
	if i < 0 {
		return "(no error summary)"
	}
	j := strings.Index(body[i:], "</ul>")
	return body[i : i+j]
}

// A registrant's data shows the staff who opened the list of names of a
// workshop they registered for, and what staff did to their registration
// by hand, each as a record of theirs.
func TestStaffWorkshopViewsAndActionsReachTheRegistrantsData(t *testing.T) {
	t.Parallel()
	ts, b, start := wsCoordinator(t)
	id := wsCreate(t, b, start, "capacity", "2")
	ann := wsRegister(t, ts, id, "Ann Waiting", "waiting", 1)
	other := wsCreate(t, b, start.Add(24*time.Hour), "capacity", "2")
	if g := b.Get(t, wsPath(id, "")); g.Status != http.StatusOK {
		t.Fatalf("event page: %d", g.Status)
	}
	b.Get(t, wsPath(other, "")) // a workshop Ann has nothing to do with
	if p := b.Post(t, wsPath(id, "/registrations/"+strconvI(ann)+"/place"), url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("give a place: %d %s", p.Status, wsSummary(p.Body))
	}
	d, err := ts.store.SubjectData(context.Background(), "ann.waiting@example.com", ts.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var views, gave, others int
	for _, a := range d.Access {
		switch {
		case a.Record == "workshop "+strconvI(id) && a.Action == "view" && strings.HasPrefix(a.Who, "Staff"):
			views++
		case a.Record == "workshop_registration "+strconvI(ann) && a.Action == "workshop_give_place":
			gave++
		case a.Record == "workshop "+strconvI(other):
			others++
		}
	}
	if views == 0 || gave != 1 || others != 0 {
		t.Errorf("Ann's data: %d views of the list, %d places given, %d rows of another workshop\n%+v", views, gave, others, d.Access)
	}
}

// An event's time can be changed only before it starts, and only to a
// time in the future; once it has started (people checked in, were marked
// and give feedback against it) the time stays, while the rest (a broken
// joining link, the title) can still be put right.
func TestStaffWorkshopTimeChangesOnlyBeforeTheStart(t *testing.T) {
	t.Parallel()
	ts, b, start := wsCoordinator(t)
	ctx := context.Background()
	id := wsCreate(t, b, start)
	past := ts.clock.Now().Add(-2 * time.Hour).Truncate(time.Hour)
	p := b.Post(t, wsPath(id, "/edit"), wsForm("", past, "title", "Career planning, moved"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(wsSummary(p.Body), "The start must be in the future") || !strings.Contains(p.Body, `value="Career planning, moved"`) {
		t.Errorf("a future event moved into the past: %d %s", p.Status, wsSummary(p.Body))
	}
	var starts time.Time
	if err := ts.pool.QueryRow(ctx, `SELECT starts_at FROM workshops WHERE id = $1`, id).Scan(&starts); err != nil || !starts.Equal(start) {
		t.Errorf("the refused change moved the event to %v (%v)", starts, err)
	}

	// Now under way: it started an hour ago and ends in an hour.
	began := ts.clock.Now().Add(-time.Hour).Truncate(time.Minute)
	if _, err := ts.pool.Exec(ctx, `UPDATE workshops SET starts_at = $2, ends_at = $3 WHERE id = $1`, id, began, began.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	form := b.Get(t, wsPath(id, "/edit"))
	if !strings.Contains(form.Body, "The event has started, so its time cannot change") {
		t.Error("the form does not say the time of a started event stays")
	}
	under := func(start time.Time, kv ...string) url.Values {
		v := wsForm("", start, kv...)
		e := began.Add(2 * time.Hour).In(londonTZ)
		v.Set("end-day", strconv.Itoa(e.Day()))
		v.Set("end-month", strconv.Itoa(int(e.Month())))
		v.Set("end-year", strconv.Itoa(e.Year()))
		v.Set("end-time", e.Format("15:04"))
		return v
	}
	laterEnd := under(began)
	e := began.Add(3 * time.Hour).In(londonTZ)
	laterEnd.Set("end-time", e.Format("15:04"))
	laterEnd.Set("end-day", strconv.Itoa(e.Day()))
	laterEnd.Set("end-month", strconv.Itoa(int(e.Month())))
	laterEnd.Set("end-year", strconv.Itoa(e.Year()))
	for what, v := range map[string]url.Values{
		"a later start":    under(began.Add(30 * time.Minute)),
		"an earlier end":   wsForm("", began),
		"a later end":      laterEnd,
		"an earlier start": under(began.Add(-time.Hour)),
	} {
		p := b.Post(t, wsPath(id, "/edit"), v)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(wsSummary(p.Body), "has started, so its time cannot change") {
			t.Errorf("%s for a started event: %d %s", what, p.Status, wsSummary(p.Body))
		}
	}
	p = b.Post(t, wsPath(id, "/edit"), under(began, "joining_link", "https://meet.example.nhs.uk/room-2"))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("a new joining link for a started event: %d %s", p.Status, wsSummary(p.Body))
	}
	var link string
	if err := ts.pool.QueryRow(ctx, `SELECT joining_link, starts_at FROM workshops WHERE id = $1`, id).Scan(&link, &starts); err != nil || link != "https://meet.example.nhs.uk/room-2" || !starts.Equal(began) {
		t.Errorf("after the change: link %q, start %v (%v)", link, starts, err)
	}
}
