package server

import (
	"errors"
	"net/http"
	"strings"

	"careers/internal/intake"
	"careers/internal/policy"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/web"
)

// referralChase emails the trainee a fresh confirmation link for a referral
// still waiting for them.
func (s *Server) referralChase(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := s.referralChange(w, r, policy.Triage)
	if !ok {
		return
	}
	if c.Status != "awaiting_trainee" {
		s.conflict(w, r, c, "This referral is no longer waiting for the trainee")
		return
	}
	d, err := s.store.ReferralDetailByID(ctx, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	a := intake.Extract(intake.Route(d.Route), intake.Values(d.Answers))
	a.ReferrerName = d.ReferrerName
	err = s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		if err := s.sendConfirmRequest(ctx, st, tx, c.ID, c.Reference, a, true); err != nil {
			return err
		}
		if err := st.AddEvent(ctx, c.ID, s.now(), "chased", "staff", actorFrom(ctx).StaffID, "A new confirmation link was emailed to the trainee"); err != nil {
			return err
		}
		return s.audit(ctx, st, "chase", "referral", c.Reference, store.OutcomeSuccess, "")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "We have emailed the trainee a new link to confirm")
	http.Redirect(w, r, "/staff/referrals/"+c.Reference, http.StatusSeeOther)
}

// referralCloseUnconfirmed closes a referral the trainee never confirmed,
// with a recorded reason.
func (s *Server) referralCloseUnconfirmed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := s.referralChange(w, r, policy.Triage)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var errs web.Errors
	if reason == "" {
		errs.Add("reason", "Enter why you are closing the referral")
	} else if referral.CountCharacters(reason) > 500 {
		errs.Add("reason", "The reason must be 500 characters or fewer")
	}
	errs = withFormErrors(r, errs, "reason")
	if errs.Any() {
		p, err := s.staffReferralProps(r, c)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Errors, p.CloseReason = errs, reason
		s.render(w, r, http.StatusUnprocessableEntity, web.StaffReferralPage(s.layout(r, ""), p))
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		if err := st.CloseUnconfirmed(ctx, c.ID, s.now()); err != nil {
			return err
		}
		if err := st.AddEvent(ctx, c.ID, s.now(), "closed", "staff", actorFrom(ctx).StaffID, "Closed without the trainee's confirmation: "+reason); err != nil {
			return err
		}
		return s.audit(ctx, st, "close", "referral", c.Reference, store.OutcomeSuccess, "unconfirmed")
	})
	if errors.Is(err, store.ErrConflict) {
		s.conflict(w, r, c, "This referral is no longer waiting for the trainee: it changed since you opened it")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "The referral is closed")
	http.Redirect(w, r, "/staff/referrals/"+c.Reference, http.StatusSeeOther)
}

// conflict answers 409 with the referral as it is now and what went wrong:
// what the person tried no longer fits its state.
func (s *Server) conflict(w http.ResponseWriter, r *http.Request, c store.ReferralCard, msg string) {
	p, err := s.staffReferralProps(r, c)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Errors.Add("status", msg)
	s.render(w, r, http.StatusConflict, web.StaffReferralPage(s.layout(r, ""), p))
}
