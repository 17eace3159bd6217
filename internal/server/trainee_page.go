package server

import (
	"context"
	"regexp"
	"strconv"

	"careers/internal/policy"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// The trainee's page (issue 14): where their referral is and the one next
// step, their allowance, the emails sent to them, and where they correct
// their contact details.

// nextStep is the one thing the trainee should do now, most pressing
// first: confirm, answer a question, write a summary owed, book, or
// nothing (with where the referral is). care is nil before allocation;
// owed is the earliest attended session without a submitted summary.
func nextStep(reference, status string, question bool, care *web.TraineeReferralProps, owed *web.ApptRow) web.NextStep {
	page := "/your-referrals/" + reference
	switch triage.State(status) {
	case triage.StateAwaitingTrainee:
		return web.NextStep{Text: "Confirm that you want careers support: we have emailed you a link, and you can ask for a new one below. You can also say no from that link."}
	case triage.StateNew, triage.StateAccepted:
		return web.NextStep{Text: "Nothing for now: a coordinator is looking at your referral. We aim to reply within 14 days, and we will email you."}
	case triage.StateInfoRequested:
		if question {
			return web.NextStep{Text: "Answer the coordinator's question so they can decide on your referral.", Href: "#question", Label: "Answer the question"}
		}
		return web.NextStep{Text: "Nothing for now: a coordinator is looking at your answer."}
	case triage.StateClosed, triage.StateWithdrawn:
		return web.NextStep{Text: "Nothing: this referral is closed. If you want careers support again, you can refer yourself at any time."}
	}
	if owed != nil {
		return web.NextStep{Text: "Write the summary and action plan of your session on " + web.DateTime(owed.Start) + ". You choose whether it is shared.",
			Href: page + "/appointments/" + strconv.FormatInt(owed.ID, 10) + "/summary", Label: "Write your summary"}
	}
	if care == nil {
		return web.NextStep{}
	}
	switch {
	case care.CanBook && len(care.Upcoming) == 0:
		return web.NextStep{Text: "Book a session with " + care.Coach + " at a time that suits you: your coach does not book it for you.",
			Href: page + "/book", Label: "Book a session"}
	case len(care.Upcoming) > 0:
		return web.NextStep{Text: "Go to your session with " + care.Coach + " on " + web.DateTime(care.Upcoming[0].Start) + ". You can change it below."}
	case care.BookBlocked != "":
		return web.NextStep{Text: care.BookBlocked}
	}
	return web.NextStep{}
}

// hiddenToken hides one-time links in emails shown again: they worked once.
var hiddenToken = regexp.MustCompile(`token=[A-Za-z0-9_-]+`)

// traineeOwnProps adds the trainee's own parts of their page: the next
// step, the summary owed, the emails sent to them (only to them: the
// notification log filtered by their address), and the contact link.
func (s *Server) traineeOwnProps(ctx context.Context, au policy.Audience, c store.ReferralCard, p *web.PublicReferral) error {
	if !au.Is(policy.ViewerTrainee) {
		return nil
	}
	var owed *web.ApptRow
	if p.Care != nil && len(p.Care.Past) > 0 {
		done, err := s.store.SubmittedSummaries(ctx, c.ID)
		if err != nil {
			return err
		}
		for i := len(p.Care.Past) - 1; i >= 0; i-- {
			if a := p.Care.Past[i]; a.Status == "attended" && !done[a.ID] {
				owed = &p.Care.Past[i]
			}
		}
	}
	p.Next = nextStep(c.Reference, c.Status, p.Question != "", p.Care, owed)
	sent, err := s.store.EmailsSentTo(ctx, c.ID, actorFrom(ctx).Email)
	if err != nil {
		return err
	}
	for _, e := range sent {
		p.Sent = append(p.Sent, web.SentEmail{Subject: e.Subject, Text: hiddenToken.ReplaceAllString(e.Text, "token=(hidden)"), At: e.At, Status: e.Status})
	}
	if triage.IsOpen(triage.State(c.Status)) {
		p.ContactHref = "/your-referrals/" + c.Reference + "/contact"
	}
	return nil
}
