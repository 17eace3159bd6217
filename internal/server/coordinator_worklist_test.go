package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"careers/internal/policy"
)

// worklistAppointment adds an appointment to a referral with a coach, at
// start, with its status; late marks a late cancellation.
func (ts *testServer) worklistAppointment(tb testing.TB, ref string, coach int64, start time.Time, status string, late bool) {
	tb.Helper()
	ctx := context.Background()
	var slot, referralID int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM referrals WHERE reference = $1`, ref).Scan(&referralID); err != nil {
		tb.Fatal(err)
	}
	if err := ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
		coach, start, start.Add(time.Hour)).Scan(&slot); err != nil {
		tb.Fatal(err)
	}
	var cancelled *time.Time
	if status == "cancelled" {
		cancelled = &start
	}
	if _, err := ts.pool.Exec(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, booked_by, status, late, cancelled_at)
		VALUES ($1, $2, $3, $4, $5, 'virtual', 'trainee', $6, $7, $8)`, referralID, slot, coach, start, start.Add(time.Hour), status, late, cancelled); err != nil {
		tb.Fatal(err)
	}
}

// worklistQuestion asks a referral's trainee a question daysAgo, answered
// or not.
func (ts *testServer) worklistQuestion(tb testing.TB, ref string, by int64, asked time.Time, answered bool) {
	tb.Helper()
	var at *time.Time
	if answered {
		a := asked.Add(time.Hour)
		at = &a
	}
	if _, err := ts.pool.Exec(context.Background(), `INSERT INTO info_requests (referral_id, question, asked_by, asked_at, answer, answered_at)
		SELECT id, 'Which region?', $2, $3, CASE WHEN $4::timestamptz IS NOT NULL THEN 'London.' END, $4 FROM referrals WHERE reference = $1`,
		ref, by, asked, at); err != nil {
		tb.Fatal(err)
	}
}

var todoRow = regexp.MustCompile(`(?s)<tr class="nhsuk-table__row"><td class="nhsuk-table__cell"><a href="([^"]+)">([^<]+)</a>.*?<td class="nhsuk-table__cell nhsuk-table__cell--numeric">(?:<strong>)?(\d+|None)`)

// todoItems reads the coordinator's to-do list: label to count and link.
func todoItems(tb testing.TB, body string) map[string][2]string {
	tb.Helper()
	out := map[string][2]string{}
	for _, m := range todoRow.FindAllStringSubmatch(body, -1) {
		out[m[2]] = [2]string{m[3], strings.ReplaceAll(m[1], "&amp;", "&")}
	}
	if len(out) == 0 {
		tb.Fatalf("no to-do list in:\n%s", body)
	}
	return out
}

// The coordinator's home is their to-do list, most urgent first; each
// count links to the list it counts, and the list holds exactly those.
func TestCoordinatorHomeToDo(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coord := ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ts.clock.Advance(ts.queueNoon(1).Sub(ts.clock.Now()))
	now := ts.clock.Now()
	for _, r := range []queueTestRow{
		{Ref: "Q-OVERDUE", Name: "Olive Overdue", Submitted: ts.queueNoon(-15)},
		{Ref: "Q-SOON", Name: "Sunil Soon", Submitted: ts.queueNoon(-12)},
		{Ref: "Q-NEW", Submitted: ts.queueNoon(0)},
		{Ref: "Q-ANSWERED", Submitted: ts.queueNoon(-3), Responded: ts.queueNoon(-2)},
		{Ref: "Q-ASKED", Status: "info_requested", Submitted: ts.queueNoon(-10), Responded: ts.queueNoon(-8)},
		{Ref: "Q-ASKED-LATELY", Status: "info_requested", Submitted: ts.queueNoon(-10), Responded: ts.queueNoon(-2)},
		{Ref: "Q-WAIT-LONG", Route: "supervisor", Status: "awaiting_trainee", Submitted: ts.queueNoon(-9)},
		{Ref: "Q-WAIT-SHORT", Route: "supervisor", Status: "awaiting_trainee", Submitted: ts.queueNoon(-3)},
		{Ref: "Q-LOST", Status: "active", Submitted: ts.queueNoon(-40), Responded: ts.queueNoon(-39)},
		{Ref: "Q-LATE-CANCEL", Status: "active", Submitted: ts.queueNoon(-40), Responded: ts.queueNoon(-39)},
		{Ref: "Q-OLD-LOSS", Status: "active", Submitted: ts.queueNoon(-90), Responded: ts.queueNoon(-89)},
		{Ref: "Q-UNCONFIRMED", Status: "active", Submitted: ts.queueNoon(-40), Responded: ts.queueNoon(-39)},
		{Ref: "Q-HELD-LATELY", Status: "active", Submitted: ts.queueNoon(-40), Responded: ts.queueNoon(-39)},
		{Ref: "Q-CLOSED", Status: "closed", Submitted: ts.queueNoon(-60)},
	} {
		ts.mustQueueRow(t, r)
	}
	ts.worklistQuestion(t, "Q-ANSWERED", coord.ID, ts.queueNoon(-2), true)
	ts.worklistQuestion(t, "Q-ASKED", coord.ID, ts.queueNoon(-8), false)
	ts.worklistQuestion(t, "Q-ASKED-LATELY", coord.ID, ts.queueNoon(-2), false)
	ts.worklistAppointment(t, "Q-LOST", coach.ID, now.AddDate(0, 0, -3), "not_attended", false)
	ts.worklistAppointment(t, "Q-LATE-CANCEL", coach.ID, now.AddDate(0, 0, -5), "cancelled", true)
	ts.worklistAppointment(t, "Q-OLD-LOSS", coach.ID, now.AddDate(0, 0, -60), "not_attended", false) // taken as decided
	ts.worklistAppointment(t, "Q-UNCONFIRMED", coach.ID, now.AddDate(0, 0, -3).Add(-2*time.Hour), "attended", false)
	ts.worklistAppointment(t, "Q-HELD-LATELY", coach.ID, now.Add(-26*time.Hour), "attended", false) // within 2 days
	if _, err := ts.pool.Exec(ctx, `INSERT INTO notifications (key, kind, recipients, subject, body_text, body_html, status, failed_at, sent_at)
		VALUES ('k1', 'test', '[{"email": "x@example.org"}]', 'S', 'b', 'b', 'failed', now(), NULL),
		       ('k2', 'test', '[{"email": "y@example.org"}]', 'S', 'b', 'b', 'sent', NULL, now())`); err != nil {
		t.Fatal(err)
	}

	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")
	// Messages the sign-in queued carry the database's time, which the
	// moved test clock makes look long undelivered: take them as sent.
	if _, err := ts.pool.Exec(ctx, `UPDATE notifications SET status = 'sent', sent_at = now() WHERE key NOT IN ('k1', 'k2') AND status = 'queued'`); err != nil {
		t.Fatal(err)
	}
	if p := b.Get(t, "/staff"); p.Location != "/staff/coordinator" {
		t.Fatalf("a coordinator lands on %q", p.Location)
	}
	home := b.Get(t, "/staff/coordinator")
	if home.Status != http.StatusOK {
		t.Fatalf("home: %d", home.Status)
	}
	items := todoItems(t, home.Body)
	want := []struct {
		label string
		n     string
		refs  []string // the list the link leads to; nil for the messages page
	}{
		{"Overdue: past the 14-day deadline with no answer", "1", []string{"Q-OVERDUE"}},
		{"Due within 3 days", "1", []string{"Q-SOON"}},
		{"Answers from trainees to your questions", "1", []string{"Q-ANSWERED"}},
		{"New referrals", "4", []string{"Q-OVERDUE", "Q-SOON", "Q-NEW", "Q-ANSWERED"}},
		{"Late cancellations and missed sessions to decide on", "2", []string{"Q-LOST", "Q-LATE-CANCEL"}},
		{"Sessions held but not confirmed by the coach", "1", []string{"Q-UNCONFIRMED"}},
		{"Waiting for the trainee for more than 7 days", "2", []string{"Q-WAIT-LONG", "Q-ASKED"}},
		{"Emails that could not be delivered", "1", nil},
	}
	var order []string
	for _, m := range todoRow.FindAllStringSubmatch(home.Body, -1) {
		order = append(order, m[2])
	}
	for i, w := range want {
		got, ok := items[w.label]
		if !ok {
			t.Errorf("no %q on the home page", w.label)
			continue
		}
		if i < len(order) && order[i] != w.label {
			t.Errorf("item %d is %q, want %q (most urgent first)", i, order[i], w.label)
		}
		if got[0] != w.n {
			t.Errorf("%s: %s, want %s", w.label, got[0], w.n)
		}
		list := b.Get(t, got[1])
		if list.Status != http.StatusOK {
			t.Errorf("%s: its link %s answers %d", w.label, got[1], list.Status)
			continue
		}
		if w.refs == nil {
			if !strings.Contains(got[1], "/staff/messages") || !strings.Contains(list.Body, "x@example.org") {
				t.Errorf("%s: the link %s does not show the message", w.label, got[1])
			}
			continue
		}
		refs := queueRefsOn(list.Body)
		if !queueSameSet(refs, w.refs) {
			t.Errorf("%s: the list at %s holds %v, want %v", w.label, got[1], refs, w.refs)
		}
	}
	// The most urgent referrals by name, with the days left.
	if !strings.Contains(home.Body, "Olive Overdue") || !strings.Contains(home.Body, "1 day overdue") ||
		!strings.Contains(home.Body, "Sunil Soon") || !strings.Contains(home.Body, "2 days left") {
		t.Error("the home does not list the most urgent referrals with their days left")
	}
	if strings.Index(home.Body, "Olive Overdue") > strings.Index(home.Body, "Sunil Soon") {
		t.Error("the overdue referral is not first")
	}
	// Naming trainees, the home's view is audited.
	if n := ts.count(t, `SELECT count(*) FROM audit_log WHERE action = 'view' AND record_type = 'coordinator_home' AND actor_id = $1`, coord.ID); n != 1 {
		t.Errorf("%d audit rows for the home", n)
	}
}

// The queue's default list holds only referrals that need a coordinator;
// those waiting for the trainee, and those allocated or active, are one
// link away.
func TestQueueDefaultList(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	for _, r := range []queueTestRow{
		{Ref: "Q-NEW", Submitted: ts.queueNoon(-2)},
		{Ref: "Q-ACCEPTED", Status: "accepted", Submitted: ts.queueNoon(-20), Responded: ts.queueNoon(-19)},
		{Ref: "Q-AWAITING", Route: "supervisor", Status: "awaiting_trainee"},
		{Ref: "Q-ASKED", Status: "info_requested", Responded: ts.queueNoon(-1)},
		{Ref: "Q-ALLOCATED", Status: "allocated", Responded: ts.queueNoon(-1)},
		{Ref: "Q-ACTIVE", Status: "active", Responded: ts.queueNoon(-1)},
		{Ref: "Q-CLOSED", Status: "closed"},
	} {
		ts.mustQueueRow(t, r)
	}
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")
	body := b.Get(t, "/staff/referrals").Body
	if got := queueRefsOn(body); !slices.Equal(got, []string{"Q-ACCEPTED", "Q-NEW"}) {
		t.Errorf("default list: %v", got)
	}
	for _, c := range []struct {
		link string
		want []string
	}{
		{`<a href="/staff/referrals?status=waiting">Waiting for the trainee</a>`, []string{"Q-AWAITING", "Q-ASKED"}},
		{`<a href="/staff/referrals?status=underway">Allocated or active</a>`, []string{"Q-ALLOCATED", "Q-ACTIVE"}},
	} {
		if !strings.Contains(body, c.link) {
			t.Errorf("no link %s", c.link)
			continue
		}
		href := strings.Split(c.link, `"`)[1]
		if got := queueRefsOn(b.Get(t, href).Body); !queueSameSet(got, c.want) {
			t.Errorf("%s: %v, want %v", href, got, c.want)
		}
	}
	if !strings.Contains(body, `aria-current="page">Needs a coordinator</a>`) {
		t.Error("the default list is not marked as the current one")
	}
}

// The search box finds any part of a name (a surname), a partial
// reference, an email address, and a registration number; the text never
// appears in an address.
func TestQueueSearchAnywhere(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	for _, r := range []queueTestRow{
		{Ref: "CR-7K4M-2Q9X", Name: "Priya Shah", Email: "priya.shah@example.org"},
		{Ref: "CR-AAAA-BBBB", Name: "Sam Jones", Email: "sjones@example.org", Status: "closed"},
		{Ref: "CR-CCCC-DDDD", Name: "Ann Other", Email: "ann@example.org"},
	} {
		ts.mustQueueRow(t, r)
	}
	if _, err := ts.pool.Exec(context.Background(), `UPDATE referrals SET registration_number = '7654321' WHERE reference = 'CR-AAAA-BBBB'`); err != nil {
		t.Fatal(err)
	}
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")
	for _, c := range []struct{ q, want string }{
		{"Shah", "CR-7K4M-2Q9X"},
		{"jones", "CR-AAAA-BBBB"}, // closed: a search looks at every status
		{"7K4M", "CR-7K4M-2Q9X"},
		{"cccc-dd", "CR-CCCC-DDDD"},
		{"priya.shah@example.org", "CR-7K4M-2Q9X"},
		{"sjones@", "CR-AAAA-BBBB"},
		{"7654321", "CR-AAAA-BBBB"},
	} {
		p := b.Post(t, "/staff/referrals", url.Values{"q": {c.q}})
		if p.Status != http.StatusSeeOther || strings.Contains(strings.ToLower(p.Location), strings.ToLower(c.q)) {
			t.Fatalf("search %q: %d to %q", c.q, p.Status, p.Location)
		}
		res := b.Follow(t, p)
		for _, u := range queueURLs(res.Body) {
			if strings.Contains(strings.ToLower(u), strings.ToLower(c.q)) && !strings.Contains(u, "/staff/referrals/"+c.want) {
				t.Errorf("search %q: the text is in an address: %q", c.q, u)
			}
		}
		if got := queueRefsOn(res.Body); len(got) != 1 || got[0] != c.want {
			t.Errorf("search %q found %v, want %s", c.q, got, c.want)
		}
	}
}

// The CSV download is the list on screen (its filters, its search), for
// coordinators only: an attachment not cached, cells that could be read as
// formulas neutralised, one audit row with the filters but no names and
// no search text.
func TestQueueExport(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coord := ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.clock.Advance(ts.queueNoon(1).Sub(ts.clock.Now()))
	for _, r := range []queueTestRow{
		{Ref: "Q-FORMULA", Name: "=HYPERLINK(\"http://x\")", Email: "formula@example.org", Submitted: ts.queueNoon(-12)},
		{Ref: "Q-SMITH", Name: "Jo Smith", Submitted: ts.queueNoon(-1)},
		{Ref: "Q-SMITHSON", Name: "Al Smithson", Route: "supervisor", Status: "awaiting_trainee"},
		{Ref: "Q-OTHER", Name: "Ann Other"},
	} {
		ts.mustQueueRow(t, r)
	}
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")

	// The default list, no search: the link is on the page.
	page := b.Get(t, "/staff/referrals")
	if !strings.Contains(page.Body, `href="/staff/referrals.csv"`) {
		t.Fatal("no download link on the queue")
	}
	p := b.Get(t, "/staff/referrals.csv")
	if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment;") || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("download: %d %v", p.Status, p.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[0][0] != "Reference" || recs[0][7] != "Response" {
		t.Fatalf("default list CSV: %v", recs)
	}
	if recs[1][0] != "Q-FORMULA" || recs[1][1] != `'=HYPERLINK("http://x")` || recs[1][7] != "2 days left" {
		t.Errorf("first row (the formula neutralised, days left): %v", recs[1])
	}

	// A search and a filter: the same rows as the page.
	b.Post(t, "/staff/referrals", url.Values{"q": {"smith"}, "status": {"open"}})
	page = b.Get(t, "/staff/referrals?status=open")
	if !strings.Contains(page.Body, `href="/staff/referrals.csv?status=open"`) {
		t.Fatal("the download link does not carry the filter")
	}
	recs, err = csv.NewReader(strings.NewReader(b.Get(t, "/staff/referrals.csv?status=open").Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, r := range recs[1:] {
		refs = append(refs, r[0])
	}
	if !queueSameSet(refs, []string{"Q-SMITH", "Q-SMITHSON"}) || !queueSameSet(refs, queueRefsOn(page.Body)) {
		t.Errorf("searched CSV rows %v, page rows %v", refs, queueRefsOn(page.Body))
	}

	// One audit row per download: the filters, never names or the search.
	rows, err := ts.pool.Query(context.Background(), `SELECT detail FROM audit_log
		WHERE action = 'download' AND record_type = 'referral_queue' AND actor_id = $1 ORDER BY id`, coord.ID)
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		details = append(details, d)
	}
	if len(details) != 2 || !strings.Contains(details[0], "list needs") || !strings.Contains(details[1], "status=open") ||
		!strings.Contains(details[1], "with a search") {
		t.Errorf("audit details: %q", details)
	}
	for _, d := range details {
		for _, personal := range []string{"smith", "Smith", "HYPERLINK", "Other"} {
			if strings.Contains(d, personal) {
				t.Errorf("the audit row holds %q: %q", personal, d)
			}
		}
	}

	// A PSU lead sees the queue but not the download.
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	l := ts.NewBrowser(t)
	l.SignInStaff(t, "lead@example.nhs.uk", "")
	if strings.Contains(l.Get(t, "/staff/referrals").Body, "referrals.csv") {
		t.Error("the lead is offered the download")
	}
	if p := l.Get(t, "/staff/referrals.csv"); p.Status != http.StatusForbidden {
		t.Errorf("the lead's download: %d", p.Status)
	}
	// Nor does a coach get the download.
	ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coach@example.nhs.uk", "")
	if p := c.Get(t, "/staff/referrals.csv"); p.Status != http.StatusForbidden {
		t.Errorf("the coach's download: %d", p.Status)
	}
}

// "Accept and open the next": after accepting, the coordinator lands on
// the next referral of the list they last viewed (its filters and search
// kept in the session, not the URL), and back on that list after the last.
func TestAcceptAndOpenTheNext(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	for _, r := range []queueTestRow{
		{Ref: "CR-AAAA-0001", Name: "Ada First", Submitted: ts.queueNoon(-10)},
		{Ref: "CR-BBBB-0002", Name: "Ben Second", Submitted: ts.queueNoon(-8), Route: "supervisor", Confirmed: ts.queueNoon(-7)},
		{Ref: "CR-CCCC-0003", Name: "Cat Third", Submitted: ts.queueNoon(-5)},
		{Ref: "CR-DDDD-0004", Name: "Dan Fourth", Submitted: ts.queueNoon(-3), Route: "supervisor", Confirmed: ts.queueNoon(-3)},
	} {
		ts.mustQueueRow(t, r)
	}
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")
	listField := regexp.MustCompile(`name="list" value="([^"]*)"`)
	// accept opens a referral's page at path (as a queue row links it) and
	// presses "Accept and open the next".
	accept := func(path string) page {
		t.Helper()
		page := b.Get(t, path)
		if !strings.Contains(page.Body, `name="then" value="next"`) {
			t.Fatalf("%s: no accept-and-next button", path)
		}
		ref, _, _ := strings.Cut(strings.TrimPrefix(path, "/staff/referrals/"), "?")
		form := url.Values{"version": {versionRe.FindStringSubmatch(page.Body)[1]}, "then": {"next"}}
		if m := listField.FindStringSubmatch(page.Body); m != nil {
			form.Set("list", strings.ReplaceAll(m[1], "&amp;", "&"))
		}
		return b.Post(t, "/staff/referrals/"+ref+"/accept", form)
	}
	rowLink := func(list, ref string) string {
		t.Helper()
		m := regexp.MustCompile(`href="(/staff/referrals/` + ref + `[^"]*)"`).FindStringSubmatch(b.Get(t, list).Body)
		if m == nil {
			t.Fatalf("%s is not in %s", ref, list)
		}
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}

	// The default list, by deadline.
	p := accept(rowLink("/staff/referrals", "CR-AAAA-0001"))
	if p.Status != http.StatusSeeOther || p.Location != "/staff/referrals/CR-BBBB-0002" {
		t.Fatalf("accept and next: %d to %q", p.Status, p.Location)
	}
	next := b.Follow(t, p)
	if !strings.Contains(next.Body, "Referral CR-AAAA-0001 accepted. This is the next referral in your list") {
		t.Error("no message on the next referral")
	}
	if s := state(t, ts, "CR-AAAA-0001"); s.Status != "accepted" {
		t.Errorf("the first referral is %s", s.Status)
	}

	// A filtered list: supervisors' referrals only. The row links carry
	// the filter, and so does the way to the next.
	link := rowLink("/staff/referrals?route=supervisor", "CR-BBBB-0002")
	if link != "/staff/referrals/CR-BBBB-0002?route=supervisor" {
		t.Errorf("the row links to %q", link)
	}
	p = accept(link)
	if p.Location != "/staff/referrals/CR-DDDD-0004?route=supervisor" {
		t.Fatalf("in the supervisor list, the next after CR-BBBB-0002 is %q", p.Location)
	}
	// The last in its list: back to that list, with its filters.
	if p := accept(p.Location); p.Location != "/staff/referrals?route=supervisor" ||
		!strings.Contains(b.Follow(t, p).Body, "That was the last referral in your list") {
		t.Errorf("after the last: %q", p.Location)
	}
	// A search is kept in the session, never in a URL, and followed too:
	// the only result, accepted, is the last.
	b.Follow(t, b.Post(t, "/staff/referrals", url.Values{"q": {"Third"}}))
	if p := accept(rowLink("/staff/referrals", "CR-CCCC-0003")); p.Location != "/staff/referrals" {
		t.Errorf("the only result of a search, accepted: to %q", p.Location)
	}
	b.Post(t, "/staff/referrals", url.Values{"clear": {"1"}})
	// A plain accept still goes back to the referral.
	ts.mustQueueRow(t, queueTestRow{Ref: "CR-EEEE-0005"})
	if p := b.Post(t, "/staff/referrals/CR-EEEE-0005/accept", url.Values{"version": {version(t, b, "CR-EEEE-0005")}}); p.Location != "/staff/referrals/CR-EEEE-0005" {
		t.Errorf("a plain accept goes to %q", p.Location)
	}
}

// queueSameSet reports whether a and b hold the same references.
func queueSameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
