package server_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"careers/internal/server"
	"careers/internal/testdb"
)

// X-Forwarded-For is believed only from trusted proxies, and only up to the
// first hop that is not one: a client cannot choose its own address.
func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	t.Parallel()
	pool := testdb.NewPool(t)
	echo := func(r chi.Router) {
		r.Get("/ip", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, server.ClientIP(r.Context())) })
	}
	untrusted := MustServer(t, pool, echo, nil)
	trusted := MustServer(t, pool, echo, map[string]string{"TRUSTED_PROXIES": "127.0.0.0/8,10.0.0.0/8"})

	cases := []struct {
		name string
		ts   *testServer
		xff  string
		want string
	}{
		{"no proxies trusted: header ignored", untrusted, "203.0.113.9", "127.0.0.1"},
		{"trusted proxy: client from header", trusted, "203.0.113.9", "203.0.113.9"},
		{"spoofed left-most hop ignored", trusted, "1.2.3.4, 203.0.113.9", "203.0.113.9"},
		{"chain of trusted proxies skipped", trusted, "203.0.113.9, 10.1.2.3", "203.0.113.9"},
		{"garbage stops the walk", trusted, "203.0.113.9, not-an-ip", "127.0.0.1"},
		{"no header", trusted, "", "127.0.0.1"},
	}
	for _, c := range cases {
		h := map[string]string{}
		if c.xff != "" {
			h["X-Forwarded-For"] = c.xff
		}
		_, got := c.ts.Do(t, "GET", "/ip", nil, h)
		if got != c.want {
			t.Errorf("%s: client IP %q, want %q", c.name, got, c.want)
		}
	}
}
