package eligibility

import (
	"fmt"
	"strings"
)

// The answer values these rules know, the same strings as package referral's
// answer lists (a test keeps the two in step).
const (
	groupDoctor  = "doctor"
	groupDentist = "dentist"

	regionLondon    = "london"
	regionKSS       = "kss"
	regionElsewhere = "elsewhere"

	schemeIR       = "ir"
	schemeRetainer = "retainer"
	schemeIGPR     = "igpr"
	schemeCAPS     = "caps"
	schemeMSW      = "msw"
)

var groups = []string{
	groupDoctor, groupDentist, "pharmacist", "pharmacy_technician", "nurse", "midwife",
	"allied_health_professional", "healthcare_scientist", "other",
}

// groupName is the group as it reads in a sentence ("allied health professional").
func groupName(g string) string { return strings.ReplaceAll(g, "_", " ") }

var regionNames = map[string]string{
	regionLondon: "London",
	regionKSS:    "Kent, Surrey and Sussex",
}

var schemeNames = map[string]string{
	schemeIR:       "Induction and Refresher (I&R) scheme",
	schemeRetainer: "Retainer scheme",
	schemeIGPR:     "International GP Recruitment (IGPR) scheme",
	schemeCAPS:     "Clinical Apprenticeship Scheme (CAPS)",
	schemeMSW:      "Medical Support Worker (MSW) programme",
}

// kind is the family a stage belongs to, which decides the rule applied.
type kind int

const (
	medicalFoundation kind = iota + 1 // F1, F2: no training number
	dentalFoundation                  // DFT: no training number
	dentalCore                        // DCT: one-year posts, no training number
	medicalTraining                   // CT, ST: an NTN or DRN
	gpTraining                        // GPST: an NTN
	nonTraining
	postCCT
	leftTraining
	band
	pharmacy
	otherStage
)

// fits reports whether someone in group g could be at a stage of kind k (the
// same pairing as referral.Stage.Fits).
func (k kind) fits(g string) bool {
	medical := g == groupDoctor || g == groupDentist
	switch k {
	case medicalFoundation, gpTraining:
		return g == groupDoctor
	case dentalFoundation, dentalCore:
		return g == groupDentist
	case medicalTraining, nonTraining, postCCT, leftTraining:
		return medical
	case band:
		return !medical
	case pharmacy:
		return g == "pharmacist" || g == "pharmacy_technician" || g == "other"
	}
	return true
}

// needsNumber reports whether the stage goes with a London or KSS training
// number.
func (k kind) needsNumber() bool {
	switch k {
	case medicalTraining, gpTraining, postCCT, leftTraining:
		return true
	}
	return false
}

// stage is what the rules need to know about a stage or grade.
type stage struct {
	kind kind
	name string // as it reads in a sentence for the coordinator
	band int    // for kind band: 4 means 4 or below
}

var stages = func() map[string]stage {
	m := map[string]stage{
		"f1":                          {medicalFoundation, "F1", 0},
		"f2":                          {medicalFoundation, "F2", 0},
		"gpst1":                       {gpTraining, "GPST1", 0},
		"gpst2":                       {gpTraining, "GPST2", 0},
		"gpst3":                       {gpTraining, "GPST3", 0},
		"dft":                         {dentalFoundation, "dental foundation training", 0},
		"non_training":                {nonTraining, "a non-training grade", 0},
		"post_cct":                    {postCCT, "completed training (post-CCT)", 0},
		"left_training":               {leftTraining, "left training", 0},
		"pre_reg_pharmacist":          {pharmacy, "pre-registration pharmacist", 0},
		"trainee_pharmacy_technician": {pharmacy, "trainee pharmacy technician on the two-year programme", 0},
		"foundation_pharmacist":       {pharmacy, "foundation pharmacist", 0},
		"gp_pharmacist_pathway":       {pharmacy, "clinical pharmacist on the 18-month general practice training pathway", 0},
		"band_4":                      {band, "band 4 or below", 4},
		"band_5":                      {band, "band 5", 5},
		"band_6":                      {band, "band 6", 6},
		"band_7":                      {band, "band 7", 7},
		"band_8a":                     {band, "band 8a", 8},
		"band_8b":                     {band, "band 8b", 8},
		"band_8c":                     {band, "band 8c", 8},
		"band_8d":                     {band, "band 8d", 8},
		"band_9":                      {band, "band 9", 9},
		"other":                       {otherStage, "other", 0},
	}
	for i := 1; i <= 3; i++ {
		m[fmt.Sprintf("ct%d", i)] = stage{medicalTraining, fmt.Sprintf("CT%d", i), 0}
		m[fmt.Sprintf("dct%d", i)] = stage{dentalCore, fmt.Sprintf("DCT%d", i), 0}
	}
	for i := 1; i <= 8; i++ {
		m[fmt.Sprintf("st%d", i)] = stage{medicalTraining, fmt.Sprintf("ST%d", i), 0}
	}
	return m
}()

// What the trainee reads when the answer is "not here" or "we will look at
// it". Kind, plain, and saying what to do next.
const (
	signpostOtherRegion = "This service is for trainees in London and in Kent, Surrey and Sussex. " +
		"The postgraduate deanery or professional support unit in the region where you train offers careers support to its own trainees; " +
		"your Training Programme Director or educational supervisor can tell you how to contact it."

	signpostKSSFoundation = "Foundation doctors in Kent, Surrey and Sussex are supported by KSS's own Professional Support and Wellbeing Service, " +
		"which can help with careers too. Your foundation programme team can tell you how to contact it."

	signpostAfterTraining = "Our one-to-one careers support is for people in training, and for 3 months after they complete training or give up their training number. " +
		"The unit has separate guidance for doctors who have completed training and for doctors in non-training grades. " +
		"A coordinator will look at your referral and let you know what support is open to you."

	signpostNonTraining = "Our one-to-one careers support is mainly for people in recognised training programmes. " +
		"The unit has separate guidance for doctors in non-training grades, such as specialty doctors and locally employed doctors. " +
		"A coordinator will look at your referral and let you know what support is open to you."

	signpostBands = "Our careers support for healthcare professionals is for staff in bands 5 to 8 who are on a recognised training scheme. " +
		"Your line manager or your organisation's education and training team can tell you about careers support open to you, " +
		"and the Health Careers website has information to help you plan your career."

	signpostNoScheme = "Our careers support for staff in bands 5 to 8 is for those on a recognised training scheme, " +
		"such as a preceptorship or a programme that develops a more specialised clinical role. " +
		"If you are on one, please tell the coordinator when they contact you. " +
		"If not, your line manager or your organisation's education and training team can tell you about careers support open to you."
)
