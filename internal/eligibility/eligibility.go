// Package eligibility applies the unit's eligibility rules to a trainee's
// answers. Check is a pure function of the answers and today's date; it
// returns an outcome and the reasons for it, written for the coordinator,
// with signposting for the trainee wherever the answer is "not here".
//
// The result advises; it never decides. A coordinator makes the decision and
// may override it, and every referral is stored whatever the outcome, so
// nobody is turned away by a machine alone. When in doubt the rules return
// NeedsReview rather than NotEligible.
//
// Answers carry the values of the intake forms' answer lists (package
// referral) as plain strings: this package imports nothing of ours. A test
// checks that every value those lists offer is understood here.
package eligibility

import (
	"fmt"
	"slices"
	"strings"
)

// GraceMonths is how long after CCT, or after giving up a training number,
// a doctor or dentist stays eligible.
const GraceMonths = 3

// GraceEnds is the last eligible day after training ended on end: the same
// day of the month GraceMonths calendar months later, or that month's last
// day when it is shorter (CCT on 31 August: eligible to 30 November; on 30
// November 2023: to 29 February 2024). Eligibility includes that day and
// ends the day after.
func GraceEnds(end Date) Date { return end.AddMonths(GraceMonths) }

// Outcome is what the rules make of the answers.
type Outcome string

// The outcomes.
const (
	Eligible    Outcome = "eligible"
	NotEligible Outcome = "not_eligible"
	// NeedsReview: the answers do not settle it, so a coordinator decides.
	NeedsReview Outcome = "needs_review"
)

// Label is the outcome's name for people.
func (o Outcome) Label() string {
	switch o {
	case Eligible:
		return "Eligible"
	case NotEligible:
		return "Not eligible"
	case NeedsReview:
		return "Needs review"
	}
	return string(o)
}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool { return o == Eligible || o == NotEligible || o == NeedsReview }

// The reason codes: what a Reason is about, stable enough to store, count
// in reports and test against.
const (
	// Eligible.
	CodeInTraining  = "in_training"         // a doctor or dentist in training
	CodeCCTGrace    = "cct_grace"           // within 3 months after CCT
	CodeLeftGrace   = "left_training_grace" // within 3 months after giving up the number
	CodeBandScheme  = "band_in_scheme"      // bands 5 to 8 on a recognised training scheme
	CodePharmacy    = "pharmacy_training"   // a pharmacy training programme
	CodeSchemePlace = "workforce_scheme"    // I&R, Retainer, IGPR, CAPS or MSW

	// Not eligible, always with a signpost.
	CodeOtherRegion   = "other_region"
	CodeKSSFoundation = "kss_foundation"
	CodeBandOutside   = "band_outside_range"
	CodeBandNoScheme  = "band_no_scheme"

	// Needs review. The first three carry a signpost too.
	CodePastGrace           = "past_grace"
	CodeNonTraining         = "non_training_grade"
	CodeNoTrainingNumber    = "no_training_number"
	CodeKSSDentalFoundation = "kss_dental_foundation"
	CodeStageOther          = "stage_other"
	CodeMissing             = "missing_answer"
	CodeUnrecognised        = "unrecognised_answer"
	CodeContradictory       = "contradictory_answers"
)

// Reason is one finding behind a Result.
type Reason struct {
	Code string
	// Text explains the finding to the coordinator.
	Text string
	// Signpost tells the trainee, kindly, where else to go; "" when there
	// is nothing to say.
	Signpost string
}

// Result is the outcome of Check and the findings behind it. Every result
// has at least one reason; every NotEligible result has at least one
// signpost.
type Result struct {
	Outcome Outcome
	Reasons []Reason
}

// Signposts lists the result's signposts for the trainee, each once, in order.
func (r Result) Signposts() []string {
	var out []string
	for _, reason := range r.Reasons {
		if reason.Signpost != "" && !slices.Contains(out, reason.Signpost) {
			out = append(out, reason.Signpost)
		}
	}
	return out
}

// Answers are what the trainee (or their referrer) told us that bears on
// eligibility. String fields hold the values of package referral's answer
// lists; a zero Date means the date was not given.
type Answers struct {
	ProfessionalGroup string
	// Region is where they train or work: london, kss or elsewhere.
	Region string
	Stage  string
	// HasTrainingNumber: they hold a London or KSS training number (NTN or
	// DRN), or held one until their CCT or until they gave it up. Foundation
	// and dental core trainees do not have one and are not asked for it.
	HasTrainingNumber bool
	// CCTDate is the expected CCT date, or the actual one once it has passed.
	CCTDate Date
	// TrainingEndedDate is the day they gave up their training number.
	TrainingEndedDate Date
	// InRecognisedTrainingScheme: for bands 5 to 8, they are on a
	// recognised training scheme (a preceptorship, say).
	InRecognisedTrainingScheme bool
	// Schemes are the workforce schemes a doctor has been offered a place
	// on (I&R, Retainer, IGPR) or is on (CAPS, MSW).
	Schemes []string
}

// Check applies the rules to a as of today, which must be a valid date (the
// calendar date in London when the check runs).
//
// The order of the rules:
//  1. Another region settles it: NotEligible, whatever else was said.
//  2. Missing, unrecognised or contradictory answers: NeedsReview, naming
//     each problem, since no rule can be trusted on them.
//  3. Otherwise every route in is tried (a workforce scheme; the stage or
//     grade). Any route that makes them eligible makes the result Eligible,
//     with those reasons. Else, if any finding needs a person to judge,
//     NeedsReview with every finding. Else NotEligible with every finding,
//     each of which carries a signpost.
//
// Doctors and dentists more than 3 months past CCT or past giving up their
// number, and non-training grades, are NeedsReview with a signpost rather
// than NotEligible: the unit handles them case by case under its own
// guidance, so a coordinator looks at each.
func Check(a Answers, today Date) Result {
	if !today.Valid() {
		return Result{NeedsReview, []Reason{{Code: CodeUnrecognised,
			Text: "The check ran without a valid date for today, so the rules could not be applied."}}}
	}
	if a.Region == regionElsewhere {
		return Result{NotEligible, []Reason{{Code: CodeOtherRegion,
			Text:     "Trains or works outside London and Kent, Surrey and Sussex, so the unit does not cover them; their own region's deanery or professional support unit does.",
			Signpost: signpostOtherRegion}}}
	}

	var problems []Reason
	missing := func(what string) {
		problems = append(problems, Reason{Code: CodeMissing, Text: "No answer was given for " + what + "."})
	}
	unknown := func(what string) {
		problems = append(problems, Reason{Code: CodeUnrecognised,
			Text: "The answer for " + what + " is not one these rules know; check it on the referral."})
	}
	contradiction := func(text string) {
		problems = append(problems, Reason{Code: CodeContradictory, Text: text})
	}

	switch a.Region {
	case regionLondon, regionKSS:
	case "":
		missing("the region")
	default:
		unknown("the region")
	}
	switch {
	case a.ProfessionalGroup == "":
		missing("the professional group")
	case !slices.Contains(groups, a.ProfessionalGroup):
		unknown("the professional group")
	}
	st, stageKnown := stages[a.Stage]
	switch {
	case a.Stage == "":
		missing("the stage or grade")
	case !stageKnown:
		unknown("the stage or grade")
	}
	var schemes []string
	for _, s := range a.Schemes {
		switch {
		case schemeNames[s] == "":
			unknown("the workforce schemes")
		case !slices.Contains(schemes, s):
			schemes = append(schemes, s)
		}
	}
	if !a.CCTDate.IsZero() && !a.CCTDate.Valid() {
		unknown("the CCT date")
	}
	if !a.TrainingEndedDate.IsZero() && !a.TrainingEndedDate.Valid() {
		unknown("the date the training number was given up")
	}
	if len(problems) > 0 {
		return Result{NeedsReview, problems}
	}

	group := a.ProfessionalGroup
	if !st.kind.fits(group) {
		contradiction(fmt.Sprintf("The stage or grade (%s) does not fit the professional group (%s); check which is right.",
			st.name, groupName(group)))
	}
	if len(schemes) > 0 && group != groupDoctor {
		contradiction(fmt.Sprintf("A workforce scheme (%s) was chosen, but those schemes are for doctors and the professional group is %s.",
			schemeNames[schemes[0]], groupName(group)))
	}
	switch st.kind {
	case postCCT:
		switch {
		case a.CCTDate.IsZero():
			missing("the CCT date, which someone who has completed training should have")
		case a.CCTDate.After(today):
			contradiction(fmt.Sprintf("The stage says training is complete, but the CCT date (%s) is still to come.", a.CCTDate.Long()))
		}
	case leftTraining:
		switch {
		case a.TrainingEndedDate.IsZero():
			missing("the date the training number was given up")
		case a.TrainingEndedDate.After(today):
			contradiction(fmt.Sprintf("The stage says they have left training, but the date the training number was given up (%s) is still to come.",
				a.TrainingEndedDate.Long()))
		}
	}
	if len(problems) > 0 {
		return Result{NeedsReview, problems}
	}

	var findings []finding
	for _, s := range schemes {
		verb := "is on"
		if s == schemeIR || s == schemeRetainer || s == schemeIGPR {
			verb = "has been offered a place on"
		}
		findings = append(findings, finding{Eligible, Reason{Code: CodeSchemePlace,
			Text: fmt.Sprintf("A doctor who %s the %s: eligible.", verb, schemeNames[s])}})
	}
	findings = append(findings, byStage(a, st, today))
	return combine(findings)
}

// finding is what one route in makes of the answers.
type finding struct {
	outcome Outcome
	reason  Reason
}

// combine turns the findings of every route into one Result (see Check).
func combine(fs []finding) Result {
	var eligible, all []Reason
	review := false
	for _, f := range fs {
		all = append(all, f.reason)
		switch f.outcome {
		case Eligible:
			eligible = append(eligible, f.reason)
		case NeedsReview:
			review = true
		}
	}
	switch {
	case len(eligible) > 0:
		return Result{Eligible, eligible}
	case review:
		return Result{NeedsReview, all}
	default:
		return Result{NotEligible, all}
	}
}

// byStage applies the rule for the trainee's stage or grade; the answers
// have already been checked to be known and to fit together.
func byStage(a Answers, st stage, today Date) finding {
	region := regionNames[a.Region]
	switch st.kind {
	case medicalFoundation:
		if a.Region == regionKSS {
			return finding{NotEligible, Reason{Code: CodeKSSFoundation,
				Text:     fmt.Sprintf("A KSS Foundation trainee (%s): KSS Foundation trainees are supported by KSS's own Professional Support and Wellbeing Service.", st.name),
				Signpost: signpostKSSFoundation}}
		}
		return inTraining(a, st, today, fmt.Sprintf("A Foundation trainee (%s) in %s. Foundation trainees do not hold a training number, so none is needed.", st.name, region))
	case dentalFoundation:
		if a.Region == regionKSS {
			return finding{NeedsReview, Reason{Code: CodeKSSDentalFoundation,
				Text: "A dental foundation trainee in Kent, Surrey and Sussex. KSS Foundation trainees go to KSS's own Professional Support and Wellbeing Service; check whether that applies to dental foundation trainees."}}
		}
		return inTraining(a, st, today, fmt.Sprintf("A dental foundation trainee in %s; no training number is needed at this stage.", region))
	case dentalCore:
		return inTraining(a, st, today, fmt.Sprintf("A dental core trainee (%s) in %s; these one-year posts do not carry a training number.", st.name, region))
	case medicalTraining, gpTraining, postCCT, leftTraining:
		return inTraining(a, st, today, fmt.Sprintf("A trainee (%s) with a %s training number: eligible from Foundation to CCT.", st.name, region))
	case nonTraining:
		if p := periodOf(a, today); p.phase == inGrace && a.HasTrainingNumber {
			return p.graceFinding()
		}
		return finding{NeedsReview, Reason{Code: CodeNonTraining,
			Text:     "A non-training grade (such as a specialty doctor or a locally employed doctor). The usual rules do not cover non-training grades; the unit's guidance for them applies, and a coordinator decides.",
			Signpost: signpostNonTraining}}
	case band:
		switch {
		case st.band < 5 || st.band > 8:
			return finding{NotEligible, Reason{Code: CodeBandOutside,
				Text:     fmt.Sprintf("%s: outside bands 5 to 8, which the rule for healthcare professionals covers.", capitalise(st.name)),
				Signpost: signpostBands}}
		case !a.InRecognisedTrainingScheme:
			return finding{NotEligible, Reason{Code: CodeBandNoScheme,
				Text:     fmt.Sprintf("%s but not on a recognised training scheme, which the rule for bands 5 to 8 needs.", capitalise(st.name)),
				Signpost: signpostNoScheme}}
		}
		return finding{Eligible, Reason{Code: CodeBandScheme,
			Text: fmt.Sprintf("%s on a recognised training scheme: eligible (bands 5 to 8).", capitalise(st.name))}}
	case pharmacy:
		return finding{Eligible, Reason{Code: CodePharmacy,
			Text: fmt.Sprintf("A %s: pharmacists and pharmacy technicians in training are eligible.", st.name)}}
	}
	return finding{NeedsReview, Reason{Code: CodeStageOther,
		Text: "The stage or grade was given as \"other\", so the answers do not show which rule applies; a coordinator decides."}}
}

// inTraining applies the rule for doctors and dentists in training: eligible
// until CCT or giving up the number and for GraceMonths after, and needing a
// London or KSS training number except at the stages that have none.
func inTraining(a Answers, st stage, today Date, eligibleText string) finding {
	p := periodOf(a, today)
	switch {
	case p.phase == pastGrace:
		return p.pastFinding()
	case st.kind.needsNumber() && !a.HasTrainingNumber:
		return finding{NeedsReview, Reason{Code: CodeNoTrainingNumber,
			Text: fmt.Sprintf("Gives their stage as %s but does not hold a London or KSS training number (NTN or DRN). They may be in a locally employed post; if so the unit's guidance for non-training grades applies.",
				st.name),
			Signpost: signpostNonTraining}}
	case p.phase == inGrace:
		return p.graceFinding()
	}
	if !a.CCTDate.IsZero() {
		eligibleText += " Expected CCT: " + a.CCTDate.Long() + "."
	}
	return finding{Eligible, Reason{Code: CodeInTraining, Text: eligibleText}}
}

// phase is where today falls against the end of training.
type phase int

const (
	stillTraining phase = iota // no end date, or it is still to come
	inGrace                    // ended, and today is within GraceMonths of it
	pastGrace                  // ended more than GraceMonths ago
)

// period is how far today is past the end of training.
type period struct {
	phase  phase
	end    Date // the day training ended (CCT or giving up the number)
	gaveUp bool // end is the day the number was given up, not the CCT
	grace  Date // the last eligible day
	today  Date
}

// periodOf works out the period from the answers' dates. Training ended on
// the earlier of the CCT date and the day the number was given up (someone
// who gave up their number has no CCT to wait for); a date still to come
// means they are still training.
func periodOf(a Answers, today Date) period {
	p := period{today: today}
	switch {
	case a.CCTDate.IsZero() && a.TrainingEndedDate.IsZero():
		return p
	case a.CCTDate.IsZero(), !a.TrainingEndedDate.IsZero() && a.TrainingEndedDate.Before(a.CCTDate):
		p.end, p.gaveUp = a.TrainingEndedDate, true
	default:
		p.end = a.CCTDate
	}
	p.grace = GraceEnds(p.end)
	switch {
	case p.end.After(today):
		p.phase = stillTraining
	case today.After(p.grace):
		p.phase = pastGrace
	default:
		p.phase = inGrace
	}
	return p
}

func (p period) what() string {
	if p.gaveUp {
		return "Gave up their training number on " + p.end.Long()
	}
	return "CCT on " + p.end.Long()
}

func (p period) graceFinding() finding {
	code := CodeCCTGrace
	if p.gaveUp {
		code = CodeLeftGrace
	}
	return finding{Eligible, Reason{Code: code,
		Text: fmt.Sprintf("%s; eligible for %d months afterwards, up to and including %s (checked on %s).",
			p.what(), GraceMonths, p.grace.Long(), p.today.Long())}}
}

func (p period) pastFinding() finding {
	return finding{NeedsReview, Reason{Code: CodePastGrace,
		Text: fmt.Sprintf("%s; the %d months afterwards ended on %s (checked on %s). The usual rules no longer cover them; the unit's guidance for post-CCT doctors and non-training grades applies, and a coordinator decides.",
			p.what(), GraceMonths, p.grace.Long(), p.today.Long()),
		Signpost: signpostAfterTraining}}
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
