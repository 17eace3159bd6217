package server

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// HandlerWith is Handler plus routes a test mounts behind the real middleware.
func (s *Server) HandlerWith(extra func(chi.Router)) http.Handler { return s.handler(extra) }

// ClientIP is the client address the middleware worked out for a request.
var ClientIP = clientIPFrom

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
