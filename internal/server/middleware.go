package server

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	kflate "github.com/klauspost/compress/flate"
	kgzip "github.com/klauspost/compress/gzip"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"careers/internal/telemetry"
	"careers/web"
)

type ctxKey int

const (
	nonceKey ctxKey = iota
	clientIPKey
)

// defaultBodyLimit caps request bodies on every route; upload routes set
// their own, larger limit.
const defaultBodyLimit = 1 << 20

// nonceFrom returns the request's CSP nonce.
func nonceFrom(ctx context.Context) string {
	n, _ := ctx.Value(nonceKey).(string)
	return n
}

// clientIPFrom returns the client address worked out by clientIP.
func clientIPFrom(ctx context.Context) string {
	ip := clientAddrFrom(ctx)
	if !ip.IsValid() {
		return ""
	}
	return ip.String()
}

// clientAddrFrom is clientIPFrom's address itself (the zero Addr when
// there is none), for counting a client's turns without writing it out.
func clientAddrFrom(ctx context.Context) netip.Addr {
	ip, _ := ctx.Value(clientIPKey).(netip.Addr)
	return ip
}

// securityHeaders sets the headers every response carries, with a fresh CSP
// nonce for the page's own scripts. Pages are private by default
// (Cache-Control: no-store); the asset handler overrides that for the files
// it serves, which hold no personal data.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	fontSrc := "'self'"
	if s.cfg.WebFont {
		fontSrc += " https://assets.nhs.uk"
	}
	cspTail := "'; style-src 'self'; img-src 'self'; font-src " + fontSrc + "; connect-src 'self'; " +
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
	// The headers that are the same on every answer, each value made
	// once: Set makes a one-element slice with no room to grow, so an
	// answer that adds to one (Header.Add) gets a copy and this stays as
	// it is.
	fixed := http.Header{}
	fixed.Set("X-Content-Type-Options", "nosniff")
	fixed.Set("Referrer-Policy", "no-referrer")
	fixed.Set("X-Frame-Options", "DENY")
	fixed.Set("Cross-Origin-Opener-Policy", "same-origin")
	fixed.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	fixed.Set("Cache-Control", "no-store")
	if s.cfg.Secure() {
		fixed.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [18]byte
		_, _ = rand.Read(b[:])
		nonce := base64.RawStdEncoding.EncodeToString(b[:])

		h := w.Header()
		h["Content-Security-Policy"] = []string{"default-src 'self'; script-src 'self' 'nonce-" + nonce + cspTail}
		maps.Copy(h, fixed)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey, nonce)))
	})
}

// trusted reports whether a is one of the configured trusted proxies
// (TRUSTED_PROXIES).
func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// maxRequestIDLen bounds a request ID taken from a trusted proxy.
const maxRequestIDLen = 64

// requestID gives every request the ID its log lines, audit rows and error
// page carry. The service makes its own; an X-Request-Id header is taken
// instead only when the direct peer is a trusted proxy and the ID is short
// and plain (letters, digits, '.', '_', '-'), so nothing a client sends can
// write into the logs or the audit log through it.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(middleware.RequestIDHeader)
		if id == "" || !plainRequestID(id) || !s.trusted(peerAddr(r.RemoteAddr)) {
			id = newRequestID()
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), middleware.RequestIDKey, id)))
	})
}

// newRequestID is 80 random bits in base32: 16 characters a person can read
// out over the phone from the error page.
func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base32.StdEncoding.EncodeToString(b[:])
}

func plainRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// clientIP records the client's address. X-Forwarded-For is believed only
// when the direct peer is a trusted proxy, and then only up to the first
// address that is not itself a trusted proxy (a client can prepend anything).
func (s *Server) clientIP(next http.Handler) http.Handler {
	trusted := s.trusted
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := peerAddr(r.RemoteAddr)
		if ip.IsValid() && trusted(ip) {
			ip = forwardedClient(r.Header.Values("X-Forwarded-For"), ip, trusted)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey, ip)))
	})
}

// forwardedClient walks the X-Forwarded-For hops (every header line, each
// a comma-separated list) from the last, nearest one back, and returns the
// first address that is not a trusted proxy, or the last one it could read
// (peer when none): a hop that is not an address stops the walk.
func forwardedClient(lines []string, peer netip.Addr, trusted func(netip.Addr) bool) netip.Addr {
	ip := peer
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		for {
			j := strings.LastIndexByte(line, ',')
			a, err := netip.ParseAddr(strings.TrimSpace(line[j+1:]))
			if err != nil {
				return ip
			}
			ip = a.Unmap()
			if !trusted(ip) {
				return ip
			}
			if j < 0 {
				break
			}
			line = line[:j]
		}
	}
	return ip
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// uploadBodyLimit caps the one upload route: the largest document plus
// room for the form's other fields and the multipart framing.
const uploadBodyLimit = 10<<20 + 64<<10

// limitBody caps the request body before any handler reads it. A body
// that declares more than the limit is refused at once, with the 413 page
// and the connection closed, without reading any of it; one that does not
// declare its length (chunked) is cut off where it passes the limit
// (http.MaxBytesReader; readForms answers 413). The upload route gets a
// larger cap and answers an oversized file itself, with the form and a
// message, without reading the body.
func (s *Server) limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			limit := n
			if r.URL.Path == uploadPath && r.Method == http.MethodPost {
				limit = uploadBodyLimit
				if r.ContentLength > limit {
					s.refuseBody(w, r)
					r.Body = http.MaxBytesReader(w, http.NoBody, 0)
					next.ServeHTTP(w, r)
					return
				}
			}
			if r.ContentLength > limit {
				s.renderTooLarge(w, r, limit)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
		})
	}
}

// logRequests writes one JSON line per request: the request ID, method, route
// pattern, status and duration (and, when tracing is on, the trace and span
// IDs). It never logs the path or query string, which could carry personal
// data or one-time tokens. The same figures go to the request metrics
// (count and latency by method, route pattern and status), and name the
// request's trace span after its route pattern.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		took := time.Since(start)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		route := telemetry.NotRouted
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			route = telemetry.Unmatched
		}
		if rc := chi.RouteContext(r.Context()); rc != nil {
			if p := rc.RoutePattern(); p != "" {
				route = p
			}
		}
		method := logMethod(r.Method)
		s.metrics.ObserveRequest(method, route, status, took)
		if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
			span.SetName(method + " " + route)
			span.SetAttributes(attribute.String("http.route", route))
		}
		s.log.LogAttrs(r.Context(), levelFor(status), "request",
			slog.String("request_id", middleware.GetReqID(r.Context())),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int("bytes", ww.BytesWritten()),
			slog.Float64("duration_ms", float64(took.Microseconds())/1000),
		)
	})
}

// logMethod names the request's method for the log: the methods HTTP
// defines, and "other" for anything else a client made up (a method can be
// as long as the request's headers allow).
func logMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// recoverPanics turns a panic into the NHS-styled 500 page, logs the stack
// with the request ID, and keeps the server running.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec) // the client went away; let net/http handle it quietly
			}
			s.log.ErrorContext(r.Context(), "panic",
				"request_id", middleware.GetReqID(r.Context()),
				"panic", rec,
				"stack", string(debug.Stack()))
			s.renderServerError(w, r)
		}()
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests that the browser marks as
// coming from another site (Sec-Fetch-Site / Origin), which is the CSRF
// defence of the whole service.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.WarnContext(r.Context(), "cross-origin request refused",
			"request_id", middleware.GetReqID(r.Context()), "method", r.Method)
		s.renderForbidden(w, r)
	}))
	return cop.Handler(next)
}

// levelFor logs server errors loudly and everything else at info.
func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// inFlightWait is how long a request waits for a turn when MaxInFlight
// requests are already being handled.
const inFlightWait = 2 * time.Second

// bodyReadWindow and uploadReadWindow bound how long a request's body may
// take to arrive once it has a turn (a form; a Form C upload).
const (
	bodyReadWindow   = 15 * time.Second
	uploadReadWindow = 60 * time.Second
)

// clientTurns counts the turns each client address holds.
type clientTurns struct {
	mu   sync.Mutex
	held map[netip.Addr]int
}

// hasBody reports whether r comes with a body (a length, or chunks).
func hasBody(r *http.Request) bool { return r.ContentLength != 0 || len(r.TransferEncoding) > 0 }

// isProbe reports whether r is a health probe, which never waits.
func isProbe(r *http.Request) bool { return r.URL.Path == "/healthz" || r.URL.Path == "/readyz" }

func (c *clientTurns) take(client netip.Addr, most int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held[client] >= most {
		return false
	}
	c.held[client]++
	return true
}

func (c *clientTurns) give(client netip.Addr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held[client]--; c.held[client] <= 0 {
		delete(c.held, client)
	}
}

// limitInFlight handles at most n requests at once. Each request in hand
// holds memory (its page, a compressor, database rows), so under a load the
// machine cannot keep up with, an unbounded server grows until something
// kills it; this one lets the rest wait briefly for a turn and then tells
// them, with a 503 and Retry-After, that it is busy; when 4n are waiting
// already, the next is told at once, and so is a client address that holds
// a quarter of the turns already (waiting or served: a handful of slow
// connections must not shut everyone else out). The probes never wait, so
// a busy server is not mistaken for a dead one.
func (s *Server) limitInFlight(n int) func(http.Handler) http.Handler {
	if n <= 0 {
		n = 64
	}
	sem := make(chan struct{}, n)
	perClient := max(2, n/4)
	clients := &clientTurns{held: map[netip.Addr]int{}}
	// Waiting costs memory too (each waiting request holds its connection's
	// buffers): beyond this many, a request is told at once.
	waiting := make(chan struct{}, 4*n)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isProbe(r) {
				next.ServeHTTP(w, r)
				return
			}
			// One client may not hold more than a share of the turns, so a
			// few slow or hostile connections cannot take them all.
			client := clientAddrFrom(r.Context())
			if !clients.take(client, perClient) {
				s.metrics.Busy(telemetry.BusyClientShare)
				s.renderBusy(w, r)
				return
			}
			defer clients.give(client)
			// A turn is held while the request body arrives: a body that
			// trickles in is cut off sooner than the server's own read
			// timeout (uploads, up to 10 MB, get longer).
			// A body that has not arrived by then gets 408 (readForms).
			// A request without a body has nothing to cut off (and a
			// deadline on its connection would cut a long page short:
			// net/http watches the idle connection while the handler
			// runs, from before this middleware for a request without a
			// body, and ends the request when that read times out; for one
			// with a body it starts at the body's end, taking the deadline
			// away itself).
			if hasBody(r) {
				deadline := s.bodyWindow
				if r.ContentLength > defaultBodyLimit {
					deadline = s.uploadWindow
				}
				rc := http.NewResponseController(w)
				readBy := time.Now().Add(inFlightWait + deadline)
				_ = rc.SetReadDeadline(readBy)
				if deadline > bodyReadWindow {
					// An upload's window outlasts the server's write timeout:
					// leave time to answer after it.
					_ = rc.SetWriteDeadline(readBy.Add(s.cfg.RequestTimeout + 5*time.Second))
				}
			}
			select {
			case sem <- struct{}{}:
			default:
				select {
				case waiting <- struct{}{}:
				default:
					s.metrics.Busy(telemetry.BusyQueueFull)
					s.renderBusy(w, r)
					return
				}
				s.metrics.WaitStarted()
				t := time.NewTimer(inFlightWait)
				select {
				case sem <- struct{}{}:
					t.Stop()
					<-waiting
					s.metrics.WaitEnded()
				case <-t.C:
					<-waiting
					s.metrics.WaitEnded()
					s.metrics.Busy(telemetry.BusyWaited)
					s.renderBusy(w, r)
					return
				case <-r.Context().Done():
					t.Stop()
					<-waiting
					s.metrics.WaitEnded()
					s.clientGone(w, r, nil)
					return
				}
			}
			defer func() { <-sem }()
			s.metrics.TurnTaken()
			defer s.metrics.TurnGiven()
			next.ServeHTTP(w, r)
		})
	}
}

// limitWork lets at most n requests without a body work at once, first
// come, first served; the others wait for a slot while their turn and
// their deadline last (limitInFlight, then the request timeout, come
// first). Nearly every page needs one of the database pool's connections,
// so requests in hand beyond the pool only share the cores more thinly:
// each one's time grows, and the tail with it (docs/performance.md, "eighth
// look"). Requests with a body are left out, so a body that trickles in
// holds a turn, as before, and never a slot; so are the probes. One client
// address holds at most a quarter of the slots: its further requests go on
// without one (within its share of the turns), so a few slow readers of a
// large download cannot hold every slot and stall everyone's pages.
func (s *Server) limitWork(n int) func(http.Handler) http.Handler {
	slots := make(chan struct{}, n)
	perClient := max(1, n/4)
	clients := &clientTurns{held: map[netip.Addr]int{}}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hasBody(r) || isProbe(r) {
				next.ServeHTTP(w, r)
				return
			}
			client := clientAddrFrom(r.Context())
			if !clients.take(client, perClient) {
				next.ServeHTTP(w, r)
				return
			}
			defer clients.give(client)
			select {
			case slots <- struct{}{}:
			case <-r.Context().Done():
				// The client went away, or the request's time ran out,
				// while it waited: nothing was done.
				if errors.Is(r.Context().Err(), context.Canceled) {
					s.clientGone(w, r, nil)
				} else {
					s.metrics.Busy(telemetry.BusyWaited)
					s.renderBusy(w, r)
				}
				return
			}
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		})
	}
}

// workSlots is how many requests without a body limitWork lets work at
// once for a database pool of maxConns: half as many again, and one.
func workSlots(maxConns int32) int { return max(4, int(maxConns)*3/2+1) }

// compressPages gzips text answers for clients that take it (and deflates
// them for clients that take only deflate). Rendered pages come to it
// gzipped already (writePage, whole, through pagegz) and pass
// through; it compresses the rest (the data export, the development
// mailbox). Answers are a few kilobytes each and different every time, so
// the cost is per request. They are compressed without state (klauspost/compress's stateless
// deflate): each write is compressed on its own, with its hash table on
// the stack and its token buffer borrowed only for the call, so a response
// in flight holds no compressor. A pooled level-1 writer compresses a page
// in about the same time, but it is held for the whole request and each
// one carries 800 KB of history and tables: under load the pool held one
// per request in flight, the collector emptied it, and every miss cost
// 340 µs and 800 KB more (docs/performance.md, issue 19). Pages are
// rendered whole and written in one piece, so stateless compression sees
// the whole page and loses little (2% larger on the coach's week). The
// static files are compressed once, at start, at the best level
// (web.Assets), and pass through untouched.
func compressPages() func(http.Handler) http.Handler {
	c := middleware.NewCompressor(kgzip.StatelessCompression)
	// chi's own deflate encoder is the standard library's, which has no
	// stateless level: it would answer uncompressed bytes labelled deflate.
	// Set first: the encoder set last is preferred, and that is gzip.
	c.SetEncoder("deflate", func(w io.Writer, _ int) io.Writer { return kflate.NewStatelessWriter(w) })
	c.SetEncoder("gzip", func(w io.Writer, level int) io.Writer {
		gw, err := kgzip.NewWriterLevel(w, level)
		if err != nil {
			return nil
		}
		return gw
	})
	return func(next http.Handler) http.Handler {
		compressed := c.Handler(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The static files choose their own encoding (web.Assets reads
			// Accept-Encoding more carefully than the middleware does).
			if strings.HasPrefix(r.URL.Path, "/assets/") {
				next.ServeHTTP(w, r)
				return
			}
			// The middleware matches codings by name alone: a coding
			// refused with q=0 is taken out before it looks.
			if ae := r.Header.Values("Accept-Encoding"); slices.ContainsFunc(ae, func(v string) bool { return strings.Contains(v, ";") }) {
				r = r.WithContext(r.Context()) // a copy: the request as received stays as it was
				r.Header = r.Header.Clone()
				r.Header["Accept-Encoding"] = []string{strings.Join(slices.Collect(web.AcceptedEncodings(ae)), ", ")}
			}
			compressed.ServeHTTP(w, r)
		})
	}
}
