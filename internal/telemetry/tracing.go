package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"careers/internal/config"
)

// instrumentation names the tracer of the service's own spans.
const instrumentation = "careers"

// Tracing is the service's tracer provider, made only when tracing is on;
// everything that takes a *Tracing treats nil as "off" and then adds no
// wrapper, tracer or middleware at all.
type Tracing struct {
	provider *sdktrace.TracerProvider
}

// NewTracing exports traces over OTLP/HTTP to cfg.OTLPEndpoint, or returns
// nil when it is not set. Shutdown flushes what is buffered.
func NewTracing(ctx context.Context, cfg config.Config) (*Tracing, error) {
	if cfg.OTLPEndpoint == nil {
		return nil, nil
	}
	endpoint := *cfg.OTLPEndpoint
	endpoint.Path = strings.TrimSuffix(endpoint.Path, "/") + "/v1/traces"
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint.String()))
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	return NewTracingWith(sdktrace.NewBatchSpanProcessor(exp), cfg.ServiceName, cfg.TraceSampleRatio), nil
}

// NewTracingWith builds the provider on a span processor of the caller's
// (tests pass a synchronous one over an in-memory exporter).
func NewTracingWith(sp sdktrace.SpanProcessor, service string, ratio float64) *Tracing {
	if service == "" {
		service = "careers"
	}
	res := resource.NewSchemaless(attribute.String("service.name", service))
	return &Tracing{provider: sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
		// First, so the exporter never sees what it removes.
		sdktrace.WithSpanProcessor(redactor{}),
		sdktrace.WithSpanProcessor(sp),
	)}
}

// Provider is the tracer provider (for otelhttp and River's middleware).
func (t *Tracing) Provider() trace.TracerProvider { return t.provider }

// Shutdown flushes buffered spans and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// redactedKeys are attributes the HTTP instrumentation records that could
// carry personal data or secrets: the path (references), the query string
// (one-time sign-in tokens), the full URL, the client's address and its
// user agent. The route pattern (http.route) says which page it was.
var redactedKeys = []attribute.Key{
	"url.path", "url.query", "url.full", "http.target", "http.url",
	"client.address", "network.peer.address", "network.peer.port", "http.client_ip", "net.sock.peer.addr",
	"user_agent.original", "http.user_agent",
}

// redactor blanks redactedKeys on every span as it starts: a value set
// again under the same key replaces the first.
type redactor struct{}

func (redactor) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) {
	for _, kv := range s.Attributes() {
		for _, k := range redactedKeys {
			if kv.Key == k {
				s.SetAttributes(attribute.String(string(k), "redacted"))
			}
		}
	}
}
func (redactor) OnEnd(sdktrace.ReadOnlySpan)      {}
func (redactor) Shutdown(context.Context) error   { return nil }
func (redactor) ForceFlush(context.Context) error { return nil }

// DBTracing sets a query tracer on the pool's configuration (store.Open's
// option): each query made inside a traced request or job becomes a child
// span carrying the SQL text (placeholders only: never the arguments) and,
// on failure, the SQLSTATE code (never the message, which can quote
// values). Queries outside a trace (River's polling) make no span. nil:
// no tracer is set.
func (t *Tracing) DBTracing() func(*pgxpool.Config) {
	return func(c *pgxpool.Config) {
		if t == nil {
			return
		}
		c.ConnConfig.Tracer = &dbTracer{tracer: t.provider.Tracer(instrumentation)}
	}
}

type dbTracer struct{ tracer trace.Tracer }

type dbSpanKey struct{}

func (d *dbTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	ctx, span := d.tracer.Start(ctx, "db "+sqlVerb(data.SQL),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("db.system.name", "postgresql"),
			attribute.String("db.query.text", data.SQL),
		))
	return context.WithValue(ctx, dbSpanKey{}, span)
}

func (d *dbTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	endDBSpan(ctx, data.Err, "query failed")
}

// endDBSpan ends the query's or batch's span, if any, marking a failure
// with its SQLSTATE code (never the message, which can quote values).
func endDBSpan(ctx context.Context, err error, failed string) {
	span, ok := ctx.Value(dbSpanKey{}).(trace.Span)
	if !ok {
		return
	}
	if err != nil {
		if code := sqlState(err); code != "" {
			span.SetAttributes(attribute.String("db.response.status_code", code))
		}
		span.SetStatus(codes.Error, failed)
	}
	span.End()
}

// A batch (statements sent together, one round trip) is one span, "db
// BATCH", with an event per statement carrying its SQL text, and its
// failure as for a query.
func (d *dbTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	ctx, span := d.tracer.Start(ctx, "db BATCH", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", "postgresql")))
	return context.WithValue(ctx, dbSpanKey{}, span)
}

func (d *dbTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	span, ok := ctx.Value(dbSpanKey{}).(trace.Span)
	if !ok {
		return
	}
	attrs := []attribute.KeyValue{attribute.String("db.query.text", data.SQL)}
	if data.Err != nil {
		if code := sqlState(data.Err); code != "" {
			attrs = append(attrs, attribute.String("db.response.status_code", code))
		}
		span.SetStatus(codes.Error, "query failed")
	}
	span.AddEvent("query", trace.WithAttributes(attrs...))
}

func (d *dbTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	endDBSpan(ctx, data.Err, "batch failed")
}

// sqlVerb is the statement's first word (SELECT, UPDATE, WITH, ...).
func sqlVerb(sql string) string {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return "query"
	}
	return strings.ToUpper(f[0])
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// JobMiddleware is River's own OpenTelemetry middleware: a span per job
// worked (its queries become children). Its metrics are off (Prometheus
// has the job counts): they go to a no-op meter.
func (t *Tracing) JobMiddleware() rivertype.Middleware {
	return otelriver.NewMiddleware(&otelriver.MiddlewareConfig{
		EnableWorkSpanJobKindSuffix: true, // "river.work/notification_deliver"
		TracerProvider:              t.provider,
		MeterProvider:               metricnoop.NewMeterProvider(),
	})
}

// LogHandler adds the trace and span IDs of the record's context to every
// log line, so a request's JSON log line leads to its trace.
func (t *Tracing) LogHandler(h slog.Handler) slog.Handler {
	if t == nil {
		return h
	}
	return traceLogHandler{h}
}

type traceLogHandler struct{ slog.Handler }

func (h traceLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return traceLogHandler{h.Handler.WithAttrs(as)}
}

func (h traceLogHandler) WithGroup(name string) slog.Handler {
	return traceLogHandler{h.Handler.WithGroup(name)}
}
