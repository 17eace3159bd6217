package server

import (
	"net/http"
	"strconv"

	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// coordinatorUrgentMost is how many of the most urgent referrals the
// coordinator's home lists by name (the rest are a click away).
const coordinatorUrgentMost = 5

// coordinatorHome is the coordinator's to-do list, most urgent first: the
// referrals past or near the 14-day deadline, new referrals, answers to
// questions, lost sessions to decide on, sessions the coach has not
// confirmed, referrals waiting long for the trainee, and undelivered
// emails. Each count links to the queue's list for it (or the messages
// page). Three statements besides the session: the counts in one, the
// most urgent referrals by name, and the audit row for the view.
func (s *Server) coordinatorHome(w http.ResponseWriter, r *http.Request, others []web.NavItem) {
	ctx := r.Context()
	now := s.now()
	todo, err := s.store.CoordinatorToDo(ctx, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	urgent, err := s.store.Queue(ctx, store.QueueQuery{Status: store.QueueNeeds, Deadline: store.DeadlineDue,
		Limit: coordinatorUrgentMost, Now: now})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	list := func(status, deadline string) string {
		return queueFilters{Status: status, Deadline: deadline}.url("", nil)
	}
	p := web.CoordinatorHomeProps{
		Name:   staffFrom(ctx).Name,
		Others: others,
		ToDo: []web.ToDoItem{
			{Label: "Overdue: past the 14-day deadline with no answer", N: todo.Overdue, Href: list("", store.DeadlineOverdue)},
			{Label: "Due within " + strconv.Itoa(triage.SoonDays) + " days", N: todo.DueSoon, Href: list("", store.DeadlineSoon)},
			{Label: "Answers from trainees to your questions", N: todo.Answered, Href: list(store.QueueAnswered, "")},
			{Label: "New referrals", N: todo.New, Href: list("new", "")},
			{Label: "Late cancellations and missed sessions to decide on", N: todo.Forfeits, Href: list(store.QueueForfeits, ""),
				Hint: "Give the session back, or leave it used. From the last " + strconv.Itoa(triage.WaiveWindowDays) + " days."},
			{Label: "Sessions held but not confirmed by the coach", N: todo.Unconfirmed, Href: list(store.QueueUnconfirmed, ""),
				Hint: "More than " + plural(triage.ConfirmWithinDays, "day") + " after the session."},
			{Label: "Waiting for the trainee for more than " + strconv.Itoa(triage.ChaseAfterDays) + " days", N: todo.Chase,
				Href: list(store.QueueChase, ""), Hint: "To confirm the referral, or to answer a question."},
			{Label: "Emails that could not be delivered", N: todo.Undelivered, Href: "/staff/messages"},
		},
		Links: []web.NavItem{{Href: "/staff/referrals", Text: "All referrals: the queue, with filters and search"},
			{Href: list(store.QueueWaiting, ""), Text: "Referrals waiting for the trainee to confirm or answer"},
			{Href: "/staff/messages", Text: "Messages that could not be delivered"},
			{Href: "/staff/reports", Text: "Reports: how the unit is doing over a period"},
			{Href: "/staff/workshops", Text: "Workshops and webinars: events, places and waiting lists"}},
	}
	for _, row := range urgent.Rows {
		p.Urgent = append(p.Urgent, web.QueueRow{Reference: row.Reference, TraineeName: row.TraineeName, Route: row.Route,
			Status: row.Status, Deadline: deadlineCell(row, now)})
	}
	// The home names trainees (the most urgent referrals), as the queue
	// does: looking at it is audited in the same way.
	if err := s.auditView(r, "view", "coordinator_home", "", store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.CoordinatorHomePage(s.layout(r, ""), p))
}
