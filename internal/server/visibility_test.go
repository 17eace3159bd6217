package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"careers/internal/policy"
	"careers/web"
)

// handTable is PRODUCT.md's "Who sees what" copied by hand, so a wrong
// table in the code fails this test as well as policy's own: cells in the
// order trainee, supervisor who referred, Case Manager who referred,
// coordinator/lead, allocated coach, admin.
var handTable = map[policy.Info][6]string{
	policy.InfoReferrerSent:   {"yes", "their own status only", "yes", "yes", "yes", "data request"},
	policy.InfoTraineeAnswers: {"yes", "no", "no", "yes", "yes", "data request"},
	policy.InfoEligibility:    {"the result and what to do", "no", "the result", "result and reasons", "result", "data request"},
	policy.InfoTriage:         {"what was sent to them", "status only", "status only", "yes", "yes", "data request"},
	policy.InfoInternal:       {"no (a data request can release them)", "no", "no", "yes", "yes", "data request"},
	policy.InfoAppointments:   {"yes", "no", "that meetings took place", "yes", "yes", "data request"},
	policy.InfoSummaries:      {"yes", "no", "only those the trainee shared", "no", "yes", "data request"},
	policy.InfoOutcome:        {"yes", "only if the trainee agreed", "only if the trainee agreed", "yes", "yes", "data request"},
	policy.InfoFeedback:       {"yes", "no", "no", "figures; comments without name unless agreed", "their clients' ratings", "data request"},
}

var handPhrase = map[string]policy.Access{
	"yes": policy.Full, "data request": policy.Full, "result and reasons": policy.Full,
	"no": policy.NoAccess, "no (a data request can release them)": policy.NoAccess,
	"their own status only": policy.StatusOnly, "status only": policy.StatusOnly,
	"the result and what to do": policy.ResultAndNextStep, "the result": policy.ResultOnly, "result": policy.ResultOnly,
	"what was sent to them": policy.SentToThem, "that meetings took place": policy.MeetingsTookPlace,
	"only those the trainee shared": policy.SharedOnly, "only if the trainee agreed": policy.IfTraineeAgreed,
	"figures; comments without name unless agreed": policy.FiguresOnly, "their clients' ratings": policy.OwnClientsRatings,
}

// mark is one piece of the referral, holding a text found nowhere else.
type mark struct {
	text string
	info policy.Info
	// with are the restricted cells that still show it (Full always does).
	with []policy.Access
	// notShown are viewers the table allows but no page of theirs shows
	// this piece (said why), so it is neither required nor refused there.
	notShown map[policy.Viewer]string
}

// expect says whether a viewer should find the mark, from a cell.
func (m mark) expect(cell policy.Access) bool {
	if cell == policy.Full {
		return true
	}
	for _, w := range m.with {
		if w == cell {
			return true
		}
	}
	return false
}

// One referral with a distinct marker in every field, rendered on every
// page that shows it, as each role: each marker appears exactly where the
// audience table (policy's, and a hand copy of PRODUCT.md's) says, and
// nowhere else.
func TestWhoSeesWhatOnEveryPage(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coord := ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	lead := ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	otherCoach := ts.MustStaff(t, "coach2@example.nhs.uk", policy.Coach)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	otherCM := ts.MustStaff(t, "cm2@example.nhs.uk", policy.CaseManager)
	admin := ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	const ref, trainee, supervisor = "CM-VISI-0001", "trainee@example.com", "supervisor@example.com"

	// A Case Manager's referral (with a supervisor's address too, so both
	// referrer columns are tried on one referral), confirmed by the
	// trainee, allocated, with every kind of record.
	ts.MustReferral(t, ref, trainee, supervisor, cm.ID, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET route = 'case_manager', status = 'active', trainee_name = 'Vis Trainee',
		confirmed_at = now(), answers = $2, eligibility = 'needs_review',
		eligibility_reasons = '[{"code":"x","text":"MARK-ELIG-REASON","signpost":"MARK-ELIG-SIGNPOST"}]',
		eligibility_override = 'eligible', eligibility_override_reason = 'MARK-OVERRIDE-REASON',
		form_d_sessions = 2, form_d_reference = 'MARK-FORMD-REF', form_d_status = 'approved',
		outcome = 'MARK-OUTCOME', closing_note = 'MARK-CLOSING-NOTE'
		WHERE reference = $1 RETURNING id`, ref,
		`{"name":["Vis Trainee"],"hopes":["MARK-REFERRER-HOPES"],"times":["MARK-TRAINEE-TIMES"],"mode":["virtual"]}`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := ts.pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO documents (kind, referral_id, filename, content_type, size, sha256, content)
		VALUES ('form_c', $1, 'MARK-FORMC-NAME.pdf', 'application/pdf', 9, sha256('%PDF-1.4 '::bytea), '%PDF-1.4 '::bytea)`, id)
	for _, e := range [][2]string{
		{"submitted", "Referral sent: Case Manager referral; eligibility: Needs review"},
		{"eligibility", "Eligibility decided: eligible. MARK-OVERRIDE-REASON"},
		{"info_requested", "Asked the trainee: MARK-QUESTION"},
		{"info_answered", "The trainee answered: MARK-TRAINEE-ANSWER"},
		{"declined", "Declined: MARK-DECLINE-REASON"},
		{"reopened", "Reopened: MARK-REOPEN-REASON"},
		{"funding", "Form D funding approved, reference MARK-FORMD-REF"},
		{"extension_requested", "2 extra session(s) asked for: MARK-EXT-WHY"},
		{"note", "Internal note added"},
		{"closed", "Closed: MARK-OUTCOME. MARK-CLOSING-NOTE"},
		{"mystery", "MARK-UNKNOWN-EVENT"},
	} {
		exec(`INSERT INTO referral_events (referral_id, kind, actor_kind, actor_id, detail) VALUES ($1, $2, 'staff', $3, $4)`, id, e[0], coord.ID, e[1])
	}
	exec(`INSERT INTO referral_notes (referral_id, at, author_id, body) VALUES ($1, now(), $2, 'MARK-NOTE')`, id, coach.ID)
	exec(`INSERT INTO info_requests (referral_id, question, asked_by, asked_at, answer, answered_at)
		VALUES ($1, 'MARK-QUESTION', $2, now(), 'MARK-TRAINEE-ANSWER', now())`, id, coord.ID)
	exec(`INSERT INTO extension_requests (referral_id, sessions, justification, requested_by, requested_at) VALUES ($1, 2, 'MARK-EXT-WHY', $2, now())`, id, coach.ID)
	exec(`INSERT INTO allowance_events (referral_id, kind, sessions, note) VALUES ($1, 'granted', 3, 'MARK-LEDGER-NOTE')`, id)

	// Sessions: one that took place and was confirmed (its summary shared),
	// one that took place (its summary kept private), one cancelled late.
	base := ts.clock.Now().Add(-10 * 24 * time.Hour).Truncate(time.Hour)
	appt := func(start time.Time, status, extra string) int64 {
		t.Helper()
		var slot, a int64
		if err := ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
			coach.ID, start, start.Add(time.Hour)).Scan(&slot); err != nil {
			t.Fatal(err)
		}
		if err := ts.pool.QueryRow(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, status, booked_by, place)
			VALUES ($1, $2, $3, $4, $5, 'virtual', $6, 'trainee', '') RETURNING id`, id, slot, coach.ID, start, start.Add(time.Hour), status).Scan(&a); err != nil {
			t.Fatal(err)
		}
		if extra != "" {
			exec(`UPDATE appointments SET `+extra+` WHERE id = $1`, a)
		}
		return a
	}
	confirmedAt, privateAt, cancelledAt := base, base.Add(49*time.Hour), base.Add(98*time.Hour)
	a1 := appt(confirmedAt, "attended", "meeting_confirmed_at = now()")
	a2 := appt(privateAt, "attended", "")
	appt(cancelledAt, "cancelled", "cancelled_at = now(), cancelled_by = 'trainee', cancel_reason = 'MARK-CANCEL-REASON', late = true")
	exec(`INSERT INTO summaries (appointment_id, referral_id, self_awareness, submitted_at, share, share_changed_at, sent_at)
		VALUES ($1, $2, 'MARK-SUMMARY-SHARED', now(), true, now(), now())`, a1, id)
	exec(`INSERT INTO summaries (appointment_id, referral_id, self_awareness, submitted_at, share, share_changed_at)
		VALUES ($1, $2, 'MARK-SUMMARY-PRIVATE', now(), false, now())`, a2, id)

	// Emails sent about it: the decline to the trainee, the meeting
	// confirmation to the Case Manager.
	exec(`INSERT INTO notifications (key, kind, referral_id, recipients, subject, body_text, body_html, status, sent_at) VALUES
		('vis-1', 'referral_declined', $1, '[{"name":"Vis Trainee","email":"`+trainee+`"}]', 'MARK-EMAIL-DECLINE-SUBJECT', 'MARK-DECLINE-MESSAGE', '<p>x</p>', 'sent', now()),
		('vis-2', 'meeting_confirmed', $1, '[{"name":"CM","email":"`+cm.Email+`"}]', 'MARK-EMAIL-CM-SUBJECT', 'MARK-EMAIL-CM-BODY', '<p>x</p>', 'sent', now())`, id)

	noPage := "no page shows it"
	marks := []mark{
		{text: "MARK-REFERRER-HOPES", info: policy.InfoReferrerSent},
		{text: "MARK-FORMC-NAME", info: policy.InfoReferrerSent},
		{text: "MARK-FORMD-REF", info: policy.InfoReferrerSent},
		{text: "MARK-TRAINEE-TIMES", info: policy.InfoTraineeAnswers},
		{text: "MARK-ELIG-REASON", info: policy.InfoEligibility},
		{text: "MARK-ELIG-SIGNPOST", info: policy.InfoEligibility, with: []policy.Access{policy.ResultAndNextStep}},
		{text: "MARK-OVERRIDE-REASON", info: policy.InfoEligibility},
		{text: "MARK-DECLINE-REASON", info: policy.InfoTriage},
		{text: "MARK-REOPEN-REASON", info: policy.InfoTriage},
		{text: "MARK-EXT-WHY", info: policy.InfoTriage},
		{text: "MARK-QUESTION", info: policy.InfoTriage, with: []policy.Access{policy.SentToThem}},
		{text: "MARK-TRAINEE-ANSWER", info: policy.InfoTriage, with: []policy.Access{policy.SentToThem}},
		{text: "MARK-EMAIL-DECLINE-SUBJECT", info: policy.InfoTriage, with: []policy.Access{policy.SentToThem}},
		{text: "MARK-DECLINE-MESSAGE", info: policy.InfoTriage, with: []policy.Access{policy.SentToThem},
			notShown: map[policy.Viewer]string{policy.ViewerTeam: "staff pages list emails, not their text", policy.ViewerCoach: "staff pages list emails, not their text"}},
		{text: "MARK-NOTE", info: policy.InfoInternal},
		{text: "MARK-CLOSING-NOTE", info: policy.InfoInternal},
		{text: "MARK-UNKNOWN-EVENT", info: policy.InfoInternal},
		{text: "MARK-LEDGER-NOTE", info: policy.InfoTriage}, // the team's reason for a movement (a lead's note on an extension, a waiver)
		{text: "MARK-CANCEL-REASON", info: policy.InfoAppointments,
			notShown: map[policy.Viewer]string{policy.ViewerTeam: noPage, policy.ViewerCoach: noPage}},
		{text: web.TimeRange(confirmedAt, confirmedAt.Add(time.Hour)), info: policy.InfoAppointments, with: []policy.Access{policy.MeetingsTookPlace}},
		{text: web.TimeRange(cancelledAt, cancelledAt.Add(time.Hour)), info: policy.InfoAppointments},
		{text: "MARK-EMAIL-CM-SUBJECT", info: policy.InfoAppointments, with: []policy.Access{policy.MeetingsTookPlace},
			notShown: map[policy.Viewer]string{policy.ViewerTrainee: "an email to the Case Manager is not the trainee's data",
				policy.ViewerAdmin: "an email to the Case Manager is not the trainee's data"}},
		{text: "MARK-SUMMARY-SHARED", info: policy.InfoSummaries, with: []policy.Access{policy.SharedOnly}},
		{text: "MARK-SUMMARY-PRIVATE", info: policy.InfoSummaries},
		// "Only if the trainee agreed": no such agreement is recorded yet,
		// so a referrer never sees the outcome.
		{text: "MARK-OUTCOME", info: policy.InfoOutcome},
	}

	// Every page that shows the referral, as each person.
	type person struct {
		name    string
		viewer  policy.Viewer // 0 for someone who may see nothing
		b       *browser
		pages   map[string]int // path -> expected status
		request bool           // an admin's data request for the trainee
	}
	staffB := func(email string) *browser {
		b := ts.NewBrowser(t)
		b.SignInStaff(t, email, "")
		return b
	}
	publicB := func(email string) *browser {
		b := ts.NewBrowser(t)
		b.SignInPublic(t, email)
		return b
	}
	rp, sp := "/staff/referrals/"+ref, "/your-referrals/"+ref
	people := []person{
		{"trainee", policy.ViewerTrainee, publicB(trainee), map[string]int{"/your-referrals": 200, sp: 200, "/your-data/download.html": 200,
			"/your-data/download.json": 200, sp + "/appointments/" + strconvI(a1) + "/summary": 200, sp + "/appointments/" + strconvI(a2) + "/summary": 200}, false},
		{"supervisor who referred", policy.ViewerSupervisor, publicB(supervisor), map[string]int{"/your-referrals": 200, sp: 200,
			"/your-data/download.html": 200, "/your-data/download.json": 200, sp + "/appointments/" + strconvI(a1) + "/summary": 403}, false},
		{"Case Manager who referred", policy.ViewerCaseManager, staffB(cm.Email), map[string]int{"/staff/case-manager": 200, rp: 200,
			rp + "/summaries": 200, rp + "/form-c": 200}, false},
		{"coordinator", policy.ViewerTeam, staffB(coord.Email), map[string]int{"/staff/coordinator": 200, "/staff/referrals": 200, rp: 200,
			rp + "/summaries": 403}, false},
		{"PSU lead", policy.ViewerTeam, staffB(lead.Email), map[string]int{"/staff/lead": 200, rp: 200, rp + "/summaries": 403}, false},
		{"allocated coach", policy.ViewerCoach, staffB(coach.Email), map[string]int{"/staff/coach": 200, rp: 200, rp + "/summaries": 200, rp + "/form-c": 200}, false},
		{"admin", policy.ViewerAdmin, staffB(admin.Email), map[string]int{"/staff/admin": 200, rp: 403, rp + "/summaries": 403}, true},
		{"another coach", 0, staffB(otherCoach.Email), map[string]int{"/staff/coach": 200, rp: 404, rp + "/summaries": 404, rp + "/form-c": 404}, false},
		{"another Case Manager", 0, staffB(otherCM.Email), map[string]int{"/staff/case-manager": 200, rp: 404, rp + "/summaries": 404, rp + "/form-c": 404}, false},
	}
	viewerIndex := map[policy.Viewer]int{}
	for i, v := range policy.Viewers {
		viewerIndex[v] = i
	}
	for _, p := range people {
		var all strings.Builder
		for path, want := range p.pages {
			got := p.b.Get(t, path)
			if got.Status != want {
				t.Errorf("%s: GET %s = %d, want %d", p.name, path, got.Status, want)
			}
			if got.Status == http.StatusOK {
				all.WriteString(got.Body)
			}
		}
		if p.request {
			for _, format := range []string{"html", "json"} {
				got := p.b.Post(t, "/staff/admin/data-requests", url.Values{"email": {trainee}, "format": {format}})
				if got.Status != http.StatusOK {
					t.Fatalf("%s: data request (%s) = %d\n%.600s", p.name, format, got.Status, got.Body)
				}
				all.WriteString(got.Body)
			}
		}
		seen := all.String()
		for _, m := range marks {
			want := false
			if p.viewer != 0 {
				fromCode := m.expect(policy.Cell(m.info, p.viewer))
				hand, ok := handPhrase[handTable[m.info][viewerIndex[p.viewer]]]
				if !ok {
					t.Fatalf("no meaning for the hand table's %q", handTable[m.info][viewerIndex[p.viewer]])
				}
				fromProduct := m.expect(hand)
				if fromCode != fromProduct {
					t.Errorf("%s / %s: the code's table says %v, PRODUCT.md's %v", m.info.Label(), p.viewer.Label(), fromCode, fromProduct)
				}
				want = fromProduct
				if _, ok := m.notShown[p.viewer]; ok && want {
					continue // allowed, and no page of theirs shows it
				}
			}
			if got := strings.Contains(seen, m.text); got != want {
				verb := "sees"
				if !got {
					verb = "does not see"
				}
				t.Errorf("%s %s %q (%s): the table says %v", p.name, verb, m.text, m.info.Label(), want)
			}
		}
	}
}
