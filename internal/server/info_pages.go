package server

import (
	"net/http"
	"strconv"

	"careers/web"
)

func (s *Server) startPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.StartPage(s.layout(r, "Get careers support")))
}

func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.PrivacyPage(s.layout(r, "Privacy notice"), retentionText(s.cfg.RetentionMonths)))
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

// retentionText is the retention period as people read it: "6 years",
// "18 months".
func retentionText(months int) string {
	if months <= 0 {
		months = 72 // config.Load's default
	}
	switch {
	case months%12 == 0 && months == 12:
		return "1 year"
	case months%12 == 0:
		return strconv.Itoa(months/12) + " years"
	case months == 1:
		return "1 month"
	}
	return strconv.Itoa(months) + " months"
}
