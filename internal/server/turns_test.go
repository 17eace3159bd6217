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
	"careers/internal/store"
)

// The emails that tell each person it is their turn (issue 14): for each,
// who gets it and when, where its link leads (followed as that person),
// and that it carries nothing confidential.

var pageLinkRe = regexp.MustCompile(`https?://[^\s"<>]+`)

// turnEmail returns the newest message to address whose subject holds
// subject, failing if there is none.
func turnEmail(t *testing.T, ts *testServer, address, subject string) store.MailboxMessage {
	t.Helper()
	var found *store.MailboxMessage
	for _, m := range ts.mail.To(t, address) {
		if strings.Contains(m.Subject, subject) {
			found = &m
		}
	}
	if found == nil {
		t.Fatalf("no email to %s about %q", address, subject)
	}
	return *found
}

// countEmails counts the messages to address whose subject holds subject.
func countEmails(t *testing.T, ts *testServer, address, subject string) int {
	t.Helper()
	n := 0
	for _, m := range ts.mail.To(t, address) {
		if strings.Contains(m.Subject, subject) {
			n++
		}
	}
	return n
}

// checkTurn checks an email says what to do next, links to wantPath, that
// the page opens (200) for b, and that none of secrets appear in it.
func checkTurn(t *testing.T, b *browser, m store.MailboxMessage, wantPath string, secrets ...string) {
	t.Helper()
	text := strings.Join(strings.Fields(m.Text), " ")
	if !strings.Contains(text, "What to do next:") {
		t.Errorf("%q does not say what to do next:\n%s", m.Subject, m.Text)
	}
	link := pageLinkRe.FindString(m.Text)
	u, err := url.Parse(link)
	if err != nil || link == "" {
		t.Fatalf("%q has no link", m.Subject)
	}
	if u.RequestURI() != wantPath {
		t.Errorf("%q links to %q, want %q", m.Subject, u.RequestURI(), wantPath)
	}
	if p := b.Get(t, u.RequestURI()); p.Status != http.StatusOK {
		t.Errorf("%q: its link %s answers %d for its reader", m.Subject, u.RequestURI(), p.Status)
	}
	for _, s := range secrets {
		if strings.Contains(m.Text, s) || strings.Contains(m.HTML, s) {
			t.Errorf("%q carries %q", m.Subject, s)
		}
	}
}

// supervisorReferral sends a supervisor's referral of trainee through the
// real forms and returns its reference and the trainee's confirmation link.
func supervisorReferral(t *testing.T, ts *testServer, trainee, referrer string) (string, string) {
	t.Helper()
	sup := ts.NewBrowser(t)
	pages := append([]pageForm{{"referrer", url.Values{"referrer_name": {"Dr Jo Reed"}, "referrer_role": {"educational_supervisor"},
		"referrer_org": {"St Elsewhere"}, "referrer_email": {referrer}}}}, traineePages(trainee)...)
	pages = append(pages, pageForm{"level-1", url.Values{"level1": {"Two conversations about specialty choice."}, "trainee_knows": {"yes"}}})
	check := fillForm(t, sup, "/refer/supervisor", pages)
	token := draftRe.FindStringSubmatch(check.Body)[1]
	if p := sup.Post(t, "/refer/supervisor/check", url.Values{"draft": {token}}); p.Location != "/refer/supervisor/sent" {
		t.Fatalf("submit: %d %q", p.Status, p.Location)
	}
	var ref string
	if err := ts.pool.QueryRow(context.Background(), `SELECT reference FROM referrals WHERE trainee_email = $1`, trainee).Scan(&ref); err != nil {
		t.Fatal(err)
	}
	return ref, ts.mail.MustLink(t, trainee)
}

// A supervisor's referral: the referrer hears that the trainee confirmed,
// that a coach was allocated (not who) and that it closed (not the
// outcome); the trainee gets their coach, allowance and the booking page;
// the coach their new client.
func TestTurnsAlongASupervisorReferral(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	if err := ts.store.SaveCoachProfile(context.Background(), store.CoachProfile{UserID: coach.ID, Modes: []string{"virtual", "telephone"}, Capacity: 5}); err != nil {
		t.Fatal(err)
	}
	ref, confirm := supervisorReferral(t, ts, "priya@example.com", "jo.reed@example.nhs.uk")
	secrets := []string{"07700 900123", "A clearer plan.", "Two conversations", "7654321"}

	trainee := ts.NewBrowser(t)
	if p := trainee.Post(t, confirm, url.Values{"name": {"Priya Shah"}, "phone": {"07700 900123"}, "mode": {"telephone"},
		"consent_privacy": {"yes"}, "consent_contact": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", p.Status, errorSummary(p.Body))
	}
	referrer := ts.NewBrowser(t)
	referrer.SignInPublic(t, "jo.reed@example.nhs.uk")
	checkTurn(t, referrer, turnEmail(t, ts, "jo.reed@example.nhs.uk", "The trainee confirmed"), "/your-referrals/"+ref, secrets...)

	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	if countEmails(t, ts, "jo.reed@example.nhs.uk", "allocated") != 0 {
		t.Fatal("the referrer heard of an allocation before there was one")
	}
	c.Post(t, "/staff/referrals/"+ref+"/accept", url.Values{"version": {version(t, c, ref)}})
	if p := c.Post(t, "/staff/referrals/"+ref+"/allocate", url.Values{"version": {version(t, c, ref)}, "coach": {strconvI(coach.ID)}, "sessions": {"2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("allocate: %d %s", p.Status, errorSummary(p.Body))
	}
	m := turnEmail(t, ts, "priya@example.com", "book your first session")
	text := strings.Join(strings.Fields(m.Text), " ")
	for _, want := range []string{"Test coach will be your career coach", "you have 2 sessions", "Sign in and book your first session"} {
		if !strings.Contains(text, want) {
			t.Errorf("the trainee's allocation email lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "will get in touch") {
		t.Error("the allocation email still says the coach will get in touch")
	}
	trainee.SignInPublic(t, "priya@example.com")
	checkTurn(t, trainee, m, "/your-referrals/"+ref+"/book")

	co := ts.NewBrowser(t)
	co.SignInStaff(t, coach.Email, "")
	checkTurn(t, co, turnEmail(t, ts, coach.Email, "New client"), "/staff/referrals/"+ref, secrets...)

	// The referrer: a coach was allocated, with no name.
	checkTurn(t, referrer, turnEmail(t, ts, "jo.reed@example.nhs.uk", "A coach was allocated"), "/your-referrals/"+ref,
		append(secrets, "Test coach", "2 sessions")...)

	// Closed: the referrer is not told the outcome (the trainee has not
	// agreed to share it), nor the closing note.
	if p := c.Post(t, "/staff/referrals/"+ref+"/close", url.Values{"version": {version(t, c, ref)}, "outcome": {"change_specialty"},
		"closing_note": {"Applying to anaesthetics."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("close: %d", p.Status)
	}
	checkTurn(t, referrer, turnEmail(t, ts, "jo.reed@example.nhs.uk", "is closed"), "/your-referrals/"+ref,
		append(secrets, "Changing specialty", "anaesthetics")...)
	var kinds []string
	ts.pool.QueryRow(context.Background(), `SELECT array_agg(n.kind ORDER BY n.id) FROM notifications n JOIN referrals r ON r.id = n.referral_id
		WHERE r.reference = $1 AND n.recipients @> '[{"email": "jo.reed@example.nhs.uk"}]'`, ref).Scan(&kinds)
	if strings.Join(kinds, " ") != "referrer_receipt confirmed_referrer allocation_referrer closure_referrer" {
		t.Errorf("the referrer's emails about the referral: %q", kinds)
	}
}

// "No thanks": the trainee says no from the confirmation link, with a
// reason kept from the referrer, who hears only that they chose not to go
// ahead; the referral closes with that outcome; a second submit changes
// nothing and sends nothing more.
func TestTraineeSaysNoThanks(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ref, confirm := supervisorReferral(t, ts, "nope@example.com", "jo.reed@example.nhs.uk")
	decline := strings.Replace(confirm, "/refer/confirm?", "/refer/confirm/decline?", 1)

	trainee := ts.NewBrowser(t)
	g := trainee.Get(t, confirm)
	if !strings.Contains(g.Body, "No thanks, I do not want careers support") || !strings.Contains(g.Body, `action="`+strings.ReplaceAll(decline, "&", "&amp;")+`"`) {
		t.Fatalf("the confirmation page offers no way to say no:\n%s", g.Body)
	}
	const reason = "I already have a mentor I trust."
	if p := trainee.Post(t, decline, url.Values{"decline_reason": {strings.Repeat("x", 1001)}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, "Your reason must be 1,000 characters or fewer") || !strings.Contains(p.Body, "nhsuk-error-summary") {
		t.Fatalf("an over-long reason: %d", p.Status)
	}
	for i := range 2 {
		p := trainee.Post(t, decline, url.Values{"decline_reason": {reason}})
		if p.Status != http.StatusSeeOther || p.Location != "/refer/confirm/declined" {
			t.Fatalf("no thanks (submit %d): %d %q", i+1, p.Status, p.Location)
		}
	}
	if p := trainee.Get(t, "/refer/confirm/declined"); p.Status != 200 || !strings.Contains(p.Body, "You have said no to careers support") {
		t.Errorf("after saying no: %d", p.Status)
	}
	s := state(t, ts, ref)
	var outcome string
	if err := ts.pool.QueryRow(context.Background(), `SELECT coalesce(outcome, '') FROM referrals WHERE reference = $1`, ref).Scan(&outcome); err != nil {
		t.Fatal(err)
	}
	if s.Status != "closed" || outcome != "declined_by_trainee" {
		t.Fatalf("after no thanks: %s %q", s.Status, outcome)
	}
	// The link is spent: confirming afterwards does nothing.
	if p := ts.NewBrowser(t).Post(t, confirm, url.Values{"name": {"X"}, "consent_privacy": {"yes"}, "consent_contact": {"yes"}}); p.Status != http.StatusNotFound {
		t.Errorf("confirming after no thanks: %d", p.Status)
	}
	if n := countEmails(t, ts, "jo.reed@example.nhs.uk", "is closed"); n != 1 {
		t.Fatalf("the referrer got %d closure emails, want 1", n)
	}
	referrer := ts.NewBrowser(t)
	referrer.SignInPublic(t, "jo.reed@example.nhs.uk")
	m := turnEmail(t, ts, "jo.reed@example.nhs.uk", "is closed")
	if !strings.Contains(strings.Join(strings.Fields(m.Text), " "), "chose not to go ahead") {
		t.Errorf("the referrer's email does not say the trainee chose not to go ahead:\n%s", m.Text)
	}
	checkTurn(t, referrer, m, "/your-referrals/"+ref, reason, "mentor")
	if p := referrer.Get(t, "/your-referrals/"+ref); strings.Contains(p.Body, "mentor") {
		t.Error("the referrer's page shows the trainee's reason")
	}
	// Coordinators see it closed with that outcome, and the reason.
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	p := c.Get(t, "/staff/referrals/"+ref)
	for _, want := range []string{"Declined by the trainee", reason} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the coordinator's page lacks %q", want)
		}
	}
	// The closing form does not offer the trainee's own outcome.
	if strings.Contains(p.Body, `value="declined_by_trainee"`) {
		t.Error("the closing form offers 'declined by the trainee'")
	}
}

// Funding approved and extensions decided: the trainee can book (link to
// the booking page), the coach hears the decision, never the lead's note.
func TestTurnsForFundingAndExtensions(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	ts.MustReferral(t, "CR-TURN-2345", "f@example.com", "", cm.ID, coach.ID)
	var id int64
	ts.pool.QueryRow(ctx, `UPDATE referrals SET route = 'case_manager', status = 'allocated', form_d_sessions = 3, form_d_status = 'requested'
		WHERE reference = 'CR-TURN-2345' RETURNING id`).Scan(&id)
	if err := ts.store.AddAllowance(ctx, id, "granted", 2, 0, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	lead := ts.NewBrowser(t)
	lead.SignInStaff(t, "lead@example.nhs.uk", "")
	if p := lead.Post(t, "/staff/referrals/CR-TURN-2345/funding", url.Values{"version": {version(t, lead, "CR-TURN-2345")}, "funding": {"approved"},
		"funding_ref": {"CPPS-9"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("approve funding: %d", p.Status)
	}
	trainee := ts.NewBrowser(t)
	trainee.SignInPublic(t, "f@example.com")
	checkTurn(t, trainee, turnEmail(t, ts, "f@example.com", "You can now book"), "/your-referrals/CR-TURN-2345/book", "CPPS-9")

	co := ts.NewBrowser(t)
	co.SignInStaff(t, coach.Email, "")
	ask := func() int64 {
		if p := co.Post(t, "/staff/referrals/CR-TURN-2345/extensions", url.Values{"version": {version(t, co, "CR-TURN-2345")}, "ext_sessions": {"2"},
			"justification": {"Needs time to test two options."}}); p.Status != http.StatusSeeOther {
			t.Fatalf("ask for more: %d %s", p.Status, errorSummary(p.Body))
		}
		var xid int64
		if err := ts.pool.QueryRow(ctx, `SELECT id FROM extension_requests WHERE status = 'pending'`).Scan(&xid); err != nil {
			t.Fatal(err)
		}
		return xid
	}
	xid := ask()
	if p := lead.Post(t, "/staff/referrals/CR-TURN-2345/extensions/"+strconvI(xid), url.Values{"version": {version(t, lead, "CR-TURN-2345")},
		"decision": {"declined"}, "note": {"Budget spent for the quarter."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("decline: %d", p.Status)
	}
	checkTurn(t, co, turnEmail(t, ts, coach.Email, "Extra sessions declined"), "/staff/referrals/CR-TURN-2345", "Budget spent")
	if n := countEmails(t, ts, "f@example.com", "More careers support sessions"); n != 0 {
		t.Errorf("the trainee heard of a declined request (%d)", n)
	}
	xid = ask()
	if p := lead.Post(t, "/staff/referrals/CR-TURN-2345/extensions/"+strconvI(xid), url.Values{"version": {version(t, lead, "CR-TURN-2345")},
		"decision": {"approved"}, "note": {"Good progress so far."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", p.Status)
	}
	m := turnEmail(t, ts, "f@example.com", "More careers support sessions")
	if !strings.Contains(strings.Join(strings.Fields(m.Text), " "), "You now have 4 sessions left") {
		t.Errorf("the trainee's extension email does not give the sessions left:\n%s", m.Text)
	}
	checkTurn(t, trainee, m, "/your-referrals/CR-TURN-2345/book", "Good progress", "test two options")
	checkTurn(t, co, turnEmail(t, ts, coach.Email, "Extra sessions approved"), "/staff/referrals/CR-TURN-2345", "Good progress")
}

// The trainee's answer to a question: each coordinator is told, without
// the answer.
func TestAnswerTellsTheCoordinators(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "coord2@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ref := selfReferral(t, ts, "asked@example.com")
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	c.Post(t, "/staff/referrals/"+ref+"/request-info", url.Values{"version": {version(t, c, ref)}, "question": {"Which region is your training number from?"}})
	if n := countEmails(t, ts, "coord@example.nhs.uk", "answered"); n != 0 {
		t.Fatalf("coordinators told of an answer before one came (%d)", n)
	}
	trainee := ts.NewBrowser(t)
	trainee.SignInPublic(t, "asked@example.com")
	for range 2 {
		trainee.Post(t, "/your-referrals/"+ref+"/answer", url.Values{"answer": {"London, since August."}})
	}
	for _, who := range []string{"coord@example.nhs.uk", "coord2@example.nhs.uk"} {
		if n := countEmails(t, ts, who, "A trainee answered your question"); n != 1 {
			t.Errorf("%s got %d emails about the answer, want 1", who, n)
		}
	}
	checkTurn(t, c, turnEmail(t, ts, "coord@example.nhs.uk", "A trainee answered"), "/staff/referrals/"+ref, "London, since August", "Which region")
	if n := countEmails(t, ts, "coach@example.nhs.uk", ""); n != 0 {
		t.Errorf("a coach was told of an answer (%d)", n)
	}
}

// The leads' morning digest lists, by reference, every funding and
// extension request waiting, in one email a day per lead.
func TestLeadDigest(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	base := mustURL(t, "http://127.0.0.1:8080")
	send := func() int {
		n, err := jobs.SendLeadDigests(ctx, ts.pool, base, ts.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := send(); n != 0 {
		t.Fatalf("%d digests with nothing waiting", n)
	}
	ts.MustReferral(t, "CR-FUND-0001", "a@example.com", "", 0, 0)
	ts.MustReferral(t, "CR-MORE-0002", "b@example.com", "", 0, coach.ID)
	var id int64
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET form_d_sessions = 3, form_d_status = 'requested' WHERE reference = 'CR-FUND-0001'`); err != nil {
		t.Fatal(err)
	}
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active' WHERE reference = 'CR-MORE-0002' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.RequestExtension(ctx, id, 2, "Secret justification.", coach.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := send(); n != 1 {
		t.Fatalf("%d digests, want 1 (one lead)", n)
	}
	if n := send(); n != 0 {
		t.Fatalf("a second run the same day queued %d", n)
	}
	m := turnEmail(t, ts, "lead@example.nhs.uk", "Requests waiting for a PSU lead (2)")
	for _, want := range []string{"Form D funding: CR-FUND-0001", "Extra sessions: CR-MORE-0002"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the digest lacks %q", want)
		}
	}
	lead := ts.NewBrowser(t)
	lead.SignInStaff(t, "lead@example.nhs.uk", "")
	link := pageLinkRe.FindString(m.Text)
	if !strings.HasSuffix(link, "/staff/lead") {
		t.Errorf("the digest links to %q", link)
	}
	checkTurn(t, lead, m, "/staff/lead", "Secret justification", "a@example.com")
	if n := countEmails(t, ts, "coord@example.nhs.uk", ""); n != 0 {
		t.Errorf("a coordinator got the leads' digest")
	}
}

// Two days after a session the trainee attended without writing its
// summary, they are reminded once, with a link to write it.
func TestSummaryReminder(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ts.MustReferral(t, "CR-SUMM-0001", "s@example.com", "", 0, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active' WHERE reference = 'CR-SUMM-0001' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	now := ts.clock.Now().Truncate(time.Hour)
	appt := func(start time.Time) int64 {
		var slot, aid int64
		ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
			coach.ID, start, start.Add(time.Hour)).Scan(&slot)
		if err := ts.pool.QueryRow(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, booked_by, status)
			VALUES ($1, $2, $3, $4, $5, 'virtual', 'trainee', 'attended') RETURNING id`, id, slot, coach.ID, start, start.Add(time.Hour)).Scan(&aid); err != nil {
			t.Fatal(err)
		}
		return aid
	}
	held := appt(now.Add(-24 * time.Hour))
	written := appt(now.Add(-80 * time.Hour))
	if _, err := ts.pool.Exec(ctx, `INSERT INTO summaries (appointment_id, referral_id, self_awareness, submitted_at) VALUES ($1, $2, 'Private thoughts.', now())`, written, id); err != nil {
		t.Fatal(err)
	}
	base := mustURL(t, "http://127.0.0.1:8080")
	send := func() int {
		n, err := jobs.SendSummaryReminders(ctx, ts.pool, base, ts.clock.Now(), 10)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := send(); n != 0 {
		t.Fatalf("%d reminders a day after the session", n)
	}
	ts.clock.Advance(26 * time.Hour)
	if n := send(); n != 1 {
		t.Fatalf("%d reminders two days after, want 1 (the summary written is not asked for)", n)
	}
	if n := send(); n != 0 {
		t.Fatal("reminded twice")
	}
	trainee := ts.NewBrowser(t)
	trainee.SignInPublic(t, "s@example.com")
	checkTurn(t, trainee, turnEmail(t, ts, "s@example.com", "write the summary"),
		"/your-referrals/CR-SUMM-0001/appointments/"+strconv.FormatInt(held, 10)+"/summary", "Private thoughts")
}

// A Case Manager's referral: the Case Manager hears that the trainee
// confirmed and that a coach was allocated, on their staff page; while the
// Form D funding waits, the trainee's allocation email says so and links
// to their page, not to booking.
func TestTurnsAlongACaseManagerReferral(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	if err := ts.store.SaveCoachProfile(context.Background(), store.CoachProfile{UserID: coach.ID, Modes: []string{"virtual", "telephone"}, Capacity: 5}); err != nil {
		t.Fatal(err)
	}
	b := ts.NewBrowser(t)
	b.SignInStaff(t, cm.Email, "")
	fillForm(t, b, "/staff/referrals/new", traineePages("cmtrainee@example.com"))
	token := draftRe.FindStringSubmatch(b.Get(t, "/staff/referrals/new/form-c").Body)[1]
	upload(t, b, token, "c.pdf", minimalPDF())
	b.Post(t, "/staff/referrals/new/form-d", url.Values{"draft": {token}, "sessions": {"2"}})
	if p := b.Post(t, "/staff/referrals/new/check", url.Values{"draft": {token}}); p.Location != "/staff/referrals/new/sent" {
		t.Fatalf("submit: %d", p.Status)
	}
	var ref string
	if err := ts.pool.QueryRow(context.Background(), `SELECT reference FROM referrals WHERE trainee_email = 'cmtrainee@example.com'`).Scan(&ref); err != nil {
		t.Fatal(err)
	}
	trainee := ts.NewBrowser(t)
	if p := trainee.Post(t, ts.mail.MustLink(t, "cmtrainee@example.com"), url.Values{"name": {"Priya Shah"}, "phone": {"07700 900123"}, "mode": {"telephone"},
		"consent_privacy": {"yes"}, "consent_contact": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", p.Status, errorSummary(p.Body))
	}
	checkTurn(t, b, turnEmail(t, ts, cm.Email, "The trainee confirmed"), "/staff/referrals/"+ref, "07700 900123", "A clearer plan.")

	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	c.Post(t, "/staff/referrals/"+ref+"/accept", url.Values{"version": {version(t, c, ref)}})
	if p := c.Post(t, "/staff/referrals/"+ref+"/allocate", url.Values{"version": {version(t, c, ref)}, "coach": {strconvI(coach.ID)}, "sessions": {"2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("allocate: %d %s", p.Status, errorSummary(p.Body))
	}
	checkTurn(t, b, turnEmail(t, ts, cm.Email, "A coach was allocated"), "/staff/referrals/"+ref, "Test coach", "07700 900123")
	m := turnEmail(t, ts, "cmtrainee@example.com", "Your careers coach")
	if !strings.Contains(strings.Join(strings.Fields(m.Text), " "), "once the funding your Case Manager asked for is approved") {
		t.Errorf("with funding waiting, the allocation email does not say so:\n%s", m.Text)
	}
	trainee.SignInPublic(t, "cmtrainee@example.com")
	checkTurn(t, trainee, m, "/your-referrals/"+ref)
}
