// Package config reads the service's settings from the environment and
// checks them before anything starts.
package config

import (
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/auth"
)

// Env is the deployment environment.
type Env string

// The environments the service knows.
const (
	Development Env = "development"
	Production  Env = "production"
)

// Config holds every setting the service reads from the environment.
type Config struct {
	Env            Env
	Addr           string
	BaseURL        *url.URL
	DatabaseURL    string // empty: a private PostgreSQL is started (development only)
	DataDir        string
	PGBinDir       string // where to find the private PostgreSQL's server binaries; empty: search
	LogLevel       slog.Level
	WebFont        bool
	TrustedProxies []netip.Prefix
	DBMaxConns     int32
	// DBMinConns connections are opened at start and kept open while idle
	// (serve only): a burst of requests after a start, a restart or a
	// quiet spell then finds them ready instead of opening them one by one.
	DBMinConns      int32
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration

	// MigrateDatabaseURL connects as the role that owns the schema, for
	// migrations (`careers migrate`, and serve/worker at start when set);
	// DatabaseURL is then the restricted service role (docs/operations.md).
	MigrateDatabaseURL string
	// DatabaseAllowUnverifiedTLS lets production use sslmode=require (or
	// verify-ca), encrypted but without checking the server's name.
	DatabaseAllowUnverifiedTLS bool

	// SMTPURL is smtp://user:pass@host:port (STARTTLS: required in
	// production and with ?starttls=required, in development used when
	// offered) or smtps://… (implicit TLS). Empty in development sends mail
	// to the built-in mailbox at /dev/mailbox.
	SMTPURL     *url.URL
	MailFrom    *mail.Address
	MailReplyTo *mail.Address // optional
	// RunWorkers runs the background workers inside `serve`; turn it off
	// when `careers worker` runs them elsewhere.
	RunWorkers bool
	// SkipDemoSecondFactor lets demo staff users made by `careers seed` sign
	// in without TOTP. Development only.
	SkipDemoSecondFactor bool
	// MaxInFlight is how many requests are handled at once; more wait
	// briefly, then are told the service is busy (503).
	MaxInFlight int
	// RetentionMonths is how long a finished (closed or withdrawn) referral
	// is kept before the daily retention job destroys it.
	RetentionMonths int
	// WorkshopRetentionMonths is how long a workshop's registrations
	// (names, emails, attendance, feedback) are kept after the event ends
	// (WORKSHOP_RETENTION_MONTHS, default 24).
	WorkshopRetentionMonths int
	// ReminderOffsets are how long before a session its reminders go to
	// the trainee and the coach (REMINDER_OFFSETS, default 48h,2h).
	ReminderOffsets []time.Duration
	// SecretKey (32 bytes) seals secrets at rest (TOTP secrets) and keys
	// the throttle table; PreviousSecretKeys still open what earlier keys
	// sealed, while it is sealed again under SecretKey (key rotation).
	// Empty in development until `careers serve` loads or makes the
	// development key in DATA_DIR/secret-key.
	SecretKey          []byte
	PreviousSecretKeys [][]byte

	// MetricsAddr is where Prometheus metrics are served (GET /metrics), on
	// a listener of their own; empty: no metrics listener.
	MetricsAddr string
	// OTLPEndpoint is the OpenTelemetry collector's base URL (traces go to
	// its /v1/traces over OTLP/HTTP); nil: tracing is off.
	OTLPEndpoint *url.URL
	// ServiceName names the service in traces (OTEL_SERVICE_NAME).
	ServiceName string
	// TraceSampleRatio is the share of new traces recorded (a trace begun
	// by a trusted proxy follows the proxy's decision).
	TraceSampleRatio float64
	// BookingMinNotice is how soon a session may start when it is booked,
	// and BookingHorizon how far ahead times are offered: the booking page
	// and the server read the same two values (booking.Window).
	BookingMinNotice time.Duration
	BookingHorizon   time.Duration
}

// Vars documents each variable: its name, default and meaning. The README's
// configuration table is checked against it by a test.
var Vars = []struct{ Name, Default, Meaning string }{
	{"ENV", "development", "`development` or `production`; production refuses insecure settings"},
	{"ADDR", "127.0.0.1:8080", "address the HTTP server listens on (host:port)"},
	{"BASE_URL", "http://ADDR", "the public URL people use (scheme and host); its scheme sets cookie security and HSTS; must be https in production"},
	{"DATABASE_URL", "(unset)", "PostgreSQL connection URL of the service's restricted role (reads and writes rows, no DDL, audit log insert-only); when unset in development a private PostgreSQL with both roles is started under DATA_DIR; required in production, with `sslmode=verify-full`"},
	{"MIGRATE_DATABASE_URL", "(unset)", "PostgreSQL connection URL of the role that owns the schema: `careers migrate up` (and `serve`/`worker` at start, when set) migrate with it and grant the DATABASE_URL role its privileges; when unset in production, serve does not migrate (run `careers migrate up` with it first); `sslmode=verify-full` in production"},
	{"DATABASE_ALLOW_UNVERIFIED_TLS", "false", "`true` lets production connect to PostgreSQL with `sslmode=require` (encrypted, server name not checked); without it production needs `sslmode=verify-full`"},
	{"DATA_DIR", ".data", "folder for local data (the private PostgreSQL lives in DATA_DIR/postgres)"},
	{"PG_BIN_DIR", "(searched)", "development: folder with the PostgreSQL server binaries for the private database; by default pg_config --bindir, /usr/lib/postgresql/*/bin, then PATH"},
	{"LOG_LEVEL", "info", "`debug`, `info`, `warn` or `error`"},
	{"NHS_WEB_FONT", "false", "`true` loads the NHS web font (Frutiger) from assets.nhs.uk; the CSP then allows exactly that host"},
	{"TRUSTED_PROXIES", "(none)", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed, e.g. `10.0.0.0/8`"},
	{"SMTP_URL", "(unset)", "mail server: `smtp://user:password@host:587` (STARTTLS, which production requires: a server that does not offer it is refused) or `smtps://user:password@host:465` (implicit TLS); unset in development stores mail in the mailbox at /dev/mailbox; required in production"},
	{"MAIL_FROM", "Careers support <careers@localhost>", "the From address of every message; required in production"},
	{"MAIL_REPLY_TO", "(none)", "an optional Reply-To address, e.g. the unit's shared mailbox"},
	{"RUN_WORKERS", "true", "run the background workers (email, reminders, retention) inside `serve`; set false when `careers worker` runs them"},
	{"SECRET_KEY", "(unset)", "base64 of 32 random bytes (`openssl rand -base64 32`) that encrypts TOTP secrets at rest and keys the throttle table; required in production; unset in development, `careers serve` makes one once in DATA_DIR/secret-key (docs/operations.md: rotating it)"},
	{"SECRET_KEY_PREVIOUS", "(none)", "comma-separated earlier SECRET_KEY values, still accepted for reading while `careers serve` re-encrypts what they sealed under SECRET_KEY at start"},
	{"DEMO_SKIP_SECOND_FACTOR", "false", "development only: demo staff users from `careers seed` sign in without TOTP (`make run` sets it); refused in production"},
	{"MAX_IN_FLIGHT", "64", "most requests handled at once; more wait up to 2 seconds for a turn, then get a 503 \"busy\" page (bounds memory under overload)"},
	{"RETENTION_MONTHS", "72", "months a closed or withdrawn referral is kept before the daily retention job destroys it (docs/decisions/0003-retention.md says why six years)"},
	{"WORKSHOP_RETENTION_MONTHS", "24", "months a workshop's registrations (names, emails, attendance, feedback) are kept after the event ends before the daily retention job destroys them; the event itself stays"},
	{"METRICS_ADDR", "(unset)", "address (host:port) of a separate listener serving Prometheus metrics at `/metrics` (no personal data); unset: off; `make run` sets `127.0.0.1:9464`; keep it reachable only by the monitoring system (docs/operations.md, Monitoring)"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "(unset)", "base URL of an OpenTelemetry collector (OTLP over HTTP, e.g. `http://otel-collector:4318`); traces go to its `/v1/traces`; unset: tracing is off. The exporter also reads `OTEL_EXPORTER_OTLP_HEADERS`, `_TIMEOUT` and `_CERTIFICATE` from the environment"},
	{"OTEL_SERVICE_NAME", "careers", "the service's name in traces"},
	{"OTEL_TRACES_SAMPLER_ARG", "1", "share of requests traced, from 0 to 1 (parent-based ratio sampling: a trace begun by a trusted proxy keeps the proxy's decision)"},
	{"DB_MAX_CONNS", "10", "most connections in the database pool"},
	{"DB_MIN_CONNS", "DB_MAX_CONNS", "connections `careers serve` opens at start and keeps open while idle, so a burst after a start or a quiet spell does not wait for new ones (0 opens them on demand)"},
	{"REQUEST_TIMEOUT", "30s", "longest time a request may take before it is cancelled"},
	{"BOOKING_MIN_NOTICE", "12h", "how soon a session may start when it is booked: the booking page offers no time sooner, and the server refuses one"},
	{"BOOKING_HORIZON", "1344h", "how far ahead times are offered and may be booked (1344h is 8 weeks)"},
	{"SHUTDOWN_TIMEOUT", "20s", "how long in-flight requests may run after SIGTERM/SIGINT before the server closes"},
}

// Load reads the configuration through getenv (os.Getenv in main, a map in
// tests), validates it, and in production also applies ValidateProduction.
// Each problem is reported on its own line naming the variable.
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}

	c := Config{
		Env:         Env(strings.ToLower(get("ENV", string(Development)))),
		Addr:        get("ADDR", "127.0.0.1:8080"),
		DatabaseURL: get("DATABASE_URL", ""),
		DataDir:     get("DATA_DIR", ".data"),
		PGBinDir:    get("PG_BIN_DIR", ""),
	}

	if c.Env != Development && c.Env != Production {
		bad("ENV", "must be %q or %q, got %q", Development, Production, c.Env)
	}
	addrOK := false
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("ADDR", "must be host:port such as 127.0.0.1:8080, got %q", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("ADDR", "port must be a number from 0 to 65535, got %q", port)
	} else {
		addrOK = true
	}

	rawBase := get("BASE_URL", "")
	if rawBase == "" && addrOK {
		rawBase = "http://" + c.Addr
	}
	// With a bad ADDR and no BASE_URL, ADDR is already reported; a BASE_URL
	// derived from it would only repeat the problem.
	if rawBase != "" {
		if u, err := parseBaseURL(rawBase); err != nil {
			bad("BASE_URL", "%v", err)
		} else {
			c.BaseURL = u
		}
	}

	if c.DatabaseURL != "" {
		if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil {
			// pgx's message can echo the URL, which may hold a password.
			bad("DATABASE_URL", "is not a valid PostgreSQL connection string")
		}
	}
	c.MigrateDatabaseURL = get("MIGRATE_DATABASE_URL", "")
	if c.MigrateDatabaseURL != "" {
		if _, err := pgxpool.ParseConfig(c.MigrateDatabaseURL); err != nil {
			bad("MIGRATE_DATABASE_URL", "is not a valid PostgreSQL connection string")
		}
	}
	c.DatabaseAllowUnverifiedTLS = boolVar(get("DATABASE_ALLOW_UNVERIFIED_TLS", "false"), "DATABASE_ALLOW_UNVERIFIED_TLS", bad)

	switch lvl := strings.ToLower(get("LOG_LEVEL", "info")); lvl {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		bad("LOG_LEVEL", "must be debug, info, warn or error, got %q", lvl)
	}

	c.WebFont = boolVar(get("NHS_WEB_FONT", "false"), "NHS_WEB_FONT", bad)

	for _, s := range strings.Split(get("TRUSTED_PROXIES", ""), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			bad("TRUSTED_PROXIES", "%q is not a CIDR such as 10.0.0.0/8", s)
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}

	if raw := get("SMTP_URL", ""); raw != "" {
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			// url's message echoes the URL, which holds a password.
			bad("SMTP_URL", "is not a valid URL such as smtp://user:password@mail.example.nhs.uk:587")
		case u.Scheme != "smtp" && u.Scheme != "smtps":
			bad("SMTP_URL", "must start with smtp:// (STARTTLS) or smtps:// (implicit TLS)")
		case u.Hostname() == "":
			bad("SMTP_URL", "must name the mail server's host")
		default:
			c.SMTPURL = u
		}
	}
	if a, err := mail.ParseAddress(get("MAIL_FROM", "Careers support <careers@localhost>")); err != nil {
		bad("MAIL_FROM", "must be an email address such as \"Careers support <careers@example.nhs.uk>\", got %q", getenv("MAIL_FROM"))
	} else {
		c.MailFrom = a
	}
	if raw := get("MAIL_REPLY_TO", ""); raw != "" {
		if a, err := mail.ParseAddress(raw); err != nil {
			bad("MAIL_REPLY_TO", "must be an email address, got %q", raw)
		} else {
			c.MailReplyTo = a
		}
	}
	c.RunWorkers = boolVar(get("RUN_WORKERS", "true"), "RUN_WORKERS", bad)
	c.SkipDemoSecondFactor = boolVar(get("DEMO_SKIP_SECOND_FACTOR", "false"), "DEMO_SKIP_SECOND_FACTOR", bad)

	if n, err := strconv.Atoi(get("DB_MAX_CONNS", "10")); err != nil || n < 1 || n > 1000 {
		bad("DB_MAX_CONNS", "must be a whole number from 1 to 1000, got %q", getenv("DB_MAX_CONNS"))
	} else {
		c.DBMaxConns = int32(n)
	}
	if v := get("DB_MIN_CONNS", ""); v == "" {
		c.DBMinConns = c.DBMaxConns
	} else if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 1000 {
		bad("DB_MIN_CONNS", "must be a whole number from 0 to 1000, got %q", getenv("DB_MIN_CONNS"))
	} else if int32(n) > c.DBMaxConns && c.DBMaxConns > 0 {
		bad("DB_MIN_CONNS", "must be at most DB_MAX_CONNS (%d), got %d", c.DBMaxConns, n)
	} else {
		c.DBMinConns = int32(n)
	}
	if n, err := strconv.Atoi(get("MAX_IN_FLIGHT", "64")); err != nil || n < 1 || n > 100000 {
		bad("MAX_IN_FLIGHT", "must be a whole number from 1 to 100000, got %q", getenv("MAX_IN_FLIGHT"))
	} else {
		c.MaxInFlight = n
	}
	if n, err := strconv.Atoi(get("RETENTION_MONTHS", "72")); err != nil || n < 1 || n > 1200 {
		bad("RETENTION_MONTHS", "must be a whole number of months from 1 to 1200, got %q", getenv("RETENTION_MONTHS"))
	} else {
		c.RetentionMonths = n
	}
	if n, err := strconv.Atoi(get("WORKSHOP_RETENTION_MONTHS", "24")); err != nil || n < 1 || n > 1200 {
		bad("WORKSHOP_RETENTION_MONTHS", "must be a whole number of months from 1 to 1200, got %q", getenv("WORKSHOP_RETENTION_MONTHS"))
	} else {
		c.WorkshopRetentionMonths = n
	}
	if raw := get("SECRET_KEY", ""); raw != "" {
		if k, err := auth.ParseSecretKey(raw); err != nil {
			bad("SECRET_KEY", "%v", err) // the message never repeats the value
		} else {
			c.SecretKey = k
		}
	}
	for _, raw := range strings.Split(get("SECRET_KEY_PREVIOUS", ""), ",") {
		if raw = strings.TrimSpace(raw); raw == "" {
			continue
		}
		if k, err := auth.ParseSecretKey(raw); err != nil {
			bad("SECRET_KEY_PREVIOUS", "each key %v", err)
		} else {
			c.PreviousSecretKeys = append(c.PreviousSecretKeys, k)
		}
	}
	if c.MetricsAddr = get("METRICS_ADDR", ""); c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("METRICS_ADDR", "must be host:port such as 127.0.0.1:9464, got %q", c.MetricsAddr)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			bad("METRICS_ADDR", "port must be a number from 0 to 65535, got %q", port)
		} else if c.MetricsAddr == c.Addr && n != 0 {
			bad("METRICS_ADDR", "must differ from ADDR (metrics have a listener of their own), got %q", c.MetricsAddr)
		}
	}
	if raw := get("OTEL_EXPORTER_OTLP_ENDPOINT", ""); raw != "" {
		u, err := url.Parse(raw)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			bad("OTEL_EXPORTER_OTLP_ENDPOINT", "must be an http:// or https:// URL such as http://otel-collector:4318, got %q", raw)
		case u.User != nil || u.RawQuery != "" || u.Fragment != "":
			// Credentials belong in OTEL_EXPORTER_OTLP_HEADERS, not the URL
			// (which is logged); the value is not repeated here.
			bad("OTEL_EXPORTER_OTLP_ENDPOINT", "must be a scheme, host and optional path, with no user, query or fragment (put credentials in OTEL_EXPORTER_OTLP_HEADERS)")
		default:
			c.OTLPEndpoint = u
		}
	}
	c.ServiceName = get("OTEL_SERVICE_NAME", "careers")
	if len(c.ServiceName) > 100 {
		bad("OTEL_SERVICE_NAME", "must be at most 100 characters")
	}
	if f, err := strconv.ParseFloat(get("OTEL_TRACES_SAMPLER_ARG", "1"), 64); err != nil || f < 0 || f > 1 {
		bad("OTEL_TRACES_SAMPLER_ARG", "must be a number from 0 to 1, got %q", getenv("OTEL_TRACES_SAMPLER_ARG"))
	} else {
		c.TraceSampleRatio = f
	}
	c.ReminderOffsets = reminderOffsets(get("REMINDER_OFFSETS", "48h,2h"), bad)
	c.RequestTimeout = duration(get("REQUEST_TIMEOUT", "30s"), "REQUEST_TIMEOUT", bad)
	c.ShutdownTimeout = duration(get("SHUTDOWN_TIMEOUT", "20s"), "SHUTDOWN_TIMEOUT", bad)
	c.BookingMinNotice = duration(get("BOOKING_MIN_NOTICE", "12h"), "BOOKING_MIN_NOTICE", bad)
	c.BookingHorizon = duration(get("BOOKING_HORIZON", "1344h"), "BOOKING_HORIZON", bad)
	if c.BookingMinNotice > 0 && c.BookingHorizon > 0 && c.BookingHorizon <= c.BookingMinNotice {
		bad("BOOKING_HORIZON", "must be longer than BOOKING_MIN_NOTICE")
	}

	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	if c.Env == Production {
		if err := c.ValidateProduction(); err != nil {
			return Config{}, err
		}
	}
	return c, nil
}

func boolVar(s, name string, bad func(string, string, ...any)) bool {
	v, err := strconv.ParseBool(s)
	if err != nil {
		bad(name, "must be true or false, got %q", s)
	}
	return v
}

func duration(s, name string, bad func(string, string, ...any)) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		bad(name, "must be a positive duration such as 30s or 2m, got %q", s)
		return 0
	}
	return d
}

// reminderOffsets reads a comma-separated list of durations from 15
// minutes to 14 days, whole minutes, each at most once; longest first.
func reminderOffsets(s string, bad func(string, string, ...any)) []time.Duration {
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil || d < 15*time.Minute || d > 14*24*time.Hour || d%time.Minute != 0 || slices.Contains(out, d) {
			bad("REMINDER_OFFSETS", "must be durations from 15m to 336h in whole minutes, each once, such as 48h,2h; got %q", s)
			return nil
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return out
}

func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("must be an absolute URL such as https://careers.example.nhs.uk, got %q", s)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("must start with http:// or https://, got %q", s)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("must be a scheme and host only (an optional path), with no user, query or fragment, got %q", s)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// Validate checks settings that must hold in every environment.
func (c Config) Validate() error {
	if c.BaseURL == nil {
		return errors.New("BASE_URL: is required")
	}
	if c.DataDir == "" {
		return errors.New("DATA_DIR: must not be empty")
	}
	if c.Env == Development && !loopback(c.Addr) {
		// Development serves the mailbox (with everyone's sign-in links)
		// and demo sign-ins: never on an address others can reach.
		return fmt.Errorf("ADDR: development mode listens only on a loopback address such as 127.0.0.1:8080 (got %q); set ENV=production to serve others", c.Addr)
	}
	return nil
}

// loopback reports whether addr (host:port) listens only on this machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// ValidateProduction refuses settings that are unsafe in production and
// names each one.
func (c Config) ValidateProduction() error {
	var errs []error
	if c.BaseURL == nil || c.BaseURL.Scheme != "https" {
		errs = append(errs, errors.New("BASE_URL: must use https in production (cookies and HSTS depend on it)"))
	}
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL: is required in production (the private PostgreSQL is for development only)"))
	}
	for _, v := range []struct{ name, url string }{{"DATABASE_URL", c.DatabaseURL}, {"MIGRATE_DATABASE_URL", c.MigrateDatabaseURL}} {
		if err := databaseTransport(v.name, v.url, c.DatabaseAllowUnverifiedTLS); err != nil {
			errs = append(errs, err)
		}
	}
	if c.SMTPURL == nil {
		errs = append(errs, errors.New("SMTP_URL: is required in production (the development mailbox does not exist there)"))
	} else if err := smtpTransport(c.SMTPURL); err != nil {
		errs = append(errs, err)
	}
	if c.MailFrom == nil || strings.HasSuffix(c.MailFrom.Address, "@localhost") {
		errs = append(errs, errors.New("MAIL_FROM: must be set to the unit's real address in production"))
	}
	if c.SkipDemoSecondFactor {
		errs = append(errs, errors.New("DEMO_SKIP_SECOND_FACTOR: is development only; every staff sign-in needs its second factor in production"))
	}
	if len(c.SecretKey) != auth.SecretKeySize {
		errs = append(errs, errors.New("SECRET_KEY: is required in production: base64 of 32 random bytes (make one with: openssl rand -base64 32), kept in the secret store, never in the repository"))
	}
	return errors.Join(errs...)
}

// databaseTransport refuses a PostgreSQL URL that could connect without TLS
// (sslmode disable, allow or prefer, or libpq's default) or, unless
// allowUnverified, one that does not check the server's certificate
// against its name (require, verify-ca). It reads the parsed connection
// settings, so PGSSLMODE and multi-host URLs count as they would on
// connecting.
func databaseTransport(name, raw string, allowUnverified bool) error {
	if raw == "" {
		return nil
	}
	pc, err := pgconn.ParseConfig(raw)
	if err != nil {
		return fmt.Errorf("%s: is not a valid PostgreSQL connection string", name)
	}
	tlsConfigs := []*tls.Config{pc.TLSConfig}
	for _, f := range pc.Fallbacks {
		tlsConfigs = append(tlsConfigs, f.TLSConfig)
	}
	unverified := false
	for _, t := range tlsConfigs {
		switch {
		case t == nil:
			return fmt.Errorf("%s: must use sslmode=verify-full in production: this URL allows a connection without TLS", name)
		case t.InsecureSkipVerify:
			// require and verify-ca: encrypted, but the server's name is
			// not checked against its certificate.
			unverified = true
		}
	}
	if unverified && !allowUnverified {
		return fmt.Errorf("%s: must use sslmode=verify-full in production: this URL does not check the server's certificate against its name "+
			"(sslmode=require is accepted only with DATABASE_ALLOW_UNVERIFIED_TLS=true)", name)
	}
	return nil
}

// smtpTransport refuses a mail server URL that could send in plain text:
// only smtps:// (implicit TLS) and smtp:// with STARTTLS required (the
// default in production, see mail.NewSender) are allowed.
func smtpTransport(u *url.URL) error {
	switch u.Scheme {
	case "smtps":
		return nil
	case "smtp":
		if v := u.Query().Get("starttls"); v != "" && v != "required" {
			return fmt.Errorf("SMTP_URL: starttls=%s would send mail in plain text to a server that offers no STARTTLS; "+
				"production requires STARTTLS (leave it out or use starttls=required) or smtps://", v)
		}
		return nil
	}
	return errors.New("SMTP_URL: must start with smtp:// (STARTTLS, required in production) or smtps:// (implicit TLS)")
}

// Secure reports whether the service is reached over HTTPS, which decides the
// cookie flags and HSTS.
func (c Config) Secure() bool { return c.BaseURL != nil && c.BaseURL.Scheme == "https" }

// IsDevelopment reports whether development-only features may be on.
func (c Config) IsDevelopment() bool { return c.Env == Development }
