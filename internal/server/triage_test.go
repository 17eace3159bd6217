package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"careers/internal/policy"
	"careers/internal/store"
)

var versionRe = regexp.MustCompile(`name="version" value="(\d+)"`)

func version(t *testing.T, b *browser, ref string) string {
	t.Helper()
	p := b.Get(t, "/staff/referrals/"+ref)
	m := versionRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no decision forms on the referral page (%d)", p.Status)
	}
	return m[1]
}

// selfReferral makes a self-referral through the real form and returns
// its reference.
func selfReferral(t *testing.T, ts *testServer, email string) string {
	t.Helper()
	b := ts.NewBrowser(t)
	check := fillForm(t, b, "/refer/self", selfPages(email))
	token := draftRe.FindStringSubmatch(check.Body)[1]
	b.Post(t, "/refer/self/check", url.Values{"draft": {token}})
	var ref string
	ts.pool.QueryRow(context.Background(), `SELECT reference FROM referrals WHERE trainee_email = $1`, email).Scan(&ref)
	return ref
}

func state(t *testing.T, ts *testServer, ref string) store.ReferralState {
	t.Helper()
	var id int64
	ts.pool.QueryRow(context.Background(), `SELECT id FROM referrals WHERE reference = $1`, ref).Scan(&id)
	s, err := ts.store.ReferralStateByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTriageAndAllocation(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "coord2@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	busy := ts.MustStaff(t, "busy@example.nhs.uk", policy.Coach)
	free := ts.MustStaff(t, "free@example.nhs.uk", policy.Coach)
	ctx := context.Background()
	for _, cp := range []store.CoachProfile{
		{UserID: busy.ID, Modes: []string{"virtual"}, Capacity: 1},
		{UserID: free.ID, Modes: []string{"virtual", "telephone"}, Capacity: 8, Specialisms: []string{"surgery"}},
	} {
		if err := ts.store.SaveCoachProfile(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	ts.MustReferral(t, "CR-BUSY-2222", "other@example.com", "", 0, busy.ID)
	ts.pool.Exec(ctx, `UPDATE referrals SET status = 'allocated' WHERE reference = 'CR-BUSY-2222'`)

	ref := selfReferral(t, ts, "trainee@example.com")
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	c2 := ts.NewBrowser(t)
	c2.SignInStaff(t, "coord2@example.nhs.uk", "")

	page := c.Get(t, "/staff/referrals/"+ref)
	for _, want := range []string{"Accept the referral", "Decline the referral", "Ask the trainee for more information", "14 days left", "Eligibility check"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("new referral page lacks %q", want)
		}
	}
	v := version(t, c, ref)
	// A second coordinator accepts first; the first coordinator's page is stale.
	if p := c2.Post(t, "/staff/referrals/"+ref+"/accept", url.Values{"version": {v}}); p.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d", p.Status)
	}
	p := c.Post(t, "/staff/referrals/"+ref+"/accept", url.Values{"version": {v}})
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "changed since you opened it") || !strings.Contains(p.Body, "Test coord2") {
		t.Fatalf("stale accept: %d", p.Status)
	}
	s := state(t, ts, ref)
	if s.Status != "accepted" || s.FirstResponseAt == nil {
		t.Fatalf("after accept: %s %v", s.Status, s.FirstResponseAt)
	}
	// The suggestion: the coach with room who offers the mode.
	page = c.Get(t, "/staff/referrals/"+ref)
	if !regexp.MustCompile(`(?s)value="`+strconv.FormatInt(free.ID, 10)+`"\s+checked`).MatchString(page.Body) || !strings.Contains(page.Body, "At capacity") {
		t.Error("the least-loaded fitting coach is not preselected, or the full coach is not marked")
	}
	// Two coordinators allocate at the same moment: one wins, the other is told.
	v = version(t, c, ref)
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, b := range []*browser{c, c2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = b.Post(t, "/staff/referrals/"+ref+"/allocate", url.Values{"version": {v}, "coach": {strconv.FormatInt(free.ID, 10)}, "sessions": {"3"}}).Status
		}()
	}
	wg.Wait()
	if !(statuses[0] == 303 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 303) {
		t.Fatalf("concurrent allocations: %v", statuses)
	}
	s = state(t, ts, ref)
	if s.Status != "allocated" || s.CoachID != free.ID || s.SessionsGranted != 3 || s.SessionsUsed != 0 {
		t.Fatalf("after allocation: %+v", s)
	}
	if len(ts.mail.To(t, "free@example.nhs.uk")) != 1 {
		t.Error("the coach was not told")
	}
	found := false
	for _, m := range ts.mail.To(t, "trainee@example.com") {
		if text := strings.Join(strings.Fields(m.Text), " "); strings.Contains(text, "Test free will be your career coach") && strings.Contains(text, "24 hours") {
			found = true
		}
	}
	if !found {
		t.Error("the trainee was not introduced to their coach")
	}
	// Accepting again is an illegal transition: 409 with a clear message.
	if p := c.Post(t, "/staff/referrals/"+ref+"/accept", url.Values{"version": {version(t, c, ref)}}); p.Status != http.StatusConflict || !strings.Contains(p.Body, "allocated") {
		t.Errorf("accept an allocated referral: %d", p.Status)
	}

	// The coach asks for two more sessions; the lead approves.
	coach := ts.NewBrowser(t)
	coach.SignInStaff(t, free.Email, "")
	if p := coach.Post(t, "/staff/referrals/"+ref+"/extensions", url.Values{"version": {version(t, coach, ref)}, "ext_sessions": {"2"}, "justification": {"Needs time to test two options."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("extension request: %d %s", p.Status, errorSummary(p.Body))
	}
	lead := ts.NewBrowser(t)
	lead.SignInStaff(t, "lead@example.nhs.uk", "")
	if home := lead.Get(t, "/staff/lead"); !strings.Contains(home.Body, ref) {
		t.Error("the lead's home does not list the extension request")
	}
	var xid int64
	ts.pool.QueryRow(ctx, `SELECT id FROM extension_requests`).Scan(&xid)
	if p := lead.Post(t, "/staff/referrals/"+ref+"/extensions/"+strconv.FormatInt(xid, 10), url.Values{"version": {version(t, lead, ref)}, "decision": {"approved"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("approve extension: %d %s", p.Status, errorSummary(p.Body))
	}
	if s := state(t, ts, ref); s.SessionsGranted != 5 {
		t.Errorf("allowance after the extension: %d", s.SessionsGranted)
	}
	// Closing needs an outcome and a note; then the timeline shows every step.
	if p := c.Post(t, "/staff/referrals/"+ref+"/close", url.Values{"version": {version(t, c, ref)}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Select the outcome") {
		t.Errorf("close without an outcome: %d", p.Status)
	}
	if p := c.Post(t, "/staff/referrals/"+ref+"/close", url.Values{"version": {version(t, c, ref)}, "outcome": {"change_specialty"}, "closing_note": {"Applying to anaesthetics."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("close: %d %s", p.Status, errorSummary(p.Body))
	}
	page = c.Get(t, "/staff/referrals/"+ref)
	for _, want := range []string{"Referral sent", "Accepted", "Allocated to Test free", "extra session(s) approved", "Closed: Changing specialty"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	// Reopening is for a PSU lead, with a reason.
	if p := c.Post(t, "/staff/referrals/"+ref+"/reopen", url.Values{"version": {version(t, c, ref)}, "reopen_reason": {"x"}}); p.Status != http.StatusForbidden {
		t.Errorf("coordinator reopen: %d", p.Status)
	}
	if p := lead.Post(t, "/staff/referrals/"+ref+"/reopen", url.Values{"version": {version(t, lead, ref)}, "reopen_reason": {"Trainee asked for one more session."}}); p.Status != http.StatusSeeOther {
		t.Errorf("lead reopen: %d", p.Status)
	}
}

// A question to the trainee stops the clock; their answer puts the referral
// back in the queue.
func TestRequestInformationAndAnswer(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ref := selfReferral(t, ts, "asked@example.com")
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	if p := c.Post(t, "/staff/referrals/"+ref+"/request-info", url.Values{"version": {version(t, c, ref)}, "question": {""}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("empty question: %d", p.Status)
	}
	if p := c.Post(t, "/staff/referrals/"+ref+"/request-info", url.Values{"version": {version(t, c, ref)}, "question": {"Which region is your training number from?"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("ask: %d", p.Status)
	}
	if s := state(t, ts, ref); s.Status != "info_requested" || s.FirstResponseAt == nil {
		t.Fatalf("after asking: %s", s.Status)
	}
	trainee := ts.NewBrowser(t)
	link := ts.mail.MustLink(t, "asked@example.com")
	trainee.Post(t, link, nil)
	p := trainee.Get(t, "/your-referrals/"+ref)
	if !strings.Contains(p.Body, "Which region is your training number from?") {
		t.Fatal("the trainee does not see the question")
	}
	if p := trainee.Post(t, "/your-referrals/"+ref+"/answer", url.Values{"answer": {"London."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("answer: %d", p.Status)
	}
	if s := state(t, ts, ref); s.Status != "new" {
		t.Errorf("after the answer: %s", s.Status)
	}
	if p := c.Get(t, "/staff/referrals/"+ref); !strings.Contains(p.Body, "London.") || !strings.Contains(p.Body, "Responded") {
		t.Error("the coordinator does not see the answer, or the clock restarted")
	}
}

// Form D: a PSU lead approves (with the reference) or declines (with a
// reason); the Case Manager is told.
func TestFundingDecisionByLead(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustReferral(t, "CR-FUND-2345", "f@example.com", "", cm.ID, 0)
	ts.pool.Exec(context.Background(), `UPDATE referrals SET route = 'case_manager', form_d_sessions = 3, form_d_status = 'requested' WHERE reference = 'CR-FUND-2345'`)
	lead := ts.NewBrowser(t)
	lead.SignInStaff(t, "lead@example.nhs.uk", "")
	if home := lead.Get(t, "/staff/lead"); !strings.Contains(home.Body, "CR-FUND-2345") {
		t.Error("the funding request is not on the lead's home")
	}
	if p := lead.Post(t, "/staff/referrals/CR-FUND-2345/funding", url.Values{"version": {version(t, lead, "CR-FUND-2345")}, "funding": {"approved"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Enter the funding system reference") {
		t.Errorf("approve without a reference: %d", p.Status)
	}
	if p := lead.Post(t, "/staff/referrals/CR-FUND-2345/funding", url.Values{"version": {version(t, lead, "CR-FUND-2345")}, "funding": {"approved"}, "funding_ref": {"CPPS-9"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", p.Status)
	}
	if s := state(t, ts, "CR-FUND-2345"); s.FormDStatus != "approved" {
		t.Errorf("form D %q", s.FormDStatus)
	}
	if n := len(ts.mail.To(t, "cm@example.nhs.uk")); n != 1 {
		t.Errorf("%d messages to the Case Manager", n)
	}
	// A coordinator cannot decide funding.
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	if p := c.Post(t, "/staff/referrals/CR-FUND-2345/funding", url.Values{"version": {"1"}, "funding": {"declined"}}); p.Status != http.StatusForbidden {
		t.Errorf("coordinator funding decision: %d", p.Status)
	}
}

// A coordinator's eligibility decision is recorded with its reason and
// shown beside the automatic check.
func TestEligibilityDecision(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ref := selfReferral(t, ts, "override@example.com")
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	if p := c.Post(t, "/staff/referrals/"+ref+"/eligibility", url.Values{"version": {version(t, c, ref)}, "decision": {"not_eligible"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Enter why") {
		t.Errorf("decision without a reason: %d", p.Status)
	}
	if p := c.Post(t, "/staff/referrals/"+ref+"/eligibility", url.Values{"version": {version(t, c, ref)}, "decision": {"not_eligible"}, "override_reason": {"Trains in Wessex, confirmed by phone."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("decision: %d", p.Status)
	}
	p := c.Get(t, "/staff/referrals/"+ref)
	if !strings.Contains(p.Body, "Coordinator's decision") || !strings.Contains(p.Body, "Trains in Wessex, confirmed by phone.") {
		t.Error("the referral page does not show the coordinator's decision and reason")
	}
	var n int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'eligibility_decision' AND record_id = $1`, ref).Scan(&n)
	if n != 1 {
		t.Errorf("%d audit rows for the decision", n)
	}
}
