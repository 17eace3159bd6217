package server

import (
	"net/http"
	"slices"
	"strconv"

	"careers/internal/booking"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

// coachHome is the coach's to-do list: attendance to record, meetings to
// confirm, today's and the week's sessions, and their clients. Three
// statements after the session's: the agenda, the clients, the profile's
// video link.
func (s *Server) coachHome(w http.ResponseWriter, r *http.Request, others []web.NavItem) {
	ctx := r.Context()
	a := actorFrom(ctx)
	now := s.now()
	today := booking.DateOf(now)
	dayEnd, weekEnd := today.AddDays(1).Midnight(), today.AddDays(7).Midnight()
	agenda, err := s.store.CoachAgenda(ctx, a.StaffID, now, today.Midnight(), weekEnd)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	clients, err := s.store.CoachClients(ctx, a.StaffID, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := web.CoachHomeProps{Name: staffFrom(ctx).Name, Others: others}
	owners := map[int64]policy.ReferralOwners{}
	for _, c := range clients {
		owners[c.ID] = c.Owners
		au := audienceFor(r, c.Owners)
		if !au.Full(policy.InfoAppointments) {
			continue
		}
		row := web.CoachClientRow{Reference: c.Reference, TraineeName: c.TraineeName, Status: c.Status,
			Used: c.Used, Left: max(c.Granted-c.Used, 0), Summary: summaryStatus(c, au)}
		if c.Next != nil {
			row.Next = *c.Next
		}
		p.Clients = append(p.Clients, row)
	}
	for _, ap := range agenda {
		o, ok := owners[ap.ReferralID]
		if !ok {
			continue // no longer their client (the agenda reads only current clients)
		}
		au := audienceFor(r, o)
		if !au.Full(policy.InfoAppointments) {
			continue
		}
		row := withJoining(apptRow(ap), ap, au, false)
		switch {
		case ap.Status == "attended":
			if ap.CoachID == a.StaffID {
				p.ToConfirm = append(p.ToConfirm, row)
			}
		case !ap.Start.After(now):
			p.ToRecord = append(p.ToRecord, row)
		case ap.Start.Before(dayEnd):
			p.Today = append(p.Today, row)
		default:
			p.Week = append(p.Week, row)
		}
	}
	// Most recent first: yesterday's session is the one on their mind.
	slices.Reverse(p.ToRecord)
	slices.Reverse(p.ToConfirm)
	j, err := s.store.CoachJoiningOf(ctx, a.StaffID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.NoVideoLink = j.VideoLink == "" && slices.Contains(j.Modes, string(booking.ModeVirtual))
	s.render(w, r, http.StatusOK, web.CoachHomePage(s.layout(r, ""), p))
}

// summaryStatus words where a client's summaries stand, for a coach who
// may read them.
func summaryStatus(c store.CoachClient, au policy.Audience) string {
	switch {
	case !au.Full(policy.InfoSummaries):
		return ""
	case c.Held == 0:
		return "No sessions yet"
	case c.Summaries >= c.Held:
		return "Written for every session"
	case c.Held-c.Summaries == 1:
		return "1 session without a summary"
	}
	return strconv.Itoa(c.Held-c.Summaries) + " sessions without a summary"
}
