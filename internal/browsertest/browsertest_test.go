package browsertest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"careers/internal/browsertest"
)

// launched is what TestLaunchFlags saw of the shared browser, so TestMain can
// check after the run that the process and its profile are gone.
var launched struct {
	pid     int
	dataDir string
}

func TestMain(m *testing.M) {
	code := browsertest.Run(m)
	if code == 0 {
		if err := checkBrowserGone(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// checkBrowserGone proves Run really shut the browser down.
func checkBrowserGone() error {
	if launched.pid != 0 {
		if err := syscall.Kill(launched.pid, 0); !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("browser process %d still exists after Run (kill -0: %v)", launched.pid, err)
		}
	}
	if launched.dataDir != "" {
		if _, err := os.Stat(launched.dataDir); !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("browser profile %s still exists after Run (stat: %v)", launched.dataDir, err)
		}
	}
	return nil
}

// The CSP the careers service sends, per ENGINEERING.md; the nonce changes per
// response.
const strictCSP = "default-src 'self'; script-src 'self' 'nonce-%[1]s'; style-src 'self' 'nonce-%[1]s'; " +
	"img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// accessiblePage meets WCAG 2.2 AA. Its last script has no nonce: if the
// browser enforced no CSP it would rewrite the heading.
const accessiblePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Apply for a training post</title>
<style nonce="%[1]s">body { font-family: sans-serif; color: #0b0c0c; background: #ffffff; } a { color: #1d70b8; }</style>
</head>
<body>
<a href="#main">Skip to main content</a>
<main id="main">
<h1 id="heading">Apply for a training post</h1>
<img src="/logo.svg" alt="NHS England" width="40" height="16">
<form method="post" action="/apply">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email">
<button type="submit">Continue</button>
</form>
<p id="status">Scripts did not run.</p>
</main>
<script nonce="%[1]s">document.getElementById('status').textContent = 'Scripts with the nonce ran.';</script>
<script>document.getElementById('heading').textContent = 'CSP was not enforced';</script>
</body>
</html>`

const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="16"><rect width="40" height="16" fill="#005eb8"/></svg>`

// brokenPage fails image-alt, label and color-contrast (#bbb on white is
// 1.9:1, below the 4.5:1 AA needs).
const brokenPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Broken form</title>
<style>.faint { color: #bbbbbb; background: #ffffff; }</style>
</head>
<body>
<main>
<h1>Broken form</h1>
<img id="photo" src="/logo.svg">
<input id="email" name="email" type="text">
<p id="faint" class="faint">Hard to read</p>
</main>
</body>
</html>`

// scriptedPage says whether its inline script ran.
const scriptedPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Rendered by the server</title></head>
<body>
<main>
<h1 id="heading">Rendered by the server</h1>
<p><a id="next" href="/next">Next page</a></p>
</main>
<script>document.getElementById('heading').textContent = 'Changed by script';</script>
</body>
</html>`

const nextPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Second page</title></head>
<body><main><h1 id="heading">Second page</h1></main></body>
</html>`

// mustServe serves handler for the rest of the test.
func mustServe(tb testing.TB, handler http.HandlerFunc) *httptest.Server {
	tb.Helper()
	s := httptest.NewServer(handler)
	tb.Cleanup(s.Close)
	return s
}

// mustServeHTML serves html at / and logoSVG at /logo.svg.
func mustServeHTML(tb testing.TB, html string) *httptest.Server {
	tb.Helper()
	return mustServe(tb, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/logo.svg" {
			w.Header().Set("Content-Type", "image/svg+xml")
			fmt.Fprint(w, logoSVG)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	})
}

// mustNavigate loads url in the tab.
func mustNavigate(tb testing.TB, ctx context.Context, url string) {
	tb.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		tb.Fatalf("navigating to %s: %v", url, err)
	}
}

// mustText returns the rendered text of the element with the given id.
func mustText(tb testing.TB, ctx context.Context, id string) string {
	tb.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil {
		tb.Fatalf("reading #%s: %v", id, err)
	}
	return text
}

// mustAxeVersion returns the version of the axe-core that npm installed.
func mustAxeVersion(tb testing.TB) string {
	tb.Helper()
	raw, err := os.ReadFile("../../node_modules/axe-core/package.json")
	if err != nil {
		tb.Fatal(err)
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(raw, &pkg); err != nil {
		tb.Fatal(err)
	}
	return pkg.Version
}

func TestAccessiblePageWithStrictCSPHasNoViolations(t *testing.T) {
	t.Parallel()
	srv := mustServe(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/logo.svg" {
			w.Header().Set("Content-Type", "image/svg+xml")
			fmt.Fprint(w, logoSVG)
			return
		}
		nonce := rand.Text()
		w.Header().Set("Content-Security-Policy", fmt.Sprintf(strictCSP, nonce))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, accessiblePage, nonce)
	})
	ctx := browsertest.New(t)
	mustNavigate(t, ctx, srv.URL)

	// Without these two the test could pass against a page with no CSP or
	// with scripts off, which is not what it claims to check.
	if got, want := mustText(t, ctx, "heading"), "Apply for a training post"; got != want {
		t.Fatalf("heading = %q, want %q: the browser ran a script the CSP forbids", got, want)
	}
	if got, want := mustText(t, ctx, "status"), "Scripts with the nonce ran."; got != want {
		t.Fatalf("status = %q, want %q: the page's own nonce script did not run", got, want)
	}

	browsertest.MustHaveNoAxeViolations(t, ctx)

	// Prove axe really examined the page: a run that evaluated nothing
	// would report no violations too.
	res, err := browsertest.RunAxe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) != 0 {
		t.Fatal(browsertest.FormatViolations(res.Violations))
	}
	if want := mustAxeVersion(t); res.Version != want {
		t.Errorf("axe-core version = %q, want the installed %q", res.Version, want)
	}
	if res.URL != srv.URL+"/" {
		t.Errorf("axe checked %q, want %q", res.URL, srv.URL+"/")
	}
	for _, rule := range []string{"image-alt", "label", "color-contrast", "html-has-lang", "document-title"} {
		if !slices.Contains(res.Passes, rule) {
			t.Errorf("rule %s did not pass, so axe did not check it; passes: %v, incomplete: %v", rule, res.Passes, res.Incomplete)
		}
	}
}

func TestAxeReportsKnownViolations(t *testing.T) {
	t.Parallel()
	srv := mustServeHTML(t, brokenPage)
	ctx := browsertest.New(t)
	mustNavigate(t, ctx, srv.URL)

	vs, err := browsertest.Axe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // rule id -> selector of the offending element
		"image-alt":      "#photo",
		"label":          "#email",
		"color-contrast": "#faint",
	}
	for _, v := range vs {
		sel, ok := want[v.ID]
		if !ok {
			continue
		}
		if v.Impact == "" || v.Help == "" || len(v.Nodes) == 0 {
			t.Errorf("%s: incomplete violation %+v", v.ID, v)
		}
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, n.Target...)
		}
		if !slices.Contains(targets, sel) {
			t.Errorf("%s: nodes %v, want %s among them", v.ID, targets, sel)
		}
		delete(want, v.ID)
	}
	if len(want) > 0 {
		t.Errorf("axe did not report %v; it reported:\n%s", want, browsertest.FormatViolations(vs))
	}
}

// recordingTB stands in for a test so a test can watch MustHaveNoAxeViolations
// fail.
type recordingTB struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Fatal(args ...any) {
	r.failed, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestMustHaveNoAxeViolationsListsEveryViolation(t *testing.T) {
	t.Parallel()
	srv := mustServeHTML(t, brokenPage)
	ctx := browsertest.New(t)
	mustNavigate(t, ctx, srv.URL)

	rec := &recordingTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		browsertest.MustHaveNoAxeViolations(rec, ctx)
	}()
	<-done

	if !rec.failed {
		t.Fatal("MustHaveNoAxeViolations passed a page with violations")
	}
	for _, want := range []string{
		"image-alt (critical): Images must have alternative text",
		"label (critical): Form elements must have labels",
		"color-contrast (serious): Elements must meet minimum color contrast ratio thresholds",
		"#photo", `<img id="photo" src="/logo.svg">`,
		"#email", `<input id="email" name="email" type="text">`,
		"#faint", `<p id="faint" class="faint">Hard to read</p>`,
	} {
		if !strings.Contains(rec.msg, want) {
			t.Errorf("failure message lacks %q; it is:\n%s", want, rec.msg)
		}
	}
}

func TestJavaScriptDisabled(t *testing.T) {
	t.Parallel()
	srv := mustServe(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/next" {
			fmt.Fprint(w, nextPage)
			return
		}
		fmt.Fprint(w, scriptedPage)
	})

	// Control: with JavaScript on, the page's script does change the
	// heading, so an unchanged heading below really means scripts are off.
	on := browsertest.New(t)
	mustNavigate(t, on, srv.URL)
	if got, want := mustText(t, on, "heading"), "Changed by script"; got != want {
		t.Fatalf("with JavaScript on, heading = %q, want %q", got, want)
	}

	off := browsertest.New(t, browsertest.WithJavaScriptDisabled())
	mustNavigate(t, off, srv.URL)
	if got, want := mustText(t, off, "heading"), "Rendered by the server"; got != want {
		t.Fatalf("with JavaScript off, heading = %q, want %q", got, want)
	}
	title, err := chromedp.Run(off, chromedp.Title())
	if err != nil || title != "Rendered by the server" {
		t.Fatalf("title = %q, %v; want %q", title, err, "Rendered by the server")
	}

	// A plain link must still work.
	resp, err := chromedp.RunResponse(off, chromedp.Click(chromedp.ID("next")))
	if err != nil {
		t.Fatalf("following the link: %v", err)
	}
	if resp.Status != http.StatusOK || resp.URL != srv.URL+"/next" {
		t.Fatalf("following the link got %d %s, want 200 %s", resp.Status, resp.URL, srv.URL+"/next")
	}
	if got, want := mustText(t, off, "heading"), "Second page"; got != want {
		t.Fatalf("after the link, heading = %q, want %q", got, want)
	}

	if _, err := browsertest.Axe(off); !errors.Is(err, browsertest.ErrJavaScriptDisabled) {
		t.Fatalf("Axe with JavaScript off: err = %v, want ErrJavaScriptDisabled", err)
	}
}

func TestParallelTabs(t *testing.T) {
	t.Parallel()
	srv := mustServe(t, func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("tab")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tab %[1]s</title></head>`+
			`<body><main><h1 id="heading">Tab %[1]s</h1></main></body></html>`, name)
	})

	var mu sync.Mutex
	targets := map[string]string{} // tab name -> target id
	t.Run("group", func(t *testing.T) {
		for _, name := range []string{"one", "two"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ctx := browsertest.New(t)
				mustNavigate(t, ctx, srv.URL+"/?tab="+name)
				if got, want := mustText(t, ctx, "heading"), "Tab "+name; got != want {
					t.Fatalf("heading = %q, want %q", got, want)
				}
				browsertest.MustHaveNoAxeViolations(t, ctx)
				// Read again after the other tab had time to navigate:
				// tabs must not share a page.
				if got, want := mustText(t, ctx, "heading"), "Tab "+name; got != want {
					t.Fatalf("heading after axe = %q, want %q", got, want)
				}
				mu.Lock()
				defer mu.Unlock()
				targets[name] = string(chromedp.FromContext(ctx).Target.TargetID)
			})
		}
	})
	if len(targets) != 2 || targets["one"] == targets["two"] {
		t.Fatalf("tabs = %v, want two distinct targets", targets)
	}
}

func TestHungPageFailsAtTheTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := mustServe(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close, which waits for handlers

	const timeout = 2 * time.Second
	ctx := browsertest.New(t, browsertest.WithTimeout(timeout))
	start := time.Now()
	err := chromedp.Do(ctx, chromedp.Navigate(srv.URL))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("navigating to a page that never answers: err = %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > timeout+5*time.Second {
		t.Fatalf("gave up after %s, want about %s", elapsed, timeout)
	}
}

func TestScreenshotIsFullPagePNG(t *testing.T) {
	t.Parallel()
	srv := mustServeHTML(t, `<!doctype html><html lang="en"><head><title>Tall</title></head>`+
		`<body style="margin:0"><div style="height:3000px">Tall page</div></body></html>`)
	ctx := browsertest.New(t)
	mustNavigate(t, ctx, srv.URL)

	path := filepath.Join(t.TempDir(), "page.png")
	if err := browsertest.Screenshot(ctx, path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	// The window is 1024 px high, so anything taller is the full page.
	if h := img.Bounds().Dy(); h < 3000 {
		t.Fatalf("screenshot is %d px high, want the full 3000 px page", h)
	}
}

func TestLaunchFlags(t *testing.T) {
	pid, err := browsertest.SharedBrowserPID()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	for _, flag := range []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-quic", "--no-proxy-server",
	} {
		if !slices.Contains(args, flag) {
			t.Errorf("browser runs without %s; args: %q", flag, args)
		}
	}
	var dataDir string
	for _, a := range args {
		if d, ok := strings.CutPrefix(a, "--user-data-dir="); ok {
			dataDir = d
		}
	}
	if !strings.HasPrefix(dataDir, os.TempDir()+string(os.PathSeparator)) {
		t.Fatalf("user data dir = %q, want a fresh directory in %s", dataDir, os.TempDir())
	}
	if _, err := os.Stat(dataDir); err != nil {
		t.Fatalf("user data dir: %v", err)
	}
	launched.pid, launched.dataDir = pid, dataDir
}

func TestFindChromium(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     string
		exists  []string // what lookPath finds
		want    string
		wantErr string
	}{
		{"CHROMIUM_PATH wins", "/opt/chrome/chrome", []string{"/opt/chrome/chrome", "/usr/bin/chromium"}, "/opt/chrome/chrome", ""},
		{"bad CHROMIUM_PATH is an error, not a fallback", "/opt/nothing", []string{"/usr/bin/chromium"}, "", `CHROMIUM_PATH="/opt/nothing"`},
		{"Debian chromium", "", []string{"/usr/bin/chromium", "google-chrome"}, "/usr/bin/chromium", ""},
		{"chromium on PATH", "", []string{"chromium", "google-chrome"}, "chromium", ""},
		{"chromium-browser on PATH", "", []string{"chromium-browser", "google-chrome"}, "chromium-browser", ""},
		{"google-chrome on PATH", "", []string{"google-chrome"}, "google-chrome", ""},
		{"none", "", nil, "", "chromium not found: install it with `apt-get install chromium` (Debian) or set CHROMIUM_PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "CHROMIUM_PATH" {
					return tt.env
				}
				return ""
			}
			lookPath := func(name string) (string, error) {
				if slices.Contains(tt.exists, name) {
					return name, nil
				}
				return "", exec.ErrNotFound
			}
			got, err := browsertest.FindChromium(getenv, lookPath)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			case got != tt.want:
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	_, err := browsertest.FindChromium(func(string) string { return "" }, func(string) (string, error) { return "", exec.ErrNotFound })
	if err != browsertest.ErrChromiumNotFound || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want the one-line ErrChromiumNotFound", err)
	}
}

func TestReadAxe(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	src, err := browsertest.ReadAxe(wd)
	if err != nil {
		t.Fatal(err)
	}
	if want := "/*! axe v" + mustAxeVersion(t); !strings.HasPrefix(src, want) {
		t.Fatalf("axe source starts %q, want %q", src[:min(len(src), 40)], want)
	}

	// A module without node_modules tells the developer what to run.
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "internal", "pkg")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := browsertest.ReadAxe(sub); err != browsertest.ErrAxeMissing || err.Error() != "axe-core not installed: run `npm ci`" {
		t.Fatalf("err = %v, want ErrAxeMissing", err)
	}
}
