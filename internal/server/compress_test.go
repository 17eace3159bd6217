package server_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"slices"
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

// A rendered page is gzipped whole by the page writer, its length known
// (no chunked stream); a client that refuses gzip gets deflate from the
// middleware, and one that takes nothing gets the page as it is, its
// length known too.
func TestPagesGzippedWhole(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(accept string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest("GET", ts.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	resp, body := get("gzip, deflate, br, zstd")
	if resp.Header.Get("Content-Encoding") != "gzip" || !slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
		t.Fatalf("Content-Encoding %q, Vary %q: want gzip, Accept-Encoding", resp.Header.Get("Content-Encoding"), resp.Header.Values("Vary"))
	}
	if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
		t.Errorf("Content-Length %d, Transfer-Encoding %v for a %d-byte page: want its length, not chunked", resp.ContentLength, resp.TransferEncoding, len(body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(zr) // checks the CRC and length at the end
	if err != nil {
		t.Fatalf("the gzipped page does not read back: %v", err)
	}
	if !bytes.HasPrefix(page, []byte("<!doctype html>")) && !bytes.HasPrefix(page, []byte("<!DOCTYPE html>")) {
		t.Fatalf("the page reads back as %.60q", page)
	}
	if len(body) > len(page)/2 {
		t.Errorf("%d bytes compressed to %d: hardly compressed", len(page), len(body))
	}

	resp, body = get("gzip;q=0, deflate")
	if resp.Header.Get("Content-Encoding") != "deflate" {
		t.Fatalf("gzip refused: Content-Encoding %q, want deflate", resp.Header.Get("Content-Encoding"))
	}
	// Each page has its own CSP nonce: pages are compared without it.
	nonce := regexp.MustCompile(`nonce="[^"]*"`)
	same := func(a, b []byte) bool {
		return bytes.Equal(nonce.ReplaceAll(a, nil), nonce.ReplaceAll(b, nil))
	}
	if got, err := io.ReadAll(flate.NewReader(bytes.NewReader(body))); err != nil || !same(got, page) {
		t.Fatalf("deflate: the page did not survive compression (%v)", err)
	}

	resp, body = get("")
	if resp.Header.Get("Content-Encoding") != "" || !same(body, page) || resp.ContentLength != int64(len(body)) {
		t.Fatalf("no encoding asked: Content-Encoding %q, Content-Length %d, %d bytes (the page is %d)",
			resp.Header.Get("Content-Encoding"), resp.ContentLength, len(body), len(page))
	}
}

// The page writer's gzip reads back, CRC and length checked, at every size
// around 32 and 64 KB (a match's farthest distance, the matcher's
// positions and a stored block), compressible or not.
func TestGzipWholeReadsBack(t *testing.T) {
	random := make([]byte, 100_000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("<td role=\"cell\">9am to 10am</td>"), 4000)
	for _, n := range []int{0, 1, 100, 32767, 32768, 65536, 100_000} {
		for name, src := range map[string][]byte{"text": text, "random": random} {
			page := src[:min(n, len(src))]
			var out bytes.Buffer
			server.GzipWhole(&out, page)
			zr, err := gzip.NewReader(&out)
			if err != nil {
				t.Fatalf("%s, %d bytes: %v", name, n, err)
			}
			got, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(got, page) {
				t.Fatalf("%s, %d bytes: read back %d bytes (%v)", name, n, len(got), err)
			}
		}
	}
}
