// Package browsertest drives a headless Chromium for end-to-end and
// accessibility tests of the careers pages.
//
// One browser process serves the whole test binary and every test gets its
// own tab, so tests may call t.Parallel. A test package that uses the harness
// must route its tests through [Main] (or [Run]) so that the browser is shut
// down and its profile directory removed when the tests finish:
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
// The browser is $CHROMIUM_PATH, else /usr/bin/chromium, else chromium,
// chromium-browser or google-chrome on PATH. A missing browser fails the test
// rather than skipping it: a skipped accessibility test would let a
// regression through CI unnoticed. Axe needs the pinned axe-core from
// node_modules (npm ci).
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

const (
	// DefaultTimeout bounds everything one test does in its tab, so a page
	// that never finishes loading fails the test instead of hanging CI.
	DefaultTimeout = 30 * time.Second

	// startTimeout bounds the launch of the shared browser.
	startTimeout = 30 * time.Second

	// closeTimeout bounds the graceful close of the browser; after it the
	// process is killed.
	closeTimeout = 10 * time.Second
)

// errChromiumNotFound is the one-line message a developer without a browser
// sees; it says exactly how to get one.
var errChromiumNotFound = errors.New("chromium not found: install it with `apt-get install chromium` (Debian) or set CHROMIUM_PATH")

// errNoMain is returned when a test uses the harness without routing the test
// binary through Main or Run, which would leak the browser and its profile.
var errNoMain = errors.New("browsertest: the test package has no TestMain calling browsertest.Main(m) (or browsertest.Run(m)); add one so the shared browser is shut down")

// errShutDown is returned to a test that asks for a tab after Run stopped
// the browser.
var errShutDown = errors.New("browsertest: the shared browser has already been shut down")

// shared is the browser process of this test binary. It is package state
// because tests in one binary share one browser, and TestMain is the only
// place that can shut it down.
var shared struct {
	once sync.Once
	b    *browser
	err  error
}

// mainRunning records that Run wraps the tests, so New can refuse to leak a
// browser.
var mainRunning atomic.Bool

// browser is a running Chromium.
type browser struct {
	ctx         context.Context    // chromedp context that owns the process; parent of every tab
	cancel      context.CancelFunc // kills the process and waits for it
	allocCancel context.CancelFunc // frees the allocator and waits for its cleanup (profile removal)
	pid         int
}

// Option configures a tab made by New.
type Option func(*tabConfig)

type tabConfig struct {
	jsDisabled bool
	timeout    time.Duration
}

// WithJavaScriptDisabled makes the tab run with JavaScript off (pages must work without it).
//
// Axe needs page scripting to run, so in such a tab Axe returns ErrJavaScriptDisabled.
func WithJavaScriptDisabled() Option {
	return func(c *tabConfig) { c.jsDisabled = true }
}

// WithTimeout replaces DefaultTimeout as the bound on everything the test does in its tab.
func WithTimeout(d time.Duration) Option {
	return func(c *tabConfig) { c.timeout = d }
}

// tabState is stored in each tab's context so that helpers such as Axe know
// how the tab was set up.
type tabState struct {
	jsDisabled bool
}

type tabStateKey struct{}

func tabFrom(ctx context.Context) tabState {
	s, _ := ctx.Value(tabStateKey{}).(tabState)
	return s
}

// New returns a fresh browser tab context for one test; it is cancelled in tb.Cleanup.
//
// The context carries a deadline (DefaultTimeout unless WithTimeout says
// otherwise); use it with chromedp.Run and chromedp.Do.
func New(tb testing.TB, opts ...Option) context.Context {
	tb.Helper()
	cfg := tabConfig{timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	b, err := sharedBrowser()
	if err != nil {
		tb.Fatal(err)
	}

	// Each tab gets its own browser context: its own cookies and storage,
	// like a separate person. Cookies ignore ports, so without this two
	// tests against two local servers would share (and clobber) sessions.
	tabCtx, closeTab := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(tabCtx, cfg.timeout)
	ctx = context.WithValue(ctx, tabStateKey{}, tabState{jsDisabled: cfg.jsDisabled})
	tb.Cleanup(func() {
		cancelTimeout()
		closeTab() // closes the tab and waits until it is gone
	})

	// Open the tab here rather than in the test's first action: chromedp
	// ties the tab's event loop to the context of that first action, which
	// must be the whole-test context and not a shorter one a test derives,
	// and a broken browser's error is easiest to read at New.
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if !cfg.jsDisabled {
			return nil
		}
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	if err != nil {
		tb.Fatalf("browsertest: opening a tab: %v", err)
	}
	return ctx
}

// Main runs the tests of a package that uses the harness, shuts the browser
// down and exits; call it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run runs the tests, shuts the browser down and returns the exit code, for a
// TestMain that has more to do before it exits.
func Run(m *testing.M) int {
	mainRunning.Store(true)
	code := m.Run()
	if err := shutdown(); err != nil {
		// A browser or profile left behind is a defect of the run even when
		// every test passed: CI machines would slowly fill up.
		fmt.Fprintln(os.Stderr, "browsertest: shutting the browser down:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// sharedBrowser starts the browser on first use.
func sharedBrowser() (*browser, error) {
	if !mainRunning.Load() {
		return nil, errNoMain
	}
	shared.once.Do(func() {
		shared.b, shared.err = launch()
	})
	return shared.b, shared.err
}

// shutdown stops the browser if one was started, and stops any later test from
// starting one.
func shutdown() error {
	shared.once.Do(func() { shared.err = errShutDown })
	if shared.b == nil {
		return nil
	}
	return shared.b.close()
}

// findChromium returns the browser to run: CHROMIUM_PATH, else Debian's
// /usr/bin/chromium, else the usual names on PATH.
func findChromium(getenv func(string) string, lookPath func(string) (string, error)) (string, error) {
	if p := getenv("CHROMIUM_PATH"); p != "" {
		found, err := lookPath(p)
		if err != nil {
			// Falling back to another browser would hide the typo.
			return "", fmt.Errorf("CHROMIUM_PATH=%q is not a program this test can run: %v", p, err)
		}
		return found, nil
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if found, err := lookPath(name); err == nil {
			return found, nil
		}
	}
	return "", errChromiumNotFound
}

// allocatorOptions are the launch flags: chromedp's Puppeteer-like defaults
// plus what a root user on a machine with no network needs.
func allocatorOptions(path string) []chromedp.ExecAllocatorOption {
	return append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(path),
		chromedp.Headless,
		// Chromium refuses to start as root with its sandbox on.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// The network is closed: anything that phones home only adds
		// timeouts and log noise.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-proxy-server", true),
		// A fixed viewport keeps layout-dependent checks (colour contrast,
		// screenshots) the same on every machine.
		chromedp.WindowSize(1280, 1024),
		// No UserDataDir: chromedp then creates a fresh temporary profile
		// for the process, kills any child still using it and removes it
		// when the process ends.
	)
}

// launch starts the shared browser and waits until it answers.
func launch() (*browser, error) {
	path, err := findChromium(os.Getenv, exec.LookPath)
	if err != nil {
		return nil, err
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), allocatorOptions(path)...)
	// The first action binds the process's life to the context it runs
	// with, so that context must have no deadline; the start is bounded by
	// the select below instead.
	ctx, cancel := chromedp.NewContext(allocCtx)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()

	select {
	case err = <-started:
	case <-time.After(startTimeout):
		err = fmt.Errorf("no answer after %s", startTimeout)
	}
	if err != nil {
		cancel()
		allocCancel()
		return nil, fmt.Errorf("browsertest: starting %s: %w", path, err)
	}
	b := &browser{ctx: ctx, cancel: cancel, allocCancel: allocCancel}
	if p := chromedp.FromContext(ctx).Browser.Process(); p != nil {
		b.pid = p.Pid
	}
	return b, nil
}

// close asks the browser to quit, kills it if it does not, and waits until the
// process has exited and its profile directory is gone.
func (b *browser) close() error {
	ctx, cancel := context.WithTimeout(b.ctx, closeTimeout)
	defer cancel()
	err := chromedp.Cancel(ctx)
	b.cancel()
	b.allocCancel()
	if err != nil {
		return fmt.Errorf("closing the browser (pid %d): %w", b.pid, err)
	}
	return nil
}
