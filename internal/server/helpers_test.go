package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/config"
	"careers/internal/server"
	"careers/internal/store"
	"careers/internal/testdb"
	"careers/web"
)

// syncBuffer collects log output written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines decodes the JSON log lines.
func (b *syncBuffer) Lines(tb testing.TB) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			tb.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

type testServer struct {
	*httptest.Server
	logs  *syncBuffer
	srv   *server.Server
	pool  *pgxpool.Pool
	store *store.Store
	clock *testClock
	mail  *mailbox
}

// testClock is the server's clock in tests: real time plus an offset the
// test moves forward.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// MustServer starts the real service on a fresh database, with optional
// extra routes mounted behind the real middleware.
// env holds configuration variables; nil means the development defaults.
func MustServer(tb testing.TB, pool *pgxpool.Pool, extra func(chi.Router), env map[string]string) *testServer {
	tb.Helper()
	return mustServer(tb, pool, extra, env)
}

func mustServer(tb testing.TB, pool *pgxpool.Pool, extra func(chi.Router), env map[string]string) *testServer {
	tb.Helper()
	if pool == nil {
		pool = testdb.NewPool(tb)
	}
	cfg, err := config.Load(func(k string) string {
		if k == "SECRET_KEY" && env[k] == "" {
			return testdb.SecretKey // tests run with a fixed key
		}
		return env[k]
	})
	if err != nil {
		tb.Fatal(err)
	}
	assets, err := web.NewAssets()
	if err != nil {
		tb.Fatal(err)
	}
	logs := &syncBuffer{}
	clock := &testClock{}
	mb := newMailbox(tb, pool, cfg, clock.Now)
	st := store.New(pool)
	srv, err := server.New(server.Deps{
		Config:  cfg,
		Logger:  slog.New(slog.NewJSONHandler(logs, nil)),
		Store:   st,
		Assets:  assets,
		Now:     clock.Now,
		Enqueue: mb.enqueue,
	})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(srv.HandlerWith(extra))
	tb.Cleanup(func() { ts.Close(); srv.Close() })
	return &testServer{Server: ts, logs: logs, srv: srv, pool: pool, store: st, clock: clock, mail: mb}
}

// Do sends a request and returns the response with its body read.
func (ts *testServer) Do(tb testing.TB, method, path string, body io.Reader, header map[string]string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, ts.URL+path, body)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, string(b)
}

// switchableProxy forwards TCP connections to target until it is switched
// off, when it drops every open connection and refuses new ones: a database
// outage without stopping the shared test server.
type switchableProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newSwitchableProxy(tb testing.TB, target string) *switchableProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &switchableProxy{ln: ln, target: target}
	go p.serve()
	tb.Cleanup(func() { ln.Close(); p.SetDown(true) })
	return p
}

func (p *switchableProxy) Addr() string { return p.ln.Addr().String() }

func (p *switchableProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

func (p *switchableProxy) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}
