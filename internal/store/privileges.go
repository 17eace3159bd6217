package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The service runs as a role that can only read and write rows; the schema
// belongs to another role (the owner), which runs the migrations. After
// every migration run, GrantService gives the service role exactly what it
// needs on every table in the schema, including tables that later
// migrations and River add: nothing has to remember to grant.
//
// serviceTablePrivileges is the default; narrowerPrivileges lists the
// tables where the service gets less. Append-only records stay append-only
// because the service cannot change them, and the triggers refuse it even
// to the owner.
const serviceTablePrivileges = "SELECT, INSERT, UPDATE, DELETE"

var narrowerPrivileges = map[string]string{
	"audit_log":            "SELECT, INSERT", // append-only (migration 00002)
	"destruction_register": "SELECT, INSERT", // append-only (migration 00010)
	"goose_db_version":     "SELECT",         // readiness reads it; only migrations write it
	"river_migration":      "SELECT",         // the same, for River's schema
}

// GrantsVersion changes whenever GrantService grants something different,
// so a test-database template built with it is rebuilt.
func GrantsVersion() string {
	var b strings.Builder
	b.WriteString("grants-v1:" + serviceTablePrivileges)
	for _, t := range []string{"audit_log", "destruction_register", "goose_db_version", "river_migration"} {
		b.WriteString(";" + t + "=" + narrowerPrivileges[t])
	}
	return b.String()
}

// grantLockID serialises GrantService between instances migrating at once
// (concurrent GRANTs on one table fail with "tuple concurrently updated").
const grantLockID int64 = 0x6361726565727367 // "careersg"

// GrantService gives role (the service's login role, DATABASE_URL's user)
// its privileges on the current schema, connected through owner as the
// schema's owner. It first takes away whatever the role had on the
// schema's tables and sequences, so the result is exactly: USAGE on the
// schema (never CREATE), serviceTablePrivileges on every table except
// those in narrowerPrivileges, and USAGE on every sequence (nextval for
// serial ids). It is idempotent and runs in one transaction. Functions keep
// PostgreSQL's default (EXECUTE for everyone).
func GrantService(ctx context.Context, owner *pgxpool.Pool, role string) error {
	if role == "" {
		return errors.New("grant: no service role")
	}
	r := pgx.Identifier{role}.Sanitize()
	err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, grantLockID); err != nil {
			return err
		}
		var schema, me string
		if err := tx.QueryRow(ctx, `SELECT current_schema(), current_user`).Scan(&schema, &me); err != nil {
			return err
		}
		if me == role {
			return fmt.Errorf("the service role %q is the role that migrates: give the service its own role (docs/operations.md)", role)
		}
		s := pgx.Identifier{schema}.Sanitize()
		stmts := []string{
			`REVOKE ALL ON SCHEMA ` + s + ` FROM ` + r,
			`GRANT USAGE ON SCHEMA ` + s + ` TO ` + r,
			`REVOKE ALL ON ALL TABLES IN SCHEMA ` + s + ` FROM ` + r,
			`GRANT ` + serviceTablePrivileges + ` ON ALL TABLES IN SCHEMA ` + s + ` TO ` + r,
			`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ` + s + ` FROM ` + r,
			`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ` + s + ` TO ` + r,
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		for table, privs := range narrowerPrivileges {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT to_regclass(quote_ident($1) || '.' || quote_ident($2)) IS NOT NULL`, schema, table).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				continue
			}
			t := pgx.Identifier{schema, table}.Sanitize()
			if _, err := tx.Exec(ctx, `REVOKE ALL ON `+t+` FROM `+r); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `GRANT `+privs+` ON `+t+` TO `+r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("grant the service role its privileges: %w", err)
	}
	return nil
}

// CurrentRole is the role a pool's connections run as.
func CurrentRole(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var role string
	if err := pool.QueryRow(ctx, `SELECT current_user`).Scan(&role); err != nil {
		return "", fmt.Errorf("current role: %w", err)
	}
	return role, nil
}

// CheckLeastPrivilege reports, as one error naming DATABASE_URL, what the
// service's own role can do beyond rows: be a superuser, create objects in
// the schema, own any of its tables (an owner may alter or drop them, and
// the audit log's triggers with them), or change or remove audit rows or
// the destruction register. nil means the role is restricted as
// docs/operations.md describes. Production refuses to start otherwise.
func (s *Store) CheckLeastPrivilege(ctx context.Context) error {
	var (
		role                                   string
		super, create, owns, auditW, registerW bool
	)
	err := s.pool.QueryRow(ctx, `
		SELECT current_user,
		       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
		       has_schema_privilege(current_schema(), 'CREATE'),
		       EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		               WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND pg_has_role(c.relowner, 'USAGE')),
		       coalesce(has_table_privilege(to_regclass('audit_log'), 'UPDATE')
		             OR has_table_privilege(to_regclass('audit_log'), 'DELETE')
		             OR has_table_privilege(to_regclass('audit_log'), 'TRUNCATE'), false),
		       coalesce(has_table_privilege(to_regclass('destruction_register'), 'UPDATE')
		             OR has_table_privilege(to_regclass('destruction_register'), 'DELETE')
		             OR has_table_privilege(to_regclass('destruction_register'), 'TRUNCATE'), false)`).
		Scan(&role, &super, &create, &owns, &auditW, &registerW)
	if err != nil {
		return fmt.Errorf("check the service role's privileges: %w", err)
	}
	var too []string
	if super {
		too = append(too, "is a superuser")
	}
	if create {
		too = append(too, "may create tables in the schema")
	}
	if owns {
		too = append(too, "owns tables (and so may alter or drop them)")
	}
	if auditW {
		too = append(too, "may change or delete audit log rows")
	}
	if registerW {
		too = append(too, "may change or delete the destruction register")
	}
	if len(too) == 0 {
		return nil
	}
	return fmt.Errorf("DATABASE_URL: the role %q %s; connect the service as its restricted role and migrate with MIGRATE_DATABASE_URL (docs/operations.md, \"Database roles\")",
		role, strings.Join(too, ", "))
}
