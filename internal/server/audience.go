package server

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

// The pages, exports and emails about a referral lay out only what the
// audience table (policy/audience.go) gives the person they are for: each
// section asks the audience before anything is put into its props, so a
// template never holds what its reader may not see.

// audienceFor is what the signed-in person may see of a referral.
func audienceFor(r *http.Request, o policy.ReferralOwners) policy.Audience {
	return policy.AudienceOf(actorFrom(r.Context()), o)
}

// answerSections lays out a referral's answers, each row by whose it is:
// what the referrer sent, or the trainee's own answers. On a referral
// someone else made, what the trainee added when confirming follows as its
// own section. titled words a form's page title for the reader.
func answerSections(au policy.Audience, route string, confirmed bool, answers map[string][]string, titled func(string) string) []web.AnswerSection {
	r := intake.Route(route)
	form, ok := intake.FormFor(r)
	if !ok {
		return nil
	}
	sees := func(field string) bool {
		if intake.TraineesOwn(r, confirmed, field) {
			return au.Full(policy.InfoTraineeAnswers)
		}
		return au.Full(policy.InfoReferrerSent)
	}
	var out []web.AnswerSection
	add := func(secs []intake.Section, title func(string) string, skip func(intake.Row) bool) {
		for _, sec := range secs {
			if sec.Title == "Form C" || strings.HasPrefix(sec.Title, "Form D") {
				continue // laid out on their own
			}
			ws := web.AnswerSection{Title: title(sec.Title)}
			for _, row := range sec.Rows {
				if skip(row) || !sees(row.Field) {
					continue
				}
				ws.Rows = append(ws.Rows, web.AnswerRow{Key: row.Key, Value: row.Lines})
			}
			if len(ws.Rows) > 0 {
				out = append(out, ws)
			}
		}
	}
	v := intake.Values(answers)
	noFile := func(string) string { return "" }
	// What the trainee gave when confirming shows once, in its own section.
	confirmField := map[string]bool{}
	if r != intake.RouteSelf && confirmed {
		for _, f := range intake.ConfirmPage.Fields {
			if f.Name != "name" {
				confirmField[f.Name] = true
			}
		}
	}
	add(form.Summary(v, noFile), titled, func(row intake.Row) bool { return confirmField[row.Field] })
	if len(confirmField) > 0 {
		own := intake.Form{Pages: []intake.Page{intake.ConfirmPage}}
		add(own.Summary(v, noFile), func(string) string { return "What the trainee told us when confirming" },
			func(row intake.Row) bool { return !confirmField[row.Field] })
	}
	return out
}

// eligibilityView is what the reader may see of the eligibility check.
type eligibilityView struct {
	Result, Label  string
	Reasons        []string // with signposting, for those who see the reasons
	NextSteps      []string // the signposting alone ("what to do")
	Override       string
	OverrideReason string
}

// eligibilityFor lays out the eligibility check for the audience: the
// team reads the check, its reasons and a coordinator's decision with its
// reason; the trainee the result and what to do; a Case Manager or coach
// the result alone (the coordinator's decision where there is one).
func eligibilityFor(au policy.Audience, result string, reasons []store.EligibilityReason, override, overrideReason string) eligibilityView {
	var e eligibilityView
	switch au.Access(policy.InfoEligibility) {
	case policy.Full:
		e.Result, e.Override, e.OverrideReason = result, override, overrideReason
		for _, rs := range reasons {
			line := rs.Text
			if rs.Signpost != "" {
				line += " Signposting: " + rs.Signpost
			}
			e.Reasons = append(e.Reasons, line)
		}
	case policy.ResultAndNextStep:
		e.Result = effective(result, override)
		for _, rs := range reasons {
			if rs.Signpost != "" {
				e.NextSteps = append(e.NextSteps, rs.Signpost)
			}
		}
	case policy.ResultOnly:
		e.Result = effective(result, override)
	default:
		return e
	}
	e.Label = eligibility.Outcome(e.Result).Label()
	return e
}

// effective is the eligibility that stands: a coordinator's decision, or
// else the check's result.
func effective(result, override string) string {
	if override != "" {
		return override
	}
	return result
}

// timelineFor is a referral's history as the audience may read it: each
// entry by its kind (a decline's reason is triage, a note internal), in
// full, in its brief form, or not at all; and the emails sent about it that
// the audience may know of.
func timelineFor(au policy.Audience, events []store.Event, msgs []store.Notification) []web.TimelineItem {
	var out []web.TimelineItem
	for _, e := range events {
		if text, ok := au.Entry(e.Kind, e.Detail); ok {
			who := e.ActorName
			if text != e.Detail && !au.Full(policy.InfoTriage) {
				who = "" // a brief entry does not say who
			}
			out = append(out, web.TimelineItem{At: e.At, Who: who, Detail: text})
		}
	}
	for _, n := range msgs {
		if !au.SeesEmail(n.Kind) {
			continue
		}
		to := make([]string, len(n.To))
		for i, rc := range n.To {
			to[i] = rc.Name
			if to[i] == "" {
				to[i] = rc.Email
			}
		}
		out = append(out, web.TimelineItem{At: n.CreatedAt,
			Detail: "Email to " + strings.Join(to, ", ") + ": " + n.Subject + " (" + deliveryStatus(n.Status) + ")"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// meetingsFor are the meetings that took place, as a Case Manager may
// know of them: those the coach confirmed (which is when the Case Manager
// is told), by their time alone.
func meetingsFor(au policy.Audience, appts []store.Appointment) []string {
	if !au.Sees(policy.InfoAppointments, policy.MeetingsTookPlace) {
		return nil
	}
	var out []string
	for _, a := range appts {
		if a.Status == "attended" && a.MeetingConfirmedAt != nil {
			out = append(out, web.TimeRange(a.Start, a.End))
		}
	}
	return out
}

// sharedSummary reports whether a summary is the audience's to read:
// everything submitted for those who see summaries in full, only those
// sent with the trainee's consent for a Case Manager.
func sharedSummary(au policy.Audience, submitted bool, sentAt *time.Time) bool {
	switch au.Access(policy.InfoSummaries) {
	case policy.Full:
		return submitted
	case policy.SharedOnly:
		return submitted && sentAt != nil
	}
	return false
}
