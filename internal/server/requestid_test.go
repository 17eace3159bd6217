package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"careers/internal/policy"
	"careers/internal/testdb"
)

// The service makes its own request IDs. An incoming X-Request-Id is taken
// only from a trusted proxy, and only when it is short and plain.
func TestRequestIDsAreMadeByTheService(t *testing.T) {
	t.Parallel()
	pool := testdb.NewPool(t)
	echo := func(r chi.Router) {
		r.Get("/id", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, middleware.GetReqID(r.Context()))
		})
	}
	untrusted := MustServer(t, pool, echo, nil)
	trusted := MustServer(t, pool, echo, map[string]string{"TRUSTED_PROXIES": "127.0.0.0/8"})
	own := regexp.MustCompile(`^[A-Z2-7]{16}$`)

	long := strings.Repeat("a", 65)
	huge := strings.Repeat("x", 32<<10)
	cases := []struct {
		name     string
		ts       *testServer
		incoming string
		want     string // "" means one the service made
	}{
		{"no header", untrusted, "", ""},
		{"client's ID ignored", untrusted, "my-id-123", ""},
		{"client's huge ID ignored", untrusted, huge, ""},
		{"trusted proxy's plain ID taken", trusted, "lb-7f3a.0001_x", "lb-7f3a.0001_x"},
		{"trusted proxy's 64-character ID taken", trusted, long[:64], long[:64]},
		{"trusted proxy's 65-character ID refused", trusted, long, ""},
		{"trusted proxy's ID with other characters refused", trusted, "a/b c<script>", ""},
		{"trusted proxy's huge ID refused", trusted, huge, ""},
	}
	for _, c := range cases {
		h := map[string]string{}
		if c.incoming != "" {
			h["X-Request-Id"] = c.incoming
		}
		_, got := c.ts.Do(t, "GET", "/id", nil, h)
		if c.want != "" && got != c.want {
			t.Errorf("%s: request ID %q, want %q", c.name, got, c.want)
		}
		if c.want == "" && !own.MatchString(got) {
			t.Errorf("%s: request ID %.80q is not one the service made", c.name, got)
		}
	}
	// Two requests never share an ID the service made.
	_, a := untrusted.Do(t, "GET", "/id", nil, nil)
	_, b := untrusted.Do(t, "GET", "/id", nil, nil)
	if a == b {
		t.Errorf("two requests got the same ID %q", a)
	}
	for _, ts := range []*testServer{untrusted, trusted} {
		if strings.Contains(ts.logs.String(), "xxxxxxxxxxxxxxxx") {
			t.Error("a client's request ID reached the log")
		}
	}
}

// What a client sends cannot write kilobytes into the audit log or the
// log: a failed sign-in with a huge address, a huge request ID, and a
// made-up method are all cut down or replaced.
func TestClientCannotWriteKilobytesIntoTheAuditLog(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, map[string]string{"TRUSTED_PROXIES": "127.0.0.0/8"})
	ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	b := ts.NewBrowser(t)
	huge := strings.Repeat("a", 200<<10) + "@example.nhs.uk"
	p := b.Post(t, "/staff/sign-in", url.Values{"email": {huge}, "password": {"wrong password"}})
	if p.Status >= 500 {
		t.Fatalf("sign-in with a huge address: status %d", p.Status)
	}
	resp, _ := ts.Do(t, strings.Repeat("M", 8<<10), "/", nil, map[string]string{"X-Request-Id": strings.Repeat("r", 8<<10)})
	if resp.StatusCode >= 500 {
		t.Fatalf("made-up method: status %d", resp.StatusCode)
	}

	var longest, rows int
	err := ts.pool.QueryRow(context.Background(), `SELECT count(*), coalesce(max(octet_length(coalesce(actor_email, '')) + octet_length(action)
		+ octet_length(record_type) + octet_length(record_id) + octet_length(request_id) + octet_length(detail)), 0) FROM audit_log`).Scan(&rows, &longest)
	if err != nil {
		t.Fatal(err)
	}
	if rows == 0 {
		t.Fatal("the failed sign-in wrote no audit row")
	}
	if longest > 1024 {
		t.Errorf("an audit row holds %d bytes of text from one request", longest)
	}
	for _, l := range strings.Split(ts.logs.String(), "\n") {
		if len(l) > 2048 {
			t.Errorf("a log line of %d bytes: %.200s…", len(l), l)
		}
	}
}
