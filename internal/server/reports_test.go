package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"careers/internal/policy"
	"careers/internal/store"
)

const reportPeriod = "from=2025-04-01&to=2025-06-30"

// mustReportData adds a small dataset in April to June 2025 (London): six
// self-referrals (five answered in 3 days, one never), two supervisor
// referrals from a region whose stored value is a formula, not yet
// confirmed, and a coach with a hostile name holding two of the referrals
// against a capacity of 4.
func mustReportData(t *testing.T, ts *testServer) {
	t.Helper()
	ctx := context.Background()
	coach := ts.MustStaff(t, "hostile.coach@example.nhs.uk", policy.Coach)
	if _, err := ts.pool.Exec(ctx, `UPDATE staff_users SET name = '=HYPERLINK("http://evil.example","x")' WHERE id = $1`, coach.ID); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.SaveCoachProfile(ctx, store.CoachProfile{UserID: coach.ID, Modes: []string{"virtual"}, Capacity: 4}); err != nil {
		t.Fatal(err)
	}
	add := func(ref, route, status, region string, submitted time.Time, responded *time.Time, coachID int64) {
		t.Helper()
		if _, err := ts.pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, region,
				professional_group, answers, submitted_at, first_response_at, coach_id)
			VALUES ($1, $2, $3, 'Report Trainee', 'rt@example.com', $4, 'doctor', '{"reasons":["uncertain_direction"]}', $5, $6, nullif($7, 0))`,
			ref, route, status, region, submitted, responded, coachID); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Date(2025, 4, 10, 10, 0, 0, 0, time.UTC)
	for i := range 6 {
		submitted := base.AddDate(0, 0, i)
		var responded *time.Time
		if i < 5 {
			r := submitted.AddDate(0, 0, 3)
			responded = &r
		}
		var c int64
		status := "new"
		if i < 2 {
			c, status = coach.ID, "allocated"
		}
		add("CR-REPT-000"+string(rune('1'+i)), "self", status, "london", submitted, responded, c)
	}
	add("CR-REPT-0007", "supervisor", "awaiting_trainee", "=1+2", base, nil, 0)
	add("CR-REPT-0008", "supervisor", "awaiting_trainee", "=1+2", base, nil, 0)
}

// csvRows downloads a report table and parses it.
func csvRows(t *testing.T, b *browser, table string) ([][]string, page) {
	t.Helper()
	p := b.Get(t, "/staff/reports/"+table+".csv?"+reportPeriod)
	if p.Status != http.StatusOK {
		t.Fatalf("%s.csv: %d\n%.500s", table, p.Status, p.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
	if err != nil {
		t.Fatalf("%s.csv does not parse: %v\n%s", table, err, p.Body)
	}
	return rows, p
}

// row finds the row whose first cell is label.
func row(rows [][]string, label string) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == label {
			return r
		}
	}
	return nil
}

// The page and every download show the same figures, with counts of 1 to
// 4 withheld and a formula in the data neutralised in the CSV.
func TestReportsFiguresSmallNumbersAndCSV(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	mustReportData(t, ts)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")

	p := b.Get(t, "/staff/reports?"+reportPeriod)
	if p.Status != http.StatusOK {
		t.Fatalf("reports page: %d\n%.800s", p.Status, p.Body)
	}
	for _, want := range []string{
		"Figures for 1 April 2025 to 30 June 2025",
		`<svg`, `role="img"`, `aria-labelledby="chart-received-by-route-title chart-received-by-route-desc"`,
		`<title id="chart-received-by-route-title">`,
		// The chart's description: one small count in a breakdown that adds
		// up to the total, so the next smallest is withheld with it.
		"Self-referral: not shown (to protect a small number); Supervisor referral: fewer than 5; Case Manager referral: 0.",
		// 5 of 6 answered within 14 days: a service figure, shown exactly.
		"83%",
		"These are exact numbers: they measure the unit",
		"3 days", // the median
		"fewer than 5",
		"Small numbers are not shown",
		"These are exact numbers",
		`=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)`, // shown as text, escaped
		`href="/staff/reports/coach-caseloads.csv?from=2025-04-01&amp;to=2025-06-30"`,
		`href="/staff/reports"`, // in the navigation
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	// The page says which tables the small-number rule applies to, and
	// which it does not (issue 14).
	flat := strings.Join(strings.Fields(p.Body), " ")
	for _, want := range []string{
		"In the referrals received (by route, region, professional group and reason), the sessions and the outcomes, a count from 1 to 4 shows as",
		"The figures on responding within 14 days and waiting for a first session measure the unit",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	// In the breakdowns (not the service figures or the caseloads, exact
	// by design), the two supervisor referrals show only as "fewer than
	// 5", and draw no bar.
	received, rest, _ := strings.Cut(p.Body, `id="response"`)
	_, rest, _ = strings.Cut(rest, `id="sessions"`)
	rest, _, _ = strings.Cut(rest, `id="caseloads"`)
	figures := received + rest
	if !strings.Contains(figures, "Supervisor referral") {
		t.Fatal("the page's sections are not where the test looks for them")
	}
	for _, small := range []string{">1<", ">2<"} {
		if strings.Contains(figures, small) {
			t.Errorf("a small count (%s) is shown on the page", small)
		}
	}
	// Self-referrals and London are withheld to protect the small count
	// beside each (the total would give it away): no bar for them either.
	if n := strings.Count(figures, "<rect "); n != 2 {
		t.Errorf("%d bars drawn, want 2: doctors and the one reason", n)
	}

	rows, dl := csvRows(t, b, "received-by-route")
	if got := dl.Header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got, want := dl.Header.Get("Content-Disposition"), "attachment; filename=careers-received-by-route-2025-04-01-to-2025-06-30.csv"; got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	if got := dl.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	want := [][]string{{"Route", "Referrals"}, {"Self-referral", "not shown (to protect a small number)"}, {"Supervisor referral", "fewer than 5"},
		{"Case Manager referral", "0"}, {"All referrals received", "not shown (to protect a small number)"}}
	if strings.Join(flatten(rows), "|") != strings.Join(flatten(want), "|") {
		t.Errorf("by route: %q, want %q", rows, want)
	}

	rows, _ = csvRows(t, b, "received-by-region")
	if r := row(rows, "London"); r == nil || r[1] != "not shown (to protect a small number)" {
		t.Errorf("London: %q", r)
	}
	if r := row(rows, "'=1+2"); r == nil || r[1] != "fewer than 5" {
		t.Errorf("the hostile region is not neutralised and withheld: %q", rows)
	}

	rows, _ = csvRows(t, b, "response-times")
	for label, want := range map[string]string{
		// The unit's own service figures are exact, small or not: 5 on
		// time and 1 late (the small-number rule protects people in the
		// breakdowns by their characteristics, not the unit's performance).
		"Referrals whose response clock started in the period and whose response was due or made": "6",
		"Answered by the due day":                                     "5",
		"Answered after the due day, or not yet answered and overdue": "1",
		"Share answered within 14 days":                               "83%",
		"Median days from the clock starting to the first response":   "3 days",
	} {
		if r := row(rows, label); r == nil || r[1] != want {
			t.Errorf("response times %q: %q, want %q", label, r, want)
		}
	}
	rows, _ = csvRows(t, b, "wait-for-first-session")
	if r := row(rows, "Median days from allocation to the first session"); r == nil || r[1] != "none to count" {
		t.Errorf("waits: %q", rows)
	}

	rows, _ = csvRows(t, b, "coach-caseloads")
	if r := row(rows, `'=HYPERLINK("http://evil.example","x")`); r == nil || strings.Join(r[1:], ",") != "2,4,2" {
		t.Errorf("caseloads (exact, name neutralised): %q", rows)
	}
	for _, r := range rows {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("a cell a spreadsheet would run: %q", c)
			}
		}
	}

	// Unknown tables are missing pages; bad dates re-show the form.
	if p := b.Get(t, "/staff/reports/everything.csv?"+reportPeriod); p.Status != http.StatusNotFound {
		t.Errorf("unknown table: %d", p.Status)
	}
	if p := b.Get(t, "/staff/reports/received-by-route.csv?from=2025-13-01&to=2025-06-30"); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("download with a bad date: %d", p.Status)
	}

	// Every view and download is audited, with the period and nothing about anyone.
	var views, downloads int
	var personal bool
	if err := ts.pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE action = 'view'),
			count(*) FILTER (WHERE action = 'download' AND record_id = 'coach-caseloads'),
			coalesce(bool_or(detail LIKE '%@%' OR detail LIKE '%Trainee%' OR detail LIKE '%HYPERLINK%'), false)
		FROM audit_log WHERE record_type = 'report'`).Scan(&views, &downloads, &personal); err != nil {
		t.Fatal(err)
	}
	if views != 2 || downloads != 1 || personal {
		t.Errorf("audit: %d views (want 2), %d caseload downloads (want 1), personal data %v", views, downloads, personal)
	}
	var detail string
	if err := ts.pool.QueryRow(context.Background(), `SELECT detail FROM audit_log WHERE record_type = 'report' AND action = 'download' ORDER BY id LIMIT 1`).Scan(&detail); err != nil {
		t.Fatal(err)
	}
	if detail != "period 2025-04-01 to 2025-06-30" {
		t.Errorf("download audit detail %q", detail)
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}

// The period form: the last full quarter by default, bad dates re-shown
// with an error summary and the values kept.
func TestReportsPeriodForm(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "lead@example.nhs.uk", "")

	p := b.Get(t, "/staff/reports")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Figures for ") {
		t.Fatalf("default period: %d\n%.500s", p.Status, p.Body)
	}
	// The default is the last full quarter, and its quick link is marked.
	if !strings.Contains(p.Body, `aria-current="page">Last full quarter`) {
		t.Error("the default period is not the last full quarter")
	}
	for _, link := range []string{"This quarter so far", "Last 12 months"} {
		if !strings.Contains(p.Body, link) {
			t.Errorf("no quick link %q", link)
		}
	}
	if home := b.Get(t, "/staff/lead"); !strings.Contains(home.Body, `href="/staff/reports"`) {
		t.Error("the lead's home does not link to the reports")
	}

	for _, c := range []struct {
		query string
		errs  []string
	}{
		{"from=2025-13-01&to=not+a+date", []string{"Enter the first day as year-month-day", "Enter the last day as year-month-day"}},
		{"from=2025-06-30&to=2025-04-01", []string{"The last day must be the same as or after the first day"}},
		{"from=&to=2025-04-01", []string{"Enter the first day of the period"}},
		{"from=2015-01-01&to=2025-04-01", []string{"Choose a period of 5 years or less"}},
	} {
		p := b.Get(t, "/staff/reports?"+c.query)
		if p.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", c.query, p.Status)
		}
		summary := errorSummary(p.Body)
		for _, e := range c.errs {
			if !strings.Contains(summary, e) {
				t.Errorf("%s: error summary %q lacks %q", c.query, summary, e)
			}
		}
		if strings.Contains(p.Body, "Figures for") || !strings.Contains(p.Body, "<title>Error: ") {
			t.Errorf("%s: figures shown, or no error title", c.query)
		}
	}
	if p := b.Get(t, "/staff/reports?from=2025-13-01&to=not+a+date"); !strings.Contains(p.Body, `value="2025-13-01"`) || !strings.Contains(p.Body, `value="not a date"`) {
		t.Error("the values typed are not kept")
	}
}

// Only coordinators and PSU leads see the reports.
func TestReportsAccess(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	people := map[string]policy.Role{
		"coord@example.nhs.uk": policy.Coordinator, "lead@example.nhs.uk": policy.Lead, "coach@example.nhs.uk": policy.Coach,
		"cm@example.nhs.uk": policy.CaseManager, "admin@example.nhs.uk": policy.Admin,
	}
	for email, role := range people {
		ts.MustStaff(t, email, role)
	}
	paths := []string{"/staff/reports?" + reportPeriod, "/staff/reports/coach-caseloads.csv?" + reportPeriod}
	for _, path := range paths {
		if p := ts.NewBrowser(t).Get(t, path); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/staff/sign-in") {
			t.Errorf("anonymous %s: %d to %q", path, p.Status, p.Location)
		}
	}
	for email, role := range people {
		b := ts.NewBrowser(t)
		b.SignInStaff(t, email, "")
		for _, path := range paths {
			want := http.StatusForbidden
			if role == policy.Coordinator || role == policy.Lead {
				want = http.StatusOK
			}
			p := b.Get(t, path)
			if p.Status != want {
				t.Errorf("%s %s: %d, want %d", role, path, p.Status, want)
			}
			if want == http.StatusForbidden && strings.Contains(p.Body, "Small numbers") {
				t.Errorf("%s %s: the refusal shows the report", role, path)
			}
		}
		hasNav := strings.Contains(b.Get(t, "/staff/account").Body, `href="/staff/reports"`)
		if want := role == policy.Coordinator || role == policy.Lead; hasNav != want {
			t.Errorf("%s: Reports in the navigation %v, want %v", role, hasNav, want)
		}
	}
}
