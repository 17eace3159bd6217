package server_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"
)

// A development server answers only for its own host: a page on another
// name that resolves to 127.0.0.1 (DNS rebinding) reaches neither the
// mailbox nor anything else.
func TestDevelopmentAnswersOnlyForItsOwnHost(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	get := func(host, path string) int {
		t.Helper()
		req, err := http.NewRequest("GET", ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "LOCALHOST:" + port} {
		if got := get(host, "/dev/mailbox"); got != http.StatusOK {
			t.Errorf("Host %s: %d, want 200", host, got)
		}
	}
	for _, host := range []string{"attacker.example:" + port, "attacker.example", "127.0.0.1.attacker.example:" + port,
		"localhost:1", "127.0.0.2:" + port} {
		for _, path := range []string{"/dev/mailbox", "/", "/sign-in"} {
			if got := get(host, path); got != http.StatusMisdirectedRequest {
				t.Errorf("Host %q %s: %d, want 421", host, path, got)
			}
		}
	}
}
