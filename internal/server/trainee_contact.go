package server

import (
	"errors"
	"net/http"
	"strings"

	"careers/internal/auth"
	"careers/internal/intake"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// contactForm shows the trainee's contact details to correct.
func (s *Server) contactForm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	d, err := s.store.ReferralDetailByID(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.ContactPage(s.layout(r, ""), web.ContactProps{Reference: c.Reference,
		Email: c.Owners.TraineeEmail, Phone: intake.Values(d.Answers).Get("phone")}))
}

// contactSave corrects the trainee's phone number at once and, for a new
// email address, sends a link to it: the referral moves to the new address
// only when its owner follows the link. Both are audited.
func (s *Server) contactSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	if !audienceFor(r, c.Owners).Is(policy.ViewerTrainee) || !triage.IsOpen(triage.State(c.Status)) {
		s.deny(w, r, "referral", c.Reference)
		return
	}
	v := intake.Values{"email": {strings.TrimSpace(r.PostFormValue("email"))}, "phone": {strings.TrimSpace(r.PostFormValue("phone"))}}
	var errs web.Errors
	for _, p := range intake.ContactPage.Check(v, false) {
		errs.Add(p.Field, p.Message)
	}
	errs = withFormErrors(r, errs, "email", "phone")
	if errs.Any() {
		s.render(w, r, http.StatusUnprocessableEntity, web.ContactPage(s.layout(r, ""), web.ContactProps{Reference: c.Reference,
			Email: v.Get("email"), Phone: v.Get("phone"), Errors: errs}))
		return
	}
	d, err := s.store.ReferralDetailByID(ctx, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	newEmail := store.NormaliseEmail(v.Get("email"))
	phone := v.Get("phone")
	emailChanged := newEmail != store.NormaliseEmail(c.Owners.TraineeEmail)
	phoneChanged := phone != intake.Values(d.Answers).Get("phone")
	err = s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		if phoneChanged {
			if err := st.SetTraineePhone(ctx, c.ID, phone); err != nil {
				return err
			}
			if err := st.AddEvent(ctx, c.ID, s.now(), "contact_changed", "public", 0, "The trainee corrected their phone number"); err != nil {
				return err
			}
			if err := s.audit(ctx, st, "contact_phone_changed", "referral", c.Reference, store.OutcomeSuccess, ""); err != nil {
				return err
			}
		}
		if !emailChanged {
			return nil
		}
		token, hash := auth.NewToken()
		if err := st.CreateEmailChangeToken(ctx, c.ID, newEmail, hash, s.now(), s.now().Add(auth.StatusLinkTTL)); err != nil {
			return err
		}
		m, err := notify.Write(ctx, notify.Letter{Subject: "Confirm your new email address for careers support", Greeting: "Hello,",
			Paragraphs: []string{"You asked us to use this email address for your careers support referral " + c.Reference + ". Nothing changes until you confirm it.",
				"What to do next: follow the link and confirm. It works once, for " + auth.LifetimeText(auth.StatusLinkTTL) + "."},
			Link: s.pageURL("/contact-details/confirm?token=" + token), LinkLabel: "Confirm your new email address",
			After: []string{"If you did not ask for this, you can ignore this email."}})
		if err != nil {
			return err
		}
		if err := s.enqueueEmail(ctx, tx, "email_change:"+c.Reference+":"+s.now().Format("20060102150405.000000000"), "email_change",
			mail.Address{Email: newEmail}, m); err != nil {
			return err
		}
		return s.audit(ctx, st, "contact_email_change_requested", "referral", c.Reference, store.OutcomeSuccess, "")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	switch {
	case emailChanged:
		s.flash(r, "We have sent a link to your new email address. Your address changes when you follow it")
	case phoneChanged:
		s.flash(r, "Your phone number is saved")
	default:
		s.flash(r, "Your contact details are unchanged")
	}
	http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
}

// emailChangeForm is where the link sent to a new address lands; looking
// does not spend it.
func (s *Server) emailChangeForm(w http.ResponseWriter, r *http.Request) {
	if _, err := s.store.PeekToken(r.Context(), store.PurposeChangeEmail, auth.HashToken(r.URL.Query().Get("token")), s.now()); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.serverError(w, r, err)
			return
		}
		_ = s.auditView(r, "link_refused", "auth_token", store.PurposeChangeEmail, store.OutcomeFailure)
		s.render(w, r, http.StatusNotFound, web.LinkProblemPage(s.layout(r, ""), "/sign-in"))
		return
	}
	s.render(w, r, http.StatusOK, web.EmailChangePage(s.layout(r, ""), "/contact-details/confirm?token="+r.URL.Query().Get("token")))
}

// emailChange moves the referral to the new address and signs its owner
// in with it.
func (s *Server) emailChange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var ref string
	var t store.AuthToken
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		var err error
		if t, err = st.ConsumeToken(ctx, store.PurposeChangeEmail, auth.HashToken(r.URL.Query().Get("token")), s.now()); err != nil {
			return err
		}
		cur, err := st.LockReferral(ctx, t.ReferralID)
		if err != nil {
			return err
		}
		ref = cur.Reference
		if err := st.SetTraineeEmail(ctx, t.ReferralID, t.Email); err != nil {
			return err
		}
		if err := st.AddEvent(ctx, t.ReferralID, s.now(), "contact_changed", "public", 0, "The trainee changed their email address"); err != nil {
			return err
		}
		e := s.auditEntry(ctx, "contact_email_changed", "referral", cur.Reference, store.OutcomeSuccess)
		e.ActorKind, e.ActorEmail = "public", t.Email
		return st.Audit(ctx, e)
	})
	if errors.Is(err, store.ErrNotFound) {
		_ = s.auditView(r, "link_refused", "auth_token", store.PurposeChangeEmail, store.OutcomeFailure)
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
	s.endPending(ctx)
	for _, k := range []string{sessStaffID, sessStaffEpoch, sessStaffRoles} {
		s.sessions.Remove(ctx, k)
	}
	s.sessions.Put(ctx, sessPublicEmail, t.Email)
	s.flash(r, "Your email address is changed. We will use it from now on")
	http.Redirect(w, r, "/your-referrals/"+ref, http.StatusSeeOther)
}
