package server

import (
	"net/http"
	"strconv"

	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

// leadHome is the PSU lead's home: funding requests (Form D) and requests
// for extra sessions, oldest first, each with what the lead needs to
// decide in place (sessions requested; the allowance granted, used and
// left; the coach's justification) and a form to decide it there, or a
// link to the referral's page. What is shown follows the audience table:
// the sessions asked for are what the referrer sent or triage, the
// allowance is appointments, the justification is triage.
func (s *Server) leadHome(w http.ResponseWriter, r *http.Request, others []web.NavItem) {
	ctx := r.Context()
	xs, err := s.store.LeadRequests(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := web.LeadHomeProps{Name: staffFrom(ctx).Name, Others: others,
		Links: []web.NavItem{{Href: "/staff/reports", Text: "Reports: how the unit is doing over a period"},
			{Href: "/staff/referrals", Text: "All referrals: the queue, with filters and search"},
			{Href: "/staff/workshops", Text: "Workshops and webinars: events, places and waiting lists"}}}
	for _, x := range xs {
		au := audienceFor(r, x.Card.Owners)
		funding := x.Kind == "funding"
		if (funding && !au.Full(policy.InfoReferrerSent)) || (!funding && !au.Full(policy.InfoTriage)) {
			continue // not one this reader may decide from what they see
		}
		c := web.LeadRequest{Funding: funding, Reference: x.Card.Reference, TraineeName: x.Card.TraineeName,
			Version: x.Version, Requested: x.Requested, RequestedBy: x.RequestedBy, RequestedAt: x.RequestedAt, Coach: x.CoachName,
			ShowAllowance: au.Full(policy.InfoAppointments), Granted: x.Granted, Used: x.Used, Left: x.Left()}
		if funding {
			c.Action = "/staff/referrals/" + x.Card.Reference + "/funding"
			c.Key = "f" + strconv.FormatInt(x.Card.ID, 10)
		} else {
			c.Action = "/staff/referrals/" + x.Card.Reference + "/extensions/" + strconv.FormatInt(x.ExtensionID, 10)
			c.Key = "x" + strconv.FormatInt(x.ExtensionID, 10)
			c.Justification = x.Justification
		}
		p.Requests = append(p.Requests, c)
	}
	// The list names trainees and quotes coaches' reasons: audited, as
	// the queue is.
	if err := s.auditView(r, "view", "lead_home", "", store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.LeadHomePage(s.layout(r, ""), p))
}
