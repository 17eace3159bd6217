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

	"careers/internal/jobs"
	"careers/internal/policy"
)

func countRows(t *testing.T, ts *testServer, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := ts.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ratings are the five answers as the form sends them.
func ratings(vs ...string) url.Values {
	v := url.Values{"intent": {"send"}}
	for i, k := range []string{"self_awareness", "options", "decision", "plan", "confidence"} {
		v.Set(k, vs[i])
	}
	return v
}

// heldAndClosed makes an allocated referral whose trainee answers (or not)
// before their session, then has the session, which the coach records,
// and the referral closed. It returns the trainee's and coach's browsers.
func heldAndClosed(t *testing.T, ts *testServer, ref, email string, before url.Values) (trainee, coach *browser, id int64) {
	t.Helper()
	ctx := context.Background()
	c := ts.MustStaff(t, "coach-"+strings.ToLower(ref)+"@example.nhs.uk", policy.Coach)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, c.ID, start)
	trainee, id = allocated(t, ts, ref, email, c.ID, 2)
	yr := "/your-referrals/" + ref
	if before != nil {
		if p := trainee.Post(t, yr+"/outcomes/before", before); p.Status != http.StatusSeeOther {
			t.Fatalf("before: %d %s", p.Status, errorSummary(p.Body))
		}
	}
	slot := slotRe.FindStringSubmatch(trainee.Get(t, yr+"/book").Body)[1]
	if p := trainee.Post(t, yr+"/book", url.Values{"slot": {slot}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book: %d", p.Status)
	}
	var apptID int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1`, id).Scan(&apptID); err != nil {
		t.Fatal(err)
	}
	ts.clock.Advance(74 * time.Hour)
	coach = ts.NewBrowser(t)
	coach.SignInStaff(t, c.Email, "")
	if p := coach.Post(t, "/staff/appointments/"+strconv.FormatInt(apptID, 10)+"/attendance", url.Values{"attended": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("attended: %d", p.Status)
	}
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET status = 'closed', closed_at = $2, outcome = 'change_specialty' WHERE id = $1`,
		id, ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return trainee, coach, id
}

func TestOutcomeQuestionnaireTimingSkippingAndConsent(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	c := ts.MustStaff(t, "coach-oq@example.nhs.uk", policy.Coach)
	tr, id := allocated(t, ts, "CR-OQTM-0001", "oq@example.com", c.ID, 2)
	yr := "/your-referrals/CR-OQTM-0001"

	// Allocated, nothing booked: the before questionnaire is offered, with
	// how the answers are used; the closure one is not.
	if p := tr.Get(t, yr); !strings.Contains(p.Body, yr+"/outcomes/before") {
		t.Fatal("the before questionnaire is not offered on the trainee's page")
	}
	form := tr.Get(t, yr+"/outcomes/before")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, "never shown to your Case Manager or to anyone who referred you") ||
		!strings.Contains(form.Body, "Skip these questions") || !strings.Contains(form.Body, "1 (Not at all)") {
		t.Fatalf("before form: %d", form.Status)
	}
	if p := tr.Get(t, yr+"/outcomes/after"); p.Status != http.StatusSeeOther {
		t.Errorf("closure questionnaire before closure: %d", p.Status)
	}
	// Nothing answered, or a rating out of range: the form again, values kept.
	if p := tr.Post(t, yr+"/outcomes/before", url.Values{"intent": {"send"}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, "Answer at least one question") {
		t.Errorf("empty send: %d", p.Status)
	}
	bad := ratings("7", "3", "", "", "")
	if p := tr.Post(t, yr+"/outcomes/before", bad); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, `id="options-3" name="options" type="radio" value="3" checked`) {
		t.Errorf("bad rating: %d %s", p.Status, errorSummary(p.Body))
	}
	if n := countRows(t, ts, `SELECT count(*) FROM outcome_answers WHERE referral_id = $1`, id); n != 0 {
		t.Fatalf("%d answers after refused forms", n)
	}
	// Answered once; a double submit records nothing more.
	good := ratings("2", "1", "", "2", "2")
	for range 2 {
		if p := tr.Post(t, yr+"/outcomes/before", good); p.Status != http.StatusSeeOther {
			t.Fatalf("send: %d", p.Status)
		}
	}
	if n := countRows(t, ts, `SELECT count(*) FROM outcome_answers WHERE referral_id = $1 AND stage = 'before' AND decision IS NULL AND confidence = 2`, id); n != 1 {
		t.Errorf("%d before answers", n)
	}
	if p := tr.Get(t, yr); strings.Contains(p.Body, "/outcomes/before") {
		t.Error("still offered after answering")
	}

	// Skipping: recorded as skipped, and not offered again.
	tr2, id2 := allocated(t, ts, "CR-OQSK-0002", "skip@example.com", c.ID, 2)
	if p := tr2.Post(t, "/your-referrals/CR-OQSK-0002/outcomes/before", url.Values{"intent": {"skip"}, "confidence": {"9"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("skip: %d", p.Status)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM outcome_answers WHERE referral_id = $1 AND skipped AND confidence IS NULL`, id2); n != 1 {
		t.Error("the skip was not recorded")
	}
	if p := tr2.Get(t, "/your-referrals/CR-OQSK-0002"); strings.Contains(p.Body, "/outcomes/before") {
		t.Error("offered again after skipping")
	}

	// Once the first session has started, it is no longer "before".
	ts3, _ := allocated(t, ts, "CR-OQLT-0003", "late@example.com", c.ID, 2)
	start := ts.clock.Now().Truncate(time.Hour).Add(24 * time.Hour)
	mustSlots(t, ts, c.ID, start)
	slot := slotRe.FindStringSubmatch(ts3.Get(t, "/your-referrals/CR-OQLT-0003/book").Body)[1]
	if p := ts3.Post(t, "/your-referrals/CR-OQLT-0003/book", url.Values{"slot": {slot}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book: %d", p.Status)
	}
	if p := ts3.Get(t, "/your-referrals/CR-OQLT-0003"); !strings.Contains(p.Body, "/outcomes/before") {
		t.Error("not offered with the booking made")
	}
	ts.clock.Advance(25 * time.Hour)
	if p := ts3.Get(t, "/your-referrals/CR-OQLT-0003"); strings.Contains(p.Body, "/outcomes/before") {
		t.Error("still offered after the first session started")
	}
	if p := ts3.Post(t, "/your-referrals/CR-OQLT-0003/outcomes/before", good); p.Status != http.StatusSeeOther ||
		countRows(t, ts, `SELECT count(*) FROM outcome_answers a JOIN referrals r ON r.id = a.referral_id WHERE r.reference = 'CR-OQLT-0003'`) != 0 {
		t.Error("an answer was taken after the first session started")
	}

	// At closure: the same five, the FFT question with its six answers, a
	// comment, consent to be quoted, and the six-month opt-out.
	tr4, _, id4 := heldAndClosed(t, ts, "CR-OQCL-0004", "closed@example.com", ratings("1", "2", "2", "1", "2"))
	if p := tr4.Get(t, "/your-referrals/CR-OQCL-0004"); !strings.Contains(p.Body, "/your-referrals/CR-OQCL-0004/outcomes/after") {
		t.Fatal("the closure questionnaire is not offered")
	}
	after := tr4.Get(t, "/your-referrals/CR-OQCL-0004/outcomes/after").Body
	for _, want := range []string{"Overall, how was your experience of our service?", "Very good", "Neither good nor poor", "Very poor", "Don&#39;t know",
		"What made the difference, or what could we do better?", "You may quote my words, with my name", "Do not email me in six months"} {
		if !strings.Contains(after, want) {
			t.Errorf("closure form lacks %q", want)
		}
	}
	v := ratings("4", "4", "3", "4", "5")
	v.Set("fft", "very_good")
	v.Set("comment", strings.Repeat("x", 2001))
	v.Set("no_contact", "yes")
	if p := tr4.Post(t, "/your-referrals/CR-OQCL-0004/outcomes/after", v); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, `value="very_good" checked`) || !strings.Contains(p.Body, `id="no_contact" name="no_contact" type="checkbox" value="yes" checked`) {
		t.Errorf("too long a comment: %d", p.Status)
	}
	v.Set("comment", "Talking it through with someone outside my deanery.")
	if p := tr4.Post(t, "/your-referrals/CR-OQCL-0004/outcomes/after", v); p.Status != http.StatusSeeOther {
		t.Fatalf("after: %d %s", p.Status, errorSummary(p.Body))
	}
	if n := countRows(t, ts, `SELECT count(*) FROM outcome_answers WHERE referral_id = $1 AND stage = 'after' AND fft = 'very_good' AND NOT may_quote`, id4); n != 1 {
		t.Error("the closure answers were not recorded (or consent to quote was assumed)")
	}
	if n := countRows(t, ts, `SELECT count(*) FROM outcome_followups WHERE referral_id = $1 AND opted_out_at IS NOT NULL`, id4); n != 1 {
		t.Error("the six-month opt-out was not recorded")
	}
	// The trainee's own download holds the answers.
	if p := tr4.Get(t, "/your-data/download.json"); !strings.Contains(p.Body, "outcome_questionnaires") || !strings.Contains(p.Body, "outside my deanery") {
		t.Error("the answers are not in the trainee's data download")
	}
	// And so does an admin's answer to a request for the trainee's data.
	admin := ts.MustStaff(t, "admin-oq@example.nhs.uk", policy.Admin)
	ab := ts.NewBrowser(t)
	ab.SignInStaff(t, admin.Email, "")
	if p := ab.Post(t, "/staff/admin/data-requests", url.Values{"email": {"closed@example.com"}, "format": {"json"}}); p.Status != http.StatusOK ||
		!strings.Contains(p.Body, "outside my deanery") || !strings.Contains(p.Body, `"friends_and_family_test": "very_good"`) {
		t.Errorf("the admin's data request lacks the answers: %d", p.Status)
	}
	// The referrer-less page of another trainee: 404 for their questionnaire.
	if p := tr.Get(t, "/your-referrals/CR-OQCL-0004/outcomes/after"); p.Status != http.StatusNotFound {
		t.Errorf("another trainee's questionnaire: %d", p.Status)
	}
}

var followUpLink = regexp.MustCompile(`/outcomes/follow-up\?token=([A-Za-z0-9_-]+)`)

func followUpTokens(t *testing.T, ts *testServer, email string) []string {
	t.Helper()
	var out []string
	for _, m := range ts.mail.To(t, email) {
		if mm := followUpLink.FindStringSubmatch(m.Text); mm != nil {
			out = append(out, mm[1])
		}
	}
	return out
}

func TestOutcomeFollowUpOnceWithOneReminderAndNeverToThoseWhoMustNotBeAsked(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach-fu@example.nhs.uk", policy.Coach)
	closed := ts.clock.Now().Add(-time.Hour)
	mk := func(ref, email, status, outcome string, attended bool) int64 {
		ts.MustReferral(t, ref, email, "", 0, coach.ID)
		var id int64
		if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = $2, outcome = nullif($3, ''), closed_at = $4, trainee_name = 'Fay Follow'
			WHERE reference = $1 RETURNING id`, ref, status, outcome, closed).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if attended {
			var slot int64
			start := closed.Add(-48*time.Hour - time.Duration(countRows(t, ts, `SELECT count(*) FROM availability_slots`))*2*time.Hour)
			ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
				coach.ID, start, start.Add(time.Hour)).Scan(&slot)
			if _, err := ts.pool.Exec(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, booked_by, status)
				VALUES ($1, $2, $3, $4, $5, 'virtual', 'trainee', 'attended')`, id, slot, coach.ID, start, start.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	ok := mk("CR-FUOK-0001", "ok@example.com", "closed", "still_deciding", true)
	mk("CR-FUWD-0002", "withdrew@example.com", "withdrawn", "withdrew", true)
	mk("CR-FUWO-0003", "withdrew2@example.com", "closed", "withdrew", true)
	opted := mk("CR-FUOP-0004", "opted@example.com", "closed", "time_out", true)
	mk("CR-FUNS-0005", "nosession@example.com", "closed", "did_not_engage", false)
	if _, err := ts.pool.Exec(ctx, `INSERT INTO outcome_followups (referral_id, opted_out_at) VALUES ($1, $2)`, opted, closed); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(ts.URL)
	send := func(at time.Time, months int) int {
		n, err := jobs.SendFollowUps(ctx, ts.pool, base, at, months, 100)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	due := closed.In(londonLoc(t)).AddDate(0, 6, 0)
	if n := send(due.Add(-time.Minute), 72); n != 0 {
		t.Errorf("%d sent before six months", n)
	}
	// A record due for destruction before the follow-up ends is never asked.
	if n := send(due, 6); n != 0 {
		t.Errorf("%d sent to records past retention", n)
	}
	if n := send(due, 72); n != 1 {
		t.Fatalf("%d sent when due, want 1", n)
	}
	if n := send(due.Add(time.Hour), 72); n != 0 {
		t.Errorf("%d sent again", n)
	}
	first := followUpTokens(t, ts, "ok@example.com")
	if len(first) != 1 {
		t.Fatalf("%d follow-up emails", len(first))
	}
	for _, e := range []string{"withdrew@example.com", "withdrew2@example.com", "opted@example.com", "nosession@example.com"} {
		if len(ts.mail.To(t, e)) != 0 {
			t.Errorf("%s was asked", e)
		}
	}
	// One reminder, 14 days on, with a new link; the first stops working.
	if n := send(due.Add(14*24*time.Hour-time.Minute), 72); n != 0 {
		t.Errorf("reminder too early: %d", n)
	}
	if n := send(due.Add(14*24*time.Hour), 72); n != 1 {
		t.Fatalf("reminder: %d", n)
	}
	if n := send(due.Add(30*24*time.Hour), 72); n != 0 {
		t.Errorf("a second reminder: %d", n)
	}
	tokens := followUpTokens(t, ts, "ok@example.com")
	if len(tokens) != 2 || countRows(t, ts, `SELECT count(*) FROM notifications WHERE referral_id = $1 AND kind IN ('outcome_followup', 'outcome_followup_reminder')`, ok) != 2 {
		t.Fatalf("%d follow-up emails after the reminder", len(tokens))
	}
	// The answers go through the page the link opens, without signing in.
	ts.clock.Advance(due.Add(15 * 24 * time.Hour).Sub(ts.clock.Now()))
	b := ts.NewBrowser(t)
	if p := b.Get(t, "/outcomes/follow-up?token="+tokens[0]); p.Status != http.StatusNotFound {
		t.Errorf("the first link still works: %d", p.Status)
	}
	p := b.Get(t, "/outcomes/follow-up?token="+tokens[1])
	if p.Status != http.StatusOK || strings.Contains(p.Body, "Fay Follow") || !strings.Contains(p.Body, "Where are you now in your career?") {
		t.Fatalf("follow-up page: %d", p.Status)
	}
	if p := b.Post(t, "/outcomes/follow-up", url.Values{"token": {tokens[1]}, "intent": {"send"}, "still_helps": {"8"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad answer: %d", p.Status)
	}
	for i, want := range []int{http.StatusOK, http.StatusNotFound} {
		p := b.Post(t, "/outcomes/follow-up", url.Values{"token": {tokens[1]}, "intent": {"send"}, "destination": {"outside_medicine"}, "still_helps": {"4"}})
		if p.Status != want {
			t.Errorf("answer %d: %d", i, p.Status)
		}
	}
	if n := countRows(t, ts, `SELECT count(*) FROM outcome_answers WHERE referral_id = $1 AND stage = 'followup' AND destination = 'outside_medicine' AND still_helps = 4`, ok); n != 1 {
		t.Errorf("%d follow-up answers", n)
	}
}

func londonLoc(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// The audience of the answers: the trainee's Case Manager sees nothing of
// them, the coach their client's ratings but not the feedback, the
// coordinators figures and comments without the name unless agreed.
func TestOutcomeAudience(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	cm := ts.MustStaff(t, "cm-oq@example.nhs.uk", policy.CaseManager)
	tr, coach, id := heldAndClosed(t, ts, "CR-OQAU-0001", "aud@example.com", ratings("1", "2", "3", "2", "1"))
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET route = 'case_manager', case_manager_id = $2 WHERE id = $1`, id, cm.ID); err != nil {
		t.Fatal(err)
	}
	v := ratings("4", "4", "4", "5", "4")
	v.Set("fft", "good")
	v.Set("comment", "Secret words about my deanery.")
	if p := tr.Post(t, "/your-referrals/CR-OQAU-0001/outcomes/after", v); p.Status != http.StatusSeeOther {
		t.Fatalf("after: %d", p.Status)
	}
	// A second trainee agreed to be quoted.
	tr2, _, _ := heldAndClosed(t, ts, "CR-OQAU-0002", "quote@example.com", nil)
	v2 := url.Values{"intent": {"send"}, "fft": {"very_good"}, "comment": {"Quotable praise."}, "may_quote": {"yes"}}
	if p := tr2.Post(t, "/your-referrals/CR-OQAU-0002/outcomes/after", v2); p.Status != http.StatusSeeOther {
		t.Fatalf("after 2: %d", p.Status)
	}
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET trainee_name = 'Quin Quoted' WHERE reference = 'CR-OQAU-0002'`); err != nil {
		t.Fatal(err)
	}

	page := coach.Get(t, "/staff/referrals/CR-OQAU-0001")
	if !strings.Contains(page.Body, "The trainee's own ratings") || !strings.Contains(page.Body, "How clear is your plan for the next steps?") {
		t.Error("the coach does not see their client's ratings")
	}
	if strings.Contains(page.Body, "Secret words") || strings.Contains(page.Body, "Good</td>") {
		t.Error("the coach sees the feedback")
	}
	cmb := ts.NewBrowser(t)
	cmb.SignInStaff(t, cm.Email, "")
	cmPage := cmb.Get(t, "/staff/referrals/CR-OQAU-0001")
	if cmPage.Status != http.StatusOK || strings.Contains(cmPage.Body, "own ratings") || strings.Contains(cmPage.Body, "Secret words") {
		t.Errorf("the Case Manager sees the questionnaire: %d", cmPage.Status)
	}
	lead := ts.MustStaff(t, "lead-oq@example.nhs.uk", policy.Lead)
	lb := ts.NewBrowser(t)
	lb.SignInStaff(t, lead.Email, "")
	if p := lb.Get(t, "/staff/referrals/CR-OQAU-0001"); strings.Contains(p.Body, "own ratings") {
		t.Error("a lead sees one trainee's ratings on their referral page")
	}
	today := ts.clock.Now().In(londonLoc(t))
	q := "?from=" + today.AddDate(0, 0, -7).Format("2006-01-02") + "&to=" + today.AddDate(0, 0, 1).Format("2006-01-02")
	rep := lb.Get(t, "/staff/reports"+q)
	if rep.Status != http.StatusOK || !strings.Contains(rep.Body, "Secret words about my deanery.") || !strings.Contains(rep.Body, "Quotable praise.") {
		t.Fatalf("the comments are not on the reports: %d", rep.Status)
	}
	if strings.Contains(rep.Body, "Tam Trainee") || !strings.Contains(rep.Body, "Quin Quoted") {
		t.Error("a name is shown without the trainee's agreement, or not shown with it")
	}
}

// outcomeReportLead is a server with a PSU lead signed in, the clock's
// now, and the reports' query for the week up to today.
func outcomeReportLead(t *testing.T) (*testServer, *browser, time.Time, string) {
	t.Helper()
	ts := MustServer(t, nil, nil, nil)
	lead := ts.MustStaff(t, "lead-reports@example.nhs.uk", policy.Lead)
	lb := ts.NewBrowser(t)
	lb.SignInStaff(t, lead.Email, "")
	now := ts.clock.Now()
	today := now.In(londonLoc(t))
	return ts, lb, now, "?from=" + today.AddDate(0, 0, -7).Format("2006-01-02") + "&to=" + today.Format("2006-01-02")
}

// The figures: paired answers only, the small-number rule on few pairs,
// and the exact change on five.
func TestOutcomeReportFigures(t *testing.T) {
	t.Parallel()
	ts, lb, now, q := outcomeReportLead(t)
	ctx := context.Background()
	add := func(i int, before, after int, fft string) {
		ref := "CR-OQFG-000" + strconv.Itoa(i)
		ts.MustReferral(t, ref, "fig"+strconv.Itoa(i)+"@example.com", "", 0, 0)
		var id int64
		if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'closed', closed_at = $2, outcome = 'still_deciding' WHERE reference = $1 RETURNING id`, ref, now.Add(-time.Hour)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.pool.Exec(ctx, `INSERT INTO outcome_answers (referral_id, stage, answered_at, confidence) VALUES ($1, 'before', $2, $3)`, id, now.Add(-24*time.Hour), before); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.pool.Exec(ctx, `INSERT INTO outcome_answers (referral_id, stage, answered_at, confidence, fft) VALUES ($1, 'after', $2, $3, $4)`, id, now.Add(-time.Hour), after, fft); err != nil {
			t.Fatal(err)
		}
	}
	// One pair: too few to show.
	add(1, 1, 4, "very_good")
	rep := lb.Get(t, "/staff/reports"+q)
	if !strings.Contains(rep.Body, "Confidence about my career</th><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">fewer than 5</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">not shown") {
		t.Error("one pair's change is shown")
	}
	// Five pairs: confidence 1,2,3,2,2 before (2.0) and 4,4,4,5,3 after
	// (4.0), every one higher; FFT 3 very good, 2 good: 100% positive.
	add(2, 2, 4, "very_good")
	add(3, 3, 4, "good")
	add(4, 2, 5, "very_good")
	add(5, 2, 3, "good")
	rep = lb.Get(t, "/staff/reports"+q)
	for _, want := range []string{">+2.0<", ">2.0<", ">4.0<", ">100%<"} {
		if !strings.Contains(rep.Body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	csv := lb.Get(t, "/staff/reports/outcomes-change.csv"+q)
	if csv.Status != http.StatusOK || !strings.Contains(csv.Body, "Confidence about my career,5,2.0,4.0,'+2.0,100%") {
		t.Errorf("CSV: %d %q", csv.Status, csv.Body)
	}
	sum := lb.Get(t, "/staff/reports/outcomes/summary"+q)
	if sum.Status != http.StatusOK || !strings.Contains(sum.Body, `role="img"`) || !strings.Contains(sum.Body, "went from 2.0 to 4.0") ||
		!strings.Contains(sum.Body, "<desc") {
		t.Errorf("summary: %d", sum.Status)
	}
	if p := lb.Get(t, "/staff/reports/outcomes/summary?from=nonsense&to="); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("summary with a bad period: %d", p.Status)
	}
}

// Closing a referral after sessions invites the trainee to the closure
// questions by email (nothing of the outcome in it); a referral closed
// with no session used, or as "did not engage", sends no invitation.
func TestClosureInvitesTheTraineeToTheQuestions(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coord := ts.MustStaff(t, "coord-oqi@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "coach-oqi@example.nhs.uk", policy.Coach)
	c := ts.NewBrowser(t)
	c.SignInStaff(t, coord.Email, "")
	for i, tc := range []struct {
		used    int
		outcome string
		invited bool
		held    bool
	}{{1, "change_specialty", true, true}, {0, "change_specialty", false, false}, {2, "did_not_engage", false, true},
		{1, "still_deciding", false, false}} { // the last: a session booked but never held
		ref := "CR-OQIN-000" + strconv.Itoa(i)
		email := "inv" + strconv.Itoa(i) + "@example.com"
		ts.MustReferral(t, ref, email, "", 0, 0)
		var id int64
		if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active' WHERE reference = $1 RETURNING id`, ref).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := ts.store.AddAllowance(ctx, id, "granted", 3, 0, "", time.Now()); err != nil {
			t.Fatal(err)
		}
		if tc.used > 0 {
			if err := ts.store.AddAllowance(ctx, id, "booked", tc.used, 0, "", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if tc.held {
			var slot int64
			start := ts.clock.Now().Add(-time.Duration(48+i*2) * time.Hour)
			ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
				coach.ID, start, start.Add(time.Hour)).Scan(&slot)
			if _, err := ts.pool.Exec(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, booked_by, status)
				VALUES ($1, $2, $3, $4, $5, 'virtual', 'trainee', 'attended')`, id, slot, coach.ID, start, start.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if p := c.Post(t, "/staff/referrals/"+ref+"/close", url.Values{"version": {version(t, c, ref)}, "outcome": {tc.outcome},
			"closing_note": {"Done."}}); p.Status != http.StatusSeeOther {
			t.Fatalf("%s close: %d %s", ref, p.Status, errorSummary(p.Body))
		}
		invited := false
		for _, m := range ts.mail.To(t, email) {
			if strings.Contains(m.Subject, "how did it go") {
				invited = true
				if strings.Contains(m.Text, "specialty") || !strings.Contains(m.Text, "/your-referrals/"+ref) {
					t.Errorf("%s: the invitation says too much or links nowhere", ref)
				}
			}
		}
		if invited != tc.invited {
			t.Errorf("%s (%d used, %s): invited %v, want %v", ref, tc.used, tc.outcome, invited, tc.invited)
		}
	}
}

// The six-month destinations by route, professional group and reason, on
// a hand-worked fixture. Answers given in the period (C: changing
// specialty, O: outside medicine; every other destination 0):
//
//	self-referral, doctor:       C 8 (reason: direction), O 6 (outside medicine)
//	supervisor, dentist:         C 5 (direction and outside medicine), O 2 (outside medicine)
//	Case Manager, nurse:         C 6 (other), O 7 (other)
//
// Overall C 19, O 15, 34 answers: nothing small, all shown. By route (and
// the same by group): the supervisor row's O 2 is fewer than 5; its C 5
// goes beside it, and 5 + 2 = 7 would still say the 2 is at most 2, so
// the row's total goes too. Column C then holds one hidden count (19 - 8
// - 6 = 5 would give it), so the Case Manager C 6 goes; column O hides the
// self O 6 and then the Case Manager O 7 (2 + 6 = 8 would say the 2 is at
// most 3; 2 + 6 + 7 = 15 says nothing). The row totals 14, (7), 13 add up
// to 34: the 13 goes. The self row then holds one hidden count, so its C 8
// goes. By reason nothing is small, so all is shown: a referral with two
// reasons counts under each.
func TestOutcomeDestinationsByRouteGroupAndReason(t *testing.T) {
	t.Parallel()
	ts, lb, now, q := outcomeReportLead(t)
	ctx := context.Background()
	i := 0
	add := func(n int, route, group, reasons, dest string) {
		for range n {
			i++
			ref := "CR-OQDS-" + strconv.Itoa(1000+i)
			ts.MustReferral(t, ref, "dest"+strconv.Itoa(i)+"@example.com", "", 0, 0)
			var id int64
			if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'closed', closed_at = $2, outcome = 'still_deciding',
					route = $3, professional_group = $4, answers = coalesce(answers, '{}'::jsonb) || jsonb_build_object('reasons', $5::jsonb)
				WHERE reference = $1 RETURNING id`, ref, now.AddDate(0, -6, 0), route, group, reasons).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := ts.pool.Exec(ctx, `INSERT INTO outcome_answers (referral_id, stage, answered_at, destination, still_helps)
				VALUES ($1, 'followup', $2, $3, 4)`, id, now.Add(-time.Hour), dest); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(8, "self", "doctor", `["uncertain_direction"]`, "change_specialty")
	add(6, "self", "doctor", `["outside_medicine"]`, "outside_medicine")
	add(5, "supervisor", "dentist", `["uncertain_direction", "outside_medicine"]`, "change_specialty")
	add(2, "supervisor", "dentist", `["outside_medicine"]`, "outside_medicine")
	add(6, "case_manager", "nurse", `["other"]`, "change_specialty")
	add(7, "case_manager", "nurse", `["other"]`, "outside_medicine")

	const H, F = "not shown (to protect a small number)", "fewer than 5"
	// Columns: the six destinations in the form's order, then all answers.
	row := func(cells ...string) string { return strings.Join(cells, ",") + "\n" }
	byRoute := []string{
		row("Self-referral", "0", H, "0", "0", H, "0", "14"),
		row("Supervisor referral", "0", H, "0", "0", F, "0", H),
		row("Case Manager referral", "0", H, "0", "0", H, "0", H),
	}
	byGroup := []string{
		row("Doctor", "0", H, "0", "0", H, "0", "14"),
		row("Dentist", "0", H, "0", "0", F, "0", H),
		row("Nurse", "0", H, "0", "0", H, "0", H),
		row("Pharmacist", "0", "0", "0", "0", "0", "0", "0"),
	}
	byReason := []string{
		// A label with a comma is quoted in the CSV.
		row(`"Unsure which direction to take in their career, or which specialty to choose"`, "0", "13", "0", "0", "0", "0", "13"),
		row("Thinking about a career outside medicine", "0", "5", "0", "0", "8", "0", "13"),
		row("Something else", "0", "6", "0", "0", "7", "0", "13"),
		row("Ill health is making their first choice of career hard to follow", "0", "0", "0", "0", "0", "0", "0"),
	}
	overall := []string{row("Changing specialty", "19"), row("Pursuing a career outside medicine", "15"), row("All six-month answers", "34")}
	for name, want := range map[string][]string{
		"outcomes-destinations-by-route":              byRoute,
		"outcomes-destinations-by-professional-group": byGroup,
		"outcomes-destinations-by-reason":             byReason,
		"outcomes-six-month-destinations":             overall,
	} {
		csv := lb.Get(t, "/staff/reports/"+name+".csv"+q)
		if csv.Status != http.StatusOK {
			t.Fatalf("%s: %d", name, csv.Status)
		}
		body := strings.ReplaceAll(csv.Body, "\r\n", "\n")
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, body)
			}
		}
	}
	// The feedback table's six-month count is the same count, withheld
	// alike, and its share with it (a share beside a withheld count would
	// narrow the count down).
	fb := strings.ReplaceAll(lb.Get(t, "/staff/reports/outcomes-feedback-by-route.csv"+q).Body, "\r\n", "\n")
	for _, w := range []string{"Self-referral,0,none to count,14,100%\n", "Supervisor referral,0,none to count," + H + "," + H + "\n", "Case Manager referral,0,none to count," + H + "," + H + "\n"} {
		if !strings.Contains(fb, w) {
			t.Errorf("feedback by route lacks %q:\n%s", w, fb)
		}
	}
	// The page shows the same cells, and every download is audited.
	rep := lb.Get(t, "/staff/reports"+q)
	for _, w := range []string{"Where trainees are six months after closure, by route", "Where trainees are six months after closure, by professional group",
		"Where trainees are six months after closure, by reason for referral", `/staff/reports/outcomes-destinations-by-reason.csv?`} {
		if !strings.Contains(rep.Body, w) {
			t.Errorf("the report lacks %q", w)
		}
	}
	if n := countRows(t, ts, `SELECT count(*) FROM audit_log WHERE record_type = 'report' AND action = 'download'
		AND record_id IN ('outcomes-destinations-by-route', 'outcomes-destinations-by-professional-group', 'outcomes-destinations-by-reason')`); n != 3 {
		t.Errorf("%d destination downloads audited, want 3", n)
	}
}

// The Friends and Family Test's counts add up along several lines (the
// answers, the routes and the professional groups to all answers; the
// positive answers and the rest to the share positive's two counts), so a
// withheld one must not be read back from the others or from a share:
// each case below leaked a count before they were withheld together.
func TestOutcomeFFTCountsCannotBeReadBack(t *testing.T) {
	t.Parallel()
	const H, F, W = "not shown (to protect a small number)", "fewer than 5", "not shown (fewer than 5 referrals)"
	type answers struct {
		n          int
		route, fft string
	}
	for _, tc := range []struct {
		name    string
		given   []answers
		fft     map[string]string // the FFT table's rows, by label
		byRoute map[string]string // the feedback table's FFT answers, by route
		share   map[string]string // the feedback table's share positive, by route
	}{{
		// 16 = 8 + 6 + a small one: the 6 alone withheld would give it away.
		name:    "a small route beside two others",
		given:   []answers{{8, "self", "very_good"}, {6, "supervisor", "very_good"}, {2, "case_manager", "very_good"}},
		fft:     map[string]string{"All answers": "16", "Very good": "16", "Share positive (very good or good)": "100%"},
		byRoute: map[string]string{"Self-referral": H, "Supervisor referral": H, "Case Manager referral": F},
		share:   map[string]string{"Self-referral": H, "Supervisor referral": H, "Case Manager referral": W},
	}, {
		// Two small routes: the total goes, and then the answers that add
		// up to it (8 "very good" would say 4 + 4).
		name:    "a withheld total the answers add up to",
		given:   []answers{{4, "self", "very_good"}, {4, "case_manager", "very_good"}},
		fft:     map[string]string{"All answers": H, "Very good": H, "Share positive (very good or good)": H},
		byRoute: map[string]string{"Self-referral": F, "Supervisor referral": "0", "Case Manager referral": F},
	}, {
		// 60% of 20 is 12 positive: with "very good" shown, the small
		// "good" would be 12 - 10. The share goes with the counts it gives.
		name:  "a share that splits the answers",
		given: []answers{{10, "self", "very_good"}, {2, "self", "good"}, {5, "self", "neither"}, {3, "self", "poor"}},
		fft: map[string]string{"All answers": "20", "Very good": H, "Good": F, "Neither good nor poor": H, "Poor": F,
			"Share positive (very good or good)": H},
		byRoute: map[string]string{"Self-referral": "20"},
		share:   map[string]string{"Self-referral": H},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts, lb, now, q := outcomeReportLead(t)
			ctx := context.Background()
			i := 0
			for _, g := range tc.given {
				for range g.n {
					i++
					ref := "CR-OQFS-" + strconv.Itoa(1000+i)
					ts.MustReferral(t, ref, "fftsum"+strconv.Itoa(i)+"@example.com", "", 0, 0)
					var id int64
					if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'closed', closed_at = $2, outcome = 'still_deciding', route = $3
						WHERE reference = $1 RETURNING id`, ref, now.Add(-time.Hour), g.route).Scan(&id); err != nil {
						t.Fatal(err)
					}
					if _, err := ts.pool.Exec(ctx, `INSERT INTO outcome_answers (referral_id, stage, answered_at, confidence) VALUES ($1, 'before', $2, 2)`, id, now.Add(-24*time.Hour)); err != nil {
						t.Fatal(err)
					}
					if _, err := ts.pool.Exec(ctx, `INSERT INTO outcome_answers (referral_id, stage, answered_at, confidence, fft) VALUES ($1, 'after', $2, 4, $3)`, id, now.Add(-time.Hour), g.fft); err != nil {
						t.Fatal(err)
					}
				}
			}
			// cells reads a report's CSV: its first column's value to the
			// column asked for.
			cells := func(name string, col int) map[string]string {
				csv := lb.Get(t, "/staff/reports/"+name+".csv"+q)
				if csv.Status != http.StatusOK {
					t.Fatalf("%s: %d", name, csv.Status)
				}
				out := map[string]string{}
				for _, line := range strings.Split(strings.ReplaceAll(csv.Body, "\r\n", "\n"), "\n") {
					if f := strings.Split(line, ","); len(f) > col {
						out[f[0]] = f[col]
					}
				}
				return out
			}
			check := func(what string, got, want map[string]string) {
				t.Helper()
				for k, w := range want {
					if got[k] != w {
						t.Errorf("%s, %q: %q, want %q (all: %v)", what, k, got[k], w, got)
					}
				}
			}
			check("the FFT table", cells("outcomes-friends-and-family-test", 1), tc.fft)
			check("FFT answers by route", cells("outcomes-feedback-by-route", 1), tc.byRoute)
			check("share positive by route", cells("outcomes-feedback-by-route", 2), tc.share)
		})
	}
}

// The share saying the support still helps gives away, beside its answers,
// how many said so: by route the shares shown, with the overall one, would
// give a route's withheld share's small count away (21 still helping in
// all, 5 and 10 by two routes: 6 of the self-referrals' 10, and so a small
// 4 who said it did not). Those counts are withheld with the answers.
func TestOutcomeStillHelpsCannotBeReadBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		given []stillHelpsGroup
	}{{
		name:  "three routes",
		given: []stillHelpsGroup{{6, "self", 5}, {4, "self", 2}, {5, "supervisor", 4}, {5, "supervisor", 1}, {10, "case_manager", 5}},
	}, {
		// A route without answers protects nothing: 41% of 22 is 9, less
		// the Case Manager referrals' 6, gives the supervisors' 3.
		name:  "a route without answers",
		given: []stillHelpsGroup{{3, "supervisor", 5}, {7, "supervisor", 2}, {6, "case_manager", 4}, {6, "case_manager", 1}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stillHelpsCase(t, tc.given)
		})
	}
}

// stillHelpsGroup is n six-month answers of a route, each giving "still
// helps" as stillHelps.
type stillHelpsGroup struct {
	n          int
	route      string
	stillHelps int
}

// stillHelpsCase closes referrals with the given six-month answers and
// checks that the report's shares cannot be combined into a withheld one.
func stillHelpsCase(t *testing.T, given []stillHelpsGroup) {
	ts, lb, now, q := outcomeReportLead(t)
	ctx := context.Background()
	i := 0
	add := func(n int, route string, stillHelps int) {
		for range n {
			i++
			ref := "CR-OQSH-" + strconv.Itoa(1000+i)
			ts.MustReferral(t, ref, "helps"+strconv.Itoa(i)+"@example.com", "", 0, 0)
			var id int64
			if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'closed', closed_at = $2, outcome = 'still_deciding', route = $3
				WHERE reference = $1 RETURNING id`, ref, now.AddDate(0, -6, 0), route).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := ts.pool.Exec(ctx, `INSERT INTO outcome_answers (referral_id, stage, answered_at, destination, still_helps)
				VALUES ($1, 'followup', $2, 'change_specialty', $3)`, id, now.Add(-time.Hour), stillHelps); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, g := range given {
		add(g.n, g.route, g.stillHelps)
	}
	cells := func(name string) map[string][]string {
		csv := lb.Get(t, "/staff/reports/"+name+".csv"+q)
		if csv.Status != http.StatusOK {
			t.Fatalf("%s: %d", name, csv.Status)
		}
		out := map[string][]string{}
		for _, line := range strings.Split(strings.ReplaceAll(csv.Body, "\r\n", "\n"), "\n") {
			if f := strings.Split(line, ","); len(f) > 1 {
				out[f[0]] = f[1:]
			}
		}
		return out
	}
	pct := func(s string) (int, bool) {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
		return n, err == nil && strings.HasSuffix(s, "%")
	}
	count := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	fb := cells("outcomes-feedback-by-route")
	overall := cells("outcomes-six-month-destinations")
	// What a reader can work out: the overall number saying it helps, less
	// the routes' numbers, gives the one route whose share is not shown.
	all, okAll := count(overall["All six-month answers"][0])
	allPct, okPct := pct(overall["Share saying the support still helps (4 or 5 out of 5)"][0])
	known, unknown := 0, []string{}
	for _, route := range []string{"Self-referral", "Supervisor referral", "Case Manager referral"} {
		n, okN := count(fb[route][2])
		p, okP := pct(fb[route][3])
		switch {
		case okN && n == 0: // none to count: none saying it helps
		case okN && okP:
			known += (p*n + 50) / 100
		default:
			unknown = append(unknown, route)
		}
	}
	if okAll && okPct && len(unknown) == 1 {
		helps := (allPct*all+50)/100 - known
		t.Errorf("%s: its share is withheld, but %d%% of %d overall less the other routes gives %d saying it helps", unknown[0], allPct, all, helps)
	}
	if overall["All six-month answers"][0] == "" {
		t.Errorf("no six-month answers in the report: %v", overall)
	}
}
