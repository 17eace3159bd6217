package main

import (
	"context"
	"fmt"
	"io"
	"net"

	"careers/internal/config"
	"careers/internal/server"
	"careers/internal/store"
	"careers/web"
)

func cmdServe(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stdout, cfg.LogLevel)

	// Fail before touching the database if the binary was built without its
	// front-end assets.
	assets, err := web.NewAssets()
	if err != nil {
		return err
	}

	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	// The database closes after the HTTP server has drained, even on Ctrl-C.
	defer db.close(context.WithoutCancel(ctx))

	m, err := store.NewMigrator(db.pool, log)
	if err != nil {
		return err
	}
	n, err := m.Up(ctx)
	_ = m.Close()
	if err != nil {
		return err
	}
	log.Info("database migrated", "applied", n)

	srv, err := server.New(server.Deps{Config: cfg, Logger: log, Store: store.New(db.pool), Assets: assets})
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: cannot listen on %s: %w", cfg.Addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL.String(), "env", string(cfg.Env))
	return server.Serve(ctx, ln, srv.Handler(), cfg.RequestTimeout, cfg.ShutdownTimeout, log)
}
