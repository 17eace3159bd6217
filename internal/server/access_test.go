package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/intake"
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
		{"/staff/calendar", map[string]int{"coach A": ok, "coordinator": forbid, "lead": forbid, "case manager A": forbid, "admin": forbid, "trainee": signIn, "anonymous": signIn}},
		{"/staff/calendar/add", map[string]int{"coach A": ok, "coordinator": forbid, "lead": forbid, "case manager A": forbid, "admin": forbid, "trainee": signIn, "anonymous": signIn}},
		{"/staff/calendar/patterns", map[string]int{"coach A": ok, "coordinator": forbid, "case manager A": forbid, "admin": forbid, "trainee": signIn, "anonymous": signIn}},
		{"/staff/calendar/feed", map[string]int{"coach A": ok, "coordinator": forbid, "case manager A": forbid, "admin": forbid, "trainee": signIn, "anonymous": signIn}},
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
	if err := ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'deny' AND record_type = 'route'`).Scan(&forbiddenRoutes); err != nil {
		t.Fatal(err)
	}
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

// The outcomes a row of the change matrix can expect.
const (
	mxSignIn   = -1 // sent to a sign-in page (303)
	mxForbid   = -2 // 403: the account's roles do not allow it
	mxHidden   = -3 // 404: someone else's record, answered as no record
	mxAllow    = -4 // allowed: sent after every refusal, must not be refused
	mxElsewise = -5 // allowed, but exercised by its own test (it signs people out, sends mail...)
)

// mxRow is one route of the matrix: the request and each actor's outcome
// (an HTTP status for GET rows that read, or one of the mx outcomes).
type mxRow struct {
	route  string // METHOD and pattern, as the router knows it
	path   string
	form   func() url.Values
	want   map[string]int
	anyone bool // the route's rule is "anyone": there is nobody to refuse
}

// TestEveryRouteHasItsRuleAndOwnership is the access matrix for every POST
// route and every GET route with a path parameter: role x route x
// ownership. It walks the router and fails if such a route has no row, so a
// route added later without a decision about who may use it fails here.
// Every refused POST is checked to have changed nothing in the database.
func TestEveryRouteHasItsRuleAndOwnership(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	coachA := ts.MustStaff(t, "coach.a@example.nhs.uk", policy.Coach)
	coachB := ts.MustStaff(t, "coach.b@example.nhs.uk", policy.Coach)
	cmA := ts.MustStaff(t, "cm.a@example.nhs.uk", policy.CaseManager)
	ts.MustStaff(t, "cm.b@example.nhs.uk", policy.CaseManager)

	// OWND: trainee t@, referrer r@, Case Manager A, coach A; active, with
	// funding waiting, an extension request waiting and four sessions: one
	// to come, one started but not recorded, one missed, one held.
	const owned, other = "CR-OWND-0001", "CR-UNAL-0002"
	ts.MustReferral(t, owned, "t@example.com", "r@example.com", cmA.ID, coachA.ID)
	ts.MustReferral(t, other, "u@example.com", "", 0, 0)
	var ownedID int64
	ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active', route = 'case_manager', form_d_sessions = 3, form_d_status = 'requested'
		WHERE reference = $1 RETURNING id`, owned).Scan(&ownedID)
	if err := ts.store.AddAllowance(ctx, ownedID, "granted", 3, 0, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	now := ts.clock.Now().Truncate(time.Hour)
	appt := func(start time.Time, status string) string {
		var slot, id int64
		ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
			coachA.ID, start, start.Add(time.Hour)).Scan(&slot)
		if err := ts.pool.QueryRow(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, booked_by, status)
			VALUES ($1, $2, $3, $4, $5, 'virtual', 'trainee', $6) RETURNING id`, ownedID, slot, coachA.ID, start, start.Add(time.Hour), status).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(id, 10)
	}
	future := appt(now.Add(72*time.Hour), "booked")
	started := appt(now.Add(-2*time.Hour), "booked")
	missed := appt(now.Add(-26*time.Hour), "not_attended")
	held := appt(now.Add(-50*time.Hour), "attended")
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET sessions_used = 3 WHERE id = $1`, ownedID); err != nil {
		t.Fatal(err)
	}
	xid, err := ts.store.RequestExtension(ctx, ownedID, 1, "One more.", coachA.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	slot := func(coach int64, start time.Time) string {
		var id int64
		ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
			coach, start, start.Add(time.Hour)).Scan(&id)
		return strconv.FormatInt(id, 10)
	}
	slotA, slotB := slot(coachA.ID, now.Add(100*time.Hour)), slot(coachB.ID, now.Add(100*time.Hour))
	// Coach B's time off and weekly pattern: coach A's to refuse.
	var offB, patternB int64
	ts.pool.QueryRow(ctx, `INSERT INTO coach_time_off (coach_id, starts_at, ends_at, note) VALUES ($1, $2, $3, 'Leave') RETURNING id`,
		coachB.ID, now.Add(200*time.Hour), now.Add(210*time.Hour)).Scan(&offB)
	ts.pool.QueryRow(ctx, `INSERT INTO availability_patterns (coach_id, starts_on, ends_on, weekdays, start_time, length_minutes, per_day, mode)
		VALUES ($1, $2, $3, '{2}', '14:00', 60, 1, 'virtual') RETURNING id`, coachB.ID, now.AddDate(0, 0, 1), now.AddDate(0, 1, 0)).Scan(&patternB)
	offPath, patternPath := "/staff/calendar/time-off/"+strconvI(offB), "/staff/calendar/patterns/"+strconvI(patternB)

	actors := map[string]*browser{"anonymous": ts.NewBrowser(t)}
	for name, email := range map[string]string{
		"admin": "admin@example.nhs.uk", "coordinator": "coord@example.nhs.uk", "lead": "lead@example.nhs.uk",
		"coach A": coachA.Email, "coach B": coachB.Email, "case manager A": cmA.Email, "case manager B": "cm.b@example.nhs.uk",
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
	staffNames := []string{"admin", "coordinator", "lead", "coach A", "coach B", "case manager A", "case manager B"}
	publicNames := []string{"trainee", "referrer", "other trainee"}

	// staffRoute: the public are sent to the staff sign-in; each staff
	// member's outcome is given (every one of them must be).
	staffRoute := func(admin, coord, lead, coachA, coachB, cmA, cmB int) map[string]int {
		m := map[string]int{"anonymous": mxSignIn}
		for _, n := range publicNames {
			m[n] = mxSignIn
		}
		for i, v := range []int{admin, coord, lead, coachA, coachB, cmA, cmB} {
			m[staffNames[i]] = v
		}
		return m
	}
	// publicRoute: staff are sent to the public sign-in.
	publicRoute := func(trainee, referrer, otherTrainee int) map[string]int {
		m := map[string]int{"anonymous": mxSignIn, "trainee": trainee, "referrer": referrer, "other trainee": otherTrainee}
		for _, n := range staffNames {
			m[n] = mxSignIn
		}
		return m
	}
	const (
		S, F, H, A, E = mxSignIn, mxForbid, mxHidden, mxAllow, mxElsewise
		ok            = http.StatusOK
	)
	versionOf := func(ref string) string {
		var v int
		if err := ts.pool.QueryRow(ctx, `SELECT version FROM referrals WHERE reference = $1`, ref).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return strconv.Itoa(v)
	}
	vform := func(kv ...string) func() url.Values {
		return func() url.Values {
			v := urlValues(kv...)
			v.Set("version", versionOf(owned))
			return v
		}
	}
	form := func(kv ...string) func() url.Values { return func() url.Values { return urlValues(kv...) } }
	sr := "/staff/referrals/" + owned
	yr := "/your-referrals/" + owned
	triage := staffRoute(F, A, F, F, F, F, F)
	selfPage := "/refer/self/" + intake.Self.Pages[0].Slug
	// A workshop (ws-core) where the trainee t@ has a place; the place's
	// pages are theirs alone.
	var wsID int64
	if err := ts.pool.QueryRow(ctx, `INSERT INTO workshops (slug, title, starts_at, ends_at, mode, capacity, check_in_code)
		VALUES ('matrix-workshop', 'Matrix workshop', $1, $2, 'online', 10, 'ABCD') RETURNING id`, now.Add(96*time.Hour), now.Add(98*time.Hour)).Scan(&wsID); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(ctx, `INSERT INTO workshop_registrations (workshop_id, name, email, professional_group, region, grade, status, confirmed_at, placed_at)
		VALUES ($1, 'Trainee T', 't@example.com', 'doctor', 'london', 'st3', 'placed', now(), now())`, wsID); err != nil {
		t.Fatal(err)
	}
	wp := "/workshops/matrix-workshop/your-place"
	wsStaff := "/staff/workshops/" + strconvI(wsID)
	hiddenPlace := map[string]int{"anonymous": H, "other trainee": H, "referrer": H, "coordinator": H}
	ownPlace := func(own int) map[string]int {
		m := map[string]int{}
		for k, v := range hiddenPlace {
			m[k] = v
		}
		m["trainee"] = own
		return m
	}
	cmPage := "/staff/referrals/new/" + intake.CaseManager.Pages[0].Slug
	supPage := "/refer/supervisor/" + intake.Supervisor.Pages[0].Slug

	matrix := []mxRow{
		// Sign-in, sign-out, forms anyone may fill in: nobody to refuse.
		{route: "POST /sign-in", anyone: true}, {route: "POST /sign-in/link", anyone: true}, {route: "POST /sign-out", anyone: true},
		{route: "POST /staff/sign-in", anyone: true}, {route: "POST /staff/sign-in/verify", anyone: true},
		{route: "POST /staff/sign-in/set-up", anyone: true}, {route: "POST /staff/sign-out", anyone: true},
		{route: "POST /staff/set-password", anyone: true}, {route: "POST /staff/reset-password", anyone: true},
		{route: "POST /staff/forgot-password", anyone: true}, {route: "POST /refer/confirm", anyone: true},
		{route: "POST /refer/confirm/new", anyone: true}, {route: "POST /refer/confirm/decline", anyone: true},
		{route: "POST /refer/self/check", anyone: true}, {route: "POST /refer/self/{page}", anyone: true},
		{route: "POST /refer/supervisor/check", anyone: true}, {route: "POST /refer/supervisor/{page}", anyone: true},
		{route: "GET /refer/self/{page}", path: selfPage, want: map[string]int{"anonymous": ok, "trainee": ok, "coordinator": ok}},
		{route: "GET /refer/supervisor/{page}", path: supPage, want: map[string]int{"anonymous": ok, "referrer": ok}},

		// The trainee's own referral: the referrer sees its status only.
		{route: "GET /your-referrals/{reference}", path: yr, want: publicRoute(ok, ok, H)},
		{route: "GET /your-referrals/{reference}/book", path: yr + "/book", want: publicRoute(303, F, H)},
		{route: "GET /your-referrals/{reference}/appointments/{id}/cancel", path: yr + "/appointments/" + future + "/cancel", want: publicRoute(ok, F, H)},
		{route: "GET /your-referrals/{reference}/appointments/{id}/rearrange", path: yr + "/appointments/" + future + "/rearrange", want: publicRoute(ok, F, H)},
		{route: "GET /your-referrals/{reference}/appointments/{id}/summary", path: yr + "/appointments/" + held + "/summary", want: publicRoute(ok, F, H)},
		{route: "GET /your-referrals/{reference}/appointments/{id}/calendar.ics", path: yr + "/appointments/" + future + "/calendar.ics", want: publicRoute(ok, F, H)},
		{route: "GET /your-referrals/{reference}/appointments/{id}/calendar.ics", path: "/your-referrals/" + other + "/appointments/" + future + "/calendar.ics",
			want: map[string]int{"other trainee": H}},
		{route: "GET /your-referrals/{reference}/withdraw", path: yr + "/withdraw", want: publicRoute(ok, F, H)},
		// Another referral's appointment under one's own referral: 404.
		{route: "GET /your-referrals/{reference}/appointments/{id}/cancel", path: "/your-referrals/" + other + "/appointments/" + future + "/cancel",
			want: map[string]int{"other trainee": H}},
		{route: "POST /your-referrals/{reference}/answer", path: yr + "/answer", form: form("answer", "London."), want: publicRoute(A, F, H)},
		{route: "POST /your-referrals/{reference}/book", path: yr + "/book", form: form("slot", slotA), want: publicRoute(E, F, H)},
		{route: "POST /your-referrals/{reference}/appointments/{id}/cancel", path: yr + "/appointments/" + future + "/cancel", form: form(), want: publicRoute(E, F, H)},
		{route: "POST /your-referrals/{reference}/appointments/{id}/cancel", path: "/your-referrals/" + other + "/appointments/" + future + "/cancel",
			form: form(), want: map[string]int{"other trainee": H}},
		{route: "POST /your-referrals/{reference}/appointments/{id}/rearrange", path: yr + "/appointments/" + future + "/rearrange", form: form(), want: publicRoute(E, F, H)},
		{route: "POST /your-referrals/{reference}/appointments/{id}/summary", path: yr + "/appointments/" + held + "/summary",
			form: form("intent", "draft", "self_awareness", "x"), want: publicRoute(A, F, H)},
		{route: "POST /your-referrals/{reference}/appointments/{id}/share", path: yr + "/appointments/" + held + "/share", form: form("share", "no"), want: publicRoute(A, F, H)},
		{route: "POST /your-referrals/{reference}/withdraw", path: yr + "/withdraw", form: form("share", "no"), want: publicRoute(E, F, H)},
		// The outcome questionnaire: the trainee's own (not open here, so the
		// trainee is sent back to their page); the follow-up link's page is
		// open to anyone holding a link.
		{route: "GET /your-referrals/{reference}/outcomes/{stage}", path: yr + "/outcomes/before", want: publicRoute(303, F, H)},
		{route: "POST /your-referrals/{reference}/outcomes/{stage}", path: yr + "/outcomes/before", form: form("intent", "skip"), want: publicRoute(E, F, H)},
		{route: "POST /outcomes/follow-up", anyone: true},
		{route: "GET /your-referrals/{reference}/contact", path: yr + "/contact", want: publicRoute(ok, F, H)},
		{route: "POST /your-referrals/{reference}/contact", path: yr + "/contact", form: form("email", "t@example.com", "phone", "07700 900123"), want: publicRoute(E, F, H)},
		{route: "POST /contact-details/confirm", anyone: true},

		// Workshops (ws-core): public pages and forms anyone may use; the
		// place pages only for the registrant (404 for anyone else).
		{route: "POST /workshops/confirm", anyone: true}, {route: "POST /workshops/{slug}/register", anyone: true},
		{route: "GET /workshops/{slug}", path: "/workshops/matrix-workshop", want: map[string]int{"anonymous": ok, "trainee": ok, "coordinator": ok}},
		{route: "GET /workshops/{slug}/register", path: "/workshops/matrix-workshop/register", want: map[string]int{"anonymous": ok, "trainee": ok}},
		{route: "GET /workshops/{slug}/check-email", path: "/workshops/matrix-workshop/check-email", want: map[string]int{"anonymous": ok}},
		{route: "GET /workshops/{slug}/your-place", path: wp, want: ownPlace(ok)},
		{route: "GET /workshops/{slug}/your-place/calendar.ics", path: wp + "/calendar.ics", want: ownPlace(ok)},
		{route: "POST /workshops/{slug}/your-place/accept", path: wp + "/accept", form: form(), want: ownPlace(A)},
		{route: "POST /workshops/{slug}/your-place/decline", path: wp + "/decline", form: form(), want: ownPlace(A)},
		{route: "POST /workshops/{slug}/your-place/cancel", path: wp + "/cancel", form: form(), want: ownPlace(A)},
		// After the event (ws-after): only the registrant; here the event is
		// days away, so check-in is not open (409) and feedback and the
		// certificate are not theirs yet (403), changing nothing.
		{route: "GET /workshops/{slug}/your-place/check-in", path: wp + "/check-in", want: ownPlace(ok)},
		{route: "POST /workshops/{slug}/your-place/check-in", path: wp + "/check-in", form: form("code", "ABCD"), want: ownPlace(http.StatusConflict)},
		{route: "GET /workshops/{slug}/your-place/feedback", path: wp + "/feedback", want: ownPlace(http.StatusForbidden)},
		{route: "POST /workshops/{slug}/your-place/feedback", path: wp + "/feedback", form: form("fft", "good"), want: ownPlace(http.StatusForbidden)},
		{route: "GET /workshops/{slug}/your-place/certificate", path: wp + "/certificate", want: ownPlace(http.StatusForbidden)},

		// Staff account and intake.
		{route: "POST /staff/account/password", path: "/staff/account/password", form: form("current", "x"),
			want: map[string]int{"anonymous": S, "trainee": S, "coach A": E}},
		{route: "POST /staff/referrals/new/check", path: "/staff/referrals/new/check", form: form(), want: staffRoute(F, F, F, F, F, E, E)},
		{route: "GET /staff/referrals/new/{page}", path: cmPage, want: staffRoute(F, F, F, F, F, ok, ok)},
		{route: "POST /staff/referrals/new/{page}", path: cmPage, form: form(), want: staffRoute(F, F, F, F, F, E, E)},

		// The staff referral page and what hangs off it.
		{route: "GET /staff/referrals/{reference}", path: sr, want: staffRoute(F, ok, ok, ok, H, ok, H)},
		{route: "GET /staff/referrals/{reference}/form-c", path: sr + "/form-c", want: staffRoute(F, 404, 404, 404, H, 404, H)},
		{route: "GET /staff/referrals/{reference}/summaries", path: sr + "/summaries", want: staffRoute(F, F, F, ok, H, ok, H)},
		{route: "GET /staff/referrals/{reference}/book", path: sr + "/book", want: staffRoute(F, 303, F, F, F, F, F)},
		{route: "POST /staff/referrals", path: "/staff/referrals", form: form("q", "CR-"), want: staffRoute(F, A, A, F, F, F, F)},
		{route: "POST /staff/referrals/{reference}/chase", path: sr + "/chase", form: form(), want: triage},
		{route: "POST /staff/referrals/{reference}/close-unconfirmed", path: sr + "/close-unconfirmed", form: form("reason", "No reply."), want: triage},
		{route: "POST /staff/referrals/{reference}/accept", path: sr + "/accept", form: vform(), want: triage},
		{route: "POST /staff/referrals/{reference}/decline", path: sr + "/decline", form: vform("reason", "x", "message", "y"), want: triage},
		{route: "POST /staff/referrals/{reference}/request-info", path: sr + "/request-info", form: vform("question", "Which region?"), want: triage},
		{route: "POST /staff/referrals/{reference}/eligibility", path: sr + "/eligibility", form: vform("decision", "eligible", "override_reason", "Checked."), want: triage},
		{route: "POST /staff/referrals/{reference}/allocate", path: sr + "/allocate", form: vform("coach", strconvI(coachB.ID), "sessions", "3"), want: triage},
		{route: "POST /staff/referrals/{reference}/reallocate", path: sr + "/reallocate", form: vform("coach", strconvI(coachB.ID)), want: staffRoute(F, E, F, F, F, F, F)},
		{route: "POST /staff/referrals/{reference}/close", path: sr + "/close", form: vform("outcome", "still_deciding", "closing_note", "x"), want: staffRoute(F, E, F, F, F, F, F)},
		{route: "POST /staff/referrals/{reference}/reopen", path: sr + "/reopen", form: vform("reopen_reason", "x"), want: staffRoute(F, F, A, F, F, F, F)},
		{route: "POST /staff/referrals/{reference}/notes", path: sr + "/notes", form: vform("note_body", "A note."), want: staffRoute(F, A, A, A, H, F, F)},
		{route: "POST /staff/referrals/{reference}/funding", path: sr + "/funding", form: vform("funding", "approved", "funding_ref", "F-1"), want: staffRoute(F, F, A, F, F, F, F)},
		{route: "POST /staff/referrals/{reference}/extensions", path: sr + "/extensions", form: vform("ext_sessions", "1", "justification", "More."), want: staffRoute(F, A, F, A, H, F, F)},
		{route: "POST /staff/referrals/{reference}/extensions/{id}", path: sr + "/extensions/" + strconvI(xid), form: vform("decision", "declined", "note", "No."), want: staffRoute(F, F, A, F, F, F, F)},
		// An extension request under another referral's address: 404.
		{route: "POST /staff/referrals/{reference}/extensions/{id}", path: "/staff/referrals/" + other + "/extensions/" + strconvI(xid),
			form: func() url.Values { return urlValues("version", versionOf(other), "decision", "approved") }, want: map[string]int{"lead": H}},
		{route: "POST /staff/referrals/{reference}/book", path: sr + "/book", form: form("slot", slotA), want: staffRoute(F, E, F, F, F, F, F)},

		// Appointments: coordinators for anyone, a coach for their own
		// clients; a PSU lead waives but does not cancel or record.
		{route: "POST /staff/appointments/{id}/cancel", path: "/staff/appointments/" + future + "/cancel", form: form(), want: staffRoute(F, E, F, A, H, F, F)},
		{route: "POST /staff/appointments/{id}/attendance", path: "/staff/appointments/" + started + "/attendance", form: form("attended", "yes"), want: staffRoute(F, E, F, A, H, F, F)},
		{route: "POST /staff/appointments/{id}/waive", path: "/staff/appointments/" + missed + "/waive", form: form("waive-"+missed, "Illness."), want: staffRoute(F, A, E, F, F, F, F)},
		{route: "POST /staff/appointments/{id}/confirm", path: "/staff/appointments/" + held + "/confirm", form: form(), want: staffRoute(F, F, F, A, H, F, F)},

		// Joining details of a session: its own coach only; the unit and
		// other coaches neither (the lead and coordinators have no such
		// form: the session's coach sets how to join).
		{route: "GET /staff/appointments/{id}/joining", path: "/staff/appointments/" + future + "/joining", want: staffRoute(F, F, F, ok, H, F, F)},
		{route: "POST /staff/appointments/{id}/joining", path: "/staff/appointments/" + future + "/joining", form: form("video_link", "https://zoom.us/j/1234567"), want: staffRoute(F, F, F, E, H, F, F)},
		// A coach's own profile: every coach, their own only (no id).
		{route: "POST /staff/coach/profile", path: "/staff/coach/profile", form: form("modes", "telephone", "capacity", "5"), want: staffRoute(F, F, F, E, E, F, F)},

		// The coach's calendar: their own times only.
		{route: "POST /staff/calendar/pattern", path: "/staff/calendar/pattern", form: form(), want: staffRoute(F, F, F, A, A, F, F)},
		{route: "POST /staff/calendar/single", path: "/staff/calendar/single", form: form(), want: staffRoute(F, F, F, A, A, F, F)},
		{route: "POST /staff/calendar/slots/{id}/delete", path: "/staff/calendar/slots/" + slotB + "/delete", form: form(), want: staffRoute(F, F, F, H, A, F, F)},
		{route: "POST /staff/calendar/time-off", path: "/staff/calendar/time-off", form: form(), want: staffRoute(F, F, F, A, A, F, F)},
		{route: "GET /staff/calendar/time-off/{id}", path: offPath, want: staffRoute(F, F, F, H, ok, F, F)},
		{route: "POST /staff/calendar/time-off/{id}/delete", path: offPath + "/delete", form: form(), want: staffRoute(F, F, F, H, E, F, F)},
		{route: "GET /staff/calendar/patterns/{id}", path: patternPath, want: staffRoute(F, F, F, H, ok, F, F)},
		{route: "POST /staff/calendar/patterns/{id}/change", path: patternPath + "/change", form: form(), want: staffRoute(F, F, F, H, A, F, F)},
		{route: "POST /staff/calendar/patterns/{id}/end", path: patternPath + "/end", form: form(), want: staffRoute(F, F, F, H, A, F, F)},
		{route: "POST /staff/calendar/patterns/{id}/remove-free", path: patternPath + "/remove-free", form: form(), want: staffRoute(F, F, F, H, E, F, F)},
		// Each coach's own subscription (the actor's own row: nobody else's to reach).
		{route: "POST /staff/calendar/feed", path: "/staff/calendar/feed", form: form(), want: staffRoute(F, F, F, E, E, F, F)},
		{route: "POST /staff/calendar/feed/revoke", path: "/staff/calendar/feed/revoke", form: form(), want: staffRoute(F, F, F, E, E, F, F)},
		// The subscription itself: public, 404 without its secret token.
		{route: "GET /calendar-feed/{token}.ics", path: "/calendar-feed/" + strings.Repeat("A", 43) + ".ics", want: map[string]int{"anonymous": 404, "coach A": 404, "trainee": 404}},

		// Workshops, the staff side (ws-staff): coordinators and PSU leads
		// only; the changes are exercised by their own tests.
		{route: "POST /staff/workshops/new", path: "/staff/workshops/new", form: form(), want: staffRoute(F, E, E, F, F, F, F)},
		{route: "GET /staff/workshops/{id}", path: wsStaff, want: staffRoute(F, ok, ok, F, F, F, F)},
		{route: "GET /staff/workshops/{id}/edit", path: wsStaff + "/edit", want: staffRoute(F, ok, ok, F, F, F, F)},
		{route: "POST /staff/workshops/{id}/edit", path: wsStaff + "/edit", form: form(), want: staffRoute(F, E, E, F, F, F, F)},
		{route: "GET /staff/workshops/{id}/copy", path: wsStaff + "/copy", want: staffRoute(F, ok, ok, F, F, F, F)},
		{route: "GET /staff/workshops/{id}/cancel", path: wsStaff + "/cancel", want: staffRoute(F, ok, ok, F, F, F, F)},
		{route: "POST /staff/workshops/{id}/cancel", path: wsStaff + "/cancel", form: form(), want: staffRoute(F, E, E, F, F, F, F)},
		{route: "GET /staff/workshops/{id}/message", path: wsStaff + "/message", want: staffRoute(F, ok, ok, F, F, F, F)},
		{route: "POST /staff/workshops/{id}/message", path: wsStaff + "/message", form: form(), want: staffRoute(F, E, E, F, F, F, F)},
		{route: "GET /staff/workshops/{id}/register", path: wsStaff + "/register", want: staffRoute(F, ok, ok, F, F, F, F)},
		{route: "POST /staff/workshops/{id}/register", path: wsStaff + "/register", form: form(), want: staffRoute(F, E, E, F, F, F, F)},
		{route: "GET /staff/workshops/{id}/check-in-code", path: wsStaff + "/check-in-code", want: staffRoute(F, ok, ok, F, F, F, F)},
		{route: "POST /staff/workshops/{id}/registrations/{reg}/offer", path: wsStaff + "/registrations/999999/offer", form: form(), want: staffRoute(F, E, E, F, F, F, F)},
		{route: "POST /staff/workshops/{id}/registrations/{reg}/place", path: wsStaff + "/registrations/999999/place", form: form(), want: staffRoute(F, E, E, F, F, F, F)},
		{route: "POST /staff/workshops/{id}/registrations/{reg}/remove", path: wsStaff + "/registrations/999999/remove", form: form(), want: staffRoute(F, E, E, F, F, F, F)},

		// Reports, messages, administration.
		{route: "GET /staff/reports/{table}.csv", path: "/staff/reports/coach-caseloads.csv", want: staffRoute(F, ok, ok, F, F, F, F)},
		{route: "GET /staff/referrals.csv", path: "/staff/referrals.csv", want: staffRoute(F, ok, F, F, F, F, F)},
		{route: "GET /staff/reports/{table}.csv", path: "/staff/reports/outcomes-comments.csv", want: staffRoute(F, ok, ok, F, F, F, F)},
		{route: "POST /staff/messages/{id}/retry", path: "/staff/messages/999999/retry", form: form(), want: staffRoute(F, 404, F, F, F, F, F)},
		{route: "GET /staff/admin/users/{id}", path: "/staff/admin/users/" + strconvI(coachB.ID), want: staffRoute(ok, F, F, F, F, F, F)},
		{route: "POST /staff/admin/users/new", path: "/staff/admin/users/new", form: form("email", "new@example.nhs.uk", "name", "New", "roles", "coach"), want: staffRoute(E, F, F, F, F, F, F)},
	}
	for _, act := range []string{"roles", "deactivate", "reactivate", "reset-second-factor", "invite", "coach-profile"} {
		matrix = append(matrix, mxRow{route: "POST /staff/admin/users/{id}/" + act, path: "/staff/admin/users/" + strconvI(coachB.ID) + "/" + act,
			form: form("roles", "coordinator"), want: staffRoute(E, F, F, F, F, F, F)})
	}
	for _, p := range []string{"/staff/admin/audit", "/staff/admin/data-requests", "/staff/admin/retention/hold", "/staff/admin/retention/lift"} {
		matrix = append(matrix, mxRow{route: "POST " + p, path: p, form: form("reference", owned, "reason", "x"), want: staffRoute(E, F, F, F, F, F, F)})
	}
	for _, p := range []string{"/dev/mailbox/{id}", "/dev/mailbox/{id}/html", "/dev/mailbox/{id}/raw"} {
		matrix = append(matrix, mxRow{route: "GET " + p, path: strings.ReplaceAll(p, "{id}", "999999"), want: map[string]int{"anonymous": 404}})
	}
	matrix = append(matrix, mxRow{route: "GET /dev/mailbox/{id}/attachments/{n}", path: "/dev/mailbox/999999/attachments/0", want: map[string]int{"anonymous": 404}})

	// Every POST route, and every GET route with a parameter, has a row.
	rows := map[string]bool{}
	for _, row := range matrix {
		rows[row.route] = true
	}
	rules := ts.srv.Rules()
	router := ts.srv.Handler().(chi.Routes)
	walked := map[string]bool{}
	chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + route
		walked[key] = true
		if (method == "POST" || strings.Contains(route, "{")) && !rows[key] {
			t.Errorf("%s has no row in the access matrix: decide who may use it (role and ownership) and add one", key)
		}
		return nil
	})
	for key := range rows {
		if !walked[key] {
			t.Errorf("the matrix has a row for %s, which is not a route", key)
		}
	}

	// snapshot is everything a request could change that matters: a
	// refused request must leave it exactly as it was (audit rows and
	// sessions aside).
	// Notifications are compared by which exist (their delivery state moves
	// on in the background).
	tables := []string{"referrals", "appointments", "allowance_events", "extension_requests", "referral_notes", "info_requests",
		"availability_slots", "summaries", "referral_events", "staff_users", "coach_profiles", "referral_drafts",
		"documents", "destruction_register", "auth_tokens", "coach_time_off", "availability_patterns", "calendar_feeds", "outcome_answers", "outcome_followups",
		"workshops", "workshop_registrations", "workshop_place_links", "workshop_feedback"}
	ts.mail.settle(t)
	snapshot := func() string {
		var b strings.Builder
		for _, tb := range append(tables, "notifications") {
			row := "t::text"
			if tb == "notifications" {
				row = "t.id::text"
			}
			var h string
			if err := ts.pool.QueryRow(ctx, `SELECT coalesce(md5(string_agg(`+row+`, '|' ORDER BY `+row+`)), '') FROM `+tb+` t`).Scan(&h); err != nil {
				t.Fatalf("snapshot %s: %v", tb, err)
			}
			b.WriteString(tb + "=" + h + " ")
		}
		return b.String()
	}
	send := func(b *browser, row mxRow) page {
		method, _, _ := strings.Cut(row.route, " ")
		if method == "GET" {
			return b.Get(t, row.path)
		}
		return b.Post(t, row.path, row.form())
	}

	// Refusals (and reads) first: each refused POST changes nothing.
	for _, row := range matrix {
		if row.anyone {
			if rules[row.route] != policy.Anyone.Name {
				t.Errorf("%s: rule %q, but the matrix says anyone may use it", row.route, rules[row.route])
			}
			continue
		}
		for actor, want := range row.want {
			if want == mxAllow || want == mxElsewise {
				continue
			}
			b := actors[actor]
			if b == nil {
				t.Fatalf("no actor %q", actor)
			}
			before := snapshot()
			p := send(b, row)
			where := actor + " " + row.route + " (" + row.path + ")"
			switch want {
			case mxSignIn:
				if p.Status != http.StatusSeeOther || (p.Location != "/sign-in" && p.Location != "/staff/sign-in") {
					t.Errorf("%s: %d to %q, want sent to sign in", where, p.Status, p.Location)
				}
			case mxForbid:
				home := `href="/staff"`
				if slices.Contains(publicNames, actor) {
					home = `href="/your-referrals"`
				}
				if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "You do not have access to this page") || !strings.Contains(p.Body, home) ||
					strings.Contains(p.Body, "did not come from a page of this service") {
					t.Errorf("%s: %d, want 403 saying the account has no access, with a link home", where, p.Status)
				}
			case mxHidden:
				if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "Page not found") {
					t.Errorf("%s: %d, want 404 as for no such record", where, p.Status)
				}
			default:
				if p.Status != want {
					t.Errorf("%s: %d, want %d", where, p.Status, want)
				}
			}
			if after := snapshot(); after != before {
				t.Errorf("%s: answered %d but changed the database", where, p.Status)
			}
		}
	}
	// Then the allowed: not refused (whatever the action then says).
	for _, row := range matrix {
		for actor, want := range row.want {
			if want != mxAllow {
				continue
			}
			p := send(actors[actor], row)
			if p.Status == http.StatusForbidden || p.Status == http.StatusNotFound || p.Status >= 500 ||
				p.Location == "/sign-in" || p.Location == "/staff/sign-in" {
				t.Errorf("%s %s (%s): allowed, but answered %d to %q", actor, row.route, row.path, p.Status, p.Location)
			}
		}
	}
}

// The two refusals say what they are: a form from another website is the
// CSRF refusal; a signed-in person without access is told their account
// does not have access, with a link to their home.
func TestRefusalPagesSayWhatTheyAre(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	_, body := ts.Do(t, "POST", "/sign-in", strings.NewReader("email=a@example.com"), map[string]string{
		"Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"})
	if !strings.Contains(body, "did not come from a page of this service") || strings.Contains(body, "You do not have access") {
		t.Error("the CSRF refusal does not say the request came from elsewhere")
	}
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	p := c.Get(t, "/staff/admin/users")
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Your account does not have access to this page") ||
		!strings.Contains(p.Body, `href="/staff"`) || strings.Contains(p.Body, "did not come from a page of this service") {
		t.Errorf("a role refusal: %d, does not say the account has no access with a link home", p.Status)
	}
}

// A page shows a link or button only to those who may follow it: the
// referral page's Summaries link, booking link and session buttons follow
// the same table as the routes.
func TestReferralPageOffersOnlyWhatTheRoutesAllow(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	ts.MustReferral(t, "CR-LINK-2345", "link@example.com", "", cm.ID, coach.ID)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active' WHERE reference = 'CR-LINK-2345' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AddAllowance(ctx, id, "granted", 3, 0, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	var slot int64
	ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
		coach.ID, start, start.Add(time.Hour)).Scan(&slot)
	ts.pool.Exec(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, booked_by) VALUES ($1, $2, $3, $4, $5, 'virtual', 'trainee')`,
		id, slot, coach.ID, start, start.Add(time.Hour))
	links := []string{"/summaries", "/book", "/cancel"}
	for email, want := range map[string][]bool{
		"coord@example.nhs.uk": {false, true, true},
		"lead@example.nhs.uk":  {false, false, false},
		coach.Email:            {true, false, true},
		cm.Email:               {true, false, false},
	} {
		b := ts.NewBrowser(t)
		b.SignInStaff(t, email, "")
		page := b.Get(t, "/staff/referrals/CR-LINK-2345")
		for i, l := range links {
			if got := strings.Contains(page.Body, l+`"`); got != want[i] {
				t.Errorf("%s: shows %s: %v, want %v", email, l, got, want[i])
			}
		}
	}
}
