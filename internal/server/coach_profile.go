package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"careers/internal/booking"
	"careers/internal/store"
	"careers/web"
)

// coachProfileForm is a coach profile as typed, checked.
type coachProfileForm struct {
	Profile  store.CoachProfile
	Joining  store.CoachJoining
	Capacity string // as typed, to show again
	Errors   web.Errors
}

// readCoachProfile checks the coach profile fields of a form (the admin's
// and the coach's own share them); withJoining also reads the video link
// and telephone number, which only the coach's own form has.
func readCoachProfile(r *http.Request, id int64, withJoining bool) coachProfileForm {
	f := coachProfileForm{Profile: store.CoachProfile{UserID: id}}
	f.Profile.Background = strings.TrimSpace(r.PostFormValue("background"))
	if len([]rune(f.Profile.Background)) > 2000 {
		f.Errors.Add("background", "Background must be 2,000 characters or fewer")
	}
	for _, sp := range strings.Split(r.PostFormValue("specialisms"), ",") {
		if sp = strings.TrimSpace(sp); sp != "" && !slices.Contains(f.Profile.Specialisms, sp) {
			f.Profile.Specialisms = append(f.Profile.Specialisms, sp)
		}
	}
	if len(f.Profile.Specialisms) > 30 || len([]rune(r.PostFormValue("specialisms"))) > 1000 {
		f.Errors.Add("specialisms", "Enter up to 30 specialisms, in 1,000 characters or fewer")
	}
	for _, m := range r.PostForm["modes"] {
		if !slices.ContainsFunc(coachModes, func(c struct{ value, label string }) bool { return c.value == m }) {
			f.Errors.Add("modes", "Choose ways of meeting from the list")
			break
		}
		if !slices.Contains(f.Profile.Modes, m) {
			f.Profile.Modes = append(f.Profile.Modes, m)
		}
	}
	if len(f.Profile.Modes) == 0 && f.Errors.For("modes") == "" {
		f.Errors.Add("modes", "Select at least one way of meeting")
	}
	f.Capacity = strings.TrimSpace(r.PostFormValue("capacity"))
	capacity, err := strconv.Atoi(f.Capacity)
	if err != nil || capacity < 0 || capacity > 200 {
		f.Errors.Add("capacity", "Enter the most active clients as a whole number from 0 to 200")
	}
	f.Profile.Capacity = capacity
	if !withJoining {
		return f
	}
	f.Joining.VideoLink = strings.TrimSpace(r.PostFormValue("video_link"))
	f.Joining.Phone = strings.TrimSpace(r.PostFormValue("phone"))
	if link, err := booking.CheckVideoLink(f.Joining.VideoLink); err != nil {
		f.Errors.Add("video_link", err.Error())
	} else {
		f.Joining.VideoLink = link
	}
	if slices.Contains(f.Profile.Modes, string(booking.ModeVirtual)) && f.Joining.VideoLink == "" && f.Errors.For("video_link") == "" {
		f.Errors.Add("video_link", "Enter the link trainees use to join your video calls, or untick video call")
	}
	if phone, err := booking.CheckPhone(f.Joining.Phone); err != nil {
		f.Errors.Add("phone", err.Error())
	} else {
		f.Joining.Phone = phone
	}
	return f
}

func (s *Server) renderCoachProfile(w http.ResponseWriter, r *http.Request, status int, f coachProfileForm) {
	p := web.CoachProfileProps{Background: f.Profile.Background, Specialisms: strings.Join(f.Profile.Specialisms, ", "),
		Modes: modeOptions(f.Profile.Modes), Capacity: f.Capacity, VideoLink: f.Joining.VideoLink, Phone: f.Joining.Phone, Errors: f.Errors}
	s.render(w, r, status, web.CoachProfilePage(s.layout(r, ""), p))
}

// coachProfile shows the signed-in coach their own profile to edit.
func (s *Server) coachProfile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := actorFrom(ctx).StaffID
	cp, err := s.store.CoachProfile(ctx, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	j, err := s.store.CoachJoiningOf(ctx, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderCoachProfile(w, r, http.StatusOK, coachProfileForm{Profile: cp, Joining: j, Capacity: strconv.Itoa(cp.Capacity)})
}

// saveCoachProfile saves the coach's own profile, audited. Saving the same
// values twice changes nothing, so a double submit is harmless.
func (s *Server) saveCoachProfile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := actorFrom(ctx).StaffID
	f := readCoachProfile(r, id, true)
	if f.Errors.Any() {
		// The link as typed goes back into the box, so it can be corrected.
		f.Joining.VideoLink = strings.TrimSpace(r.PostFormValue("video_link"))
		f.Joining.Phone = strings.TrimSpace(r.PostFormValue("phone"))
		s.renderCoachProfile(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		if err := st.SaveCoachProfile(ctx, f.Profile); err != nil {
			return err
		}
		if err := st.SaveCoachJoining(ctx, id, f.Joining); err != nil {
			return err
		}
		return s.audit(ctx, st, "coach_profile_changed", "staff_user", idOrEmpty(id), store.OutcomeSuccess, "by the coach")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "Your profile is saved")
	http.Redirect(w, r, "/staff/coach", http.StatusSeeOther)
}
