package server

import (
	"errors"
	"net/http"

	"careers/internal/auth"
	"careers/internal/store"
	"careers/internal/telemetry"
	"careers/web"
)

func (s *Server) publicSignInForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.PublicSignInPage(s.layout(r, ""), "", nil))
}

// publicSignIn queues a request for a sign-in link; the job emails one if
// the address is a trainee's or referrer's of a referral. The answer is the
// same, and does the same work, whether or not it is, and whether or not the
// address has had too many emails lately.
func (s *Server) publicSignIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := store.NormaliseEmail(r.PostFormValue("email"))
	var errs web.Errors
	if email == "" {
		errs.Add("email", "Enter your email address")
	} else if !validEmail(email) {
		errs.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	errs = withFormErrors(r, errs, "email")
	if errs.Any() {
		s.render(w, r, http.StatusUnprocessableEntity, web.PublicSignInPage(s.layout(r, ""), email, errs))
		return
	}
	if s.overPublicCeiling(w, r, "sign-in", auth.LinkFormCeiling) {
		return
	}
	if r.PostFormValue("website") != "" {
		// The honeypot: only bots fill it in. Answer as usual, send nothing.
		s.log.InfoContext(ctx, "honeypot filled", "request_id", requestID(r), "form", "sign-in")
		http.Redirect(w, r, "/sign-in/check-email", http.StatusSeeOther)
		return
	}
	if err := s.requestLink(ctx, store.PurposeSignIn, email, "sign_in_link_requested"); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/sign-in/check-email", http.StatusSeeOther)
}

func (s *Server) publicCheckEmail(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.CheckEmailPage(s.layout(r, ""), "a link to sign in", auth.SignInLinkTTL))
}

// publicLinkForm is where the emailed link lands. It shows a button rather
// than signing in at once, because mail scanners follow links: only a
// person's click (a POST) spends the link.
func (s *Server) publicLinkForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if _, err := s.store.PeekToken(r.Context(), store.PurposeSignIn, auth.HashToken(token), s.now()); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.serverError(w, r, err)
			return
		}
		_ = s.auditView(r, "link_refused", "auth_token", store.PurposeSignIn, store.OutcomeFailure)
		s.render(w, r, http.StatusNotFound, web.LinkProblemPage(s.layout(r, ""), "/sign-in"))
		return
	}
	s.render(w, r, http.StatusOK, web.PublicLinkPage(s.layout(r, "")))
}

func (s *Server) publicLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, err := s.store.ConsumeToken(ctx, store.PurposeSignIn, auth.HashToken(r.URL.Query().Get("token")), s.now())
	if errors.Is(err, store.ErrNotFound) {
		s.metrics.SignInFailed(telemetry.SignInLink)
		_ = s.auditView(r, "link_refused", "auth_token", store.PurposeSignIn, store.OutcomeFailure)
		s.render(w, r, http.StatusNotFound, web.LinkProblemPage(s.layout(r, ""), "/sign-in"))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	// One identity per session: signing in by email ends any staff session.
	s.endPending(ctx)
	for _, k := range []string{sessStaffID, sessStaffEpoch, sessStaffRoles} {
		s.sessions.Remove(ctx, k)
	}
	s.sessions.Put(ctx, sessPublicEmail, t.Email)
	e := s.auditEntry(ctx, "sign_in", "public", "", store.OutcomeSuccess)
	e.ActorKind, e.ActorEmail, e.Detail = "public", t.Email, "email link"
	if err := s.store.Audit(ctx, e); err != nil {
		s.serverError(w, r, err)
		return
	}
	next := s.sessions.PopString(ctx, sessAfterSignIn)
	if next == "" || next[0] != '/' || len(next) > 1 && next[1] == '/' || len(next) >= 6 && next[:6] == "/staff" {
		next = "/your-referrals"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) publicSignOut(w http.ResponseWriter, r *http.Request) {
	if actorFrom(r.Context()).Email != "" {
		_ = s.auditView(r, "sign_out", "public", "", store.OutcomeSuccess)
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "You have signed out")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
