package policy_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"careers/internal/policy"
)

// productTable is PRODUCT.md's "Who sees what", copied by hand: one line
// per row, cells in the order trainee | supervisor who referred | Case
// Manager who referred | coordinator, lead | allocated coach | admin.
const productTable = `
| what the referrer sent (their form, Form C, Form D) | yes | their own status only | yes | yes | yes | data request |
| the trainee's own answers (reasons, hopes, preferences, contact) | yes | no | no | yes | yes | data request |
| eligibility | the result and what to do | no | the result | result and reasons | result | data request |
| triage: decisions, messages, reasons, questions and the trainee's answers | what was sent to them | status only | status only | yes | yes | data request |
| internal notes, closing note | no (a data request can release them) | no | no | yes | yes | data request |
| appointments and attendance | yes | no | that meetings took place | yes | yes | data request |
| summaries / action plans | yes | no | only those the trainee shared | no | yes | data request |
| outcome at closure | yes | only if the trainee agreed | only if the trainee agreed | yes | yes | data request |
| outcome questionnaires and feedback | yes | no | no | figures; comments without name unless agreed | their clients' ratings | data request |
`

// phrases maps the product's words for a cell to the code's cell.
var phrases = map[string]policy.Access{
	"yes":                                  policy.Full,
	"no":                                   policy.NoAccess,
	"no (a data request can release them)": policy.NoAccess,
	"their own status only":                policy.StatusOnly,
	"status only":                          policy.StatusOnly,
	"the result and what to do":            policy.ResultAndNextStep,
	"the result":                           policy.ResultOnly,
	"result":                               policy.ResultOnly,
	"result and reasons":                   policy.Full,
	"what was sent to them":                policy.SentToThem,
	"that meetings took place":             policy.MeetingsTookPlace,
	"only those the trainee shared":        policy.SharedOnly,
	"only if the trainee agreed":           policy.IfTraineeAgreed,
	"figures; comments without name unless agreed": policy.FiguresOnly,
	"their clients' ratings":                       policy.OwnClientsRatings,
	// The admin column: everything, and only through a data request
	// (ViewerAdmin exists only there).
	"data request": policy.Full,
}

// parseTable reads a markdown table's rows into row label -> cells.
func parseTable(t *testing.T, text string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| information") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		out[cells[0]] = cells[1:]
	}
	return out
}

func checkTable(t *testing.T, rows map[string][]string) {
	t.Helper()
	if len(rows) != len(policy.Infos) {
		t.Fatalf("the product table has %d rows, the code %d", len(rows), len(policy.Infos))
	}
	for _, info := range policy.Infos {
		cells, ok := rows[info.Label()]
		if !ok {
			t.Errorf("no product row for %q", info.Label())
			continue
		}
		if len(cells) != len(policy.Viewers) {
			t.Fatalf("row %q has %d cells", info.Label(), len(cells))
		}
		for i, v := range policy.Viewers {
			want, ok := phrases[cells[i]]
			if !ok {
				t.Errorf("row %q, %s: no meaning for %q", info.Label(), v.Label(), cells[i])
				continue
			}
			if got := policy.Cell(info, v); got != want {
				t.Errorf("%s / %s: the code says %q, the product %q", info.Label(), v.Label(), got, cells[i])
			}
		}
	}
}

// The code's table is the product's, cell by cell.
func TestAudienceTableIsTheProductTable(t *testing.T) {
	checkTable(t, parseTable(t, productTable))
}

// And the product document itself, where it sits beside the checkout.
func TestAudienceTableMatchesPRODUCTmd(t *testing.T) {
	b, err := os.ReadFile("../../../shared/PRODUCT.md")
	if err != nil {
		t.Skip("PRODUCT.md is not beside this checkout")
	}
	text := string(b)
	i := strings.Index(text, "### Who sees what")
	if i < 0 {
		t.Fatal("PRODUCT.md has no table \"Who sees what\"")
	}
	text = text[i:]
	if j := strings.Index(text[4:], "\n## "); j > 0 {
		text = text[:j+4]
	}
	checkTable(t, parseTable(t, text))
}

func TestViewersOf(t *testing.T) {
	cases := []struct {
		name  string
		actor policy.Actor
		rec   policy.ReferralOwners
		want  []policy.Viewer
	}{
		{"trainee", public("t@example.com"), owned, []policy.Viewer{policy.ViewerTrainee}},
		{"referrer", public("r@example.com"), owned, []policy.Viewer{policy.ViewerSupervisor}},
		{"stranger", public("x@example.com"), owned, nil},
		{"no address", public(""), policy.ReferralOwners{}, nil},
		{"coordinator", staff(1, policy.Coordinator), owned, []policy.Viewer{policy.ViewerTeam}},
		{"lead", staff(2, policy.Lead), unallocated, []policy.Viewer{policy.ViewerTeam}},
		{"allocated coach", staff(10, policy.Coach), owned, []policy.Viewer{policy.ViewerCoach}},
		{"other coach", staff(11, policy.Coach), owned, nil},
		{"referring Case Manager", staff(20, policy.CaseManager), owned, []policy.Viewer{policy.ViewerCaseManager}},
		{"other Case Manager", staff(21, policy.CaseManager), owned, nil},
		{"an id without the role", staff(10, policy.CaseManager), owned, nil},
		{"admin reads no referral", staff(3, policy.Admin), owned, nil},
		{"coordinator who is the coach", staff(10, policy.Coordinator, policy.Coach), owned, []policy.Viewer{policy.ViewerTeam, policy.ViewerCoach}},
		{"anonymous", policy.Actor{}, owned, nil},
	}
	for _, c := range cases {
		if got := policy.ViewersOf(c.actor, c.rec); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// Someone with two relations to a referral gets the most of each cell: a
// coordinator who is also the coach reads the summaries (as the coach).
func TestAudienceTakesTheMostOfEachCell(t *testing.T) {
	au := policy.AudienceOf(staff(10, policy.Coordinator, policy.Coach), owned)
	if !au.Full(policy.InfoSummaries) || !au.Full(policy.InfoEligibility) {
		t.Errorf("coordinator and coach: summaries %v, eligibility %v", au.Access(policy.InfoSummaries), au.Access(policy.InfoEligibility))
	}
	cm := policy.AudienceOf(staff(20, policy.CaseManager), owned)
	if cm.Access(policy.InfoSummaries) != policy.SharedOnly || cm.Any(policy.InfoInternal) || cm.Full(policy.InfoTriage) || !cm.Status() {
		t.Errorf("Case Manager: %v %v %v", cm.Access(policy.InfoSummaries), cm.Access(policy.InfoInternal), cm.Access(policy.InfoTriage))
	}
	if !policy.AudienceOf(staff(3, policy.Admin), owned).Nobody() {
		t.Error("an admin has an audience on a referral page")
	}
	dr := policy.DataRequestAudience()
	for _, i := range policy.Infos {
		if !dr.Full(i) {
			t.Errorf("a data request lacks %s", i.Label())
		}
	}
}

// Timeline entries are filtered by the same table: a decline's reason is
// triage, a note internal; the brief forms say only where it got to.
func TestTimelineEntries(t *testing.T) {
	trainee := policy.AudienceFor(policy.ViewerTrainee)
	cm := policy.AudienceFor(policy.ViewerCaseManager)
	team := policy.AudienceFor(policy.ViewerTeam)
	coach := policy.AudienceFor(policy.ViewerCoach)
	sup := policy.AudienceFor(policy.ViewerSupervisor)
	cases := []struct {
		kind, detail string
		au           policy.Audience
		name         string
		want         string // "" for nothing
	}{
		{"declined", "Declined: REASON", team, "team", "Declined: REASON"},
		{"declined", "Declined: REASON", coach, "coach", "Declined: REASON"},
		{"declined", "Declined: REASON", cm, "Case Manager", "Declined"},
		{"declined", "Declined: REASON", trainee, "trainee", "Declined"},
		{"info_requested", "Asked the trainee: Q", trainee, "trainee", "Asked the trainee: Q"},
		{"info_requested", "Asked the trainee: Q", cm, "Case Manager", "The trainee was asked for more information"},
		{"info_answered", "The trainee answered: A", cm, "Case Manager", "The trainee answered"},
		{"note", "Internal note added", cm, "Case Manager", ""},
		{"note", "Internal note added", trainee, "trainee", ""},
		{"note", "Internal note added", coach, "coach", "Internal note added"},
		{"closed", "Closed: X. NOTE", cm, "Case Manager", "Closed"},
		{"closed", "Closed: X. NOTE", trainee, "trainee", "Closed"},
		{"closed", "Closed: X. NOTE", team, "team", "Closed: X. NOTE"},
		{"booked", "Session booked: T", cm, "Case Manager", ""},
		{"meeting_confirmed", "The coach confirmed the meeting on T took place", cm, "Case Manager", "A session took place (confirmed by the coach)"},
		{"meeting_confirmed", "x", sup, "supervisor", ""},
		{"summary_sent", "x", team, "team", ""},
		{"eligibility", "Eligibility decided: eligible. WHY", coach, "coach", "A coordinator recorded an eligibility decision"},
		{"eligibility", "Eligibility decided: eligible. WHY", team, "team", "Eligibility decided: eligible. WHY"},
		{"funding", "Form D funding declined: WHY", cm, "Case Manager", "Form D funding declined: WHY"},
		{"made-up kind", "SECRET", cm, "Case Manager", ""},
		{"made-up kind", "SECRET", trainee, "trainee", ""},
	}
	for _, c := range cases {
		got, ok := c.au.Entry(c.kind, c.detail)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("%s, as %s: got %q (%v), want %q", c.kind, c.name, got, ok, c.want)
		}
	}
}

// Every email about a referral goes to someone whose column lets them see
// what it carries.
func TestEveryEmailFitsItsRecipient(t *testing.T) {
	for _, k := range policy.EmailKinds() {
		e, _ := policy.EmailOf(k)
		if a := policy.Cell(e.Info, e.To); a == policy.NoAccess {
			t.Errorf("email %s carries %s to the %s, who may not see it", k, e.Info.Label(), e.To.Label())
		}
	}
	// The Case Manager sees that they were told a meeting happened; the
	// trainee does not see an email to the Case Manager.
	if !policy.AudienceFor(policy.ViewerCaseManager).SeesEmail("meeting_confirmed") ||
		policy.AudienceFor(policy.ViewerCaseManager).SeesEmail("referral_declined") ||
		policy.AudienceFor(policy.ViewerSupervisor).SeesEmail("meeting_confirmed") ||
		policy.AudienceFor(policy.ViewerTeam).SeesEmail("summary_to_case_manager") ||
		!policy.AudienceFor(policy.ViewerTeam).SeesEmail("referral_declined") {
		t.Error("emails in the history are not filtered by the table")
	}
}

// A withdrawal is an outcome: those who see only the status read it as
// closed; the trainee and those who see outcomes read it as it is.
func TestStatusOfAWithdrawal(t *testing.T) {
	for _, c := range []struct {
		v    policy.Viewer
		want string
	}{
		{policy.ViewerTrainee, "withdrawn"},
		{policy.ViewerSupervisor, "closed"},
		{policy.ViewerCaseManager, "closed"},
		{policy.ViewerTeam, "withdrawn"},
		{policy.ViewerCoach, "withdrawn"},
	} {
		if got := policy.AudienceFor(c.v).StatusOf("withdrawn"); got != c.want {
			t.Errorf("%v: %q, want %q", c.v, got, c.want)
		}
		if got := policy.AudienceFor(c.v).StatusOf("active"); got != "active" {
			t.Errorf("%v: active reads %q", c.v, got)
		}
	}
	if got := policy.AudienceFor().StatusOf("active"); got != "" {
		t.Errorf("nobody reads the status as %q", got)
	}
}

// A narrowing of a product row never shows more than the row: whoever
// sees any of the joining details sees all of the appointments, and the
// referrers (supervisor, Case Manager) see none of them.
func TestNarrowingsAreNeverWiderThanTheirRow(t *testing.T) {
	for n, parent := range policy.Narrowings {
		for _, v := range policy.Viewers {
			if c := policy.Cell(n, v); c != policy.NoAccess && policy.Cell(parent, v) != policy.Full {
				t.Errorf("%s / %s: %q, but the row %q gives only %q", n.Label(), v.Label(), c, parent.Label(), policy.Cell(parent, v))
			}
		}
	}
	for _, v := range []policy.Viewer{policy.ViewerSupervisor, policy.ViewerCaseManager} {
		if policy.Cell(policy.InfoJoining, v) != policy.NoAccess {
			t.Errorf("the joining details reach the %s", v.Label())
		}
	}
	for _, v := range []policy.Viewer{policy.ViewerTrainee, policy.ViewerCoach, policy.ViewerTeam} {
		if policy.Cell(policy.InfoJoining, v) != policy.Full {
			t.Errorf("the joining details do not reach the %s", v.Label())
		}
	}
}
