// Package policy answers one question for the whole service: may this
// person do this action on this record? Routes state a Rule (who may reach
// the page at all); handlers then ask Referral for the record in hand, which
// is where ownership decides. It has no I/O.
package policy

import "slices"

// Role is a staff role.
type Role string

// The staff roles.
const (
	Coordinator Role = "coordinator"
	Coach       Role = "coach"
	Lead        Role = "psu_lead"
	CaseManager Role = "case_manager"
	Admin       Role = "admin"
)

// Roles lists every role in the order people see them.
var Roles = []Role{Coordinator, Coach, Lead, CaseManager, Admin}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case Coordinator:
		return "Coordinator"
	case Coach:
		return "Coach"
	case Lead:
		return "PSU lead"
	case CaseManager:
		return "Case Manager"
	case Admin:
		return "Admin"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Kind is how a person is signed in.
type Kind int

// The kinds of actor.
const (
	Anonymous Kind = iota
	// Staff signed in with password and second factor.
	Staff
	// Public is a trainee or referrer signed in through an emailed link; all
	// we know is that they control Email.
	Public
)

// Actor is the person making a request.
type Actor struct {
	Kind    Kind
	StaffID int64
	Roles   []Role
	Email   string // lower-case
}

// Has reports whether a staff actor holds role.
func (a Actor) Has(role Role) bool { return a.Kind == Staff && slices.Contains(a.Roles, role) }

// HasAny reports whether a staff actor holds any of roles.
func (a Actor) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// Outcome is the answer to "may they?".
type Outcome int

// The outcomes. Hide is for other people's records: answered as "not
// found", so their existence does not leak.
const (
	Allow Outcome = iota
	SignIn
	Forbid
	Hide
)

// Rule is what a route states about who may reach it.
type Rule struct {
	Name string
	// Staff says which sign-in page to send an anonymous visitor to.
	Staff bool
	check func(Actor) Outcome
}

// Check applies the rule to a.
func (r Rule) Check(a Actor) Outcome { return r.check(a) }

// Anyone may reach the route (public pages, sign-in forms).
var Anyone = Rule{Name: "anyone", check: func(Actor) Outcome { return Allow }}

// SignedInPublic: a trainee or referrer signed in by email link. Staff are
// sent to sign in as a member of the public, since their staff session says
// nothing about which email address they control.
var SignedInPublic = Rule{Name: "signed-in trainee or referrer", check: func(a Actor) Outcome {
	if a.Kind == Public {
		return Allow
	}
	return SignIn
}}

// StaffWith admits signed-in staff holding any of roles (any staff member
// when none are given).
func StaffWith(roles ...Role) Rule {
	name := "staff"
	for i, r := range roles {
		if i == 0 {
			name += ": "
		} else {
			name += " or "
		}
		name += string(r)
	}
	return Rule{Name: name, Staff: true, check: func(a Actor) Outcome {
		switch {
		case a.Kind != Staff:
			return SignIn
		case len(roles) == 0 || a.HasAny(roles...):
			return Allow
		default:
			return Forbid
		}
	}}
}

// Action is something done to a referral.
type Action string

// The actions on a referral.
const (
	// ViewReferral sees its confidential details (and Form C, summaries).
	ViewReferral Action = "view_referral"
	// ViewReferralStatus sees only where it has got to.
	ViewReferralStatus Action = "view_referral_status"
)

// ReferralOwners are the facts about a referral that decide who may see it.
type ReferralOwners struct {
	TraineeEmail  string
	ReferrerEmail string
	CaseManagerID int64
	CoachID       int64
}

// Referral decides whether a may do act on a referral with these owners.
//   - Coordinators and PSU leads: every referral.
//   - A coach: only referrals allocated to them.
//   - A Case Manager: only referrals they made.
//   - A trainee: their own; a referrer: the status of theirs.
//   - Admins run the system and do not read referrals.
//
// Anything else is Hide, so other people's referrals look like no referral.
func Referral(a Actor, act Action, r ReferralOwners) Outcome {
	// Who someone is to the referral comes from the same place as what
	// they may see of it (ViewersOf, audience.go).
	au := AudienceOf(a, r)
	switch a.Kind {
	case Staff:
		if au.Nobody() {
			return Hide
		}
		return Allow
	case Public:
		switch {
		case au.Is(ViewerTrainee):
			return Allow
		case au.Is(ViewerSupervisor) && act == ViewReferralStatus:
			return Allow
		case au.Is(ViewerSupervisor):
			return Forbid
		}
		return Hide
	default:
		return SignIn
	}
}
