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
	if c.RequestTimeout != 30*time.Second || c.ShutdownTimeout != 20*time.Second || c.DBMaxConns != 10 {
		t.Errorf("defaults = %+v", c)
	}
	if c.Secure() {
		t.Error("an http base URL must not be Secure")
	}
}

func TestValidValues(t *testing.T) {
	c, err := config.Load(env(map[string]string{
		"ENV": "production", "ADDR": "0.0.0.0:9000", "BASE_URL": "https://careers.example.nhs.uk/",
		"DATABASE_URL": "postgres://app:secret@db:5432/careers", "LOG_LEVEL": "warn",
		"NHS_WEB_FONT": "true", "TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7/32",
		"DB_MAX_CONNS": "25", "REQUEST_TIMEOUT": "15s", "SHUTDOWN_TIMEOUT": "1m",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !c.Secure() || c.BaseURL.String() != "https://careers.example.nhs.uk" {
		t.Errorf("BaseURL = %q, Secure = %v", c.BaseURL, c.Secure())
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "10.0.0.0/8" {
		t.Errorf("TrustedProxies = %v", c.TrustedProxies)
	}
	if c.LogLevel != slog.LevelWarn || !c.WebFont || c.DBMaxConns != 25 || c.ShutdownTimeout != time.Minute {
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
		{"LOG_LEVEL", "verbose"},
		{"NHS_WEB_FONT", "perhaps"},
		{"TRUSTED_PROXIES", "10.0.0.0/8,not-a-cidr"},
		{"DB_MAX_CONNS", "0"},
		{"DB_MAX_CONNS", "many"},
		{"REQUEST_TIMEOUT", "30"},
		{"SHUTDOWN_TIMEOUT", "-5s"},
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
			if tc.name == "DATABASE_URL" && strings.Contains(err.Error(), "pw") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
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
	base := map[string]string{"ENV": "production", "BASE_URL": "https://careers.example.nhs.uk", "DATABASE_URL": "postgres://db/careers"}
	if _, err := config.Load(env(base)); err != nil {
		t.Fatalf("a secure production configuration was refused: %v", err)
	}

	plain := map[string]string{"ENV": "production", "BASE_URL": "http://careers.example.nhs.uk", "DATABASE_URL": "postgres://db/careers"}
	_, err := config.Load(env(plain))
	if err == nil || !strings.HasPrefix(err.Error(), "BASE_URL: ") || !strings.Contains(err.Error(), "https") {
		t.Errorf("plain-http BASE_URL in production: err = %v", err)
	}

	noDB := map[string]string{"ENV": "production", "BASE_URL": "https://careers.example.nhs.uk"}
	_, err = config.Load(env(noDB))
	if err == nil || !strings.HasPrefix(err.Error(), "DATABASE_URL: ") {
		t.Errorf("production without DATABASE_URL: err = %v", err)
	}

	// The default BASE_URL is plain http, so production must set its own.
	_, err = config.Load(env(map[string]string{"ENV": "production", "DATABASE_URL": "postgres://db/careers"}))
	if err == nil || !strings.Contains(err.Error(), "BASE_URL") {
		t.Errorf("production with the default BASE_URL: err = %v", err)
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
