package policy_test

import (
	"testing"

	"careers/internal/policy"
)

// The change table, role by role, on the owned referral (coach 10, Case
// Manager 20) and on one that is nobody's (unallocated, no Case Manager).
func TestChangeTable(t *testing.T) {
	coord := staff(1, policy.Coordinator)
	lead := staff(2, policy.Lead)
	admin := staff(3, policy.Admin)
	coach := staff(10, policy.Coach)
	otherCoach := staff(11, policy.Coach)
	cm := staff(20, policy.CaseManager)
	leadCoach := staff(12, policy.Lead, policy.Coach) // a lead who also coaches, not this trainee
	const (
		A = policy.Allow
		F = policy.Forbid
		H = policy.Hide
	)
	// Columns: coordinator, lead, admin, own coach, other coach, own CM, lead+other coach.
	want := map[policy.Action][7]policy.Outcome{
		policy.Triage:           {A, F, H, F, H, F, F},
		policy.BookFor:          {A, F, H, F, H, F, F},
		policy.CancelSession:    {A, F, H, A, H, F, F},
		policy.RecordAttendance: {A, F, H, A, H, F, F},
		policy.WaiveForfeit:     {A, A, H, F, H, F, A},
		policy.ConfirmMeeting:   {F, F, H, A, H, F, F},
		policy.RequestExtension: {A, F, H, A, H, F, F},
		policy.DecideExtension:  {F, A, H, F, H, F, A},
		policy.DecideFunding:    {F, A, H, F, H, F, A},
		policy.Reopen:           {F, A, H, F, H, F, A},
		policy.AddNote:          {A, A, H, A, H, F, A},
		policy.ReadSummaries:    {F, F, H, A, H, A, F},
	}
	actors := []policy.Actor{coord, lead, admin, coach, otherCoach, cm, leadCoach}
	if len(want) != len(policy.ChangeActions()) {
		t.Fatalf("the test covers %d actions, the table has %d", len(want), len(policy.ChangeActions()))
	}
	for act, row := range want {
		for i, a := range actors {
			if got := policy.Change(a, act, owned); got != row[i] {
				t.Errorf("%s by %v: got %v, want %v", act, a.Roles, got, row[i])
			}
		}
		// Nobody's referral: coaches and Case Managers cannot even see it.
		if got := policy.Change(coach, act, unallocated); got != policy.Hide {
			t.Errorf("%s by a coach on an unallocated referral: %v", act, got)
		}
		// The route rule admits exactly the roles that may take it somewhere.
		rule := policy.MayChange(act)
		for _, a := range actors {
			gotRule := rule.Check(a)
			// On a referral where they are the coach and the Case Manager.
			theirs := policy.ReferralOwners{TraineeEmail: "t@example.com", CoachID: a.StaffID, CaseManagerID: a.StaffID}
			mayAnywhere := policy.Change(a, act, theirs) == policy.Allow
			if mayAnywhere != (gotRule == policy.Allow) {
				t.Errorf("%s: route rule %q gives %v for %v", act, rule.Name, gotRule, a.Roles)
			}
		}
		if rule.Check(policy.Actor{}) != policy.SignIn || rule.Check(public("t@example.com")) != policy.SignIn {
			t.Errorf("%s: the route rule does not send the public to sign in", act)
		}
		if policy.Change(public("t@example.com"), act, owned) != policy.SignIn {
			t.Errorf("%s: a trainee is not asked to sign in as staff", act)
		}
	}
	if policy.MayChange("no_such_action").Check(coord) != policy.Forbid {
		t.Error("an action missing from the table is allowed")
	}
}
