package server

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5/middleware"

	"careers/internal/pagegz"
	"careers/internal/policy"
	"careers/web"
)

// layout gathers the request-wide values every page needs: the CSP nonce,
// who is signed in and their navigation, and any one-off message.
func (s *Server) layout(r *http.Request, title string) web.Layout {
	l := web.Layout{
		Title:   title,
		Nonce:   nonceFrom(r.Context()),
		Assets:  s.assets,
		WebFont: s.cfg.WebFont,
		Path:    r.URL.Path,
	}
	if r.Context().Value(sessionLoadedKey{}) == nil {
		// Outside the session middleware (the panic page): nothing more.
		return l
	}
	if s.sessions.Exists(r.Context(), sessFlash) {
		l.Flash = s.sessions.PopString(r.Context(), sessFlash)
	}
	a := actorFrom(r.Context())
	switch a.Kind {
	case policy.Staff:
		if u := staffFrom(r.Context()); u != nil {
			l.Account = &web.Account{Name: u.Name, SignOut: "/staff/sign-out"}
		}
		l.Nav = staffNav(a, r.URL.Path)
	case policy.Public:
		l.Account = &web.Account{Name: a.Email, SignOut: "/sign-out"}
		l.Nav = []web.NavItem{{Href: "/your-referrals", Text: "Your referrals", Current: r.URL.Path == "/your-referrals"},
			{Href: "/your-data", Text: "Your data", Current: r.URL.Path == "/your-data"}}
	}
	return l
}

// staffNav lists the sections a staff member's roles open to them.
func staffNav(a policy.Actor, path string) []web.NavItem {
	items := []web.NavItem{{Href: "/staff", Text: "Home"}}
	if a.HasAny(policy.Coordinator, policy.Lead) {
		items = append(items, web.NavItem{Href: "/staff/referrals", Text: "Referrals"},
			web.NavItem{Href: "/staff/workshops", Text: "Workshops"},
			web.NavItem{Href: "/staff/reports", Text: "Reports"})
	}
	if a.Has(policy.Coach) {
		items = append(items, web.NavItem{Href: "/staff/calendar", Text: "Calendar"})
	}
	if a.Has(policy.Admin) {
		items = append(items,
			web.NavItem{Href: "/staff/admin/users", Text: "Staff accounts"},
			web.NavItem{Href: "/staff/admin/audit", Text: "Audit log"},
			web.NavItem{Href: "/staff/admin/retention", Text: "Retention"},
			web.NavItem{Href: "/staff/admin/data-requests", Text: "Data requests"})
	}
	items = append(items, web.NavItem{Href: "/staff/account", Text: "Your account"})
	for i := range items {
		items[i].Current = path == items[i].Href || (items[i].Href != "/staff" && strings.HasPrefix(path, items[i].Href+"/"))
		if items[i].Href == "/staff/referrals" && strings.HasPrefix(path, "/staff/referrals/new") {
			items[i].Current = false
		}
	}
	return items
}

// flash stores a confirmation for the next page the person sees.
func (s *Server) flash(r *http.Request, msg string) { s.sessions.Put(r.Context(), sessFlash, msg) }

// render writes a page with the given status. It renders into a buffer first
// so a template error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := pageBuffers.Get().(*bytes.Buffer)
	if err := c.Render(r.Context(), buf); err != nil {
		putPageBuffer(buf)
		s.serverError(w, r, err)
		return
	}
	writePage(w, r, status, buf)
}

// writePage sends a rendered page. To a client that takes gzip it goes
// compressed whole, in one run of deflate blocks with its length known,
// rather than through the compression middleware's stream (chunked, and a
// second deflate call to end it); compressPages then passes it through. To
// any other client it goes as it is (the middleware still deflates it for
// a client that takes only deflate).
//
// page (from pageBuffers) goes back to the pool here, and once compressed
// before the answer is written, so a slow client holds one buffer.
func writePage(w http.ResponseWriter, r *http.Request, status int, page *bytes.Buffer) {
	h := w.Header()
	// An answer replaced while its headers were being written (a session
	// that could not be saved) must not keep the first one's encoding.
	plainHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	if web.AcceptsGzip(r.Header.Values("Accept-Encoding")) {
		out := pageBuffers.Get().(*bytes.Buffer)
		defer putPageBuffer(out)
		gzipWhole(out, page.Bytes())
		putPageBuffer(page)
		h.Set("Content-Encoding", "gzip")
		if !slices.Contains(h.Values("Vary"), "Accept-Encoding") {
			h.Add("Vary", "Accept-Encoding")
		}
		h.Set("Content-Length", strconv.Itoa(out.Len()))
		w.WriteHeader(status)
		_, _ = out.WriteTo(w)
		return
	}
	defer putPageBuffer(page)
	h.Set("Content-Length", strconv.Itoa(page.Len()))
	w.WriteHeader(status)
	_, _ = page.WriteTo(w)
}

// plainHeaders takes away what a page written earlier in the same answer
// may have left: its encoding and length.
func plainHeaders(h http.Header) {
	h.Del("Content-Encoding")
	h.Del("Content-Length")
}

// gzipWhole writes page to out as one gzip member, compressed in one pass
// with the code made in advance for the service's pages (pagegz).
func gzipWhole(out *bytes.Buffer, page []byte) {
	out.Write(pagegz.Append(out.AvailableBuffer(), page))
}

// pageBuffers holds the buffers pages are rendered into, so a busy server
// does not grow a fresh one, page after page, for the collector to sweep.
var pageBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 32<<10)) }}

// maxPooledPage is the largest buffer kept for the next page: one that grew
// for a rare long page (a year of reports) is let go.
const maxPooledPage = 256 << 10

func putPageBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledPage {
		return
	}
	b.Reset()
	pageBuffers.Put(b)
}

// serverError logs err with the request ID and shows the 500 page. Users see
// only the reference, never the detail.
//
// Two failures are not this service's fault and are answered otherwise: a
// client that went away (its request cancelled) is logged at info with
// status 499, and a database that cannot be reached gets the 503 page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case cancelled(r):
		s.clientGone(w, r, err)
	case databaseDown(err):
		s.log.ErrorContext(r.Context(), "database unavailable",
			"request_id", middleware.GetReqID(r.Context()), "error", err.Error())
		s.renderUnavailable(w, r)
	default:
		s.log.ErrorContext(r.Context(), "server error",
			"request_id", middleware.GetReqID(r.Context()), "error", err.Error())
		s.renderServerError(w, r)
	}
}

func (s *Server) renderServerError(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	page := web.ServerErrorPage(s.layout(r, "Sorry, there is a problem with the service"), middleware.GetReqID(r.Context()))
	plainHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	if err := page.Render(r.Context(), &buf); err != nil {
		_, _ = w.Write([]byte("Sorry, there is a problem with the service. Try again later."))
		return
	}
	_, _ = buf.WriteTo(w)
}

// renderBusy answers 503 when the server is handling all it can.
func (s *Server) renderBusy(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "10")
	page, err := s.busyPage()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	plainHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(bytes.ReplaceAll(page, []byte(busyNonce), []byte(nonceFrom(r.Context()))))
}

// busyNonce stands for the request's CSP nonce in the busy page rendered
// once: the page is the same for everyone (it is shown before the session
// is read), and an overloaded server must not spend what it lacks on
// rendering it afresh for each request it turns away.
const busyNonce = "busy0nonce0placeholder0busy0nonce"

func (s *Server) busyPage() ([]byte, error) {
	s.busyOnce.Do(func() {
		l := web.Layout{Title: "The service is busy", Nonce: busyNonce, Assets: s.assets, WebFont: s.cfg.WebFont}
		var b bytes.Buffer
		s.busyErr = web.BusyPage(l).Render(context.Background(), &b)
		s.busyBytes = b.Bytes()
	})
	return s.busyBytes, s.busyErr
}

func (s *Server) renderNotFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, web.NotFoundPage(s.layout(r, "Page not found")))
}

func (s *Server) renderForbidden(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusForbidden, web.ForbiddenPage(s.layout(r, "You cannot do that from here")))
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	// Answer like an unknown page: the method is not part of the site.
	w.Header().Set("Allow", "GET, HEAD")
	s.render(w, r, http.StatusMethodNotAllowed, web.NotFoundPage(s.layout(r, "Page not found")))
}
