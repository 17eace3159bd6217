package server

import (
	"net/http"

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
