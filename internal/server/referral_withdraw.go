package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"careers/internal/booking"
	"careers/internal/jobs"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/policy"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/internal/workshops"
	"careers/web"
)

// withdrawProps works out what withdrawing would do: which sessions it
// cancels and who the trainee may choose to tell.
func (s *Server) withdrawProps(ctx context.Context, c store.ReferralCard) (web.WithdrawProps, error) {
	p := web.WithdrawProps{Reference: c.Reference}
	appts, err := s.store.ReferralAppointments(ctx, c.ID)
	if err != nil {
		return p, err
	}
	for _, a := range appts {
		if a.Status == "booked" && a.Start.After(s.now()) {
			p.Future = append(p.Future, apptRow(a))
			if booking.Cancel(a.Start, s.now(), booking.WhoTrainee, booking.ChangeCancel).Late {
				p.LateFuture = true
			}
		}
	}
	st, err := s.store.ReferralStateByID(ctx, c.ID)
	if err != nil {
		return p, err
	}
	if st.CaseManagerID != 0 {
		p.Tell = append(p.Tell, "your Case Manager")
	}
	if st.ReferrerEmail != "" {
		p.Tell = append(p.Tell, "the person who referred you ("+st.ReferrerName+")")
	}
	// The trainee's upcoming workshops (issue 16): theirs to keep or give up.
	ups, err := s.store.UpcomingRegistrationsOf(ctx, store.NormaliseEmail(st.TraineeEmail), s.now())
	if err != nil {
		return p, err
	}
	for _, u := range ups {
		p.Workshops = append(p.Workshops, u.Title+", "+web.TimeRange(u.StartsAt, u.EndsAt)+" ("+strings.ToLower(workshops.StatusLabel(u.Status)[:1])+workshops.StatusLabel(u.Status)[1:]+")")
	}
	return p, nil
}

// cancelWorkshopsOnWithdrawal cancels, in the withdrawal's transaction, the
// trainee's upcoming workshop registrations when they asked for it: each
// gets its cancellation email (with a cancelled invitation) and a freed
// place goes to the next person waiting. It returns how many it cancelled.
func (s *Server) cancelWorkshopsOnWithdrawal(ctx context.Context, st *store.Store, tx pgxTx, email string) (int, error) {
	ups, err := st.UpcomingRegistrationsOf(ctx, store.NormaliseEmail(email), s.now())
	if err != nil {
		return 0, err
	}
	// The workshops' locks first, in one order (store.LockWorkshops).
	wids := make([]int64, len(ups))
	for i, u := range ups {
		wids[i] = u.WorkshopID
	}
	if err := st.LockWorkshops(ctx, wids); err != nil {
		return 0, err
	}
	m := s.workshopMailer()
	n := 0
	for _, u := range ups {
		freed, was, err := st.CancelWorkshopRegistration(ctx, u.ID, s.now())
		if errors.Is(err, store.ErrConflict) {
			continue // started or ended meanwhile
		}
		if err != nil {
			return n, err
		}
		if was != workshops.Unconfirmed {
			if err := m.SendWorkshopEmail(ctx, tx, u.ID, jobs.WorkshopCancelledEmail, s.now(), ""); err != nil {
				return n, err
			}
		}
		if freed {
			if _, err := m.OfferFreedPlaces(ctx, tx, u.WorkshopID, s.now()); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

// withdrawForm asks the trainee to confirm.
func (s *Server) withdrawForm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	if !triage.IsOpen(triage.State(c.Status)) {
		s.flash(r, "This referral has already ended")
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
		return
	}
	p, err := s.withdrawProps(r.Context(), c)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.WithdrawPage(s.layout(r, ""), p))
}

// withdraw ends the referral at the trainee's request, in one transaction:
// future sessions are cancelled (with cancelled calendar invitations), the
// coach is told, and the Case Manager and referrer are told only if the
// trainee agreed. A second submit finds the referral withdrawn and changes
// nothing.
func (s *Server) withdraw(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	share := r.PostFormValue("share")
	cancelWorkshops := r.PostFormValue("workshops") == "cancel"
	var errs web.Errors
	if referral.CountCharacters(reason) > 2000 {
		errs.Add("reason", "Your reason must be 2,000 characters or fewer")
	}
	// There is someone to tell when the referral has a Case Manager or a
	// referrer (the same owners withdrawProps names).
	if (c.Owners.CaseManagerID != 0 || c.Owners.ReferrerEmail != "") && share != "yes" && share != "no" {
		errs.Add("share", "Select whether we can tell them that you have withdrawn")
	}
	errs = withFormErrors(r, errs, "reason", "share")
	if errs.Any() {
		p, err := s.withdrawProps(ctx, c)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Reason, p.Share, p.CancelWorkshops, p.Errors = reason, share, cancelWorkshops, errs
		s.render(w, r, http.StatusUnprocessableEntity, web.WithdrawPage(s.layout(r, ""), p))
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		cur, err := st.LockReferral(ctx, c.ID)
		if err != nil {
			return err
		}
		if cur.Status == string(triage.StateWithdrawn) {
			return errAlreadyWithdrawn
		}
		next, err := triage.Next(triage.State(cur.Status), triage.ActionWithdraw)
		if err != nil {
			return errConflictMsg(err.Error())
		}
		appts, err := st.ReferralAppointments(ctx, cur.ID)
		if err != nil {
			return err
		}
		// The sessions' own record gives no reason: the Case Manager can
		// read the referral's sessions and timeline. The reason is kept in
		// the closing note, which only the team sees.
		const cancelReason = "The trainee withdrew from careers support"
		cancelled := 0
		for _, a := range appts {
			if a.Status != "booked" || !a.Start.After(s.now()) {
				continue
			}
			if err := s.cancelLocked(ctx, st, tx, a.ID, booking.WhoTrainee, booking.ChangeCancel, cancelReason); err != nil {
				return err
			}
			cancelled++
		}
		// Workshops are not part of the referral: only if the trainee asked.
		workshopsCancelled := 0
		if cancelWorkshops {
			if workshopsCancelled, err = s.cancelWorkshopsOnWithdrawal(ctx, st, tx, cur.TraineeEmail); err != nil {
				return err
			}
		}
		note := "Withdrawn by the trainee."
		if reason != "" {
			note += " Reason: " + reason
		}
		if err := st.ApplyChange(ctx, cur.ID, store.Change{Status: string(next), Closed: true, Outcome: string(triage.OutcomeWithdrew),
			ClosingNote: note, At: s.now()}); err != nil {
			return err
		}
		detail := "The trainee withdrew the referral."
		if cancelled > 0 {
			detail += " " + strconv.Itoa(cancelled) + " future session(s) cancelled."
		}
		if err := st.AddEvent(ctx, cur.ID, s.now(), "withdrawn", "public", 0, detail); err != nil {
			return err
		}
		if err := s.audit(ctx, st, "withdraw", "referral", cur.Reference, store.OutcomeSuccess,
			"tell: "+share+"; workshop registrations cancelled: "+strconv.Itoa(workshopsCancelled)); err != nil {
			return err
		}
		return s.withdrawLetters(ctx, st, tx, cur, share == "yes", cancelled)
	})
	var msg errConflictMsg
	switch {
	case errors.Is(err, errAlreadyWithdrawn):
		s.flash(r, "You have withdrawn this referral")
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
	case errors.As(err, &msg):
		// The trainee's own page with the reason (s.conflict is the staff page).
		s.flash(r, string(msg))
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.flash(r, "You have withdrawn your referral. We have sent you an email to confirm it")
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
	}
}

var errAlreadyWithdrawn = errors.New("already withdrawn")

// withdrawLetters tells the trainee, the coach, and (only with the
// trainee's agreement) the Case Manager and the referrer. None of them is
// told why.
func (s *Server) withdrawLetters(ctx context.Context, st *store.Store, tx pgxTx, cur store.ReferralState, tell bool, cancelled int) error {
	// The version keeps a later withdrawal (after a lead reopened the
	// referral) from reusing the first one's messages.
	key := "withdrawn:" + cur.Reference + ":" + strconv.Itoa(cur.Version)
	subject := "Careers support referral " + cur.Reference + " is withdrawn"
	line := "You have withdrawn your careers support referral (" + cur.Reference + ")."
	if cancelled > 0 {
		line += " Your future sessions are cancelled, and we have sent you updated calendar invitations."
	}
	if err := s.letter(ctx, tx, cur.ID, key+":trainee", "withdrawn_trainee", mail.Address{Name: cur.TraineeName, Email: cur.TraineeEmail}, notify.Letter{
		Subject: subject, Greeting: "Dear " + cur.TraineeName + ",",
		Paragraphs: []string{line, "If you want careers support again later, you can refer yourself again at any time."},
		Link:       s.cfg.BaseURL.String() + "/refer/self", LinkLabel: "Refer yourself for careers support"}); err != nil {
		return err
	}
	if cur.CoachID != 0 {
		coach, err := st.StaffUserByID(ctx, cur.CoachID)
		if err != nil {
			return err
		}
		para := "The trainee has withdrawn from careers support (referral " + cur.Reference + ")."
		if cancelled > 0 {
			para += " Their future sessions with you are cancelled, and the times are free again in your calendar."
		}
		if err := s.letter(ctx, tx, cur.ID, key+":coach", "withdrawn_coach", mail.Address{Name: coach.Name, Email: coach.Email}, notify.Letter{
			Subject: subject, Greeting: "Dear " + coach.Name + ",", Paragraphs: []string{para},
			Link: s.cfg.BaseURL.String() + "/staff/referrals/" + cur.Reference, LinkLabel: "Open the referral (sign-in needed)"}); err != nil {
			return err
		}
	}
	if !tell {
		return nil
	}
	if cur.CaseManagerID != 0 {
		cm, err := st.StaffUserByID(ctx, cur.CaseManagerID)
		if err != nil {
			return err
		}
		if err := s.letter(ctx, tx, cur.ID, key+":cm", "withdrawn_case_manager", mail.Address{Name: cm.Name, Email: cm.Email}, notify.Letter{
			Subject: subject, Greeting: "Dear " + cm.Name + ",",
			Paragraphs: []string{"The trainee you referred for careers support (" + cur.Reference + ") has withdrawn. They agreed that we could tell you; what they discussed stays confidential."}}); err != nil {
			return err
		}
	}
	if cur.ReferrerEmail != "" {
		return s.letter(ctx, tx, cur.ID, key+":referrer", "withdrawn_referrer", mail.Address{Name: cur.ReferrerName, Email: cur.ReferrerEmail}, notify.Letter{
			Subject: subject, Greeting: "Dear " + cur.ReferrerName + ",",
			Paragraphs: []string{"The trainee you referred for careers support (" + cur.Reference + ") has withdrawn. They agreed that we could tell you; what they discussed stays confidential."}})
	}
	return nil
}
