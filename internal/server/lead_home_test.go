package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"careers/internal/policy"
)

// The PSU lead's home lists funding and extension requests with what the
// lead needs to decide (sessions requested, used, left, the coach's
// justification), and decides them in place, back to the list.
func TestLeadHomeDecidesInPlace(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	lead := ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ts.MustReferral(t, "CR-FUND-0001", "f@example.com", "", cm.ID, 0)
	ts.pool.Exec(ctx, `UPDATE referrals SET route = 'case_manager', status = 'accepted', trainee_name = 'Fay Funding',
		form_d_sessions = 2, form_d_status = 'requested' WHERE reference = 'CR-FUND-0001'`)
	ts.MustReferral(t, "CR-EXTN-0002", "e@example.com", "", 0, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active', trainee_name = 'Eli Extension' WHERE reference = 'CR-EXTN-0002' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AddAllowance(ctx, id, "granted", 3, 0, "", ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AddAllowance(ctx, id, "booked", 2, 0, "", ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	ext, err := ts.store.RequestExtension(ctx, id, 2, "Two options to explore, with shadowing in between.", coach.ID, ts.clock.Now())
	if err != nil {
		t.Fatal(err)
	}

	b := ts.NewBrowser(t)
	b.SignInStaff(t, "lead@example.nhs.uk", "")
	home := b.Get(t, "/staff/lead")
	for _, want := range []string{
		"Funding request (Form D): Fay Funding", "Request for extra sessions: Eli Extension",
		"3 granted, 2 used, 1 left", "Two options to explore, with shadowing in between.", "Test coach",
		`action="/staff/referrals/CR-FUND-0001/funding"`, `action="/staff/referrals/CR-EXTN-0002/extensions/` + strconv.FormatInt(ext, 10) + `"`,
	} {
		if !strings.Contains(home.Body, want) {
			t.Errorf("the lead's home lacks %q", want)
		}
	}
	if n := ts.count(t, `SELECT count(*) FROM audit_log WHERE action = 'view' AND record_type = 'lead_home' AND actor_id = $1`, lead.ID); n != 1 {
		t.Errorf("%d audit rows for the lead's home", n)
	}

	// A decline with no reason: the referral's page with the message.
	extPath := "/staff/referrals/CR-EXTN-0002/extensions/" + strconv.FormatInt(ext, 10)
	p := b.Post(t, extPath, url.Values{"version": {version(t, b, "CR-EXTN-0002")}, "then": {"lead"}, "decision": {"declined"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Enter why you are declining") {
		t.Errorf("a decline with no reason: %d", p.Status)
	}
	// Approved from the list: back to the list, which no longer holds it.
	p = b.Post(t, extPath, url.Values{"version": {version(t, b, "CR-EXTN-0002")}, "then": {"lead"}, "decision": {"approved"}})
	if p.Status != http.StatusSeeOther || p.Location != "/staff/lead" {
		t.Fatalf("approve from the list: %d to %q", p.Status, p.Location)
	}
	after := b.Follow(t, p)
	if !strings.Contains(after.Body, "Decision recorded for CR-EXTN-0002") || strings.Contains(after.Body, "Eli Extension") {
		t.Error("after approving, the list still shows the request or no confirmation")
	}
	if s := state(t, ts, "CR-EXTN-0002"); s.SessionsGranted != 5 {
		t.Errorf("allowance after approval: %d", s.SessionsGranted)
	}
	p = b.Post(t, "/staff/referrals/CR-FUND-0001/funding", url.Values{"version": {version(t, b, "CR-FUND-0001")}, "then": {"lead"},
		"funding": {"approved"}, "funding_ref": {"CPPS-2026-9"}})
	if p.Location != "/staff/lead" {
		t.Fatalf("funding from the list: %d to %q", p.Status, p.Location)
	}
	if s := state(t, ts, "CR-FUND-0001"); s.FormDStatus != "approved" {
		t.Errorf("funding: %q", s.FormDStatus)
	}
	if body := b.Follow(t, p).Body; !strings.Contains(body, "No funding requests or requests for extra sessions are waiting") {
		t.Error("the list is not empty after both decisions")
	}
}
