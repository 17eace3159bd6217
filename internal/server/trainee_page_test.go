package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"careers/internal/policy"
	"careers/internal/store"
)

// The trainee's page says where the referral is and the one next step, with
// their allowance and the emails sent to them (only theirs); they correct
// their phone at once and their email through a link to the new address.
func TestTraineePageNextStepEmailsAndContact(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	if err := ts.store.SaveCoachProfile(ctx, store.CoachProfile{UserID: coach.ID, Modes: []string{"virtual"}, Capacity: 5}); err != nil {
		t.Fatal(err)
	}
	ref := selfReferral(t, ts, "own@example.com")
	trainee := ts.NewBrowser(t)
	trainee.SignInPublic(t, "own@example.com")
	page := func() string {
		p := trainee.Get(t, "/your-referrals/"+ref)
		if p.Status != 200 {
			t.Fatalf("the trainee's page: %d", p.Status)
		}
		return p.Body
	}
	body := page()
	for _, want := range []string{"Your next step", "Nothing for now: a coordinator is looking at your referral", "Emails we sent you",
		"We have your careers support referral " + ref} {
		if !strings.Contains(body, want) {
			t.Errorf("new referral: the page lacks %q", want)
		}
	}

	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	c.Post(t, "/staff/referrals/"+ref+"/request-info", url.Values{"version": {version(t, c, ref)}, "question": {"Which region?"}})
	body = page()
	if !strings.Contains(body, "Answer the coordinator&#39;s question") || !strings.Contains(body, `href="#question"`) || !strings.Contains(body, `id="question"`) {
		t.Error("with a question open, the next step is not to answer it")
	}
	if strings.Contains(body, "token=") && !strings.Contains(body, "token=(hidden)") {
		t.Error("a one-time link shows on the page")
	}
	trainee.Post(t, "/your-referrals/"+ref+"/answer", url.Values{"answer": {"London."}})
	c.Post(t, "/staff/referrals/"+ref+"/accept", url.Values{"version": {version(t, c, ref)}})
	c.Post(t, "/staff/referrals/"+ref+"/allocate", url.Values{"version": {version(t, c, ref)}, "coach": {strconvI(coach.ID)}, "sessions": {"3"}})
	body = page()
	for _, want := range []string{"Book a session with Test coach", `href="/your-referrals/` + ref + `/book"`, "3 granted, 0 used or booked, 3 left",
		"Your careers coach: book your first session"} {
		if !strings.Contains(body, want) {
			t.Errorf("allocated: the page lacks %q", want)
		}
	}
	if p := trainee.Get(t, "/your-referrals/"+ref+"/book"); p.Status != 200 {
		t.Errorf("the next step's link: %d", p.Status)
	}
	// Another person signed in never sees these emails.
	ts.MustReferral(t, "CR-OTHR-0001", "someone@example.com", "", 0, 0)
	other := ts.NewBrowser(t)
	other.SignInPublic(t, "someone@example.com")
	if p := other.Get(t, "/your-referrals/"+ref); p.Status != http.StatusNotFound || strings.Contains(p.Body, "book your first session") {
		t.Errorf("someone else's page: %d", p.Status)
	}

	// Contact details: bad input re-renders with the values and a summary.
	if p := trainee.Get(t, "/your-referrals/"+ref+"/contact"); p.Status != 200 || !strings.Contains(p.Body, `value="own@example.com"`) {
		t.Fatalf("contact form: %d", p.Status)
	}
	p := trainee.Post(t, "/your-referrals/"+ref+"/contact", url.Values{"email": {"not an address"}, "phone": {"call me"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "nhsuk-error-summary") || !strings.Contains(p.Body, `value="call me"`) ||
		!strings.Contains(p.Body, "Enter an email address in the correct format") {
		t.Fatalf("bad contact details: %d", p.Status)
	}
	if p := trainee.Post(t, "/your-referrals/"+ref+"/contact", url.Values{"email": {"own@example.com"}, "phone": {"07700 900456"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("new phone: %d %s", p.Status, errorSummary(p.Body))
	}
	if p := trainee.Get(t, "/your-referrals/"+ref+"/contact"); !strings.Contains(p.Body, `value="07700 900456"`) {
		t.Error("the new phone number is not saved")
	}
	if p := trainee.Post(t, "/your-referrals/"+ref+"/contact", url.Values{"email": {"New.Me@example.com"}, "phone": {"07700 900456"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("new email: %d", p.Status)
	}
	if s := state(t, ts, ref); s.TraineeEmail != "own@example.com" {
		t.Fatalf("the email changed before the new address was confirmed: %q", s.TraineeEmail)
	}
	link := ts.mail.MustLink(t, "new.me@example.com")
	fresh := ts.NewBrowser(t)
	if g := fresh.Get(t, link); g.Status != 200 {
		t.Fatalf("the confirmation link: %d", g.Status)
	}
	if p := fresh.Post(t, link, nil); p.Status != http.StatusSeeOther || p.Location != "/your-referrals/"+ref {
		t.Fatalf("confirm the new email: %d %q", p.Status, p.Location)
	}
	if s := state(t, ts, ref); s.TraineeEmail != "new.me@example.com" {
		t.Fatalf("after confirming: %q", s.TraineeEmail)
	}
	if p := fresh.Get(t, "/your-referrals/"+ref); p.Status != 200 {
		t.Errorf("signed in with the new address: %d", p.Status)
	}
	if p := fresh.Post(t, link, nil); p.Status != http.StatusNotFound {
		t.Errorf("the link worked twice: %d", p.Status)
	}
	var audits int
	ts.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('contact_phone_changed', 'contact_email_change_requested', 'contact_email_changed')
		AND record_id = $1`, ref).Scan(&audits)
	if audits != 3 {
		t.Errorf("%d audit rows for the contact changes, want 3", audits)
	}
}

// The audit log reads as people and plain actions: a coordinator by name
// and role, "viewed" a referral, a staff account by its person's name.
func TestAuditLogReadsAsPeople(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	coord := ts.MustStaff(t, "priya@example.nhs.uk", policy.Coordinator)
	coach := ts.MustStaff(t, "sam@example.nhs.uk", policy.Coach)
	ts.MustReferral(t, "CR-AUDT-1234", "a@example.com", "", 0, 0)
	c := ts.NewBrowser(t)
	c.SignInStaff(t, coord.Email, "")
	c.Get(t, "/staff/referrals/CR-AUDT-1234")
	if _, err := ts.pool.Exec(ctx, `INSERT INTO audit_log (actor_kind, actor_id, action, record_type, record_id, outcome)
		VALUES ('staff', $1, 'roles', 'staff_user', $2, 'success')`, coord.ID, strconvI(coach.ID)); err != nil {
		t.Fatal(err)
	}
	admin := ts.NewBrowser(t)
	admin.SignInStaff(t, "admin@example.nhs.uk", "")
	p := admin.Get(t, "/staff/admin/audit")
	text := strings.Join(strings.Fields(regexpTags.ReplaceAllString(p.Body, " ")), " ")
	for _, want := range []string{"Test priya (Coordinator), priya@example.nhs.uk viewed referral CR-AUDT-1234", "the staff account of Test sam"} {
		if !strings.Contains(text, want) {
			t.Errorf("the audit log lacks %q", want)
		}
	}
	for _, raw := range []string{"view_referral", "staff_user " + strconvI(coach.ID)} {
		if strings.Contains(text, raw) {
			t.Errorf("the audit log shows the code %q", raw)
		}
	}
}

var regexpTags = regexp.MustCompile(`<[^>]*>`)
