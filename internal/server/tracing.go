package server

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
)

// traced wraps the site in OpenTelemetry's HTTP instrumentation when
// tracing is on, and returns it untouched when it is off (no wrapper, no
// cost). The probes are not traced. A trace context (traceparent) is taken
// only from a trusted proxy (TRUSTED_PROXIES): anyone else's is dropped, so
// a client cannot choose which of its requests are recorded. logRequests
// names the span after the route pattern once routing has found it.
func (s *Server) traced(h http.Handler) http.Handler {
	if s.tracing == nil {
		return h
	}
	inner := otelhttp.NewHandler(h, "http.request",
		otelhttp.WithTracerProvider(s.tracing.Provider()),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithFilter(func(r *http.Request) bool {
			return r.URL.Path != "/healthz" && r.URL.Path != "/readyz"
		}),
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Traceparent") != "" && !s.trusted(peerAddr(r.RemoteAddr)) {
			r.Header.Del("Traceparent")
			r.Header.Del("Tracestate")
		}
		inner.ServeHTTP(w, r)
	})
}
