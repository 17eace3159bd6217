package policy

// Changes: who may change what on a referral. One table, read three ways:
// the route table states MayChange(act) as the route's rule (403 for a role
// that can never take the action), handlers ask Change for the referral in
// hand (404 for someone else's record, 403 for a record the person may read
// but not change this way), and pages show a button or link only when Change
// allows it. A new action cannot be reached without an entry here.

// The actions that change a referral (or one of its appointments,
// extension requests or summaries), plus reading its summaries, which is
// decided per role and owner like a change.
const (
	// Triage: accept, decline, ask for information, decide eligibility,
	// allocate or move to another coach, close, chase or close an
	// unconfirmed referral.
	Triage Action = "triage"
	// BookFor books a session on the trainee's behalf.
	BookFor Action = "book_for"
	// CancelSession cancels a booked session (as the coach's or the unit's
	// cancellation, which never costs the trainee a session).
	CancelSession Action = "cancel_session"
	// RecordAttendance records whether a session took place.
	RecordAttendance Action = "record_attendance"
	// WaiveForfeit gives back a session lost to a late change or a miss.
	WaiveForfeit Action = "waive_forfeit"
	// ConfirmMeeting is the coach's confirmation that a meeting happened.
	ConfirmMeeting Action = "confirm_meeting"
	// RequestExtension asks a PSU lead for more sessions.
	RequestExtension Action = "request_extension"
	// DecideExtension approves or declines a request for more sessions.
	DecideExtension Action = "decide_extension"
	// DecideFunding records the Form D funding decision.
	DecideFunding Action = "decide_funding"
	// Reopen reopens a closed or withdrawn referral.
	Reopen Action = "reopen"
	// AddNote adds an internal note.
	AddNote Action = "add_note"
	// ReadSummaries reads the trainee's summaries (the coach all submitted
	// ones, the Case Manager those shared with them).
	ReadSummaries Action = "read_summaries"
)

// grant lets a role take an action: on every referral, or (own) only on
// the referrals where the person is that role's owner (the allocated coach,
// the Case Manager who referred).
type grant struct {
	role Role
	own  bool
}

// changes is the table. Coordinators manage appointments on anyone's
// behalf; a coach only for their own clients; a PSU lead waives forfeits,
// decides funding and extensions and reopens, but does not cancel or record
// attendance; Case Managers and admins change nothing on a referral.
var changes = map[Action][]grant{
	Triage:           {{Coordinator, false}},
	BookFor:          {{Coordinator, false}},
	CancelSession:    {{Coordinator, false}, {Coach, true}},
	RecordAttendance: {{Coordinator, false}, {Coach, true}},
	WaiveForfeit:     {{Coordinator, false}, {Lead, false}},
	ConfirmMeeting:   {{Coach, true}},
	RequestExtension: {{Coordinator, false}, {Coach, true}},
	DecideExtension:  {{Lead, false}},
	DecideFunding:    {{Lead, false}},
	Reopen:           {{Lead, false}},
	AddNote:          {{Coordinator, false}, {Lead, false}, {Coach, true}},
	ReadSummaries:    {{Coach, true}, {CaseManager, true}},
}

// ChangeActions lists every action in the table (tests walk it).
func ChangeActions() []Action {
	out := make([]Action, 0, len(changes))
	for a := range changes {
		out = append(out, a)
	}
	return out
}

// MayChange is the route rule for act: staff holding a role that may take
// it on some referral. Ownership is then decided per record by Change.
func MayChange(act Action) Rule {
	var roles []Role
	for _, g := range changes[act] {
		roles = append(roles, g.role)
	}
	if len(roles) == 0 {
		// An action nobody may take: the rule admits no role.
		return Rule{Name: "nobody", Staff: true, check: func(a Actor) Outcome {
			if a.Kind != Staff {
				return SignIn
			}
			return Forbid
		}}
	}
	return StaffWith(roles...)
}

// Change decides whether a may take act on a referral with these owners:
//   - SignIn for someone not signed in as staff;
//   - Hide when they may not read the referral at all (someone else's
//     client or referral), so it looks like no referral;
//   - Forbid when they may read it but none of their roles lets them take
//     this action on it;
//   - Allow otherwise.
func Change(a Actor, act Action, r ReferralOwners) Outcome {
	if a.Kind != Staff {
		return SignIn
	}
	if o := Referral(a, ViewReferral, r); o != Allow {
		return o
	}
	for _, g := range changes[act] {
		if !a.Has(g.role) {
			continue
		}
		if !g.own {
			return Allow
		}
		switch g.role {
		case Coach:
			if r.CoachID != 0 && r.CoachID == a.StaffID {
				return Allow
			}
		case CaseManager:
			if r.CaseManagerID != 0 && r.CaseManagerID == a.StaffID {
				return Allow
			}
		}
	}
	return Forbid
}

// Can is Change as a yes or no, for pages deciding whether to show a button.
func Can(a Actor, act Action, r ReferralOwners) bool { return Change(a, act, r) == Allow }
