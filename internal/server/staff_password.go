package server

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"careers/internal/auth"
	"careers/internal/store"
	"careers/web"
)

// passwordLink is a set-password page reached from an emailed link: the
// invitation (set_password) or a reset (reset_password).
type passwordLink struct {
	purpose string
	path    string
	again   string // where to ask for a new link
}

var (
	invitationLink = passwordLink{store.PurposeSetPassword, "/staff/set-password", "/staff/forgot-password"}
	resetLink      = passwordLink{store.PurposeResetPassword, "/staff/reset-password", "/staff/forgot-password"}
)

// linkUser finds the live token and its account, or shows the expired-link page.
func (s *Server) linkUser(w http.ResponseWriter, r *http.Request, pl passwordLink, token string) (*store.StaffUser, bool) {
	t, err := s.store.PeekToken(r.Context(), pl.purpose, auth.HashToken(token), s.now())
	if err == nil {
		var u store.StaffUser
		if u, err = s.store.StaffUserByID(r.Context(), t.UserID); err == nil && u.Active {
			return &u, true
		}
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return nil, false
	}
	_ = s.auditView(r, "link_refused", "auth_token", pl.purpose, store.OutcomeFailure)
	s.render(w, r, http.StatusNotFound, web.LinkProblemPage(s.layout(r, ""), pl.again))
	return nil, false
}

// passwordForm shows the form behind an emailed link. It only looks the
// token up: mail scanners that follow links must not use it up.
func (s *Server) passwordForm(pl passwordLink) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("token")
		u, ok := s.linkUser(w, r, pl, token)
		if !ok {
			return
		}
		s.render(w, r, http.StatusOK, web.SetPasswordPage(s.layout(r, ""), web.SetPasswordProps{
			Name: u.Name, Email: u.Email, Reset: pl.purpose == store.PurposeResetPassword}))
	}
}

// checkNewPassword validates a new password and its confirmation against
// the policy; personal is the person's email address and name, which the
// password must not be made of.
func checkNewPassword(password, confirm string, personal ...string) web.Errors {
	var errs web.Errors
	if password == "" {
		errs.Add("password", "Enter a new password")
	} else if err := auth.CheckPassword(password, personal...); err != nil {
		errs.Add("password", err.Error())
	} else if confirm != password {
		errs.Add("confirm", "The passwords do not match. Type the same password twice")
	}
	return errs
}

// setPassword spends the link and stores the new password. Every other
// session of the person ends; they then sign in as usual, second factor
// included.
func (s *Server) setPassword(pl passwordLink) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		token := r.URL.Query().Get("token")
		u, ok := s.linkUser(w, r, pl, token)
		if !ok {
			return
		}
		password := r.PostFormValue("password")
		if errs := checkNewPassword(password, r.PostFormValue("confirm"), u.Email, u.Name); errs.Any() {
			s.render(w, r, http.StatusUnprocessableEntity, web.SetPasswordPage(s.layout(r, ""), web.SetPasswordProps{
				Name: u.Name, Email: u.Email, Reset: pl.purpose == store.PurposeResetPassword, Errors: errs}))
			return
		}
		hash, err := s.hasher.Hash(ctx, password)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		err = s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
			t, err := st.ConsumeToken(ctx, pl.purpose, auth.HashToken(token), s.now())
			if err != nil {
				return err
			}
			if t.UserID != u.ID {
				return store.ErrNotFound
			}
			if _, err := st.SetPassword(ctx, u.ID, hash, s.now()); err != nil {
				return err
			}
			e := s.auditEntry(ctx, "password_set", "staff_user", idOrEmpty(u.ID), store.OutcomeSuccess)
			e.ActorKind, e.ActorID, e.Detail = "staff", u.ID, pl.purpose
			return st.Audit(ctx, e)
		})
		if errors.Is(err, store.ErrNotFound) {
			// Spent by a double submit or another tab a moment ago.
			s.render(w, r, http.StatusNotFound, web.LinkProblemPage(s.layout(r, ""), pl.again))
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if staffFrom(ctx) != nil {
			// The session belongs to someone signed in; it ends with the change.
			_ = s.sessions.Destroy(ctx)
		}
		s.flash(r, "Your password has been saved. Sign in to continue")
		http.Redirect(w, r, "/staff/sign-in", http.StatusSeeOther)
	}
}

func (s *Server) forgotPasswordForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.ForgotPasswordPage(s.layout(r, ""), "", nil))
}

// validEmail reports whether s looks like an email address a person typed.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, ".") && len(s) <= 254
}

// forgotPassword queues a request for a reset link; the job emails one if
// the address has an active account. The answer, and the work done before
// it, are the same either way.
func (s *Server) forgotPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := store.NormaliseEmail(r.PostFormValue("email"))
	var errs web.Errors
	if email == "" {
		errs.Add("email", "Enter your email address")
	} else if !validEmail(email) {
		errs.Add("email", "Enter an email address in the correct format, like name@example.nhs.uk")
	}
	if errs.Any() {
		s.render(w, r, http.StatusUnprocessableEntity, web.ForgotPasswordPage(s.layout(r, ""), email, errs))
		return
	}
	if s.overPublicCeiling(w, r, "forgot-password", auth.LinkFormCeiling) {
		return
	}
	if err := s.requestLink(ctx, store.PurposeResetPassword, email, "password_reset_requested"); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/forgot-password/check-email", http.StatusSeeOther)
}

func (s *Server) forgotPasswordSent(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.CheckEmailPage(s.layout(r, ""), "a link to reset your password", auth.ResetLinkTTL))
}

// sendPasswordLink makes a one-time link for u and queues its email, in one
// transaction: no link without its email, no email without its link.
func (s *Server) sendPasswordLink(ctx context.Context, u store.StaffUser, pl passwordLink, ttl time.Duration) error {
	token, hash := auth.NewToken()
	return s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		id, err := st.CreateStaffToken(ctx, pl.purpose, u.ID, hash, s.now(), s.now().Add(ttl))
		if err != nil {
			return err
		}
		link := s.cfg.BaseURL.String() + pl.path + "?token=" + token
		if err := s.audit(ctx, st, "link_sent", "staff_user", idOrEmpty(u.ID), store.OutcomeSuccess, pl.purpose); err != nil {
			return err
		}
		return s.emailPasswordLink(ctx, tx, u, pl, link, id)
	})
}
