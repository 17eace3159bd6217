package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"careers/internal/booking"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/policy"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/web"
)

const summaryActions = 3

// Repeats of a summary action that has already happened, answered with a
// message on the summary page.
var (
	errAlreadySubmitted = errors.New("summary already submitted")
	errNotSubmitted     = errors.New("summary not submitted yet")
	errSameChoice       = errors.New("sharing choice unchanged")
)

func summaryProps(c store.ReferralCard, a store.Appointment, sum store.Summary, hasCM bool) web.SummaryProps {
	p := web.SummaryProps{Reference: c.Reference, When: web.TimeRange(a.Start, a.End), Coach: a.CoachName,
		SelfAwareness: sum.SelfAwareness, Options: sum.Options, Decision: sum.Decision, Submitted: sum.SubmittedAt != nil,
		HasCM: hasCM, Sent: sum.SentAt != nil, Back: "/your-referrals/" + c.Reference,
		Action:      "/your-referrals/" + c.Reference + "/appointments/" + strconv.FormatInt(a.ID, 10) + "/summary",
		ShareAction: "/your-referrals/" + c.Reference + "/appointments/" + strconv.FormatInt(a.ID, 10) + "/share"}
	if sum.ShareChangedAt != nil {
		p.Share = "no"
		if sum.Share {
			p.Share = "yes"
		}
	}
	for _, x := range sum.Actions {
		p.Actions = append(p.Actions, web.SummaryAction{Action: x.Action, By: x.By})
	}
	for len(p.Actions) < summaryActions && !p.Submitted {
		p.Actions = append(p.Actions, web.SummaryAction{})
	}
	return p
}

// summaryTarget loads the trainee's appointment for a summary: it must have
// taken place.
func (s *Server) summaryTarget(w http.ResponseWriter, r *http.Request) (store.ReferralCard, store.Appointment, bool) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return c, store.Appointment{}, false
	}
	a, ok := s.appointmentFor(w, r, c)
	if !ok {
		return c, a, false
	}
	if a.Status != "attended" {
		s.flash(r, "You can write a summary once your coach has recorded that the session took place")
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
		return c, a, false
	}
	return c, a, true
}

func (s *Server) summaryForm(w http.ResponseWriter, r *http.Request) {
	c, a, ok := s.summaryTarget(w, r)
	if !ok {
		return
	}
	sum, err := s.store.SummaryForAppointment(r.Context(), a.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.SummaryPage(s.layout(r, ""), summaryProps(c, a, sum, c.Owners.CaseManagerID != 0)))
}

// saveSummary saves a draft or submits the summary; on submit the consent
// choice is recorded and, if the meeting is already confirmed, the summary
// goes to the Case Manager now.
func (s *Server) saveSummary(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a, ok := s.summaryTarget(w, r)
	if !ok {
		return
	}
	submit := r.PostFormValue("intent") == "submit"
	sum := store.Summary{AppointmentID: a.ID, ReferralID: c.ID,
		SelfAwareness: strings.TrimSpace(r.PostFormValue("self_awareness")), Options: strings.TrimSpace(r.PostFormValue("options")),
		Decision: strings.TrimSpace(r.PostFormValue("decision"))}
	var errs web.Errors
	for _, f := range []struct{ id, v, missing string }{
		{"self_awareness", sum.SelfAwareness, "Write something about what you learnt about yourself"},
		{"options", sum.Options, "Write something about your options"},
		{"decision", sum.Decision, "Say where you have got to, even if you are still deciding"},
	} {
		if referral.CountCharacters(f.v) > referral.TextLimit {
			errs.Add(f.id, "This must be 1,500 characters or fewer")
		} else if submit && f.v == "" {
			errs.Add(f.id, f.missing)
		}
	}
	for i := 1; i <= summaryActions; i++ {
		act, by := strings.TrimSpace(r.PostFormValue("action_"+strconv.Itoa(i))), strings.TrimSpace(r.PostFormValue("by_"+strconv.Itoa(i)))
		if act == "" && by == "" {
			continue
		}
		if by != "" {
			if _, err := booking.ParseDate(by); err != nil {
				errs.Add("by_"+strconv.Itoa(i), "Enter the date as year-month-day, like 2027-01-31")
			}
		}
		if act == "" {
			errs.Add("action_"+strconv.Itoa(i), "Enter the action for this date")
		}
		sum.Actions = append(sum.Actions, store.Action{Action: act, By: by})
	}
	if submit && len(sum.Actions) == 0 {
		errs.Add("action_1", "Add at least one action, with a date if you can")
	}
	share := r.PostFormValue("share")
	if submit && c.Owners.CaseManagerID != 0 && share != "yes" && share != "no" {
		errs.Add("share", "Say whether we can share the summary with your Case Manager")
	}
	fields := []string{"self_awareness", "options", "decision"}
	for i := 1; i <= summaryActions; i++ {
		fields = append(fields, "action_"+strconv.Itoa(i), "by_"+strconv.Itoa(i))
	}
	errs = withFormErrors(r, errs, append(fields, "share")...)
	if errs.Any() {
		p := summaryProps(c, a, sum, c.Owners.CaseManagerID != 0)
		p.Errors, p.Share = errs, share
		s.render(w, r, http.StatusUnprocessableEntity, web.SummaryPage(s.layout(r, ""), p))
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		// A submitted summary no longer changes: a second submission (or a
		// draft saved from a stale page) is answered, not silently dropped.
		if prev, err := st.LockSummary(ctx, a.ID); err == nil && prev.SubmittedAt != nil {
			return errAlreadySubmitted
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := st.SaveSummary(ctx, sum, submit, s.now()); err != nil {
			return err
		}
		if !submit {
			return nil
		}
		if c.Owners.CaseManagerID != 0 {
			if err := st.SetShare(ctx, a.ID, share == "yes", s.now()); err != nil {
				return err
			}
		}
		if err := st.AddEvent(ctx, c.ID, s.now(), "summary", "public", 0, "The trainee submitted their summary for the session on "+web.TimeRange(a.Start, a.End)); err != nil {
			return err
		}
		if err := s.audit(ctx, st, "summary_submitted", "appointment", strconv.FormatInt(a.ID, 10), store.OutcomeSuccess, "share: "+share); err != nil {
			return err
		}
		return s.sendSummaryIfDue(ctx, st, tx, a.ID)
	})
	switch {
	case errors.Is(err, errAlreadySubmitted):
		s.flash(r, "You submitted this summary already, so nothing was changed. You can still change whether it is shared until it is sent")
		http.Redirect(w, r, "/your-referrals/"+c.Reference+"/appointments/"+strconv.FormatInt(a.ID, 10)+"/summary", http.StatusSeeOther)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if submit {
		s.flash(r, "Your summary is submitted")
	} else {
		s.flash(r, "Draft saved")
	}
	http.Redirect(w, r, "/your-referrals/"+c.Reference+"/appointments/"+strconv.FormatInt(a.ID, 10)+"/summary", http.StatusSeeOther)
}

// changeShare records a change of mind about sharing, until it is sent.
func (s *Server) changeShare(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, a, ok := s.summaryTarget(w, r)
	if !ok {
		return
	}
	share := r.PostFormValue("share")
	if share != "yes" && share != "no" {
		s.flash(r, "Choose whether to share your summary")
		http.Redirect(w, r, "/your-referrals/"+c.Reference+"/appointments/"+strconv.FormatInt(a.ID, 10)+"/summary", http.StatusSeeOther)
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		prev, err := st.LockSummary(ctx, a.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && prev.SubmittedAt == nil) {
			return errNotSubmitted
		}
		if err != nil {
			return err
		}
		if prev.SentAt == nil && prev.ShareChangedAt != nil && prev.Share == (share == "yes") {
			return errSameChoice
		}
		if err := st.SetShare(ctx, a.ID, share == "yes", s.now()); err != nil {
			return err
		}
		detail := "The trainee withdrew consent to share their summary"
		if share == "yes" {
			detail = "The trainee agreed to share their summary with their Case Manager"
		}
		if err := st.AddEvent(ctx, c.ID, s.now(), "consent", "public", 0, detail); err != nil {
			return err
		}
		if err := s.audit(ctx, st, "summary_consent", "appointment", strconv.FormatInt(a.ID, 10), store.OutcomeSuccess, share); err != nil {
			return err
		}
		return s.sendSummaryIfDue(ctx, st, tx, a.ID)
	})
	switch {
	case errors.Is(err, errNotSubmitted):
		s.flash(r, "Submit your summary first; you choose whether it is shared when you submit it")
	case errors.Is(err, errSameChoice):
		s.flash(r, "That was already your choice, so nothing was changed")
	case errors.Is(err, store.ErrConflict):
		s.flash(r, "Your summary has already been sent, so this can no longer change")
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		s.flash(r, "Your choice is saved")
	}
	http.Redirect(w, r, "/your-referrals/"+c.Reference+"/appointments/"+strconv.FormatInt(a.ID, 10)+"/summary", http.StatusSeeOther)
}

// sendSummaryIfDue sends a summary to the Case Manager when every condition
// holds: the coach has confirmed the meeting, the trainee has submitted the
// summary and agreed to share it, it has not been sent, and the referral has
// a Case Manager. Consent that comes later sends it later; consent withheld
// never sends it.
func (s *Server) sendSummaryIfDue(ctx context.Context, st *store.Store, tx pgxTx, appointmentID int64) error {
	a, err := st.AppointmentByID(ctx, appointmentID)
	if err != nil {
		return err
	}
	sum, err := st.LockSummary(ctx, appointmentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.MeetingConfirmedAt == nil || sum.SubmittedAt == nil || !sum.Share || sum.SentAt != nil {
		return nil
	}
	c, err := st.ReferralCardByReference(ctx, a.Reference)
	if err != nil || c.Owners.CaseManagerID == 0 {
		return err
	}
	cm, err := st.StaffUserByID(ctx, c.Owners.CaseManagerID)
	if err != nil {
		return err
	}
	m, err := notify.Write(ctx, notify.Letter{Subject: "Summary from a careers support session: referral " + a.Reference, Greeting: "Dear " + cm.Name + ",",
		Paragraphs: []string{"The trainee has agreed to share their summary and action plan from their careers support session on " + web.TimeRange(a.Start, a.End) + ". It is attached.",
			"Please keep it confidential."},
		Link: s.cfg.BaseURL.String() + "/staff/referrals/" + a.Reference + "/summaries", LinkLabel: "Read it in careers support (sign-in needed)"})
	if err != nil {
		return err
	}
	m.To = []mail.Address{{Name: cm.Name, Email: cm.Email}}
	m.Attachments = []mail.Attachment{{Filename: "summary-" + a.Reference + ".txt", ContentType: "text/plain; charset=utf-8", Content: []byte(summaryText(a, sum))}}
	if err := s.enqueue(ctx, tx, "summary:"+strconv.FormatInt(a.ID, 10), "summary_to_case_manager", &a.ReferralID, m); err != nil {
		return err
	}
	if err := st.MarkSummarySent(ctx, a.ID, s.now()); err != nil {
		return err
	}
	return st.AddEvent(ctx, a.ReferralID, s.now(), "summary_sent", "system", 0, "The trainee's summary was sent to their Case Manager, with their consent")
}

func summaryText(a store.Appointment, sum store.Summary) string {
	var b strings.Builder
	b.WriteString("Careers support summary and action plan\nReferral " + a.Reference + ", session on " + web.TimeRange(a.Start, a.End) + "\n\n")
	b.WriteString("1. Self-awareness\n" + sum.SelfAwareness + "\n\n2. Options and information\n" + sum.Options + "\n\n3. Decision\n" + sum.Decision + "\n\n4. Actions\n")
	for _, x := range sum.Actions {
		b.WriteString("- " + x.Action)
		if x.By != "" {
			b.WriteString(" (by " + x.By + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// staffSummaries shows a referral's summaries to the staff who may read
// them (policy's audience table): the coach, all submitted; the Case
// Manager, those shared with them.
// Every view is audited.
func (s *Server) staffSummaries(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := s.referralChange(w, r, policy.ReadSummaries)
	if !ok {
		return
	}
	// The audience table decides: the coach reads every submitted
	// summary, the Case Manager those the trainee shared; coordinators and
	// leads none.
	au := audienceFor(r, c.Owners)
	if !au.Any(policy.InfoSummaries) {
		s.deny(w, r, "summaries", c.Reference)
		return
	}
	sums, err := s.store.ReferralSummaries(ctx, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	appts, err := s.store.ReferralAppointments(ctx, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	when := map[int64]string{}
	for _, ap := range appts {
		when[ap.ID] = web.TimeRange(ap.Start, ap.End)
	}
	var out []web.SharedSummary
	for _, sm := range sums {
		if !sharedSummary(au, sm.SubmittedAt != nil, sm.SentAt) {
			continue
		}
		shared := "Not shared with the Case Manager"
		if sm.SentAt != nil {
			shared = "Shared with the Case Manager on " + web.DateTime(*sm.SentAt)
		} else if sm.Share {
			shared = "The trainee agreed to share it; it goes once the meeting is confirmed"
		}
		ws := web.SharedSummary{When: when[sm.AppointmentID], SelfAwareness: sm.SelfAwareness, Options: sm.Options, Decision: sm.Decision, Shared: shared}
		for _, x := range sm.Actions {
			ws.Actions = append(ws.Actions, web.SummaryAction{Action: x.Action, By: x.By})
		}
		out = append(out, ws)
	}
	if err := s.auditView(r, "view_summaries", "referral", c.Reference, store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.SummariesPage(s.layout(r, ""), c.Reference, out))
}
