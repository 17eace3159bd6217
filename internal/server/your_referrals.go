package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/intake"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/internal/workshops"
	"careers/web"
)

var londonTZ = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}()

// publicReferral is a referral as its trainee or referrer sees it in a
// list: the status, for those the audience table lets see it. email is the
// signed-in person's address (for asking for a new confirmation link).
func publicReferral(au policy.Audience, c store.ReferralCard, email string) web.PublicReferral {
	p := web.PublicReferral{Reference: c.Reference, TraineeName: c.TraineeName,
		SubmittedAt: web.Date(c.SubmittedAt), AsReferrer: !au.Is(policy.ViewerTrainee), Email: email}
	p.Status = au.StatusOf(c.Status)
	return p
}

// yourReferrals lists the referrals a signed-in trainee or referrer is part of.
func (s *Server) yourReferrals(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	// Their referrals and their workshop registrations: read with the
	// session (prefetchPages) when those rows are theirs, else now, in
	// one round trip.
	cards, regs, ok := store.PrefetchedYourPage(r.Context(), a.Email)
	if !ok {
		var err error
		if cards, regs, err = s.store.ReferralCardsAndRegistrations(r.Context(), a.Email); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	refs := make([]web.PublicReferral, 0, len(cards))
	for _, c := range cards {
		if policy.Referral(a, policy.ViewReferralStatus, c.Owners) == policy.Allow {
			refs = append(refs, publicReferral(policy.AudienceOf(a, c.Owners), c, a.Email))
		}
	}
	// Their workshop registrations (ws-core), beside their referrals.
	ws := make([]web.YourWorkshop, 0, len(regs))
	for _, x := range regs {
		status := workshops.StatusLabel(x.Registration.Status)
		if x.Workshop.Status == workshops.WorkshopCancelled {
			status = "Workshop cancelled"
		}
		ws = append(ws, web.YourWorkshop{Slug: x.Workshop.Slug, Title: x.Workshop.Title,
			When: workshops.When(x.Workshop.StartsAt, x.Workshop.EndsAt), Status: status})
	}
	s.render(w, r, http.StatusOK, web.YourReferralsPage(s.layout(r, ""), refs, ws))
}

// referralFor loads the referral in the URL and applies the policy for
// action: other people's referrals answer exactly like missing ones.
func (s *Server) referralFor(w http.ResponseWriter, r *http.Request, action policy.Action) (store.ReferralCard, bool) {
	c, ok := s.cardByReference(w, r)
	return c, ok && s.allowReferral(w, r, action, c)
}

// cardByReference loads the referral in the URL; if there is none it has
// answered (404, as for someone else's).
// A card read with the session (prefetchPages) is taken as read now.
func (s *Server) cardByReference(w http.ResponseWriter, r *http.Request) (store.ReferralCard, bool) {
	ref := chi.URLParam(r, "reference")
	if c, ok := store.PrefetchedCard(r.Context(), ref); ok {
		return c, true
	}
	c, err := s.store.ReferralCardByReference(r.Context(), ref)
	if errors.Is(err, store.ErrNotFound) {
		s.renderNotFound(w, r)
		return c, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return c, false
	}
	return c, true
}

// allowReferral applies the policy for action to a loaded referral and
// audits the view; on refusal it has answered.
func (s *Server) allowReferral(w http.ResponseWriter, r *http.Request, action policy.Action, c store.ReferralCard) bool {
	if !s.permitReferral(w, r, action, c) {
		return false
	}
	if err := s.auditView(r, string(action), "referral", c.Reference, store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return false
	}
	return true
}

// permitReferral is allowReferral without the view's audit row, for a
// page that writes it with its own reads (the booking page,
// store.BookingPage): the caller must write it before showing anything.
func (s *Server) permitReferral(w http.ResponseWriter, r *http.Request, action policy.Action, c store.ReferralCard) bool {
	switch policy.Referral(actorFrom(r.Context()), action, c.Owners) {
	case policy.Allow:
		return true
	case policy.Forbid:
		s.deny(w, r, "referral", c.Reference)
	default:
		s.hide(w, r, "referral", c.Reference)
	}
	return false
}

func (s *Server) yourReferral(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferralStatus)
	if !ok {
		return
	}
	p, err := s.yourReferralProps(r, c)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.YourReferralPage(s.layout(r, ""), p))
}

// yourReferralProps lays out the trainee's or referrer's page, each part
// as the audience table allows: the referrer sees the status only.
func (s *Server) yourReferralProps(r *http.Request, c store.ReferralCard) (web.PublicReferral, error) {
	au := audienceFor(r, c.Owners)
	p := publicReferral(au, c, actorFrom(r.Context()).Email)
	p.CanWithdraw = au.Is(policy.ViewerTrainee) && triage.IsOpen(triage.State(c.Status))
	if au.Full(policy.InfoAppointments) {
		care, err := s.traineeCare(r.Context(), c, au)
		if err != nil {
			return p, err
		}
		if care != nil {
			care.Ref = p
		}
		p.Care = care
	}
	outcomesPrompt, err := s.outcomesPrompt(r.Context(), au, c)
	if err != nil {
		return p, err
	}
	p.Outcomes = outcomesPrompt
	if c.Status == string(triage.StateInfoRequested) && au.Sees(policy.InfoTriage, policy.SentToThem) {
		qs, err := s.store.InfoRequests(r.Context(), c.ID)
		if err != nil {
			return p, err
		}
		if n := len(qs); n > 0 && qs[n-1].AnsweredAt == nil {
			p.Question = qs[n-1].Question
		}
	}
	if err := s.traineeOwnProps(r.Context(), au, c, &p); err != nil {
		return p, err
	}
	return p, nil
}

// answerQuestion records the trainee's answer; the referral goes back to
// the coordinators' queue.
func (s *Server) answerQuestion(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	answer := strings.TrimSpace(r.PostFormValue("answer"))
	var errs web.Errors
	if answer == "" {
		errs.Add("answer", "Enter your answer")
	} else if len([]rune(answer)) > 3000 {
		errs.Add("answer", "Your answer must be 3,000 characters or fewer")
	}
	if errs.Any() {
		p, err := s.yourReferralProps(r, c)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Errors, p.Answer = errs, answer
		s.render(w, r, http.StatusUnprocessableEntity, web.YourReferralPage(s.layout(r, ""), p))
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		cur, err := st.LockReferral(ctx, c.ID)
		if err != nil {
			return err
		}
		next, err := triage.Next(triage.State(cur.Status), triage.ActionInfoAnswered)
		if err != nil {
			return store.ErrConflict
		}
		if err := st.AnswerInfo(ctx, c.ID, answer, s.now()); err != nil {
			return err
		}
		if err := st.ApplyChange(ctx, c.ID, store.Change{Status: string(next), At: s.now()}); err != nil {
			return err
		}
		if err := st.AddEvent(ctx, c.ID, s.now(), "info_answered", "public", 0, "The trainee answered: "+answer); err != nil {
			return err
		}
		if err := s.tellTeamAnswered(ctx, st, tx, c.ID, c.Reference, cur.Version); err != nil {
			return err
		}
		return s.audit(ctx, st, "info_answered", "referral", c.Reference, store.OutcomeSuccess, "")
	})
	if errors.Is(err, store.ErrConflict) {
		s.flash(r, "There is no open question on this referral")
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "Thank you. We have your answer, and a coordinator will look at your referral again")
	http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
}

// staffReferral is the staff view of one referral: the policy on the
// referral's card first (so someone else's referral answers as quickly as
// a missing one, and nothing more is read for a refusal), then the view's
// audit row and the page's data in one round trip.
func (s *Server) staffReferral(w http.ResponseWriter, r *http.Request) {
	c, ok := s.cardByReference(w, r)
	if !ok || !s.permitReferral(w, r, policy.ViewReferral, c) {
		return
	}
	ctx := r.Context()
	e := s.auditEntry(ctx, string(policy.ViewReferral), "referral", c.Reference, store.OutcomeSuccess)
	pg, err := s.store.ReferralPageAudited(ctx, e, c.Reference, actorFrom(ctx).Has(policy.Coordinator))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.staffReferralPageProps(r, c, pg)
	p.QueueList = queueListOf(r) // referral_queue_next.go
	s.render(w, r, http.StatusOK, web.StaffReferralPage(s.layout(r, ""), p))
}

// staffReferralProps reads the referral page's data (one statement) and
// lays it out.
func (s *Server) staffReferralProps(r *http.Request, c store.ReferralCard) (web.StaffReferralProps, error) {
	pg, err := s.store.ReferralPageByReference(r.Context(), c.Reference, actorFrom(r.Context()).Has(policy.Coordinator))
	if err != nil {
		return web.StaffReferralProps{}, err
	}
	return s.staffReferralPageProps(r, c, pg), nil
}

// staffReferralPageProps lays out the referral page read for c.
func (s *Server) staffReferralPageProps(r *http.Request, c store.ReferralCard, pg store.ReferralPage) web.StaffReferralProps {
	p := s.referralPageProps(r, pg)
	p.Ratings = clientRatings(audienceFor(r, c.Owners), pg.Ratings)
	return p
}

// referralPageProps lays out the staff referral page; it reads nothing.
// Every section asks the reader's audience first (policy/audience.go):
// what they may not see never reaches the props.
func (s *Server) referralPageProps(r *http.Request, pg store.ReferralPage) web.StaffReferralProps {
	d, c := pg.Detail, pg.Detail.ReferralCard
	au := audienceFor(r, c.Owners)
	p := web.StaffReferralProps{Row: cardRow(au, c)}
	elig := eligibilityFor(au, d.Eligibility, d.EligibilityReasons, d.Override, d.OverrideReason)
	p.Eligibility, p.EligibilityLabel, p.EligibilityReasons = elig.Result, elig.Label, elig.Reasons
	p.Override, p.OverrideReason = elig.Override, elig.OverrideReason
	p.Sections = answerSections(au, d.Route, d.ConfirmedAt != nil, d.Answers, func(t string) string { return staffSectionTitle(d.Route, t) })
	if au.Full(policy.InfoReferrerSent) {
		if d.FormC != nil {
			p.FormC = d.FormC.Filename + " (" + sizeText(d.FormC.Size) + ")"
			p.FormCLink = "/staff/referrals/" + c.Reference + "/form-c"
		}
		if d.FormDSessions > 0 {
			p.FormD = []web.AnswerRow{
				{Key: "Form D: sessions requested", Value: []string{strconv.Itoa(d.FormDSessions)}},
				{Key: "Form D: funding reference", Value: []string{orNotGiven(d.FormDReference)}},
				{Key: "Form D: status", Value: []string{formDStatus(d.FormDStatus)}},
			}
		}
	}
	p.Timeline = timelineFor(au, d.Events, pg.Notifications)
	p.Waiting = d.Status == "awaiting_trainee" && policy.Can(actorFrom(r.Context()), policy.Triage, d.Owners)
	if au.Full(policy.InfoInternal) {
		p.ClosingNote = pg.ClosingNote
	}
	if au.Full(policy.InfoOutcome) && pg.Outcome != "" {
		// A referrer sees the outcome only if the trainee agreed; no such
		// agreement is recorded yet, so only those with the full cell do.
		p.Outcome = triage.Outcome(pg.Outcome).Label()
	}
	p.Meetings = meetingsFor(au, pg.Appointments)
	if pg.State.CoachID != 0 && au.Any(policy.InfoSummaries) {
		p.SummariesLink = "/staff/referrals/" + c.Reference + "/summaries"
	}
	s.triageProps(r, au, pg, &p)
	return p
}

// triageProps adds what triage needs to the referral page: the decisions
// this person may take in this state, the response deadline, coaches to
// choose from (with the suggestion), the allowance ledger, notes, questions
// and extension requests. A handful of queries, none per row.
func (s *Server) triageProps(r *http.Request, au policy.Audience, pg store.ReferralPage, p *web.StaffReferralProps) {
	a := actorFrom(r.Context())
	d, st := pg.Detail, pg.State
	p.Version = st.Version
	state := triage.State(st.Status)
	// Buttons and links follow policy's change table, as the routes do.
	may := func(act policy.Action) bool { return policy.Can(a, act, d.Owners) }
	can := map[string]bool{}
	for _, act := range triage.Allowed(state) {
		switch act {
		case triage.ActionAccept, triage.ActionDecline, triage.ActionRequestInfo, triage.ActionAllocate, triage.ActionReallocate, triage.ActionClose:
			can[string(act)] = may(policy.Triage)
		case triage.ActionReopen:
			can[string(act)] = may(policy.Reopen)
		}
	}
	can["override"] = may(policy.Triage) && triage.IsOpen(state)
	can["note"] = may(policy.AddNote)
	can["funding"] = may(policy.DecideFunding) && st.FormDStatus == "requested"
	can["extension"] = may(policy.RequestExtension) && (state == triage.StateAllocated || state == triage.StateActive)
	can["decide_extension"] = may(policy.DecideExtension)
	can["summaries"] = may(policy.ReadSummaries)
	p.Can = can

	start := d.SubmittedAt
	if d.Route != string(intake.RouteSelf) {
		start = time.Time{}
		if d.ConfirmedAt != nil {
			start = *d.ConfirmedAt
		}
	}
	var first time.Time
	if st.FirstResponseAt != nil {
		first = *st.FirstResponseAt
	}
	if au.Full(policy.InfoTriage) {
		dl := triage.ResponseDeadline(start, first, s.now())
		p.Flag = string(dl.Flag)
		p.Deadline = deadlineText(dl)
		p.CoachName = pg.CoachName
	}
	if can["allocate"] || can["reallocate"] {
		var pool []triage.Coach
		for _, c := range pg.Coaches {
			pool = append(pool, triage.Coach{ID: c.ID, Name: c.Name, Active: c.Active, Capacity: c.Capacity, Modes: c.Modes, Specialisms: c.Specialisms, IsActive: true})
		}
		{
			need := triage.Need{Mode: first1(d.Answers["mode"]), Reasons: d.Answers["reasons"], Specialty: first1(d.Answers["specialty"])}
			best, hasBest := triage.Suggest(pool, need)
			for _, rk := range triage.Rank(pool, need) {
				if rk.Coach.ID == st.CoachID && can["reallocate"] {
					continue
				}
				p.Coaches = append(p.Coaches, web.CoachOption{ID: rk.Coach.ID, Name: rk.Coach.Name, Fits: rk.Fits, Full: rk.Full,
					Load:      strconv.Itoa(rk.Coach.Active) + " of " + strconv.Itoa(rk.Coach.Capacity) + " clients",
					Suggested: hasBest && best.Coach.ID == rk.Coach.ID && can["allocate"]})
			}
		}
	}

	if au.Full(policy.InfoAppointments) {
		s.appointmentProps(a, au, may, st, pg, p)
	}
	if au.Full(policy.InfoInternal) {
		for _, n := range pg.Notes {
			p.Notes = append(p.Notes, web.NoteRow{At: n.At, Author: n.Author, Body: n.Body})
		}
	}
	if au.Full(policy.InfoTriage) {
		for _, q := range pg.Questions {
			p.Questions = append(p.Questions, web.QuestionRow{Question: q.Question, AskedAt: q.AskedAt, Answer: q.Answer})
		}
		for _, x := range pg.Extensions {
			p.Extensions = append(p.Extensions, web.ExtensionRow{ID: x.ID, Sessions: x.Sessions, Justification: x.Justification,
				RequestedBy: x.RequestedBy, RequestedAt: x.RequestedAt, Status: x.Status})
		}
	}
	for _, o := range triage.Outcomes {
		if !o.Chosen() {
			continue
		}
		p.Outcomes = append(p.Outcomes, web.Option{Value: string(o), Label: o.Label()})
	}
	for _, sp := range triage.DeclineSignposts {
		p.Signposts = append(p.Signposts, web.Option{Value: sp.Key, Label: sp.Label, Hint: sp.Text})
	}
	// Start the decline message from the eligibility check's signposting.
	var signposts []string
	if can["decline"] && au.Full(policy.InfoEligibility) {
		for _, rs := range d.EligibilityReasons {
			if rs.Signpost != "" {
				signposts = append(signposts, rs.Signpost)
			}
		}
	}
	if len(signposts) > 0 {
		p.DeclineText = "Thank you for asking for careers support. From what you told us, our unit is not the right service for you. " + strings.Join(signposts, " ")
	}
}

// appointmentProps adds the sessions and the allowance ledger, with what
// this person may do to each session, for those who see appointments in
// full.
func (s *Server) appointmentProps(a policy.Actor, au policy.Audience, may func(policy.Action) bool, st store.ReferralState, pg store.ReferralPage, p *web.StaffReferralProps) {
	p.ShowSessions = st.CoachID != 0
	appts := pg.Appointments
	for _, ap := range appts {
		row := withJoining(apptRow(ap), ap, au, false)
		row.CanChangeJoining = ap.Status == "booked" && ap.Start.After(s.now()) && a.StaffID == ap.CoachID
		started := !ap.Start.After(s.now())
		row.CanChange = ap.Status == "booked" && !started && may(policy.CancelSession)
		row.CanAttendance = ap.Status == "booked" && started && may(policy.RecordAttendance)
		row.CanConfirm = ap.Status == "attended" && ap.MeetingConfirmedAt == nil && may(policy.ConfirmMeeting) && a.StaffID == ap.CoachID
		row.CanWaive = may(policy.WaiveForfeit) && ap.WaivedAt == nil && (ap.Late || ap.Status == "not_attended")
		p.Appointments = append(p.Appointments, row)
	}
	if ok, _ := canBook(st); ok && may(policy.BookFor) {
		p.CanBook = true
	}

	events := pg.Allowance
	var les []triage.LedgerEvent
	for _, e := range events {
		les = append(les, triage.LedgerEvent{Kind: triage.LedgerKind(e.Kind), Sessions: e.Sessions})
		p.Ledger.Rows = append(p.Ledger.Rows, web.LedgerRow{At: e.At, What: triage.LedgerKind(e.Kind).Label() + ": " + strconv.Itoa(e.Sessions), Who: e.ActorName, Note: e.Note})
	}
	l := triage.Tally(les)
	p.Ledger.Allowance, p.Ledger.Used, p.Ledger.Remaining = l.Allowance, l.Used, l.Remaining
	p.Ledger.Attended, p.Ledger.Forfeited, p.Ledger.Waived = l.Attended, l.Forfeited, l.Waived

}

func first1(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}

// deadlineText words the response deadline for staff.
func deadlineText(d triage.Deadline) string {
	due := web.Date(d.Due)
	switch d.Flag {
	case triage.FlagWaiting:
		return "The 14-day clock starts when the trainee confirms"
	case triage.FlagMet:
		return "Responded"
	case triage.FlagOverdue:
		return "Overdue: the reply was due by " + due
	case triage.FlagSoon:
		if d.DaysLeft == 0 {
			return "Due today, " + due
		}
		return strconv.Itoa(d.DaysLeft) + " day(s) left: due by " + due
	}
	return strconv.Itoa(d.DaysLeft) + " days left: due by " + due
}

func orNotGiven(s string) string {
	if s == "" {
		return "Not given"
	}
	return s
}

func formDStatus(s string) string {
	switch s {
	case "requested":
		return "Requested: waiting for a PSU lead"
	case "approved":
		return "Approved"
	case "declined":
		return "Declined"
	}
	return s
}

// referralFormC downloads a referral's Form C, to the staff who may see the
// referral, as an attachment with a safe name; every download is audited.
func (s *Server) referralFormC(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	if !audienceFor(r, c.Owners).Full(policy.InfoReferrerSent) {
		s.deny(w, r, "referral", c.Reference)
		return
	}
	doc, err := s.store.ReferralDocument(r.Context(), c.ID, "form_c")
	if errors.Is(err, store.ErrNotFound) {
		s.renderNotFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.auditView(r, "download_form_c", "referral", c.Reference, store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	serveDownload(w, doc.Filename, doc.ContentType, doc.Content)
}

// staffSectionTitle words a form's page title for staff reading the answers
// (the forms speak to the person filling them in).
func staffSectionTitle(route, title string) string {
	switch title {
	case "About you":
		if route == string(intake.RouteSupervisor) {
			return "About the referrer"
		}
		return "About the trainee"
	case "Your profession":
		return "The trainee's profession"
	case "Your training":
		return "The trainee's training"
	case "Your appointments":
		return "The trainee's preferences"
	case "Your consent":
		return "The trainee's consent"
	}
	return title
}

func deliveryStatus(s string) string {
	switch s {
	case "sent":
		return "delivered"
	case "failed":
		return "not delivered"
	}
	return "waiting to send"
}
