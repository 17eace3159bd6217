package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"careers/internal/auth"
	"careers/internal/config"
	"careers/internal/store"
)

// cmdSeed migrates the database and loads the demo data. It refuses to run
// outside development, where it would put demo people into a real service.
func cmdSeed(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if !cfg.IsDevelopment() {
		return errors.New("ENV: seed loads demo data and runs only in development")
	}
	log := newLogger(io.Discard, cfg.LogLevel)
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.close(context.WithoutCancel(ctx))
	m, err := store.NewMigrator(db.pool, log)
	if err != nil {
		return err
	}
	defer m.Close()
	if _, err := m.Up(ctx); err != nil {
		return err
	}
	hash, err := auth.NewHasher(1).Hash(ctx, store.DemoPassword)
	if err != nil {
		return err
	}
	n, err := store.New(db.pool).Seed(ctx, hash)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data ready (%d record(s) added)\n", n)
	return nil
}
