package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"careers/internal/policy"
)

// Every route in the router states an access rule.
func TestEveryRouteHasARule(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	h := ts.srv.Handler()
	rules := ts.srv.Rules()
	router, ok := h.(chi.Routes)
	if !ok {
		t.Fatalf("Handler is a %T, not a chi router", h)
	}
	n := 0
	err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		n++
		if _, ok := rules[method+" "+route]; !ok {
			t.Errorf("%s %s has no access rule: register it with s.handle in routes.go", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Errorf("walked only %d routes", n)
	}
	// And nothing states a rule for a route that is not there.
	if len(rules) != n {
		t.Errorf("%d rules for %d routes", len(rules), n)
	}
}

// Who may open what: role x route x ownership. Other people's records
// answer 404, so their existence does not leak; a route outside the
// person's roles answers 403; nobody signed in is sent to sign in (303).
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	admin := ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	coord := ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	lead := ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	coachA := ts.MustStaff(t, "coach.a@example.nhs.uk", policy.Coach)
	coachB := ts.MustStaff(t, "coach.b@example.nhs.uk", policy.Coach)
	cmA := ts.MustStaff(t, "cm.a@example.nhs.uk", policy.CaseManager)
	cmB := ts.MustStaff(t, "cm.b@example.nhs.uk", policy.CaseManager)
	_, _, _ = admin, coord, lead

	// Owned: trainee t@, referrer r@, Case Manager A, coach A.
	ts.MustReferral(t, "CR-OWND-0001", "t@example.com", "r@example.com", cmA.ID, coachA.ID)
	// Unallocated: nobody's but its trainee u@.
	ts.MustReferral(t, "CR-UNAL-0002", "u@example.com", "", 0, 0)

	actors := map[string]*browser{"anonymous": ts.NewBrowser(t)}
	for name, email := range map[string]string{
		"admin": "admin@example.nhs.uk", "coordinator": "coord@example.nhs.uk", "lead": "lead@example.nhs.uk",
		"coach A": coachA.Email, "coach B": coachB.Email, "case manager A": cmA.Email, "case manager B": cmB.Email,
	} {
		b := ts.NewBrowser(t)
		b.SignInStaff(t, email, "")
		actors[name] = b
	}
	for name, email := range map[string]string{"trainee": "t@example.com", "referrer": "r@example.com", "other trainee": "u@example.com"} {
		b := ts.NewBrowser(t)
		b.SignInPublic(t, email)
		actors[name] = b
	}

	const (
		ok       = http.StatusOK
		signIn   = http.StatusSeeOther
		forbid   = http.StatusForbidden
		notFound = http.StatusNotFound
	)
	matrix := []struct {
		path string
		want map[string]int
	}{
		{"/staff/referrals/CR-OWND-0001", map[string]int{
			"anonymous": signIn, "trainee": signIn, "referrer": signIn,
			"coordinator": ok, "lead": ok, "coach A": ok, "coach B": notFound,
			"case manager A": ok, "case manager B": notFound, "admin": forbid}},
		{"/staff/referrals/CR-UNAL-0002", map[string]int{
			"coordinator": ok, "lead": ok, "coach A": notFound, "case manager A": notFound, "admin": forbid}},
		{"/staff/referrals/CR-NONE-9999", map[string]int{"coordinator": notFound, "coach A": notFound}},
		{"/your-referrals/CR-OWND-0001", map[string]int{
			"anonymous": signIn, "trainee": ok, "referrer": ok, "other trainee": notFound,
			"coordinator": signIn, "coach A": signIn}},
		{"/your-referrals/CR-UNAL-0002", map[string]int{"trainee": notFound, "referrer": notFound, "other trainee": ok}},
		{"/your-referrals", map[string]int{"anonymous": signIn, "trainee": ok, "coordinator": signIn}},
		{"/staff/admin/users", map[string]int{
			"anonymous": signIn, "trainee": signIn, "admin": ok, "coordinator": forbid, "lead": forbid,
			"coach A": forbid, "case manager A": forbid}},
		{"/staff/admin/users/" + itoa(coachA.ID), map[string]int{"admin": ok, "coordinator": forbid, "coach A": forbid}},
		{"/staff/admin/audit", map[string]int{"admin": ok, "coordinator": forbid, "anonymous": signIn}},
		{"/staff/admin/retention", map[string]int{
			"anonymous": signIn, "trainee": signIn, "admin": ok, "coordinator": forbid, "lead": forbid,
			"coach A": forbid, "case manager A": forbid}},
		{"/staff/admin/retention/register", map[string]int{
			"anonymous": signIn, "trainee": signIn, "admin": ok, "coordinator": forbid, "lead": forbid,
			"coach A": forbid, "case manager A": forbid}},
		{"/staff/coordinator", map[string]int{"coordinator": ok, "lead": forbid, "coach A": forbid, "admin": forbid, "anonymous": signIn}},
		{"/staff/coach", map[string]int{"coach A": ok, "coordinator": forbid, "case manager A": forbid}},
		{"/staff/case-manager", map[string]int{"case manager A": ok, "coach A": forbid}},
		{"/staff/lead", map[string]int{"lead": ok, "coordinator": forbid}},
		{"/staff/admin", map[string]int{"admin": ok, "lead": forbid}},
		{"/staff/account", map[string]int{"coach A": ok, "admin": ok, "trainee": signIn, "anonymous": signIn}},
		{"/staff/referrals", map[string]int{"coordinator": ok, "lead": ok, "coach A": forbid, "case manager A": forbid, "admin": forbid, "trainee": signIn, "anonymous": signIn}},
		{"/staff/referrals/CR-OWND-0001/form-c", map[string]int{"coach B": notFound, "case manager B": notFound, "admin": forbid, "trainee": signIn}},
		{"/staff/messages", map[string]int{"coordinator": ok, "lead": forbid, "coach A": forbid, "admin": forbid}},
		{"/your-data", map[string]int{"anonymous": signIn, "trainee": ok, "referrer": ok, "coordinator": signIn, "admin": signIn}},
		{"/your-data/download.json", map[string]int{"anonymous": signIn, "trainee": ok, "coach A": signIn}},
		{"/your-referrals/CR-OWND-0001/withdraw", map[string]int{
			"anonymous": signIn, "trainee": ok, "referrer": forbid, "other trainee": notFound, "coordinator": signIn}},
		{"/staff/admin/data-requests", map[string]int{"admin": ok, "coordinator": forbid, "lead": forbid, "coach A": forbid, "trainee": signIn, "anonymous": signIn}},
		{"/staff/reports", map[string]int{"coordinator": ok, "lead": ok, "coach A": forbid, "case manager A": forbid, "admin": forbid, "trainee": signIn, "anonymous": signIn}},
		{"/staff/reports/coach-caseloads.csv", map[string]int{"coordinator": ok, "lead": ok, "coach A": forbid, "case manager A": forbid, "admin": forbid, "trainee": signIn, "anonymous": signIn}},
	}
	for _, row := range matrix {
		for actor, want := range row.want {
			b := actors[actor]
			if b == nil {
				t.Fatalf("no actor %q", actor)
			}
			p := b.Get(t, row.path)
			if p.Status != want {
				t.Errorf("%s GET %s: %d, want %d", actor, row.path, p.Status, want)
			}
			if want == notFound && !strings.Contains(p.Body, "Page not found") {
				t.Errorf("%s GET %s: a refusal that does not look like a missing page", actor, row.path)
			}
		}
	}

	// A coach's home lists only their own clients.
	if p := actors["coach A"].Get(t, "/staff/coach"); !strings.Contains(p.Body, "CR-OWND-0001") || strings.Contains(p.Body, "CR-UNAL-0002") {
		t.Error("coach A's home does not show exactly their own clients")
	}
	if p := actors["coach B"].Get(t, "/staff/coach"); strings.Contains(p.Body, "CR-OWND-0001") {
		t.Error("coach B's home shows coach A's client")
	}
	// The referrer sees the status, not the trainee's details page.
	if p := actors["referrer"].Get(t, "/your-referrals/CR-OWND-0001"); !strings.Contains(p.Body, "you can see only where the referral has got to") {
		t.Error("the referrer's page does not say it is status only")
	}

	// Refusals and confidential views are audited.
	var denied, views int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE outcome = 'denied'), count(*) FILTER (WHERE action = 'view_referral')
		FROM audit_log WHERE record_type = 'referral'`).Scan(&denied, &views)
	if denied < 5 || views < 4 {
		t.Errorf("audit has %d refusals and %d views of referrals", denied, views)
	}
	var forbiddenRoutes int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'deny' AND record_type = 'route'`).Scan(&forbiddenRoutes)
	if forbiddenRoutes < 10 {
		t.Errorf("only %d route refusals audited", forbiddenRoutes)
	}
}

// Saving roles replaces them with exactly what was ticked; nobody changes
// their own roles.
func TestAdminChangesRoles(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	admin := ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	a := ts.NewBrowser(t)
	a.SignInStaff(t, admin.Email, "")
	if p := a.Post(t, "/staff/admin/users/"+itoa(coach.ID)+"/roles", urlValues("roles", "coach", "roles", "coordinator")); p.Status != 303 {
		t.Fatalf("save roles: %d", p.Status)
	}
	u, _ := ts.store.StaffUserByID(context.Background(), coach.ID)
	if len(u.Roles) != 2 || u.Roles[0] != policy.Coordinator || u.Roles[1] != policy.Coach {
		t.Errorf("roles after saving coach+coordinator: %v", u.Roles)
	}
	if p := a.Post(t, "/staff/admin/users/"+itoa(admin.ID)+"/roles", urlValues("roles", "admin", "roles", "coordinator")); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("an admin changed their own roles: %d", p.Status)
	}
	if u, _ := ts.store.StaffUserByID(context.Background(), admin.ID); len(u.Roles) != 1 {
		t.Errorf("admin's roles changed to %v", u.Roles)
	}
	if p := a.Post(t, "/staff/admin/users/"+itoa(coach.ID)+"/roles", urlValues("roles", "superuser")); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("an unknown role was accepted: %d", p.Status)
	}
}
