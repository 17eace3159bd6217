package server

import (
	"errors"
	"net/http"

	"careers/internal/auth"
	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/store"
	"careers/web"
)

// confirmTarget finds the referral behind a confirmation link, or shows
// why the link cannot be used.
func (s *Server) confirmTarget(w http.ResponseWriter, r *http.Request) (store.ReferralDetail, bool) {
	t, err := s.store.PeekToken(r.Context(), store.PurposeConfirmReferral, auth.HashToken(r.URL.Query().Get("token")), s.now())
	if errors.Is(err, store.ErrNotFound) {
		_ = s.auditView(r, "link_refused", "auth_token", store.PurposeConfirmReferral, store.OutcomeFailure)
		s.render(w, r, http.StatusNotFound, web.ConfirmLinkProblemPage(s.layout(r, "")))
		return store.ReferralDetail{}, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return store.ReferralDetail{}, false
	}
	d, err := s.store.ReferralDetailByID(r.Context(), t.ReferralID)
	if err != nil {
		s.serverError(w, r, err)
		return d, false
	}
	if d.Status != "awaiting_trainee" {
		// Confirmed already (another tab), or closed: show where it is.
		http.Redirect(w, r, "/your-referrals/"+d.Reference, http.StatusSeeOther)
		return d, false
	}
	return d, true
}

func (s *Server) confirmProps(r *http.Request, d store.ReferralDetail, v intake.Values, probs intake.Problems) web.ConfirmProps {
	form, _ := intake.FormFor(intake.Route(d.Route))
	p := web.ConfirmProps{Reference: d.Reference, By: d.ReferrerName}
	if d.Route == string(intake.RouteCaseManager) {
		p.By = "Your Case Manager"
	}
	for _, sec := range form.TraineePages().Summary(intake.Values(d.Answers), func(string) string { return "" }) {
		ws := web.AnswerSection{Title: sec.Title}
		for _, row := range sec.Rows {
			ws.Rows = append(ws.Rows, web.AnswerRow{Key: row.Key, Value: row.Lines})
		}
		p.Sent = append(p.Sent, ws)
	}
	ir := intakeRoute{form: intake.Form{Pages: []intake.Page{intake.ConfirmPage}}}
	p.Question = questionProps(ir, intake.ConfirmPage, 0, v, probs, "", "", false)
	p.Question.Action = "/refer/confirm?token=" + r.URL.Query().Get("token")
	p.DeclineAction = "/refer/confirm/decline?token=" + r.URL.Query().Get("token")
	p.Question.Links = []web.NavItem{{Href: "/privacy", Text: "Read the privacy notice: how we use and keep your information"}}
	return p
}

// referralConfirmForm is where the trainee's emailed link lands. Looking
// does not use the link up; confirming does.
func (s *Server) referralConfirmForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.confirmTarget(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, web.ConfirmReferralPage(s.layout(r, ""), s.confirmProps(r, d, intake.Values(d.Answers), nil)))
}

// referralConfirm records the trainee's confirmation: the referral enters
// triage and the trainee is signed in to follow it.
func (s *Server) referralConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.renderNotFound(w, r)
		return
	}
	d, ok := s.confirmTarget(w, r)
	if !ok {
		return
	}
	v := intake.Values{}
	v.Merge(intake.Values(d.Answers))
	v.Merge(intake.ConfirmPage.Read(r.PostForm))
	if probs := intake.ConfirmPage.Check(v, false); len(probs) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, web.ConfirmReferralPage(s.layout(r, ""), s.confirmProps(r, d, v, probs)))
		return
	}
	a := intake.Extract(intake.Route(d.Route), v)
	res := eligibility.Check(a.Eligibility(), s.today())
	reasons := make([]store.EligibilityReason, len(res.Reasons))
	for i, rs := range res.Reasons {
		reasons[i] = store.EligibilityReason{Code: rs.Code, Text: rs.Text, Signpost: rs.Signpost}
	}
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		t, err := st.ConsumeToken(ctx, store.PurposeConfirmReferral, auth.HashToken(r.URL.Query().Get("token")), s.now())
		if err != nil {
			return err
		}
		if t.ReferralID != d.ID {
			return store.ErrNotFound
		}
		if err := st.ConfirmReferral(ctx, d.ID, a.TraineeName, v, string(res.Outcome), reasons, s.now()); err != nil {
			return err
		}
		if err := st.AddEvent(ctx, d.ID, s.now(), "confirmed", "public", 0, "The trainee confirmed they want careers support; eligibility: "+res.Outcome.Label()); err != nil {
			return err
		}
		cur, err := st.LockReferral(ctx, d.ID)
		if err != nil {
			return err
		}
		if err := s.tellReferrer(ctx, st, tx, referrerOfState(cur), "confirmed:"+d.Reference, "confirmed",
			func(name, link string, _ bool) (mail.Message, error) {
				return notify.ReferrerConfirmed(ctx, name, d.Reference, link)
			}); err != nil {
			return err
		}
		e := s.auditEntry(ctx, "confirm", "referral", d.Reference, store.OutcomeSuccess)
		e.ActorKind, e.ActorEmail = "public", d.Owners.TraineeEmail
		if err := st.Audit(ctx, e); err != nil {
			return err
		}
		token, hash := auth.NewToken()
		if _, err := st.CreateSignInToken(ctx, d.Owners.TraineeEmail, hash, s.now(), s.now().Add(auth.StatusLinkTTL)); err != nil {
			return err
		}
		m, err := notify.ReferralReceipt(ctx, a.TraineeName, d.Reference, s.cfg.BaseURL.String()+"/sign-in/link?token="+token)
		if err != nil {
			return err
		}
		m.To = []mail.Address{{Name: a.TraineeName, Email: d.Owners.TraineeEmail}}
		return s.enqueue(ctx, tx, "receipt:"+d.Reference, "referral_receipt", &d.ID, m)
	})
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		// Confirmed a moment ago by a double click or another tab.
		http.Redirect(w, r, "/your-referrals/"+d.Reference, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// The trainee has shown they read this email: sign them in to follow it.
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.endPending(ctx)
	for _, k := range []string{sessStaffID, sessStaffEpoch, sessStaffRoles} {
		s.sessions.Remove(ctx, k)
	}
	s.sessions.Put(ctx, sessPublicEmail, d.Owners.TraineeEmail)
	s.flash(r, "Thank you. Your referral is confirmed, and a coordinator will review it. We aim to respond within 14 days")
	http.Redirect(w, r, "/your-referrals/"+d.Reference, http.StatusSeeOther)
}

// confirmLinkRequestForm lets a trainee whose confirmation link expired (or
// went astray) ask for a new one.
func (s *Server) confirmLinkRequestForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.ConfirmLinkRequestPage(s.layout(r, ""), "", nil))
}

// confirmLinkRequest queues a request for new confirmation links: the job
// emails one for each referral waiting for this address to confirm it. Like
// the sign-in form, it answers the same, after the same work, for any
// address.
func (s *Server) confirmLinkRequest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := store.NormaliseEmail(r.PostFormValue("email"))
	var errs web.Errors
	if email == "" {
		errs.Add("email", "Enter your email address")
	} else if !validEmail(email) {
		errs.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if errs.Any() {
		s.render(w, r, http.StatusUnprocessableEntity, web.ConfirmLinkRequestPage(s.layout(r, ""), email, errs))
		return
	}
	if s.overPublicCeiling(w, r, "confirm-link", auth.LinkFormCeiling) {
		return
	}
	if r.PostFormValue("website") != "" {
		s.log.InfoContext(ctx, "honeypot filled", "request_id", requestID(r), "form", "confirm-link")
		http.Redirect(w, r, "/refer/confirm/check-email", http.StatusSeeOther)
		return
	}
	if err := s.requestLink(ctx, store.PurposeConfirmReferral, email, "confirm_link_requested"); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/refer/confirm/check-email", http.StatusSeeOther)
}

func (s *Server) confirmLinkSent(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.CheckEmailPage(s.layout(r, ""), "a new link to confirm your referral", auth.ConfirmLinkTTL))
}
