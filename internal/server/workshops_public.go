package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/auth"
	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/jobs"
	"careers/internal/policy"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/internal/workshops"
	"careers/web"
)

// Workshops and webinars, the registrant's side (issue 16, ws-core): the
// public list and pages, registering (the same eligibility questions and
// rules as a self-referral), confirming the email, and the registrant's
// own place. Places and the waiting list are kept in the store under the
// workshop's row lock; the emails go through jobs.WorkshopMailer.

func (s *Server) workshopMailer() jobs.WorkshopMailer { return jobs.NewWorkshopMailer(s.cfg) }

// workshopCard is how the public pages show workshop w at now.
func (s *Server) workshopCard(w store.Workshop) web.WorkshopCard {
	now := s.now()
	c := web.WorkshopCard{Slug: w.Slug, Title: w.Title, When: workshops.When(w.StartsAt, w.EndsAt), Description: w.Description,
		Audience: w.Audience, Presenters: w.Presenters, State: w.RegistrationState(now)}
	c.Where = "Online"
	if w.Mode == workshops.ModeInPerson {
		c.Where = "In person: " + w.Venue
	}
	switch left := w.PlacesLeft(); {
	case w.Status == workshops.WorkshopCancelled:
		c.Places = "Cancelled"
	case left == 0 || w.Waiting > 0:
		c.Places = "Full: waiting list"
	case left == 1:
		c.Places = "1 place left"
	default:
		c.Places = strconv.Itoa(left) + " places left"
	}
	switch c.State {
	case "cancelled":
		c.Cancelled = true
		// The reason is for the people registered (their email has it):
		// staff write it for them, and it may say more than the public
		// page should ("the presenter is unwell").
		c.StateText = "This workshop has been cancelled."
	case "past":
		c.StateText = "This workshop has already taken place, so registration has closed."
	case "not_open":
		c.StateText = "Registration opens on " + workshops.At(*w.RegistrationOpensAt) + " (UK time)."
	case "closed":
		c.StateText = "Registration for this workshop has closed."
	}
	return c
}

// workshopsList is GET /workshops: what is coming.
func (s *Server) workshopsList(w http.ResponseWriter, r *http.Request) {
	ws, err := s.store.UpcomingWorkshops(r.Context(), s.now(), 200)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cards := make([]web.WorkshopCard, 0, len(ws))
	for _, x := range ws {
		cards = append(cards, s.workshopCard(x))
	}
	s.render(w, r, http.StatusOK, web.WorkshopListPage(s.layout(r, ""), cards))
}

// workshopFor loads the workshop in the URL; the not-found page otherwise.
func (s *Server) workshopFor(w http.ResponseWriter, r *http.Request) (store.Workshop, bool) {
	ws, err := s.store.WorkshopBySlug(r.Context(), chi.URLParam(r, "slug"))
	if errors.Is(err, store.ErrNotFound) {
		s.renderNotFound(w, r)
		return ws, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return ws, false
	}
	return ws, true
}

// knownDetails are the signed-in trainee's details for registering in one
// step: from their newest referral as its trainee, else from their last
// workshop registration. ok is false when there are none.
type knownDetails struct {
	name   string
	values intake.Values
	// decided is a coordinator's eligibility decision on the referral,
	// which stands over the rules.
	decided string
}

func (s *Server) detailsOf(ctx context.Context, email string) (knownDetails, bool, error) {
	cards, err := s.store.ReferralCardsForEmail(ctx, email)
	if err != nil {
		return knownDetails{}, false, err
	}
	for _, c := range cards {
		if c.Owners.TraineeEmail != email {
			continue
		}
		d, err := s.store.ReferralDetailByID(ctx, c.ID)
		if err != nil {
			return knownDetails{}, false, err
		}
		v := intake.Values{}
		for _, k := range intake.WorkshopFields {
			if x, ok := d.Answers[k]; ok {
				v[k] = x
			}
		}
		return knownDetails{name: d.TraineeName, values: v, decided: d.Override}, true, nil
	}
	regs, err := s.store.WorkshopRegistrationsByEmail(ctx, email)
	if err != nil {
		return knownDetails{}, false, err
	}
	for _, x := range regs {
		if x.Registration.ConfirmedAt == nil {
			continue
		}
		v := intake.Values{}
		for k, a := range x.Registration.Answers {
			v[k] = a
		}
		return knownDetails{name: x.Registration.Name, values: v}, true, nil
	}
	return knownDetails{}, false, nil
}

func detailRows(k knownDetails) []web.AnswerRow {
	v := k.values
	rows := []web.AnswerRow{{Key: "Name", Value: []string{k.name}},
		{Key: "Professional group", Value: []string{referral.ProfessionalGroup(v.Get("group")).Label()}},
		{Key: "Where your training is based", Value: []string{referral.Region(v.Get("region")).Label()}},
		{Key: "Stage or grade", Value: []string{referral.Stage(v.Get("stage")).Label()}}}
	return rows
}

// workshopPage is GET /workshops/{slug}.
func (s *Server) workshopPage(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.workshopFor(w, r)
	if !ok {
		return
	}
	p := web.WorkshopPageProps{W: s.workshopCard(ws)}
	if err := s.signedInWorkshopProps(r, ws, &p); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.WorkshopPage(s.layout(r, ""), p))
}

// signedInWorkshopProps adds what a signed-in trainee sees: their place
// if they have registered, else registering in one step.
func (s *Server) signedInWorkshopProps(r *http.Request, ws store.Workshop, p *web.WorkshopPageProps) error {
	a := actorFrom(r.Context())
	if a.Kind != policy.Public || a.Email == "" {
		return nil
	}
	place, err := s.store.WorkshopPlaceByEmail(r.Context(), ws.Slug, a.Email)
	switch {
	case err == nil && place.Status != workshops.Cancelled && place.Status != workshops.Declined && place.Status != workshops.Lapsed:
		p.PlaceLink = "/workshops/" + ws.Slug + "/your-place"
		p.PlaceText = "You have registered for this workshop: " + strings.ToLower(workshops.StatusLabel(place.Status)) + "."
		return nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	k, ok, err := s.detailsOf(r.Context(), a.Email)
	if err != nil || !ok {
		return err
	}
	p.OneStep, p.Details = true, detailRows(k)
	return nil
}

// registerProps is the registration form with the answers v and problems.
func (s *Server) registerProps(r *http.Request, ws store.Workshop, v intake.Values, probs intake.Problems) web.WorkshopRegisterProps {
	page := intake.WorkshopPage()
	a := actorFrom(r.Context())
	signedIn := a.Kind == policy.Public && a.Email != ""
	if signedIn {
		// Their verified address is used: the question is not asked.
		var fields []intake.Field
		for _, f := range page.Fields {
			if f.Name != "email" {
				fields = append(fields, f)
			}
		}
		page.Fields = fields
	}
	ir := intakeRoute{form: intake.Form{Caption: ws.Title}, base: "/workshops/" + ws.Slug, home: "/workshops/" + ws.Slug}
	qp := questionProps(ir, page, 0, v, probs, "", "", false)
	qp.Action = "/workshops/" + ws.Slug + "/register"
	p := web.WorkshopRegisterProps{W: s.workshopCard(ws), Question: qp}
	if signedIn {
		p.SignedInEmail = a.Email
	}
	return p
}

// workshopRegisterForm is GET /workshops/{slug}/register.
func (s *Server) workshopRegisterForm(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.workshopFor(w, r)
	if !ok {
		return
	}
	if ws.RegistrationState(s.now()) != "open" {
		s.workshopClosed(w, r, ws, http.StatusOK)
		return
	}
	v := intake.Values{}
	if a := actorFrom(r.Context()); a.Kind == policy.Public && a.Email != "" {
		k, ok, err := s.detailsOf(r.Context(), a.Email)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if ok {
			v = k.values
			v["name"] = []string{k.name}
		}
	}
	s.render(w, r, http.StatusOK, web.WorkshopRegisterPage(s.layout(r, ""), s.registerProps(r, ws, v, nil)))
}

// workshopClosed answers a registration that cannot happen (before it
// opens, after it closes, a cancelled or past event) with the workshop's
// page, which says why.
func (s *Server) workshopClosed(w http.ResponseWriter, r *http.Request, ws store.Workshop, status int) {
	p := web.WorkshopPageProps{W: s.workshopCard(ws)}
	if err := s.signedInWorkshopProps(r, ws, &p); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.WorkshopPage(s.layout(r, ""), p))
}

// workshopRegister is POST /workshops/{slug}/register: the form (or, for
// a signed-in trainee, one_step with the details we hold), checked like a
// self-referral. Not eligible: the signposting, and nothing is recorded.
// Otherwise the registration is recorded unconfirmed and a confirmation
// link emailed; a signed-in person's address is known, so they are
// confirmed at once. Registering again while registered records nothing
// more (the unique registration per workshop and email).
func (s *Server) workshopRegister(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, ok := s.workshopFor(w, r)
	if !ok {
		return
	}
	if s.overPublicCeiling(w, r, "workshop", auth.ReferralFormCeiling) {
		return
	}
	if r.PostFormValue("website") != "" {
		s.log.InfoContext(ctx, "honeypot filled", "request_id", requestID(r), "form", "workshop")
		http.Redirect(w, r, "/workshops/"+ws.Slug+"/check-email", http.StatusSeeOther)
		return
	}
	if ws.RegistrationState(s.now()) != "open" {
		s.workshopClosed(w, r, ws, http.StatusConflict)
		return
	}
	a := actorFrom(ctx)
	signedIn := a.Kind == policy.Public && a.Email != ""
	page := intake.WorkshopPage()
	var v intake.Values
	decided := ""
	if signedIn && r.PostFormValue("one_step") == "yes" {
		k, ok, err := s.detailsOf(ctx, a.Email)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if !ok {
			http.Redirect(w, r, "/workshops/"+ws.Slug+"/register", http.StatusSeeOther)
			return
		}
		v, decided = k.values, k.decided
		v["name"] = []string{k.name}
	} else {
		v = page.Read(r.PostForm)
	}
	if signedIn {
		v["email"] = []string{a.Email}
	}
	v["email"] = []string{store.NormaliseEmail(v.Get("email"))}
	probs := pageFormErrors(page, badFields(r))
	probs = withCleaned(page, page.Check(v, false), probs)
	if len(probs) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, web.WorkshopRegisterPage(s.layout(r, ""), s.registerProps(r, ws, v, probs)))
		return
	}
	ans := intake.Extract(intake.RouteSelf, v)
	res := eligibility.Check(ans.Eligibility(), s.today())
	outcome := res.Outcome
	if decided != "" {
		outcome = eligibility.Outcome(decided)
	}
	if outcome == eligibility.NotEligible {
		p := s.registerProps(r, ws, v, nil)
		p.NotEligible = res.Signposts()
		if len(p.NotEligible) == 0 {
			p.NotEligible = []string{"Your own region's professional support unit or deanery."}
		}
		s.render(w, r, http.StatusUnprocessableEntity, web.WorkshopRegisterPage(s.layout(r, ""), p))
		return
	}
	reg := store.NewWorkshopRegistration{WorkshopID: ws.ID, Name: ans.TraineeName, Email: ans.TraineeEmail,
		ProfessionalGroup: string(ans.Group), Region: string(ans.Region), Grade: string(ans.Stage),
		Eligibility: string(outcome), Answers: map[string][]string{}}
	for _, rs := range res.Reasons {
		reg.EligibilityReasons = append(reg.EligibilityReasons, store.EligibilityReason{Code: rs.Code, Text: rs.Text, Signpost: rs.Signpost})
	}
	for _, k := range intake.WorkshopFields {
		if x := v[k]; len(x) > 0 {
			reg.Answers[k] = x
		}
	}
	now := s.now()
	m := s.workshopMailer()
	var confirmed store.ConfirmedRegistration
	var already bool
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		if !signedIn {
			// The public forms' allowance of emails per address, taken
			// first: past it the answer is the same, no email goes and
			// nothing changes (else posting someone's address again and
			// again would keep replacing the link in their inbox).
			ok, err := st.TakeMailAllowance(ctx, auth.MailRecipientKey(reg.Email), auth.MailPerRecipient, auth.MailWindow, now)
			if err != nil {
				return err
			}
			if !ok {
				s.log.WarnContext(ctx, "workshop registration not recorded: the recipient has had the most emails allowed this hour", "request_id", requestID(r))
				return nil
			}
		}
		token, hash := auth.NewToken()
		id, err := st.RegisterForWorkshop(ctx, reg, hash, now, now.Add(workshops.ConfirmLinkTTL))
		if errors.Is(err, store.ErrAlreadyRegistered) || errors.Is(err, store.ErrRegistrationRemoved) {
			already = true
			return s.audit(ctx, st, "workshop_register_again", "workshop_registration", strconv.FormatInt(id, 10), store.OutcomeFailure, "")
		}
		if err != nil {
			return err
		}
		if err := s.audit(ctx, st, "workshop_register", "workshop_registration", strconv.FormatInt(id, 10), store.OutcomeSuccess, string(outcome)); err != nil {
			return err
		}
		if !signedIn {
			return m.SendWorkshopConfirmEmail(ctx, tx, id, token, now)
		}
		// A signed-in person's address is verified: confirmed at once.
		confirmed, err = st.ConfirmWorkshopRegistration(ctx, hash, now)
		if err != nil {
			return err
		}
		return s.sendConfirmedEmail(ctx, m, tx, confirmed, now)
	})
	if errors.Is(err, store.ErrInvalid) {
		s.workshopClosed(w, r, ws, http.StatusConflict)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	switch {
	case signedIn && already:
		http.Redirect(w, r, "/workshops/"+ws.Slug+"/your-place", http.StatusSeeOther)
	case signedIn:
		s.flash(r, confirmedFlash(confirmed))
		http.Redirect(w, r, "/workshops/"+ws.Slug+"/your-place", http.StatusSeeOther)
	default:
		if outcome == eligibility.NeedsReview {
			s.sessions.Put(ctx, "workshop_review", ws.Slug)
		}
		http.Redirect(w, r, "/workshops/"+ws.Slug+"/check-email", http.StatusSeeOther)
	}
}

func confirmedFlash(c store.ConfirmedRegistration) string {
	if c.Status == workshops.Placed {
		return "You have a place. We have emailed you the details with a calendar invitation"
	}
	return "The workshop is full: you are number " + strconv.Itoa(c.Position) + " on the waiting list. We have emailed you"
}

func (s *Server) sendConfirmedEmail(ctx context.Context, m jobs.WorkshopMailer, tx pgxTx, c store.ConfirmedRegistration, now time.Time) error {
	kind := jobs.WorkshopWaitingEmail
	if c.Status == workshops.Placed {
		kind = jobs.WorkshopPlacedEmail
	}
	return m.SendWorkshopEmail(ctx, tx, c.RegistrationID, kind, now, "")
}

// workshopCheckEmail is GET /workshops/{slug}/check-email, after
// registering: the same page whether or not the address was registered
// before, so it tells nobody who has registered.
func (s *Server) workshopCheckEmail(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.workshopFor(w, r)
	if !ok {
		return
	}
	p := web.WorkshopDoneProps{W: s.workshopCard(ws), Title: "Check your email",
		Lines: []string{"We have emailed you a link to confirm your email address. It works once, for 24 hours.",
			"Your place (or your place on the waiting list, if the workshop is full) is held only once you confirm. Places go in the order people confirm.",
			"If you have registered for this workshop already, we do not send another link for a few minutes: use the one in your email.",
			"If it does not arrive within a few minutes, check your junk folder."},
		NeedsReview: s.sessions.PopString(r.Context(), "workshop_review") == ws.Slug}
	s.render(w, r, http.StatusOK, web.WorkshopDonePage(s.layout(r, ""), p))
}

// workshopConfirmForm is GET /workshops/confirm?token=: a button, as for
// sign-in links (mail scanners follow links; only a click spends it).
func (s *Server) workshopConfirmForm(w http.ResponseWriter, r *http.Request) {
	ws, err := s.store.WorkshopByConfirmToken(r.Context(), auth.HashToken(r.URL.Query().Get("token")), s.now())
	if errors.Is(err, store.ErrNotFound) {
		_ = s.auditView(r, "link_refused", "workshop_registration", "", store.OutcomeFailure)
		s.render(w, r, http.StatusNotFound, web.WorkshopLinkProblemPage(s.layout(r, "")))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.WorkshopConfirmPage(s.layout(r, ""), s.workshopCard(ws)))
}

// workshopConfirm is POST /workshops/confirm?token=: spends the link and
// gives a place or a waiting-list entry (store.ConfirmWorkshopRegistration,
// under the workshop's lock), emailing the outcome.
func (s *Server) workshopConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	hash := auth.HashToken(r.URL.Query().Get("token"))
	now := s.now()
	m := s.workshopMailer()
	var c store.ConfirmedRegistration
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		var err error
		c, err = st.ConfirmWorkshopRegistration(ctx, hash, now)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, st, "workshop_confirm", "workshop_registration", strconv.FormatInt(c.RegistrationID, 10), store.OutcomeSuccess, c.Status); err != nil {
			return err
		}
		return s.sendConfirmedEmail(ctx, m, tx, c, now)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		_ = s.auditView(r, "link_refused", "workshop_registration", "", store.OutcomeFailure)
		s.render(w, r, http.StatusNotFound, web.WorkshopLinkProblemPage(s.layout(r, "")))
		return
	case errors.Is(err, store.ErrInvalid):
		ws, err := s.store.WorkshopByID(ctx, c.WorkshopID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.workshopClosed(w, r, ws, http.StatusConflict)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	ws, err := s.store.WorkshopByID(ctx, c.WorkshopID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := web.WorkshopDoneProps{W: s.workshopCard(ws)}
	if c.Status == workshops.Placed {
		p.Title = "You have a place"
		p.Lines = []string{"Your email is confirmed and you have a place at " + ws.Title + ", " + workshops.When(ws.StartsAt, ws.EndsAt) + " (UK time).",
			"We have emailed you the details with a calendar invitation, and a link to see or cancel your place."}
	} else {
		p.Title = "You are on the waiting list"
		p.Lines = []string{"Your email is confirmed. The workshop is full: you are number " + strconv.Itoa(c.Position) + " on the waiting list.",
			"If a place becomes free we email you an offer, which you need to accept within a time limit. We have emailed you a link to see your place on the list or leave it."}
	}
	s.render(w, r, http.StatusOK, web.WorkshopDonePage(s.layout(r, ""), p))
}
