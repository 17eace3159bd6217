package benchdata

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/referral"
)

// person is a generated trainee or referrer.
type person struct {
	Name, Email, Phone string
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted picks an index with the given weights.
func weighted(r *rand.Rand, weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// newPerson makes a person; n keeps email addresses apart.
func newPerson(r *rand.Rand, n int) person {
	first, last := pick(r, firstNames), pick(r, lastNames)
	local := strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(first + "." + last))
	return person{
		Name:  first + " " + last,
		Email: local + strconv.Itoa(n) + "@" + pick(r, emailDomains),
		// Ofcom's numbers for drama: never anyone's real phone.
		Phone: fmt.Sprintf("07700 900%03d", r.IntN(1000)),
	}
}

// The professional groups, with how often each refers (doctors most).
var groupWeights = []struct {
	group  referral.ProfessionalGroup
	weight int
}{
	{referral.GroupDoctor, 70}, {referral.GroupDentist, 8}, {referral.GroupPharmacist, 5},
	{referral.GroupPharmacyTechnician, 1}, {referral.GroupNurse, 6}, {referral.GroupMidwife, 2},
	{referral.GroupAlliedHealthProfessional, 4}, {referral.GroupHealthcareScientist, 2}, {referral.GroupOther, 2},
}

func pickGroup(r *rand.Rand) referral.ProfessionalGroup {
	ws := make([]int, len(groupWeights))
	for i, g := range groupWeights {
		ws[i] = g.weight
	}
	return groupWeights[weighted(r, ws...)].group
}

// registration draws a body and a number in that body's format.
func registration(r *rand.Rand, g referral.ProfessionalGroup) (referral.RegistrationBody, string) {
	body := referral.BodyNone
	if bodies := g.UsualBodies(); len(bodies) > 0 {
		body = pick(r, bodies)
	}
	switch body {
	case referral.BodyGMC, referral.BodyGPhC:
		return body, strconv.Itoa(2000000 + r.IntN(5000000))
	case referral.BodyGDC:
		return body, strconv.Itoa(10000 + r.IntN(290000))
	case referral.BodyNMC:
		return body, fmt.Sprintf("%02d%c%04d%c", r.IntN(100), 'A'+rune(r.IntN(26)), r.IntN(10000), 'A'+rune(r.IntN(26)))
	case referral.BodyHCPC:
		return body, pick(r, []string{"PA", "PH", "OT", "SL", "CS"}) + strconv.Itoa(10000+r.IntN(90000))
	}
	if r.IntN(2) == 0 {
		return body, ""
	}
	return body, "VR" + strconv.Itoa(1000+r.IntN(9000))
}

// stage draws a stage that fits the group, training grades most often.
func stage(r *rand.Rand, g referral.ProfessionalGroup) referral.Stage {
	fits := referral.StagesFor(g)
	var common []referral.Stage
	for _, o := range fits {
		switch o.Value {
		case referral.StageOther, referral.StageNonTraining, referral.StageBand9, referral.StageBand4:
		default:
			common = append(common, o.Value)
		}
	}
	if len(common) == 0 || r.IntN(20) == 0 {
		return pick(r, fits).Value
	}
	return pick(r, common)
}

func datePost(post url.Values, name string, d time.Time) {
	post.Set(name+"-day", strconv.Itoa(d.Day()))
	post.Set(name+"-month", strconv.Itoa(int(d.Month())))
	post.Set(name+"-year", strconv.Itoa(d.Year()))
}

// traineePost fills in the questions about the trainee that every route asks.
func traineePost(r *rand.Rand, post url.Values, p person, submitted time.Time, self bool) {
	post.Set("name", p.Name)
	post.Set("email", p.Email)
	if self || r.IntN(2) == 0 {
		post.Set("phone", p.Phone)
	}
	g := pickGroup(r)
	body, number := registration(r, g)
	post.Set("group", string(g))
	post.Set("body", string(body))
	post.Set("number", number)
	post.Set("region", string(pick(r, []referral.Region{referral.RegionLondon, referral.RegionLondon, referral.RegionLondon,
		referral.RegionKSS, referral.RegionKSS, referral.RegionElsewhere})))
	st := stage(r, g)
	post.Set("stage", string(st))
	if _, band := st.Band(); band {
		post.Set("in_scheme", pick(r, []string{"yes", "yes", "no"}))
	}
	medical := g == referral.GroupDoctor || g == referral.GroupDentist
	if medical && r.IntN(4) != 0 {
		post.Set("training_number", fmt.Sprintf("%s/%03d/%03d/N", pick(r, []string{"LDN", "KSS"}), r.IntN(1000), r.IntN(1000)))
	}
	if medical {
		post.Set("specialty", pick(r, specialties))
	}
	post.Set("employer", pick(r, employers))
	switch weighted(r, 75, 10, 5, 10) {
	case 0:
		post.Set("end_kind", "expected")
		datePost(post, "end_date", submitted.AddDate(0, 6+r.IntN(54), r.IntN(28)))
	case 1:
		post.Set("end_kind", "completed")
		datePost(post, "end_date", submitted.AddDate(0, -r.IntN(9), -r.IntN(28)))
	case 2:
		post.Set("end_kind", "gave_up")
		datePost(post, "end_date", submitted.AddDate(0, -r.IntN(7), -r.IntN(28)))
	default:
		post.Set("end_kind", "none")
	}
	if g == referral.GroupDoctor && r.IntN(25) == 0 {
		post.Add("schemes", string(pick(r, referral.Schemes).Value))
	}
	reasons := r.Perm(len(referral.Reasons))[:1+r.IntN(3)]
	for _, i := range reasons {
		post.Add("reasons", string(referral.Reasons[i].Value))
		if referral.Reasons[i].Value == referral.ReasonOther {
			post.Set("other_reason", "Returning after a long period of leave")
		}
	}
	var hopes []string
	for _, i := range r.Perm(len(hopesSentences))[:2+r.IntN(3)] {
		hopes = append(hopes, hopesSentences[i])
	}
	post.Set("hopes", strings.Join(hopes, " "))
}

// preferencesPost fills in the trainee's own pages (self-referrals).
func preferencesPost(r *rand.Rand, post url.Values) {
	post.Set("mode", string(pick(r, referral.AppointmentModes).Value))
	if r.IntN(3) != 0 {
		post.Set("times", pick(r, timesAnswers))
	}
	if r.IntN(6) == 0 {
		post.Set("adjustments", pick(r, adjustmentsAnswers))
	}
	if r.IntN(3) == 0 {
		post.Add("support", string(pick(r, referral.Supports).Value))
	}
	post.Set("consent_privacy", "yes")
	post.Set("consent_contact", "yes")
}

// formAnswers reads post through the form's own pages and checks, as the
// service does page by page, so the answers are what a real referral holds.
func formAnswers(form intake.Form, post url.Values) (intake.Values, error) {
	v := intake.Values{}
	for _, p := range form.Pages {
		v.Merge(p.Read(post))
		hasFile := slices.ContainsFunc(p.Fields, func(f intake.Field) bool { return f.Kind == intake.File })
		if probs := p.Check(v, hasFile); len(probs) > 0 {
			return nil, fmt.Errorf("benchdata: generated answers fail the %s form's %q page: %s: %s",
				form.Route, p.Slug, probs[0].Field, probs[0].Message)
		}
	}
	return v, nil
}

// referralAnswers makes a complete referral by route: its answers, the
// referrer (for a supervisor's referral) and the Form D sessions asked for.
func referralAnswers(r *rand.Rand, route intake.Route, trainee, referrer person, submitted time.Time) (intake.Values, error) {
	post := url.Values{}
	traineePost(r, post, trainee, submitted, route == intake.RouteSelf)
	switch route {
	case intake.RouteSelf:
		preferencesPost(r, post)
	case intake.RouteSupervisor:
		post.Set("referrer_name", "Dr "+referrer.Name)
		role := pick(r, referral.ReferrerRoles).Value
		post.Set("referrer_role", string(role))
		if role == referral.RoleOther {
			post.Set("referrer_role_other", "Clinical lead")
		}
		post.Set("referrer_org", pick(r, referrerOrgs))
		post.Set("referrer_email", referrer.Email)
		if r.IntN(2) == 0 {
			post.Set("referrer_phone", referrer.Phone)
		}
		post.Set("level1", pick(r, level1Answers))
		post.Set("trainee_knows", "yes")
	case intake.RouteCaseManager:
		post.Set("sessions", strconv.Itoa(1+r.IntN(3)))
		if r.IntN(2) == 0 {
			post.Set("funding_ref", fmt.Sprintf("FD-%d-%05d", submitted.Year(), r.IntN(100000)))
		}
	}
	form, ok := intake.FormFor(route)
	if !ok {
		return nil, fmt.Errorf("benchdata: no form for route %q", route)
	}
	return formAnswers(form, post)
}

// check runs the eligibility rules on a referral's answers as of the day it
// was sent, as the service does.
func check(route intake.Route, v intake.Values, at time.Time) eligibility.Result {
	return eligibility.Check(intake.Extract(route, v).Eligibility(), eligibility.DateOf(at.In(london)))
}

var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("benchdata: time zone Europe/London missing: " + err.Error())
	}
	return loc
}()

// SelfReferral returns the complete answers of a self-referral as the
// form's pages read and checked them: what a draft holds when "Send" is
// pressed. The same seed and n give the same answers.
func SelfReferral(seed uint64, n int, today time.Time) (intake.Values, error) {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	return referralAnswers(r, intake.RouteSelf, newPerson(r, n), person{}, today)
}

// SelfAboutForm returns what a trainee posts on the self-referral's first
// page ("About you"): name, email address and phone number.
func SelfAboutForm(seed uint64, n int) url.Values {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	p := newPerson(r, n)
	return url.Values{"name": {p.Name}, "email": {p.Email}, "phone": {p.Phone}}
}
