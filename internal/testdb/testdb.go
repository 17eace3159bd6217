// Package testdb gives each test its own freshly migrated PostgreSQL
// database: pgtestdb migrates one template database once per schema version
// and clones it per test, so tests run in parallel against real databases.
//
// Every database has the two roles production has (docs/operations.md,
// "Database roles"): OwnerRole owns the schema and runs the migrations,
// which end by granting ServiceRole its privileges (store.GrantService),
// exactly as `careers migrate up` does. URL and NewPool connect as
// ServiceRole, so every test exercises the service under the restricted
// role; OwnerURL is for fixtures that need more (bulk loading, tampering
// with the schema in migration tests).
package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"
	"github.com/peterldowns/pgtestdb/migrators/goosemigrator"

	"careers/internal/jobs"
	"careers/internal/store"
	"careers/migrations"
)

// SecretKey is the fixed SECRET_KEY tests run with (made once with
// auth.NewSecretKey; it seals nothing outside tests).
const SecretKey = "3q2+7w8mGzUyN0F9kq1hX5yq2v4T8cE6bP0dL9sWnRk="

// EnvVar names the server tests create their databases on. `make test` sets
// it to the private PostgreSQL it starts for the run.
const EnvVar = "TEST_DATABASE_URL"

// ServerConfig returns the pgtestdb configuration for TEST_DATABASE_URL. A
// test that needs the database fails, never skips, when it is not set.
func ServerConfig(tb testing.TB) pgtestdb.Config {
	tb.Helper()
	raw := os.Getenv(EnvVar)
	if raw == "" {
		tb.Fatalf("%s is not set: run the tests with `make test` (it starts a private PostgreSQL), "+
			"or set %s to a server where this user may create databases and roles", EnvVar, EnvVar)
	}
	pc, err := pgx.ParseConfig(raw)
	if err != nil {
		tb.Fatalf("%s is not a valid PostgreSQL connection string", EnvVar)
	}
	// Keep the server's TLS choice; with none given, libpq's default.
	opts := url.Values{"sslmode": {"prefer"}}
	if u, err := url.Parse(raw); err == nil && u.Query().Get("sslmode") != "" {
		opts.Set("sslmode", u.Query().Get("sslmode"))
	}
	conf := pgtestdb.Config{
		DriverName: "pgx",
		Host:       pc.Host,
		Port:       strconv.Itoa(int(pc.Port)),
		User:       pc.User,
		Password:   pc.Password,
		Database:   pc.Database,
		Options:    opts.Encode(),
		// pgtestdb creates this role, makes it own each database and
		// migrates as it.
		TestRole: &pgtestdb.Role{Username: OwnerRole, Password: rolePassword, Capabilities: roleCapabilities},
		// A test that leaks a connection should not leave a database behind.
		ForceTerminateConnections: true,
	}
	if err := ensureServiceRole(conf); err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	return conf
}

// The test roles. Their names differ from the private development server's
// (devdb.OwnerRole, devdb.ServiceRole) only so that tests pointed at a
// shared server cannot collide with a real deployment's roles.
const (
	OwnerRole        = "careers_test_owner"
	ServiceRole      = "careers_test_app"
	rolePassword     = "careers-test"
	roleCapabilities = "NOSUPERUSER NOCREATEDB NOCREATEROLE"
)

var serviceRoleOnce sync.Map // server address -> *serviceRoleResult

type serviceRoleResult struct {
	once sync.Once
	err  error
}

// ensureServiceRole creates ServiceRole on the server unless it exists
// (once per process and server; concurrent test processes are safe).
func ensureServiceRole(conf pgtestdb.Config) error {
	v, _ := serviceRoleOnce.LoadOrStore(conf.Host+":"+conf.Port, &serviceRoleResult{})
	r := v.(*serviceRoleResult)
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, conf.URL())
		if err != nil {
			r.err = fmt.Errorf("connect to create the service role: %w", err)
			return
		}
		defer conn.Close(context.WithoutCancel(ctx))
		_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s' %s`,
			pgx.Identifier{ServiceRole}.Sanitize(), rolePassword, roleCapabilities))
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505") {
			err = nil // exists, or another test process made it just now
		}
		if err != nil {
			r.err = fmt.Errorf("create role %s: %w", ServiceRole, err)
		}
	})
	return r.err
}

// Migrator is the migrator every test database is built with: the same
// embedded goose files the service applies at start, then River's schema.
func Migrator() pgtestdb.Migrator {
	return migrator{goose: goosemigrator.New(".", goosemigrator.WithFS(migrations.FS))}
}

type migrator struct{ goose pgtestdb.Migrator }

// Hash covers both schemas and the service role's grants, so a change to
// any of them builds a new template.
func (m migrator) Hash() (string, error) {
	h, err := m.goose.Hash()
	if err != nil {
		return "", err
	}
	return h + ":river:" + jobs.MigrationsHash() + ":" + ServiceRole + ":" + store.GrantsVersion(), nil
}

// Migrate runs as OwnerRole: goose, River, then the grants to ServiceRole.
func (m migrator) Migrate(ctx context.Context, db *sql.DB, conf pgtestdb.Config) error {
	if err := m.goose.Migrate(ctx, db, conf); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, conf.URL())
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := jobs.Migrate(ctx, pool); err != nil {
		return err
	}
	return store.GrantService(ctx, pool, ServiceRole)
}

// Database is one test's database: URL connects as the restricted service
// role, OwnerURL as the schema's owner.
type Database struct {
	URL      string
	OwnerURL string
}

// New creates a fresh migrated database for this test; it is dropped when
// the test ends.
func New(tb testing.TB) Database {
	tb.Helper()
	owner := pgtestdb.Custom(tb, ServerConfig(tb), Migrator())
	service := *owner
	service.User, service.Password = ServiceRole, rolePassword
	return Database{URL: service.URL(), OwnerURL: owner.URL()}
}

// AsService is ownerURL (one of this package's databases, such as
// EmptyURL's) connecting as ServiceRole instead.
func AsService(tb testing.TB, ownerURL string) string {
	tb.Helper()
	u, err := url.Parse(ownerURL)
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	u.User = url.UserPassword(ServiceRole, rolePassword)
	return u.String()
}

// URL creates a fresh migrated database for this test and returns its URL
// as the service role; the database is dropped when the test ends.
func URL(tb testing.TB) string {
	tb.Helper()
	return New(tb).URL
}

// NewPools creates a fresh migrated database for this test and returns a
// pool as the service role and one as the owner (for fixtures the service
// may not write), both closed when the test ends.
func NewPools(tb testing.TB) (service, owner *pgxpool.Pool) {
	tb.Helper()
	db := New(tb)
	return MustPool(tb, db.URL), MustPool(tb, db.OwnerURL)
}

// NewPool creates a fresh migrated database for this test and returns a pool
// on it as the service role, closed when the test ends.
func NewPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	return MustPool(tb, URL(tb))
}

// MustPool opens a pool on url and closes it when the test ends.
func MustPool(tb testing.TB, url string) *pgxpool.Pool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		tb.Fatalf("testdb: connect: %v", err)
	}
	if err := pool.Ping(ctx); err != nil {
		tb.Fatalf("testdb: ping: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// EmptyURL creates an empty database (no migrations applied) for tests of
// the migrations themselves; it connects as OwnerRole, which owns it.
func EmptyURL(tb testing.TB) string {
	tb.Helper()
	return pgtestdb.Custom(tb, ServerConfig(tb), pgtestdb.NoopMigrator{}).URL()
}
