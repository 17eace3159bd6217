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

// sessionHeld makes a Case Manager referral whose trainee booked a session
// that has now taken place (recorded by the coach).
func sessionHeld(t *testing.T, ts *testServer, ref, email string) (trainee, coach *browser, apptID int64, cmEmail string) {
	t.Helper()
	ctx := context.Background()
	c := ts.MustStaff(t, "coach-"+ref+"@example.nhs.uk", policy.Coach)
	cm := ts.MustStaff(t, "cm-"+ref+"@example.nhs.uk", policy.CaseManager)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, c.ID, start)
	trainee, id := allocated(t, ts, ref, email, c.ID, 3)
	ts.pool.Exec(ctx, `UPDATE referrals SET route = 'case_manager', case_manager_id = $2, form_d_status = 'approved' WHERE id = $1`, id, cm.ID)
	slot := slotRe.FindStringSubmatch(trainee.Get(t, "/your-referrals/"+ref+"/book").Body)[1]
	if p := trainee.Post(t, "/your-referrals/"+ref+"/book", url.Values{"slot": {slot}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book: %d", p.Status)
	}
	ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1`, id).Scan(&apptID)
	ts.clock.Advance(74 * time.Hour)
	coach = ts.NewBrowser(t)
	coach.SignInStaff(t, c.Email, "")
	if p := coach.Post(t, "/staff/appointments/"+strconv.FormatInt(apptID, 10)+"/attendance", url.Values{"attended": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("attended: %d", p.Status)
	}
	return trainee, coach, apptID, cm.Email
}

func writeSummary(t *testing.T, b *browser, ref string, apptID int64, share string) {
	t.Helper()
	p := b.Post(t, "/your-referrals/"+ref+"/appointments/"+strconv.FormatInt(apptID, 10)+"/summary", url.Values{
		"intent": {"submit"}, "self_awareness": {"I enjoy teaching."}, "options": {"Medical education fellowships."},
		"decision": {"Apply for a fellowship."}, "action_1": {"Talk to my TPD"}, "by_1": {"2027-01-15"}, "share": {share}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("submit summary: %d %s", p.Status, errorSummary(p.Body))
	}
}

func confirm(t *testing.T, coach *browser, apptID int64) {
	t.Helper()
	if p := coach.Post(t, "/staff/appointments/"+strconv.FormatInt(apptID, 10)+"/confirm", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", p.Status)
	}
}

// summaryEmails counts the Case Manager's summary emails, and whether the
// summary text was attached.
func summaryEmails(t *testing.T, ts *testServer, cm string) (meeting, summaries int, attached bool) {
	for _, m := range ts.mail.To(t, cm) {
		switch {
		case strings.HasPrefix(m.Subject, "Careers support session took place"):
			meeting++
		case strings.HasPrefix(m.Subject, "Summary from a careers support session"):
			summaries++
			attached = attached || len(m.Attachments) == 1
		}
	}
	return
}

func TestSummaryConsentCases(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)

	// Shared before the meeting is confirmed: it goes with the confirmation.
	tr, co, id, cm := sessionHeld(t, ts, "CR-SHAR-2345", "share@example.com")
	if n := len(ts.mail.To(t, "share@example.com")); n < 3 {
		t.Errorf("the trainee was not asked for a summary (%d messages)", n)
	}
	// A draft first; nothing required yet.
	if p := tr.Post(t, "/your-referrals/CR-SHAR-2345/appointments/"+strconv.FormatInt(id, 10)+"/summary", url.Values{"intent": {"draft"}, "self_awareness": {"Half written"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("draft: %d", p.Status)
	}
	if g := tr.Get(t, "/your-referrals/CR-SHAR-2345/appointments/"+strconv.FormatInt(id, 10)+"/summary"); !strings.Contains(g.Body, "Half written") {
		t.Error("the draft was not kept")
	}
	// Submitting without the consent question answered is an error.
	if p := tr.Post(t, "/your-referrals/CR-SHAR-2345/appointments/"+strconv.FormatInt(id, 10)+"/summary", url.Values{"intent": {"submit"}, "self_awareness": {"x"}, "options": {"y"}, "decision": {"z"}, "action_1": {"a"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("submit without a consent answer: %d", p.Status)
	}
	writeSummary(t, tr, "CR-SHAR-2345", id, "yes")
	if _, s, _ := summaryEmails(t, ts, cm); s != 0 {
		t.Fatal("the summary went before the meeting was confirmed")
	}
	confirm(t, co, id)
	if m, s, att := summaryEmails(t, ts, cm); m != 1 || s != 1 || !att {
		t.Errorf("shared: %d meeting and %d summary emails (attached %v)", m, s, att)
	}

	// Not shared: the Case Manager hears the meeting happened, nothing more.
	tr2, co2, id2, cm2 := sessionHeld(t, ts, "CR-NOTS-2345", "noshare@example.com")
	writeSummary(t, tr2, "CR-NOTS-2345", id2, "no")
	confirm(t, co2, id2)
	if m, s, _ := summaryEmails(t, ts, cm2); m != 1 || s != 0 {
		t.Errorf("not shared: %d meeting and %d summary emails", m, s)
	}

	// Consent withdrawn before sending: never sent.
	tr3, co3, id3, cm3 := sessionHeld(t, ts, "CR-WDRN-2345", "withdraw@example.com")
	writeSummary(t, tr3, "CR-WDRN-2345", id3, "yes")
	tr3.Post(t, "/your-referrals/CR-WDRN-2345/appointments/"+strconv.FormatInt(id3, 10)+"/share", url.Values{"share": {"no"}})
	confirm(t, co3, id3)
	if _, s, _ := summaryEmails(t, ts, cm3); s != 0 {
		t.Error("withdrawn consent: the summary was sent")
	}

	// Consent given after the confirmation: sent then; then it cannot change.
	tr4, co4, id4, cm4 := sessionHeld(t, ts, "CR-LATR-2345", "later@example.com")
	writeSummary(t, tr4, "CR-LATR-2345", id4, "no")
	confirm(t, co4, id4)
	if _, s, _ := summaryEmails(t, ts, cm4); s != 0 {
		t.Fatal("sent without consent")
	}
	tr4.Post(t, "/your-referrals/CR-LATR-2345/appointments/"+strconv.FormatInt(id4, 10)+"/share", url.Values{"share": {"yes"}})
	if _, s, _ := summaryEmails(t, ts, cm4); s != 1 {
		t.Error("consent given later: the summary was not sent")
	}
	p := tr4.Post(t, "/your-referrals/CR-LATR-2345/appointments/"+strconv.FormatInt(id4, 10)+"/share", url.Values{"share": {"no"}})
	if g := tr4.Follow(t, p); !strings.Contains(g.Body, "already been sent") {
		t.Error("withdrawing after sending is not refused")
	}

	// Reading: the Case Manager reads what was shared with them; another
	// Case Manager cannot; every view is audited.
	cmB := ts.NewBrowser(t)
	cmB.SignInStaff(t, cm, "")
	if g := cmB.Get(t, "/staff/referrals/CR-SHAR-2345/summaries"); g.Status != 200 || !strings.Contains(g.Body, "Medical education fellowships.") {
		t.Errorf("Case Manager reading a shared summary: %d", g.Status)
	}
	if g := cmB.Get(t, "/staff/referrals/CR-NOTS-2345/summaries"); g.Status != http.StatusNotFound {
		t.Errorf("another Case Manager's referral: %d", g.Status)
	}
	cm2B := ts.NewBrowser(t)
	cm2B.SignInStaff(t, cm2, "")
	if g := cm2B.Get(t, "/staff/referrals/CR-NOTS-2345/summaries"); strings.Contains(g.Body, "Medical education fellowships.") {
		t.Error("a summary not shared is shown to the Case Manager")
	}
	if g := co2.Get(t, "/staff/referrals/CR-NOTS-2345/summaries"); !strings.Contains(g.Body, "Medical education fellowships.") {
		t.Error("the coach cannot read their own client's summary")
	}
	var views int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'view_summaries'`).Scan(&views)
	if views < 3 {
		t.Errorf("%d summary views audited", views)
	}
	// Another trainee cannot open this summary page.
	if g := tr2.Get(t, "/your-referrals/CR-SHAR-2345/appointments/"+strconv.FormatInt(id, 10)+"/summary"); g.Status != http.StatusNotFound {
		t.Errorf("another trainee's summary: %d", g.Status)
	}
}
