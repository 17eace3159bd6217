package server

import (
	"net"
	"net/http"
	"strings"
)

// devHostOnly makes a development server answer only for the host it was
// started on. Development mode serves the mailbox of every email sent (with
// live sign-in links) and demo sign-ins on a loopback address; a web page
// elsewhere could otherwise reach it by DNS rebinding (a name of the
// attacker's that first resolves to them, then to 127.0.0.1), since the
// browser then treats this server as the attacker's own site. Such requests
// carry the attacker's name in Host, so a Host other than the configured one
// (or a loopback alias of it on the same port) gets 421. Production is
// unaffected: it is served to others, behind a proxy that routes by name.
func (s *Server) devHostOnly(next http.Handler) http.Handler {
	if !s.cfg.IsDevelopment() {
		return next
	}
	hosts := s.devHosts()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hosts.allowed(r) {
			next.ServeHTTP(w, r)
			return
		}
		s.log.WarnContext(r.Context(), "development server refused a request for another host", "request_id", requestID(r))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusMisdirectedRequest)
		_, _ = w.Write([]byte("This development server answers only at its own address.\n"))
	})
}

// devHosts are the names and ports a development server answers for,
// worked out once from its configuration: the host of BASE_URL or ADDR,
// or 127.0.0.1, localhost or [::1], on the port configured.
type devHosts struct {
	names map[string]bool
	ports map[string]bool
}

func (s *Server) devHosts() devHosts {
	d := devHosts{names: map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true}, ports: map[string]bool{}}
	if u := s.cfg.BaseURL; u != nil {
		d.names[strings.ToLower(u.Hostname())] = true
		d.ports[portOr(u.Port(), u.Scheme)] = true
	}
	if h, p, err := net.SplitHostPort(s.cfg.Addr); err == nil {
		d.names[strings.ToLower(h)] = true
		d.ports[p] = true
	}
	return d
}

// allowed reports whether the request's Host names this server: one of
// its names, on a port configured or the port the connection actually
// arrived on (ADDR may ask for any free port).
func (d devHosts) allowed(r *http.Request) bool {
	host, port := splitHost(r.Host)
	if host == "" || !d.names[host] {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	port = portOr(port, scheme)
	if d.ports[port] {
		return true
	}
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	_, p, err := net.SplitHostPort(a.String())
	return err == nil && p == port
}

// splitHost splits a Host header into a lower-case name (IPv6 without its
// brackets) and a port ("" when absent).
func splitHost(hostport string) (string, string) {
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		h, p = hostport, ""
	}
	h = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
	return h, p
}

func portOr(port, scheme string) string {
	if port != "" {
		return port
	}
	if scheme == "https" {
		return "443"
	}
	return "80"
}
