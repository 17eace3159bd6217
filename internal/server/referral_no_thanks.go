package server

import (
	"errors"
	"net/http"
	"strings"

	"careers/internal/auth"
	"careers/internal/intake"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// declineReasonLimit bounds the trainee's optional reason for saying no.
const declineReasonLimit = 1000

// referralNoThanks is the trainee's "No thanks" to a referral someone else
// made for them, from the confirmation page: the referral closes with the
// outcome "declined by the trainee"; the referrer is told only that the
// trainee chose not to go ahead. The optional reason is the trainee's and
// the unit's (a timeline entry the audience table keeps from referrers).
// The link is spent as confirming spends it; a second submit of the same
// form lands where the first did.
func (s *Server) referralNoThanks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.renderNotFound(w, r)
		return
	}
	hash := auth.HashToken(r.URL.Query().Get("token"))
	if s.alreadyDeclined(w, r, hash) {
		return
	}
	d, ok := s.confirmTarget(w, r)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("decline_reason"))
	var errs web.Errors
	if referral.CountCharacters(reason) > declineReasonLimit {
		errs.Add("decline_reason", "Your reason must be 1,000 characters or fewer")
	}
	if errs = withFormErrors(r, errs, "decline_reason"); errs.Any() {
		p := s.confirmProps(r, d, intake.Values(d.Answers), nil)
		p.DeclineReason, p.DeclineErrors = reason, errs
		s.render(w, r, http.StatusUnprocessableEntity, web.ConfirmReferralPage(s.layout(r, ""), p))
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		t, err := st.ConsumeToken(ctx, store.PurposeConfirmReferral, hash, s.now())
		if err != nil {
			return err
		}
		if t.ReferralID != d.ID {
			return store.ErrNotFound
		}
		cur, err := st.LockReferral(ctx, d.ID)
		if err != nil {
			return err
		}
		next, err := triage.Next(triage.State(cur.Status), triage.ActionTraineeDecline)
		if err != nil {
			return store.ErrConflict
		}
		if err := st.ApplyChange(ctx, d.ID, store.Change{Status: string(next), Closed: true, Outcome: string(triage.OutcomeTraineeDeclined),
			ClosingNote: "The trainee chose not to go ahead (from their confirmation link)", At: s.now()}); err != nil {
			return err
		}
		detail := "The trainee chose not to go ahead"
		if reason != "" {
			detail += ". Their reason: " + reason
		}
		if err := st.AddEvent(ctx, d.ID, s.now(), "trainee_declined", "public", 0, detail); err != nil {
			return err
		}
		e := s.auditEntry(ctx, "trainee_declined", "referral", d.Reference, store.OutcomeSuccess)
		e.ActorKind, e.ActorEmail = "public", d.Owners.TraineeEmail
		if err := st.Audit(ctx, e); err != nil {
			return err
		}
		return s.tellReferrer(ctx, st, tx, referrerOfState(cur), "trainee_declined:"+cur.Reference, "trainee_declined",
			func(name, link string, _ bool) (mail.Message, error) {
				return notify.ReferrerTraineeDeclined(ctx, name, cur.Reference, link)
			})
	})
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		// Spent a moment ago by a double click or another tab.
		if s.alreadyDeclined(w, r, hash) {
			return
		}
		http.Redirect(w, r, "/your-referrals/"+d.Reference, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/refer/confirm/declined", http.StatusSeeOther)
}

// alreadyDeclined answers a submit whose link was spent saying no: it shows
// where the first submit went.
func (s *Server) alreadyDeclined(w http.ResponseWriter, r *http.Request, hash []byte) bool {
	id, err := s.store.SpentTokenReferral(r.Context(), store.PurposeConfirmReferral, hash, s.now())
	if err != nil {
		return false
	}
	if _, outcome, err := s.store.ReferralOutcome(r.Context(), id); err != nil || outcome != string(triage.OutcomeTraineeDeclined) {
		return false
	}
	http.Redirect(w, r, "/refer/confirm/declined", http.StatusSeeOther)
	return true
}

// referralDeclined thanks the trainee for saying no, and tells them what
// the referrer hears.
func (s *Server) referralDeclined(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.ReferralDeclinedPage(s.layout(r, "")))
}
