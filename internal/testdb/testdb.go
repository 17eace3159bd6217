// Package testdb gives each test its own freshly migrated PostgreSQL
// database: pgtestdb migrates one template database once per schema version
// and clones it per test, so tests run in parallel against real databases.
package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"
	"github.com/peterldowns/pgtestdb/migrators/goosemigrator"

	"careers/internal/jobs"
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
	return pgtestdb.Config{
		DriverName: "pgx",
		Host:       pc.Host,
		Port:       strconv.Itoa(int(pc.Port)),
		User:       pc.User,
		Password:   pc.Password,
		Database:   pc.Database,
		Options:    opts.Encode(),
		// A test that leaks a connection should not leave a database behind.
		ForceTerminateConnections: true,
	}
}

// Migrator is the migrator every test database is built with: the same
// embedded goose files the service applies at start, then River's schema.
func Migrator() pgtestdb.Migrator {
	return migrator{goose: goosemigrator.New(".", goosemigrator.WithFS(migrations.FS))}
}

type migrator struct{ goose pgtestdb.Migrator }

// Hash covers both schemas, so a change to either builds a new template.
func (m migrator) Hash() (string, error) {
	h, err := m.goose.Hash()
	if err != nil {
		return "", err
	}
	return h + ":river:" + jobs.MigrationsHash(), nil
}

func (m migrator) Migrate(ctx context.Context, db *sql.DB, conf pgtestdb.Config) error {
	if err := m.goose.Migrate(ctx, db, conf); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, conf.URL())
	if err != nil {
		return err
	}
	defer pool.Close()
	return jobs.Migrate(ctx, pool)
}

// URL creates a fresh migrated database for this test and returns its URL;
// the database is dropped when the test ends.
func URL(tb testing.TB) string {
	tb.Helper()
	return pgtestdb.Custom(tb, ServerConfig(tb), Migrator()).URL()
}

// NewPool creates a fresh migrated database for this test and returns a pool
// on it, closed when the test ends.
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
// the migrations themselves.
func EmptyURL(tb testing.TB) string {
	tb.Helper()
	return pgtestdb.Custom(tb, ServerConfig(tb), pgtestdb.NoopMigrator{}).URL()
}
