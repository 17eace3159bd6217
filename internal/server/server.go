// Package server holds the HTTP side of the service: one route table,
// middleware, and one handler per file.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"

	"careers/internal/auth"
	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/internal/telemetry"
	"careers/web"
)

// Server holds everything the handlers need. It has no package globals: tests
// build as many as they like.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	store    *store.Store
	assets   *web.Assets
	sessions *scs.SessionManager
	now      func() time.Time
	hasher   *auth.Hasher
	// keys seal secrets at rest (TOTP secrets) under SECRET_KEY.
	keys    *auth.Keyring
	enqueue Enqueue
	// rules records each route's access rule ("METHOD /pattern"), filled
	// as routes are registered; the route-walk test reads it.
	rules map[string]policy.Rule

	// bodyWindow and uploadWindow bound how long a request's body may take
	// to arrive once it has a turn (limitInFlight); tests shorten them.
	bodyWindow, uploadWindow time.Duration

	// sessionStore is kept to stop its cleanup goroutine on Close.
	sessionStore *store.SessionStore

	// metrics records requests, turns and sign-in failures; tracing is nil
	// when tracing is off (then no tracing wrapper is installed).
	metrics *telemetry.Metrics
	tracing *telemetry.Tracing

	// The busy page, rendered once (renderBusy).
	busyOnce  sync.Once
	busyBytes []byte
	busyErr   error
}

// Deps are the parts a Server is built from.
type Deps struct {
	Config config.Config
	Logger *slog.Logger
	Store  *store.Store
	Assets *web.Assets
	// Now is the clock; nil means time.Now. Tests inject their own.
	Now func() time.Time
	// Enqueue puts notifications on the durable queue.
	Enqueue Enqueue
	// Metrics is where the server's Prometheus metrics go; nil: a set of
	// its own that nothing serves.
	Metrics *telemetry.Metrics
	// Tracing, when not nil, traces each request (OpenTelemetry) and puts
	// the trace ID in the log lines.
	Tracing *telemetry.Tracing
}

// New builds a Server. Close must be called to stop its background work.
func New(d Deps) (*Server, error) {
	if d.Store == nil || d.Assets == nil || d.Logger == nil {
		return nil, errors.New("server: store, assets and logger are required")
	}
	if len(d.Config.SecretKey) == 0 {
		return nil, errors.New("SECRET_KEY: is not set (in development `careers serve` makes one in DATA_DIR/secret-key)")
	}
	keys, err := auth.NewKeyring(d.Config.SecretKey, d.Config.PreviousSecretKeys...)
	if err != nil {
		return nil, err
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	ss := store.NewSessionStore(d.Store.Pool(), sessStaffID, sessPublicEmail, 10*time.Minute)
	m := d.Metrics
	if m == nil {
		m = telemetry.NewMetrics()
	}
	s := &Server{
		cfg:          d.Config,
		log:          d.Logger,
		metrics:      m,
		tracing:      d.Tracing,
		store:        d.Store.WithKeyring(keys),
		keys:         keys,
		assets:       d.Assets,
		sessions:     newSessionManager(d.Config, ss),
		now:          now,
		hasher:       auth.NewHasher(0),
		enqueue:      d.Enqueue,
		rules:        map[string]policy.Rule{},
		sessionStore: ss,
		bodyWindow:   bodyReadWindow,
		uploadWindow: uploadReadWindow,
	}
	if d.Tracing != nil {
		s.log = slog.New(d.Tracing.LogHandler(d.Logger.Handler()))
	}
	// A session that cannot be loaded or saved gets the 503 page and a
	// JSON log line (not scs's bare text 500 on the standard logger).
	s.sessions.ErrorFunc = s.sessionError
	return s, nil
}

// Close stops background work started by New.
func (s *Server) Close() { s.sessionStore.StopCleanup() }

// sessionIdle is how long a session lasts unused (ENGINEERING.md).
const sessionIdle = 30 * time.Minute

// newSessionManager applies the session rules of ENGINEERING.md: 30 minutes
// idle, 12 hours absolute, server-side storage, and a __Host- cookie when the
// service is reached over HTTPS (which pins it to this host and path /).
// The idle timeout is the store's (store.SessionStore.SetIdleTimeout), not
// scs's: scs with one marks every session changed on every request, to be
// encoded, compared and sent back in a Set-Cookie on every answer; the
// store moves an unchanged session's expiry on by itself (touchSession).
func newSessionManager(cfg config.Config, st *store.SessionStore) *scs.SessionManager {
	sm := scs.New()
	sm.Store = st
	sm.Codec = st.Codec()
	st.SetIdleTimeout(sessionIdle)
	sm.Lifetime = 12 * time.Hour
	sm.Cookie.HttpOnly = true
	sm.Cookie.Path = "/"
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Persist = false
	if cfg.Secure() {
		sm.Cookie.Name = "__Host-careers_session"
		sm.Cookie.Secure = true
	} else {
		sm.Cookie.Name = "careers_session"
	}
	return sm
}

// Sessions exposes the session manager (sign-in handlers renew tokens with it).
func (s *Server) Sessions() *scs.SessionManager { return s.sessions }

// ready reports whether the service can do useful work: the database answers
// and has every migration this binary expects.
func (s *Server) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		return err
	}
	current, err := jobs.Current(ctx, s.store.Pool())
	if err != nil {
		return err
	}
	if !current {
		return errors.New("server: job queue schema not migrated")
	}
	return nil
}

// pgxTx is the raw transaction InTx hands to code outside the store.
type pgxTx = pgx.Tx
