package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

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

// staffReferral is the staff view of one referral (triage fills it out).
func (s *Server) staffReferral(w http.ResponseWriter, r *http.Request) {
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, web.StaffReferralPage(s.layout(r, ""), web.StaffReferralProps{Row: cardRows([]store.ReferralCard{c})[0]}))
}
