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

// A reopened referral carries on from where it was, with its coach and the
// allowance it had: allocating again grants nothing; more sessions come
// only through an extension a PSU lead approves.
func TestReopenDoesNotHandOutSessions(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	other := ts.MustStaff(t, "other.coach@example.nhs.uk", policy.Coach)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, coach.ID, start)
	trainee, id := allocated(t, ts, "CR-REOP-2345", "reopen@example.com", coach.ID, 2)
	if p := trainee.Post(t, "/your-referrals/CR-REOP-2345/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/CR-REOP-2345/book", start)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book: %d %s", p.Status, errorSummary(p.Body))
	}

	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	lead := ts.NewBrowser(t)
	lead.SignInStaff(t, "lead@example.nhs.uk", "")
	if p := c.Post(t, "/staff/referrals/CR-REOP-2345/close", url.Values{"version": {version(t, c, "CR-REOP-2345")},
		"outcome": {"still_deciding"}, "closing_note": {"Paused."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("close: %d %s", p.Status, errorSummary(p.Body))
	}
	if p := lead.Post(t, "/staff/referrals/CR-REOP-2345/reopen", url.Values{"version": {version(t, lead, "CR-REOP-2345")},
		"reopen_reason": {"The trainee asked to carry on."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("reopen: %d %s", p.Status, errorSummary(p.Body))
	}
	s := state(t, ts, "CR-REOP-2345")
	if s.Status != "active" || s.CoachID != coach.ID || s.SessionsGranted != 2 || s.SessionsUsed != 1 {
		t.Fatalf("after reopening: status %s coach %d granted %d used %d; want active with the same coach, 2 granted, 1 used",
			s.Status, s.CoachID, s.SessionsGranted, s.SessionsUsed)
	}
	// The coordinator tries to allocate again: refused, nothing granted.
	page := c.Get(t, "/staff/referrals/CR-REOP-2345")
	if strings.Contains(page.Body, `/allocate"`) {
		t.Error("the reopened referral's page offers allocation")
	}
	p := c.Post(t, "/staff/referrals/CR-REOP-2345/allocate", url.Values{"version": {version(t, c, "CR-REOP-2345")},
		"coach": {strconv.FormatInt(other.ID, 10)}, "sessions": {"3"}})
	if p.Status != http.StatusConflict {
		t.Errorf("allocate after reopening: %d, want 409", p.Status)
	}
	if g, u := used(t, ts, id); g != 2 || u != 1 {
		t.Errorf("after trying to allocate again: granted %d used %d, want 2 and 1", g, u)
	}

	// A referral reopened under the old rule sits in accepted with its
	// allowance: allocating it sets the coach and grants nothing more.
	ts.pool.Exec(ctx, `UPDATE referrals SET status = 'accepted', version = version + 1 WHERE id = $1`, id)
	if p := c.Post(t, "/staff/referrals/CR-REOP-2345/allocate", url.Values{"version": {version(t, c, "CR-REOP-2345")},
		"coach": {strconv.FormatInt(coach.ID, 10)}, "sessions": {"3"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("allocate an accepted referral that had an allowance: %d %s", p.Status, errorSummary(p.Body))
	}
	if g, _ := used(t, ts, id); g != 2 {
		t.Errorf("allocating a referral that had its allowance granted %d more", g-2)
	}
	if page := c.Get(t, "/staff/referrals/CR-REOP-2345"); !strings.Contains(page.Body, "keeps the allowance it had") {
		t.Error("the timeline does not say the allowance was kept")
	}
	// The store refuses a second initial grant whoever asks.
	if err := ts.store.AddAllowance(ctx, id, "granted", 1, 0, "", time.Now()); err == nil {
		t.Error("the store recorded a second initial allowance")
	}

	// More sessions: the coach asks, a PSU lead approves.
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	if p := cb.Post(t, "/staff/referrals/CR-REOP-2345/extensions", url.Values{"version": {version(t, cb, "CR-REOP-2345")},
		"ext_sessions": {"2"}, "justification": {"Two more options to test."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("extension request: %d %s", p.Status, errorSummary(p.Body))
	}
	var xid int64
	ts.pool.QueryRow(ctx, `SELECT id FROM extension_requests WHERE referral_id = $1`, id).Scan(&xid)
	if p := lead.Post(t, "/staff/referrals/CR-REOP-2345/extensions/"+strconv.FormatInt(xid, 10), url.Values{
		"version": {version(t, lead, "CR-REOP-2345")}, "decision": {"approved"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", p.Status, errorSummary(p.Body))
	}
	if g, _ := used(t, ts, id); g != 4 {
		t.Errorf("after the extension: granted %d, want 4", g)
	}
}

// Reopening lands where the referral can carry on: allocated to its coach
// when no session was ever booked, accepted when it never had a coach
// (then the first allocation grants the initial allowance).
func TestReopenLandsWhereItWas(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	allocated(t, ts, "CR-NOSE-2345", "nosession@example.com", coach.ID, 3)
	ts.MustReferral(t, "CR-NOCO-2345", "nocoach@example.com", "", 0, 0)
	ts.pool.Exec(context.Background(), `UPDATE referrals SET status = 'accepted' WHERE reference = 'CR-NOCO-2345'`)
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	lead := ts.NewBrowser(t)
	lead.SignInStaff(t, "lead@example.nhs.uk", "")
	for ref, want := range map[string]string{"CR-NOSE-2345": "allocated", "CR-NOCO-2345": "accepted"} {
		if p := c.Post(t, "/staff/referrals/"+ref+"/close", url.Values{"version": {version(t, c, ref)},
			"outcome": {"still_deciding"}, "closing_note": {"Paused."}}); p.Status != http.StatusSeeOther {
			t.Fatalf("close %s: %d %s", ref, p.Status, errorSummary(p.Body))
		}
		if p := lead.Post(t, "/staff/referrals/"+ref+"/reopen", url.Values{"version": {version(t, lead, ref)},
			"reopen_reason": {"Carry on."}}); p.Status != http.StatusSeeOther {
			t.Fatalf("reopen %s: %d", ref, p.Status)
		}
		if s := state(t, ts, ref); s.Status != want {
			t.Errorf("%s reopened as %s, want %s", ref, s.Status, want)
		}
	}
	if p := c.Post(t, "/staff/referrals/CR-NOCO-2345/allocate", url.Values{"version": {version(t, c, "CR-NOCO-2345")},
		"coach": {strconv.FormatInt(coach.ID, 10)}, "sessions": {"2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("first allocation after reopening: %d %s", p.Status, errorSummary(p.Body))
	}
	if s := state(t, ts, "CR-NOCO-2345"); s.SessionsGranted != 2 {
		t.Errorf("the first allocation granted %d, want 2", s.SessionsGranted)
	}
}
