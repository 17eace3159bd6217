package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"careers/internal/auth"
	"careers/internal/store"
	"careers/internal/telemetry"
	"careers/web"
)

// pendingSignIn is how long someone has, after their password, to give
// their second factor.
const pendingSignIn = 10 * time.Minute

// signInFailed is the one message for every failed staff sign-in, so that
// nobody learns whether an address has an account.
const signInFailed = "The email address or password is not right"

// throttleKeys are the keys staff sign-in attempts count against.
func throttleKeys(email, ip string) (acctIP, addr, acct string) {
	ip = auth.AddressKey(ip)
	return auth.ThrottleKey("staff-acct-ip", email, ip), auth.ThrottleKey("staff-ip", ip), auth.ThrottleKey("staff-acct", email)
}

// secondFactorKey counts wrong second-factor codes for an account.
func secondFactorKey(userID int64) string { return auth.ThrottleKey("staff-2fa", idOrEmpty(userID)) }

// maxPendingFailures is how many wrong codes one half-finished sign-in
// allows before the password must be given again.
const maxPendingFailures = 5

// deviceCookie names the cookie that marks a browser that has signed in
// before (the account-wide throttle spares it).
func (s *Server) deviceCookie() string {
	if s.cfg.Secure() {
		return "__Host-careers_device"
	}
	return "careers_device"
}

// knownDevice reports whether this browser has signed in to email's
// account before.
func (s *Server) knownDevice(r *http.Request, email string) (bool, error) {
	c, err := r.Cookie(s.deviceCookie())
	if err != nil || c.Value == "" {
		return false, nil
	}
	return s.store.KnownDevice(r.Context(), email, auth.HashToken(c.Value))
}

// rememberDevice marks this browser as one the person signs in from.
func (s *Server) rememberDevice(w http.ResponseWriter, r *http.Request, userID int64) error {
	token := ""
	if c, err := r.Cookie(s.deviceCookie()); err == nil && len(c.Value) >= 40 && len(c.Value) <= 64 {
		token = c.Value
	} else {
		token, _ = auth.NewToken()
	}
	http.SetCookie(w, &http.Cookie{Name: s.deviceCookie(), Value: token, Path: "/", MaxAge: 400 * 24 * 3600,
		HttpOnly: true, Secure: s.cfg.Secure(), SameSite: http.SameSiteLaxMode})
	return s.store.RememberDevice(r.Context(), userID, auth.HashToken(token), s.now())
}

// throttled answers 429 when any of keys is blocked, and reports whether it did.
func (s *Server) throttled(w http.ResponseWriter, r *http.Request, keys ...string) bool {
	now := s.now()
	until, err := s.store.BlockedUntil(r.Context(), keys, now)
	if err != nil {
		s.serverError(w, r, err)
		return true
	}
	if until.IsZero() {
		return false
	}
	s.metrics.Throttled(telemetry.ThrottleStaff)
	wait := until.Sub(now)
	minutes := int((wait + time.Minute - 1) / time.Minute)
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	_ = s.auditView(r, "sign_in_throttled", "staff_user", "", store.OutcomeDenied)
	s.render(w, r, http.StatusTooManyRequests, web.TooManyAttemptsPage(s.layout(r, ""), minutes))
	return true
}

func (s *Server) staffSignInForm(w http.ResponseWriter, r *http.Request) {
	if staffFrom(r.Context()) != nil {
		http.Redirect(w, r, "/staff", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, web.StaffSignInPage(s.layout(r, ""), web.StaffSignInForm{}))
}

func (s *Server) staffSignIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := store.NormaliseEmail(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	f := web.StaffSignInForm{Email: email}
	if email == "" {
		f.Errors.Add("email", "Enter your email address")
	}
	if password == "" {
		f.Errors.Add("password", "Enter your password")
	}
	f.Errors = withFormErrors(r, f.Errors, "email", "password")
	if f.Errors.Any() {
		s.render(w, r, http.StatusUnprocessableEntity, web.StaffSignInPage(s.layout(r, ""), f))
		return
	}

	ip := clientIPFrom(ctx)
	acctIP, addr, acct := throttleKeys(email, ip)
	known, err := s.knownDevice(r, email)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	keys := []string{acctIP, addr}
	if !known {
		// Failures elsewhere never lock a person out of a browser they
		// have signed in from before.
		keys = append(keys, acct)
	}
	if s.throttled(w, r, keys...) {
		return
	}

	u, err := s.store.StaffUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	ok, err := s.hasher.Verify(ctx, password, u.PasswordHash) // a dummy hash when there is no account
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok || !u.Active {
		now := s.now()
		for _, k := range []struct {
			key string
			th  auth.Throttle
		}{{acctIP, auth.ThrottleAccountAddress}, {addr, auth.ThrottleAddress}, {acct, auth.ThrottleAccount}} {
			if err := s.store.RecordFailure(ctx, k.key, k.th, now); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		e := s.auditEntry(ctx, "sign_in_failed", "staff_user", idOrEmpty(u.ID), store.OutcomeFailure)
		e.ActorEmail = email
		if err := s.store.Audit(ctx, e); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.metrics.SignInFailed(telemetry.SignInPassword)
		s.log.InfoContext(ctx, "staff sign-in failed", "request_id", requestID(r))
		f.Errors.Add("email", signInFailed)
		s.render(w, r, http.StatusUnauthorized, web.StaffSignInPage(s.layout(r, ""), f))
		return
	}

	// Password right: the second factor is next. A fresh token now stops a
	// session fixed before sign-in from riding along.
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Remove(ctx, sessPendingTOTP) // a secret from an earlier, unfinished attempt
	s.sessions.Put(ctx, sessPendingStaff, u.ID)
	s.sessions.Put(ctx, sessPendingEpoch, u.SessionEpoch)
	s.sessions.Put(ctx, sessPendingFailures, 0)
	s.sessions.Put(ctx, sessPendingUntil, s.now().Add(pendingSignIn).Unix())
	switch {
	case s.cfg.SkipDemoSecondFactor && u.Demo:
		s.completeStaffSignIn(w, r, u, "password (demo: second factor skipped)")
	case !u.Enrolled():
		http.Redirect(w, r, "/staff/sign-in/set-up", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/staff/sign-in/verify", http.StatusSeeOther)
	}
}

func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// pendingStaff returns the account that has passed the password step and
// not yet the second factor, or nil (with a redirect to start again).
func (s *Server) pendingStaff(w http.ResponseWriter, r *http.Request) *store.StaffUser {
	ctx := r.Context()
	id := s.sessions.GetInt64(ctx, sessPendingStaff)
	if id == 0 || s.now().Unix() > s.sessions.GetInt64(ctx, sessPendingUntil) {
		http.Redirect(w, r, "/staff/sign-in", http.StatusSeeOther)
		return nil
	}
	u, err := s.store.StaffUserByID(ctx, id)
	// A password change, deactivation or second-factor reset since the
	// password step ends the half-finished sign-in too.
	if err != nil || !u.Active || u.SessionEpoch != s.sessions.GetInt(ctx, sessPendingEpoch) {
		s.endPending(ctx)
		http.Redirect(w, r, "/staff/sign-in", http.StatusSeeOther)
		return nil
	}
	return &u
}

func (s *Server) endPending(ctx context.Context) {
	for _, k := range []string{sessPendingStaff, sessPendingUntil, sessPendingEpoch, sessPendingFailures, sessPendingTOTP} {
		s.sessions.Remove(ctx, k)
	}
}

// completeStaffSignIn makes the session a full staff session.
func (s *Server) completeStaffSignIn(w http.ResponseWriter, r *http.Request, u store.StaffUser, how string) {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.endPending(ctx)
	s.sessions.Remove(ctx, sessPublicEmail)
	s.sessions.Put(ctx, sessStaffID, u.ID)
	s.sessions.Put(ctx, sessStaffEpoch, u.SessionEpoch)
	s.sessions.Put(ctx, sessStaffRoles, rolesSig(u.Roles))
	acctIP, _, acct := throttleKeys(u.Email, clientIPFrom(ctx))
	for _, k := range []string{acctIP, acct} {
		if err := s.store.ClearThrottle(ctx, k); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if err := s.store.ClearThrottle(ctx, secondFactorKey(u.ID)); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.rememberDevice(w, r, u.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	e := s.auditEntry(ctx, "sign_in", "staff_user", idOrEmpty(u.ID), store.OutcomeSuccess)
	e.ActorKind, e.ActorID, e.Detail = "staff", u.ID, how
	if err := s.store.Audit(ctx, e); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.InfoContext(ctx, "staff signed in", "request_id", requestID(r), "staff_id", u.ID)
	next := s.sessions.PopString(ctx, sessAfterSignIn)
	if !strings.HasPrefix(next, "/staff") || strings.HasPrefix(next, "//") {
		next = "/staff"
	}
	if s.sessions.Exists(ctx, sessNewCodes) {
		next = "/staff/sign-in/recovery-codes"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) staffVerifyForm(w http.ResponseWriter, r *http.Request) {
	if s.pendingStaff(w, r) == nil {
		return
	}
	s.render(w, r, http.StatusOK, web.StaffVerifyPage(s.layout(r, ""), web.VerifyForm{RecoveryMode: r.URL.Query().Get("recovery") == "1"}))
}

func (s *Server) staffVerify(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := s.pendingStaff(w, r)
	if u == nil {
		return
	}
	if !u.Enrolled() {
		http.Redirect(w, r, "/staff/sign-in/set-up", http.StatusSeeOther)
		return
	}
	acctIP, addr, _ := throttleKeys(u.Email, clientIPFrom(ctx))
	if s.throttled(w, r, acctIP, addr, secondFactorKey(u.ID)) {
		return
	}
	recovery := r.PostFormValue("mode") == "recovery"
	code := strings.TrimSpace(r.PostFormValue("code"))
	f := web.VerifyForm{RecoveryMode: recovery}
	if code == "" {
		if recovery {
			f.Errors.Add("code", "Enter a recovery code")
		} else {
			f.Errors.Add("code", "Enter the 6-digit code from your authenticator app")
		}
		s.render(w, r, http.StatusUnprocessableEntity, web.StaffVerifyPage(s.layout(r, ""), f))
		return
	}

	var ok bool
	var err error
	if recovery {
		ok, err = s.useRecoveryCode(ctx, u.ID, code)
	} else {
		var secret string
		if secret, err = s.keys.Open(store.TOTPPurpose(u.ID), u.TOTPSecret); err == nil {
			if step, valid := auth.CheckTOTP(secret, code, s.now(), u.TOTPLastStep); valid {
				ok, err = s.store.AcceptTOTPStep(ctx, u.ID, step)
			}
		}
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		for _, k := range []struct {
			key string
			th  auth.Throttle
		}{{acctIP, auth.ThrottleAccountAddress}, {secondFactorKey(u.ID), auth.ThrottleSecondFactor}} {
			if err := s.store.RecordFailure(ctx, k.key, k.th, s.now()); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		s.metrics.SignInFailed(telemetry.SignInSecondFactor)
		e := s.auditEntry(ctx, "second_factor_failed", "staff_user", idOrEmpty(u.ID), store.OutcomeFailure)
		e.ActorEmail = u.Email
		if err := s.store.Audit(ctx, e); err != nil {
			s.serverError(w, r, err)
			return
		}
		failures := s.sessions.GetInt(ctx, sessPendingFailures) + 1
		if failures >= maxPendingFailures {
			// Too many wrong codes: the password must be given again.
			s.endPending(ctx)
			s.flash(r, "Too many codes were not right. Sign in again")
			http.Redirect(w, r, "/staff/sign-in", http.StatusSeeOther)
			return
		}
		s.sessions.Put(ctx, sessPendingFailures, failures)
		if recovery {
			f.Errors.Add("code", "That recovery code is not right, or it has been used")
		} else {
			f.Errors.Add("code", "That code is not right. Enter the code the app shows now")
		}
		s.render(w, r, http.StatusUnauthorized, web.StaffVerifyPage(s.layout(r, ""), f))
		return
	}
	how := "password and authenticator code"
	if recovery {
		how = "password and recovery code"
	}
	s.completeStaffSignIn(w, r, *u, how)
}

// useRecoveryCode checks code against the person's unused recovery codes
// (argon2id, so each is checked in turn: at most ten) and spends the one it
// matches, once: two requests with the same code cannot both succeed.
func (s *Server) useRecoveryCode(ctx context.Context, userID int64, code string) (bool, error) {
	codes, err := s.store.UnusedRecoveryCodes(ctx, userID)
	if err != nil {
		return false, err
	}
	hashes := make([]string, len(codes))
	for i, c := range codes {
		hashes[i] = c.Value
	}
	i, err := s.hasher.MatchRecoveryCode(ctx, code, hashes)
	if err != nil || i < 0 {
		return false, err
	}
	return s.store.SpendRecoveryCode(ctx, userID, codes[i].ID, s.now())
}

// Secrets kept in a session between two requests (the authenticator secret
// being set up, the new recovery codes until they are shown) are sealed
// too: the session's data sits in the database.
func pendingTOTPPurpose(userID int64) string { return "pending-" + store.TOTPPurpose(userID) }
func newCodesPurpose(userID int64) string    { return fmt.Sprintf("new-recovery-codes:%d", userID) }

// putSealed seals value for purpose and keeps it in the session under key.
func (s *Server) putSealed(ctx context.Context, key, purpose, value string) error {
	sealed, err := s.keys.Seal(purpose, value)
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, key, sealed)
	return nil
}

// sealedFrom opens what putSealed kept ("" if nothing, or it does not open).
func (s *Server) sealedFrom(ctx context.Context, key, purpose string, pop bool) string {
	var sealed string
	if pop {
		sealed = s.sessions.PopString(ctx, key)
	} else {
		sealed = s.sessions.GetString(ctx, key)
	}
	if sealed == "" {
		return ""
	}
	v, err := s.keys.Open(purpose, sealed)
	if err != nil {
		return ""
	}
	return v
}

// totpIssuer names the service in people's authenticator apps.
const totpIssuer = "NHS Careers support"

func (s *Server) staffEnrolForm(w http.ResponseWriter, r *http.Request) {
	u := s.pendingStaff(w, r)
	if u == nil {
		return
	}
	if u.Enrolled() {
		http.Redirect(w, r, "/staff/sign-in/verify", http.StatusSeeOther)
		return
	}
	secret := s.sealedFrom(r.Context(), sessPendingTOTP, pendingTOTPPurpose(u.ID), false)
	if secret == "" {
		var err error
		if secret, _, err = auth.NewTOTPKey(totpIssuer, u.Email); err != nil {
			s.serverError(w, r, err)
			return
		}
		if err := s.putSealed(r.Context(), sessPendingTOTP, pendingTOTPPurpose(u.ID), secret); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.renderEnrol(w, r, http.StatusOK, u, secret, nil)
}

func (s *Server) renderEnrol(w http.ResponseWriter, r *http.Request, status int, u *store.StaffUser, secret string, errs web.Errors) {
	svg, err := auth.QRCodeSVG(auth.TOTPURL(totpIssuer, u.Email, secret))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.StaffEnrolPage(s.layout(r, ""), web.EnrolProps{QRCodeSVG: svg, Secret: secret, Errors: errs}))
}

func (s *Server) staffEnrol(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := s.pendingStaff(w, r)
	if u == nil {
		return
	}
	secret := s.sealedFrom(ctx, sessPendingTOTP, pendingTOTPPurpose(u.ID), false)
	if u.Enrolled() || secret == "" {
		http.Redirect(w, r, "/staff/sign-in/set-up", http.StatusSeeOther)
		return
	}
	var errs web.Errors
	step, ok := auth.CheckTOTP(secret, r.PostFormValue("code"), s.now(), 0)
	if strings.TrimSpace(r.PostFormValue("code")) == "" {
		errs.Add("code", "Enter the 6-digit code from your authenticator app")
	} else if !ok {
		errs.Add("code", "That code is not right. Check the app shows careers support, then enter the code it shows now")
	}
	if errs.Any() {
		s.renderEnrol(w, r, http.StatusUnprocessableEntity, u, secret, errs)
		return
	}
	codes := auth.NewRecoveryCodes(10)
	hashes := make([]string, len(codes))
	for i, c := range codes {
		var err error
		if hashes[i], err = s.hasher.HashRecoveryCode(ctx, c); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	sealed, err := s.keys.Seal(store.TOTPPurpose(u.ID), secret)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	err = s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		if err := st.EnrolTOTP(ctx, u.ID, sealed, step, hashes, s.now()); err != nil {
			return err
		}
		e := s.auditEntry(ctx, "second_factor_enrolled", "staff_user", idOrEmpty(u.ID), store.OutcomeSuccess)
		e.ActorKind, e.ActorID = "staff", u.ID
		return st.Audit(ctx, e)
	})
	if errors.Is(err, store.ErrConflict) {
		// Set up a moment ago in another tab: use the code from that app.
		s.sessions.Remove(ctx, sessPendingTOTP)
		http.Redirect(w, r, "/staff/sign-in/verify", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.putSealed(ctx, sessNewCodes, newCodesPurpose(u.ID), strings.Join(codes, " ")); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.completeStaffSignIn(w, r, *u, "password and new authenticator")
}

// recoveryCodes shows the codes made at enrolment, once.
func (s *Server) recoveryCodes(w http.ResponseWriter, r *http.Request) {
	var codes []string
	if u := staffFrom(r.Context()); u != nil {
		codes = strings.Fields(s.sealedFrom(r.Context(), sessNewCodes, newCodesPurpose(u.ID), true))
	}
	if len(codes) == 0 {
		http.Redirect(w, r, "/staff", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, web.RecoveryCodesPage(s.layout(r, ""), codes, "/staff"))
}

func (s *Server) staffSignOut(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if u := staffFrom(ctx); u != nil {
		_ = s.auditView(r, "sign_out", "staff_user", idOrEmpty(u.ID), store.OutcomeSuccess)
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "You have signed out")
	http.Redirect(w, r, "/staff/sign-in", http.StatusSeeOther)
}
