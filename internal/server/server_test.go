package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/server"
	"careers/internal/testdb"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, func(r chi.Router) {
		r.Get("/boom", func(http.ResponseWriter, *http.Request) { panic("test panic") })
	}, nil)
	_, start := ts.Do(t, "GET", "/", nil, nil)
	css := regexp.MustCompile(`/assets/careers\.[0-9a-f]+\.css`).FindString(start)
	if css == "" {
		t.Fatal("start page links no hashed stylesheet")
	}

	cases := []struct {
		method, path string
		header       map[string]string
	}{
		{"GET", "/", nil},
		{"GET", "/privacy", nil},
		{"GET", "/healthz", nil},
		{"GET", "/readyz", nil},
		{"GET", css, nil},
		{"GET", "/no-such-page", nil},
		{"GET", "/boom", nil},
		{"POST", "/", map[string]string{"Sec-Fetch-Site": "cross-site"}},
	}
	for _, c := range cases {
		resp, _ := ts.Do(t, c.method, c.path, nil, c.header)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self' 'nonce-", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s %s: CSP %q lacks %q", c.method, c.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "assets.nhs.uk") {
			t.Errorf("%s %s: CSP too loose by default: %q", c.method, c.path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s %s: nosniff=%q referrer=%q", c.method, c.path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s %s: HSTS sent over plain http", c.method, c.path)
		}
		if c.path != css && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: Cache-Control = %q, want no-store", c.method, c.path, h.Get("Cache-Control"))
		}
	}
}

func TestNonceIsFreshAndMatchesScripts(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	nonceRe := regexp.MustCompile(`'nonce-([^']+)'`)
	resp1, body := ts.Do(t, "GET", "/", nil, nil)
	resp2, _ := ts.Do(t, "GET", "/", nil, nil)
	n1 := nonceRe.FindStringSubmatch(resp1.Header.Get("Content-Security-Policy"))
	n2 := nonceRe.FindStringSubmatch(resp2.Header.Get("Content-Security-Policy"))
	if n1 == nil || n2 == nil || n1[1] == n2[1] {
		t.Fatalf("nonces not fresh per response: %v %v", n1, n2)
	}
	scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1)
	if len(scripts) == 0 {
		t.Fatal("start page has no scripts to check")
	}
	for _, s := range scripts {
		if !strings.Contains(s, `nonce="`+n1[1]+`"`) {
			t.Errorf("script without this response's nonce: %s", s)
		}
	}
}

func TestHSTSAndWebFontFollowConfiguration(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, map[string]string{"BASE_URL": "https://careers.example.nhs.uk", "NHS_WEB_FONT": "true"})
	resp, body := ts.Do(t, "GET", "/", nil, nil)
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("HSTS = %q over https", got)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "font-src 'self' https://assets.nhs.uk;") {
		t.Errorf("web font on, but CSP font-src is not exactly self + the NHS host: %q", csp)
	}
	if !regexp.MustCompile(`/assets/careers-webfont\.[0-9a-f]+\.css`).MatchString(body) {
		t.Error("web font on, but the page does not link the web-font stylesheet")
	}
}

func TestCrossSitePostIsRefused(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, func(r chi.Router) {
		r.Post("/echo", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	}, nil)
	resp, body := ts.Do(t, "POST", "/echo", strings.NewReader("a=1"), map[string]string{
		"Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: status %d, want 403", resp.StatusCode)
	}
	if !strings.Contains(body, "nhsuk-header") {
		t.Error("cross-site refusal is not the NHS-styled page")
	}
	resp, _ = ts.Do(t, "POST", "/echo", strings.NewReader("a=1"), map[string]string{
		"Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("same-origin POST: status %d, want 204", resp.StatusCode)
	}
}

func TestUnknownPathGetsNHSNotFoundPage(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	resp, body := ts.Do(t, "GET", "/referrals/does-not-exist", nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
	for _, want := range []string{"Page not found", "nhsuk-header", "/assets/careers.", `href="/"`} {
		if !strings.Contains(body, want) {
			t.Errorf("404 page lacks %q", want)
		}
	}
}

func TestPanicShowsErrorPageAndServerKeepsServing(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, func(r chi.Router) {
		r.Get("/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom in handler") })
	}, nil)
	resp, body := ts.Do(t, "GET", "/boom", nil, nil)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if !strings.Contains(body, "Sorry, there is a problem with the service") || strings.Contains(body, "kaboom") {
		t.Errorf("500 page wrong or leaks the panic: %s", body)
	}
	errorPage := body
	resp, _ = ts.Do(t, "GET", "/", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("request after the panic: status %d", resp.StatusCode)
	}
	var found bool
	for _, l := range ts.logs.Lines(t) {
		if l["msg"] == "panic" && strings.Contains(l["panic"].(string), "kaboom") && strings.Contains(l["stack"].(string), "server_test") {
			found = true
			// The page shows the same reference the log holds, so support can find it.
			if id, _ := l["request_id"].(string); id == "" || !strings.Contains(errorPage, id) {
				t.Errorf("500 page does not show the logged request ID %q", id)
			}
		}
	}
	if !found {
		t.Errorf("panic not logged with its request ID and stack:\n%s", ts.logs.String())
	}
}

func TestRequestLogsHaveRouteNotPersonalData(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.Do(t, "GET", "/?email=jo.bloggs%40example.com&token=secret123", nil, nil)
	ts.Do(t, "GET", "/no/such/jo.bloggs", nil, nil)
	logs := ts.logs.String()
	for _, leak := range []string{"jo.bloggs", "secret123", "example.com"} {
		if strings.Contains(logs, leak) {
			t.Errorf("logs contain %q:\n%s", leak, logs)
		}
	}
	var sawStart, sawUnmatched bool
	for _, l := range ts.logs.Lines(t) {
		if l["msg"] != "request" {
			continue
		}
		if l["request_id"] == "" || l["method"] != "GET" || l["duration_ms"] == nil {
			t.Errorf("request log lacks fields: %v", l)
		}
		if l["route"] == "/" && l["status"] == float64(200) {
			sawStart = true
		}
		if l["route"] == "(unmatched)" && l["status"] == float64(404) {
			sawUnmatched = true
		}
	}
	if !sawStart || !sawUnmatched {
		t.Errorf("expected request lines for / (200) and an unmatched path (404):\n%s", logs)
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	resp, body := ts.Do(t, "GET", "/healthz", nil, nil)
	if resp.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz = %d %q", resp.StatusCode, body)
	}
}

// readyz follows the database: 503 while it cannot be reached, 200 again
// once it is back, with no restart of the service.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	dbURL, err := url.Parse(testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newSwitchableProxy(t, dbURL.Host)
	dbURL.Host = proxy.Addr()
	pool := testdb.MustPool(t, dbURL.String())
	ts := MustServer(t, pool, nil, nil)

	status := func() int {
		resp, _ := ts.Do(t, "GET", "/readyz", nil, nil)
		return resp.StatusCode
	}
	if got := status(); got != 200 {
		t.Fatalf("readyz with the database up = %d", got)
	}
	proxy.SetDown(true)
	if got := status(); got != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database down = %d, want 503", got)
	}
	if resp, _ := ts.Do(t, "GET", "/healthz", nil, nil); resp.StatusCode != 200 {
		t.Errorf("healthz must not depend on the database, got %d", resp.StatusCode)
	}
	proxy.SetDown(false)
	deadline := time.Now().Add(10 * time.Second)
	for status() != 200 {
		if time.Now().After(deadline) {
			t.Fatal("readyz did not recover after the database came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestReadyzIs503WhenMigrationsArePending(t *testing.T) {
	t.Parallel()
	// The service's role may only read the version table: the owner
	// takes the last migration back.
	pool, owner := testdb.NewPools(t)
	ts := MustServer(t, pool, nil, nil)
	if _, err := owner.Exec(t.Context(), `DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if resp, _ := ts.Do(t, "GET", "/readyz", nil, nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with a pending migration = %d, want 503", resp.StatusCode)
	}
}

// Requests without a body work a few at a time (half again the database
// pool, and one; at least 4), first come, first served: with every slot
// taken the next waits, and goes on as soon as one frees up. A request
// with a body, and the probes, never wait for a slot.
func TestRequestsWithoutABodyWorkAFewAtATime(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var releaseAll sync.Once
	started := make(chan struct{}, 8)
	ts := MustServer(t, nil, func(r chi.Router) {
		slow := func(w http.ResponseWriter, _ *http.Request) {
			started <- struct{}{}
			<-release
			w.WriteHeader(http.StatusNoContent)
		}
		r.Get("/slow", slow)
		r.Post("/slow", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	}, map[string]string{"DB_MAX_CONNS": "2", "TRUSTED_PROXIES": "127.0.0.0/8,::1/128"})
	// A failure must not leave the slow handlers waiting: the server's
	// Close (a cleanup registered before this one, so run after it) would
	// wait for them for ever.
	t.Cleanup(func() { releaseAll.Do(func() { close(release) }) })
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	done := make(chan int, 5)
	for i := range 4 {
		go func() {
			resp, _ := ts.Do(t, "GET", "/slow", nil, from("192.0.2."+strconv.Itoa(i+1)))
			done <- resp.StatusCode
		}()
	}
	for range 4 {
		<-started
	}
	// One address holds at most a quarter of the slots: its next request
	// goes on without one.
	over := make(chan int, 1)
	go func() {
		resp, _ := ts.Do(t, "GET", "/cookies", nil, from("192.0.2.1"))
		over <- resp.StatusCode
	}()
	select {
	case code := <-over:
		if code != http.StatusOK {
			t.Errorf("the request over its address's share: %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an address over its share of the slots waited for one")
	}
	fifth := make(chan int, 1)
	go func() {
		resp, _ := ts.Do(t, "GET", "/cookies", nil, from("192.0.2.9"))
		fifth <- resp.StatusCode
	}()
	if resp, _ := ts.Do(t, "GET", "/healthz", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz with every slot taken: %d", resp.StatusCode)
	}
	if resp, _ := ts.Do(t, "POST", "/slow", strings.NewReader("a=b"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); resp.StatusCode != http.StatusNoContent {
		t.Errorf("a request with a body, with every slot taken: %d", resp.StatusCode)
	}
	select {
	case code := <-fifth:
		t.Fatalf("a fifth request worked while four held every slot: %d", code)
	case <-time.After(300 * time.Millisecond):
	}
	release <- struct{}{}
	select {
	case code := <-fifth:
		if code != http.StatusOK {
			t.Errorf("the fifth request, once a slot freed up: %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the fifth request did not go on when a slot freed up")
	}
	releaseAll.Do(func() { close(release) })
	for range 4 {
		if code := <-done; code != http.StatusNoContent {
			t.Errorf("a slow request: %d", code)
		}
	}
}

// The slots follow the database pool: 16 for the default pool of 10, as
// docs/operations.md says, and never fewer than 4.
func TestWorkSlotsFollowThePool(t *testing.T) {
	for _, c := range []struct {
		conns int32
		want  int
	}{{10, 16}, {20, 31}, {2, 4}, {1, 4}} {
		if got := server.WorkSlots(c.conns); got != c.want {
			t.Errorf("slots for a pool of %d: %d, want %d", c.conns, got, c.want)
		}
	}
}

// With every turn taken, a request waits for one, then is told the
// service is busy (503, Retry-After); the probes never wait; once a turn
// frees up, requests are served again.
func TestBusyServerAnswers503AndRecovers(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	ts := MustServer(t, nil, func(r chi.Router) {
		r.Get("/slow", func(w http.ResponseWriter, _ *http.Request) {
			started <- struct{}{}
			<-release
			w.WriteHeader(http.StatusNoContent)
		})
	}, map[string]string{"MAX_IN_FLIGHT": "1"})
	done := make(chan int, 1)
	go func() {
		resp, _ := ts.Do(t, "GET", "/slow", nil, nil)
		done <- resp.StatusCode
	}()
	<-started
	if resp, _ := ts.Do(t, "GET", "/healthz", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz while busy: %d", resp.StatusCode)
	}
	if n := ts.srv.MetricValue("careers_http_requests_in_flight", nil); n != 1 {
		t.Errorf("in flight while busy: %v, want 1", n)
	}
	began := time.Now()
	waited := make(chan time.Duration, 1)
	go func() {
		resp, body := ts.Do(t, "GET", "/", nil, nil)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "The service is busy") {
			t.Errorf("while busy: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		// The page is rendered once, but each answer carries its own
		// request's CSP nonce, so its scripts still run.
		_, nonce, _ := strings.Cut(resp.Header.Get("Content-Security-Policy"), "'nonce-")
		nonce, _, _ = strings.Cut(nonce, "'")
		if nonce == "" || !strings.Contains(body, `nonce="`+nonce+`"`) || strings.Contains(body, "placeholder") {
			t.Errorf("the busy page does not carry the request's nonce %q", nonce)
		}
		waited <- time.Since(began)
	}()
	// The same client holding its share (one served, one waiting) is told
	// at once.
	time.Sleep(200 * time.Millisecond)
	third := time.Now()
	if resp, _ := ts.Do(t, "GET", "/cookies", nil, nil); resp.StatusCode != http.StatusServiceUnavailable || time.Since(third) > time.Second {
		t.Errorf("a client over its share: %d after %v", resp.StatusCode, time.Since(third))
	}
	if w := <-waited; w < time.Second {
		t.Errorf("refused after %v: it should wait for a turn first", w)
	}
	close(release)
	if got := <-done; got != http.StatusNoContent {
		t.Errorf("the slow request: %d", got)
	}
	if resp, _ := ts.Do(t, "GET", "/", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after the turn freed up: %d", resp.StatusCode)
	}
	// Both refusals are counted by reason, and the turns are all given back.
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"careers_http_requests_busy_total", map[string]string{"reason": "client_share"}, 1},
		{"careers_http_requests_busy_total", map[string]string{"reason": "waited"}, 1},
		{"careers_http_requests_busy_total", map[string]string{"reason": "queue_full"}, 0},
		{"careers_http_requests_in_flight", nil, 0},
		{"careers_http_requests_waiting", nil, 0},
		// Turned away before routing: no route pattern yet.
		{"careers_http_requests_total", map[string]string{"method": "GET", "route": "(not routed)", "status": "503"}, 2},
	} {
		if got := ts.srv.MetricValue(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// The card is read with the session for every page under one referral
// (whose handler starts from it, cardByReference) and for no other page:
// walked over every GET route, so a new route under /staff/referrals/ that
// is not a referral's has to be named here.
func TestCardPrefetchedForPagesUnderAReferral(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	n := 0
	for key := range ts.srv.Rules() {
		pattern, ok := strings.CutPrefix(key, "GET ")
		if !ok {
			continue
		}
		path := strings.NewReplacer("{reference}", "CR-ABCD-2345", "{id}", "7", "{stage}", "end", "{page}", "about", "{slug}", "w").Replace(pattern)
		want := ""
		if strings.HasPrefix(pattern, "/your-referrals/{reference}") || strings.HasPrefix(pattern, "/staff/referrals/{reference}") {
			want, n = "CR-ABCD-2345", n+1
		}
		if got := server.ReferralInPath(path); got != want {
			t.Errorf("GET %s (%s): card of %q prefetched, want %q", pattern, path, got, want)
		}
	}
	if n < 10 {
		t.Errorf("only %d pages under a referral found", n)
	}
}
