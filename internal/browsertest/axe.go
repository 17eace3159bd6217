package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeTags select WCAG 2.0, 2.1 and 2.2 at levels A and AA; axe-core has no
// rule tagged wcag22a (2.2 added no level-A rule it tests).
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// ErrJavaScriptDisabled is returned by Axe in a tab made with WithJavaScriptDisabled.
//
// The axe source can still be injected there (Runtime.evaluate runs with
// page scripting off), but timer callbacks never fire, and axe.run schedules
// its checks with setTimeout, so it would never finish.
var ErrJavaScriptDisabled = errors.New("browsertest: axe-core needs JavaScript, but this tab was made with WithJavaScriptDisabled; check accessibility in a tab with JavaScript on")

// errAxeMissing tells a developer how to get the pinned axe-core.
var errAxeMissing = errors.New("axe-core not installed: run `npm ci`")

// AxeResults is the outcome of one axe-core run.
type AxeResults struct {
	// Version is the axe-core version that ran.
	Version string `json:"version"`
	// URL is the page axe checked.
	URL string `json:"url"`
	// Violations are the rules that failed.
	Violations []Violation `json:"violations"`
	// Passes are the ids of the rules that were evaluated and passed; a test
	// uses them to prove axe really looked at the page.
	Passes []string `json:"passes"`
	// Incomplete are the ids of the rules axe could not decide and wants a
	// person to review.
	Incomplete []string `json:"incomplete"`
	// Inapplicable are the ids of the rules nothing on the page was subject to.
	Inapplicable []string `json:"inapplicable"`
}

// Violation is one failed axe-core rule and the elements that fail it.
type Violation struct {
	// ID is the axe rule id, such as "image-alt".
	ID string `json:"id"`
	// Impact is minor, moderate, serious or critical.
	Impact string `json:"impact"`
	// Help is the rule's one-line summary.
	Help string `json:"help"`
	// HelpURL explains the rule and how to fix it.
	HelpURL string `json:"helpUrl"`
	// Description says what the rule checks.
	Description string `json:"description"`
	// Tags include the WCAG success criteria, such as "wcag111".
	Tags []string `json:"tags"`
	// Nodes are the offending elements.
	Nodes []Node `json:"nodes"`
}

// Node is one element that fails a rule.
type Node struct {
	// Target is the CSS selector path to the element; elements inside
	// iframes or shadow roots have one selector per level, joined by " >>> ".
	Target []string `json:"target"`
	// HTML is a snippet of the element's markup.
	HTML string `json:"html"`
	// FailureSummary says what to fix.
	FailureSummary string `json:"failureSummary"`
}

// axeRunJS runs axe on the whole document and returns only what AxeResults
// holds, so a big page does not ship axe's full result (every check of every
// node) through the protocol.
const axeRunJS = `(async () => {
	const r = await axe.run(document, {
		runOnly: {type: 'tag', values: %s},
		resultTypes: ['violations'],
	});
	const ids = rs => rs.map(x => x.id);
	const target = t => t.map(s => Array.isArray(s) ? s.join(' >>> ') : String(s));
	return {
		version: r.testEngine.version,
		url: r.url,
		violations: r.violations.map(v => ({
			id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
			description: v.description, tags: v.tags,
			nodes: v.nodes.map(n => ({target: target(n.target), html: n.html, failureSummary: n.failureSummary || ''})),
		})),
		passes: ids(r.passes),
		incomplete: ids(r.incomplete),
		inapplicable: ids(r.inapplicable),
	};
})()`

// Axe runs axe-core on the current page for WCAG 2 A/AA, 2.1 A/AA and 2.2 AA rules and returns the violations.
func Axe(ctx context.Context) ([]Violation, error) {
	r, err := RunAxe(ctx)
	return r.Violations, err
}

// RunAxe runs axe-core like Axe and returns the whole report, including the rules that passed.
//
// The axe source is evaluated through the DevTools protocol
// (Runtime.evaluate), which the page's Content-Security-Policy does not
// govern, so it works on pages with a strict nonce-based CSP without
// loosening that CSP.
func RunAxe(ctx context.Context) (AxeResults, error) {
	if tabFrom(ctx).jsDisabled {
		return AxeResults{}, ErrJavaScriptDisabled
	}
	src, err := axeSource()
	if err != nil {
		return AxeResults{}, err
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object' && typeof window.axe.run === 'function'`))
	if err != nil {
		return AxeResults{}, fmt.Errorf("browsertest: checking for axe-core in the page: %w", err)
	}
	if !loaded {
		// The source is evaluated as a classic script so its UMD wrapper
		// sets window.axe; the trailing 0 keeps the protocol from returning
		// whatever the last statement produced.
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src+"\n;0")); err != nil {
			return AxeResults{}, fmt.Errorf("browsertest: injecting axe-core: %w", err)
		}
	}
	tags, err := json.Marshal(axeTags)
	if err != nil {
		return AxeResults{}, fmt.Errorf("browsertest: %w", err)
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[AxeResults](fmt.Sprintf(axeRunJS, tags), chromedp.EvalAwaitPromise))
	if err != nil {
		return AxeResults{}, fmt.Errorf("browsertest: running axe-core: %w", err)
	}
	return r, nil
}

// MustHaveNoAxeViolations fails tb listing every violation (rule id, impact, help, the offending nodes' selectors and HTML snippets).
func MustHaveNoAxeViolations(tb testing.TB, ctx context.Context) {
	tb.Helper()
	vs, err := Axe(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if len(vs) > 0 {
		tb.Fatal(FormatViolations(vs))
	}
}

// FormatViolations renders violations for a test failure message.
func FormatViolations(vs []Violation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d axe-core violation(s):", len(vs))
	for _, v := range vs {
		fmt.Fprintf(&b, "\n\n%s (%s): %s\n  %s", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n  - %s\n    %s", strings.Join(n.Target, ", "), n.HTML)
			if n.FailureSummary != "" {
				// Indent axe's multi-line summary under its node.
				fmt.Fprintf(&b, "\n    %s", strings.ReplaceAll(n.FailureSummary, "\n", "\n    "))
			}
		}
	}
	return b.String()
}

// axeSrc holds axe.min.js, read once per test binary.
var axeSrc struct {
	once sync.Once
	src  string
	err  error
}

func axeSource() (string, error) {
	axeSrc.once.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			axeSrc.err = fmt.Errorf("browsertest: %w", err)
			return
		}
		axeSrc.src, axeSrc.err = readAxe(wd)
	})
	return axeSrc.src, axeSrc.err
}

// readAxe reads the pinned axe-core from node_modules next to go.mod; go test
// runs in the package directory, so the module root is found by walking up
// from wd.
func readAxe(wd string) (string, error) {
	root, err := moduleRoot(wd)
	if err != nil {
		return "", err
	}
	src, err := os.ReadFile(filepath.Join(root, "node_modules", "axe-core", "axe.min.js"))
	if errors.Is(err, os.ErrNotExist) {
		return "", errAxeMissing
	}
	if err != nil {
		return "", fmt.Errorf("browsertest: reading axe-core: %w", err)
	}
	return string(src), nil
}

// moduleRoot returns the nearest directory at or above dir holding go.mod.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("browsertest: no go.mod in %s or above it", dir)
		}
		d = parent
	}
}
