package server_test

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"strings"
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

// The walk over X-Forwarded-For reads every header line and every hop in
// each, nearest first, as one comma-separated list would be read: the same
// answer as splitting the lines joined, for lists of addresses, trusted or
// not, garbage and empty hops, spaces and several lines.
func TestForwardedClientReadsHopsNearestFirst(t *testing.T) {
	t.Parallel()
	trustedNet := netip.MustParsePrefix("10.0.0.0/8")
	trusted := func(a netip.Addr) bool { return trustedNet.Contains(a) }
	peer := netip.MustParseAddr("10.9.9.9")
	// What the walk must agree with: the lines joined, split at every comma.
	want := func(lines []string) netip.Addr {
		ip := peer
		hops := strings.Split(strings.Join(lines, ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			ip = a.Unmap()
			if !trusted(ip) {
				break
			}
		}
		return ip
	}
	parts := []string{"203.0.113.9", "10.1.2.3", " 10.4.5.6 ", "198.51.100.7", "::ffff:10.7.7.7", "::ffff:203.0.113.9",
		"fe80::1%eth0", "\t10.2.2.2\t", "not-an-ip", "", " ", "2001:db8::1"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		lines := make([]string, rng.IntN(4))
		for i := range lines {
			hops := make([]string, 1+rng.IntN(4))
			for j := range hops {
				hops[j] = parts[rng.IntN(len(parts))]
			}
			lines[i] = strings.Join(hops, ",")
		}
		if got, w := server.ForwardedClient(lines, peer, trusted), want(lines); got != w {
			t.Fatalf("X-Forwarded-For %q: client %v, want %v", lines, got, w)
		}
	}
}
