package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"careers/internal/policy"
)

// Repeating an action that already happened (a double click, a second tab,
// a stale form) is answered with a clear message, a 409 page or a flash on
// the redirect, and changes nothing; never a 500.
func TestRepeatedActionsAreAnswered(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	now := ts.clock.Now().Truncate(time.Hour)
	a, b, c := now.Add(72*time.Hour), now.Add(74*time.Hour), now.Add(120*time.Hour)
	mustSlots(t, ts, coach.ID, a, b, c)

	const ref = "CR-REPE-2345"
	ts.MustReferral(t, ref, "rep@example.com", "", cm.ID, coach.ID)
	var id int64
	ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'allocated', route = 'case_manager', form_d_sessions = 3, form_d_status = 'requested'
		WHERE reference = $1 RETURNING id`, ref).Scan(&id)
	if err := ts.store.AddAllowance(ctx, id, "granted", 3, 0, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	trainee := ts.NewBrowser(t)
	trainee.SignInPublic(t, "rep@example.com")
	coord := ts.NewBrowser(t)
	coord.SignInStaff(t, "coord@example.nhs.uk", "")
	lead := ts.NewBrowser(t)
	lead.SignInStaff(t, "lead@example.nhs.uk", "")
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")

	// twice posts the same thing twice: the first must succeed (303), the
	// second must be answered with status and a message containing want.
	twice := func(what string, br *browser, path string, form func() url.Values, status int, want string) {
		t.Helper()
		if p := br.Post(t, path, form()); p.Status != http.StatusSeeOther {
			t.Fatalf("%s: first time %d %s", what, p.Status, errorSummary(p.Body))
		}
		p := br.Post(t, path, form())
		body := p.Body
		if p.Status == http.StatusSeeOther {
			body = br.Follow(t, p).Body
		}
		if p.Status != status || !strings.Contains(body, want) {
			t.Errorf("%s again: %d, want %d with %q\n%s", what, p.Status, status, want, errorSummary(body))
		}
	}
	fixed := func(v url.Values) func() url.Values { return func() url.Values { return v } }
	fresh := func(br *browser, v url.Values) func() url.Values {
		return func() url.Values {
			out := url.Values{"version": {version(t, br, ref)}}
			for k, vs := range v {
				out[k] = vs
			}
			return out
		}
	}
	appt := func(at time.Time) string {
		var aid int64
		if err := ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1 AND starts_at = $2 ORDER BY id DESC LIMIT 1`, id, at).Scan(&aid); err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(aid, 10)
	}

	// Funding decided twice.
	twice("funding decision", lead, "/staff/referrals/"+ref+"/funding", fresh(lead, url.Values{"funding": {"approved"}, "funding_ref": {"F-1"}}),
		http.StatusConflict, "already been decided")
	// The same slot booked twice (a double click).
	twice("booking", trainee, "/your-referrals/"+ref+"/book", fixed(url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/"+ref+"/book", a)}}),
		http.StatusConflict, "booked that time a moment ago")
	trainee.Post(t, "/your-referrals/"+ref+"/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/"+ref+"/book", b)}})
	// The coordinator cancels a session twice; the trainee cancels one twice.
	twice("staff cancellation", coord, "/staff/appointments/"+appt(b)+"/cancel", fixed(nil), http.StatusConflict, "already cancelled")
	trainee.Post(t, "/your-referrals/"+ref+"/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/"+ref+"/book", c)}})
	twice("trainee cancellation", trainee, "/your-referrals/"+ref+"/appointments/"+appt(c)+"/cancel", fixed(nil), http.StatusConflict, "already cancelled")
	// The same note twice (a double click).
	twice("note", coord, "/staff/referrals/"+ref+"/notes", fresh(coord, url.Values{"note_body": {"Spoke to the trainee."}}),
		http.StatusConflict, "added this note already")
	// A stale form: the second request carries the version the first changed.
	stale := url.Values{"version": {version(t, coord, ref)}, "override_reason": {"Confirmed by phone."}, "decision": {"eligible"}}
	twice("eligibility from the same form", coord, "/staff/referrals/"+ref+"/eligibility", fixed(stale), http.StatusConflict, "changed since you opened it")
	// An extension asked for twice, decided twice (fresh page and stale form).
	twice("extension request", cb, "/staff/referrals/"+ref+"/extensions", fresh(cb, url.Values{"ext_sessions": {"1"}, "justification": {"One more."}}),
		http.StatusConflict, "already waiting")
	var xid int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM extension_requests WHERE referral_id = $1`, id).Scan(&xid); err != nil {
		t.Fatal(err)
	}
	xpath := "/staff/referrals/" + ref + "/extensions/" + strconv.FormatInt(xid, 10)
	staleX := url.Values{"version": {version(t, lead, ref)}, "decision": {"approved"}}
	twice("extension decision", lead, xpath, fresh(lead, url.Values{"decision": {"approved"}}), http.StatusConflict, "already been approved")
	if p := lead.Post(t, xpath, staleX); p.Status != http.StatusConflict || !strings.Contains(p.Body, "already been approved") {
		t.Errorf("extension decision from a stale form: %d", p.Status)
	}

	// The session takes place: attendance and confirmation twice; the
	// summary submitted twice; the sharing choice after it was sent.
	ts.clock.Advance(73 * time.Hour)
	twice("attendance", cb, "/staff/appointments/"+appt(a)+"/attendance", fixed(url.Values{"attended": {"yes"}}),
		http.StatusConflict, "already recorded as taken place")
	twice("meeting confirmation", cb, "/staff/appointments/"+appt(a)+"/confirm", fixed(nil), http.StatusConflict, "confirmed this meeting already")
	summary := url.Values{"intent": {"submit"}, "self_awareness": {"I enjoy teaching."}, "options": {"Fellowships."},
		"decision": {"Apply."}, "action_1": {"Talk to my TPD"}, "by_1": {"2027-01-15"}, "share": {"yes"}}
	twice("summary", trainee, "/your-referrals/"+ref+"/appointments/"+appt(a)+"/summary", fixed(summary), http.StatusSeeOther, "submitted this summary already")
	twice("sharing choice after sending", trainee, "/your-referrals/"+ref+"/appointments/"+appt(a)+"/share", fixed(url.Values{"share": {"no"}}),
		http.StatusSeeOther, "already been sent")
	if meeting, summaries, _ := summaryEmails(t, ts, cm.Email); meeting != 1 || summaries != 1 {
		t.Errorf("the Case Manager got %d meeting and %d summary emails, want one each", meeting, summaries)
	}

	// A late cancellation forfeits a session; waiving it twice.
	late := ts.clock.Now().Truncate(time.Hour).Add(14 * time.Hour) // inside 24 hours, past the 12-hour booking notice
	mustSlots(t, ts, coach.ID, late)
	if p := trainee.Post(t, "/your-referrals/"+ref+"/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/"+ref+"/book", late)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book late slot: %d %s", p.Status, errorSummary(p.Body))
	}
	if p := trainee.Post(t, "/your-referrals/"+ref+"/appointments/"+appt(late)+"/cancel", url.Values{"reason": {"Ill."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("late cancel: %d", p.Status)
	}
	twice("waiver", coord, "/staff/appointments/"+appt(late)+"/waive", fixed(url.Values{"waive-" + appt(late): {"Illness."}}),
		http.StatusConflict, "given back already")

	// Closing and reopening twice.
	twice("close", coord, "/staff/referrals/"+ref+"/close", fresh(coord, url.Values{"outcome": {"still_deciding"}, "closing_note": {"Paused."}}),
		http.StatusConflict, "cannot be closed")
	twice("reopen", lead, "/staff/referrals/"+ref+"/reopen", fresh(lead, url.Values{"reopen_reason": {"Carry on."}}),
		http.StatusConflict, "cannot be reopened")
	// Withdrawn twice by the trainee.
	twice("withdrawal", trainee, "/your-referrals/"+ref+"/withdraw", fixed(url.Values{"share": {"no"}}), http.StatusSeeOther, "You have withdrawn this referral")

	// A coach removes a free time twice: the second time it is gone (404).
	var slotID int64
	ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
		coach.ID, now.Add(400*time.Hour), now.Add(401*time.Hour)).Scan(&slotID)
	del := "/staff/calendar/slots/" + strconv.FormatInt(slotID, 10) + "/delete"
	if p := cb.Post(t, del, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("remove a time: %d", p.Status)
	}
	if p := cb.Post(t, del, nil); p.Status != http.StatusNotFound {
		t.Errorf("remove a removed time: %d, want 404", p.Status)
	}

	for _, l := range ts.logs.Lines(t) {
		if l["level"] == "ERROR" || l["status"] == float64(500) {
			t.Errorf("a repeat was a server error: %v", l)
		}
	}
}
