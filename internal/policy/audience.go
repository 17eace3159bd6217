package policy

// This file is PRODUCT.md's table "Who sees what", written once. Pages,
// exports and emails ask an Audience what it may see of each kind of
// information on a referral, instead of deciding field by field; a
// field with no Info cannot be laid out for anyone.

// Info is a kind of information about a referral: a row of the table.
type Info int

// The kinds of information, in the table's order.
const (
	// InfoReferrerSent is what the referrer sent: their form, Form C,
	// Form D (with its funding decision).
	InfoReferrerSent Info = iota + 1
	// InfoTraineeAnswers are the trainee's own answers: reasons, hopes,
	// preferences, contact (all of a self-referral; what the trainee gave
	// when confirming a referral someone else made).
	InfoTraineeAnswers
	// InfoEligibility is the eligibility check's result, its reasons and
	// signposting, and a coordinator's decision with its reason.
	InfoEligibility
	// InfoTriage is triage: decisions, messages, reasons, questions and
	// the trainee's answers (and requests for extra sessions). Its
	// restricted form, StatusOnly, is where the referral has got to.
	InfoTriage
	// InfoInternal is the team's internal notes and the closing note.
	InfoInternal
	// InfoAppointments are appointments and attendance (and the allowance
	// ledger they drive).
	InfoAppointments
	// InfoSummaries are the trainee's summaries and action plans.
	InfoSummaries
	// InfoOutcome is the outcome recorded at closure.
	InfoOutcome
	// InfoFeedback is outcome questionnaires and feedback.
	InfoFeedback
)

// InfoJoining is how the two people meet for an appointment: the video
// link, the coach's telephone number, the address. It is a part of
// InfoAppointments that nobody outside the session needs (issue 15: the
// two people and the unit): not a row of PRODUCT.md's table but a
// narrowing of one (Parent), never wider than it, which a test checks.
const InfoJoining Info = 100

// Narrowings are the kinds of information that narrow a row of the
// product's table, with the row they narrow.
var Narrowings = map[Info]Info{InfoJoining: InfoAppointments}

// Parent is the product table's row that i belongs to (i itself for a row).
func (i Info) Parent() Info {
	if p, ok := Narrowings[i]; ok {
		return p
	}
	return i
}

// Infos lists every kind of information in the table's order.
var Infos = []Info{InfoReferrerSent, InfoTraineeAnswers, InfoEligibility, InfoTriage, InfoInternal,
	InfoAppointments, InfoSummaries, InfoOutcome, InfoFeedback}

// Label names the kind of information as the table does.
func (i Info) Label() string {
	switch i {
	case InfoReferrerSent:
		return "what the referrer sent (their form, Form C, Form D)"
	case InfoTraineeAnswers:
		return "the trainee's own answers (reasons, hopes, preferences, contact)"
	case InfoEligibility:
		return "eligibility"
	case InfoTriage:
		return "triage: decisions, messages, reasons, questions and the trainee's answers"
	case InfoInternal:
		return "internal notes, closing note"
	case InfoAppointments:
		return "appointments and attendance"
	case InfoSummaries:
		return "summaries / action plans"
	case InfoOutcome:
		return "outcome at closure"
	case InfoFeedback:
		return "outcome questionnaires and feedback"
	case InfoJoining:
		return "joining details (video link, telephone number, address)"
	}
	return "unknown information"
}

// Viewer is someone's relation to one referral: a column of the table.
type Viewer int

// The viewers, in the table's order.
const (
	ViewerTrainee Viewer = iota + 1
	// ViewerSupervisor is the supervisor (or other educator) who referred.
	ViewerSupervisor
	// ViewerCaseManager is the Case Manager who referred.
	ViewerCaseManager
	// ViewerTeam is a coordinator or PSU lead.
	ViewerTeam
	// ViewerCoach is the coach the referral is allocated to.
	ViewerCoach
	// ViewerAdmin is an admin answering an audited request for a person's
	// data: the only way an admin sees a referral's content.
	ViewerAdmin
)

// Viewers lists every viewer in the table's order.
var Viewers = []Viewer{ViewerTrainee, ViewerSupervisor, ViewerCaseManager, ViewerTeam, ViewerCoach, ViewerAdmin}

// Label names the viewer as the table does.
func (v Viewer) Label() string {
	switch v {
	case ViewerTrainee:
		return "trainee"
	case ViewerSupervisor:
		return "supervisor who referred"
	case ViewerCaseManager:
		return "Case Manager who referred"
	case ViewerTeam:
		return "coordinator, lead"
	case ViewerCoach:
		return "allocated coach"
	case ViewerAdmin:
		return "admin"
	}
	return "nobody"
}

// Access is what a viewer gets of a kind of information: a cell of the
// table. The restricted forms sit between NoAccess and Full; their order
// is the order in which one person holding several relations to a
// referral gets the most they may have.
type Access int

// The cells.
const (
	// NoAccess: nothing of it.
	NoAccess Access = iota
	// StatusOnly: where the referral has got to, nothing of what was said
	// ("their own status only", "status only").
	StatusOnly
	// IfTraineeAgreed: only if the trainee agreed to it being shared. No
	// such agreement is recorded yet, so it is shown to nobody for now.
	IfTraineeAgreed
	// ResultOnly: the eligibility result, without its reasons.
	ResultOnly
	// ResultAndNextStep: the result and what to do (signposting), without
	// the reasons worked out for the team.
	ResultAndNextStep
	// MeetingsTookPlace: that meetings took place, and when; nothing of
	// bookings, cancellations, attendance or the allowance.
	MeetingsTookPlace
	// SharedOnly: only the summaries the trainee shared (sent with their
	// consent).
	SharedOnly
	// SentToThem: what was sent to the trainee (questions, messages) and
	// their own answers; not the team's reasons.
	SentToThem
	// FiguresOnly: figures, and comments without the name unless agreed.
	FiguresOnly
	// OwnClientsRatings: a coach's own clients' ratings.
	OwnClientsRatings
	// Full: all of it.
	Full
)

// String names the cell.
func (a Access) String() string {
	switch a {
	case NoAccess:
		return "no"
	case StatusOnly:
		return "status only"
	case IfTraineeAgreed:
		return "only if the trainee agreed"
	case ResultOnly:
		return "the result"
	case ResultAndNextStep:
		return "the result and what to do"
	case MeetingsTookPlace:
		return "that meetings took place"
	case SharedOnly:
		return "only those the trainee shared"
	case SentToThem:
		return "what was sent to them"
	case FiguresOnly:
		return "figures; comments without name unless agreed"
	case OwnClientsRatings:
		return "their clients' ratings"
	case Full:
		return "yes"
	}
	return "unknown"
}

// table is PRODUCT.md's "Who sees what", cell by cell. A cell left out is
// NoAccess. The admin column is "data request": ViewerAdmin exists only
// for an admin's audited request for a person's data.
var table = map[Info]map[Viewer]Access{
	InfoReferrerSent: {ViewerTrainee: Full, ViewerSupervisor: StatusOnly, ViewerCaseManager: Full, ViewerTeam: Full,
		ViewerCoach: Full, ViewerAdmin: Full},
	InfoTraineeAnswers: {ViewerTrainee: Full, ViewerTeam: Full, ViewerCoach: Full, ViewerAdmin: Full},
	InfoEligibility: {ViewerTrainee: ResultAndNextStep, ViewerCaseManager: ResultOnly, ViewerTeam: Full,
		ViewerCoach: ResultOnly, ViewerAdmin: Full},
	InfoTriage: {ViewerTrainee: SentToThem, ViewerSupervisor: StatusOnly, ViewerCaseManager: StatusOnly, ViewerTeam: Full,
		ViewerCoach: Full, ViewerAdmin: Full},
	InfoInternal: {ViewerTeam: Full, ViewerCoach: Full, ViewerAdmin: Full},
	InfoAppointments: {ViewerTrainee: Full, ViewerCaseManager: MeetingsTookPlace, ViewerTeam: Full, ViewerCoach: Full,
		ViewerAdmin: Full},
	InfoSummaries: {ViewerTrainee: Full, ViewerCaseManager: SharedOnly, ViewerCoach: Full, ViewerAdmin: Full},
	InfoOutcome: {ViewerTrainee: Full, ViewerSupervisor: IfTraineeAgreed, ViewerCaseManager: IfTraineeAgreed, ViewerTeam: Full,
		ViewerCoach: Full, ViewerAdmin: Full},
	InfoFeedback: {ViewerTrainee: Full, ViewerTeam: FiguresOnly, ViewerCoach: OwnClientsRatings, ViewerAdmin: Full},
	// The two people and the unit; never the referrer (not even the Case
	// Manager, who sees only that meetings took place).
	InfoJoining: {ViewerTrainee: Full, ViewerTeam: Full, ViewerCoach: Full, ViewerAdmin: Full},
}

// Cell is one cell of the table.
func Cell(i Info, v Viewer) Access { return table[i][v] }

// ViewersOf are the relations the actor has to a referral with these
// owners (none for someone who may not see it). Admins have none: they
// read a referral's content only through a data request
// (DataRequestAudience).
func ViewersOf(a Actor, o ReferralOwners) []Viewer {
	var out []Viewer
	switch a.Kind {
	case Staff:
		if a.HasAny(Coordinator, Lead) {
			out = append(out, ViewerTeam)
		}
		if a.Has(Coach) && o.CoachID != 0 && o.CoachID == a.StaffID {
			out = append(out, ViewerCoach)
		}
		if a.Has(CaseManager) && o.CaseManagerID != 0 && o.CaseManagerID == a.StaffID {
			out = append(out, ViewerCaseManager)
		}
	case Public:
		if a.Email == "" {
			return nil
		}
		if a.Email == o.TraineeEmail {
			out = append(out, ViewerTrainee)
		}
		if a.Email == o.ReferrerEmail {
			out = append(out, ViewerSupervisor)
		}
	}
	return out
}

// Audience is what one person may see of one referral: the cells of their
// columns, the most of each where they have several.
type Audience struct {
	viewers []Viewer
}

// AudienceOf is the actor's audience for a referral with these owners.
func AudienceOf(a Actor, o ReferralOwners) Audience {
	return Audience{viewers: ViewersOf(a, o)}
}

// AudienceFor is the audience of the given viewers (for tests and for
// code that already knows who it is writing for, such as an email).
func AudienceFor(vs ...Viewer) Audience { return Audience{viewers: vs} }

// DataRequestAudience is an admin answering an audited request for a
// person's data: everything.
func DataRequestAudience() Audience { return Audience{viewers: []Viewer{ViewerAdmin}} }

// Nobody reports whether the audience may see nothing of the referral.
func (au Audience) Nobody() bool { return len(au.viewers) == 0 }

// Is reports whether v is one of the audience's relations to the referral.
func (au Audience) Is(v Viewer) bool {
	for _, x := range au.viewers {
		if x == v {
			return true
		}
	}
	return false
}

// Access is what the audience gets of i.
func (au Audience) Access(i Info) Access {
	best := NoAccess
	for _, v := range au.viewers {
		if c := Cell(i, v); c > best {
			best = c
		}
	}
	return best
}

// Full reports whether the audience sees all of i.
func (au Audience) Full(i Info) bool { return au.Access(i) == Full }

// Any reports whether the audience sees anything of i.
func (au Audience) Any(i Info) bool { return au.Access(i) != NoAccess }

// Sees reports whether the audience's access to i is one of the given
// (Full always counts).
func (au Audience) Sees(i Info, restricted ...Access) bool {
	a := au.Access(i)
	if a == Full {
		return true
	}
	for _, r := range restricted {
		if a == r && a != NoAccess {
			return true
		}
	}
	return false
}

// Status reports whether the audience may see where the referral has got
// to (its status): at least StatusOnly of triage.
func (au Audience) Status() bool { return au.Any(InfoTriage) }

// StatusOf is the referral's status as this audience may see it ("" for
// none). A withdrawal is an outcome ("withdrew"), which a referrer sees
// only if the trainee agreed, so those who see the status but not the
// outcome read it as closed: the referral has ended, nothing more.
func (au Audience) StatusOf(status string) string {
	switch {
	case !au.Status():
		return ""
	case status == "withdrawn" && !au.Full(InfoOutcome) && !au.Is(ViewerTrainee):
		return "closed"
	}
	return status
}

// Entry is what a kind of timeline entry holds: the kind of information
// its detail is, whether it was sent to or came from the trainee, and what
// it says to someone who may see only a brief form of it.
type Entry struct {
	Info Info
	// ToTrainee: the detail was sent to the trainee or written by them (a
	// question, their answer), so the trainee's "what was sent to them"
	// covers it.
	ToTrainee bool
	// Brief is the entry for someone who may not read the detail but may
	// see BriefInfo ("" for nothing).
	Brief     string
	BriefInfo Info
}

// entries gives every kind of timeline entry its information. A kind not
// listed is treated as internal.
var entries = map[string]Entry{
	"submitted":         {Info: InfoTriage, ToTrainee: true, Brief: "Referral sent", BriefInfo: InfoTriage},
	"confirmed":         {Info: InfoTriage, ToTrainee: true, Brief: "The trainee confirmed they want careers support", BriefInfo: InfoTriage},
	"chased":            {Info: InfoTriage, ToTrainee: true, Brief: "The trainee was sent a new confirmation link", BriefInfo: InfoTriage},
	"confirm_link_sent": {Info: InfoTriage, ToTrainee: true, Brief: "The trainee asked for a new confirmation link", BriefInfo: InfoTriage},
	"reminded":          {Info: InfoTriage, ToTrainee: true, Brief: "The trainee was reminded to confirm", BriefInfo: InfoTriage},
	"accepted":          {Info: InfoTriage, ToTrainee: true, Brief: "Accepted", BriefInfo: InfoTriage},
	"declined":          {Info: InfoTriage, Brief: "Declined", BriefInfo: InfoTriage},
	"info_requested":    {Info: InfoTriage, ToTrainee: true, Brief: "The trainee was asked for more information", BriefInfo: InfoTriage},
	"info_answered":     {Info: InfoTriage, ToTrainee: true, Brief: "The trainee answered", BriefInfo: InfoTriage},
	"eligibility":       {Info: InfoEligibility, Brief: "A coordinator recorded an eligibility decision", BriefInfo: InfoTriage},
	"allocated":         {Info: InfoTriage, Brief: "A coach was allocated", BriefInfo: InfoTriage},
	"reallocated":       {Info: InfoTriage, Brief: "Moved to another coach", BriefInfo: InfoTriage},
	"reopened":          {Info: InfoTriage, Brief: "Reopened", BriefInfo: InfoTriage},
	"closed":            {Info: InfoInternal, Brief: "Closed", BriefInfo: InfoTriage},
	"withdrawn":         {Info: InfoTriage, ToTrainee: true, Brief: "Closed", BriefInfo: InfoTriage},
	// The trainee's "No thanks" on the confirmation page: its detail holds
	// their optional reason, which is theirs and the unit's only.
	"trainee_declined":    {Info: InfoTraineeAnswers, ToTrainee: true, Brief: "The trainee chose not to go ahead", BriefInfo: InfoTriage},
	"extension_requested": {Info: InfoTriage, Brief: "Extra sessions were asked for", BriefInfo: InfoTriage},
	"extension_decided":   {Info: InfoTriage, Brief: "A PSU lead decided on a request for extra sessions", BriefInfo: InfoTriage},
	"funding":             {Info: InfoReferrerSent, Brief: "Form D funding decided", BriefInfo: InfoTriage},
	"note":                {Info: InfoInternal},
	"legal_hold_placed":   {Info: InfoInternal},
	"legal_hold_lifted":   {Info: InfoInternal},
	"booked":              {Info: InfoAppointments},
	"cancelled":           {Info: InfoAppointments},
	"rearranged":          {Info: InfoAppointments},
	"attendance":          {Info: InfoAppointments},
	"waived":              {Info: InfoAppointments},
	"meeting_confirmed":   {Info: InfoAppointments, Brief: "A session took place (confirmed by the coach)", BriefInfo: InfoAppointments},
	"summary":             {Info: InfoSummaries},
	"consent":             {Info: InfoSummaries},
	"summary_sent":        {Info: InfoSummaries, Brief: "The trainee shared a summary with their Case Manager", BriefInfo: InfoSummaries},
	// The six-month outcome email: the trainee's own; nobody else's business.
	"outcome_followup_sent": {Info: InfoFeedback},
	"contact_changed":       {Info: InfoTraineeAnswers, ToTrainee: true},
}

// EntryOf is what a kind of timeline entry holds (internal if unknown).
func EntryOf(kind string) Entry {
	if e, ok := entries[kind]; ok {
		return e
	}
	return Entry{Info: InfoInternal}
}

// EntryKinds lists the kinds of timeline entry the table knows.
func EntryKinds() []string {
	out := make([]string, 0, len(entries))
	for k := range entries {
		out = append(out, k)
	}
	return out
}

// Entry is what the audience reads of a timeline entry of kind with
// detail: the detail, its brief form, or nothing (false).
func (au Audience) Entry(kind, detail string) (string, bool) {
	e := EntryOf(kind)
	switch au.Access(e.Info) {
	case Full:
		return detail, true
	case SentToThem:
		if e.ToTrainee {
			return detail, true
		}
	}
	if e.Brief != "" && au.Any(e.BriefInfo) {
		return e.Brief, true
	}
	return "", false
}

// Email is what a kind of email about a referral carries, and to whom.
type Email struct {
	Info Info
	To   Viewer
}

// emails gives every kind of email about a referral what it carries and
// its recipient. jobs.Enqueue refuses an email about a referral whose
// kind is not here, and a test checks each recipient may see what their
// email carries.
var emails = map[string]Email{
	"referral_receipt":           {InfoTriage, ViewerTrainee},
	"referrer_receipt":           {InfoTriage, ViewerSupervisor},
	"confirm_request":            {InfoTriage, ViewerTrainee},
	"confirm_reminder":           {InfoTriage, ViewerTrainee},
	"referral_declined":          {InfoTriage, ViewerTrainee},
	"info_request":               {InfoTriage, ViewerTrainee},
	"allocation_trainee":         {InfoTriage, ViewerTrainee},
	"allocation_coach":           {InfoTriage, ViewerCoach},
	"closure_case_manager":       {InfoTriage, ViewerCaseManager},
	"closure_referrer":           {InfoTriage, ViewerSupervisor},
	"withdrawn_trainee":          {InfoTriage, ViewerTrainee},
	"withdrawn_coach":            {InfoTriage, ViewerCoach},
	"withdrawn_case_manager":     {InfoTriage, ViewerCaseManager},
	"withdrawn_referrer":         {InfoTriage, ViewerSupervisor},
	"funding_decision":           {InfoReferrerSent, ViewerCaseManager},
	"appointment_trainee":        {InfoJoining, ViewerTrainee},
	"appointment_coach":          {InfoJoining, ViewerCoach},
	"appointment_reminder":       {InfoJoining, ViewerTrainee},
	"appointment_reminder_coach": {InfoJoining, ViewerCoach},
	"summary_request":            {InfoAppointments, ViewerTrainee},
	"meeting_confirmed":          {InfoAppointments, ViewerCaseManager},
	"summary_to_case_manager":    {InfoSummaries, ViewerCaseManager},
	// The outcome questionnaire: the invitation at closure, the six-month
	// follow-up and its one reminder; links to questions, nothing of the
	// answers.
	"outcome_closure_invite":    {InfoFeedback, ViewerTrainee},
	"outcome_followup":          {InfoFeedback, ViewerTrainee},
	"outcome_followup_reminder": {InfoFeedback, ViewerTrainee},

	// Telling each person it is their turn (notify/turns.templ). None
	// carries more than its Info allows its recipient: the referrer hears
	// only where the referral has got to.
	"confirmed_referrer":            {InfoTriage, ViewerSupervisor},
	"confirmed_case_manager":        {InfoTriage, ViewerCaseManager},
	"allocation_referrer":           {InfoTriage, ViewerSupervisor},
	"allocation_case_manager":       {InfoTriage, ViewerCaseManager},
	"trainee_declined_referrer":     {InfoTriage, ViewerSupervisor},
	"trainee_declined_case_manager": {InfoTriage, ViewerCaseManager},
	"funding_approved_trainee":      {InfoTriage, ViewerTrainee},
	"extension_approved_trainee":    {InfoTriage, ViewerTrainee},
	"extension_decided_coach":       {InfoTriage, ViewerCoach},
	"summary_reminder":              {InfoAppointments, ViewerTrainee},
	"info_answered_team":            {InfoTriage, ViewerTeam},
}

// EmailOf is what a kind of email about a referral carries and to whom
// (false if the kind is not in the table).
func EmailOf(kind string) (Email, bool) {
	e, ok := emails[kind]
	return e, ok
}

// EmailKinds lists the kinds of email about a referral the table knows.
func EmailKinds() []string {
	out := make([]string, 0, len(emails))
	for k := range emails {
		out = append(out, k)
	}
	return out
}

// SeesEmail reports whether the audience may see, in the referral's
// history, that an email of kind was sent: those who see all of what it
// carries, and its recipient. Unknown kinds count as internal.
func (au Audience) SeesEmail(kind string) bool {
	e, ok := EmailOf(kind)
	if !ok {
		return au.Full(InfoInternal)
	}
	return au.Full(e.Info) || (au.Is(e.To) && au.Any(e.Info))
}
