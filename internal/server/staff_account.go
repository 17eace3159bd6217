package server

import (
	"context"
	"net/http"

	"careers/internal/auth"
	"careers/internal/store"
	"careers/web"
)

// accountProps reads the account itself: the session's copy leaves out the
// second factor's secret, which Enrolled looks at.
func (s *Server) accountProps(r *http.Request, errs web.Errors) (web.AccountProps, error) {
	u, err := s.store.StaffUserByID(r.Context(), staffFrom(r.Context()).ID)
	if err != nil {
		return web.AccountProps{}, err
	}
	left, err := s.store.RecoveryCodesLeft(r.Context(), u.ID)
	return web.AccountProps{Name: u.Name, Email: u.Email, Roles: roleList(u), RecoveryLeft: left, Enrolled: u.Enrolled(), Errors: errs}, err
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	p, err := s.accountProps(r, nil)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.AccountPage(s.layout(r, ""), p))
}

// passwordHash reads the account's password hash (the session's copy of
// the account leaves it out).
func (s *Server) passwordHash(ctx context.Context, id int64) (string, error) {
	u, err := s.store.StaffUserByID(ctx, id)
	return u.PasswordHash, err
}

// changePassword needs the current password; it ends every other session
// of the person and keeps this one.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := staffFrom(ctx)
	current, password := r.PostFormValue("current"), r.PostFormValue("password")
	// Someone at an unlocked screen must not be able to guess the password.
	key := auth.ThrottleKey("staff-change-password", idOrEmpty(u.ID))
	if s.throttled(w, r, key) {
		return
	}
	var errs web.Errors
	if current == "" {
		errs.Add("current", "Enter your current password")
	} else if hash, err := s.passwordHash(ctx, u.ID); err != nil {
		s.serverError(w, r, err)
		return
	} else if ok, err := s.hasher.Verify(ctx, current, hash); err != nil {
		s.serverError(w, r, err)
		return
	} else if !ok {
		errs.Add("current", "Your current password is not right")
		if err := s.store.RecordFailure(ctx, key, auth.ThrottleAccountAddress, s.now()); err != nil {
			s.serverError(w, r, err)
			return
		}
		_ = s.auditView(r, "password_change_failed", "staff_user", idOrEmpty(u.ID), store.OutcomeFailure)
	}
	if !errs.Any() {
		errs = checkNewPassword(password, r.PostFormValue("confirm"), u.Email, u.Name)
	}
	if errs.Any() {
		p, err := s.accountProps(r, errs)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, web.AccountPage(s.layout(r, ""), p))
		return
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var epoch int
	err = s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		var err error
		if epoch, err = st.SetPassword(ctx, u.ID, hash, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, st, "password_changed", "staff_user", idOrEmpty(u.ID), store.OutcomeSuccess, "")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessStaffEpoch, epoch)
	s.flash(r, "Your password has been changed. You have been signed out everywhere else")
	http.Redirect(w, r, "/staff/account", http.StatusSeeOther)
}
