package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// migrateLockID is the PostgreSQL advisory lock taken while River's schema
// is migrated. It differs from goose's lock (store.Migrator), so the two
// migrations can be told apart in pg_locks; each serialises its own kind.
const migrateLockID int64 = 0x63617265657273 // "careers" in ASCII

// Migrate applies River's own schema migrations (its job tables), after the
// goose migrations, at every start of serve and worker. rivermigrate takes
// no lock of its own, so this holds a session-level advisory lock for the
// whole run: instances that start at the same moment take turns, and the
// later ones find nothing left to do. It is idempotent.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLockID); err != nil {
		return fmt.Errorf("jobs: migrate: lock: %w", err)
	}
	defer func() {
		// If the unlock fails the connection is in doubt: close it, which
		// releases the lock with the session.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockID); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// MigrationsHash identifies River's schema as this binary knows it (every
// migration's version and SQL). A test-database template built with Migrate
// should include it in its hash, so a River upgrade rebuilds the template.
func MigrationsHash() string {
	m, err := rivermigrate.New(riverpgxv5.New(nil), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		// Only an unknown migration line fails, and we use the default.
		panic(err)
	}
	h := sha256.New()
	for _, v := range m.AllVersions() {
		h.Write([]byte(strconv.Itoa(v.Version) + "\x00" + v.SQLUp + "\x00" + v.SQLDown + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Current reports whether River's schema has every migration this binary
// knows (for a readiness check, next to store.Store.Ready).
func Current(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return false, fmt.Errorf("jobs: migrations: %w", err)
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("jobs: migrations: %w", err)
	}
	return res.OK, nil
}
