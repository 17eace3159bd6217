package server

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/store"
)

// SessionStoreForTest is the server's session store.
func (s *Server) SessionStoreForTest() *store.SessionStore { return s.sessionStore }

// HandlerWith is Handler plus routes a test mounts behind the real middleware.
func (s *Server) HandlerWith(extra func(chi.Router)) http.Handler { return s.handler(extra) }

// ClientIP is the client address the middleware worked out for a request.
var ClientIP = clientIPFrom

// ForwardedClient is the client address X-Forwarded-For gives, behind a
// trusted peer.
var ForwardedClient = forwardedClient

// Rules is the access rule each route declared, keyed "METHOD /pattern".
func (s *Server) Rules() map[string]string {
	out := map[string]string{}
	for k, r := range s.rules {
		out[k] = r.Name
	}
	return out
}

// SetBodyWindows shortens how long a request's body may take to arrive
// once it has a turn (forms and uploads alike).
func (s *Server) SetBodyWindows(d time.Duration) { s.bodyWindow, s.uploadWindow = d, d }

// ServerError is the service's answer to a failure, for routes a test mounts.
func (s *Server) ServerError(w http.ResponseWriter, r *http.Request, err error) {
	s.serverError(w, r, err)
}

// MetricValue is the value of the metric name with exactly labels in the
// server's registry, or -1 when there is no such series.
func (s *Server) MetricValue(name string, labels map[string]string) float64 {
	families, err := s.metrics.Registry().Gather()
	if err != nil {
		return -1
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue series
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}

// CompressPages is the page compression middleware.
var CompressPages = compressPages

// GzipWhole compresses a page as the page writer does.
var GzipWhole = gzipWhole

// WorkSlots is workSlots, for the test of the number the docs give.
var WorkSlots = workSlots

// ReferralInPath is the reference prefetchPages reads the card of for a path.
var ReferralInPath = referralInPath
