package telemetry

import (
	"context"
	"sync"
	"time"
	_ "time/tzdata" // Europe/London must resolve in a minimal container image

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"careers/internal/store"
)

// queryTimeout bounds each scrape-time query: a slow database must not
// hold scrapes (or connections) for long.
const queryTimeout = 2 * time.Second

// figuresTTL is how long the database's figures are reused between
// scrapes: several Prometheus servers, or a short scrape interval, still
// cost the database at most one read of each per TTL.
const figuresTTL = 30 * time.Second

// CollectDatabase adds the collectors that read the database: the pool's
// statistics (from memory, every scrape), River's queue depth and the
// operations figures (one query each, at most once per figuresTTL, with a
// short timeout). now is the clock ("today" for the deadline count).
func (m *Metrics) CollectDatabase(pool *pgxpool.Pool, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	m.reg.MustRegister(newPoolCollector(pool), &figuresCollector{st: store.New(pool), now: now, m: m})
}

// poolCollector reports pgxpool's Stat().
type poolCollector struct {
	pool *pgxpool.Pool

	acquired, idle, total, constructing, max           *prometheus.Desc
	acquires, emptyAcquires, canceledAcquires, newConn *prometheus.Desc
	acquireSeconds, emptyWaitSeconds                   *prometheus.Desc
	lifetimeDestroys, idleDestroys                     *prometheus.Desc
}

func newPoolCollector(pool *pgxpool.Pool) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("careers_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{
		pool:             pool,
		acquired:         d("acquired_conns", "Connections in use now."),
		idle:             d("idle_conns", "Idle connections now."),
		total:            d("total_conns", "Connections open now (in use, idle and being opened)."),
		constructing:     d("constructing_conns", "Connections being opened now."),
		max:              d("max_conns", "Most connections the pool opens (DB_MAX_CONNS)."),
		acquires:         d("acquires_total", "Connections taken from the pool."),
		emptyAcquires:    d("empty_acquires_total", "Takes that found no idle connection and had to wait for one to open or come back."),
		canceledAcquires: d("canceled_acquires_total", "Takes given up because the request's context ended first."),
		newConn:          d("new_conns_total", "Connections opened."),
		acquireSeconds:   d("acquire_seconds_total", "Time spent taking connections from the pool."),
		emptyWaitSeconds: d("empty_acquire_wait_seconds_total", "Time spent waiting for a connection when none was idle."),
		lifetimeDestroys: d("max_lifetime_destroys_total", "Connections closed for reaching their maximum lifetime."),
		idleDestroys:     d("max_idle_destroys_total", "Connections closed for being idle too long."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.constructing, c.max, c.acquires, c.emptyAcquires,
		c.canceledAcquires, c.newConn, c.acquireSeconds, c.emptyWaitSeconds, c.lifetimeDestroys, c.idleDestroys} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	g := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	n := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	g(c.acquired, float64(s.AcquiredConns()))
	g(c.idle, float64(s.IdleConns()))
	g(c.total, float64(s.TotalConns()))
	g(c.constructing, float64(s.ConstructingConns()))
	g(c.max, float64(s.MaxConns()))
	n(c.acquires, float64(s.AcquireCount()))
	n(c.emptyAcquires, float64(s.EmptyAcquireCount()))
	n(c.canceledAcquires, float64(s.CanceledAcquireCount()))
	n(c.newConn, float64(s.NewConnsCount()))
	n(c.acquireSeconds, s.AcquireDuration().Seconds())
	n(c.emptyWaitSeconds, s.EmptyAcquireWaitTime().Seconds())
	n(c.lifetimeDestroys, float64(s.MaxLifetimeDestroyCount()))
	n(c.idleDestroys, float64(s.MaxIdleDestroyCount()))
}

// queueRowLimit bounds the queue-depth rows read (states x kinds: the
// service has a handful of kinds).
const queueRowLimit = 200

// figuresCollector reports River's queue depth and the operations figures,
// read at scrape time and reused for figuresTTL.
type figuresCollector struct {
	st  *store.Store
	now func() time.Time
	m   *Metrics

	mu      sync.Mutex
	readAt  time.Time
	queue   []store.QueueCount
	queueOK bool
	ops     store.OperationsFigures
	opsOK   bool
}

var (
	queueJobsDesc = prometheus.NewDesc("careers_queue_jobs",
		"Background jobs not yet finished, by state (available, scheduled, retryable, running, pending) and kind.",
		[]string{"state", "kind"}, nil)
	queueAgeDesc = prometheus.NewDesc("careers_queue_oldest_available_seconds",
		"How long the oldest job that could run now has been waiting, by kind (0 when none waits).",
		[]string{"kind"}, nil)
	pastDeadlineDesc = prometheus.NewDesc("careers_referrals_past_deadline",
		"Referrals still waiting for a first response after their 14-day deadline.", nil, nil)
	undeliveredDesc = prometheus.NewDesc("careers_emails_undelivered",
		"Messages not sent: queued (waiting or being retried) and failed (given up; staff can send them again).",
		[]string{"status"}, nil)
	oldestUnconfirmedDesc = prometheus.NewDesc("careers_oldest_unconfirmed_referral_age_seconds",
		"Age of the oldest referral still waiting for its trainee's confirmation (0 when none waits).", nil, nil)
)

// queueStates are the unfinished states QueueDepth counts.
var queueStates = []string{"available", "scheduled", "retryable", "running", "pending"}

// undeliveredStatuses always show, so an alert on failed > 0 has a series.
var undeliveredStatuses = []string{"queued", "failed"}

func (c *figuresCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queueJobsDesc, queueAgeDesc, pastDeadlineDesc, undeliveredDesc, oldestUnconfirmedDesc} {
		ch <- d
	}
}

func (c *figuresCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.readAt.IsZero() || now.Sub(c.readAt) >= figuresTTL || now.Before(c.readAt) {
		c.read(now)
	}
	if c.queueOK {
		// The known kinds show in every state (0 when none), so an alert
		// on a state has a series before its first job.
		type key struct{ state, kind string }
		seen := map[key]bool{}
		aged := map[string]bool{}
		for _, q := range c.queue {
			seen[key{q.State, q.Kind}] = true
			ch <- prometheus.MustNewConstMetric(queueJobsDesc, prometheus.GaugeValue, float64(q.Count), q.State, q.Kind)
			if q.State == "available" {
				aged[q.Kind] = true
				ch <- prometheus.MustNewConstMetric(queueAgeDesc, prometheus.GaugeValue, max(0, now.Sub(q.OldestAvailable).Seconds()), q.Kind)
			}
		}
		for _, k := range c.m.jobKinds() {
			for _, st := range queueStates {
				if !seen[key{st, k}] {
					ch <- prometheus.MustNewConstMetric(queueJobsDesc, prometheus.GaugeValue, 0, st, k)
				}
			}
			if !aged[k] {
				ch <- prometheus.MustNewConstMetric(queueAgeDesc, prometheus.GaugeValue, 0, k)
			}
		}
	}
	if c.opsOK {
		ch <- prometheus.MustNewConstMetric(pastDeadlineDesc, prometheus.GaugeValue, float64(c.ops.PastDeadline))
		for _, s := range undeliveredStatuses {
			ch <- prometheus.MustNewConstMetric(undeliveredDesc, prometheus.GaugeValue, float64(c.ops.Undelivered[s]), s)
		}
		age := 0.0
		if !c.ops.OldestUnconfirmed.IsZero() {
			age = max(0, now.Sub(c.ops.OldestUnconfirmed).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(oldestUnconfirmedDesc, prometheus.GaugeValue, age)
	}
}

// london is where "today" is counted for the deadline (as the digest does).
var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot happen
	}
	return l
}()

// read refreshes both figures; a failed query leaves its metrics out until
// the next read, and counts the failure.
func (c *figuresCollector) read(now time.Time) {
	c.readAt = now
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	q, err := c.st.QueueDepth(ctx, queueRowLimit)
	c.queue, c.queueOK = q, err == nil
	if err != nil {
		c.m.queryErrs.WithLabelValues("queue_depth").Inc()
	}
	ops, err := c.st.Operations(ctx, now.In(london))
	c.ops, c.opsOK = ops, err == nil
	if err != nil {
		c.m.queryErrs.WithLabelValues("operations").Inc()
	}
}
