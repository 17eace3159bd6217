package server

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"careers/web"
)

// What a request sends, and what happens when it does not arrive, arrives
// too slowly or too large, or holds characters no answer may hold: one
// place for every form of the service, so a new form cannot forget.

type badFieldsKey struct{}

// statusClientGone is the status logged for a request whose client went
// away before it was answered (nginx's 499). It is not a server error.
const statusClientGone = 499

// readForms reads every submitted form before any handler sees it. A body
// that is too large, does not arrive in time, or cannot be read gets its
// own page here (413, 408, 400), and the connection is closed rather than
// read on; a client that went away is logged as such (499), never as a
// server error. Every value of every field is then cleaned (web.CleanValue):
// NUL bytes, control characters and bytes that are not UTF-8 are removed,
// so they never reach PostgreSQL, and the names of the fields that held
// them are kept for withFormErrors, which the forms show as a 422 with a
// message on the field.
//
// The Form C upload streams its multipart body itself (readMultipart) and
// cleans its small fields with the same function.
func (s *Server) readForms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
			next.ServeHTTP(w, r)
			return
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var err error
		switch ct {
		case "application/x-www-form-urlencoded":
			err = r.ParseForm()
		case "multipart/form-data":
			if r.URL.Path == uploadPath {
				next.ServeHTTP(w, r)
				return
			}
			// The body is at most defaultBodyLimit (limitBody), so all of
			// it is kept in memory.
			err = r.ParseMultipartForm(defaultBodyLimit)
		default:
			// No form of the service sends anything else; a handler that
			// asks for a value finds none.
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.bodyError(w, r, err)
			return
		}
		bad := web.CleanValues(r.PostForm)
		web.CleanValues(r.Form)
		if r.MultipartForm != nil {
			web.CleanValues(r.MultipartForm.Value)
		}
		if len(bad) > 0 {
			s.log.InfoContext(r.Context(), "unusable characters removed from a form",
				"request_id", requestID(r), "fields", len(bad))
			r = r.WithContext(context.WithValue(r.Context(), badFieldsKey{}, bad))
		}
		next.ServeHTTP(w, r)
	})
}

// withFormErrors is errs with the message about removed characters on each
// of fields that held them, in place of any other message about that
// field, in the order of fields (the form's order); errors about other
// fields follow.
func withFormErrors(r *http.Request, errs web.Errors, fields ...string) web.Errors {
	bad := badFields(r)
	if len(bad) == 0 {
		return errs
	}
	var out web.Errors
	for _, f := range fields {
		if slices.Contains(bad, f) {
			out.Add(f, web.UnusableCharacters)
			continue
		}
		for _, e := range errs {
			if e.Field == f {
				out = append(out, e)
			}
		}
	}
	for _, e := range errs {
		if !slices.Contains(fields, e.Field) {
			out = append(out, e)
		}
	}
	return out
}

// badFields names the fields readForms cleaned.
func badFields(r *http.Request) []string {
	f, _ := r.Context().Value(badFieldsKey{}).([]string)
	return f
}

// bodyError answers a request whose body could not be read: too large
// (413), too slow (408), broken (400), or abandoned by its client (499,
// logged only). The connection is closed after the answer, so the server
// does not read on through the rest of a body it will not use.
func (s *Server) bodyError(w http.ResponseWriter, r *http.Request, err error) {
	s.refuseBody(w, r)
	if !cancelled(r) || isTimeout(err) {
		// A failed read cancels the request's context (net/http does so
		// for any error on the connection); the page is still rendered.
		r = r.WithContext(context.WithoutCancel(r.Context()))
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		s.renderTooLarge(w, r, tooLarge.Limit)
	case isTimeout(err):
		s.log.InfoContext(r.Context(), "request body did not arrive in time", "request_id", requestID(r))
		s.render(w, r, http.StatusRequestTimeout, web.TimeoutPage(s.layout(r, "")))
	case clientWentAway(r, err):
		s.clientGone(w, r, err)
	default:
		s.log.InfoContext(r.Context(), "request body could not be read", "request_id", requestID(r), "error", err.Error())
		s.render(w, r, http.StatusBadRequest, web.BadRequestPage(s.layout(r, "")))
	}
}

// refuseLinger is how long, after refusing a body, the server goes on
// reading what the client is still sending before closing the connection:
// a client busy sending is then still reading when the connection closes,
// so its kernel does not drop the answer.
const refuseLinger = time.Second

// refuseBody stops reading the rest of a request's body: the connection is
// closed after the answer. net/http, once the handler returns, reads up to
// 256 KB more of an unread body, waiting on a client that may never send
// it; the read deadline bounds that wait.
func (s *Server) refuseBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(refuseLinger)); err != nil {
		s.log.DebugContext(r.Context(), "read deadline not set", "request_id", requestID(r), "error", err.Error())
	}
}

// renderTooLarge answers 413 with the limit in words.
func (s *Server) renderTooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	s.refuseBody(w, r)
	s.render(w, r, http.StatusRequestEntityTooLarge, web.TooLargePage(s.layout(r, ""), sizeWords(limit)))
}

// sizeWords says a byte limit in whole units: "1 MB", "64 KB".
func sizeWords(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// cancelled reports whether the request's client went away: net/http
// cancels a request's context when its connection closes. (A request
// that ran out of time has its deadline exceeded instead.)
func cancelled(r *http.Request) bool { return errors.Is(r.Context().Err(), context.Canceled) }

// clientWentAway reports whether a body read failed because the client
// left: its request cancelled, or its body cut off part way.
func clientWentAway(r *http.Request, err error) bool {
	return cancelled(r) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// clientGone records a request whose client left before its answer: at
// info, with status 499 in the request log. It is not a server error, and
// there is nobody to show a page to.
func (s *Server) clientGone(w http.ResponseWriter, r *http.Request, err error) {
	attrs := []any{"request_id", requestID(r)}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	s.log.InfoContext(r.Context(), "client went away", attrs...)
	plainHeaders(w.Header())
	w.Header().Set("Connection", "close")
	w.WriteHeader(statusClientGone)
}

// databaseDown reports whether err means the database cannot be reached
// (no connection could be made, the server is shutting down, the database
// is gone, or the pool is closed), as opposed to a fault in one statement.
func databaseDown(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "closed pool") {
		return true
	}
	// A pooled connection the database (or the network) dropped: the
	// first statement on it finds the connection gone.
	var ne net.Error
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		(errors.As(err, &ne) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01-57P03: the server is
		// shutting down or cannot take connections; 3D000: no such
		// database.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" ||
			pe.Code == "57P03" || pe.Code == "3D000"
	}
	return false
}

// sessionError is the session manager's ErrorFunc: a session that cannot
// be loaded or saved (the database is down) gets the service's 503 page
// and one JSON log line, never the library's bare text 500 on the
// standard logger. Whatever the handler writes afterwards is dropped
// (sessionGuard), so the 503 page is the whole answer.
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if g, ok := w.(*sessionGuard); ok {
		if g.wrote {
			// The handler's answer is already on its way: too late for a
			// page of our own.
			s.log.ErrorContext(r.Context(), "session store failed after the answer was sent",
				"request_id", requestID(r), "error", err.Error())
			return
		}
		g.failed = true
		w = g.ResponseWriter
		// The handler's answer is replaced, redirect and all.
		w.Header().Del("Location")
	}
	if cancelled(r) {
		s.clientGone(w, r, err)
		return
	}
	s.log.ErrorContext(r.Context(), "session store failed", "request_id", requestID(r), "error", err.Error())
	s.renderUnavailable(w, r)
}

// renderUnavailable answers 503 with the unavailable page.
func (s *Server) renderUnavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "30")
	s.render(w, r, http.StatusServiceUnavailable, web.UnavailablePage(s.layout(r, "Sorry, the service is unavailable"), requestID(r)))
}

// sessionGuard sits under the session manager. Once sessionError has
// answered for a request, anything the handler writes after it is dropped.
// As the answer starts, after the session manager has saved a changed
// session, it moves an unchanged session's idle expiry on (touchSession).
type sessionGuard struct {
	http.ResponseWriter
	failed bool // sessionError answered
	wrote  bool // the handler's answer started
	s      *Server
	r      *http.Request
}

func (g *sessionGuard) start() {
	g.wrote = true
	g.s.touchSession(g.r)
}

func (g *sessionGuard) WriteHeader(code int) {
	if g.failed {
		return
	}
	if !g.wrote {
		g.start()
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *sessionGuard) Write(b []byte) (int, error) {
	if g.failed {
		return len(b), nil
	}
	if !g.wrote {
		g.start()
	}
	return g.ResponseWriter.Write(b)
}

func (g *sessionGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// guardSessions puts a sessionGuard under the session manager.
func (s *Server) guardSessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := &sessionGuard{ResponseWriter: w, s: s, r: r}
		next.ServeHTTP(g, r)
		// An answer the handler left empty goes out after this: its
		// session is touched all the same.
		if !g.wrote && !g.failed {
			g.start()
		}
	})
}

// touchSession moves the idle expiry of the request's session on, when it
// is due (store.SessionStore.TouchCtx: once a minute at most). A failure
// costs the session nothing yet (its expiry is up to 30 minutes away, and
// the next request tries again), so the answer goes out as it is.
func (s *Server) touchSession(r *http.Request) {
	if err := s.sessionStore.TouchCtx(r.Context()); err != nil && !cancelled(r) {
		s.log.WarnContext(r.Context(), "session expiry not moved on", "request_id", requestID(r), "error", err.Error())
	}
}
