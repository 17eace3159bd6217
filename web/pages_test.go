package web_test

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"careers/web"
)

const testNonce = "n0nce-for-tests"

// MustRender renders c to a string or fails the test.
func MustRender(tb testing.TB, c templ.Component) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		tb.Fatalf("render: %v", err)
	}
	return buf.String()
}

func testLayout(tb testing.TB) web.Layout {
	tb.Helper()
	return web.Layout{Nonce: testNonce, Assets: MustAssets(tb)}
}

var (
	scriptTag   = regexp.MustCompile(`<script\b[^>]*>`)
	styleAttr   = regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`)
	eventAttr   = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	titleTag    = regexp.MustCompile(`<title>([^<]*)</title>`)
	h1Tag       = regexp.MustCompile(`<h1[^>]*>([^<]*)</h1>`)
	crisisLines = []string{"85258", "NHSPH", "FRONTLINE", "116 123", "0330 123 1245", "0300 131 7000", "999"}
)

func TestPages(t *testing.T) {
	l := testLayout(t)
	tests := []struct {
		name  string
		page  templ.Component
		title string
		// want are further strings the page must contain.
		want []string
	}{
		{
			name:  "start",
			page:  web.StartPage(l),
			title: "Get careers support",
			want: append([]string{
				`href="/refer/self"`, "Refer yourself",
				`href="/refer/supervisor"`, `href="/staff/sign-in"`,
				"Form C", "Form D", "14 days", "24 hours", "up to 3 sessions",
				"Professional Support and Wellbeing Service", "deanery",
			}, crisisLines...),
		},
		{
			name:  "privacy",
			page:  web.PrivacyPage(l, "6 years"),
			title: "Privacy notice",
			want:  []string{"Information Commissioner", "serious risk", "for 6 years, then destroy it", "download"},
		},
		{
			name:  "accessibility",
			page:  web.AccessibilityPage(l),
			title: "Accessibility statement",
			want:  []string{"WCAG", "2.2", "JavaScript turned off", "Equality Advisory and Support Service"},
		},
		{
			name:  "cookies",
			page:  web.CookiesPage(l),
			title: "Cookies",
			want:  []string{"strictly necessary", "analytics", "cookie banner"},
		},
		{
			name:  "not found",
			page:  web.NotFoundPage(l),
			title: "Page not found",
			want:  []string{`href="/"`},
		},
		{
			name:  "forbidden",
			page:  web.ForbiddenPage(l),
			title: "You cannot do that from here",
			want:  []string{"Nothing has been changed", `href="/"`},
		},
		{
			name:  "server error",
			page:  web.ServerErrorPage(l, "req-42"),
			title: "Sorry, there is a problem with the service",
			want:  append([]string{"req-42", "try again later"}, crisisLines...),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html := MustRender(t, tt.page)

			wantTitle := tt.title + " – Careers support – NHS Professional Support Unit"
			if m := titleTag.FindStringSubmatch(html); m == nil || m[1] != wantTitle {
				t.Errorf("<title> = %q, want %q", m, wantTitle)
			}
			if m := h1Tag.FindAllStringSubmatch(html, -1); len(m) != 1 || m[0][1] != tt.title {
				t.Errorf("<h1> = %q, want exactly one, %q", m, tt.title)
			}
			assertLayout(t, html)
			for _, w := range tt.want {
				if !strings.Contains(strings.ToLower(html), strings.ToLower(w)) {
					t.Errorf("page does not contain %q", w)
				}
			}
		})
	}
}

// assertLayout checks what every page must have from the base layout, and
// what the server's Content-Security-Policy requires of the markup.
func assertLayout(t *testing.T, html string) {
	t.Helper()
	a := MustAssets(t)
	for _, w := range []string{
		`<!doctype html>`,
		`<html lang="en">`,
		`<a class="nhsuk-skip-link" data-module="nhsuk-skip-link" href="#maincontent">Skip to main content</a>`,
		`<main class="nhsuk-main-wrapper" id="maincontent">`,
		`<span class="nhsuk-header__service-name">Careers support</span>`,
		`<a class="nhsuk-header__service-logo" href="/"`,
		`Beta</strong>`,
		`href="/privacy"`, `href="/accessibility"`, `href="/cookies"`,
		`href="` + a.Path("careers.css") + `"`,
		`href="` + a.Path("images/favicon.ico") + `"`,
		`"` + a.Path("nhsuk-frontend.min.js") + `"`,
		`nhsuk-frontend-supported`,
		`initAll()`,
	} {
		if !strings.Contains(html, w) {
			t.Errorf("page does not contain %s", w)
		}
	}
	if strings.Contains(html, "assets.nhs.uk") || strings.Contains(html, "careers-webfont") {
		t.Error("page refers to the web font although Layout.WebFont is false")
	}

	scripts := scriptTag.FindAllString(html, -1)
	if len(scripts) < 2 {
		t.Errorf("found %d <script> elements, want the body-class script and the module script", len(scripts))
	}
	for _, s := range scripts {
		if !strings.Contains(s, ` nonce="`+testNonce+`"`) {
			t.Errorf("script without the CSP nonce: %s", s)
		}
	}
	if got := strings.Count(html, "<script"); got != len(scripts) {
		t.Errorf("counted %d <script but matched %d tags", got, len(scripts))
	}
	if m := styleAttr.FindString(html); m != "" {
		t.Errorf("inline style attribute (blocked by the CSP): %s", m)
	}
	if strings.Contains(html, "<style") {
		t.Error("inline <style> element (blocked by the CSP)")
	}
	if m := eventAttr.FindString(html); m != "" {
		t.Errorf("inline event handler (blocked by the CSP): %s", m)
	}
	if strings.Contains(html, "javascript:") {
		t.Error("javascript: URL (blocked by the CSP)")
	}
}

func TestLayoutWebFont(t *testing.T) {
	l := testLayout(t)
	l.WebFont = true
	html := MustRender(t, web.StartPage(l))
	if !strings.Contains(html, `href="`+l.Assets.Path("careers-webfont.css")+`"`) {
		t.Error("WebFont layout does not link careers-webfont.css")
	}
	if strings.Contains(html, `href="`+l.Assets.Path("careers.css")+`"`) {
		t.Error("WebFont layout also links careers.css")
	}
}

func TestLayoutKeepsCallersTitleAndMarksCurrentFooterLink(t *testing.T) {
	l := testLayout(t)
	l.Title = "Your referral"
	l.Path = "/privacy"
	html := MustRender(t, web.NotFoundPage(l))
	if !strings.Contains(html, "<title>Your referral – Careers support – NHS Professional Support Unit</title>") {
		t.Errorf("caller's title not used: %s", titleTag.FindString(html))
	}
	if !strings.Contains(html, `href="/privacy" aria-current="page"`) {
		t.Error("the footer link to the current page is not marked aria-current")
	}
	if strings.Count(html, `aria-current="page"`) != 1 {
		t.Error("more than one link marked as the current page")
	}
}

func TestUrgentHelp(t *testing.T) {
	html := MustRender(t, web.UrgentHelp())
	if !strings.Contains(html, "nhsuk-card--care--urgent") {
		t.Error("UrgentHelp is not an urgent care card")
	}
	for _, w := range append(crisisLines, "not an emergency service", "A&amp;E", "7am to 11pm", `href="tel:116123"`) {
		if !strings.Contains(html, w) {
			t.Errorf("UrgentHelp does not contain %q", w)
		}
	}
}

func TestServerErrorPageEscapesTheRequestID(t *testing.T) {
	l := testLayout(t)
	html := MustRender(t, web.ServerErrorPage(l, `<script>alert(1)</script>`))
	if strings.Contains(html, "<script>alert(1)") {
		t.Fatal("request ID rendered as HTML")
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("escaped request ID not shown")
	}
	if without := MustRender(t, web.ServerErrorPage(l, "")); strings.Contains(without, "give this reference") {
		t.Error("reference sentence shown without a request ID")
	}
}

func TestComponents(t *testing.T) {
	back := MustRender(t, web.BackLink(templ.SafeURL("/referrals"), "Back to your referrals"))
	if back != `<a class="nhsuk-back-link" href="/referrals">Back to your referrals</a>` {
		t.Errorf("BackLink = %s", back)
	}
	inset := MustRender(t, templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return web.InsetText().Render(templ.WithChildren(ctx, templ.Raw("<p>Note</p>")), w)
	}))
	if !strings.Contains(inset, `<div class="nhsuk-inset-text">`) || !strings.Contains(inset, "<p>Note</p>") {
		t.Errorf("InsetText = %s", inset)
	}
}
