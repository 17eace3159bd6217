package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"careers/internal/auth"
	"careers/internal/booking"
	"careers/internal/intake"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// canBook says whether a referral can have a session booked now, and if
// not, why (in words for the person).
func canBook(st store.ReferralState) (bool, string) {
	switch {
	case st.CoachID == 0 || (st.Status != string(triage.StateAllocated) && st.Status != string(triage.StateActive)):
		return false, "Sessions can be booked once a coach is allocated."
	case st.Route == string(intake.RouteCaseManager) && st.FormDStatus != "approved":
		return false, "Sessions can be booked once the funding your Case Manager asked for is approved. We will email you."
	case st.SessionsUsed >= st.SessionsGranted:
		return false, "All the sessions in your allowance are booked or used. Your coach can ask for more if you need them."
	}
	return true, ""
}

// apptRow is an appointment as a list shows it, without its joining
// details: withJoining adds them for those the audience table lets see them.
func apptRow(a store.Appointment) web.ApptRow {
	return web.ApptRow{ID: a.ID, Start: a.Start, End: a.End, Mode: a.Mode, Place: a.Place, Status: a.Status, Coach: a.CoachName,
		Trainee: a.TraineeName, Reference: a.Reference, Late: a.Late, Waived: a.WaivedAt != nil, Confirmed: a.MeetingConfirmedAt != nil,
		Moved: a.RearrangedTo != 0}
}

// traineeCare builds the trainee's view of their sessions.
func (s *Server) traineeCare(ctx context.Context, c store.ReferralCard, au policy.Audience) (*web.TraineeReferralProps, error) {
	st, err := s.store.ReferralStateByID(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if st.CoachID == 0 {
		return nil, nil
	}
	appts, err := s.store.ReferralAppointments(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	p := &web.TraineeReferralProps{Remaining: st.SessionsGranted - st.SessionsUsed, Allowance: st.SessionsGranted, Used: st.SessionsUsed}
	p.CanBook, p.BookBlocked = canBook(st)
	for _, a := range appts {
		if a.CoachID == st.CoachID {
			p.Coach = a.CoachName
		}
		row := withJoining(apptRow(a), a, au, true)
		if a.Status == "booked" && a.Start.After(s.now()) {
			row.CanChange = true
			p.Upcoming = append(p.Upcoming, row)
		} else {
			p.Past = append(p.Past, row)
		}
	}
	if p.Coach == "" {
		u, err := s.store.StaffUserByID(ctx, st.CoachID)
		if err != nil {
			return nil, err
		}
		p.Coach = u.Name
	}
	return p, nil
}

// bookingFor serves the booking page for the trainee (staff=false) or a
// coordinator booking for them.
func (s *Server) bookForm(staff bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.bookingCard(w, r, staff)
		if !ok {
			return
		}
		// The view's audit row goes with the page's reads, in one round
		// trip (renderBookView, store.BookingPage).
		v := s.bookingView(c, staff)
		v.audit = true
		s.renderBookView(w, r, http.StatusOK, c, v, nil)
	}
}

// bookingCard loads the referral to book for and checks the person may:
// the trainee's own, or for staff, one policy's change table lets them
// book on the trainee's behalf. The view is not audited yet; on refusal
// it has answered.
func (s *Server) bookingCard(w http.ResponseWriter, r *http.Request, staff bool) (store.ReferralCard, bool) {
	c, ok := s.cardByReference(w, r)
	if !ok {
		return c, false
	}
	if staff {
		return c, s.permitChange(w, r, policy.BookFor, "referral", c.Reference, c)
	}
	return c, s.permitReferral(w, r, policy.ViewReferral, c)
}

// bookingReferral is bookingCard with the view audited.
func (s *Server) bookingReferral(w http.ResponseWriter, r *http.Request, staff bool) (store.ReferralCard, bool) {
	c, ok := s.bookingCard(w, r, staff)
	if !ok {
		return c, false
	}
	if err := s.auditView(r, string(policy.ViewReferral), "referral", c.Reference, store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return c, false
	}
	return c, true
}

// book books a free slot: under the referral's lock, the slot's unique
// index and the ledger's check settle any race; the first booking makes
// the referral active. Both people get a calendar invitation.
func (s *Server) book(staff bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c, ok := s.bookingReferral(w, r, staff)
		if !ok {
			return
		}
		slotID, _ := strconv.ParseInt(r.PostFormValue("slot"), 10, 64)
		if slotID == 0 {
			s.renderBook(w, r, http.StatusUnprocessableEntity, c, staff, web.Errors{{Field: "slot", Message: "Choose a time"}})
			return
		}
		by := "trainee"
		if staff {
			by = "coordinator"
		}
		var appt store.Appointment
		err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
			cur, err := st.LockReferral(ctx, c.ID)
			if err != nil {
				return err
			}
			if ok, why := canBook(cur); !ok {
				return errConflictMsg(why)
			}
			id, err := st.BookSlot(ctx, c.ID, slotID, by, actorFrom(ctx).StaffID, s.now())
			if err != nil {
				return err
			}
			if appt, err = st.AppointmentByID(ctx, id); err != nil {
				return err
			}
			if appt.CoachID != cur.CoachID {
				return errConflictMsg("That time is not one of your coach's free times. Choose another")
			}
			if msg := s.bookableError(appt.Start); msg != "" {
				return errConflictMsg(msg)
			}
			for _, step := range booking.Book() {
				if err := st.AddAllowance(ctx, c.ID, step.Kind, step.Sessions, actorFrom(ctx).StaffID, "Session "+web.TimeRange(appt.Start, appt.End), s.now()); err != nil {
					return err
				}
			}
			if cur.Status == string(triage.StateAllocated) {
				next, err := triage.Next(triage.StateAllocated, triage.ActionStart)
				if err != nil {
					return err
				}
				if err := st.ApplyChange(ctx, c.ID, store.Change{Status: string(next), ByStaff: actorFrom(ctx).StaffID, At: s.now()}); err != nil {
					return err
				}
			}
			actorKind := "public"
			if staff {
				actorKind = "staff"
			}
			if err := st.AddEvent(ctx, c.ID, s.now(), "booked", actorKind, actorFrom(ctx).StaffID, "Session booked: "+web.TimeRange(appt.Start, appt.End)); err != nil {
				return err
			}
			if err := s.audit(ctx, st, "book", "appointment", strconv.FormatInt(id, 10), store.OutcomeSuccess, c.Reference); err != nil {
				return err
			}
			return s.sendInvites(ctx, tx, appt, false, "Your careers support session is booked")
		})
		var msg errConflictMsg
		switch {
		case errors.Is(err, store.ErrSlotTaken):
			s.renderBook(w, r, http.StatusConflict, c, staff, web.Errors{{Field: "slot", Message: "Someone booked that time a moment ago. Choose another"}})
		case errors.Is(err, store.ErrNotFound):
			// No such slot, or one the coach has blocked.
			s.renderBook(w, r, http.StatusConflict, c, staff, web.Errors{{Field: "slot", Message: "That time is not available any more. Choose another"}})
		case errors.Is(err, store.ErrOverAllowance):
			s.renderBook(w, r, http.StatusConflict, c, staff, web.Errors{{Field: "slot", Message: "All the sessions in the allowance are booked or used"}})
		case errors.As(err, &msg):
			s.renderBook(w, r, http.StatusConflict, c, staff, web.Errors{{Field: "slot", Message: string(msg)}})
		case err != nil:
			s.serverError(w, r, err)
		default:
			s.flash(r, "Session booked: "+web.TimeRange(appt.Start, appt.End)+". We have emailed a calendar invitation")
			if staff {
				http.Redirect(w, r, "/staff/referrals/"+c.Reference, http.StatusSeeOther)
			} else {
				http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
			}
		}
	}
}

// appointmentInvite is the calendar invitation of an appointment as it
// stands: the emails attach it, and the "Add to calendar" download serves
// it. The UID is the first appointment's of a rearranged chain, so
// calendars update one event.
func (s *Server) appointmentInvite(a store.Appointment, method, status string) booking.Invite {
	j := joiningOf(a)
	return booking.Invite{UID: booking.AppointmentUID(a.InviteID, s.cfg.BaseURL.Hostname()), Sequence: a.Sequence, Method: method,
		Start: a.Start, End: a.End, Summary: "Careers support session", Description: "Careers support session (referral " + a.Reference + ")",
		Location: j.Location(), VideoLink: j.VideoLink, Organizer: booking.Person{Name: "Careers support", Email: s.cfg.MailFrom.Address},
		Attendee: booking.Person{Name: a.TraineeName, Email: a.TraineeEmail}, Status: status, Stamp: s.now()}
}

// sendInvites emails the trainee and the coach the appointment with a
// calendar invitation (or its cancellation): the same UID, a rising SEQUENCE.
func (s *Server) sendInvites(ctx context.Context, tx pgxTx, a store.Appointment, cancel bool, subject string) error {
	return s.sendInvitesSaying(ctx, tx, a, cancel, subject, "")
}

// sendInvitesSaying is sendInvites with the emails' first line given
// (when not ""), such as a rearrangement's "moved from ... to ...".
func (s *Server) sendInvitesSaying(ctx context.Context, tx pgxTx, a store.Appointment, cancel bool, subject, saying string) error {
	method, status := "REQUEST", "CONFIRMED"
	if cancel {
		method, status = "CANCEL", "CANCELLED"
	}
	when := web.TimeRange(a.Start, a.End)
	// How to join is its own paragraph (joiningOf); the place of a video
	// or telephone session says nothing more.
	where := web.ModeLabel(a.Mode)
	if a.Place != "" && a.Mode == string(booking.ModeInPerson) {
		where += ": " + a.Place
	}
	j := joiningOf(a)
	inv := s.appointmentInvite(a, method, status)
	ics := mail.Attachment{Filename: "session.ics", ContentType: "text/calendar; method=" + method + "; charset=UTF-8", Content: inv.ICS()}
	rule := "You can cancel or rearrange up to 24 hours before the session and keep it. Later than that you can still change it, but you must say why and you lose a session from your allowance unless a coordinator decides otherwise; a missed session counts as used."
	line := "Your careers support session: " + when + ", " + where + ", with " + a.CoachName + "."
	if cancel {
		line = "This session has been cancelled: " + when + " with " + a.CoachName + "."
	}
	if saying != "" {
		line = saying
	}
	add := "Add to calendar: open the attached invitation (session.ics) to add or update it in Outlook, Google or Apple calendars."
	if cancel {
		add = "Open the attached file (session.ics) to remove it from your calendar."
	}
	traineeParas, coachParas := []string{line, add, rule}, []string{line, add}
	if !cancel {
		traineeParas = []string{line, j.ForTrainee(), add, rule}
		coachParas = []string{line, j.ForCoach(), add}
	}
	key := "appointment:" + strconv.FormatInt(a.ID, 10) + ":" + strconv.Itoa(a.Sequence) + ":" + method
	for _, to := range []struct {
		who  mail.Address
		kind string
		l    notify.Letter
	}{
		{mail.Address{Name: a.TraineeName, Email: a.TraineeEmail}, "appointment_trainee", notify.Letter{Subject: subject, Greeting: "Dear " + a.TraineeName + ",",
			Paragraphs: traineeParas, Link: s.pageURL("/your-referrals/" + a.Reference), LinkLabel: "See or change your sessions (sign-in needed)"}},
		{mail.Address{Name: a.CoachName, Email: a.CoachEmail}, "appointment_coach", notify.Letter{Subject: subject + " (referral " + a.Reference + ")", Greeting: "Dear " + a.CoachName + ",",
			Paragraphs: coachParas, Link: s.pageURL("/staff/coach"), LinkLabel: "Your home: today's and this week's sessions"}},
	} {
		m, err := notify.Write(ctx, to.l)
		if err != nil {
			return err
		}
		m.To = []mail.Address{to.who}
		m.Attachments = []mail.Attachment{ics}
		if err := s.enqueue(ctx, tx, key+":"+to.kind, to.kind, &a.ReferralID, m); err != nil {
			return err
		}
	}
	return nil
}

// appointmentFor loads the appointment in the URL, for the referral it
// belongs to, with the policy applied to that referral.
func (s *Server) appointmentFor(w http.ResponseWriter, r *http.Request, c store.ReferralCard) (store.Appointment, bool) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	a, err := s.store.AppointmentByID(r.Context(), id)
	if err != nil || a.ReferralID != c.ID {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.serverError(w, r, err)
			return a, false
		}
		s.renderNotFound(w, r)
		return a, false
	}
	return a, true
}

func (s *Server) traineeChangeProps(r *http.Request, c store.ReferralCard, a store.Appointment, rearrange bool) web.CancelProps {
	d := booking.Cancel(a.Start, s.now(), booking.WhoTrainee, booking.ChangeCancel)
	verb := "cancel"
	if rearrange {
		verb = "rearrange"
	}
	return web.CancelProps{Reference: c.Reference, Appt: apptRow(a), Rearrange: rearrange, Late: d.Late, TooLate: d.TooLate || a.Status != "booked",
		Action: "/your-referrals/" + c.Reference + "/appointments/" + strconv.FormatInt(a.ID, 10) + "/" + verb, Back: "/your-referrals/" + c.Reference}
}

// traineeCancelForm shows what cancelling will cost. (Rearranging has its
// own page, rearrangeForm.)
func (s *Server) traineeCancelForm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	a, ok := s.appointmentFor(w, r, c)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, web.CancelPage(s.layout(r, ""), s.traineeChangeProps(r, c, a, false)))
}

// traineeCancel applies the 24-hour rule to the trainee's cancellation.
// (A rearrangement is one step of its own: see rearrange.)
func (s *Server) traineeCancel(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	a, ok := s.appointmentFor(w, r, c)
	if !ok {
		return
	}
	err := s.cancelAppointment(r.Context(), a, booking.WhoTrainee, booking.ChangeCancel, r.PostFormValue("reason"))
	var msg errConflictMsg
	switch {
	case errors.Is(err, errReasonNeeded):
		p := s.traineeChangeProps(r, c, a, false)
		p.Errors = web.Errors{{Field: "reason", Message: "Tell us why you are changing the session less than 24 hours before it"}}
		s.render(w, r, http.StatusUnprocessableEntity, web.CancelPage(s.layout(r, ""), p))
	case errors.As(err, &msg):
		p := s.traineeChangeProps(r, c, a, false)
		p.Errors = web.Errors{{Field: "reason", Message: string(msg)}}
		s.render(w, r, http.StatusConflict, web.CancelPage(s.layout(r, ""), p))
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.flash(r, "Your session on "+web.TimeRange(a.Start, a.End)+" is cancelled")
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
	}
}

var errReasonNeeded = errors.New("a reason is needed for a late change")

// sessionOutcome words what has already happened to a session that is no
// longer booked, for the message that answers a repeated action.
func sessionOutcome(a store.Appointment) string {
	switch a.Status {
	case "cancelled":
		return "cancelled"
	case "attended":
		return "recorded as taken place"
	case "not_attended":
		return "recorded as missed"
	}
	return a.Status
}

// cancelAppointment cancels under the 24-hour rule, records the ledger
// steps, the timeline and audit, and sends the cancelled invitations.
func (s *Server) cancelAppointment(ctx context.Context, a store.Appointment, by booking.Who, change booking.Change, reason string) error {
	return s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		if _, err := st.LockReferral(ctx, a.ReferralID); err != nil {
			return err
		}
		return s.cancelLocked(ctx, st, tx, a.ID, by, change, reason)
	})
}

// cancelLocked is cancelAppointment inside a transaction that already holds
// the referral's row lock.
func (s *Server) cancelLocked(ctx context.Context, st *store.Store, tx pgxTx, id int64, by booking.Who, change booking.Change, reason string) error {
	cur, err := st.LockAppointment(ctx, id)
	if err != nil {
		return err
	}
	if cur.Status != "booked" {
		return errConflictMsg("This session is already " + sessionOutcome(cur) + ". Nothing was changed")
	}
	d := booking.Cancel(cur.Start, s.now(), by, change)
	if d.TooLate {
		return errConflictMsg(d.Explanation)
	}
	if d.ReasonRequired && len(reason) == 0 {
		return errReasonNeeded
	}
	if err := st.CancelAppointment(ctx, cur.ID, string(by), reason, d.Late, s.now()); err != nil {
		return err
	}
	for _, step := range d.Ledger {
		if err := st.AddAllowance(ctx, cur.ReferralID, step.Kind, step.Sessions, actorFrom(ctx).StaffID, d.Explanation, s.now()); err != nil {
			return err
		}
	}
	actorKind := "public"
	if by != booking.WhoTrainee || actorFrom(ctx).Kind == policy.Staff {
		actorKind = "staff"
	}
	detail := d.Explanation
	if reason != "" {
		detail += " Reason: " + reason
	}
	if err := st.AddEvent(ctx, cur.ReferralID, s.now(), "cancelled", actorKind, actorFrom(ctx).StaffID, detail); err != nil {
		return err
	}
	if err := s.audit(ctx, st, "cancel", "appointment", strconv.FormatInt(cur.ID, 10), store.OutcomeSuccess, string(by)); err != nil {
		return err
	}
	cur.Sequence++
	subject := "Your careers support session is cancelled"
	if by == booking.WhoCoach || by == booking.WhoCoordinator {
		subject = "Your coach has cancelled a session: you keep it in your allowance and can book another time"
	}
	return s.sendInvites(ctx, tx, cur, true, subject)
}

// staffAppointment loads an appointment for a staff action and applies
// policy's change table to its referral: someone else's client's
// appointment answers 404, an action the person's roles do not allow 403.
func (s *Server) staffAppointment(w http.ResponseWriter, r *http.Request, act policy.Action) (store.Appointment, store.ReferralCard, bool) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	a, err := s.store.AppointmentByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.renderNotFound(w, r)
		return a, store.ReferralCard{}, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return a, store.ReferralCard{}, false
	}
	c, err := s.store.ReferralCardByReference(r.Context(), a.Reference)
	if err != nil {
		s.serverError(w, r, err)
		return a, c, false
	}
	if !s.allowChange(w, r, act, "appointment", strconv.FormatInt(a.ID, 10), c) {
		return a, c, false
	}
	return a, c, true
}

// staffCancel is a cancellation by the coach or the unit: it never costs
// the trainee a session.
func (s *Server) staffCancel(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.staffAppointment(w, r, policy.CancelSession)
	if !ok {
		return
	}
	by := booking.WhoCoordinator
	if actorFrom(r.Context()).StaffID == a.CoachID {
		by = booking.WhoCoach
	}
	err := s.cancelAppointment(r.Context(), a, by, booking.ChangeCancel, r.PostFormValue("reason-"+strconv.FormatInt(a.ID, 10)))
	s.afterStaffAction(w, r, c, err, "Session cancelled. The trainee keeps it in their allowance and has been told")
}

// recordAttendance records whether a session took place; a missed session
// counts as used (the ledger shows it as forfeited) unless waived.
func (s *Server) recordAttendance(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, c, ok := s.staffAppointment(w, r, policy.RecordAttendance)
	if !ok {
		return
	}
	attended := r.PostFormValue("attended") == "yes"
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		if _, err := st.LockReferral(ctx, a.ReferralID); err != nil {
			return err
		}
		cur, err := st.LockAppointment(ctx, a.ID)
		if err != nil {
			return err
		}
		if cur.Status != "booked" {
			return errConflictMsg("This session is already " + sessionOutcome(cur) + ". Nothing was changed")
		}
		if cur.Start.After(s.now()) {
			return errConflictMsg("This session has not started yet")
		}
		if err := st.RecordAttendance(ctx, cur.ID, attended, s.now()); err != nil {
			return err
		}
		steps, detail := booking.NoShow(), "The trainee did not attend the session on "+web.TimeRange(cur.Start, cur.End)+": it counts as used unless waived"
		if attended {
			steps, detail = booking.Attended(), "Session took place: "+web.TimeRange(cur.Start, cur.End)
		}
		for _, step := range steps {
			if err := st.AddAllowance(ctx, cur.ReferralID, step.Kind, step.Sessions, actorFrom(ctx).StaffID, detail, s.now()); err != nil {
				return err
			}
		}
		if err := st.AddEvent(ctx, cur.ReferralID, s.now(), "attendance", "staff", actorFrom(ctx).StaffID, detail); err != nil {
			return err
		}
		if err := s.audit(ctx, st, "attendance", "appointment", strconv.FormatInt(cur.ID, 10), store.OutcomeSuccess, strconv.FormatBool(attended)); err != nil {
			return err
		}
		if !attended {
			return nil
		}
		// Ask the trainee for their summary.
		link, err := s.traineeLink(ctx, st, cur.TraineeEmail)
		if err != nil {
			return err
		}
		return s.letter(ctx, tx, cur.ReferralID, "summary_request:"+strconv.FormatInt(cur.ID, 10), "summary_request",
			mail.Address{Name: cur.TraineeName, Email: cur.TraineeEmail}, notify.Letter{
				Subject: "Your summary and action plan", Greeting: "Dear " + cur.TraineeName + ",",
				Paragraphs: []string{"Thank you for your careers support session on " + web.TimeRange(cur.Start, cur.End) + ".",
					"Please take a few minutes to write a short summary and action plan: what you learnt about yourself, your options, where you have got to, and your next steps with dates. You decide whether it is shared with your Case Manager, if you have one."},
				Link: link, LinkLabel: "Write your summary (the link signs you in; it works once, for " + auth.LifetimeText(auth.StatusLinkTTL) + ")"})
	})
	s.afterStaffAction(w, r, c, err, "Attendance recorded")
}

// waiveAppointment gives back a session lost to a late change or a missed
// session (a coordinator or PSU lead, with a reason).
func (s *Server) waiveAppointment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, c, ok := s.staffAppointment(w, r, policy.WaiveForfeit)
	if !ok {
		return
	}
	reason := r.PostFormValue("waive-" + strconv.FormatInt(a.ID, 10))
	if len(reason) == 0 {
		s.afterStaffAction(w, r, c, errConflictMsg("Enter why you are giving the session back"), "")
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		if _, err := st.LockReferral(ctx, a.ReferralID); err != nil {
			return err
		}
		cur, err := st.LockAppointment(ctx, a.ID)
		if err != nil {
			return err
		}
		if cur.WaivedAt != nil {
			return errConflictMsg("This session was given back already, on " + web.DateTime(*cur.WaivedAt) + ". Nothing was changed")
		}
		if err := st.WaiveAppointment(ctx, a.ID, reason, s.now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errConflictMsg("There is no lost session to give back for this appointment")
			}
			return err
		}
		for _, step := range booking.Waive() {
			if err := st.AddAllowance(ctx, a.ReferralID, step.Kind, step.Sessions, actorFrom(ctx).StaffID, reason, s.now()); err != nil {
				return err
			}
		}
		if err := st.AddEvent(ctx, a.ReferralID, s.now(), "waived", "staff", actorFrom(ctx).StaffID, "Session given back: "+reason); err != nil {
			return err
		}
		return s.audit(ctx, st, "waive", "appointment", strconv.FormatInt(a.ID, 10), store.OutcomeSuccess, "")
	})
	s.afterStaffAction(w, r, c, err, "Session given back to the trainee's allowance")
}

func (s *Server) afterStaffAction(w http.ResponseWriter, r *http.Request, c store.ReferralCard, err error, done string) {
	var msg errConflictMsg
	switch {
	case errors.As(err, &msg):
		s.conflictPage(w, r, c, string(msg))
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.flash(r, done)
		// A coach acting from their home goes back to it (the next thing
		// to record is there).
		if r.PostFormValue("back") == "home" && actorFrom(r.Context()).Has(policy.Coach) {
			http.Redirect(w, r, "/staff/coach", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/staff/referrals/"+c.Reference, http.StatusSeeOther)
	}
}

// confirmMeeting is the coach's confirmation that a session took place; it
// tells the Case Manager (if the referral has one) that the meeting happened.
func (s *Server) confirmMeeting(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, c, ok := s.staffAppointment(w, r, policy.ConfirmMeeting)
	if !ok {
		return
	}
	// Only the coach who held the session confirms it (after a move to
	// another coach, the new coach cannot confirm the old coach's sessions).
	if actorFrom(ctx).StaffID != a.CoachID {
		s.deny(w, r, "appointment", strconv.FormatInt(a.ID, 10))
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		cur, err := st.LockAppointment(ctx, a.ID)
		if err != nil {
			return err
		}
		switch {
		case cur.MeetingConfirmedAt != nil:
			return errConflictMsg("You confirmed this meeting already, on " + web.DateTime(*cur.MeetingConfirmedAt) + ". Nothing was changed")
		case cur.Status != "attended":
			return errConflictMsg("Record the session as taken place first, then confirm the meeting")
		}
		if err := st.ConfirmMeeting(ctx, a.ID, s.now()); err != nil {
			return err
		}
		if err := st.AddEvent(ctx, a.ReferralID, s.now(), "meeting_confirmed", "staff", actorFrom(ctx).StaffID,
			"The coach confirmed the meeting on "+web.TimeRange(a.Start, a.End)+" took place"); err != nil {
			return err
		}
		if err := s.audit(ctx, st, "confirm_meeting", "appointment", strconv.FormatInt(a.ID, 10), store.OutcomeSuccess, ""); err != nil {
			return err
		}
		if c.Owners.CaseManagerID == 0 {
			return nil
		}
		cm, err := st.StaffUserByID(ctx, c.Owners.CaseManagerID)
		if err != nil {
			return err
		}
		if err := s.letter(ctx, tx, a.ReferralID, "meeting_confirmed:"+strconv.FormatInt(a.ID, 10), "meeting_confirmed",
			mail.Address{Name: cm.Name, Email: cm.Email}, notify.Letter{
				Subject: "Careers support session took place: referral " + a.Reference, Greeting: "Dear " + cm.Name + ",",
				Paragraphs: []string{"The coach confirms that a careers support session with the trainee took place on " + web.TimeRange(a.Start, a.End) + " (referral " + a.Reference + ").",
					"What the trainee discusses is confidential. If they choose to share their summary with you, it comes in a separate email."}}); err != nil {
			return err
		}
		// The summary goes now if the trainee has already agreed.
		return s.sendSummaryIfDue(ctx, st, tx, a.ID)
	})
	s.afterStaffAction(w, r, c, err, "Meeting confirmed")
}
