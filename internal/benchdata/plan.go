package benchdata

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/referral"
	"careers/internal/triage"
)

// A referral's life is generated as a story with times: sent, confirmed
// (third-party routes), answered, allocated, sessions, closed. Its state
// is wherever "now" falls in the story, so recent referrals are in the
// early states and old ones closed, in the proportions a unit really has.

// staffMember is a seeded staff user.
type staffMember struct {
	ID     int64
	Email  string
	Name   string
	Roles  []string
	Active bool
}

// staffSet is the seeded staff by role.
type staffSet struct {
	all                                      []staffMember
	coordinators, leads, caseManagers, coach []staffMember
}

// ledgerEvent is one allowance event.
type ledgerEvent struct {
	At       time.Time
	Kind     string
	Sessions int
	ActorID  int64
	Note     string
}

// timelineEvent is one referral_events row.
type timelineEvent struct {
	At        time.Time
	Kind      string
	ActorKind string
	ActorID   int64
	Detail    string
}

// extension is a request for more sessions.
type extension struct {
	Sessions    int
	By          int64
	At          time.Time
	Status      string
	DecidedBy   int64
	DecidedAt   time.Time
	DecisionMsg string
}

// infoRequest is a question to the trainee.
type infoRequest struct {
	Question string
	By       int64
	At       time.Time
	Answer   string
	Answered time.Time
}

// note is an internal note.
type note struct {
	At     time.Time
	Author int64
	Body   string
}

// mail is a notification sent about the referral.
type mail struct {
	At        time.Time
	Kind      string
	Key       string
	ToName    string
	ToEmail   string
	Subject   string
	Paragraph string
}

// refPlan is everything seeded for one referral.
type refPlan struct {
	ID                 int64
	Reference          string
	Route              intake.Route
	Status             string
	Trainee, Referrer  person
	CaseManagerID      int64
	CoachID            int64
	Submitted          time.Time
	Confirmed          time.Time
	FirstResponse      time.Time
	Closed             time.Time
	Updated            time.Time
	UpdatedBy          int64
	Answers            []byte
	Eligibility        string
	Reasons            []byte
	Override           string
	OverrideReason     string
	Group, Region      string
	Body, Number       string
	FormDSessions      int
	FormDReference     string
	FormDStatus        string
	Outcome            string
	ClosingNote        string
	Version            int
	SessionsGranted    int
	SessionsUsed       int
	Ledger             []ledgerEvent
	Events             []timelineEvent
	Notes              []note
	Info               []infoRequest
	Extension          *extension
	Mails              []mail
	Views              []time.Time // coordinators opening the referral page
	Sessions           []session
	CreatedByCaseMgr   bool
	FormCUploadedAt    time.Time
	TraineeSignedInAt  time.Time
	DeclineReason      string
	eligibilityOutcome eligibility.Outcome
}

func days(f float64) time.Duration { return time.Duration(f * 24 * float64(time.Hour)) }

// between is a random moment in [a, b).
func between(r *rand.Rand, a, b time.Duration) time.Duration {
	if b <= a {
		return a
	}
	return a + time.Duration(r.Int64N(int64(b-a)))
}

// reference draws a referral reference, unique among seen.
func reference(r *rand.Rand, seen map[string]bool) string {
	for {
		var b [8]byte
		for i := range b {
			b[i] = referral.ReferenceAlphabet[r.IntN(len(referral.ReferenceAlphabet))]
		}
		ref := "CR-" + string(b[:4]) + "-" + string(b[4:])
		if !seen[ref] {
			seen[ref] = true
			return ref
		}
	}
}

func outcomeLabel(o eligibility.Outcome) string { return o.Label() }

func routeLabel(route intake.Route) string {
	switch route {
	case intake.RouteSelf:
		return "Self-referral"
	case intake.RouteSupervisor:
		return "Supervisor referral"
	}
	return "Case Manager referral"
}

// planReferral writes one referral's story. prev holds the referrals
// planned so far (some trainees come back years later).
func planReferral(r *rand.Rand, id int64, o Options, staff *staffSet, prev []refPlan, seen map[string]bool) (refPlan, error) {
	now := o.Now
	span := time.Duration(o.Years) * 365 * 24 * time.Hour
	// More referrals lately than five years ago: the unit has grown.
	x := math.Pow(r.Float64(), 0.8)
	submitted := now.Add(-span + time.Duration(x*float64(span))).Truncate(time.Second)
	if submitted.After(now) {
		submitted = now
	}
	p := refPlan{ID: id, Reference: reference(r, seen), Submitted: submitted, Version: 1}
	p.Route = []intake.Route{intake.RouteSelf, intake.RouteSupervisor, intake.RouteCaseManager}[weighted(r, 50, 30, 20)]
	if len(prev) > 100 && r.IntN(10) == 0 {
		p.Trainee = prev[r.IntN(len(prev))].Trainee // coming back for more support
	} else {
		p.Trainee = newPerson(r, int(id))
	}
	if p.Route == intake.RouteSupervisor {
		p.Referrer = newPerson(r, 5_000_000+int(id))
		p.Referrer.Email = "supervisor." + p.Referrer.Email
	}
	if p.Route == intake.RouteCaseManager {
		p.CaseManagerID = pick(r, staff.caseManagers).ID
		p.CreatedByCaseMgr = true
		p.FormCUploadedAt = submitted.Add(-between(r, time.Minute, 20*time.Minute))
	}
	v, err := referralAnswers(r, p.Route, p.Trainee, p.Referrer, submitted)
	if err != nil {
		return p, err
	}
	if p.Route == intake.RouteSupervisor {
		p.Referrer.Name = v.Get("referrer_name")
	}
	res := check(p.Route, v, submitted)
	p.eligibilityOutcome = res.Outcome
	p.Eligibility = string(res.Outcome)
	type reason struct {
		Code     string `json:"code"`
		Text     string `json:"text"`
		Signpost string `json:"signpost,omitempty"`
	}
	reasons := make([]reason, len(res.Reasons))
	for i, rs := range res.Reasons {
		reasons[i] = reason{rs.Code, rs.Text, rs.Signpost}
	}
	if p.Answers, err = json.Marshal(v); err != nil {
		return p, err
	}
	if p.Reasons, err = json.Marshal(reasons); err != nil {
		return p, err
	}
	ex := intake.Extract(p.Route, v)
	p.Group, p.Region, p.Body, p.Number = string(ex.Group), string(ex.Region), string(ex.Body), ex.Number
	p.FormDSessions, p.FormDReference = ex.FormDSessions, ex.FundingReference

	coordinator := func() int64 { return pick(r, staff.coordinators).ID }
	lead := func() int64 { return pick(r, staff.leads).ID }
	// happened adds an event that has happened by now; it reports whether.
	happened := func(at time.Time, kind, actorKind string, actor int64, detail string) bool {
		if at.After(now) {
			return false
		}
		p.Events = append(p.Events, timelineEvent{At: at, Kind: kind, ActorKind: actorKind, ActorID: actor, Detail: detail})
		if actorKind == "staff" {
			p.Updated, p.UpdatedBy = at, actor
		} else {
			p.Updated = at
		}
		return true
	}
	sentBy, sentActor := "public", int64(0)
	if p.CreatedByCaseMgr {
		sentBy, sentActor = "staff", p.CaseManagerID
	}
	happened(submitted, "submitted", sentBy, sentActor, "Referral sent: "+routeLabel(p.Route)+"; eligibility: "+outcomeLabel(res.Outcome))
	p.Status = "new"
	p.mailTo(submitted, p.Route)

	// Form D: a PSU lead decides the funding.
	if p.FormDSessions > 0 {
		p.FormDStatus = "requested"
		at := submitted.Add(between(r, days(1), days(10)))
		if !at.After(now) {
			p.FormDStatus = "approved"
			detail := "Funding approved"
			if r.IntN(100) < 15 {
				p.FormDStatus, detail = "declined", "Funding declined"
			}
			happened(at, "funding", "staff", lead(), detail)
			p.Version++
		}
	}

	// The response clock: from submission, or from the trainee's confirmation.
	clock := submitted
	if p.Route != intake.RouteSelf {
		p.Status = "awaiting_trainee"
		if r.IntN(10) == 9 {
			// Never confirmed: a coordinator closes it after a few weeks.
			at := submitted.Add(between(r, days(21), days(28)))
			if happened(at, "closed", "staff", coordinator(), "Closed without the trainee's confirmation: no reply to two emails") {
				p.Status, p.Closed, p.ClosingNote = "closed", at, "Closed without the trainee's confirmation"
				p.Version++
			}
			p.finish(r, now)
			return p, nil
		}
		clock = submitted.Add(time.Duration(math.Min(r.ExpFloat64()*2, 13) * float64(24*time.Hour)))
		if !happened(clock, "confirmed", "public", 0, "The trainee confirmed they want careers support; eligibility: "+outcomeLabel(res.Outcome)) {
			p.finish(r, now)
			return p, nil
		}
		p.Status, p.Confirmed = "new", clock
		p.Version++
	}

	// Withdrawals can come at any point.
	withdrawAt := time.Time{}
	if r.IntN(100) < 4 {
		withdrawAt = clock.Add(between(r, days(1), days(120)))
	}
	withdrawn := func(before time.Time) bool {
		if withdrawAt.IsZero() || !withdrawAt.Before(before) || withdrawAt.After(now) {
			return false
		}
		happened(withdrawAt, "withdrawn", "staff", coordinator(), "The trainee withdrew the referral")
		p.Status, p.Closed, p.Outcome = "withdrawn", withdrawAt, string(triage.OutcomeWithdrew)
		p.Version++
		p.finish(r, now)
		return true
	}

	// The first response, mostly within the 14 days.
	respond := clock.Add(between(r, days(0.3), days(12)))
	if r.IntN(10) == 0 {
		respond = clock.Add(between(r, days(12), days(20)))
	}
	if withdrawn(respond) {
		return p, nil
	}
	decision := p.eligibilityOutcome
	if decision == eligibility.NeedsReview && r.IntN(10) < 7 {
		decision = eligibility.Eligible
		if r.IntN(5) == 0 {
			decision = eligibility.NotEligible
		}
		if happened(respond.Add(-time.Minute), "eligibility", "staff", coordinator(), "Eligibility decided: "+decision.Label()) {
			p.Override, p.OverrideReason = string(decision), "Checked with the PSU lead"
			p.Version++
		}
	}
	who := coordinator()
	switch {
	case decision == eligibility.NotEligible && r.IntN(10) < 8:
		p.DeclineReason = "Not eligible for the unit's careers support"
		if happened(respond, "declined", "staff", who, "Declined: "+p.DeclineReason) {
			p.Status, p.FirstResponse, p.Closed, p.ClosingNote = "closed", respond, respond, "Declined: "+p.DeclineReason
			p.Version++
			p.mail(respond, "referral_declined", "declined", "Your careers support referral", "We are sorry: our unit is not the right service for you.")
		}
		p.finish(r, now)
		return p, nil
	case r.IntN(14) == 0:
		q := pick(r, infoQuestions)
		if !happened(respond, "info_requested", "staff", who, "Asked the trainee: "+q) {
			p.finish(r, now)
			return p, nil
		}
		p.Status, p.FirstResponse = "info_requested", respond
		p.Version++
		ir := infoRequest{Question: q, By: who, At: respond}
		p.mail(respond, "info_request", "info", "A question about your careers support referral", "A coordinator has a question about your referral.")
		answered := respond.Add(between(r, days(0.5), days(7)))
		if happened(answered, "info_answered", "public", 0, "The trainee answered: "+pick(r, infoAnswers)) {
			ir.Answer, ir.Answered = p.Events[len(p.Events)-1].Detail[len("The trainee answered: "):], answered
			p.Status = "new"
			p.Version++
		}
		p.Info = append(p.Info, ir)
		if p.Status != "new" {
			p.finish(r, now)
			return p, nil
		}
		respond = answered.Add(between(r, days(0.2), days(3)))
		if !happened(respond, "accepted", "staff", coordinator(), "Accepted") {
			p.finish(r, now)
			return p, nil
		}
		p.Status = "accepted"
		p.Version++
	default:
		if !happened(respond, "accepted", "staff", who, "Accepted") {
			p.finish(r, now)
			return p, nil
		}
		p.Status, p.FirstResponse = "accepted", respond
		p.Version++
	}

	// Allocation to a coach, with the initial allowance.
	allocated := respond.Add(between(r, days(0.1), days(6)))
	if withdrawn(allocated) {
		return p, nil
	}
	coach := pick(r, staff.coach)
	granted := triage.MaxInitial
	if p.FormDSessions > 0 && p.FormDStatus == "approved" {
		granted = p.FormDSessions
	}
	by := coordinator()
	if !happened(allocated, "allocated", "staff", by, "Allocated to "+coach.Name+" with "+strconv.Itoa(granted)+" session(s)") {
		p.finish(r, now)
		return p, nil
	}
	p.Status, p.CoachID = "allocated", coach.ID
	p.Version++
	p.ledger(now, ledgerEvent{At: allocated, Kind: "granted", Sessions: granted, ActorID: by, Note: "Initial allowance"})
	p.mail(allocated, "referral_allocated", "allocated", "Your careers coach", "Your coach is "+coach.Name+". Sign in and book your first session at a time that suits you.")

	if r.IntN(20) == 0 {
		// Never books: closed after two months.
		at := allocated.Add(between(r, days(55), days(70)))
		if happened(at, "closed", "staff", coordinator(), "Closed: "+triage.OutcomeDidNotEngage.Label()) {
			p.Status, p.Closed, p.Outcome, p.ClosingNote = "closed", at, string(triage.OutcomeDidNotEngage), pick(r, closeNotes)
			p.Version++
		}
		p.finish(r, now)
		return p, nil
	}

	// Sessions, a few weeks apart. Some bookings are cancelled in time.
	at := allocated.Add(between(r, days(3), days(20)))
	sessions := 1 + r.IntN(granted)
	extended := false
	for s := 0; s < sessions; s++ {
		if withdrawn(at) {
			return p, nil
		}
		if r.IntN(20) == 0 {
			p.ledger(now, ledgerEvent{At: at, Kind: "booked", Sessions: 1, ActorID: coach.ID, Note: "Session booked"})
			p.ledger(now, ledgerEvent{At: at.Add(days(2)), Kind: "released", Sessions: 1, ActorID: coach.ID, Note: "Cancelled in time"})
			p.session(now, session{Booked: at, At: at.Add(days(7)), Released: at.Add(days(2))})
			at = at.Add(days(3))
		}
		p.ledger(now, ledgerEvent{At: at, Kind: "booked", Sessions: 1, ActorID: coach.ID, Note: "Session booked"})
		if s == 0 && happened(at, "started", "staff", coach.ID, "First session booked") {
			p.Status = "active"
			p.Version++
		}
		held := at.Add(between(r, days(5), days(14)))
		p.session(now, session{Booked: at, At: held})
		p.ledger(now, ledgerEvent{At: held, Kind: "attended", Sessions: 1, ActorID: coach.ID, Note: "Session attended"})
		at = at.Add(between(r, days(14), days(35)))
		if s == sessions-1 && !extended && r.IntN(25) == 0 {
			// A coach asks for more; a PSU lead decides.
			extended = true
			x := &extension{Sessions: 1 + r.IntN(2), By: coach.ID, At: at, Status: "pending"}
			if happened(at, "extension_requested", "staff", coach.ID, "Asked for "+strconv.Itoa(x.Sessions)+" more session(s)") {
				p.Extension = x
				decided := at.Add(between(r, days(1), days(6)))
				x.DecidedBy = lead()
				if happened(decided, "extension_decided", "staff", x.DecidedBy, "Extension approved") {
					x.Status, x.DecidedAt, x.DecisionMsg = "approved", decided, "Approved"
					p.ledger(now, ledgerEvent{At: decided, Kind: "extended", Sessions: x.Sessions, ActorID: x.DecidedBy, Note: "Extension approved"})
					sessions += x.Sessions
				}
				at = decided.Add(days(7))
			}
		}
	}
	closeAt := at.Add(between(r, days(7), days(40)))
	if withdrawn(closeAt) {
		return p, nil
	}
	outcome := pick(r, triage.Outcomes[:6])
	if happened(closeAt, "closed", "staff", coordinator(), "Closed: "+outcome.Label()) {
		p.Status, p.Closed, p.Outcome, p.ClosingNote = "closed", closeAt, string(outcome), pick(r, closeNotes)
		p.Version++
	}
	p.finish(r, now)
	return p, nil
}

// ledger records an allowance event that has happened by now.
func (p *refPlan) ledger(now time.Time, e ledgerEvent) {
	if e.At.After(now) {
		return
	}
	p.Ledger = append(p.Ledger, e)
	switch e.Kind {
	case "granted", "extended":
		p.SessionsGranted += e.Sessions
	case "booked", "forfeited":
		p.SessionsUsed += e.Sessions
	case "released", "waived":
		p.SessionsUsed -= e.Sessions
	}
}

// session is a booking: when it was made, when the session is (or was),
// and when it was cancelled in time, if it was.
type session struct {
	Booked, At, Released time.Time
}

// session records a booking made by now (its session may be to come).
func (p *refPlan) session(now time.Time, s session) {
	if !s.Booked.After(now) {
		p.Sessions = append(p.Sessions, s)
	}
}

// mailTo records the emails a new referral sends.
func (p *refPlan) mailTo(at time.Time, route intake.Route) {
	switch route {
	case intake.RouteSelf:
		p.mail(at, "referral_receipt", "receipt", "We have your careers support referral", "Thank you for referring yourself for careers support.")
	case intake.RouteSupervisor:
		p.Mails = append(p.Mails, mail{At: at, Kind: "referrer_receipt", Key: "referrer_receipt:" + p.Reference, ToName: p.Referrer.Name,
			ToEmail: p.Referrer.Email, Subject: "We have your referral for " + p.Trainee.Name,
			Paragraph: "Thank you for referring " + p.Trainee.Name + " for careers support. We have asked them to confirm."})
		p.mail(at, "confirm_request", "confirm", "Please confirm your careers support referral", "Someone has referred you for careers support. Please confirm you want it.")
	default:
		p.mail(at, "confirm_request", "confirm", "Please confirm your careers support referral", "Your Case Manager has referred you for careers support. Please confirm you want it.")
	}
}

// mail records an email to the trainee.
func (p *refPlan) mail(at time.Time, kind, key, subject, paragraph string) {
	p.Mails = append(p.Mails, mail{At: at, Kind: kind, Key: key + ":" + p.Reference + ":" + strconv.Itoa(len(p.Mails)),
		ToName: p.Trainee.Name, ToEmail: p.Trainee.Email, Subject: subject, Paragraph: paragraph})
}

// finish adds what happens around the story: notes, coordinators opening
// the page, the trainee signing in to see it.
func (p *refPlan) finish(r *rand.Rand, now time.Time) {
	end := now
	if !p.Closed.IsZero() {
		end = p.Closed
	}
	life := end.Sub(p.Submitted)
	if life <= 0 {
		life = time.Minute
	}
	for range 1 + r.IntN(3) {
		at := p.Submitted.Add(between(r, time.Minute, life))
		if !at.After(now) {
			p.Views = append(p.Views, at)
		}
	}
	if p.CoachID != 0 && r.IntN(5) == 0 {
		for range 1 + r.IntN(3) {
			at := p.Submitted.Add(between(r, time.Minute, life))
			if !at.After(now) {
				p.Notes = append(p.Notes, note{At: at, Author: p.CoachID, Body: pick(r, noteBodies)})
				p.Events = append(p.Events, timelineEvent{At: at, Kind: "note", ActorKind: "staff", ActorID: p.CoachID, Detail: "Internal note added"})
			}
		}
	}
	if r.IntN(3) == 0 {
		if at := p.Submitted.Add(between(r, time.Hour, life+time.Hour)); !at.After(now) {
			p.TraineeSignedInAt = at
		}
	}
	if p.Updated.IsZero() {
		p.Updated = p.Submitted
	}
}

func (p refPlan) String() string { return fmt.Sprintf("%s %s %s", p.Reference, p.Route, p.Status) }
