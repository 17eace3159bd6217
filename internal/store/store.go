// Package store holds every SQL statement of the service. Methods take ctx
// first, wrap errors with a short prefix, and map PostgreSQL errors to the
// sentinel errors below so handlers never see pgx types.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/auth"
)

// Sentinel errors that handlers map to HTTP answers in one place.
var (
	// ErrNotFound means the record does not exist (or is not visible).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change clashes with the current state of the record.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the database refused the values (a check or reference).
	ErrInvalid = errors.New("invalid")
)

// Tx is a transaction handed out by InTx.
type Tx = pgx.Tx

// dbtx is what queries run on: the pool, or a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Store is the service's access to PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	db   dbtx
	// keys key the throttle table (WithKeyring); nil refuses throttle work.
	keys *auth.Keyring
}

// New wraps a pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool, db: pool} }

// WithKeyring returns a Store that keys the throttle table with the
// service's secret key (see throttleKey).
func (s *Store) WithKeyring(k *auth.Keyring) *Store {
	c := *s
	c.keys = k
	return &c
}

// InTx runs fn in one transaction with a Store bound to it; the transaction
// commits when fn returns nil and rolls back otherwise. fn also gets the raw
// transaction, so work outside the store (enqueueing a notification) joins
// the same commit.
func (s *Store) InTx(ctx context.Context, fn func(st *Store, tx pgx.Tx) error) error {
	if tx, ok := s.db.(pgx.Tx); ok {
		// Already in a transaction: join it.
		return fn(s, tx)
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return fn(&Store{pool: s.pool, db: tx, keys: s.keys}, tx)
	})
}

// InTxWith runs fn with a Store bound to an open transaction (for code
// outside the store that began it, such as a job worker).
func (s *Store) InTxWith(tx pgx.Tx, fn func(st *Store) error) error {
	return fn(&Store{pool: s.pool, db: tx, keys: s.keys})
}

// mapErr turns PostgreSQL errors into the store's sentinel errors.
func mapErr(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s", ErrConflict, pe.ConstraintName)
		case "23503", "23514": // foreign key, check
			return fmt.Errorf("%w: %s", ErrInvalid, pe.ConstraintName)
		}
	}
	return err
}

// Pool exposes the pool to the parts that need it directly (sessions, health).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// RandomPageCost is the random_page_cost every connection plans with,
// unless the server, the database, the role or the connection string sets
// its own.
const RandomPageCost = "1.1"

// Open connects a pool to databaseURL and checks that the server answers.
// Each option adjusts the pool's configuration first (the query tracer of
// telemetry.DBTracing, when tracing is on).
func Open(ctx context.Context, databaseURL string, maxConns int32, options ...func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, errors.New("store: DATABASE_URL is not a valid connection string")
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "careers"
	// Every stored time is UTC; conversion to Europe/London happens on display.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	for _, o := range options {
		o(cfg)
	}
	// The planner's cost of reading a page out of order, for solid-state
	// storage (PostgreSQL's default of 4 is for spinning disks): with the
	// default, a small table such as sessions is read whole on every
	// request instead of through its primary key (docs/performance.md).
	// Set on each new connection only where nothing else set it: a value
	// from the server's configuration, the database, the role or the
	// connection string is kept.
	then := cfg.AfterConnect
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if then != nil {
			if err := then(ctx, c); err != nil {
				return err
			}
		}
		_, err := c.Exec(ctx, `SELECT set_config(name, $1, false) FROM pg_settings
			WHERE name = 'random_page_cost' AND source = 'default'`, RandomPageCost)
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: ping: %w", err)
	}
	return pool, nil
}

// Ready reports nil when the database answers and every embedded migration
// has been applied.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: database unreachable: %w", err)
	}
	m, err := NewMigrator(s.pool, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	current, err := m.Current(ctx)
	if err != nil {
		return err
	}
	if !current {
		return errors.New("store: migrations pending")
	}
	return nil
}
