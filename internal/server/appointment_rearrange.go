package server

import (
	"errors"
	"net/http"
	"strconv"

	"careers/internal/booking"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

// errAlreadyMoved answers a repeated rearrangement (a double submit): the
// session was moved already.
var errAlreadyMoved = errors.New("the session was moved already")

// rearrangeView is the booking page for choosing a new time for a, which
// stays booked until the new time is.
func (s *Server) rearrangeView(c store.ReferralCard, a store.Appointment, reason string) bookView {
	d := booking.Cancel(a.Start, s.now(), booking.WhoTrainee, booking.ChangeRearrange)
	base := "/your-referrals/" + c.Reference
	return bookView{back: base, action: base + "/appointments/" + strconv.FormatInt(a.ID, 10) + "/rearrange",
		moving: &a, movingLate: d.Late, reason: reason}
}

// rearrangeForm shows the free times to move a booked session to; a
// session that has started or is no longer booked cannot be moved, and the
// page says so.
func (s *Server) rearrangeForm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	a, ok := s.appointmentFor(w, r, c)
	if !ok {
		return
	}
	if d := booking.Cancel(a.Start, s.now(), booking.WhoTrainee, booking.ChangeRearrange); d.TooLate || a.Status != "booked" {
		s.render(w, r, http.StatusOK, web.CancelPage(s.layout(r, ""), s.traineeChangeProps(r, c, a, true)))
		return
	}
	s.renderBookView(w, r, http.StatusOK, c, s.rearrangeView(c, a, ""), nil)
}

// rearrange moves a booked session to a new time in one transaction: the
// new time is booked (the slot's unique index settles a race with anyone
// booking it) and only then is the old one released, under the 24-hour
// rule as a cancellation would be; the ledger's own check refuses a late
// move with no session left for the new time. Any refusal rolls the whole
// change back, so the old time stays booked. Both people get one updated
// invitation: the same UID, the sequence one higher.
func (s *Server) rearrange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	a, ok := s.appointmentFor(w, r, c)
	if !ok {
		return
	}
	reason := r.PostFormValue("reason")
	again := func(status int, errs web.Errors) {
		s.renderBookView(w, r, status, c, s.rearrangeView(c, a, reason), errs)
	}
	slotID, _ := strconv.ParseInt(r.PostFormValue("slot"), 10, 64)
	if slotID == 0 {
		again(http.StatusUnprocessableEntity, web.Errors{{Field: "slot", Message: "Choose a new time"}})
		return
	}
	var moved store.Appointment
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		cur, err := st.LockReferral(ctx, c.ID)
		if err != nil {
			return err
		}
		if ok, why := canMove(cur); !ok {
			return errConflictMsg(why)
		}
		old, err := st.LockAppointment(ctx, a.ID)
		if err != nil {
			return err
		}
		if old.Status != "booked" {
			if old.RearrangedTo != 0 {
				return errAlreadyMoved
			}
			return errConflictMsg("This session is already " + sessionOutcome(old) + ". Nothing was changed")
		}
		d := booking.Cancel(old.Start, s.now(), booking.WhoTrainee, booking.ChangeRearrange)
		if d.TooLate {
			return errConflictMsg(d.Explanation)
		}
		if d.ReasonRequired && reason == "" {
			return errReasonNeeded
		}
		id, err := st.RearrangeSlot(ctx, old.ID, slotID, string(booking.WhoTrainee), actorFrom(ctx).StaffID, d.Late, reason, s.now())
		if err != nil {
			return err
		}
		if moved, err = st.AppointmentByID(ctx, id); err != nil {
			return err
		}
		if moved.CoachID != cur.CoachID {
			return errConflictMsg("That time is not one of your coach's free times. Choose another")
		}
		if msg := s.bookableError(moved.Start); msg != "" {
			return errConflictMsg(msg)
		}
		// The old time's steps first (released, and forfeited when late),
		// then the new booking: the ledger checks after each event that no
		// more sessions are used than granted.
		for _, step := range d.Ledger {
			if err := st.AddAllowance(ctx, c.ID, step.Kind, step.Sessions, actorFrom(ctx).StaffID, d.Explanation, s.now()); err != nil {
				return err
			}
		}
		for _, step := range booking.Book() {
			if err := st.AddAllowance(ctx, c.ID, step.Kind, step.Sessions, actorFrom(ctx).StaffID, "Session "+web.TimeRange(moved.Start, moved.End), s.now()); err != nil {
				return err
			}
		}
		detail := "Session moved from " + web.TimeRange(old.Start, old.End) + " to " + web.TimeRange(moved.Start, moved.End) + ". " + d.Explanation
		if reason != "" {
			detail += " Reason: " + reason
		}
		actorKind := "public"
		if actorFrom(ctx).Kind == policy.Staff {
			actorKind = "staff"
		}
		if err := st.AddEvent(ctx, c.ID, s.now(), "rearranged", actorKind, actorFrom(ctx).StaffID, detail); err != nil {
			return err
		}
		if err := s.audit(ctx, st, "rearrange", "appointment", strconv.FormatInt(old.ID, 10), store.OutcomeSuccess, strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		return s.sendInvitesSaying(ctx, tx, moved, false, "Your careers support session has moved",
			"Your careers support session has moved from "+web.TimeRange(old.Start, old.End)+" to "+web.TimeRange(moved.Start, moved.End)+
				", "+whereText(moved)+", with "+moved.CoachName+".")
	})
	still := " Your session on " + web.TimeRange(a.Start, a.End) + " is still booked."
	var msg errConflictMsg
	switch {
	case errors.Is(err, errAlreadyMoved):
		s.flash(r, "Your session was moved already. Nothing else was changed")
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
	case errors.Is(err, errReasonNeeded):
		again(http.StatusUnprocessableEntity, web.Errors{{Field: "reason", Message: "Tell us why you are changing the session less than 24 hours before it"}})
	case errors.Is(err, store.ErrSlotTaken):
		again(http.StatusConflict, web.Errors{{Field: "slot", Message: "Someone booked that time a moment ago. Choose another." + still}})
	case errors.Is(err, store.ErrNotFound):
		again(http.StatusConflict, web.Errors{{Field: "slot", Message: "That time is not available any more. Choose another." + still}})
	case errors.Is(err, store.ErrOverAllowance):
		again(http.StatusConflict, web.Errors{{Field: "slot", Message: "Moving a session less than 24 hours before it costs a session, and your allowance has none left for the new time." + still + " You can cancel it instead, or ask your coach about more sessions."}})
	case errors.As(err, &msg):
		again(http.StatusConflict, web.Errors{{Field: "slot", Message: string(msg) + "." + still}})
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.flash(r, "Your session has moved to "+web.TimeRange(moved.Start, moved.End)+". We have emailed you and your coach an updated calendar invitation")
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
	}
}

// whereText words how and where a session takes place.
func whereText(a store.Appointment) string {
	where := web.ModeLabel(a.Mode)
	if a.Place != "" {
		where += ": " + a.Place
	}
	return where
}

// appointmentCalendar is the "Add to calendar" download of one of the
// trainee's sessions: an iCalendar file, as an attachment, never stored.
func (s *Server) appointmentCalendar(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	a, ok := s.appointmentFor(w, r, c)
	if !ok {
		return
	}
	status := booking.StatusConfirmed
	if a.Status == "cancelled" {
		status = booking.StatusCancelled
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="careers-session.ics"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(s.appointmentInvite(a, booking.MethodPublish, status).ICS())
}
