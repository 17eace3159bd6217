package policy_test

import (
	"testing"

	"careers/internal/policy"
)

func staff(id int64, roles ...policy.Role) policy.Actor {
	return policy.Actor{Kind: policy.Staff, StaffID: id, Roles: roles, Email: "s@example.nhs.uk"}
}

func public(email string) policy.Actor { return policy.Actor{Kind: policy.Public, Email: email} }

// The referral: trainee t@, referred by r@, Case Manager 20, coach 10.
var owned = policy.ReferralOwners{TraineeEmail: "t@example.com", ReferrerEmail: "r@example.com", CaseManagerID: 20, CoachID: 10}

// Not yet allocated to anyone, no Case Manager.
var unallocated = policy.ReferralOwners{TraineeEmail: "t@example.com"}

func TestReferralAccess(t *testing.T) {
	cases := []struct {
		name   string
		actor  policy.Actor
		action policy.Action
		rec    policy.ReferralOwners
		want   policy.Outcome
	}{
		{"coordinator sees any", staff(1, policy.Coordinator), policy.ViewReferral, owned, policy.Allow},
		{"coordinator sees unallocated", staff(1, policy.Coordinator), policy.ViewReferral, unallocated, policy.Allow},
		{"lead sees any", staff(2, policy.Lead), policy.ViewReferral, owned, policy.Allow},
		{"admin does not read referrals", staff(3, policy.Admin), policy.ViewReferral, owned, policy.Hide},
		{"coach sees own client", staff(10, policy.Coach), policy.ViewReferral, owned, policy.Allow},
		{"coach cannot see another coach's", staff(11, policy.Coach), policy.ViewReferral, owned, policy.Hide},
		{"coach cannot see unallocated", staff(10, policy.Coach), policy.ViewReferral, unallocated, policy.Hide},
		{"case manager sees own referral", staff(20, policy.CaseManager), policy.ViewReferral, owned, policy.Allow},
		{"case manager cannot see another's", staff(21, policy.CaseManager), policy.ViewReferral, owned, policy.Hide},
		{"case manager cannot see self-referral", staff(20, policy.CaseManager), policy.ViewReferral, unallocated, policy.Hide},
		{"zero IDs never match", staff(0, policy.Coach, policy.CaseManager), policy.ViewReferral, unallocated, policy.Hide},
		{"coach who is also case manager: own as CM", staff(20, policy.Coach, policy.CaseManager), policy.ViewReferral, owned, policy.Allow},
		{"staff with no roles", staff(5), policy.ViewReferral, owned, policy.Hide},
		{"trainee sees own", public("t@example.com"), policy.ViewReferral, owned, policy.Allow},
		{"trainee sees own status", public("t@example.com"), policy.ViewReferralStatus, owned, policy.Allow},
		{"referrer sees status", public("r@example.com"), policy.ViewReferralStatus, owned, policy.Allow},
		{"referrer cannot see details", public("r@example.com"), policy.ViewReferral, owned, policy.Forbid},
		{"stranger sees nothing", public("x@example.com"), policy.ViewReferralStatus, owned, policy.Hide},
		{"stranger cannot see details", public("x@example.com"), policy.ViewReferral, owned, policy.Hide},
		{"empty public email matches nothing", public(""), policy.ViewReferralStatus, policy.ReferralOwners{}, policy.Hide},
		{"anonymous must sign in", policy.Actor{}, policy.ViewReferralStatus, owned, policy.SignIn},
	}
	for _, c := range cases {
		if got := policy.Referral(c.actor, c.action, c.rec); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRules(t *testing.T) {
	anon := policy.Actor{}
	pub := public("t@example.com")
	coord := staff(1, policy.Coordinator)
	admin := staff(2, policy.Admin)
	cases := []struct {
		rule  policy.Rule
		actor policy.Actor
		want  policy.Outcome
	}{
		{policy.Anyone, anon, policy.Allow},
		{policy.Anyone, coord, policy.Allow},
		{policy.SignedInPublic, anon, policy.SignIn},
		{policy.SignedInPublic, pub, policy.Allow},
		{policy.SignedInPublic, coord, policy.SignIn},
		{policy.StaffWith(), anon, policy.SignIn},
		{policy.StaffWith(), pub, policy.SignIn},
		{policy.StaffWith(), coord, policy.Allow},
		{policy.StaffWith(policy.Admin), coord, policy.Forbid},
		{policy.StaffWith(policy.Admin), admin, policy.Allow},
		{policy.StaffWith(policy.Coordinator, policy.Lead), coord, policy.Allow},
		{policy.StaffWith(policy.Coordinator, policy.Lead), admin, policy.Forbid},
	}
	for _, c := range cases {
		if got := c.rule.Check(c.actor); got != c.want {
			t.Errorf("%s for %+v: got %v, want %v", c.rule.Name, c.actor, got, c.want)
		}
	}
	if got := policy.StaffWith(policy.Coordinator, policy.Lead).Name; got != "staff: coordinator or psu_lead" {
		t.Errorf("rule name %q", got)
	}
}

func TestRoles(t *testing.T) {
	for _, r := range policy.Roles {
		if !r.Valid() || r.Label() == string(r) && r != policy.Admin && r != policy.Coach && r != policy.Coordinator {
			t.Errorf("role %q: valid %v label %q", r, r.Valid(), r.Label())
		}
	}
	if policy.Role("superuser").Valid() {
		t.Error("an unknown role is valid")
	}
}
