package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// HandlerWith is Handler plus routes a test mounts behind the real middleware.
func (s *Server) HandlerWith(extra func(chi.Router)) http.Handler { return s.handler(extra) }

// ClientIP is the client address the middleware worked out for a request.
var ClientIP = clientIPFrom
