package server_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"careers/internal/browsertest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// requestLog records every URL the page asks for, to prove no other host is
// contacted.
type requestLog struct {
	mu   sync.Mutex
	urls []string
}

// listen subscribes before navigation, so no request is missed; the loop
// ends with the tab's context.
func (l *requestLog) listen(ctx context.Context) {
	events := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for e, err := range events {
			if err != nil {
				return
			}
			l.mu.Lock()
			l.urls = append(l.urls, e.Request.URL)
			l.mu.Unlock()
		}
	}()
}

func (l *requestLog) foreign(host string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, u := range l.urls {
		p, err := url.Parse(u)
		if err != nil || p.Host != host {
			out = append(out, u)
		}
	}
	return out
}

// saveScreenshot keeps a picture of a failing page for whoever debugs it.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	if !t.Failed() {
		return
	}
	dir := filepath.Join(os.TempDir(), "careers-screenshots")
	_ = os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, name+".png")
	if err := browsertest.Screenshot(ctx, p); err == nil {
		t.Logf("screenshot: %s", p)
	}
}

// Each public page renders with the NHS stylesheet applied, asks no other
// host for anything, and has zero axe-core violations (WCAG 2.2 A/AA).
func TestPagesInBrowserAreStyledAndAccessible(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	host := mustHost(t, ts.URL)

	pages := []struct{ path, h1 string }{
		{"/", "Get careers support"},
		{"/privacy", "Privacy notice"},
		{"/accessibility", "Accessibility statement"},
		{"/cookies", "Cookies"},
		{"/this-page-does-not-exist", "Page not found"},
		{"/refer/confirm/new", "Get a new link to confirm your referral"},
		{"/refer/confirm?token=expired", "This link has expired or has already been used"},
	}
	for _, p := range pages {
		t.Run(p.path, func(t *testing.T) {
			ctx := browsertest.New(t)
			var reqs requestLog
			reqs.listen(ctx)
			defer saveScreenshot(t, ctx, "page"+filepath.Base(p.path))

			if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+p.path)); err != nil {
				t.Fatal(err)
			}
			h1 := mustRun(t, ctx, chromedp.Text(chromedp.CSS("h1")))
			headerBg := mustRun(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor`))
			bodyFont := mustRun(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).fontFamily`))
			supported := mustRun(t, ctx, chromedp.Evaluate[bool](`document.body.classList.contains('nhsuk-frontend-supported')`))
			if h1 != p.h1 {
				t.Errorf("h1 = %q, want %q", h1, p.h1)
			}
			// NHS blue comes only from the compiled stylesheet.
			if headerBg != "rgb(0, 94, 184)" {
				t.Errorf("header background = %q: the NHS stylesheet is not applied", headerBg)
			}
			if bodyFont == "" || bodyFont == "Times New Roman" {
				t.Errorf("body font = %q", bodyFont)
			}
			if !supported {
				t.Error("the nonce'd script did not run: body lacks nhsuk-frontend-supported (CSP blocking it?)")
			}
			browsertest.MustHaveNoAxeViolations(t, ctx)
			if f := reqs.foreign(host); len(f) > 0 {
				t.Errorf("the page asked other hosts: %v", f)
			}
		})
	}
}

// With JavaScript off the start page is complete and styled.
func TestStartPageWorksWithoutJavaScript(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := browsertest.New(t, browsertest.WithJavaScriptDisabled())
	defer saveScreenshot(t, ctx, "start-nojs")
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	h1 := mustRun(t, ctx, chromedp.Text(chromedp.CSS("h1")))
	start := mustRun(t, ctx, chromedp.Text(chromedp.CSS(`a[href="/refer/self"]`)))
	urgent := mustRun(t, ctx, chromedp.Text(chromedp.CSS(".nhsuk-card--care--urgent")))
	headerBg := mustRun(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor`))
	if h1 != "Get careers support" || start == "" {
		t.Errorf("h1 %q, start link text %q", h1, start)
	}
	if headerBg != "rgb(0, 94, 184)" {
		t.Errorf("header background %q with JavaScript off", headerBg)
	}
	for _, n := range []string{"85258", "116 123", "0330 123 1245", "0300 131 7000"} {
		if !strings.Contains(urgent, n) {
			t.Errorf("urgent help lacks %s", n)
		}
	}
}

func mustHost(tb testing.TB, raw string) string {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return u.Host
}

func mustRun[T any](tb testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
