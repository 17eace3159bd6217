package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/telemetry"
)

// appTelemetry is the process's metrics and (when OTEL_EXPORTER_OTLP_ENDPOINT
// is set) tracing, made once by serve or worker and handed to the parts.
type appTelemetry struct {
	metrics *telemetry.Metrics
	tracing *telemetry.Tracing // nil: tracing off
	// log is the logger with trace IDs added when tracing is on.
	log *slog.Logger
}

func startTelemetry(ctx context.Context, cfg config.Config, log *slog.Logger) (*appTelemetry, error) {
	tr, err := telemetry.NewTracing(ctx, cfg)
	if err != nil {
		return nil, err
	}
	t := &appTelemetry{metrics: telemetry.NewMetrics(), tracing: tr, log: log}
	if tr != nil {
		t.log = slog.New(tr.LogHandler(log.Handler()))
		t.log.Info("tracing on", "endpoint", cfg.OTLPEndpoint.Redacted(), "service", cfg.ServiceName, "sample_ratio", cfg.TraceSampleRatio)
	}
	return t, nil
}

// jobOptions hands the metrics and tracing to the job client.
func (t *appTelemetry) jobOptions() []jobs.Option {
	return []jobs.Option{jobs.WithMetrics(t.metrics), jobs.WithTracing(t.tracing)}
}

// serveMetrics adds the database's collectors and, when METRICS_ADDR is
// set, serves /metrics there until ctx ends.
func (t *appTelemetry) serveMetrics(ctx context.Context, cfg config.Config, pool *pgxpool.Pool) error {
	if cfg.MetricsAddr == "" {
		return nil
	}
	// A web instance without workers still reports the queue's kinds.
	t.metrics.JobKinds(jobs.Kinds()...)
	t.metrics.CollectDatabase(pool, nil)
	return t.metrics.ServeMetrics(ctx, cfg.MetricsAddr, t.log)
}

// stop flushes the spans still buffered.
func (t *appTelemetry) stop(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := t.tracing.Shutdown(ctx); err != nil {
		t.log.Warn("flushing traces", "error", err.Error())
	}
}
