package server

import (
	"net/http"

	"careers/web"
)

func (s *Server) startPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.StartPage(s.layout(r, "Get careers support")))
}

func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.PrivacyPage(s.layout(r, "Privacy notice"), periodText(s.retentionMonths())))
}

func (s *Server) accessibilityPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.AccessibilityPage(s.layout(r, "Accessibility statement")))
}

func (s *Server) cookiesPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.CookiesPage(s.layout(r, "Cookies")))
}

// favicon sends browsers that ask for /favicon.ico to the hashed file.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.Redirect(w, r, s.assets.Path("images/favicon.ico"), http.StatusMovedPermanently)
}
