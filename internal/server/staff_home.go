package server

import (
	"net/http"

	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

// roleHomes is where each role lands, in the order a person with several
// roles is offered them.
var roleHomes = []struct {
	role policy.Role
	path string
}{
	{policy.Coordinator, "/staff/coordinator"},
	{policy.Lead, "/staff/lead"},
	{policy.Coach, "/staff/coach"},
	{policy.CaseManager, "/staff/case-manager"},
	{policy.Admin, "/staff/admin"},
}

// staffHome sends a staff member to the home of their first role.
func (s *Server) staffHome(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	for _, h := range roleHomes {
		if a.Has(h.role) {
			http.Redirect(w, r, h.path, http.StatusSeeOther)
			return
		}
	}
	// An account with no roles yet can only see its own account.
	s.render(w, r, http.StatusOK, web.StaffHomePage(s.layout(r, ""), web.StaffHomeProps{
		Name: staffFrom(r.Context()).Name, Role: "Staff",
		Intro: "Your account has no roles yet. Ask an administrator to give you the roles you need.",
	}))
}

// cardRow is a referral as a staff list shows it: who it is for, how it
// came, and where it has got to (the status, which every staff audience
// of a referral may see: policy's triage row).
func cardRow(au policy.Audience, c store.ReferralCard) web.ReferralRow {
	row := web.ReferralRow{Reference: c.Reference, TraineeName: c.TraineeName, Route: c.Route, SubmittedAt: c.SubmittedAt}
	row.Status = au.StatusOf(c.Status)
	return row
}

// cardRows lists referrals for the signed-in person, leaving out any they
// may see nothing of.
func cardRows(r *http.Request, cards []store.ReferralCard) []web.ReferralRow {
	rows := make([]web.ReferralRow, 0, len(cards))
	for _, c := range cards {
		if au := audienceFor(r, c.Owners); !au.Nobody() {
			rows = append(rows, cardRow(au, c))
		}
	}
	return rows
}

// roleHome renders the home page of one role.
func (s *Server) roleHome(role policy.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		u := staffFrom(ctx)
		a := actorFrom(ctx)
		p := web.StaffHomeProps{Name: u.Name, Role: role.Label()}
		for _, h := range roleHomes {
			if h.role != role && a.Has(h.role) {
				p.Others = append(p.Others, web.NavItem{Href: h.path, Text: h.role.Label() + " home"})
			}
		}
		switch role {
		case policy.Coordinator:
			s.coordinatorHome(w, r, p.Others) // coordinator_home.go
			return
		case policy.Coach:
			// The coach's home is their to-do list (coach_home.go).
			s.coachHome(w, r, p.Others)
			return
		case policy.CaseManager:
			cards, err := s.store.ReferralCardsForCaseManager(ctx, u.ID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			p.Intro = "The trainees you have referred for careers support."
			p.Lists = []web.HomeList{{Title: "Your referrals", Empty: "You have not referred anyone yet.", Rows: cardRows(r, cards)}}
			p.Links = []web.NavItem{{Href: "/staff/referrals/new", Text: "Refer a trainee for careers support"}}
		case policy.Lead:
			s.leadHome(w, r, p.Others) // lead_home.go
			return
		case policy.Admin:
			p.Intro = "Manage staff accounts, read the audit log, answer requests for a person's data, and oversee retention."
			p.Links = []web.NavItem{{Href: "/staff/admin/users", Text: "Staff accounts"}, {Href: "/staff/admin/audit", Text: "Audit log"},
				{Href: "/staff/admin/data-requests", Text: "Requests for a person's data"},
				{Href: "/staff/admin/retention", Text: "Retention and legal holds"},
				{Href: "/staff/admin/retention/register", Text: "Destruction register"}}
		}
		s.render(w, r, http.StatusOK, web.StaffHomePage(s.layout(r, ""), p))
	}
}
