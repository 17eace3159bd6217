package config_test

import (
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"careers/internal/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatalf("Load with no variables: %v", err)
	}
	if c.Env != config.Development || c.Addr != "127.0.0.1:8080" || c.BaseURL.String() != "http://127.0.0.1:8080" {
		t.Errorf("defaults = %v %q %q", c.Env, c.Addr, c.BaseURL)
	}
	if c.DatabaseURL != "" || c.DataDir != ".data" || c.LogLevel != slog.LevelInfo || c.WebFont {
		t.Errorf("defaults = %+v", c)
	}
	if c.SMTPURL != nil || c.MailFrom.Address != "careers@localhost" || c.MailReplyTo != nil || !c.RunWorkers || c.SkipDemoSecondFactor {
		t.Errorf("mail/worker defaults = %+v", c)
	}
	if c.RequestTimeout != 30*time.Second || c.ShutdownTimeout != 20*time.Second || c.DBMaxConns != 10 || c.DBMinConns != 10 {
		t.Errorf("defaults = %+v", c)
	}
	if c.WorkshopRetentionMonths != 24 {
		t.Errorf("WorkshopRetentionMonths = %d, want 24 (two years after the event)", c.WorkshopRetentionMonths)
	}
	if c.Secure() {
		t.Error("an http base URL must not be Secure")
	}
}

func TestValidValues(t *testing.T) {
	c, err := config.Load(env(map[string]string{
		"ENV": "production", "ADDR": "0.0.0.0:9000", "BASE_URL": "https://careers.example.nhs.uk/",
		"DATABASE_URL": "postgres://app:secret@db:5432/careers?sslmode=verify-full", "LOG_LEVEL": "warn",
		"MIGRATE_DATABASE_URL": "postgres://owner:secret@db:5432/careers?sslmode=verify-full",
		"NHS_WEB_FONT":         "true", "TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7/32",
		"DB_MAX_CONNS": "25", "DB_MIN_CONNS": "4", "REQUEST_TIMEOUT": "15s", "SHUTDOWN_TIMEOUT": "1m",
		"SMTP_URL": "smtp://relay:pw@mail.example.nhs.uk:587", "MAIL_FROM": "Careers support <careers@example.nhs.uk>",
		"MAIL_REPLY_TO": "psu@example.nhs.uk", "RUN_WORKERS": "false", "RETENTION_MONTHS": "84", "WORKSHOP_RETENTION_MONTHS": "30",
		"SECRET_KEY": testSecretKey,
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.WorkshopRetentionMonths != 30 {
		t.Errorf("WorkshopRetentionMonths = %d, want 30", c.WorkshopRetentionMonths)
	}
	if !c.Secure() || c.BaseURL.String() != "https://careers.example.nhs.uk" {
		t.Errorf("BaseURL = %q, Secure = %v", c.BaseURL, c.Secure())
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "10.0.0.0/8" {
		t.Errorf("TrustedProxies = %v", c.TrustedProxies)
	}
	if c.SMTPURL.Host != "mail.example.nhs.uk:587" || c.MailFrom.Address != "careers@example.nhs.uk" || c.MailReplyTo.Address != "psu@example.nhs.uk" || c.RunWorkers {
		t.Errorf("mail settings = %v %v %v %v", c.SMTPURL, c.MailFrom, c.MailReplyTo, c.RunWorkers)
	}
	if c.MigrateDatabaseURL != "postgres://owner:secret@db:5432/careers?sslmode=verify-full" || c.DatabaseAllowUnverifiedTLS {
		t.Errorf("database settings = %q %v", c.MigrateDatabaseURL, c.DatabaseAllowUnverifiedTLS)
	}
	if c.RetentionMonths != 84 {
		t.Errorf("RetentionMonths = %d", c.RetentionMonths)
	}
	if c.LogLevel != slog.LevelWarn || !c.WebFont || c.DBMaxConns != 25 || c.DBMinConns != 4 || c.ShutdownTimeout != time.Minute {
		t.Errorf("values = %+v", c)
	}
}

// Each bad value gives its own line that names the variable.
func TestEachInvalidValueNamesItsVariable(t *testing.T) {
	cases := []struct{ name, value string }{
		{"ENV", "staging"},
		{"ADDR", "8080"},
		{"ADDR", "localhost:http"},
		{"BASE_URL", "careers.example.nhs.uk"},
		{"BASE_URL", "ftp://careers.example.nhs.uk"},
		{"BASE_URL", "https://user:pw@careers.example.nhs.uk"},
		{"BASE_URL", "https://careers.example.nhs.uk/?x=1"},
		{"DATABASE_URL", "postgres://app:pw@db:notaport/careers"},
		{"MIGRATE_DATABASE_URL", "postgres://owner:pw@db:notaport/careers"},
		{"DATABASE_ALLOW_UNVERIFIED_TLS", "sometimes"},
		{"LOG_LEVEL", "verbose"},
		{"NHS_WEB_FONT", "perhaps"},
		{"TRUSTED_PROXIES", "10.0.0.0/8,not-a-cidr"},
		{"DB_MAX_CONNS", "0"},
		{"DB_MAX_CONNS", "many"},
		{"DB_MIN_CONNS", "-1"},
		{"DB_MIN_CONNS", "11"}, // more than DB_MAX_CONNS's 10
		{"MAX_IN_FLIGHT", "0"},
		{"RETENTION_MONTHS", "0"},
		{"RETENTION_MONTHS", "six years"},
		{"WORKSHOP_RETENTION_MONTHS", "0"},
		{"WORKSHOP_RETENTION_MONTHS", "two years"},
		{"REQUEST_TIMEOUT", "30"},
		{"SHUTDOWN_TIMEOUT", "-5s"},
		{"SMTP_URL", "http://mail.example.nhs.uk"},
		{"SMTP_URL", "smtp://"},
		{"MAIL_FROM", "not an address"},
		{"MAIL_REPLY_TO", "nobody@"},
		{"RUN_WORKERS", "sometimes"},
		{"DEMO_SKIP_SECOND_FACTOR", "yes please"},
		{"SECRET_KEY", "not base64!"},
		{"SECRET_KEY", "c2hvcnQ="}, // 5 bytes
		{"SECRET_KEY_PREVIOUS", "c2hvcnQ="},
		{"METRICS_ADDR", "9464"},
		{"METRICS_ADDR", "127.0.0.1:metrics"},
		{"METRICS_ADDR", "127.0.0.1:8080"}, // the service's own ADDR
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "otel-collector:4318"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://otel-collector:4317"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://user:pw@otel.example.nhs.uk"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example.nhs.uk?api-key=pw"},
		{"OTEL_SERVICE_NAME", strings.Repeat("x", 101)},
		{"OTEL_TRACES_SAMPLER_ARG", "1.5"},
		{"OTEL_TRACES_SAMPLER_ARG", "half"},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			_, err := config.Load(env(map[string]string{tc.name: tc.value}))
			if err == nil {
				t.Fatalf("Load accepted %s=%q", tc.name, tc.value)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tc.name+": ") {
				t.Errorf("error = %q, want one line starting %q", err, tc.name+": ")
			}
			if (strings.HasSuffix(tc.name, "DATABASE_URL") || strings.HasPrefix(tc.name, "OTEL_")) && strings.Contains(err.Error(), "pw") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

// Metrics and tracing are off unless their variables are set; set, they
// are read as given.
func TestMetricsAndTracingSettings(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "" || c.OTLPEndpoint != nil || c.ServiceName != "careers" || c.TraceSampleRatio != 1 {
		t.Errorf("defaults: metrics %q, endpoint %v, service %q, ratio %v", c.MetricsAddr, c.OTLPEndpoint, c.ServiceName, c.TraceSampleRatio)
	}
	c, err = config.Load(env(map[string]string{
		"METRICS_ADDR": "0.0.0.0:9464", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.monitoring:4318",
		"OTEL_SERVICE_NAME": "careers-web", "OTEL_TRACES_SAMPLER_ARG": "0.25",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "0.0.0.0:9464" || c.OTLPEndpoint.String() != "http://otel-collector.monitoring:4318" ||
		c.ServiceName != "careers-web" || c.TraceSampleRatio != 0.25 {
		t.Errorf("set: metrics %q, endpoint %v, service %q, ratio %v", c.MetricsAddr, c.OTLPEndpoint, c.ServiceName, c.TraceSampleRatio)
	}
}

// Development mode (the mailbox, demo sign-ins) never listens where others
// can reach it: a deployment that forgot ENV=production refuses to start.
func TestDevelopmentListensOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.168.1.10:8080", "[::]:8080"} {
		_, err := config.Load(env(map[string]string{"ADDR": addr}))
		if err == nil || !strings.HasPrefix(err.Error(), "ADDR: development mode listens only on a loopback address") {
			t.Errorf("ADDR=%s in development: err = %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:9000", "[::1]:8080", "127.0.0.2:80"} {
		if _, err := config.Load(env(map[string]string{"ADDR": addr})); err != nil {
			t.Errorf("ADDR=%s in development refused: %v", addr, err)
		}
	}
}

func TestSeveralProblemsAreAllReported(t *testing.T) {
	_, err := config.Load(env(map[string]string{"ENV": "x", "ADDR": "y", "LOG_LEVEL": "z"}))
	if err == nil {
		t.Fatal("Load accepted three bad values")
	}
	for _, name := range []string{"ENV: ", "ADDR: ", "LOG_LEVEL: "} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not mention %s", err, name)
		}
	}
}

func TestProductionRefusesInsecureSettings(t *testing.T) {
	secure := func() map[string]string {
		return map[string]string{"ENV": "production", "BASE_URL": "https://careers.example.nhs.uk",
			"DATABASE_URL": "postgres://db/careers?sslmode=verify-full", "SMTP_URL": "smtps://u:p@mail.example.nhs.uk:465",
			"MAIL_FROM": "Careers support <careers@example.nhs.uk>", "SECRET_KEY": testSecretKey}
	}
	if _, err := config.Load(env(secure())); err != nil {
		t.Fatalf("a secure production configuration was refused: %v", err)
	}
	cases := []struct {
		name, key, value, want string
	}{
		{"plain-http BASE_URL", "BASE_URL", "http://careers.example.nhs.uk", "BASE_URL: must use https"},
		{"default BASE_URL", "BASE_URL", "", "BASE_URL: must use https"},
		{"no DATABASE_URL", "DATABASE_URL", "", "DATABASE_URL: is required in production"},
		{"no SMTP_URL (the dev mailbox)", "SMTP_URL", "", "SMTP_URL: is required in production"},
		{"SMTP with an unknown starttls", "SMTP_URL", "smtp://u:p@mail.example.nhs.uk:587?starttls=optional", "SMTP_URL: starttls=optional would send mail in plain text"},
		{"default MAIL_FROM", "MAIL_FROM", "", "MAIL_FROM: must be set"},
		{"demo second-factor skip", "DEMO_SKIP_SECOND_FACTOR", "true", "DEMO_SKIP_SECOND_FACTOR: is development only"},
		{"no SECRET_KEY", "SECRET_KEY", "", "SECRET_KEY: is required in production"},
		{"a short SECRET_KEY", "SECRET_KEY", "MTIzNDU2Nzg5MDEyMzQ1Ng==", "SECRET_KEY: must be base64 of 32 random bytes, got 16 bytes"},
	}
	for _, c := range cases {
		e := secure()
		e[c.key] = c.value
		_, err := config.Load(env(e))
		if err == nil || err.Error() != strings.SplitN(err.Error(), "\n", 2)[0] || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one line starting %q", c.name, err, c.want)
		}
	}
}

// Production refuses a database connection that could be read or
// impersonated on the network: DATABASE_URL and MIGRATE_DATABASE_URL need
// sslmode=verify-full, or sslmode=require with the explicit opt-in
// DATABASE_ALLOW_UNVERIFIED_TLS=true; a plain-text mode never passes. The
// message names the setting. Mail: smtps:// and smtp:// (STARTTLS, which
// production requires) pass.
func TestProductionRefusesWeakTransport(t *testing.T) {
	base := func() map[string]string {
		return map[string]string{"ENV": "production", "BASE_URL": "https://careers.example.nhs.uk",
			"DATABASE_URL": "postgres://app@db.example.nhs.uk/careers?sslmode=verify-full", "SMTP_URL": "smtps://u:p@mail.example.nhs.uk:465",
			"MAIL_FROM": "Careers support <careers@example.nhs.uk>", "SECRET_KEY": testSecretKey}
	}
	for _, tc := range []struct {
		name string
		set  map[string]string
		want string // "" means accepted; otherwise the one line's prefix
	}{
		{"verify-full", nil, ""},
		{"no sslmode (libpq's prefer)", map[string]string{"DATABASE_URL": "postgres://app@db.example.nhs.uk/careers"}, "DATABASE_URL: must use sslmode=verify-full in production: this URL allows a connection without TLS"},
		{"disable", map[string]string{"DATABASE_URL": "postgres://app@db.example.nhs.uk/careers?sslmode=disable"}, "DATABASE_URL: must use sslmode=verify-full"},
		{"allow", map[string]string{"DATABASE_URL": "postgres://app@db.example.nhs.uk/careers?sslmode=allow"}, "DATABASE_URL: must use sslmode=verify-full"},
		{"prefer", map[string]string{"DATABASE_URL": "postgres://app@db.example.nhs.uk/careers?sslmode=prefer"}, "DATABASE_URL: must use sslmode=verify-full"},
		{"keyword form, disable", map[string]string{"DATABASE_URL": "host=db.example.nhs.uk user=app dbname=careers sslmode=disable"}, "DATABASE_URL: must use sslmode=verify-full"},
		{"require without the opt-in", map[string]string{"DATABASE_URL": "postgres://app@db.example.nhs.uk/careers?sslmode=require"}, "DATABASE_URL: must use sslmode=verify-full in production: this URL does not check the server's certificate"},
		{"require with the opt-in", map[string]string{"DATABASE_URL": "postgres://app@db.example.nhs.uk/careers?sslmode=require", "DATABASE_ALLOW_UNVERIFIED_TLS": "true"}, ""},
		{"the opt-in does not allow plain text", map[string]string{"DATABASE_URL": "postgres://app@db.example.nhs.uk/careers?sslmode=prefer", "DATABASE_ALLOW_UNVERIFIED_TLS": "true"}, "DATABASE_URL: must use sslmode=verify-full"},
		{"two hosts, both verify-full", map[string]string{"DATABASE_URL": "postgres://app@db1.example.nhs.uk,db2.example.nhs.uk/careers?sslmode=verify-full"}, ""},
		{"migrate URL verify-full", map[string]string{"MIGRATE_DATABASE_URL": "postgres://owner@db.example.nhs.uk/careers?sslmode=verify-full"}, ""},
		{"migrate URL plain", map[string]string{"MIGRATE_DATABASE_URL": "postgres://owner@db.example.nhs.uk/careers?sslmode=disable"}, "MIGRATE_DATABASE_URL: must use sslmode=verify-full"},
		{"migrate URL require", map[string]string{"MIGRATE_DATABASE_URL": "postgres://owner@db.example.nhs.uk/careers?sslmode=require"}, "MIGRATE_DATABASE_URL: must use sslmode=verify-full in production: this URL does not check"},
		{"migrate URL require with the opt-in", map[string]string{"MIGRATE_DATABASE_URL": "postgres://owner@db.example.nhs.uk/careers?sslmode=require", "DATABASE_ALLOW_UNVERIFIED_TLS": "true"}, ""},
		{"smtp:// (STARTTLS required in production)", map[string]string{"SMTP_URL": "smtp://u:p@mail.example.nhs.uk:587"}, ""},
		{"smtp:// starttls=required", map[string]string{"SMTP_URL": "smtp://u:p@mail.example.nhs.uk:587?starttls=required"}, ""},
		{"smtp:// another starttls", map[string]string{"SMTP_URL": "smtp://u:p@mail.example.nhs.uk:587?starttls=opportunistic"}, "SMTP_URL: starttls=opportunistic would send mail in plain text"},
		{"another scheme", map[string]string{"SMTP_URL": "http://u:p@mail.example.nhs.uk:25"}, "SMTP_URL: must start with smtp://"},
	} {
		e := base()
		for k, v := range tc.set {
			e[k] = v
		}
		_, err := config.Load(env(e))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.want == "":
		case err == nil:
			t.Errorf("%s: accepted, want %q", tc.name, tc.want)
		case strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), tc.want):
			t.Errorf("%s: err = %q, want one line starting %q", tc.name, err, tc.want)
		case strings.Contains(err.Error(), "p@") || strings.Contains(err.Error(), "u:p"):
			t.Errorf("%s: the message quotes the URL: %q", tc.name, err)
		}
	}
	// Development keeps working with the private PostgreSQL's plain local
	// connection.
	if _, err := config.Load(env(map[string]string{"DATABASE_URL": "postgres://app@127.0.0.1:5432/careers?sslmode=disable"})); err != nil {
		t.Errorf("development with sslmode=disable: %v", err)
	}
}

// The README's configuration table must list every variable the code reads.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("reading README.md: %v", err)
	}
	for _, v := range config.Vars {
		if !strings.Contains(string(readme), "`"+v.Name+"`") {
			t.Errorf("README.md does not document %s", v.Name)
		}
	}
}

// testSecretKey is a fixed key for these tests (32 bytes of base64).
const testSecretKey = "q8Jb0tC5nUo0w3yJ6k2rX1l3b7x9HQmD4eZ2fVa8sKc="

func TestSecretKeys(t *testing.T) {
	prev1, prev2 := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
	c, err := config.Load(env(map[string]string{"SECRET_KEY": testSecretKey, "SECRET_KEY_PREVIOUS": prev1 + ", " + prev2}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SecretKey) != 32 || len(c.PreviousSecretKeys) != 2 || c.PreviousSecretKeys[1][0] != 0x20 {
		t.Errorf("keys: %d bytes, %d previous", len(c.SecretKey), len(c.PreviousSecretKeys))
	}
	// Development may start without one (`careers serve` makes its own).
	if c, err := config.Load(env(nil)); err != nil || c.SecretKey != nil {
		t.Errorf("development without SECRET_KEY: %v", err)
	}
	// A bad key is reported without echoing it.
	_, err = config.Load(env(map[string]string{"SECRET_KEY": "c2VjcmV0LXNlY3JldA=="}))
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("bad key: %v", err)
	}
}

func TestReminderOffsets(t *testing.T) {
	load := func(v string) (config.Config, error) {
		return config.Load(func(k string) string {
			if k == "REMINDER_OFFSETS" {
				return v
			}
			return ""
		})
	}
	c, err := load("")
	if err != nil || len(c.ReminderOffsets) != 2 || c.ReminderOffsets[0] != 48*time.Hour || c.ReminderOffsets[1] != 2*time.Hour {
		t.Fatalf("default: %v %v", c.ReminderOffsets, err)
	}
	if c, err := load("2h, 24h,72h"); err != nil || len(c.ReminderOffsets) != 3 || c.ReminderOffsets[0] != 72*time.Hour {
		t.Errorf("2h,24h,72h: %v %v", c.ReminderOffsets, err)
	}
	for _, bad := range []string{"soon", "1m", "2h,2h", "400h", "-2h", "90s"} {
		if _, err := load(bad); err == nil || !strings.Contains(err.Error(), "REMINDER_OFFSETS") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
