package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"careers/internal/config"
	"careers/internal/server"
	"careers/internal/store"
	"careers/internal/testdb"
	"careers/web"
)

// BenchmarkMiddlewareChain is the cost of the middleware every request
// goes through (IDs, client address, logging, headers, limits, timeout,
// compression's wrapper, the session's load and save without a session),
// around a handler that writes a few bytes: what a page costs before its
// own work. Its log lines are JSON, written nowhere.
func BenchmarkMiddlewareChain(b *testing.B) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"SECRET_KEY": testdb.SecretKey, "TRUSTED_PROXIES": "192.0.2.1/32", "ADDR": "127.0.0.1:8080"}[k]
	})
	if err != nil {
		b.Fatal(err)
	}
	assets, err := web.NewAssets()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(server.Deps{Config: cfg, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Store: store.New(testdb.NewPool(b)), Assets: assets})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	h := srv.HandlerWith(func(r chi.Router) {
		r.Get("/bench-chain", func(w http.ResponseWriter, _ *http.Request) {
			// A type the compression middleware leaves alone, as it leaves
			// a page that comes gzipped already (writePage).
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write([]byte("ok\n"))
		})
	})
	req := httptest.NewRequest("GET", "http://127.0.0.1:8080/bench-chain", nil)
	req.RemoteAddr = "192.0.2.1:40000"
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("X-Forwarded-For", "198.51.100.7")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
	}
}
