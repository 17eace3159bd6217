// Package telemetry holds what the operations team sees of the running
// service: Prometheus metrics on their own listener (METRICS_ADDR) and
// OpenTelemetry traces exported over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT).
//
// Nothing here is global: the application makes one Metrics (with its own
// registry) and at most one Tracing, and hands them to the server and the
// job client. No label carries personal data: routes are chi's patterns
// ("/your-referrals/{reference}"), never paths; kinds and states are the
// service's own fixed words.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Unmatched is the route label of a request no route matched (404, 405);
// NotRouted, of one answered before routing (busy, too large, refused as
// cross-origin).
const (
	Unmatched = "(unmatched)"
	NotRouted = "(not routed)"
)

// Reasons a request is turned away busy (limitInFlight).
const (
	BusyClientShare = "client_share" // the client holds its share of the turns
	BusyQueueFull   = "queue_full"   // too many are waiting already
	BusyWaited      = "waited"       // no turn came within the wait
)

// Sign-in steps whose failures are counted, and forms whose throttles are.
const (
	SignInPassword     = "staff_password"
	SignInSecondFactor = "staff_second_factor"
	SignInLink         = "public_link"

	ThrottleStaff  = "staff_sign_in"
	ThrottlePublic = "public_form"
)

// Job outcomes (careers_jobs_total).
const (
	JobCompleted = "completed"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
	JobSnoozed   = "snoozed"
	JobPanicked  = "panicked"
)

// durationBuckets suit pages measured in milliseconds with a budget well
// under a second, and still show the slow tail up to the request timeout.
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Metrics is the service's set of Prometheus metrics and the registry that
// serves them.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	waiting   prometheus.Gauge
	busy      *prometheus.CounterVec
	signInBad *prometheus.CounterVec
	throttled *prometheus.CounterVec
	emailSent prometheus.Counter
	emailFail *prometheus.CounterVec
	jobs      *prometheus.CounterVec
	retries   *prometheus.CounterVec
	queryErrs *prometheus.CounterVec

	kindsMu sync.Mutex
	kinds   []string // job kinds named by JobKinds, for the queue's zeros
}

// NewMetrics makes the metrics on a fresh registry, with the Go runtime and
// process collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careers_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "careers_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route pattern and status.",
			Buckets: durationBuckets,
		}, []string{"method", "route", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "careers_http_requests_in_flight",
			Help: "Requests being handled now (holding one of MAX_IN_FLIGHT turns).",
		}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "careers_http_requests_waiting",
			Help: "Requests waiting for a turn now.",
		}),
		busy: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careers_http_requests_busy_total",
			Help: "Requests turned away with the 503 busy page, by reason.",
		}, []string{"reason"}),
		signInBad: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careers_sign_in_failures_total",
			Help: "Failed sign-in attempts, by step (staff password, staff second factor, public email link).",
		}, []string{"step"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careers_sign_in_throttled_total",
			Help: "Requests refused with 429 by a sign-in throttle or public form limit, by form.",
		}, []string{"form"}),
		emailSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "careers_emails_sent_total",
			Help: "Emails the mail server accepted.",
		}),
		emailFail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careers_emails_failed_total",
			Help: "Email delivery attempts that failed; final=\"true\" when the message will not be tried again.",
		}, []string{"final"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careers_jobs_total",
			Help: "Background job attempts worked, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careers_job_retries_total",
			Help: "Background job attempts after the first (retries), by kind.",
		}, []string{"kind"}),
		queryErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careers_metrics_query_failures_total",
			Help: "Scrape-time database queries that failed or timed out, by query.",
		}, []string{"query"}),
	}
	reg.MustRegister(m.requests, m.latency, m.inFlight, m.waiting, m.busy, m.signInBad, m.throttled,
		m.emailSent, m.emailFail, m.jobs, m.retries, m.queryErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every fixed label value shows from the start (as 0), so a rate over
	// it is defined before the first event.
	for _, r := range []string{BusyClientShare, BusyQueueFull, BusyWaited} {
		m.busy.WithLabelValues(r)
	}
	for _, s := range []string{SignInPassword, SignInSecondFactor, SignInLink} {
		m.signInBad.WithLabelValues(s)
	}
	for _, f := range []string{ThrottleStaff, ThrottlePublic} {
		m.throttled.WithLabelValues(f)
	}
	m.emailFail.WithLabelValues("false")
	m.emailFail.WithLabelValues("true")
	return m
}

// Registry is where collectors of the database's figures are added.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// statusText holds the status codes' label values, made once.
var statusText = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

// ObserveRequest records one answered request. method must be one of a
// fixed set (the server's logMethod) and route a chi pattern or Unmatched.
func (m *Metrics) ObserveRequest(method, route string, status int, took time.Duration) {
	code := "other"
	if status >= 0 && status < len(statusText) {
		code = statusText[status]
	}
	m.requests.WithLabelValues(method, route, code).Inc()
	m.latency.WithLabelValues(method, route, code).Observe(took.Seconds())
}

// TurnTaken and TurnGiven count a request that holds one of the turns.
func (m *Metrics) TurnTaken() { m.inFlight.Inc() }

// TurnGiven ends what TurnTaken counted.
func (m *Metrics) TurnGiven() { m.inFlight.Dec() }

// WaitStarted and WaitEnded count a request waiting for a turn.
func (m *Metrics) WaitStarted() { m.waiting.Inc() }

// WaitEnded ends what WaitStarted counted.
func (m *Metrics) WaitEnded() { m.waiting.Dec() }

// Busy counts a request turned away busy.
func (m *Metrics) Busy(reason string) { m.busy.WithLabelValues(reason).Inc() }

// SignInFailed counts a failed sign-in at step.
func (m *Metrics) SignInFailed(step string) { m.signInBad.WithLabelValues(step).Inc() }

// Throttled counts a request refused by a sign-in throttle or form limit.
func (m *Metrics) Throttled(form string) { m.throttled.WithLabelValues(form).Inc() }

// EmailSent counts a message the mail server accepted.
func (m *Metrics) EmailSent() { m.emailSent.Inc() }

// EmailFailed counts a failed delivery attempt; final when it is the last.
func (m *Metrics) EmailFailed(final bool) {
	m.emailFail.WithLabelValues(strconv.FormatBool(final)).Inc()
}

// JobKinds makes each kind's outcome and retry counters, and its queue
// depth, show (as 0) before its first run.
func (m *Metrics) JobKinds(kinds ...string) {
	m.kindsMu.Lock()
	defer m.kindsMu.Unlock()
	for _, k := range kinds {
		if slices.Contains(m.kinds, k) {
			continue
		}
		m.kinds = append(m.kinds, k)
		for _, o := range []string{JobCompleted, JobFailed, JobCancelled, JobSnoozed, JobPanicked} {
			m.jobs.WithLabelValues(k, o)
		}
		m.retries.WithLabelValues(k)
	}
}

func (m *Metrics) jobKinds() []string {
	m.kindsMu.Lock()
	defer m.kindsMu.Unlock()
	return slices.Clone(m.kinds)
}

// JobMiddleware is River worker middleware that counts each job attempt's
// outcome and each retry, by kind.
func (m *Metrics) JobMiddleware() rivertype.WorkerMiddleware { return &jobMiddleware{m: m} }

type jobMiddleware struct {
	river.MiddlewareDefaults
	m *Metrics
}

func (j *jobMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) (err error) {
	if job.Attempt > 1 {
		j.m.retries.WithLabelValues(job.Kind).Inc()
	}
	defer func() {
		if p := recover(); p != nil {
			j.m.jobs.WithLabelValues(job.Kind, JobPanicked).Inc()
			panic(p)
		}
	}()
	err = doInner(ctx)
	j.m.jobs.WithLabelValues(job.Kind, jobOutcome(err)).Inc()
	return err
}

func jobOutcome(err error) string {
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	switch {
	case err == nil:
		return JobCompleted
	case errors.As(err, &cancel):
		return JobCancelled
	case errors.As(err, &snooze):
		return JobSnoozed
	}
	return JobFailed
}

// Handler serves the registry in Prometheus's text format. A collector
// whose query fails leaves its metrics out of that scrape (and counts the
// failure); the rest are still served.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            slogErrorLog{log},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

type slogErrorLog struct{ l *slog.Logger }

func (s slogErrorLog) Println(v ...any) {
	if s.l != nil {
		s.l.Warn("metrics", "error", fmt.Sprint(v...))
	}
}

// ServeMetrics answers GET /metrics on addr until ctx ends. The listener is
// separate from the service's: it is meant for the monitoring system only
// (a cluster-internal port), and serves nothing else.
func (m *Metrics) ServeMetrics(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("METRICS_ADDR: cannot listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler(log))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      20 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("metrics listening", "addr", ln.Addr().String())
	go func() {
		<-ctx.Done()
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(c)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "error", err.Error())
		}
	}()
	return nil
}
