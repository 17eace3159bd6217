package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"careers/web"
)

// MustAssets loads the embedded assets or fails the test: the package's
// tests need the front-end build, and skipping would hide a missing build.
func MustAssets(tb testing.TB) *web.Assets {
	tb.Helper()
	a, err := web.NewAssets()
	if err != nil {
		tb.Fatalf("web.NewAssets: %v\n(the tests need the front-end build in web/static/dist: run `npm run build` or `make assets`, then run the tests again)", err)
	}
	return a
}

// get requests target from the assets handler the way the server mounts it.
func get(tb testing.TB, a *web.Assets, method, target string, header http.Header) *http.Response {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func body(tb testing.TB, resp *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	return string(b)
}

func TestAssetsServeHashedFilesImmutably(t *testing.T) {
	a := MustAssets(t)
	tests := []struct {
		logical     string
		contentType string
	}{
		{"careers.css", "text/css; charset=utf-8"},
		{"careers-webfont.css", "text/css; charset=utf-8"},
		{"nhsuk-frontend.min.js", "text/javascript; charset=utf-8"},
		{"images/favicon.ico", "image/x-icon"},
		{"images/favicon.svg", "image/svg+xml"},
		{"images/nhsuk-icon-180.png", "image/png"},
	}
	hashed := regexp.MustCompile(`^/assets/[a-z0-9/.-]+\.[0-9a-f]{10}\.[a-z0-9]+$`)
	for _, tt := range tests {
		t.Run(tt.logical, func(t *testing.T) {
			p := a.Path(tt.logical)
			if !hashed.MatchString(p) {
				t.Fatalf("Path(%q) = %q, want /assets/<name>.<10 hex>.<ext>", tt.logical, p)
			}
			resp := get(t, a, http.MethodGet, p, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200", p, resp.StatusCode)
			}
			if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control = %q", got)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if len(body(t, resp)) == 0 {
				t.Error("empty body")
			}
		})
	}
}

func TestAssetsAnswerConditionalRequests(t *testing.T) {
	a := MustAssets(t)
	p := a.Path("careers.css")
	first := get(t, a, http.MethodGet, p, nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	again := get(t, a, http.MethodGet, p, http.Header{"If-None-Match": {etag}})
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("GET with If-None-Match: status %d, want 304", again.StatusCode)
	}
}

// Text files are compressed once, at the best level, for clients that take
// gzip; others get the file as it is. Images that are compressed already
// are never compressed again.
func TestAssetsServePrecompressedText(t *testing.T) {
	a := MustAssets(t)
	p := a.Path("careers.css")
	plain := get(t, a, http.MethodGet, p, nil)
	plainBody := body(t, plain)
	if plain.Header.Get("Content-Encoding") != "" || !strings.Contains(plain.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("without gzip: Content-Encoding %q, Vary %q", plain.Header.Get("Content-Encoding"), plain.Header.Get("Vary"))
	}
	gz := get(t, a, http.MethodGet, p, http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}})
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == plain.Header.Get("ETag") {
		t.Fatalf("with gzip: Content-Encoding %q, ETag %q (plain %q)", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"), plain.Header.Get("ETag"))
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || string(unzipped) != plainBody {
		t.Fatalf("the compressed file does not unzip to the file (%v)", err)
	}
	if n := len(body(t, get(t, a, http.MethodGet, p, http.Header{"Accept-Encoding": {"gzip"}}))); n >= len(plainBody)/3 {
		t.Errorf("compressed %d bytes of %d", n, len(plainBody))
	}
	if r := get(t, a, http.MethodGet, p, http.Header{"Accept-Encoding": {"gzip;q=0"}}); r.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 still got gzip")
	}
	if r := get(t, a, http.MethodGet, a.Path("images/nhsuk-icon-180.png"), http.Header{"Accept-Encoding": {"gzip"}}); r.Header.Get("Content-Encoding") != "" {
		t.Error("a PNG was compressed again")
	}
}

func TestAssetsRefuseEverythingElse(t *testing.T) {
	a := MustAssets(t)
	css := a.Path("careers.css")
	for _, target := range []string{
		"/assets/careers.css",                  // the un-hashed name
		"/assets/careers.0000000000.css",       // a hash that does not exist
		"/assets/",                             // no directory listings
		"/assets/images/",                      // nor of sub-directories
		"/assets/manifest.json",                // the manifest is not an asset
		"/assets/.keep",                        // nor is the placeholder
		"/assets/../assets.go",                 // no way out of the directory
		strings.TrimPrefix(css, "/assets"),     // only under the mount point
		"/assets/images/favicon.ico",           // un-hashed image
		strings.Replace(css, ".css", ".js", 1), // right hash, wrong name
	} {
		resp := get(t, a, http.MethodGet, target, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", target, resp.StatusCode)
		}
		if got := resp.Header.Get("Cache-Control"); strings.Contains(got, "immutable") {
			t.Errorf("GET %s: a 404 must not be cached forever (Cache-Control %q)", target, got)
		}
	}
	if resp := get(t, a, http.MethodPost, css, nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST %s: status %d, want 405", css, resp.StatusCode)
	}
}

func TestAssetsPathPanicsOnUnknownName(t *testing.T) {
	a := MustAssets(t)
	defer func() {
		if recover() == nil {
			t.Error("Path of an unknown name did not panic")
		}
	}()
	a.Path("no-such-file.css")
}

var cssURL = regexp.MustCompile(`url\(\s*["']?([^"')]+)["']?\s*\)`)

func TestDefaultStylesheetUsesOnlyOurOwnFiles(t *testing.T) {
	a := MustAssets(t)
	css := body(t, get(t, a, http.MethodGet, a.Path("careers.css"), nil))

	if !strings.Contains(css, ".nhsuk-header") {
		t.Fatal("careers.css does not contain the NHS design system styles")
	}
	if !strings.Contains(css, ".app-phase-banner") {
		t.Error("careers.css does not contain our own styles")
	}
	if strings.Contains(css, "assets.nhs.uk") {
		t.Error("careers.css names the NHS font host; the default stylesheet must not contact another host")
	}
	if strings.Contains(css, "@font-face") {
		t.Error("careers.css has @font-face rules; the web font must be off by default")
	}
	// Without the web font the design system sets no font family at all, and
	// the page would fall back to the browser's serif default.
	if !regexp.MustCompile(`html\{font-family:[^;}]*arial,sans-serif\}`).MatchString(css) {
		t.Error("careers.css does not set the Arial/sans-serif font stack on html")
	}
	urls := cssURL.FindAllStringSubmatch(css, -1)
	if len(urls) == 0 {
		t.Fatal("careers.css has no url(): the image rewriting was not exercised")
	}
	for _, m := range urls {
		u := m[1]
		if !strings.HasPrefix(u, "/assets/") {
			t.Errorf("careers.css points at %q, which we do not serve", u)
			continue
		}
		if resp := get(t, a, http.MethodGet, u, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("careers.css points at %q, which answers %d (un-hashed or missing)", u, resp.StatusCode)
		}
	}
}

func TestWebFontStylesheetLoadsTheNHSFont(t *testing.T) {
	a := MustAssets(t)
	css := body(t, get(t, a, http.MethodGet, a.Path("careers-webfont.css"), nil))
	if !strings.Contains(css, "@font-face") {
		t.Error("careers-webfont.css has no @font-face rules")
	}
	if !strings.Contains(css, "https://assets.nhs.uk/fonts/") {
		t.Error("careers-webfont.css does not load fonts from https://assets.nhs.uk/fonts/")
	}
	for _, m := range cssURL.FindAllStringSubmatch(css, -1) {
		u := m[1]
		if strings.HasPrefix(u, "https://assets.nhs.uk/fonts/") {
			continue
		}
		if resp := get(t, a, http.MethodGet, u, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("careers-webfont.css points at %q, which answers %d", u, resp.StatusCode)
		}
	}
}
