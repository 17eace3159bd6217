package main

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/auth/commonpasswords"
	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/logwriter"
	"careers/internal/mail"
	"careers/internal/server"
	"careers/internal/store"
	"careers/web"
)

func cmdServe(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if err := useDevSecretKey(&cfg); err != nil {
		return err
	}
	// Log lines are written in batches from a goroutine of their own, so
	// a slow write to standard output holds up no request (logwriter).
	// Deferred first: the last lines are written after everything else.
	lines := logwriter.New(stdout, 0, 0)
	defer lines.Close()
	log := newLogger(lines, cfg.LogLevel)
	captureStandardLog(log)
	tel, err := startTelemetry(ctx, cfg, log)
	if err != nil {
		return err
	}
	// Deferred first, so it runs last: spans of the final requests and
	// jobs are flushed after both have stopped.
	defer tel.stop(context.WithoutCancel(ctx))
	log = tel.log
	// The collector's memory limit and GOGC (collector.go).
	tuneCollector(getenv)

	// Fail before touching the database if the binary was built without its
	// front-end assets.
	assets, err := web.NewAssets()
	if err != nil {
		return err
	}
	// Nor without its common-password list, which the password rules need.
	if err := commonpasswords.Check(); err != nil {
		return err
	}

	// The pool opens DB_MIN_CONNS connections at once, in the background,
	// and keeps them: the first burst after a start (a deploy, a restart
	// under load) would otherwise wait while each is opened, authenticated
	// and its server process started.
	db, err := openDatabase(ctx, cfg, log, tel.tracing.DBTracing(), func(c *pgxpool.Config) { c.MinConns = cfg.DBMinConns })
	if err != nil {
		return err
	}
	// The database closes after the HTTP server has drained, even on Ctrl-C.
	defer db.close(context.WithoutCancel(ctx))

	n, err := db.migrate(ctx, cfg, log)
	if err != nil {
		return err
	}
	log.Info("database migrated", "applied", n)
	if err := db.checkPrivileges(ctx, cfg, log); err != nil {
		return err
	}

	if cfg.RunWorkers {
		jc, err := startJobs(ctx, cfg, db.pool, log, tel.jobOptions()...)
		if err != nil {
			return err
		}
		// Deferred after db.close, so it runs first: workers stop before
		// the pool closes.
		defer func() {
			c, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
			defer cancel()
			if err := jc.Stop(c); err != nil {
				log.Error("stopping workers", "error", err.Error())
			}
		}()
	}

	srv, err := server.New(server.Deps{Config: cfg, Logger: log, Store: store.New(db.pool), Assets: assets, Enqueue: enqueue,
		Metrics: tel.metrics, Tracing: tel.tracing})
	if err != nil {
		return err
	}
	defer srv.Close()
	// Secrets at rest in their current form before the first request:
	// plaintext TOTP secrets sealed, those under SECRET_KEY_PREVIOUS sealed
	// again under SECRET_KEY, legacy recovery codes wrapped in argon2id.
	up, err := srv.UpgradeSecretsAtRest(ctx)
	if err != nil {
		return fmt.Errorf("sealing secrets at rest: %w", err)
	}
	log.Info("secrets at rest", "totp_sealed", up.SealedTOTP, "recovery_codes_wrapped", up.WrappedRecoveryCodes, "key_id", srv.KeyID())
	if up.UnreadableTOTP > 0 {
		log.Warn("TOTP secrets sealed under a key that is not configured: add it to SECRET_KEY_PREVIOUS, or reset those people's second factor",
			"count", up.UnreadableTOTP)
	}

	if err := tel.serveMetrics(ctx, cfg, db.pool); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: cannot listen on %s: %w", cfg.Addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL.String(), "env", string(cfg.Env))
	return server.Serve(ctx, ln, srv.Handler(), cfg.RequestTimeout, cfg.ShutdownTimeout, log)
}

// enqueue adapts the durable queue to the server's notification hook.
func enqueue(ctx context.Context, tx pgx.Tx, key, kind string, referralID *int64, m mail.Message) error {
	_, err := jobs.Enqueue(ctx, tx, jobs.Notification{Key: key, Kind: kind, ReferralID: referralID, Message: m})
	return err
}
