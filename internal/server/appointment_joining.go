package server

import (
	"net/http"
	"strconv"
	"strings"

	"careers/internal/booking"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

// joiningAppointment loads a session whose joining details the signed-in
// coach may change: their own, for a client allocated to them now, still
// to come. Any other answers 404.
func (s *Server) joiningAppointment(w http.ResponseWriter, r *http.Request) (store.Appointment, bool) {
	a, c, ok := s.staffAppointment(w, r, policy.CancelSession)
	if !ok {
		return a, false
	}
	if a.CoachID != actorFrom(r.Context()).StaffID || c.Owners.CoachID != a.CoachID {
		s.hide(w, r, "appointment", strconv.FormatInt(a.ID, 10))
		return a, false
	}
	if a.Status != "booked" || !a.Start.After(s.now()) {
		s.conflictPage(w, r, c, "This session is "+sessionOutcome(a)+" or has started, so how to join it cannot change. Nothing was changed")
		return a, false
	}
	return a, true
}

func (s *Server) renderAppointmentJoining(w http.ResponseWriter, r *http.Request, status int, a store.Appointment, link, phone string, errs web.Errors) {
	def, err := s.store.CoachJoiningOf(r.Context(), a.CoachID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	words := "Your profile has no video link"
	if def.VideoLink != "" {
		words = "Your profile's video link is " + def.VideoLink
	}
	if def.Phone != "" {
		words += " and your telephone number " + def.Phone + "."
	} else {
		words += " and no telephone number."
	}
	s.render(w, r, status, web.AppointmentJoiningPage(s.layout(r, ""), web.AppointmentJoiningProps{
		Appt: apptRow(a), VideoLink: link, Phone: phone, Default: words, Errors: errs}))
}

// appointmentJoiningForm shows the session's own joining details.
func (s *Server) appointmentJoiningForm(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.joiningAppointment(w, r); ok {
		s.renderAppointmentJoining(w, r, http.StatusOK, a, a.OwnVideoLink, a.OwnPhone, nil)
	}
}

// appointmentJoining changes how to join one session and sends both
// people the updated invitation (same UID, SEQUENCE + 1). Submitting the
// same details again sends nothing new.
func (s *Server) appointmentJoining(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, ok := s.joiningAppointment(w, r)
	if !ok {
		return
	}
	typedLink, typedPhone := strings.TrimSpace(r.PostFormValue("video_link")), strings.TrimSpace(r.PostFormValue("phone"))
	var errs web.Errors
	link, err := booking.CheckVideoLink(typedLink)
	if err != nil {
		errs.Add("video_link", err.Error())
	}
	phone, err := booking.CheckPhone(typedPhone)
	if err != nil {
		errs.Add("phone", err.Error())
	}
	if errs.Any() {
		s.renderAppointmentJoining(w, r, http.StatusUnprocessableEntity, a, typedLink, typedPhone, errs)
		return
	}
	if link == a.OwnVideoLink && phone == a.OwnPhone {
		s.flash(r, "Nothing changed")
		http.Redirect(w, r, "/staff/referrals/"+a.Reference, http.StatusSeeOther)
		return
	}
	err = s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		if _, err := st.LockReferral(ctx, a.ReferralID); err != nil {
			return err
		}
		if err := st.SetAppointmentJoining(ctx, a.ID, store.CoachJoining{VideoLink: link, Phone: phone}, s.now()); err != nil {
			return err
		}
		cur, err := st.AppointmentByID(ctx, a.ID)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, st, "joining_changed", "appointment", strconv.FormatInt(a.ID, 10), store.OutcomeSuccess, ""); err != nil {
			return err
		}
		return s.sendInvites(ctx, tx, cur, false, "How to join your careers support session has changed")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "Saved. The trainee and you have an updated calendar invitation")
	http.Redirect(w, r, "/staff/referrals/"+a.Reference, http.StatusSeeOther)
}
