package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

var londonTZ = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}()

func publicReferral(c store.ReferralCard, email string) web.PublicReferral {
	return web.PublicReferral{Reference: c.Reference, TraineeName: c.TraineeName, Status: c.Status,
		SubmittedAt: web.Date(c.SubmittedAt), AsReferrer: c.Owners.TraineeEmail != email}
}

// yourReferrals lists the referrals a signed-in trainee or referrer is part of.
func (s *Server) yourReferrals(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	cards, err := s.store.ReferralCardsForEmail(r.Context(), a.Email)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	refs := make([]web.PublicReferral, 0, len(cards))
	for _, c := range cards {
		if policy.Referral(a, policy.ViewReferralStatus, c.Owners) == policy.Allow {
			refs = append(refs, publicReferral(c, a.Email))
		}
	}
	s.render(w, r, http.StatusOK, web.YourReferralsPage(s.layout(r, ""), refs))
}

// referralFor loads the referral in the URL and applies the policy for
// action: other people's referrals answer exactly like missing ones.
func (s *Server) referralFor(w http.ResponseWriter, r *http.Request, action policy.Action) (store.ReferralCard, bool) {
	ref := chi.URLParam(r, "reference")
	c, err := s.store.ReferralCardByReference(r.Context(), ref)
	if errors.Is(err, store.ErrNotFound) {
		s.renderNotFound(w, r)
		return c, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return c, false
	}
	switch policy.Referral(actorFrom(r.Context()), action, c.Owners) {
	case policy.Allow:
	case policy.Forbid:
		s.deny(w, r, "referral", c.Reference)
		return c, false
	default:
		s.hide(w, r, "referral", c.Reference)
		return c, false
	}
	if err := s.auditView(r, string(action), "referral", c.Reference, store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return c, false
	}
	return c, true
}

func (s *Server) yourReferral(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferralStatus)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, web.YourReferralPage(s.layout(r, ""), publicReferral(c, actorFrom(r.Context()).Email)))
}

// staffReferral is the staff view of one referral.
func (s *Server) staffReferral(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	p, err := s.staffReferralProps(r, c)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.StaffReferralPage(s.layout(r, ""), p))
}

func (s *Server) staffReferralProps(r *http.Request, c store.ReferralCard) (web.StaffReferralProps, error) {
	d, err := s.store.ReferralDetailByID(r.Context(), c.ID)
	if err != nil {
		return web.StaffReferralProps{}, err
	}
	p := web.StaffReferralProps{Row: cardRows([]store.ReferralCard{c})[0], Eligibility: d.Eligibility,
		EligibilityLabel: eligibility.Outcome(d.Eligibility).Label()}
	for _, rs := range d.EligibilityReasons {
		line := rs.Text
		if rs.Signpost != "" {
			line += " Signposting: " + rs.Signpost
		}
		p.EligibilityReasons = append(p.EligibilityReasons, line)
	}
	if form, ok := intake.FormFor(intake.Route(d.Route)); ok {
		for _, sec := range form.Summary(intake.Values(d.Answers), func(string) string { return "" }) {
			if sec.Title == "Form C" || strings.HasPrefix(sec.Title, "Form D") {
				continue
			}
			ws := web.AnswerSection{Title: staffSectionTitle(d.Route, sec.Title)}
			for _, row := range sec.Rows {
				ws.Rows = append(ws.Rows, web.AnswerRow{Key: row.Key, Value: row.Lines})
			}
			p.Sections = append(p.Sections, ws)
		}
	}
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
	for _, e := range d.Events {
		p.Timeline = append(p.Timeline, web.TimelineItem{At: e.At, Who: e.ActorName, Detail: e.Detail})
	}
	p.Waiting = d.Status == "awaiting_trainee" && actorFrom(r.Context()).Has(policy.Coordinator)
	return p, nil
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
