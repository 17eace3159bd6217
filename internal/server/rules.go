package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"careers/internal/policy"
)

// handle registers a route together with the rule that guards it. Every
// route of the site goes through here (or is listed in openRoutes), and a
// test walks the router to prove it. A request the rule admits has its
// form read and cleaned (readForms) before the handler runs.
func (s *Server) handle(r chi.Router, method, pattern string, rule policy.Rule, h http.HandlerFunc) {
	s.rules[method+" "+pattern] = rule
	r.Method(method, pattern, s.enforce(rule, s.readForms(h).ServeHTTP))
}

// enforce applies a route's rule before its handler runs.
func (s *Server) enforce(rule policy.Rule, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := actorFrom(r.Context())
		switch rule.Check(a) {
		case policy.Allow:
			h(w, r)
		case policy.SignIn:
			s.askToSignIn(w, r, rule.Staff)
		default:
			s.deny(w, r, "route", rule.Name)
		}
	})
}

// askToSignIn sends the person to the right sign-in page and remembers
// where they were going (in the session, not the URL).
func (s *Server) askToSignIn(w http.ResponseWriter, r *http.Request, staff bool) {
	if r.Method == http.MethodGet {
		s.sessions.Put(r.Context(), sessAfterSignIn, r.URL.RequestURI())
	}
	to := "/sign-in"
	if staff {
		to = "/staff/sign-in"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// deny logs and audits a refusal, then shows the 403 page. Record-level
// refusals for other people's records use notFound instead, so they do not
// reveal that the record exists.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, recordType, recordID string) {
	s.log.WarnContext(r.Context(), "access denied", "request_id", requestID(r), "record_type", recordType)
	_ = s.auditView(r, "deny", recordType, recordID, "denied")
	s.renderForbidden(w, r)
}

// hide answers a request for someone else's record exactly as for a record
// that does not exist, while logging and auditing the attempt.
func (s *Server) hide(w http.ResponseWriter, r *http.Request, recordType, recordID string) {
	s.log.WarnContext(r.Context(), "access to another person's record refused", "request_id", requestID(r), "record_type", recordType)
	_ = s.auditView(r, "deny", recordType, recordID, "denied")
	s.renderNotFound(w, r)
}
