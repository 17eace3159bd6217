package server_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	"careers/internal/server"
)

// A page comes back gzipped to a client that takes it, plain to one that
// does not, and a response being written holds no compressor.
func TestPagesCompressWithoutHeldState(t *testing.T) {
	page := bytes.Repeat([]byte("<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\">9am to 10am Priya Patel</td></tr>\n"), 300)
	h := server.CompressPages()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	}))
	serve := func(accept string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/staff/calendar", nil)
		if accept != "" {
			r.Header.Set("Accept-Encoding", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	w := serve("gzip, deflate, br, zstd")
	if w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("Content-Encoding %q, Vary %q: want gzip, Accept-Encoding", w.Header().Get("Content-Encoding"), w.Header().Get("Vary"))
	}
	if w.Body.Len() > len(page)/5 {
		t.Errorf("%d bytes compressed to %d: hardly compressed", len(page), w.Body.Len())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, page) {
		t.Fatal("the page did not survive compression")
	}

	// A client that takes deflate only gets deflate it can read.
	w = serve("deflate")
	if w.Header().Get("Content-Encoding") != "deflate" {
		t.Fatalf("deflate only: Content-Encoding %q", w.Header().Get("Content-Encoding"))
	}
	if got, err := io.ReadAll(flate.NewReader(w.Body)); err != nil || !bytes.Equal(got, page) {
		t.Fatalf("deflate only: the page did not survive compression (%v)", err)
	}

	if w := serve(""); w.Header().Get("Content-Encoding") != "" || !bytes.Equal(w.Body.Bytes(), page) {
		t.Fatalf("a client that takes no gzip got Content-Encoding %q", w.Header().Get("Content-Encoding"))
	}

	// Requests in flight hold no compressor: 32 of them, each stopped after
	// writing its page (as one waiting on a slow client would be), hold a
	// few kilobytes each, where a pooled level-1 writer held 800 KB per
	// request and the collector's work grew with it.
	const inFlight = 32
	release := make(chan struct{})
	var written sync.WaitGroup
	written.Add(inFlight)
	held := server.CompressPages()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
		written.Done()
		<-release
	}))
	// Collected twice: a pool's objects outlive one collection (the
	// compressor's token buffer, borrowed only while it compresses).
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	var done sync.WaitGroup
	for range inFlight {
		done.Add(1)
		go func() {
			defer done.Done()
			r := httptest.NewRequest("GET", "/staff/calendar", nil)
			r.Header.Set("Accept-Encoding", "gzip")
			held.ServeHTTP(httptest.NewRecorder(), r)
		}()
	}
	written.Wait()
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	close(release)
	done.Wait()
	if per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / inFlight; per > 64<<10 {
		t.Errorf("each request in flight holds %d KB of heap: a compressor is held per response", per>>10)
	}
}
