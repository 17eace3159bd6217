package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"careers/internal/store"
	"careers/internal/testdb"
)

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// The service's role reads and writes rows and nothing more: it cannot
// change or remove audit rows or the destruction register, create, alter
// or drop tables, or write the migrations' bookkeeping; PostgreSQL refuses
// it for want of privilege (42501), before any trigger runs. The schema's
// owner is not so restricted.
func TestServiceRoleIsRestricted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	service, owner := testdb.NewPools(t)

	if role, err := store.CurrentRole(ctx, service); err != nil || role != testdb.ServiceRole {
		t.Fatalf("the service pool runs as %q (%v), want %q", role, err, testdb.ServiceRole)
	}
	// What it needs: audit rows in, audit rows out, rows of its tables.
	for _, sql := range []string{
		`INSERT INTO audit_log (actor_kind, action, outcome) VALUES ('system', 'test', 'success')`,
		`SELECT count(*) FROM audit_log`,
		`INSERT INTO referrals (reference, route, status, trainee_name, trainee_email) VALUES ('CR-PRIV', 'self', 'new', 'A', 'a@example.org')`,
		`UPDATE referrals SET trainee_name = 'B' WHERE reference = 'CR-PRIV'`,
		`DELETE FROM referrals WHERE reference = 'CR-PRIV'`,
		`SELECT count(*) FROM goose_db_version`,
		`SELECT count(*) FROM river_job`,
		`SELECT count(*) FROM river_migration`,
	} {
		if _, err := service.Exec(ctx, sql); err != nil {
			t.Errorf("service role: %s: %v", sql, err)
		}
	}
	for _, sql := range []string{
		`UPDATE audit_log SET action = 'tampered'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`UPDATE destruction_register SET reference = 'CR-OTHER'`,
		`DELETE FROM destruction_register`,
		`TRUNCATE destruction_register`,
		`CREATE TABLE smuggled (id int)`,
		`CREATE VIEW smuggled AS SELECT 1`,
		`CREATE FUNCTION smuggled() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
		`ALTER TABLE referrals ADD COLUMN smuggled text`,
		`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete`,
		`DROP TRIGGER audit_log_no_update_delete ON audit_log`,
		`DROP TABLE referrals`,
		`TRUNCATE referrals CASCADE`,
		`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`,
		`DELETE FROM goose_db_version`,
		`DELETE FROM river_migration`,
	} {
		if _, err := service.Exec(ctx, sql); sqlState(err) != "42501" {
			t.Errorf("service role: %s: err = %v, want permission denied (42501)", sql, err)
		}
	}
	// The owner may do what the service may not (it migrates); the audit
	// log's triggers still refuse it a change.
	if _, err := owner.Exec(ctx, `CREATE TABLE owner_only (id int)`); err != nil {
		t.Errorf("owner: CREATE TABLE: %v", err)
	}
	if _, err := owner.Exec(ctx, `DELETE FROM audit_log`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("owner: DELETE FROM audit_log: err = %v, want the append-only trigger", err)
	}

	// The start-up check passes the service's role and names what the
	// owner could do.
	if err := store.New(service).CheckLeastPrivilege(ctx); err != nil {
		t.Errorf("CheckLeastPrivilege(service role) = %v", err)
	}
	err := store.New(owner).CheckLeastPrivilege(ctx)
	if err == nil {
		t.Fatal("CheckLeastPrivilege accepted the schema's owner as the service's role")
	}
	for _, want := range []string{"DATABASE_URL: ", testdb.OwnerRole, "create tables", "owns tables", "audit log"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("CheckLeastPrivilege(owner) = %q, want it to say %q", err, want)
		}
	}
}

// The grants follow the schema: a table a later migration adds is usable
// by the service after the next migration run without anyone granting it,
// the audit log stays insert-only, and a privilege granted by hand beyond
// the list is taken back.
func TestGrantsFollowNewTablesAndStayExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	service, owner := testdb.NewPools(t)
	for _, sql := range []string{
		`CREATE TABLE later_feature (id bigserial PRIMARY KEY, note text)`,
		`GRANT TRUNCATE, UPDATE, DELETE ON audit_log TO ` + testdb.ServiceRole,
		`GRANT CREATE ON SCHEMA public TO ` + testdb.ServiceRole,
	} {
		if _, err := owner.Exec(ctx, sql); err != nil {
			t.Fatalf("owner: %s: %v", sql, err)
		}
	}
	if _, err := service.Exec(ctx, `INSERT INTO later_feature (note) VALUES ('x')`); sqlState(err) != "42501" {
		t.Fatalf("before the grants: err = %v, want permission denied", err)
	}
	if err := store.New(service).CheckLeastPrivilege(ctx); err == nil {
		t.Error("CheckLeastPrivilege missed the hand-made grants")
	}

	if err := store.GrantService(ctx, owner, testdb.ServiceRole); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO later_feature (note) VALUES ('x')`,
		`UPDATE later_feature SET note = 'y'`,
		`SELECT count(*) FROM later_feature`,
		`DELETE FROM later_feature`,
	} {
		if _, err := service.Exec(ctx, sql); err != nil {
			t.Errorf("after the grants: %s: %v", sql, err)
		}
	}
	for _, sql := range []string{`TRUNCATE audit_log`, `DELETE FROM audit_log`, `CREATE TABLE smuggled (id int)`, `TRUNCATE later_feature`} {
		if _, err := service.Exec(ctx, sql); sqlState(err) != "42501" {
			t.Errorf("after the grants: %s: err = %v, want permission denied", sql, err)
		}
	}
	if err := store.New(service).CheckLeastPrivilege(ctx); err != nil {
		t.Errorf("CheckLeastPrivilege after the grants = %v", err)
	}
	// Granting to the role that migrates is refused: the service must have
	// a role of its own.
	if err := store.GrantService(ctx, owner, testdb.OwnerRole); err == nil || !strings.Contains(err.Error(), "its own role") {
		t.Errorf("GrantService(owner itself) = %v", err)
	}
}
