package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Handler returns the whole site: the middleware stack and one route table.
func (s *Server) Handler() http.Handler { return s.handler(nil) }

// handler builds the router; extra lets tests mount routes of their own
// (a panicking or slow handler) behind the real middleware.
func (s *Server) handler(extra func(chi.Router)) http.Handler {
	r := chi.NewRouter()

	// Order matters: IDs and client address first so everything after can log
	// them; logging outside recovery so a panic is still logged with its 500.
	r.Use(middleware.RequestID)
	r.Use(s.clientIP)
	r.Use(s.logRequests)
	r.Use(s.securityHeaders)
	r.Use(s.recoverPanics)
	r.Use(middleware.Timeout(s.cfg.RequestTimeout))
	r.Use(middleware.Compress(5))
	r.Use(limitBody(defaultBodyLimit))
	r.Use(s.crossOrigin)

	r.NotFound(s.renderNotFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	// Probes and static files carry no session.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/assets/*", s.assets.Handler())
	r.Get("/favicon.ico", s.favicon)

	r.Group(func(r chi.Router) {
		r.Use(s.sessions.LoadAndSave)

		r.Get("/", s.startPage)
		r.Get("/privacy", s.privacyPage)
		r.Get("/accessibility", s.accessibilityPage)
		r.Get("/cookies", s.cookiesPage)
	})

	if extra != nil {
		r.Group(extra)
	}
	return r
}
