package server_test

import (
	"bytes"
	stdlog "log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"careers/internal/policy"
	"careers/internal/testdb"
)

// When the session store's database cannot be reached, a request gets the
// service's styled 503 page with its reference, and the failure is one
// JSON log line at ERROR: never scs's bare text 500, never a line on the
// standard logger (outside the JSON log). The database really goes away:
// the server's only way to it is switched off.
func TestSessionStoreDownGivesThe503Page(t *testing.T) {
	// Not parallel: it captures Go's standard logger, which is global.
	var std bytes.Buffer
	stdlog.SetOutput(&std)
	t.Cleanup(func() { stdlog.SetOutput(os.Stderr) })

	dbURL, err := url.Parse(testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newSwitchableProxy(t, dbURL.Host)
	dbURL.Host = proxy.Addr()
	pool := testdb.MustPool(t, dbURL.String())
	ts := MustServer(t, pool, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "coord@example.nhs.uk", "")
	if p := b.Get(t, "/staff/referrals"); p.Status != http.StatusOK {
		t.Fatalf("home with the database up: %d", p.Status)
	}

	proxy.SetDown(true)
	anon := ts.NewBrowser(t)
	for _, c := range []struct {
		name string
		do   func() page
	}{
		// The session cannot be read.
		{"signed-in page", func() page { return b.Get(t, "/staff/referrals") }},
		// Nothing to read, but the session cannot be saved (the page
		// remembers where the person was going).
		{"sign-in redirect", func() page { return anon.Get(t, "/your-referrals") }},
		// The handler's own query fails.
		{"public form", func() page {
			return anon.Post(t, "/sign-in", url.Values{"email": {"jo@example.com"}})
		}},
	} {
		p := c.do()
		if p.Status != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 503\n%.400s", c.name, p.Status, p.Body)
			continue
		}
		if !strings.Contains(p.Body, "Sorry, the service is unavailable") || !strings.Contains(p.Body, `class="nhsuk-header`) ||
			!strings.Contains(p.Body, `class="app-reference"`) || strings.Count(p.Body, "</html>") != 1 {
			t.Errorf("%s: not the styled 503 page (alone):\n%.2000s", c.name, p.Body)
		}
		if p.Location != "" || p.Header.Get("Retry-After") == "" {
			t.Errorf("%s: Location %q, Retry-After %q", c.name, p.Location, p.Header.Get("Retry-After"))
		}
	}

	if std.Len() > 0 {
		t.Errorf("lines outside the JSON log:\n%s", std.String())
	}
	var sessionLines, errorLines int
	for _, l := range ts.logs.Lines(t) { // fails on a line that is not JSON
		if l["msg"] == "session store failed" {
			sessionLines++
		}
		if l["level"] == "ERROR" {
			errorLines++
			if l["request_id"] == "" || l["request_id"] == nil {
				t.Errorf("ERROR line without a request ID: %v", l)
			}
		}
	}
	if sessionLines < 2 || errorLines < 3 {
		t.Errorf("%d session store lines and %d ERROR lines, want at least 2 and 3:\n%s", sessionLines, errorLines, ts.logs.String())
	}
}
