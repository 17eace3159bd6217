package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/logwriter"
	"careers/internal/mail"
	"careers/internal/store"
)

// cmdWorker runs the background workers (email delivery, periodic jobs)
// without the web service, so the two can be scaled apart: run `serve` with
// RUN_WORKERS=false and as many `worker` processes as needed. Like serve, it
// applies pending migrations (goose, then River's) first as the schema's
// owner when it has MIGRATE_DATABASE_URL (database.migrate), under advisory
// locks, so whichever starts first on a new database sets it up.
func cmdWorker(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	// The link-request job keys the throttle table with the same secret as
	// the web instances, so both count the same mail limit.
	if err := useDevSecretKey(&cfg); err != nil {
		return err
	}
	// Log lines are written in batches from a goroutine of their own, as
	// serve's are, so a slow write to standard output holds up no job
	// (logwriter). Deferred first: the last lines are written after
	// everything else.
	lines := logwriter.New(stdout, 0, 0)
	defer lines.Close()
	log := newLogger(lines, cfg.LogLevel)
	captureStandardLog(log)
	tel, err := startTelemetry(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tel.stop(context.WithoutCancel(ctx))
	log = tel.log
	db, err := openDatabase(ctx, cfg, log, tel.tracing.DBTracing())
	if err != nil {
		return err
	}
	defer db.close(context.WithoutCancel(ctx))

	n, err := db.migrate(ctx, cfg, log)
	if err != nil {
		return err
	}
	log.Info("database migrated", "applied", n)
	if err := db.checkPrivileges(ctx, cfg, log); err != nil {
		return err
	}

	jc, err := startJobs(ctx, cfg, db.pool, log, tel.jobOptions()...)
	if err != nil {
		return err
	}
	if err := tel.serveMetrics(ctx, cfg, db.pool); err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("stopping workers")
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	return jc.Stop(stopCtx)
}

// startJobs starts the background workers on pool: mail goes over SMTP when
// SMTP_URL is set, otherwise (development only) into the development
// mailbox. serve calls it too when RUN_WORKERS is true. The caller stops the
// client (Stop) before closing the pool.
func startJobs(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger, opts ...jobs.Option) (*jobs.Client, error) {
	sender, err := mail.NewSender(cfg, store.New(pool))
	if err != nil {
		return nil, err
	}
	jc, err := jobs.New(pool, cfg, log, sender, opts...)
	if err != nil {
		return nil, err
	}
	if err := jc.Start(ctx); err != nil {
		return nil, err
	}
	mode := "smtp"
	if cfg.SMTPURL == nil {
		mode = "development mailbox"
	}
	log.Info("workers running", "mail", mode)
	return jc, nil
}
