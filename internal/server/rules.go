package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
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
	s.renderNoAccess(w, r)
}

// renderNoAccess answers 403 for a refusal because of who the person is
// (not the CSRF refusal, which has its own page), with a link to their home.
func (s *Server) renderNoAccess(w http.ResponseWriter, r *http.Request) {
	home := "/"
	switch actorFrom(r.Context()).Kind {
	case policy.Staff:
		home = "/staff"
	case policy.Public:
		home = "/your-referrals"
	}
	s.render(w, r, http.StatusForbidden, web.NoAccessPage(s.layout(r, "You do not have access to this page"), home))
}

// referralChange loads the referral in the URL for a change (or another
// action in policy's change table): someone else's referral answers 404,
// one the person may read but not change this way 403.
func (s *Server) referralChange(w http.ResponseWriter, r *http.Request, act policy.Action) (store.ReferralCard, bool) {
	c, ok := s.cardByReference(w, r)
	return c, ok && s.allowChange(w, r, act, "referral", c.Reference, c)
}

// allowChange applies the change table to a loaded referral (recordType
// and recordID name what the refusal is audited against); on refusal it
// has answered. An allowed change is audited as a view of the referral, as
// every opening of a confidential record is.
func (s *Server) allowChange(w http.ResponseWriter, r *http.Request, act policy.Action, recordType, recordID string, c store.ReferralCard) bool {
	if !s.permitChange(w, r, act, recordType, recordID, c) {
		return false
	}
	if err := s.auditView(r, string(policy.ViewReferral), "referral", c.Reference, store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return false
	}
	return true
}

// permitChange is allowChange without the view's audit row, for a page
// that writes it with its own reads (store.BookingPage): the caller must
// write it before showing anything.
func (s *Server) permitChange(w http.ResponseWriter, r *http.Request, act policy.Action, recordType, recordID string, c store.ReferralCard) bool {
	switch policy.Change(actorFrom(r.Context()), act, c.Owners) {
	case policy.Allow:
		return true
	case policy.Forbid:
		s.deny(w, r, recordType, recordID)
	case policy.SignIn:
		s.askToSignIn(w, r, true)
	default:
		s.hide(w, r, recordType, recordID)
	}
	return false
}

// hide answers a request for someone else's record exactly as for a record
// that does not exist, while logging and auditing the attempt.
func (s *Server) hide(w http.ResponseWriter, r *http.Request, recordType, recordID string) {
	s.log.WarnContext(r.Context(), "access to another person's record refused", "request_id", requestID(r), "record_type", recordType)
	_ = s.auditView(r, "deny", recordType, recordID, "denied")
	s.renderNotFound(w, r)
}
