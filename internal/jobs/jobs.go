// Package jobs runs the service's background work on River
// (github.com/riverqueue/river) in the service's own PostgreSQL: email
// delivery with retries, and periodic jobs such as the coordinators' daily
// deadline digest and the destruction of records past their retention period.
//
// Features never send mail directly. They call Enqueue inside the
// transaction that makes the change, which records the notification and its
// delivery job together: a rolled-back change sends nothing, a committed one
// is delivered even if the mail server is down for hours. A Client runs the
// workers, inside `careers serve` (RUN_WORKERS) or `careers worker`; any
// number of clients may run against one database at once: River hands each
// job to one of them, only the elected leader schedules periodic jobs, and
// delivery locks the notification so it cannot be sent twice.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"careers/internal/auth"
	"careers/internal/config"
	"careers/internal/mail"
	"careers/internal/store"
	"careers/internal/telemetry"
)

// QueueEmail is the River queue of email deliveries; other work runs on
// River's default queue.
const QueueEmail = "email"

// How long jobs may run, and when one is taken to have been interrupted.
// A job whose worker died (a crash, a killed container, a lost database
// connection) stays "running" in River's table until River's rescuer, run
// by the leader every 30 seconds, finds it running for longer than
// RescueStuckJobsAfter and also longer than its own timeout, and schedules
// it again. River's default is an hour; these put an interrupted email
// back in the queue within about four minutes.
const (
	// DeliveryTimeout bounds one email delivery attempt (the SMTP
	// conversation has its own shorter timeouts; this is the backstop).
	DeliveryTimeout = time.Minute
	// DefaultJobTimeout bounds the periodic jobs (digest, reminders).
	DefaultJobTimeout = 2 * time.Minute
	// RetentionTimeout bounds one run of the retention job; a run cut
	// short fails, and River runs it again, carrying on where it stopped.
	RetentionTimeout = 15 * time.Minute
	// RescueStuckJobsAfter is how long after it started a job still
	// "running" is run again: delivery, the digest and the reminders after
	// this, the retention job after RetentionTimeout. It is longer than
	// DeliveryTimeout and DefaultJobTimeout, so a job still alive has been
	// cancelled by then; should one ignore that, delivery's row lock still
	// keeps a message from being sent twice.
	RescueStuckJobsAfter = 3 * time.Minute
)

// Client runs the workers and the periodic jobs.
type Client struct {
	river *river.Client[pgx.Tx]
	log   *slog.Logger
}

type options struct {
	now          func() time.Time
	backoff      func(attempt int) time.Duration
	maxAttempts  int
	pollInterval time.Duration
	emailWorkers int
	metrics      *telemetry.Metrics
	tracing      *telemetry.Tracing
}

// Option adjusts a Client; the defaults suit production.
type Option func(*options)

// WithClock replaces time.Now for the periodic jobs' idea of "today".
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithBackoff replaces DefaultBackoff (tests use milliseconds).
func WithBackoff(f func(attempt int) time.Duration) Option {
	return func(o *options) { o.backoff = f }
}

// WithMaxAttempts lowers the number of delivery attempts below
// DefaultMaxAttempts (it cannot raise it: the limit is also set on each job
// when it is queued).
func WithMaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// WithPollInterval sets how often the client looks for jobs it was not told
// about (default 1 second; new jobs normally arrive by LISTEN/NOTIFY at once).
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.pollInterval = d } }

// WithEmailWorkers sets how many messages one client sends at once (default
// 4). Each holds a database connection while it talks to the mail server,
// so keep it well under DB_MAX_CONNS.
func WithEmailWorkers(n int) Option { return func(o *options) { o.emailWorkers = n } }

// WithMetrics counts job outcomes, retries and emails in m (default: a set
// of the client's own that nothing serves).
func WithMetrics(m *telemetry.Metrics) Option { return func(o *options) { o.metrics = m } }

// WithTracing traces each job worked (River's OpenTelemetry middleware);
// nil leaves tracing off.
func WithTracing(t *telemetry.Tracing) Option { return func(o *options) { o.tracing = t } }

// Kinds are the kinds of job the client works (the metrics' kind label).
func Kinds() []string {
	return []string{deliverArgs{}.Kind(), digestArgs{}.Kind(), remindArgs{}.Kind(), linkRequestArgs{}.Kind(),
		apptRemindArgs{}.Kind(), retentionArgs{}.Kind()}
}

// New prepares a client over pool; Start runs it. sender delivers the
// messages (mail.NewSender picks SMTP or the development mailbox). cfg gives
// the public address used in links.
func New(pool *pgxpool.Pool, cfg config.Config, logger *slog.Logger, sender mail.Sender, opts ...Option) (*Client, error) {
	if pool == nil || sender == nil {
		return nil, errors.New("jobs: New needs a pool and a sender")
	}
	if cfg.BaseURL == nil {
		return nil, errors.New("jobs: New needs BASE_URL for the links in messages")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o := options{
		now:          time.Now,
		backoff:      DefaultBackoff,
		maxAttempts:  DefaultMaxAttempts,
		pollInterval: time.Second,
		emailWorkers: 4,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.metrics == nil {
		o.metrics = telemetry.NewMetrics()
	}
	if o.maxAttempts < 1 || o.emailWorkers < 1 || o.pollInterval <= 0 {
		return nil, errors.New("jobs: max attempts, email workers and poll interval must be positive")
	}
	log := logger.With("component", "jobs")
	st := store.New(pool)
	// The link-request job counts mail per recipient in the throttle table,
	// whose keys are keyed with the service's secret (as the web side's).
	if len(cfg.SecretKey) == 0 {
		return nil, errors.New("jobs: New needs SECRET_KEY (the throttle table's keys)")
	}
	keys, err := auth.NewKeyring(cfg.SecretKey, cfg.PreviousSecretKeys...)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &deliverWorker{
		pool: pool, st: st, sender: sender, log: log, maxAttempts: o.maxAttempts, backoff: o.backoff, metrics: o.metrics,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &digestWorker{
		pool: pool, baseURL: cfg.BaseURL, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &remindWorker{
		pool: pool, baseURL: cfg.BaseURL, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &linkRequestWorker{
		pool: pool, st: st.WithKeyring(keys), baseURL: cfg.BaseURL, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &apptRemindWorker{
		pool: pool, baseURL: cfg.BaseURL, offsets: cfg.ReminderOffsets, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &attendanceWorker{
		pool: pool, baseURL: cfg.BaseURL, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}

	if err := river.AddWorkerSafely(workers, &leadDigestWorker{
		pool: pool, baseURL: cfg.BaseURL, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &summaryRemindWorker{
		pool: pool, baseURL: cfg.BaseURL, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}

	months := cfg.RetentionMonths
	if months == 0 {
		months = DefaultRetentionMonths
	}
	wsMonths := cfg.WorkshopRetentionMonths
	if wsMonths == 0 {
		wsMonths = DefaultWorkshopRetentionMonths
	}
	if err := river.AddWorkerSafely(workers, &retentionWorker{
		pool: pool, months: months, workshopMonths: wsMonths, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	// The queue's status counts: changes folded in every minute.
	if err := river.AddWorkerSafely(workers, &foldCountsWorker{st: st}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	// Workshops (ws-core): run-out offers and reminders.
	if err := river.AddWorkerSafely(workers, &workshopSweepWorker{
		pool: pool, m: NewWorkshopMailer(cfg), now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &followUpWorker{
		pool: pool, baseURL: cfg.BaseURL, months: months, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}

	// ws-after (issue 16): the email asking workshop attendees for feedback.
	if err := river.AddWorkerSafely(workers, &workshopFeedbackWorker{
		pool: pool, baseURL: cfg.BaseURL, now: o.now, log: log,
	}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}

	// Each kind's counters show from the start; tracing (when on) is
	// outermost, so the counting middleware's work is inside the job's span.
	o.metrics.JobKinds(Kinds()...)
	var middleware []rivertype.Middleware
	if o.tracing != nil {
		middleware = append(middleware, o.tracing.JobMiddleware())
	}
	middleware = append(middleware, o.metrics.JobMiddleware())

	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Middleware: middleware,
		// River logs job ids, kinds and the errors our workers return (safe
		// summaries), never job arguments.
		Logger: logger.With("component", "river"),
		Queues: map[string]river.QueueConfig{
			QueueEmail:         {MaxWorkers: o.emailWorkers},
			river.QueueDefault: {MaxWorkers: 2},
		},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			// Hourly, and at start: the worker itself decides whether today's
			// digest is due, and keys make a rerun send nothing new, so a
			// restart or a change of leader can neither skip nor repeat a day.
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return digestArgs{}, nil },
				&river.PeriodicJobOpts{ID: "deadline_digest", RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return remindArgs{}, nil },
				&river.PeriodicJobOpts{ID: "confirm_reminders", RunOnStart: true}),
			// Every 5 minutes, so a 2-hour reminder goes within 5 minutes of
			// its time; appointment_reminders' key sends each one once.
			river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return apptRemindArgs{}, nil },
				&river.PeriodicJobOpts{ID: "appointment_reminders", RunOnStart: true}),
			// Hourly: the morning's requests to record attendance.
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return attendanceArgs{}, nil },
				&river.PeriodicJobOpts{ID: "attendance_requests", RunOnStart: true}),
			// Hourly: the leads' digest of requests waiting (its key makes
			// it daily), and the summary reminders every half hour. Not at
			// start: neither is urgent to the minute, and a run at start
			// lands at an unpredictable moment after a restart.
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return leadDigestArgs{}, nil },
				&river.PeriodicJobOpts{ID: "lead_digest"}),
			river.NewPeriodicJob(river.PeriodicInterval(30*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return summaryRemindArgs{}, nil },
				&river.PeriodicJobOpts{ID: "summary_reminders"}),
			// Daily, and at start: destroys what has passed its retention
			// period (docs/decisions/0003-retention.md).
			// Hourly: the outcome questionnaire's six-month follow-up.
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return followUpArgs{}, nil },
				&river.PeriodicJobOpts{ID: "outcome_followups", RunOnStart: true}),
			// ws-after (issue 16): every 15 minutes, workshop attendees
			// asked for feedback once the event has ended.
			river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return workshopFeedbackArgs{}, nil },
				&river.PeriodicJobOpts{ID: "workshop_feedback_asks"}),
			// Every minute, and at start: the referral status changes
			// folded into the queue's counts.
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return foldCountsArgs{}, nil },
				&river.PeriodicJobOpts{ID: "referral_status_counts", RunOnStart: true}),
			// Every 5 minutes (ws-core): workshop offers that ran out go to
			// the next person waiting; reminders 2 days and 2 hours before.
			river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return workshopSweepArgs{}, nil },
				&river.PeriodicJobOpts{ID: "workshop_sweep", RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return retentionArgs{}, nil },
				&river.PeriodicJobOpts{ID: "retention", RunOnStart: true}),
		},
		FetchPollInterval:    o.pollInterval,
		FetchCooldown:        min(100*time.Millisecond, o.pollInterval),
		JobTimeout:           DefaultJobTimeout,
		RescueStuckJobsAfter: RescueStuckJobsAfter,
		// River's nightly REINDEX of its job indexes needs the tables'
		// owner, and the service runs as a role that owns nothing
		// (docs/operations.md, "Database roles"): the owner can run it.
		ReindexerIndexNames: []string{},
		// Finished jobs carry no personal data, but there is no need to
		// keep them long: the notifications table is the record.
		CompletedJobRetentionPeriod: 24 * time.Hour,
		CancelledJobRetentionPeriod: 7 * 24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Client{river: rc, log: log}, nil
}

// Start starts the workers and returns; they run until Stop or until ctx is
// cancelled (which begins a soft stop).
func (c *Client) Start(ctx context.Context) error {
	if err := c.river.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	c.log.InfoContext(ctx, "workers started")
	return nil
}

// Stop lets running jobs finish and stops; when ctx ends first, running jobs
// are cancelled (a message being sent is then retried later).
func (c *Client) Stop(ctx context.Context) error {
	err := c.river.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err = c.river.StopAndCancel(hard)
	}
	if err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	c.log.Info("workers stopped")
	return nil
}

// queueURL is the coordinators' referral queue, linked from the digest.
func queueURL(base *url.URL) string { return base.JoinPath("staff", "referrals").String() }
