package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"careers/internal/policy"
)

var queueLondon = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}()

// queueTestRow is a referral for the queue's handler tests; zero times are NULL.
type queueTestRow struct {
	Ref, Route, Status, Name, Email string
	Submitted, Confirmed, Responded time.Time
}

func (ts *testServer) mustQueueRow(tb testing.TB, r queueTestRow) {
	tb.Helper()
	if r.Route == "" {
		r.Route = "self"
	}
	if r.Status == "" {
		r.Status = "new"
	}
	if r.Name == "" {
		r.Name = "Test Trainee"
	}
	if r.Email == "" {
		r.Email = strings.ToLower(r.Ref) + "@example.org"
	}
	if r.Submitted.IsZero() {
		r.Submitted = ts.clock.Now()
	}
	null := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	_, err := ts.pool.Exec(context.Background(), `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email,
			submitted_at, confirmed_at, first_response_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		r.Ref, r.Route, r.Status, r.Name, r.Email, r.Submitted, null(r.Confirmed), null(r.Responded))
	if err != nil {
		tb.Fatal(err)
	}
}

// queueNoon is noon in London on the test clock's date, moved by days.
func (ts *testServer) queueNoon(days int) time.Time {
	y, m, d := ts.clock.Now().In(queueLondon).Date()
	return time.Date(y, m, d+days, 12, 0, 0, 0, queueLondon)
}

// queueCell returns the table row of a reference, or fails.
func queueCell(tb testing.TB, body, ref string) string {
	tb.Helper()
	for _, tr := range strings.Split(body, "<tr ")[1:] {
		if strings.Contains(tr, ">"+ref+"</a>") {
			return tr
		}
	}
	tb.Fatalf("%s is not in the queue", ref)
	return ""
}

var queueLinkAttr = regexp.MustCompile(`(?i)\s(?:href|action|src|formaction)="([^"]*)"`)

// queueURLs are every address in a page: links, form actions, sources.
func queueURLs(body string) []string {
	var out []string
	for _, m := range queueLinkAttr.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// A row links to its referral, with the list's filters when there are any.
var queueRowLink = regexp.MustCompile(`href="/staff/referrals/([^"/?]+)(?:\?[^"]*)?"`)

func queueRefsOn(body string) []string {
	var out []string
	for _, m := range queueRowLink.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

var (
	queueCountsTable = regexp.MustCompile(`(?s)Referrals by status</caption>(.*?)</table>`)
	queueCountHeader = regexp.MustCompile(`<a href="/staff/referrals\?status=([a-z_]+)"[^>]*>([^<]+)</a>`)
	queueCountCell   = regexp.MustCompile(`<td[^>]*>(\d+)</td>`)
)

// queueCounts reads the counts table: status to "Label N".
func queueCounts(tb testing.TB, body string) map[string]string {
	tb.Helper()
	m := queueCountsTable.FindStringSubmatch(body)
	if m == nil {
		tb.Fatal("no counts table")
	}
	heads := queueCountHeader.FindAllStringSubmatch(m[1], -1)
	cells := queueCountCell.FindAllStringSubmatch(m[1], -1)
	if len(heads) != len(cells) {
		tb.Fatalf("%d statuses and %d counts", len(heads), len(cells))
	}
	out := map[string]string{}
	for i, h := range heads {
		out[h[1]] = h[2] + " " + cells[i][1]
	}
	return out
}

var queueNextLink = regexp.MustCompile(`href="([^"]*)" rel="next"`)
var queuePrevLink = regexp.MustCompile(`href="([^"]*)" rel="prev"`)

func queueUnescape(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

// The queue is for coordinators and PSU leads only.
func TestQueueAccess(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustReferral(t, "CR-7K4M-2Q9X", "t@example.com", "", 0, 0)
	for _, c := range []struct {
		email string
		role  policy.Role
		want  int
	}{
		{"coord@example.nhs.uk", policy.Coordinator, http.StatusOK},
		{"lead@example.nhs.uk", policy.Lead, http.StatusOK},
		{"coach@example.nhs.uk", policy.Coach, http.StatusForbidden},
		{"admin@example.nhs.uk", policy.Admin, http.StatusForbidden},
		{"cm@example.nhs.uk", policy.CaseManager, http.StatusForbidden},
	} {
		ts.MustStaff(t, c.email, c.role)
		b := ts.NewBrowser(t)
		b.SignInStaff(t, c.email, "")
		p := b.Get(t, "/staff/referrals")
		if p.Status != c.want {
			t.Errorf("%s GET /staff/referrals: %d, want %d", c.role, p.Status, c.want)
		}
		if c.want == http.StatusOK && !strings.Contains(p.Body, "CR-7K4M-2Q9X") {
			t.Errorf("%s: the queue does not list the referral", c.role)
		}
		if c.want == http.StatusForbidden && strings.Contains(p.Body, "CR-7K4M-2Q9X") {
			t.Errorf("%s: a refusal shows a referral", c.role)
		}
		wantPost := c.want
		if wantPost == http.StatusOK {
			wantPost = http.StatusSeeOther
		}
		if post := b.Post(t, "/staff/referrals", url.Values{"q": {"CR-7K4M-2Q9X"}}); post.Status != wantPost {
			t.Errorf("%s POST /staff/referrals: %d, want %d", c.role, post.Status, wantPost)
		}
	}
	anon := ts.NewBrowser(t)
	for _, method := range []string{"GET", "POST"} {
		var p page
		if method == "GET" {
			p = anon.Get(t, "/staff/referrals")
		} else {
			p = anon.Post(t, "/staff/referrals", url.Values{"q": {"x"}})
		}
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/staff/sign-in") {
			t.Errorf("anonymous %s: %d to %q, want the staff sign-in", method, p.Status, p.Location)
		}
	}
}

// A search is posted, kept in the session, and never put in an address:
// not in the redirect, not in a link, not in a form's action.
func TestQueueSearchStaysOutOfURLs(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")
	// 60 trainees whose names start the same (two pages), others that do not.
	for i := range 60 {
		ts.mustQueueRow(t, queueTestRow{Ref: fmt.Sprintf("Q-Z%02d", i), Name: fmt.Sprintf("Zanzibar Quist %02d", i),
			Submitted: ts.queueNoon(-i % 7)})
	}
	ts.mustQueueRow(t, queueTestRow{Ref: "Q-OTHER", Name: "Priya Shah", Email: "priya.shah@example.org", Submitted: ts.queueNoon(-8)})
	ts.mustQueueRow(t, queueTestRow{Ref: "Q-CLOSED", Name: "Zanzibar Closed", Status: "closed"})

	const term = "Zanzibar Q"
	forbidden := []string{"zanzibar", url.QueryEscape("Zanzibar"), "priya", "shah"}
	check := func(where string, addrs ...string) {
		t.Helper()
		for _, a := range addrs {
			for _, f := range forbidden {
				if strings.Contains(strings.ToLower(a), strings.ToLower(f)) {
					t.Errorf("%s: the search is in an address: %q", where, a)
				}
			}
		}
	}

	// The filters in force travel with the search; the search does not.
	p := b.Post(t, "/staff/referrals", url.Values{"q": {term}, "route": {"self"}, "sort": {"received"}, "status": {"bogus"}})
	if p.Status != http.StatusSeeOther || p.Location != "/staff/referrals?route=self&sort=received" {
		t.Fatalf("search: %d to %q", p.Status, p.Location)
	}
	check("redirect", p.Location)
	first := b.Get(t, p.Location)
	if first.Status != http.StatusOK {
		t.Fatalf("results: %d", first.Status)
	}
	check("first page", queueURLs(first.Body)...)
	if !strings.Contains(first.Body, `value="`+term+`"`) {
		t.Error("the search box does not show the search")
	}
	refs := queueRefsOn(first.Body)
	if len(refs) != 50 || strings.Contains(first.Body, "Q-OTHER") {
		t.Fatalf("first page of results has %d rows (Q-OTHER shown: %v)", len(refs), strings.Contains(first.Body, "Q-OTHER"))
	}
	next := queueNextLink.FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatal("no Next link")
	}
	second := b.Get(t, queueUnescape(next[1]))
	check("second page", queueURLs(second.Body)...)
	if n := len(queueRefsOn(second.Body)); n != 10 {
		t.Errorf("second page has %d rows, want 10", n)
	}
	if queueNextLink.MatchString(second.Body) {
		t.Error("the last page has a Next link")
	}
	prev := queuePrevLink.FindStringSubmatch(second.Body)
	if prev == nil {
		t.Fatal("no Previous link")
	}
	back := b.Get(t, queueUnescape(prev[1]))
	if got := queueRefsOn(back.Body); strings.Join(got, ",") != strings.Join(refs, ",") {
		t.Errorf("Previous does not lead back to the first page:\n%v\n%v", got, refs)
	}
	if !strings.Contains(second.Body, "Back to the first page") {
		t.Error("no link to the first page")
	}
	for _, l := range []string{next[1], prev[1]} {
		if !strings.Contains(l, "route=self") || !strings.Contains(l, "sort=received") {
			t.Errorf("a page link loses the filters: %q", l)
		}
	}

	// A search with no status chosen finds closed referrals too.
	b.Post(t, "/staff/referrals", url.Values{"q": {"zanzibar c"}})
	if p := b.Get(t, "/staff/referrals"); !strings.Contains(p.Body, "Q-CLOSED") || strings.Contains(p.Body, "Q-Z01") {
		t.Error("a search by name does not find the closed referral, or finds others")
	}

	// An email address: found, and not in any address either.
	p = b.Post(t, "/staff/referrals", url.Values{"q": {"Priya.Shah@Example.org"}})
	check("email redirect", p.Location)
	results := b.Follow(t, p)
	check("email results", queueURLs(results.Body)...)
	if got := queueRefsOn(results.Body); len(got) != 1 || got[0] != "Q-OTHER" {
		t.Errorf("search by email found %v", got)
	}

	// Too long: the page again with the error and what was typed.
	long := strings.Repeat("a", 101)
	p = b.Post(t, "/staff/referrals", url.Values{"q": {long}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Search must be 100 characters or fewer") ||
		!strings.Contains(p.Body, `value="`+long+`"`) {
		t.Errorf("a long search: %d", p.Status)
	}
	check("error page", queueURLs(p.Body)...)

	// Clearing the search shows every open referral again.
	p = b.Post(t, "/staff/referrals", url.Values{"q": {"x"}, "clear": {"1"}})
	if p.Status != http.StatusSeeOther || p.Location != "/staff/referrals" {
		t.Fatalf("clear: %d to %q", p.Status, p.Location)
	}
	if all := b.Follow(t, p); !strings.Contains(all.Body, "Q-OTHER") || strings.Contains(all.Body, "Q-CLOSED") {
		t.Error("after clearing, the queue is not the open referrals")
	}
}

// Each row shows the days left to the 14-day response deadline: amber at
// 3 days or fewer, red once passed, "Responded" once answered, "Waiting
// for trainee" before the clock starts; the server's clock decides.
func TestQueueDeadlineFlags(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")
	// Move the clock to noon in London so whole days are whole days.
	ts.clock.Advance(ts.queueNoon(1).Sub(ts.clock.Now()))
	for _, r := range []queueTestRow{
		{Ref: "Q-LEFT-4", Submitted: ts.queueNoon(-10)},
		{Ref: "Q-LEFT-3", Submitted: ts.queueNoon(-11)},
		{Ref: "Q-DUE-TODAY", Route: "supervisor", Submitted: ts.queueNoon(-30), Confirmed: ts.queueNoon(-14)},
		{Ref: "Q-LATE-1", Submitted: ts.queueNoon(-15)},
		{Ref: "Q-ANSWERED", Status: "info_requested", Submitted: ts.queueNoon(-20), Responded: ts.queueNoon(-2)},
		{Ref: "Q-WAITING", Route: "case_manager", Status: "awaiting_trainee", Submitted: ts.queueNoon(-40)},
	} {
		ts.mustQueueRow(t, r)
	}
	type want struct{ class, text string }
	expect := func(when string, wants map[string]want) {
		t.Helper()
		// Every open referral: the default list leaves out those waiting
		// for the trainee or answered (TestQueueDefaultList).
		body := b.Get(t, "/staff/referrals?status=open").Body
		for ref, w := range wants {
			cell := queueCell(t, body, ref)
			if w.class == "" {
				if strings.Contains(cell, "nhsuk-tag--orange") || strings.Contains(cell, "nhsuk-tag--red") || !strings.Contains(cell, w.text) {
					t.Errorf("%s, %s: want plain %q in\n%s", when, ref, w.text, cell)
				}
				continue
			}
			if !strings.Contains(cell, `<strong class="nhsuk-tag `+w.class+`">`+w.text+`</strong>`) {
				t.Errorf("%s, %s: want %s %q in\n%s", when, ref, w.class, w.text, cell)
			}
		}
	}
	expect("today", map[string]want{
		"Q-LEFT-4":    {"", "4 days left"},
		"Q-LEFT-3":    {"nhsuk-tag--orange", "3 days left"},
		"Q-DUE-TODAY": {"nhsuk-tag--orange", "Due today"},
		"Q-LATE-1":    {"nhsuk-tag--red", "1 day overdue"},
		"Q-ANSWERED":  {"nhsuk-tag--green", "Responded"},
		"Q-WAITING":   {"nhsuk-tag--grey", "Waiting for trainee"},
	})
	ts.clock.Advance(24 * time.Hour)
	expect("a day later", map[string]want{
		"Q-LEFT-4":    {"nhsuk-tag--orange", "3 days left"},
		"Q-LEFT-3":    {"nhsuk-tag--orange", "2 days left"},
		"Q-DUE-TODAY": {"nhsuk-tag--red", "1 day overdue"},
		"Q-LATE-1":    {"nhsuk-tag--red", "2 days overdue"},
		"Q-ANSWERED":  {"nhsuk-tag--green", "Responded"},
		"Q-WAITING":   {"nhsuk-tag--grey", "Waiting for trainee"},
	})
	// The deadline filter agrees with the flags, on the same clock.
	body := b.Get(t, "/staff/referrals?deadline=overdue").Body
	if got := strings.Join(queueRefsOn(body), ","); got != "Q-LATE-1,Q-DUE-TODAY" {
		t.Errorf("overdue filter: %s", got)
	}
	body = b.Get(t, "/staff/referrals?deadline=soon").Body
	if got := strings.Join(queueRefsOn(body), ","); got != "Q-LEFT-3,Q-LEFT-4" {
		t.Errorf("due-soon filter: %s", got)
	}
	// The filters in force come back chosen in the filter form.
	body = b.Get(t, "/staff/referrals?deadline=soon&coach=unallocated&sort=received").Body
	for _, want := range []string{`<option value="soon" selected>`, `<option value="unallocated" selected>`, `<option value="received" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the filter form lost a choice: no %s", want)
		}
	}
	if n := strings.Count(body, " selected>"); n != 7 {
		t.Errorf("%d options selected, want one in each of the 7 filters", n)
	}
}

// Counts per status head the page, whatever the filters.
func TestQueueCounts(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "lead@example.nhs.uk", "")
	n := 0
	for status, count := range map[string]int{"new": 3, "awaiting_trainee": 2, "closed": 4, "active": 1} {
		for range count {
			n++
			ts.mustQueueRow(t, queueTestRow{Ref: fmt.Sprintf("Q-%d", n), Status: status})
		}
	}
	for _, path := range []string{"/staff/referrals", "/staff/referrals?status=closed&route=supervisor"} {
		got := queueCounts(t, b.Get(t, path).Body)
		want := map[string]string{"new": "New 3", "awaiting_trainee": "Waiting for the trainee 2", "closed": "Closed 4",
			"active": "Sessions under way 1", "withdrawn": "Withdrawn 0", "accepted": "Accepted 0", "allocated": "Coach allocated 0",
			"info_requested": "Information requested 0"}
		if len(got) != len(want) {
			t.Errorf("%s: counts %v", path, got)
		}
		for status, w := range want {
			if got[status] != w {
				t.Errorf("%s: count of %s is %q, want %q", path, status, got[status], w)
			}
		}
	}
	// The default view is the referrals that need a coordinator: the 3
	// new ones of the 10; every open one is a filter away.
	if got := len(queueRefsOn(b.Get(t, "/staff/referrals").Body)); got != 3 {
		t.Errorf("the default view lists %d referrals, want the 3 new", got)
	}
	if got := len(queueRefsOn(b.Get(t, "/staff/referrals?status=open").Body)); got != 6 {
		t.Errorf("the open filter lists %d referrals, want 6", got)
	}
	if got := len(queueRefsOn(b.Get(t, "/staff/referrals?status=closed").Body)); got != 4 {
		t.Errorf("the closed filter lists %d referrals, want 4", got)
	}
}
