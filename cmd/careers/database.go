package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/config"
	"careers/internal/devdb"
	"careers/internal/store"
)

// database is an open pool plus whatever must happen when it closes.
type database struct {
	pool  *pgxpool.Pool
	close func(context.Context)
}

// openDatabase connects to DATABASE_URL, or in development with no
// DATABASE_URL starts the private PostgreSQL under DATA_DIR/postgres (and
// stops it on close, if this process started it).
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*database, error) {
	url := cfg.DatabaseURL
	var pg *devdb.Server
	if url == "" {
		if !cfg.IsDevelopment() {
			return nil, fmt.Errorf("DATABASE_URL: is required in production")
		}
		var err error
		pg, err = devdb.Start(ctx, devdb.Options{DataDir: filepath.Join(cfg.DataDir, "postgres"), BinDir: cfg.PGBinDir, Logger: log})
		if err != nil {
			return nil, err
		}
		if err := pg.EnsureDatabase(ctx, "careers"); err != nil {
			_ = pg.Stop(context.WithoutCancel(ctx))
			return nil, err
		}
		url = pg.URL("careers")
		log.Info("using the private PostgreSQL", "data_dir", filepath.Join(cfg.DataDir, "postgres"), "owned", pg.Owned())
	}
	pool, err := store.Open(ctx, url, cfg.DBMaxConns)
	if err != nil {
		if pg != nil {
			_ = pg.Stop(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	return &database{pool: pool, close: func(ctx context.Context) {
		pool.Close()
		if pg != nil {
			if err := pg.Stop(ctx); err != nil {
				log.Error("stopping the private PostgreSQL", "error", err.Error())
			}
		}
	}}, nil
}
