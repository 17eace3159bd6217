package main_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"careers/internal/testdb"
)

// The service from the binary with METRICS_ADDR: after a few requests its
// own listener serves every metric the operations team watches, by name,
// with routes as patterns and no path, reference or address in any label.
// The service's own address does not serve them.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	metricsAddr := freeAddr(t)
	p := startServe(t, "DATABASE_URL="+testdb.URL(t), "DATA_DIR="+t.TempDir(), "METRICS_ADDR="+metricsAddr)
	p.waitReady(t)

	get := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	base := "http://" + p.addr
	get(base + "/")
	get(base + "/your-referrals/CR-SECRET-REF")
	get(base + "/no-such-page/someone@example.com")
	resp, err := http.PostForm(base+"/staff/sign-in", url.Values{"email": {"nobody@example.nhs.uk"}, "password": {"not the password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d", resp.StatusCode)
	}
	if code, _ := get(base + "/metrics"); code != http.StatusNotFound {
		t.Errorf("the service's own address answers /metrics with %d", code)
	}

	// The periodic jobs run at start; wait for the first outcome.
	var body string
	deadline := time.Now().Add(60 * time.Second)
	for {
		var code int
		code, body = get("http://" + metricsAddr + "/metrics")
		if code != http.StatusOK {
			t.Fatalf("/metrics: %d\n%s", code, body)
		}
		if value(body, `careers_jobs_total{kind="deadline_digest",outcome="completed"}`) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no deadline digest job counted after 60s:\n%s\n%s", body, p.Output())
		}
		time.Sleep(500 * time.Millisecond)
	}

	for _, name := range []string{
		"careers_http_requests_total", "careers_http_request_duration_seconds_bucket",
		"careers_http_requests_in_flight", "careers_http_requests_waiting", "careers_http_requests_busy_total",
		"careers_db_pool_acquired_conns", "careers_db_pool_idle_conns", "careers_db_pool_total_conns",
		"careers_db_pool_max_conns", "careers_db_pool_acquires_total", "careers_db_pool_empty_acquire_wait_seconds_total",
		"careers_queue_jobs", "careers_jobs_total", "careers_job_retries_total",
		"careers_emails_sent_total", "careers_emails_failed_total",
		"careers_sign_in_failures_total", "careers_sign_in_throttled_total",
		"careers_referrals_past_deadline", "careers_emails_undelivered", "careers_oldest_unconfirmed_referral_age_seconds",
		"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
	} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `[{ ]`).MatchString(body) {
			t.Errorf("/metrics has no %s", name)
		}
	}
	for series, least := range map[string]float64{
		`careers_http_requests_total{method="GET",route="/",status="200"}`:                           1,
		`careers_http_requests_total{method="GET",route="/your-referrals/{reference}",status="303"}`: 1,
		`careers_http_requests_total{method="POST",route="/staff/sign-in",status="401"}`:             1,
		`careers_sign_in_failures_total{step="staff_password"}`:                                      1,
		`careers_db_pool_max_conns`:                   10,
		`careers_referrals_past_deadline`:             0,
		`careers_emails_undelivered{status="failed"}`: 0,
	} {
		if v := value(body, series); v < least {
			t.Errorf("%s = %v, want at least %v", series, v, least)
		}
	}
	// An unknown page is one fixed label, and no label holds what the
	// path or form held.
	if !strings.Contains(body, `route="(unmatched)"`) {
		t.Error("an unknown page is not counted under route=\"(unmatched)\"")
	}
	for _, secret := range []string{"CR-SECRET-REF", "someone@example.com", "nobody@example.nhs.uk", "no-such-page", "127.0.0.1"} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics shows %q", secret)
		}
	}
	p.interrupt(t)
}

// value is the sample of series in a Prometheus text exposition, or -1.
func value(body, series string) float64 {
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}
