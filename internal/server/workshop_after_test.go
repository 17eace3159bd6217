package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"careers/internal/jobs"
	"careers/internal/policy"
	"careers/internal/reports"
	"careers/internal/server"
)

// Fixtures for the pages after a workshop, inserted with SQL: the
// registration and offer flows are another part's (ws-core) and are tested
// there.

// mkWorkshop adds a scheduled workshop with check-in code code.
func mkWorkshop(t *testing.T, ts *testServer, slug string, starts, ends time.Time, code string) int64 {
	t.Helper()
	var id int64
	if err := ts.pool.QueryRow(context.Background(), `INSERT INTO workshops (slug, title, starts_at, ends_at, mode, joining_link, capacity, check_in_code)
		VALUES ($1, $2, $3, $4, 'online', 'https://meet.example.nhs.uk/x', 30, $5) RETURNING id`,
		slug, "Workshop "+slug, starts, ends, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// mkReg adds a confirmed registration in status (placed, waiting ...) with
// attendance ("" for none).
func mkReg(t *testing.T, ts *testServer, workshopID int64, name, email, status, attendance string) int64 {
	t.Helper()
	var id int64
	var att, by any
	if attendance != "" {
		att, by = attendance, "staff"
	}
	placed := status == "placed" || status == "cancelled"
	if err := ts.pool.QueryRow(context.Background(), `INSERT INTO workshop_registrations
		(workshop_id, name, email, professional_group, region, grade, status, confirmed_at, placed_at, attendance, attendance_by, attendance_at)
		VALUES ($1, $2, $3, 'doctor', 'london', 'st3', $4, now() - interval '10 days', CASE WHEN $5 THEN now() - interval '10 days' END,
		        $6, $7, CASE WHEN $6::text IS NOT NULL THEN now() END) RETURNING id`,
		workshopID, name, email, status, placed, att, by).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// placeToken makes an emailed link's token to registration's place.
func placeToken(t *testing.T, ts *testServer, regID int64) string {
	t.Helper()
	now := ts.clock.Now()
	tok, err := ts.store.NewWorkshopPlaceLink(context.Background(), regID, now, now.Add(90*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func withToken(path, token string) string { return path + "?" + url.Values{"token": {token}}.Encode() }

func attendanceOf(t *testing.T, ts *testServer, regID int64) (att, by string) {
	t.Helper()
	if err := ts.pool.QueryRow(context.Background(), `SELECT coalesce(attendance, ''), coalesce(attendance_by, '') FROM workshop_registrations WHERE id = $1`,
		regID).Scan(&att, &by); err != nil {
		t.Fatal(err)
	}
	return att, by
}

func TestWorkshopSelfCheckInWindowAndCode(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	now := ts.clock.Now()
	ws := mkWorkshop(t, ts, "check-in-window", now.Add(30*time.Minute), now.Add(2*time.Hour), "K7PQ")
	placed := mkReg(t, ts, ws, "Ada Placed", "ada@example.nhs.uk", "placed", "")
	waiting := mkReg(t, ts, ws, "Ben Waiting", "ben@example.nhs.uk", "waiting", "")
	other := mkWorkshop(t, ts, "another-event", now.Add(30*time.Minute), now.Add(2*time.Hour), "ZZZZ")
	otherReg := mkReg(t, ts, other, "Cat Other", "cat@example.nhs.uk", "placed", "")
	tok, waitTok, otherTok := placeToken(t, ts, placed), placeToken(t, ts, waiting), placeToken(t, ts, otherReg)
	b := ts.NewBrowser(t)
	path := "/workshops/check-in-window/your-place/check-in"

	// 30 minutes before the start: not open yet, and a post changes nothing.
	g := b.Get(t, withToken(path, tok))
	if g.Status != http.StatusOK || !strings.Contains(g.Body, "Check-in opens 15 minutes before the start") || strings.Contains(g.Body, `name="code"`) {
		t.Fatalf("early check-in page: %d\n%.2000s", g.Status, g.Body)
	}
	if p := b.Post(t, path, url.Values{"token": {tok}, "code": {"K7PQ"}}); p.Status != http.StatusConflict {
		t.Errorf("early check-in: %d, want 409", p.Status)
	}
	if att, _ := attendanceOf(t, ts, placed); att != "" {
		t.Fatalf("checked in before the window: %q", att)
	}

	// 14 minutes before the start: open.
	ts.clock.Advance(16 * time.Minute)
	g = b.Get(t, withToken(path, tok))
	if g.Status != http.StatusOK || !strings.Contains(g.Body, `name="code"`) || !strings.Contains(g.Body, `name="token"`) {
		t.Fatalf("open check-in page: %d\n%.2000s", g.Status, g.Body)
	}
	// A wrong code: the form again with the error and the typed value.
	p := b.Post(t, path, url.Values{"token": {tok}, "code": {"AB12"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "nhsuk-error-summary") ||
		!strings.Contains(p.Body, "The code is not right") || !strings.Contains(p.Body, `value="AB12"`) {
		t.Fatalf("wrong code: %d\n%.3000s", p.Status, p.Body)
	}
	if p := b.Post(t, path, url.Values{"token": {tok}, "code": {"  "}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Enter the check-in code") {
		t.Errorf("empty code: %d", p.Status)
	}
	// Another workshop's code does not work here.
	if p := b.Post(t, path, url.Values{"token": {tok}, "code": {"ZZZZ"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("another workshop's code: %d, want 422", p.Status)
	}
	if att, _ := attendanceOf(t, ts, placed); att != "" {
		t.Fatalf("wrong codes checked in: %q", att)
	}
	// Someone on the waiting list cannot check in, even with the code.
	if p := b.Post(t, path, url.Values{"token": {waitTok}, "code": {"K7PQ"}}); p.Status != http.StatusConflict || !strings.Contains(p.Body, "people with a place") {
		t.Errorf("waiting list check-in: %d", p.Status)
	}
	if att, _ := attendanceOf(t, ts, waiting); att != "" {
		t.Fatalf("waiting registrant checked in: %q", att)
	}
	// Another registrant's token does not open this workshop's page.
	if p := b.Post(t, path, url.Values{"token": {otherTok}, "code": {"K7PQ"}}); p.Status != http.StatusNotFound {
		t.Errorf("another workshop's token: %d, want 404", p.Status)
	}
	if g := b.Get(t, path); g.Status != http.StatusNotFound {
		t.Errorf("no token, not signed in: %d, want 404", g.Status)
	}

	// The right code, in small letters with spaces around: checked in, by self.
	p = b.Post(t, path, url.Values{"token": {tok}, "code": {"  k7pq "}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("right code: %d\n%.2000s", p.Status, p.Body)
	}
	if att, by := attendanceOf(t, ts, placed); att != "attended" || by != "self" {
		t.Fatalf("after check-in: %q by %q", att, by)
	}
	if f := b.Follow(t, p); !strings.Contains(f.Body, "You are checked in") {
		t.Errorf("after check-in page:\n%.2000s", f.Body)
	}
	// A second submit changes nothing and says so.
	if p := b.Post(t, path, url.Values{"token": {tok}, "code": {"K7PQ"}}); p.Status != http.StatusOK || !strings.Contains(p.Body, "You are checked in") {
		t.Errorf("second check-in: %d", p.Status)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM audit_log WHERE action = 'workshop_check_in' AND outcome = 'success' AND record_id = $1`, strconvI(placed)); n != 1 {
		t.Errorf("%d successful check-in audit rows, want 1", n)
	}

	// At the end, check-in closes.
	late := mkReg(t, ts, ws, "Dee Late", "dee@example.nhs.uk", "placed", "")
	lateTok := placeToken(t, ts, late)
	ts.clock.Advance(2 * time.Hour)
	if p := b.Post(t, path, url.Values{"token": {lateTok}, "code": {"K7PQ"}}); p.Status != http.StatusConflict || !strings.Contains(p.Body, "check-in has closed") {
		t.Errorf("check-in after the end: %d", p.Status)
	}
	if att, _ := attendanceOf(t, ts, late); att != "" {
		t.Fatalf("checked in after the end: %q", att)
	}
}

func TestWorkshopCheckInGuessesAreThrottled(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	now := ts.clock.Now()
	ws := mkWorkshop(t, ts, "throttled", now.Add(-5*time.Minute), now.Add(time.Hour), "R2D2")
	reg := mkReg(t, ts, ws, "Eve Guess", "eve@example.nhs.uk", "placed", "")
	tok := placeToken(t, ts, reg)
	b := ts.NewBrowser(t)
	path := "/workshops/throttled/your-place/check-in"
	for i := range 5 {
		if p := b.Post(t, path, url.Values{"token": {tok}, "code": {"AAA" + string(rune('A'+i))}}); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d", i, p.Status)
		}
	}
	// Blocked now: even the right code waits, with the reason on the form.
	p := b.Post(t, path, url.Values{"token": {tok}, "code": {"R2D2"}})
	if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "wrong code too many times") || !strings.Contains(p.Body, "nhsuk-error-summary") {
		t.Fatalf("after 5 wrong codes: %d\n%.2000s", p.Status, p.Body)
	}
	if att, _ := attendanceOf(t, ts, reg); att != "" {
		t.Fatalf("checked in while blocked: %q", att)
	}
	ts.clock.Advance(31 * time.Second)
	if p := b.Post(t, path, url.Values{"token": {tok}, "code": {"R2D2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("after the wait: %d", p.Status)
	}
	if att, by := attendanceOf(t, ts, reg); att != "attended" || by != "self" {
		t.Fatalf("after the wait: %q by %q", att, by)
	}
}

func TestWorkshopFeedbackOnceAndOnlyForAttendees(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	now := ts.clock.Now()
	ws := mkWorkshop(t, ts, "feedback-rules", now.Add(-3*time.Hour), now.Add(-90*time.Minute), "FEED")
	came := mkReg(t, ts, ws, "Fay Came", "fay@example.nhs.uk", "placed", "attended")
	absent := mkReg(t, ts, ws, "Gus Absent", "gus@example.nhs.uk", "placed", "absent")
	waited := mkReg(t, ts, ws, "Hal Waited", "hal@example.nhs.uk", "waiting", "")
	b := ts.NewBrowser(t)
	path := "/workshops/feedback-rules/your-place/feedback"

	// The job asks each attendee once, with a link to their place.
	n, err := jobs.SendWorkshopFeedbackAsks(context.Background(), ts.pool, baseURL(t, ts), now, 100)
	if err != nil || n != 1 {
		t.Fatalf("feedback asks: %d, %v; want 1 (the attendee only)", n, err)
	}
	if n, err := jobs.SendWorkshopFeedbackAsks(context.Background(), ts.pool, baseURL(t, ts), now.Add(time.Hour), 100); err != nil || n != 0 {
		t.Fatalf("second run: %d, %v; want 0", n, err)
	}
	if len(ts.mail.To(t, "gus@example.nhs.uk")) != 0 || len(ts.mail.To(t, "hal@example.nhs.uk")) != 0 {
		t.Error("someone who did not attend was asked for feedback")
	}
	link := ts.mail.MustLink(t, "fay@example.nhs.uk")
	if !strings.HasPrefix(link, path+"?token=") {
		t.Fatalf("feedback link %q", link)
	}
	tok, _ := url.ParseQuery(strings.SplitN(link, "?", 2)[1])

	g := b.Get(t, link)
	if g.Status != http.StatusOK || !strings.Contains(g.Body, "Overall, how was your experience of our service?") {
		t.Fatalf("feedback form: %d\n%.2000s", g.Status, g.Body)
	}
	for _, a := range []string{"Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don&#39;t know"} {
		if !strings.Contains(g.Body, ">"+a+"</label>") {
			t.Errorf("answer %q missing", a)
		}
	}
	// No answer, and a comment too long: both errors, the comment kept.
	long := strings.Repeat("x", 2001)
	p := b.Post(t, path, url.Values{"token": {tok.Get("token")}, "comment": {long}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Select how your experience") ||
		!strings.Contains(p.Body, "2,000 characters or fewer") || !strings.Contains(p.Body, long) {
		t.Fatalf("bad feedback: %d\n%.1500s", p.Status, p.Body)
	}
	if p := b.Post(t, path, url.Values{"token": {tok.Get("token")}, "fft": {"brilliant"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown answer: %d", p.Status)
	}
	form := url.Values{"token": {tok.Get("token")}, "fft": {"good"}, "comment": {"More time for questions"}}
	if p := b.Post(t, path, form); p.Status != http.StatusSeeOther {
		t.Fatalf("feedback: %d\n%.1500s", p.Status, p.Body)
	}
	// A double submit keeps one row, the first.
	form.Set("fft", "poor")
	if p := b.Post(t, path, form); p.Status != http.StatusSeeOther {
		t.Fatalf("second feedback: %d", p.Status)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM workshop_feedback WHERE registration_id = $1 AND fft = 'good' AND comment = 'More time for questions'`, came); n != 1 {
		t.Errorf("%d feedback rows as first given, want 1", n)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM workshop_feedback`); n != 1 {
		t.Errorf("%d feedback rows, want 1", n)
	}
	// It is the attendee's own data: their download includes it.
	if d, err := ts.store.SubjectData(context.Background(), "fay@example.nhs.uk", ts.clock.Now()); err != nil || len(d.Workshops) != 1 ||
		d.Workshops[0].FeedbackFFT != "good" || d.Workshops[0].FeedbackComment != "More time for questions" || d.Workshops[0].FeedbackAt == nil {
		t.Errorf("the attendee's data lacks their feedback: %+v %v", d.Workshops, err)
	}
	if g := b.Get(t, link); !strings.Contains(g.Body, "We have your feedback") || strings.Contains(g.Body, `name="fft"`) {
		t.Errorf("after feedback:\n%.1500s", g.Body)
	}

	// Those who did not attend get no form and cannot post one.
	for _, reg := range []int64{absent, waited} {
		tk := placeToken(t, ts, reg)
		if g := b.Get(t, withToken(path, tk)); g.Status != http.StatusForbidden || strings.Contains(g.Body, `name="fft"`) {
			t.Errorf("non-attendee's form: %d", g.Status)
		}
		if p := b.Post(t, path, url.Values{"token": {tk}, "fft": {"very_good"}}); p.Status != http.StatusForbidden {
			t.Errorf("non-attendee's feedback: %d", p.Status)
		}
	}
	if n := countRows(t, ts, `SELECT count(*) FROM workshop_feedback`); n != 1 {
		t.Errorf("%d feedback rows after non-attendees tried, want 1", n)
	}

	// Before the end, an attendee (checked in) gets no form yet.
	live := mkWorkshop(t, ts, "still-running", now.Add(-30*time.Minute), now.Add(time.Hour), "LIVE")
	in := mkReg(t, ts, live, "Ivy In", "ivy@example.nhs.uk", "placed", "attended")
	if p := b.Post(t, "/workshops/still-running/your-place/feedback", url.Values{"token": {placeToken(t, ts, in)}, "fft": {"good"}}); p.Status != http.StatusForbidden {
		t.Errorf("feedback before the end: %d", p.Status)
	}
}

func TestWorkshopCertificateOnlyForTheAttendee(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	now := ts.clock.Now()
	ws := mkWorkshop(t, ts, "certificate", now.Add(-4*time.Hour), now.Add(-2*time.Hour-30*time.Minute), "CERT")
	came := mkReg(t, ts, ws, "Jo Attendee", "jo@example.nhs.uk", "placed", "attended")
	absent := mkReg(t, ts, ws, "Kit Absent", "kit@example.nhs.uk", "placed", "absent")
	b := ts.NewBrowser(t)
	path := "/workshops/certificate/your-place/certificate"

	g := b.Get(t, withToken(path, placeToken(t, ts, came)))
	if g.Status != http.StatusOK {
		t.Fatalf("certificate: %d\n%.1500s", g.Status, g.Body)
	}
	for _, want := range []string{"Certificate of attendance", "Jo Attendee", "Workshop certificate", "1 hour 30 minutes",
		"Professional Support Unit for London and Kent, Surrey and Sussex", "app-certificate"} {
		if !strings.Contains(g.Body, want) {
			t.Errorf("certificate lacks %q", want)
		}
	}
	if strings.Contains(g.Body, "Kit Absent") {
		t.Error("certificate names someone else")
	}
	if n := countRows(t, ts, `SELECT count(*) FROM audit_log WHERE record_type = 'workshop_certificate' AND record_id = $1`, strconvI(came)); n != 1 {
		t.Errorf("%d certificate audit rows, want 1", n)
	}
	// Not for someone who did not attend, nor without their own link.
	if g := b.Get(t, withToken(path, placeToken(t, ts, absent))); g.Status != http.StatusForbidden || strings.Contains(g.Body, "Kit Absent") {
		t.Errorf("absent registrant's certificate: %d", g.Status)
	}
	if g := b.Get(t, withToken(path, "not-a-real-token")); g.Status != http.StatusNotFound || strings.Contains(g.Body, "Jo Attendee") {
		t.Errorf("made-up token: %d", g.Status)
	}
	// Another workshop's attendee's link does not open this one.
	other := mkWorkshop(t, ts, "other-certificate", now.Add(-4*time.Hour), now.Add(-3*time.Hour), "OTHR")
	otherReg := mkReg(t, ts, other, "Lou Other", "lou@example.nhs.uk", "placed", "attended")
	if g := b.Get(t, withToken(path, placeToken(t, ts, otherReg))); g.Status != http.StatusNotFound {
		t.Errorf("another workshop's link: %d, want 404", g.Status)
	}
}

func baseURL(t *testing.T, ts *testServer) *url.URL {
	t.Helper()
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mkWorkshopAt adds a workshop at a fixed time (London), cancelled or not.
func mkWorkshopAt(t *testing.T, ts *testServer, slug, title string, starts time.Time, cancelled bool) int64 {
	t.Helper()
	var id int64
	if err := ts.pool.QueryRow(context.Background(), `INSERT INTO workshops (slug, title, starts_at, ends_at, mode, capacity, check_in_code, status, cancelled_at)
		VALUES ($1, $2, $3::timestamptz, $3::timestamptz + interval '90 minutes', 'online', 30, 'ABCD', CASE WHEN $4 THEN 'cancelled' ELSE 'scheduled' END, CASE WHEN $4 THEN $3::timestamptz - interval '2 days' END)
		RETURNING id`, slug, title, starts, cancelled).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// addFeedback gives registration's feedback.
func addFeedback(t *testing.T, ts *testServer, regID int64, fft, comment string) {
	t.Helper()
	if _, err := ts.pool.Exec(context.Background(), `INSERT INTO workshop_feedback (registration_id, workshop_id, answered_at, fft, comment)
		SELECT id, workshop_id, now(), $2, $3 FROM workshop_registrations WHERE id = $1`, regID, fft, comment); err != nil {
		t.Fatal(err)
	}
}

// The workshop figures per event and over the period, under the
// small-number rule, with the CSVs; comments of a small event stay out of
// the CSV.
func TestWorkshopReportsSmallNumbersAndCSV(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	london := londonLoc(t)
	a := mkWorkshopAt(t, ts, "consultant-interview-may", "The consultant interview", time.Date(2025, 5, 10, 18, 0, 0, 0, london), false)
	bEv := mkWorkshopAt(t, ts, "networking-may", "Networking for clinicians", time.Date(2025, 5, 20, 18, 0, 0, 0, london), false)
	mkWorkshopAt(t, ts, "cancelled-june", "Career planning", time.Date(2025, 6, 1, 18, 0, 0, 0, london), true)
	var attendees []int64
	for i := range 12 {
		att := "attended"
		if i >= 9 {
			att = "absent"
		}
		id := mkReg(t, ts, a, "A person", "a"+strconvI(int64(i))+"@example.nhs.uk", "placed", att)
		if i < 4 { // four got their place from the waiting list
			if _, err := ts.pool.Exec(ctx, `UPDATE workshop_registrations SET offered_at = confirmed_at + interval '1 day', placed_at = confirmed_at + interval '1 day' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}
		if att == "attended" {
			attendees = append(attendees, id)
		}
	}
	mkReg(t, ts, a, "Still waiting", "w1@example.nhs.uk", "waiting", "")
	mkReg(t, ts, a, "Still waiting", "w2@example.nhs.uk", "waiting", "")
	for i, id := range attendees[:7] {
		fft, comment := "very_good", ""
		switch i {
		case 0:
			comment = `=HYPERLINK("http://evil.example","x")`
		case 1:
			comment = "More time for questions"
		case 5, 6:
			fft = "poor"
		}
		addFeedback(t, ts, id, fft, comment)
	}
	for i := range 3 {
		id := mkReg(t, ts, bEv, "B person", "b"+strconvI(int64(i))+"@example.nhs.uk", "placed", "attended")
		if i < 2 {
			comment := ""
			if i == 0 {
				comment = "Small group comment"
			}
			addFeedback(t, ts, id, "good", comment)
		}
	}

	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	br := ts.NewBrowser(t)
	br.SignInStaff(t, "coord@example.nhs.uk", "")
	p := br.Get(t, "/staff/reports?"+reportPeriod)
	if p.Status != http.StatusOK {
		t.Fatalf("reports page: %d\n%.800s", p.Status, p.Body)
	}
	for _, want := range []string{"Workshops and webinars", "The consultant interview", "Networking for clinicians",
		"Small group comment", "More time for questions", "not shown (fewer than 5 answers)",
		`href="/staff/reports/workshops-by-event.csv?from=2025-04-01&amp;to=2025-06-30"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the page does not show %q", want)
		}
	}

	ev, _ := csvRows(t, br, "workshops-by-event")
	// Event B's small counts beside the period's totals take event A's
	// matching counts with them.
	wh := server.WorkshopWithheld
	wantA := []string{"The consultant interview", "10 May 2025", reports.Hidden, reports.Hidden, reports.Hidden, reports.Few, wh,
		"6", reports.Few, wh, reports.Hidden, wh}
	if got := row(ev, "The consultant interview"); strings.Join(got, "|") != strings.Join(wantA, "|") {
		t.Errorf("event A row:\n got %q\nwant %q", got, wantA)
	}
	wantB := []string{"Networking for clinicians", "20 May 2025", reports.Few, reports.Few, reports.Few, "0", wh,
		"0", "0", "none to count", reports.Few, wh}
	if got := row(ev, "Networking for clinicians"); strings.Join(got, "|") != strings.Join(wantB, "|") {
		t.Errorf("event B row:\n got %q\nwant %q", got, wantB)
	}
	// Event A alone: its counts show, but for the small no-shows (and the
	// attended beside them), and its 7 feedback answers, whose split (5
	// very good, 2 poor) cannot be shown without giving the 2 away.
	alone := br.Get(t, "/staff/reports/workshops-by-event.csv?from=2025-05-01&to=2025-05-15")
	aloneRows, err := csv.NewReader(strings.NewReader(alone.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantAlone := []string{"The consultant interview", "10 May 2025", "14", "12", reports.Hidden, reports.Few, wh,
		"6", reports.Few, wh, reports.Hidden, wh}
	if got := row(aloneRows, "The consultant interview"); strings.Join(got, "|") != strings.Join(wantAlone, "|") {
		t.Errorf("event A alone:\n got %q\nwant %q", got, wantAlone)
	}
	if row(ev, "Career planning") != nil {
		t.Error("a cancelled event is counted as held")
	}
	tot, _ := csvRows(t, br, "workshops-totals")
	for label, want := range map[string]string{
		"Events held or coming (not cancelled)": "2", "Events cancelled": "1", "Registrations (confirmed)": "17",
		"Places taken": "15", "Attended": reports.Hidden, "No-shows (a place, not attended)": reports.Few,
		"Joined the waiting list": "6", "Got a place from the waiting list": reports.Few,
	} {
		if got := row(tot, label); len(got) != 2 || got[1] != want {
			t.Errorf("totals %q: %q, want %q", label, got, want)
		}
	}
	months, _ := csvRows(t, br, "workshops-by-month")
	// One month, the sum of its two events and the period's total.
	wantMonth := []string{"May 2025", "2", "15", reports.Hidden, reports.Few, wh, reports.Hidden, wh}
	if got := row(months, "May 2025"); len(months) != 2 || strings.Join(got, "|") != strings.Join(wantMonth, "|") {
		t.Errorf("by month:\n got %q\nwant %q", months, wantMonth)
	}
	fft, _ := csvRows(t, br, "workshops-friends-and-family-test")
	for label, want := range map[string]string{"Very good": reports.Hidden, "Good": reports.Few, "Poor": reports.Few, "Very poor": "0"} {
		if got := row(fft, label); len(got) != 2 || got[1] != want {
			t.Errorf("FFT %q: %q, want %q", label, got, want)
		}
	}
	// 9 answers, two small counts: no way to show the total without
	// narrowing them, so it goes too.
	if got := row(fft, "All answers"); len(got) != 2 || got[1] != reports.Hidden {
		t.Errorf("FFT total: %q", got)
	}
	cm, raw := csvRows(t, br, "workshops-comments")
	if strings.Contains(raw.Body, "Small group comment") {
		t.Error("a comment from an event with fewer than 5 answers is in the CSV")
	}
	if !strings.Contains(raw.Body, `'=HYPERLINK(""http://evil.example"",""x"")`) {
		t.Errorf("the formula is not neutralised:\n%s", raw.Body)
	}
	if len(cm) != 3 { // header and A's two comments
		t.Errorf("comments CSV has %d rows, want 3: %q", len(cm), cm)
	}
	if p := br.Get(t, "/staff/reports/workshops-comments-all.csv?"+reportPeriod); p.Status != http.StatusNotFound {
		t.Errorf("the page's full comments have a CSV: %d", p.Status)
	}

	// A coach does not see the reports.
	ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, "coach@example.nhs.uk", "")
	if p := cb.Get(t, "/staff/reports/workshops-comments.csv?"+reportPeriod); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Errorf("coach downloads workshop comments: %d", p.Status)
	}
}

func regStatus(t *testing.T, ts *testServer, regID int64) string {
	t.Helper()
	var s string
	if err := ts.pool.QueryRow(context.Background(), `SELECT status FROM workshop_registrations WHERE id = $1`, regID).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Withdrawing a referral ends one-to-one support; workshops are open to
// trainees with or without a referral, so their places stay unless the
// trainee ticks the box, when each is cancelled (with its email) and a
// freed place goes to the next person waiting.
func TestWithdrawalCancelsWorkshopPlacesOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	now := ts.clock.Now()
	ws := mkWorkshop(t, ts, "one-place", now.Add(72*time.Hour), now.Add(74*time.Hour), "ONEP")
	if _, err := ts.pool.Exec(ctx, `UPDATE workshops SET capacity = 2 WHERE id = $1`, ws); err != nil {
		t.Fatal(err)
	}
	other := mkWorkshop(t, ts, "waiting-here", now.Add(96*time.Hour), now.Add(98*time.Hour), "WAIT")
	past := mkWorkshop(t, ts, "already-held", now.Add(-72*time.Hour), now.Add(-70*time.Hour), "PAST")

	keep, _ := allocated(t, ts, "CR-WSWD-0001", "keep@example.com", coach.ID, 3)
	keepPlace := mkReg(t, ts, ws, "Kim Keep", "keep@example.com", "placed", "")
	form := keep.Get(t, "/your-referrals/CR-WSWD-0001/withdraw")
	if !strings.Contains(form.Body, "Workshop one-place") || !strings.Contains(form.Body, `name="workshops"`) {
		t.Fatalf("the withdrawal form does not offer the workshops:\n%.3000s", form.Body)
	}
	if p := keep.Post(t, "/your-referrals/CR-WSWD-0001/withdraw", url.Values{"share": {"no"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", p.Status)
	}
	if s := regStatus(t, ts, keepPlace); s != "placed" {
		t.Errorf("without the box ticked the place is %s, want placed", s)
	}

	leave, _ := allocated(t, ts, "CR-WSWD-0002", "leave@example.com", coach.ID, 3)
	leavePlace := mkReg(t, ts, ws, "Lee Leave", "leave@example.com", "placed", "")
	leaveWait := mkReg(t, ts, other, "Lee Leave", "leave@example.com", "waiting", "")
	leavePast := mkReg(t, ts, past, "Lee Leave", "leave@example.com", "placed", "attended")
	next := mkReg(t, ts, ws, "Nat Next", "next@example.nhs.uk", "waiting", "")
	if p := leave.Post(t, "/your-referrals/CR-WSWD-0002/withdraw", url.Values{"share": {"no"}, "workshops": {"cancel"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw with workshops: %d", p.Status)
	}
	for id, want := range map[int64]string{leavePlace: "cancelled", leaveWait: "cancelled", leavePast: "placed", next: "offered", keepPlace: "placed"} {
		if s := regStatus(t, ts, id); s != want {
			t.Errorf("registration %d is %s, want %s", id, s, want)
		}
	}
	if n := countRows(t, ts, `SELECT count(*) FROM notifications WHERE kind = 'workshop_cancelled'`); n != 2 {
		t.Errorf("%d cancellation emails, want 2", n)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM notifications WHERE kind = 'workshop_offer'`); n != 1 {
		t.Errorf("%d offer emails, want 1 (the freed place)", n)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM audit_log WHERE action = 'withdraw' AND record_id = 'CR-WSWD-0002' AND detail LIKE '%workshop registrations cancelled: 2'`); n != 1 {
		t.Errorf("withdrawal audit rows naming the workshops: %d", n)
	}
}

// The share positive says, with the answers it is out of, how many
// answered positively: beside the shown "very good" it would give a small
// "good" away. The positive answers and the rest are withheld with the
// answers they add up from (10 very good, 2 good, 8 neither: the share,
// 60%, gives 12 positive, and 12 - 10 is the 2 withheld).
func TestWorkshopSharePositiveCannotGiveASmallCountAway(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ev := mkWorkshopAt(t, ts, "cv-clinic-may", "CV clinic", time.Date(2025, 5, 12, 18, 0, 0, 0, londonLoc(t)), false)
	for i := range 20 {
		id := mkReg(t, ts, ev, "A person", "p"+strconvI(int64(i))+"@example.nhs.uk", "placed", "attended")
		fft := "very_good"
		switch {
		case i >= 12:
			fft = "neither"
		case i >= 10:
			fft = "good"
		}
		addFeedback(t, ts, id, fft, "")
	}
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	br := ts.NewBrowser(t)
	br.SignInStaff(t, "coord@example.nhs.uk", "")
	fft, _ := csvRows(t, br, "workshops-friends-and-family-test")
	tot, _ := csvRows(t, br, "workshops-totals")
	months, _ := csvRows(t, br, "workshops-by-month")
	evs, _ := csvRows(t, br, "workshops-by-event")
	if got := row(fft, "Good"); len(got) != 2 || got[1] != reports.Few {
		t.Fatalf("FFT good: %q", got)
	}
	shares := map[string]string{
		"FFT table": row(fft, "Share positive (very good or good)")[1],
		"totals":    row(tot, "Share positive (very good or good)")[1],
		"month":     row(months, "May 2025")[7],
		"event":     row(evs, "CV clinic")[11],
	}
	answers := row(fft, "All answers")[1]
	veryGood := row(fft, "Very good")[1]
	n, errN := strconv.Atoi(answers)
	vg, errVG := strconv.Atoi(veryGood)
	for where, share := range shares {
		pct, err := strconv.Atoi(strings.TrimSuffix(share, "%"))
		if err == nil && errN == nil && errVG == nil {
			t.Errorf("%s: share %d%% of %d answers with %d very good gives the good answers away (%d)", where, pct, n, vg, (pct*n+50)/100-vg)
		}
	}
	// The answers stay shown, and the "good" few; the shares, which would
	// give the good answers away, go.
	if answers != "20" {
		t.Errorf("FFT: %q answers, want 20", answers)
	}
	for where, share := range shares {
		if share != server.WorkshopWithheld {
			t.Errorf("%s: share positive %q, want it withheld", where, share)
		}
	}
}
