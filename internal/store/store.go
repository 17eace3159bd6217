// Package store holds every SQL statement of the service. Methods take ctx
// first, wrap errors with a short prefix, and map PostgreSQL errors to the
// sentinel errors below so handlers never see pgx types.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Sentinel errors that handlers map to HTTP answers in one place.
var (
	// ErrNotFound means the record does not exist (or is not visible).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change clashes with the current state of the record.
	ErrConflict = errors.New("conflict")
)

// Store is the service's access to PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
}

// New wraps a pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Pool exposes the pool to the parts that need it directly (sessions, health).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Open connects a pool to databaseURL and checks that the server answers.
func Open(ctx context.Context, databaseURL string, maxConns int32) (*pgxpool.Pool, error) {
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
