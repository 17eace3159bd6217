package eligibility_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"careers/internal/eligibility"
	"careers/internal/referral"
)

const (
	eligible    = eligibility.Eligible
	notEligible = eligibility.NotEligible
	review      = eligibility.NeedsReview
)

// answers builds Answers from the referral package's values, so the tests
// speak the forms' vocabulary.
func answers(group referral.ProfessionalGroup, region referral.Region, stage referral.Stage) eligibility.Answers {
	return eligibility.Answers{ProfessionalGroup: string(group), Region: string(region), Stage: string(stage)}
}

// withNumber marks a as holding a London or KSS training number.
func withNumber(a eligibility.Answers) eligibility.Answers { a.HasTrainingNumber = true; return a }

// onScheme marks a as on a recognised training scheme (bands 5 to 8).
func onScheme(a eligibility.Answers) eligibility.Answers {
	a.InRecognisedTrainingScheme = true
	return a
}

func schemes(a eligibility.Answers, s ...referral.Scheme) eligibility.Answers {
	for _, v := range s {
		a.Schemes = append(a.Schemes, string(v))
	}
	return a
}

type checkCase struct {
	name    string
	a       eligibility.Answers
	today   string
	outcome eligibility.Outcome
	codes   []string
	// text, when set, must appear in some reason's text.
	text string
}

// run checks each case's outcome and reason codes, and the promises every
// result keeps.
func run(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := eligibility.Check(c.a, MustDate(t, c.today))
			var codes []string
			for _, r := range got.Reasons {
				codes = append(codes, r.Code)
			}
			if got.Outcome != c.outcome || !slices.Equal(codes, c.codes) {
				t.Fatalf("Check = %s %q, want %s %q\nreasons: %+v", got.Outcome, codes, c.outcome, c.codes, got.Reasons)
			}
			if c.text != "" && !slices.ContainsFunc(got.Reasons, func(r eligibility.Reason) bool { return strings.Contains(r.Text, c.text) }) {
				t.Errorf("no reason mentions %q: %+v", c.text, got.Reasons)
			}
			checkPromises(t, got)
		})
	}
}

// checkPromises: every result is a known outcome with at least one reason a
// coordinator can read; a NotEligible result always tells the trainee where
// to go, on every reason; an Eligible one never sends them elsewhere.
func checkPromises(t *testing.T, r eligibility.Result) {
	t.Helper()
	if !r.Outcome.Valid() || len(r.Reasons) == 0 {
		t.Fatalf("result %+v: want a known outcome and at least one reason", r)
	}
	for _, reason := range r.Reasons {
		if reason.Code == "" || len(reason.Text) < 20 {
			t.Errorf("reason %+v: want a code and a sentence for the coordinator", reason)
		}
		switch r.Outcome {
		case notEligible:
			if reason.Signpost == "" {
				t.Errorf("not eligible, but reason %s has no signposting for the trainee", reason.Code)
			}
		case eligible:
			if reason.Signpost != "" {
				t.Errorf("eligible, but reason %s signposts elsewhere", reason.Code)
			}
		}
	}
}

var (
	doctor    = referral.GroupDoctor
	dentist   = referral.GroupDentist
	nurse     = referral.GroupNurse
	london    = referral.RegionLondon
	kss       = referral.RegionKSS
	elsewhere = referral.RegionElsewhere
)

func TestDoctorsAndDentistsInTraining(t *testing.T) {
	st3 := withNumber(answers(doctor, london, referral.StageST3))
	futureCCT := st3
	futureCCT.CCTDate = eligibility.NewDate(2028, time.August, 2)
	planningToLeave := st3
	planningToLeave.TrainingEndedDate = eligibility.NewDate(2025, time.September, 1)

	run(t, []checkCase{
		{"London ST3 with a number", st3, "2025-06-15", eligible, []string{eligibility.CodeInTraining}, "London training number"},
		{"KSS ST3 with a number", withNumber(answers(doctor, kss, referral.StageST3)), "2025-06-15", eligible, []string{eligibility.CodeInTraining}, "Kent, Surrey and Sussex"},
		{"London CT1 with a number", withNumber(answers(doctor, london, referral.StageCT1)), "2025-06-15", eligible, []string{eligibility.CodeInTraining}, ""},
		{"London ST8 with a number", withNumber(answers(doctor, london, referral.StageST8)), "2025-06-15", eligible, []string{eligibility.CodeInTraining}, ""},
		{"KSS GPST3 with a number", withNumber(answers(doctor, kss, referral.StageGPST3)), "2025-06-15", eligible, []string{eligibility.CodeInTraining}, ""},
		{"expected CCT still to come", futureCCT, "2025-06-15", eligible, []string{eligibility.CodeInTraining}, "Expected CCT: 2 August 2028"},
		{"giving up the number later this year", planningToLeave, "2025-06-15", eligible, []string{eligibility.CodeInTraining}, ""},
		{"CT2 without a training number", answers(doctor, london, referral.StageCT2), "2025-06-15", review, []string{eligibility.CodeNoTrainingNumber}, "locally employed"},
		{"GPST1 without a training number", answers(doctor, kss, referral.StageGPST1), "2025-06-15", review, []string{eligibility.CodeNoTrainingNumber}, ""},

		// Foundation: London yes (no number needed), KSS to its own service.
		{"London F1, no number needed", answers(doctor, london, referral.StageF1), "2025-06-15", eligible, []string{eligibility.CodeInTraining}, "Foundation trainee (F1)"},
		{"London F2 with a number ticked", withNumber(answers(doctor, london, referral.StageF2)), "2025-06-15", eligible, []string{eligibility.CodeInTraining}, ""},
		{"KSS F1", answers(doctor, kss, referral.StageF1), "2025-06-15", notEligible, []string{eligibility.CodeKSSFoundation}, "Professional Support and Wellbeing Service"},
		{"KSS F2 with a number ticked", withNumber(answers(doctor, kss, referral.StageF2)), "2025-06-15", notEligible, []string{eligibility.CodeKSSFoundation}, ""},

		// Dentists.
		{"London dental foundation", answers(dentist, london, referral.StageDentalFoundation), "2025-06-15", eligible, []string{eligibility.CodeInTraining}, ""},
		{"KSS dental foundation: a person checks", answers(dentist, kss, referral.StageDentalFoundation), "2025-06-15", review, []string{eligibility.CodeKSSDentalFoundation}, ""},
		{"KSS dental core, no number needed", answers(dentist, kss, referral.StageDCT2), "2025-06-15", eligible, []string{eligibility.CodeInTraining}, "DCT2"},
		{"London dental specialty trainee", withNumber(answers(dentist, london, referral.StageST2)), "2025-06-15", eligible, []string{eligibility.CodeInTraining}, ""},
		{"dental specialty trainee without a number", answers(dentist, london, referral.StageST2), "2025-06-15", review, []string{eligibility.CodeNoTrainingNumber}, ""},

		// Another region settles it, whatever else was said.
		{"another region, ST3 with a number", withNumber(answers(doctor, elsewhere, referral.StageST3)), "2025-06-15", notEligible, []string{eligibility.CodeOtherRegion}, ""},
		{"another region, F1", answers(doctor, elsewhere, referral.StageF1), "2025-06-15", notEligible, []string{eligibility.CodeOtherRegion}, ""},
		{"another region, nothing else answered", eligibility.Answers{Region: string(elsewhere)}, "2025-06-15", notEligible, []string{eligibility.CodeOtherRegion}, ""},
		{"another region, on a scheme", schemes(answers(doctor, elsewhere, referral.StageOther), referral.SchemeIGPR), "2025-06-15", notEligible, []string{eligibility.CodeOtherRegion}, ""},
	})
}

// The 3 months after CCT, counted in calendar months and including the last
// day; a shorter month ends the period on its last day.
func TestThreeMonthsAfterCCT(t *testing.T) {
	postCCT := func(cct string) eligibility.Answers {
		a := withNumber(answers(doctor, london, referral.StagePostCCT))
		a.CCTDate = MustDate(t, cct)
		return a
	}
	inGrace := []string{eligibility.CodeCCTGrace}
	past := []string{eligibility.CodePastGrace}
	st6 := func(cct string) eligibility.Answers {
		a := withNumber(answers(doctor, kss, referral.StageST6))
		a.CCTDate = MustDate(t, cct)
		return a
	}
	dentistPostCCT := postCCT("2025-04-30")
	dentistPostCCT.ProfessionalGroup = string(dentist)
	noNumber := postCCT("2025-04-30")
	noNumber.HasTrainingNumber = false

	run(t, []checkCase{
		{"CCT today", postCCT("2025-06-15"), "2025-06-15", eligible, inGrace, ""},
		{"CCT yesterday", postCCT("2025-06-14"), "2025-06-15", eligible, inGrace, ""},
		{"exactly 3 months after CCT", postCCT("2025-03-15"), "2025-06-15", eligible, inGrace, "up to and including 15 June 2025"},
		{"3 months and a day after CCT", postCCT("2025-03-15"), "2025-06-16", review, past, "ended on 15 June 2025"},
		{"a day short of 3 months", postCCT("2025-03-16"), "2025-06-15", eligible, inGrace, ""},
		{"CCT 31 Aug: eligible on 30 Nov", postCCT("2025-08-31"), "2025-11-30", eligible, inGrace, "30 November 2025"},
		{"CCT 31 Aug: not on 1 Dec", postCCT("2025-08-31"), "2025-12-01", review, past, ""},
		{"CCT 31 May: eligible on 31 Aug", postCCT("2025-05-31"), "2025-08-31", eligible, inGrace, ""},
		{"CCT 31 May: not on 1 Sep", postCCT("2025-05-31"), "2025-09-01", review, past, ""},
		{"CCT 30 Nov 2023: eligible on 29 Feb 2024 (leap year)", postCCT("2023-11-30"), "2024-02-29", eligible, inGrace, "29 February 2024"},
		{"CCT 30 Nov 2023: not on 1 Mar 2024", postCCT("2023-11-30"), "2024-03-01", review, past, ""},
		{"CCT 29 Nov 2023: eligible on 29 Feb 2024", postCCT("2023-11-29"), "2024-02-29", eligible, inGrace, ""},
		{"CCT 30 Nov 2024: eligible on 28 Feb 2025", postCCT("2024-11-30"), "2025-02-28", eligible, inGrace, "28 February 2025"},
		{"CCT 30 Nov 2024: not on 1 Mar 2025", postCCT("2024-11-30"), "2025-03-01", review, past, ""},
		{"CCT 28 Nov 2024: not on 1 Mar 2025", postCCT("2024-11-28"), "2025-03-01", review, past, ""},
		{"CCT 31 Dec: eligible on 31 Mar next year", postCCT("2024-12-31"), "2025-03-31", eligible, inGrace, ""},
		{"CCT 31 Dec: not on 1 Apr", postCCT("2024-12-31"), "2025-04-01", review, past, ""},
		{"CCT years ago", postCCT("2015-08-05"), "2025-06-15", review, past, "post-CCT"},
		{"CCT date still to come contradicts 'completed'", postCCT("2025-08-05"), "2025-06-15", review, []string{eligibility.CodeContradictory}, "still to come"},
		{"completed but no CCT date", withNumber(answers(doctor, london, referral.StagePostCCT)), "2025-06-15", review, []string{eligibility.CodeMissing}, "CCT date"},
		{"completed, in grace, but never held a number", noNumber, "2025-06-15", review, []string{eligibility.CodeNoTrainingNumber}, ""},
		{"dentist after CCT, in grace", dentistPostCCT, "2025-06-15", eligible, inGrace, ""},

		// Someone who still gives their last stage: the date decides.
		{"ST6 whose CCT was 2 months ago", st6("2025-04-15"), "2025-06-15", eligible, inGrace, ""},
		{"ST6 whose CCT was exactly 3 months ago", st6("2025-03-15"), "2025-06-15", eligible, inGrace, ""},
		{"ST6 whose CCT was 3 months and a day ago", st6("2025-03-15"), "2025-06-16", review, past, ""},
	})
}

// The same 3 months after giving up a training number.
func TestThreeMonthsAfterGivingUpTheNumber(t *testing.T) {
	left := func(ended string) eligibility.Answers {
		a := withNumber(answers(doctor, london, referral.StageLeftTraining))
		a.TrainingEndedDate = MustDate(t, ended)
		return a
	}
	inGrace := []string{eligibility.CodeLeftGrace}
	past := []string{eligibility.CodePastGrace}
	bothDates := left("2025-03-15")
	bothDates.CCTDate = MustDate(t, "2027-08-01") // the CCT they no longer expect
	nonTrainingNow := func(ended string, number bool) eligibility.Answers {
		a := answers(doctor, kss, referral.StageNonTraining)
		a.HasTrainingNumber = number
		a.TrainingEndedDate = MustDate(t, ended)
		return a
	}
	noNumber := left("2025-05-01")
	noNumber.HasTrainingNumber = false

	run(t, []checkCase{
		{"gave up the number today", left("2025-06-15"), "2025-06-15", eligible, inGrace, ""},
		{"exactly 3 months after", left("2025-03-15"), "2025-06-15", eligible, inGrace, "Gave up their training number on 15 March 2025"},
		{"3 months and a day after", left("2025-03-15"), "2025-06-16", review, past, ""},
		{"gave up 31 Aug: eligible on 30 Nov", left("2024-08-31"), "2024-11-30", eligible, inGrace, ""},
		{"gave up 31 Aug: not on 1 Dec", left("2024-08-31"), "2024-12-01", review, past, ""},
		{"gave up 30 Nov 2023: eligible on 29 Feb 2024", left("2023-11-30"), "2024-02-29", eligible, inGrace, ""},
		{"gave up 30 Nov 2023: not on 1 Mar 2024", left("2023-11-30"), "2024-03-01", review, past, ""},
		{"gave up 30 Nov 2024: eligible on 28 Feb 2025", left("2024-11-30"), "2025-02-28", eligible, inGrace, ""},
		{"gave up 30 Nov 2024: not on 1 Mar 2025", left("2024-11-30"), "2025-03-01", review, past, ""},
		{"gave up years ago", left("2019-01-10"), "2025-06-15", review, past, ""},
		{"an expected CCT does not extend it", bothDates, "2025-06-16", review, past, "Gave up"},
		{"left, but the date is still to come", left("2025-07-01"), "2025-06-15", review, []string{eligibility.CodeContradictory}, ""},
		{"left, with no date", withNumber(answers(doctor, london, referral.StageLeftTraining)), "2025-06-15", review, []string{eligibility.CodeMissing}, "given up"},
		{"left, in grace, but never held a number", noNumber, "2025-06-15", review, []string{eligibility.CodeNoTrainingNumber}, ""},

		// Now in a non-training post: covered while the 3 months last.
		{"non-training post, number given up 2 months ago", nonTrainingNow("2025-04-15", true), "2025-06-15", eligible, inGrace, ""},
		{"non-training post, number given up a year ago", nonTrainingNow("2024-06-15", true), "2025-06-15", review, []string{eligibility.CodeNonTraining}, ""},
		{"non-training post, never held a number", nonTrainingNow("2025-04-15", false), "2025-06-15", review, []string{eligibility.CodeNonTraining}, ""},
	})
}

func TestNonTrainingGrades(t *testing.T) {
	res := eligibility.Check(answers(doctor, london, referral.StageNonTraining), MustDate(t, "2025-06-15"))
	if res.Outcome != review || len(res.Reasons) != 1 || res.Reasons[0].Code != eligibility.CodeNonTraining {
		t.Fatalf("non-training grade: %+v", res)
	}
	if !strings.Contains(res.Reasons[0].Signpost, "non-training grades") {
		t.Errorf("a non-training doctor should be pointed to the guidance for them: %q", res.Reasons[0].Signpost)
	}
	past := withNumber(answers(doctor, london, referral.StagePostCCT))
	past.CCTDate = MustDate(t, "2020-01-01")
	res = eligibility.Check(past, MustDate(t, "2025-06-15"))
	if len(res.Signposts()) != 1 || !strings.Contains(res.Signposts()[0], "completed training") {
		t.Errorf("a doctor long past CCT should be pointed to the guidance: %q", res.Signposts())
	}
}

func TestBands(t *testing.T) {
	nurseAt := func(s referral.Stage) eligibility.Answers { return onScheme(answers(nurse, london, s)) }
	ok := []string{eligibility.CodeBandScheme}
	outside := []string{eligibility.CodeBandOutside}
	run(t, []checkCase{
		{"band 4 or below, on a scheme", nurseAt(referral.StageBand4), "2025-06-15", notEligible, outside, "Band 4 or below"},
		{"band 4, no scheme", answers(nurse, london, referral.StageBand4), "2025-06-15", notEligible, outside, ""},
		{"band 5 on a scheme", nurseAt(referral.StageBand5), "2025-06-15", eligible, ok, "Band 5"},
		{"band 6 on a scheme", nurseAt(referral.StageBand6), "2025-06-15", eligible, ok, ""},
		{"band 7 on a scheme", nurseAt(referral.StageBand7), "2025-06-15", eligible, ok, ""},
		{"band 8a on a scheme", nurseAt(referral.StageBand8a), "2025-06-15", eligible, ok, ""},
		{"band 8b on a scheme", nurseAt(referral.StageBand8b), "2025-06-15", eligible, ok, ""},
		{"band 8c on a scheme", nurseAt(referral.StageBand8c), "2025-06-15", eligible, ok, ""},
		{"band 8d on a scheme", nurseAt(referral.StageBand8d), "2025-06-15", eligible, ok, "Band 8d"},
		{"band 9 on a scheme", nurseAt(referral.StageBand9), "2025-06-15", notEligible, outside, "Band 9"},
		{"nurse, band 6, not on a recognised scheme", answers(nurse, london, referral.StageBand6), "2025-06-15", notEligible, []string{eligibility.CodeBandNoScheme}, ""},
		{"nurse, band 5, not on a recognised scheme", answers(nurse, kss, referral.StageBand5), "2025-06-15", notEligible, []string{eligibility.CodeBandNoScheme}, ""},
		{"midwife in KSS, band 7 on a scheme", onScheme(answers(referral.GroupMidwife, kss, referral.StageBand7)), "2025-06-15", eligible, ok, ""},
		{"allied health professional, band 8b", onScheme(answers(referral.GroupAlliedHealthProfessional, london, referral.StageBand8b)), "2025-06-15", eligible, ok, ""},
		{"healthcare scientist, band 6", onScheme(answers(referral.GroupHealthcareScientist, london, referral.StageBand6)), "2025-06-15", eligible, ok, ""},
		{"pharmacist, band 7", onScheme(answers(referral.GroupPharmacist, london, referral.StageBand7)), "2025-06-15", eligible, ok, ""},
		{"other profession, band 7", onScheme(answers(referral.GroupOther, kss, referral.StageBand7)), "2025-06-15", eligible, ok, ""},
		{"nurse, band 6, another region", onScheme(answers(nurse, elsewhere, referral.StageBand6)), "2025-06-15", notEligible, []string{eligibility.CodeOtherRegion}, ""},
		{"a doctor does not have a band", onScheme(answers(doctor, london, referral.StageBand6)), "2025-06-15", review, []string{eligibility.CodeContradictory}, "band 6"},
		{"nor does a dentist", onScheme(answers(dentist, london, referral.StageBand5)), "2025-06-15", review, []string{eligibility.CodeContradictory}, ""},
	})
	res := eligibility.Check(answers(nurse, london, referral.StageBand6), MustDate(t, "2025-06-15"))
	if !strings.Contains(res.Reasons[0].Signpost, "preceptorship") {
		t.Errorf("a nurse not on a scheme should be told what counts as one: %q", res.Reasons[0].Signpost)
	}
}

func TestPharmacyProgrammes(t *testing.T) {
	ok := []string{eligibility.CodePharmacy}
	pharmacist, technician := referral.GroupPharmacist, referral.GroupPharmacyTechnician
	run(t, []checkCase{
		{"pre-registration pharmacist", answers(pharmacist, london, referral.StagePreRegPharmacist), "2025-06-15", eligible, ok, "pre-registration pharmacist"},
		{"pre-registration pharmacist, group other", answers(referral.GroupOther, london, referral.StagePreRegPharmacist), "2025-06-15", eligible, ok, ""},
		{"trainee pharmacy technician", answers(technician, kss, referral.StageTraineePharmacyTechnician), "2025-06-15", eligible, ok, "two-year"},
		{"foundation pharmacist", answers(pharmacist, london, referral.StageFoundationPharmacist), "2025-06-15", eligible, ok, "foundation pharmacist"},
		{"GP pharmacist training pathway", answers(pharmacist, kss, referral.StageGPPharmacistPathway), "2025-06-15", eligible, ok, "18-month"},
		{"a foundation pharmacist in another region", answers(pharmacist, elsewhere, referral.StageFoundationPharmacist), "2025-06-15", notEligible, []string{eligibility.CodeOtherRegion}, ""},
		{"a nurse on a pharmacy programme", answers(nurse, london, referral.StageFoundationPharmacist), "2025-06-15", review, []string{eligibility.CodeContradictory}, ""},
		{"a pharmacist at ST3", answers(pharmacist, london, referral.StageST3), "2025-06-15", review, []string{eligibility.CodeContradictory}, ""},
	})
}

func TestWorkforceSchemes(t *testing.T) {
	ok := []string{eligibility.CodeSchemePlace}
	doctorOn := func(s ...referral.Scheme) eligibility.Answers {
		return schemes(answers(doctor, london, referral.StageOther), s...)
	}
	longPastCCT := schemes(withNumber(answers(doctor, kss, referral.StagePostCCT)), referral.SchemeRetainer)
	longPastCCT.CCTDate = MustDate(t, "2012-09-01")
	run(t, []checkCase{
		{"offered Induction and Refresher", doctorOn(referral.SchemeInductionRefresher), "2025-06-15", eligible, ok, "offered a place on the Induction and Refresher"},
		{"offered Retainer", doctorOn(referral.SchemeRetainer), "2025-06-15", eligible, ok, "Retainer"},
		{"offered IGPR", doctorOn(referral.SchemeIGPR), "2025-06-15", eligible, ok, "International GP Recruitment"},
		{"on CAPS", doctorOn(referral.SchemeCAPS), "2025-06-15", eligible, ok, "is on the Clinical Apprenticeship Scheme"},
		{"on MSW", doctorOn(referral.SchemeMSW), "2025-06-15", eligible, ok, "Medical Support Worker"},
		{"on two schemes", doctorOn(referral.SchemeCAPS, referral.SchemeMSW), "2025-06-15", eligible, []string{eligibility.CodeSchemePlace, eligibility.CodeSchemePlace}, ""},
		{"the same scheme twice counts once", doctorOn(referral.SchemeMSW, referral.SchemeMSW), "2025-06-15", eligible, ok, ""},
		{"IGPR doctor in KSS", schemes(answers(doctor, kss, referral.StageOther), referral.SchemeIGPR), "2025-06-15", eligible, ok, ""},
		{"non-training grade on MSW: the scheme decides", schemes(answers(doctor, london, referral.StageNonTraining), referral.SchemeMSW), "2025-06-15", eligible, ok, ""},
		{"long past CCT, offered Retainer", longPastCCT, "2025-06-15", eligible, ok, ""},
		{"in training and on a scheme: both reasons", schemes(withNumber(answers(doctor, london, referral.StageST1)), referral.SchemeCAPS), "2025-06-15", eligible, []string{eligibility.CodeSchemePlace, eligibility.CodeInTraining}, ""},
		{"a nurse on MSW", schemes(onScheme(answers(nurse, london, referral.StageBand6)), referral.SchemeMSW), "2025-06-15", review, []string{eligibility.CodeContradictory}, "for doctors"},
		{"a dentist on Retainer", schemes(answers(dentist, london, referral.StageOther), referral.SchemeRetainer), "2025-06-15", review, []string{eligibility.CodeContradictory}, ""},
		{"a scheme these rules do not know", schemes(answers(doctor, london, referral.StageOther), "golden_handshake"), "2025-06-15", review, []string{eligibility.CodeUnrecognised}, "workforce schemes"},
		{"doctor, stage other, no scheme", answers(doctor, london, referral.StageOther), "2025-06-15", review, []string{eligibility.CodeStageOther}, ""},
	})
}

func TestMissingAndUnrecognisedAnswers(t *testing.T) {
	st3 := withNumber(answers(doctor, london, referral.StageST3))
	noGroup, noRegion, noStage := st3, st3, st3
	noGroup.ProfessionalGroup, noRegion.Region, noStage.Stage = "", "", ""
	badCCT := st3
	badCCT.CCTDate = eligibility.NewDate(2025, time.February, 29)
	badEnded := st3
	badEnded.TrainingEndedDate = eligibility.NewDate(2025, 13, 1)
	missing, unknown := eligibility.CodeMissing, eligibility.CodeUnrecognised
	run(t, []checkCase{
		{"nothing answered", eligibility.Answers{}, "2025-06-15", review, []string{missing, missing, missing}, ""},
		{"no professional group", noGroup, "2025-06-15", review, []string{missing}, "professional group"},
		{"no region", noRegion, "2025-06-15", review, []string{missing}, "region"},
		{"no stage", noStage, "2025-06-15", review, []string{missing}, "stage"},
		{"unknown region", answers(doctor, "wales", referral.StageST3), "2025-06-15", review, []string{unknown}, "region"},
		{"unknown group", answers("surgeon", london, referral.StageST3), "2025-06-15", review, []string{unknown}, "professional group"},
		{"unknown stage", answers(doctor, london, "st9"), "2025-06-15", review, []string{unknown}, "stage"},
		{"a value in the wrong case", answers(doctor, "London", referral.StageST3), "2025-06-15", review, []string{unknown}, ""},
		{"impossible CCT date", badCCT, "2025-06-15", review, []string{unknown}, "CCT date"},
		{"impossible date the number was given up", badEnded, "2025-06-15", review, []string{unknown}, "given up"},
		{"a nurse at F1", answers(nurse, london, referral.StageF1), "2025-06-15", review, []string{eligibility.CodeContradictory}, "(F1) does not fit the professional group (nurse)"},
		{"a dentist at F1", answers(dentist, london, referral.StageF1), "2025-06-15", review, []string{eligibility.CodeContradictory}, ""},
		{"a doctor in dental foundation training", answers(doctor, london, referral.StageDentalFoundation), "2025-06-15", review, []string{eligibility.CodeContradictory}, ""},
		{"a midwife in a non-training grade", answers(referral.GroupMidwife, london, referral.StageNonTraining), "2025-06-15", review, []string{eligibility.CodeContradictory}, "midwife"},
		{"an allied health professional at GPST2", answers(referral.GroupAlliedHealthProfessional, london, referral.StageGPST2), "2025-06-15", review, []string{eligibility.CodeContradictory}, "allied health professional"},
		{"nurse, stage other", answers(nurse, kss, referral.StageOther), "2025-06-15", review, []string{eligibility.CodeStageOther}, ""},
	})
	res := eligibility.Check(withNumber(answers(doctor, london, referral.StageST3)), eligibility.Date{})
	if res.Outcome != review || res.Reasons[0].Code != eligibility.CodeUnrecognised {
		t.Errorf("no date for today: %+v", res)
	}
}

// Every date in a span of years as a CCT date, checked on its last eligible
// day (eligible) and the day after (not): no month end or leap day slips
// through.
func TestGraceBoundaryEveryDay(t *testing.T) {
	a := withNumber(answers(doctor, london, referral.StagePostCCT))
	for day := time.Date(2023, 1, 1, 12, 0, 0, 0, time.UTC); day.Year() < 2026; day = day.AddDate(0, 0, 1) {
		a.CCTDate = eligibility.DateOf(day)
		last := eligibility.GraceEnds(a.CCTDate)
		if got := eligibility.Check(a, last); got.Outcome != eligible {
			t.Fatalf("CCT %s, checked on %s: %s, want eligible", a.CCTDate, last, got.Outcome)
		}
		if got := eligibility.Check(a, nextDay(last)); got.Outcome != review || got.Reasons[0].Code != eligibility.CodePastGrace {
			t.Fatalf("CCT %s, checked on %s: %+v, want past the grace period", a.CCTDate, nextDay(last), got)
		}
	}
}

// The forms offer referral's answer lists; every value on them must be one
// these rules understand, and the rules must agree with referral.Stage.Fits
// about which stages go with which groups.
func TestRulesKnowEveryFormAnswer(t *testing.T) {
	today := MustDate(t, "2025-06-15")
	for _, r := range referral.Regions {
		res := eligibility.Check(answers(doctor, r.Value, referral.StageST3), today)
		if hasCode(res, eligibility.CodeUnrecognised) {
			t.Errorf("region %q is not understood: %+v", r.Value, res)
		}
	}
	for _, g := range referral.ProfessionalGroups {
		for _, s := range referral.Stages {
			a := onScheme(withNumber(answers(g.Value, london, s.Value)))
			a.CCTDate = MustDate(t, "2025-05-01") // so that post-CCT has its date
			a.TrainingEndedDate = MustDate(t, "2025-05-01")
			res := eligibility.Check(a, today)
			if hasCode(res, eligibility.CodeUnrecognised) {
				t.Errorf("%s at %s: not understood: %+v", g.Value, s.Value, res)
			}
			if contradicts := hasCode(res, eligibility.CodeContradictory); contradicts == s.Value.Fits(g.Value) {
				t.Errorf("%s at %s: Fits = %v but the rules say contradictory = %v", g.Value, s.Value, s.Value.Fits(g.Value), contradicts)
			}
		}
	}
	for _, s := range referral.Schemes {
		res := eligibility.Check(schemes(answers(doctor, london, referral.StageOther), s.Value), today)
		if res.Outcome != eligible {
			t.Errorf("scheme %q: %+v, want eligible", s.Value, res)
		}
	}
}

func hasCode(r eligibility.Result, code string) bool {
	return slices.ContainsFunc(r.Reasons, func(reason eligibility.Reason) bool { return reason.Code == code })
}

func TestSignposts(t *testing.T) {
	r := eligibility.Result{Outcome: notEligible, Reasons: []eligibility.Reason{
		{Code: "a", Text: "x", Signpost: "Go here."},
		{Code: "b", Text: "y"},
		{Code: "c", Text: "z", Signpost: "Go here."},
		{Code: "d", Text: "w", Signpost: "Or there."},
	}}
	if got := r.Signposts(); !slices.Equal(got, []string{"Go here.", "Or there."}) {
		t.Errorf("Signposts() = %q", got)
	}
	if got := (eligibility.Result{}).Signposts(); len(got) != 0 {
		t.Errorf("empty result has signposts %q", got)
	}
}

func TestOutcomeLabels(t *testing.T) {
	cases := []struct {
		o     eligibility.Outcome
		label string
		valid bool
	}{
		{eligible, "Eligible", true},
		{notEligible, "Not eligible", true},
		{review, "Needs review", true},
		{"", "", false},
		{"maybe", "maybe", false},
	}
	for _, c := range cases {
		if c.o.Label() != c.label || c.o.Valid() != c.valid {
			t.Errorf("%q: Label %q Valid %v; want %q %v", c.o, c.o.Label(), c.o.Valid(), c.label, c.valid)
		}
	}
}

// Signposting is for the trainee: it names no person and no address, and
// reads as sentences.
func TestSignpostsAreFitForTrainees(t *testing.T) {
	today := MustDate(t, "2025-06-15")
	past := withNumber(answers(doctor, london, referral.StagePostCCT))
	past.CCTDate = MustDate(t, "2010-01-01")
	for _, a := range []eligibility.Answers{
		answers(doctor, elsewhere, referral.StageST3),
		answers(doctor, kss, referral.StageF1),
		onScheme(answers(nurse, london, referral.StageBand9)),
		answers(nurse, london, referral.StageBand6),
		answers(doctor, london, referral.StageNonTraining),
		answers(doctor, london, referral.StageST3),
		past,
	} {
		res := eligibility.Check(a, today)
		if len(res.Signposts()) == 0 {
			t.Errorf("%+v: no signpost", a)
		}
		for _, s := range res.Signposts() {
			if strings.Contains(s, "@") || strings.Contains(s, "http") || !strings.HasSuffix(s, ".") {
				t.Errorf("signpost %q: want plain sentences with no addresses", s)
			}
		}
	}
}
