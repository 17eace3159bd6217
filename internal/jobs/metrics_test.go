package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	dto "github.com/prometheus/client_model/go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"careers/internal/jobs"
	"careers/internal/mail/mailtest"
	"careers/internal/store"
	"careers/internal/telemetry"
	"careers/internal/testdb"
)

// sample is the value of the metric name with exactly labels in m's
// registry, or -1 when it has no such series.
func sample(tb testing.TB, m *telemetry.Metrics, name string, labels map[string]string) float64 {
	tb.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, s := range f.GetMetric() {
			if len(s.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range s.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue series
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return s.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				return s.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// Deliveries through an outage, counted: each failed attempt (the last
// one final), each retry and each attempt's outcome by kind, then the
// message sent on a staff retry; the figures read from the database show
// the failed message while it is failed.
func TestMetricsCountDeliveriesRetriesAndOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	srv := mailtest.Start(t)
	srv.Down()
	m := telemetry.NewMetrics()
	// The database's figures are read at most every 30 seconds: the test
	// moves the scrape's clock on to see them again.
	var later time.Duration
	m.CollectDatabase(pool, func() time.Time { return time.Now().Add(later) })
	MustStartClient(t, pool, MustSMTPSender(t, srv), jobs.WithMaxAttempts(3), jobs.WithMetrics(m))

	const kind = "notification_deliver"
	if v := sample(t, m, "careers_jobs_total", map[string]string{"kind": kind, "outcome": "completed"}); v != 0 {
		t.Errorf("before any job, completed deliveries = %v, want a 0 series", v)
	}
	id := MustEnqueue(t, pool, jobs.Notification{Key: "metrics:1", Kind: "fail_test", Message: testMessage("Counted")})
	waitStatus(t, pool, id, store.NotificationFailed)
	Eventually(t, 5*time.Second, "the job to stop", func() (bool, error) {
		s := jobStates(t, pool, id)
		return len(s) == 1 && s[0] == "cancelled", nil
	})
	later = time.Minute
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"careers_emails_failed_total", map[string]string{"final": "false"}, 2},
		{"careers_emails_failed_total", map[string]string{"final": "true"}, 1},
		{"careers_emails_sent_total", nil, 0},
		{"careers_jobs_total", map[string]string{"kind": kind, "outcome": "failed"}, 2},
		{"careers_jobs_total", map[string]string{"kind": kind, "outcome": "cancelled"}, 1},
		{"careers_job_retries_total", map[string]string{"kind": kind}, 2},
		{"careers_emails_undelivered", map[string]string{"status": "failed"}, 1},
		{"careers_db_pool_max_conns", nil, float64(pool.Config().MaxConns)},
	} {
		if got := sample(t, m, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	srv.Up()
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return jobs.Retry(ctx, tx, id) }); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, pool, id, store.NotificationSent)
	Eventually(t, 5*time.Second, "the sent message counted", func() (bool, error) {
		return sample(t, m, "careers_emails_sent_total", nil) == 1 &&
			sample(t, m, "careers_jobs_total", map[string]string{"kind": kind, "outcome": "completed"}) == 1, nil
	})
}

// With tracing on, each job worked is a span (River's OpenTelemetry
// middleware) and the delivery's SQL statements are its children.
func TestJobsAreTraced(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tr := telemetry.NewTracingWith(sdktrace.NewSimpleSpanProcessor(exp), "careers-test", 1)
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	db := testdb.New(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	pool, err := store.Open(ctx, db.URL, 4, tr.DBTracing())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	srv := mailtest.Start(t)
	MustStartClient(t, pool, MustSMTPSender(t, srv), jobs.WithTracing(tr))

	id := MustEnqueue(t, pool, jobs.Notification{Key: "traced:1", Kind: "trace_test", Message: testMessage("Traced")})
	waitStatus(t, pool, id, store.NotificationSent)
	var work *tracetest.SpanStub
	Eventually(t, 5*time.Second, "the delivery's span", func() (bool, error) {
		for _, s := range exp.GetSpans() {
			if s.Name == "river.work/notification_deliver" {
				work = &s
				return true, nil
			}
		}
		return false, nil
	})
	children := 0
	for _, s := range exp.GetSpans() {
		if s.Parent.SpanID() == work.SpanContext.SpanID() && strings.HasPrefix(s.Name, "db ") {
			children++
		}
	}
	if children == 0 {
		t.Errorf("no SQL spans under the job's span")
	}
}
