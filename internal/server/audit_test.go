package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"careers/internal/policy"
	"careers/internal/testdb"
)

// Sign-ins, failures and changes leave audit rows with who, what, where.
func TestAuditRowsAreWritten(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	b := ts.NewBrowser(t)
	b.Post(t, "/staff/sign-in", url.Values{"email": {"admin@example.nhs.uk"}, "password": {"wrong password"}})
	b.SignInStaff(t, "admin@example.nhs.uk", "")
	b.Post(t, "/staff/admin/users/new", url.Values{"name": {"Kai"}, "email": {"kai@example.nhs.uk"}, "roles": {"coach"}})

	type row struct{ kind, action, outcome, email, ip, reqID string }
	rows, err := ts.pool.Query(context.Background(), `SELECT actor_kind, action, outcome, coalesce(actor_email, ''), coalesce(host(client_ip), ''), request_id FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.kind, &r.action, &r.outcome, &r.email, &r.ip, &r.reqID); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := []struct{ action, outcome string }{
		{"sign_in_failed", "failure"}, {"second_factor_enrolled", "success"}, {"sign_in", "success"},
		{"create", "success"}, {"link_sent", "success"},
	}
	i := 0
	for _, r := range got {
		if i < len(want) && r.action == want[i].action && r.outcome == want[i].outcome {
			if r.ip != "127.0.0.1" || r.reqID == "" {
				t.Errorf("%s: client %q, request ID %q", r.action, r.ip, r.reqID)
			}
			i++
		}
	}
	if i != len(want) {
		t.Errorf("audit rows %v, missing %v onwards", got, want[i:])
	}
	if got[0].email != "admin@example.nhs.uk" {
		t.Errorf("a failed sign-in does not record the address tried: %+v", got[0])
	}

	// The admin can search it, by person.
	b.Post(t, "/staff/admin/audit", url.Values{"person": {"admin@example.nhs.uk"}})
	p := b.Get(t, "/staff/admin/audit")
	if p.Status != 200 || !strings.Contains(p.Body, "sign in failed") || !strings.Contains(p.Body, "second factor enrolled") {
		t.Errorf("audit search: %d", p.Status)
	}
}

// The application cannot change or remove audit rows: the database refuses
// twice over. The service's role has no UPDATE, DELETE or TRUNCATE on the
// table at all (permission denied), and even the schema's owner, which has,
// is stopped by the append-only triggers.
func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ts := MustServer(t, testdb.MustPool(t, db.URL), nil, nil)
	owner := testdb.MustPool(t, db.OwnerURL)
	ctx := context.Background()
	if _, err := ts.pool.Exec(ctx, `INSERT INTO audit_log (actor_kind, action, outcome) VALUES ('system', 'test', 'success')`); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE audit_log SET action = 'tampered'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		if _, err := ts.pool.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("service role: %s: err = %v, want permission denied", sql, err)
		}
		if _, err := owner.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("owner: %s: err = %v, want the append-only trigger to refuse", sql, err)
		}
	}
	var n int
	ts.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'test'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d rows after the attempts", n)
	}
}

// Audit pages go back in time with a keyset cursor, and the filters (which
// can hold an email address) never appear in a URL.
func TestAuditPagination(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	ctx := context.Background()
	// 120 rows, many with the same time, so ties must be broken by id.
	if _, err := ts.pool.Exec(ctx, `INSERT INTO audit_log (at, actor_kind, action, record_type, record_id, outcome)
		SELECT now() - (g / 10) * interval '1 minute', 'system', 'bulk', 'referral', 'R' || g, 'success' FROM generate_series(1, 120) g`); err != nil {
		t.Fatal(err)
	}
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "admin@example.nhs.uk", "")
	b.Post(t, "/staff/admin/audit", url.Values{"record_type": {"referral"}})
	seen := map[string]bool{}
	path := "/staff/admin/audit"
	for pages := 0; path != "" && pages < 10; pages++ {
		p := b.Get(t, path)
		if strings.Contains(path, "@") {
			t.Errorf("personal data in a URL: %s", path)
		}
		for _, f := range strings.Split(p.Body, "referral R")[1:] {
			id := "R" + f[:strings.IndexAny(f, "<\n ")]
			if seen[id] {
				t.Errorf("%s shown twice", id)
			}
			seen[id] = true
		}
		path = ""
		if i := strings.Index(p.Body, `href="/staff/admin/audit?before=`); i >= 0 {
			rest := p.Body[i+len(`href="`):]
			path = strings.ReplaceAll(rest[:strings.Index(rest, `"`)], "&amp;", "&")
		}
	}
	if len(seen) != 120 {
		t.Errorf("paged through %d of 120 rows", len(seen))
	}
}
