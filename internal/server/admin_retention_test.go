package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"careers/internal/auth"
	"careers/internal/browsertest"
	"careers/internal/policy"
	"careers/internal/store"
)

// mustFinished adds a referral closed at closedAt, with personal data the
// admin pages must never show.
func (ts *testServer) mustFinished(tb testing.TB, ref string, closedAt time.Time) int64 {
	tb.Helper()
	var id int64
	if err := ts.pool.QueryRow(context.Background(), `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, submitted_at, closed_at, closing_note)
		VALUES ($1, 'self', 'closed', 'Rowena Quill', 'rowena.quill@example.org', $2, $2, 'Decided to leave surgery') RETURNING id`,
		ref, closedAt).Scan(&id); err != nil {
		tb.Fatal(err)
	}
	return id
}

func (ts *testServer) count(tb testing.TB, sql string, args ...any) int {
	tb.Helper()
	var n int
	if err := ts.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func assertNoPersonalData(t *testing.T, what, body string) {
	t.Helper()
	for _, s := range []string{"Rowena", "Quill", "rowena.quill@example.org", "leave surgery"} {
		if strings.Contains(body, s) {
			t.Errorf("%s shows %q", what, s)
		}
	}
}

// The admin page lists what falls due in the next 30 days and the holds,
// by reference and date only; holds are placed and lifted with a reason,
// audited and recorded in the referral's timeline.
func TestAdminRetentionPage(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	admin := ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	now := ts.clock.Now()
	ts.mustFinished(t, "CR-SOON-0001", now.AddDate(-6, 0, 10))  // due in about 10 days
	ts.mustFinished(t, "CR-LATER-0002", now.AddDate(-6, 0, 40)) // due in about 40 days
	ts.mustFinished(t, "CR-RCNT-0003", now.AddDate(0, -2, 0))
	// Overdue but held, so the job (which runs when the server starts)
	// leaves it alone.
	held := ts.mustFinished(t, "CR-HELD-0004", now.AddDate(-7, 0, 0))
	if _, err := ts.pool.Exec(context.Background(), `UPDATE referrals SET legal_hold_reason = 'Claim from solicitors', legal_hold_at = now(), legal_hold_by = $2 WHERE id = $1`,
		held, admin.ID); err != nil {
		t.Fatal(err)
	}

	a := ts.NewBrowser(t)
	a.SignInStaff(t, admin.Email, "")
	p := a.Get(t, "/staff/admin/retention")
	if p.Status != http.StatusOK {
		t.Fatalf("retention page: %d", p.Status)
	}
	for _, want := range []string{"6 years (72 months)", "CR-SOON-0001", "CR-HELD-0004", "Claim from solicitors", "Overdue", "Legal hold", "Test admin"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("retention page does not show %q", want)
		}
	}
	for _, not := range []string{"CR-LATER-0002", "CR-RCNT-0003"} {
		if strings.Contains(p.Body, not) {
			t.Errorf("retention page lists %s, not due within 30 days", not)
		}
	}
	assertNoPersonalData(t, "the retention page", p.Body)
	if !strings.Contains(a.Get(t, "/staff/admin").Body, `href="/staff/admin/retention"`) {
		t.Error("the admin home does not link to the retention page")
	}

	// No reason: the form comes back with an error summary and the value kept.
	p = a.Post(t, "/staff/admin/retention/hold", urlValues("hold-reference", "cr-soon-0001", "hold-reason", "  "))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "There is a problem") ||
		!strings.Contains(p.Body, `href="#hold-reason"`) || !strings.Contains(p.Body, `value="CR-SOON-0001"`) ||
		!strings.Contains(p.Body, "<title>Error:") {
		t.Errorf("hold with no reason: %d\n%.2000s", p.Status, p.Body)
	}
	// Unknown reference: an error by the field.
	p = a.Post(t, "/staff/admin/retention/hold", urlValues("hold-reference", "CR-NONE-9999", "hold-reason", "Complaint"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "There is no referral with this reference") ||
		!strings.Contains(p.Body, "Complaint</textarea>") {
		t.Errorf("hold on an unknown reference: %d", p.Status)
	}
	// A reference already destroyed: the form says so.
	if _, err := ts.pool.Exec(context.Background(), `INSERT INTO destruction_register (reference, route, submitted_on, closed_on, due_on, destroyed_at, retention_months, categories)
		VALUES ('CR-GONE-7777', 'self', '2018-01-02', '2018-03-04', '2024-03-04', now(), 72, '{"referral": 1}')`); err != nil {
		t.Fatal(err)
	}
	p = a.Post(t, "/staff/admin/retention/hold", urlValues("hold-reference", "CR-GONE-7777", "hold-reason", "Complaint"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "This referral was destroyed on") {
		t.Errorf("hold on a destroyed reference: %d", p.Status)
	}
	if n := ts.count(t, `SELECT count(*) FROM referrals WHERE legal_hold_at IS NOT NULL`); n != 1 {
		t.Fatalf("%d referrals held after refused forms", n)
	}

	// A hold is placed, audited, and in the timeline.
	p = a.Post(t, "/staff/admin/retention/hold", urlValues("hold-reference", "CR-SOON-0001", "hold-reason", "Complaint under investigation"))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("place hold: %d\n%.1000s", p.Status, p.Body)
	}
	if f := a.Follow(t, p); !strings.Contains(f.Body, "Legal hold placed on CR-SOON-0001") {
		t.Error("no confirmation after placing a hold")
	}
	if n := ts.count(t, `SELECT count(*) FROM referrals WHERE reference = 'CR-SOON-0001' AND legal_hold_reason = 'Complaint under investigation' AND legal_hold_by = $1`, admin.ID); n != 1 {
		t.Error("the hold was not recorded on the referral")
	}
	if n := ts.count(t, `SELECT count(*) FROM audit_log WHERE action = 'legal_hold_placed' AND record_type = 'referral' AND record_id = 'CR-SOON-0001' AND actor_id = $1`, admin.ID); n != 1 {
		t.Error("placing the hold was not audited")
	}
	if n := ts.count(t, `SELECT count(*) FROM referral_events e JOIN referrals r ON r.id = e.referral_id WHERE r.reference = 'CR-SOON-0001' AND e.kind = 'legal_hold_placed'`); n != 1 {
		t.Error("placing the hold is not in the referral's timeline")
	}
	// Twice: refused, nothing changes.
	if p := a.Post(t, "/staff/admin/retention/hold", urlValues("hold-reference", "CR-SOON-0001", "hold-reason", "Again")); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("second hold on one referral: %d", p.Status)
	}

	// Lifting needs a reason too, then clears the hold.
	if p := a.Post(t, "/staff/admin/retention/lift", urlValues("lift-reference", "CR-HELD-0004")); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, `href="#lift-reason"`) {
		t.Errorf("lift with no reason: %d", p.Status)
	}
	if p := a.Post(t, "/staff/admin/retention/lift", urlValues("lift-reference", "CR-HELD-0004", "lift-reason", "Claim settled")); p.Status != http.StatusSeeOther {
		t.Fatalf("lift hold: %d", p.Status)
	}
	if n := ts.count(t, `SELECT count(*) FROM referrals WHERE reference = 'CR-HELD-0004' AND legal_hold_at IS NULL AND legal_hold_reason IS NULL`); n != 1 {
		t.Error("the hold was not lifted")
	}
	if n := ts.count(t, `SELECT count(*) FROM audit_log WHERE action = 'legal_hold_lifted' AND record_id = 'CR-HELD-0004' AND detail LIKE '%Claim settled%'`); n != 1 {
		t.Error("lifting the hold was not audited with its reason")
	}
	// Views of the page are audited.
	if n := ts.count(t, `SELECT count(*) FROM audit_log WHERE action = 'view' AND record_type = 'retention' AND actor_id = $1`, admin.ID); n < 4 {
		t.Errorf("%d views of the retention page audited", n)
	}

	// Only admins: others are refused, and change nothing.
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	for _, path := range []string{"/staff/admin/retention/hold", "/staff/admin/retention/lift"} {
		if p := c.Post(t, path, urlValues("hold-reference", "CR-LATER-0002", "hold-reason", "x", "lift-reference", "CR-SOON-0001", "lift-reason", "x")); p.Status != http.StatusForbidden {
			t.Errorf("coordinator POST %s: %d", path, p.Status)
		}
		if p := ts.NewBrowser(t).Post(t, path, urlValues("hold-reference", "CR-LATER-0002", "hold-reason", "x")); p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "sign-in") {
			t.Errorf("anonymous POST %s: %d to %q", path, p.Status, p.Location)
		}
	}
	if n := ts.count(t, `SELECT count(*) FROM referrals WHERE legal_hold_at IS NOT NULL`); n != 1 {
		t.Errorf("%d referrals held, want only CR-SOON-0001", n)
	}
}

// The register page lists destroyed referrals with their counts, and
// nothing about the people.
func TestAdminDestructionRegisterPage(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	admin := ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	now := ts.clock.Now()
	id := ts.mustFinished(t, "CR-GONE-0001", now.AddDate(-8, 0, 0))
	// The job may have run already when the server started; if not,
	// destroy it as the job would.
	if _, err := ts.store.DestroyReferral(context.Background(), id, now, 72); err != nil && ts.count(t, `SELECT count(*) FROM destruction_register`) == 0 {
		t.Fatal(err)
	}
	a := ts.NewBrowser(t)
	a.SignInStaff(t, admin.Email, "")
	p := a.Get(t, "/staff/admin/retention/register")
	if p.Status != http.StatusOK {
		t.Fatalf("register: %d", p.Status)
	}
	for _, want := range []string{"CR-GONE-0001", "Self-referral", "Referral details: 1", "after 72 months"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("register page does not show %q", want)
		}
	}
	assertNoPersonalData(t, "the register page", p.Body)
	if n := ts.count(t, `SELECT count(*) FROM audit_log WHERE action = 'view' AND record_type = 'destruction_register' AND actor_id = $1`, admin.ID); n != 1 {
		t.Errorf("%d views of the register audited, want 1", n)
	}
}

// The retention pages in a real browser: accessible (axe) with and without
// errors, and a hold placed through the form.
func TestBrowserAdminRetention(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.mustFinished(t, "CR-SOON-0001", ts.clock.Now().AddDate(-6, 0, 5))
	admin, err := ts.store.CreateStaffUser(ctx, store.NewStaffUser{Email: "ada@example.nhs.uk", Name: "Ada Admin", Roles: []policy.Role{policy.Admin}})
	if err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewToken()
	if _, err := ts.store.CreateStaffToken(ctx, store.PurposeSetPassword, admin.ID, hash, time.Now(), time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	a := &tab{t: t, ctx: browsertest.New(t, browsertest.WithTimeout(90*time.Second)), ts: ts}
	defer saveScreenshot(t, a.ctx, "admin-retention")
	a.firstSignIn("/staff/set-password?token="+token, "ada@example.nhs.uk", "orchid tractor sunrise")

	a.open("/staff/admin/retention")
	a.fill("hold-reference", "CR-SOON-0001")
	a.submit("form[action='/staff/admin/retention/hold'] button[type=submit]") // no reason: the error summary
	if !strings.Contains(a.text(".nhsuk-error-summary"), "Enter the reason") {
		t.Fatal("no error summary for a hold without a reason")
	}
	a.fill("hold-reason", "Complaint under investigation")
	a.submit("form[action='/staff/admin/retention/hold'] button[type=submit]")
	if got := a.path(); got != "/staff/admin/retention" || !strings.Contains(a.text("main"), "Legal hold placed on CR-SOON-0001") {
		t.Fatalf("after placing a hold: %s", got)
	}
	a.open("/staff/admin/retention/register")
}
