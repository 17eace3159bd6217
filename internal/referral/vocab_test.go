package referral_test

import (
	"regexp"
	"slices"
	"testing"

	"careers/internal/referral"
)

// storedValue is what a value may look like: it goes into forms, URLs of
// filters and database columns, so lower-case letters, digits and underscores.
var storedValue = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkVocabulary checks the things every answer list promises: the values
// in the order given, each stored-safe and unique, each with its own label,
// Label and Valid agreeing with the list, and unknown values rejected.
func checkVocabulary[T ~string](t *testing.T, opts []referral.Option[T], want []T, labelOf func(T) string, validOf func(T) bool) {
	t.Helper()
	var got []T
	labels := map[string]bool{}
	for _, o := range opts {
		got = append(got, o.Value)
		if !storedValue.MatchString(string(o.Value)) {
			t.Errorf("value %q is not lower-case letters, digits and underscores", o.Value)
		}
		if o.Label == "" || labels[o.Label] {
			t.Errorf("value %q: label %q is empty or repeated", o.Value, o.Label)
		}
		labels[o.Label] = true
		if labelOf(o.Value) != o.Label {
			t.Errorf("Label(%q) = %q, want %q", o.Value, labelOf(o.Value), o.Label)
		}
		if !validOf(o.Value) {
			t.Errorf("Valid(%q) = false", o.Value)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("values (in form order) = %q\nwant %q", got, want)
	}
	for _, bad := range []T{"", "unknown", T(string(want[0]) + " "), T("X" + string(want[0]))} {
		if validOf(bad) {
			t.Errorf("Valid(%q) = true", bad)
		}
	}
	// A value no longer offered still shows as itself on an old record.
	if got := labelOf("retired_value"); got != "retired_value" {
		t.Errorf("Label of an unknown value = %q, want the value itself", got)
	}
}

func TestProfessionalGroups(t *testing.T) {
	checkVocabulary(t, referral.ProfessionalGroups, []referral.ProfessionalGroup{
		"doctor", "dentist", "pharmacist", "pharmacy_technician", "nurse", "midwife",
		"allied_health_professional", "healthcare_scientist", "other",
	}, referral.ProfessionalGroup.Label, referral.ProfessionalGroup.Valid)
}

func TestRegistrationBodies(t *testing.T) {
	checkVocabulary(t, referral.RegistrationBodies, []referral.RegistrationBody{
		"gmc", "gdc", "gphc", "nmc", "hcpc", "none",
	}, referral.RegistrationBody.Label, referral.RegistrationBody.Valid)
}

func TestRegions(t *testing.T) {
	checkVocabulary(t, referral.Regions, []referral.Region{"london", "kss", "elsewhere"},
		referral.Region.Label, referral.Region.Valid)
	if got := referral.RegionKSS.Label(); got != "Kent, Surrey and Sussex" {
		t.Errorf("KSS label = %q", got)
	}
}

func TestStages(t *testing.T) {
	checkVocabulary(t, referral.Stages, []referral.Stage{
		"f1", "f2", "ct1", "ct2", "ct3",
		"st1", "st2", "st3", "st4", "st5", "st6", "st7", "st8",
		"gpst1", "gpst2", "gpst3", "dft", "dct1", "dct2", "dct3",
		"non_training", "post_cct", "left_training",
		"pre_reg_pharmacist", "trainee_pharmacy_technician", "foundation_pharmacist", "gp_pharmacist_pathway",
		"band_4", "band_5", "band_6", "band_7", "band_8a", "band_8b", "band_8c", "band_8d", "band_9",
		"other",
	}, referral.Stage.Label, referral.Stage.Valid)
}

func TestSchemes(t *testing.T) {
	checkVocabulary(t, referral.Schemes, []referral.Scheme{"ir", "retainer", "igpr", "caps", "msw"},
		referral.Scheme.Label, referral.Scheme.Valid)
}

func TestReasons(t *testing.T) {
	checkVocabulary(t, referral.Reasons, []referral.Reason{
		"uncertain_direction", "outside_medicine", "explore_in_confidence", "lack_of_progress", "ill_health", "other",
	}, referral.Reason.Label, referral.Reason.Valid)
}

func TestAppointmentModes(t *testing.T) {
	// Virtual comes first: it is the default.
	checkVocabulary(t, referral.AppointmentModes, []referral.AppointmentMode{"virtual", "in_person", "telephone"},
		referral.AppointmentMode.Label, referral.AppointmentMode.Valid)
}

func TestReferrerRoles(t *testing.T) {
	checkVocabulary(t, referral.ReferrerRoles, []referral.ReferrerRole{
		"educational_supervisor", "clinical_supervisor", "college_tutor", "dme", "tpd",
		"head_of_school", "locality_career_lead", "other",
	}, referral.ReferrerRole.Label, referral.ReferrerRole.Valid)
}

func TestSupports(t *testing.T) {
	checkVocabulary(t, referral.Supports, []referral.Support{
		"coaching", "dyslexia", "neurodiversity", "communication", "return_to_practice", "wellbeing", "other",
	}, referral.Support.Label, referral.Support.Valid)
}

func TestStageBand(t *testing.T) {
	cases := []struct {
		stage  referral.Stage
		band   int
		isBand bool
	}{
		{referral.StageBand4, 4, true},
		{referral.StageBand5, 5, true},
		{referral.StageBand6, 6, true},
		{referral.StageBand7, 7, true},
		{referral.StageBand8a, 8, true},
		{referral.StageBand8b, 8, true},
		{referral.StageBand8c, 8, true},
		{referral.StageBand8d, 8, true},
		{referral.StageBand9, 9, true},
		{referral.StageF1, 0, false},
		{referral.StageFoundationPharmacist, 0, false},
		{referral.StageOther, 0, false},
		{"band_10", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		band, ok := c.stage.Band()
		if band != c.band || ok != c.isBand {
			t.Errorf("%q.Band() = %d, %v; want %d, %v", c.stage, band, ok, c.band, c.isBand)
		}
	}
	// Every stage that reads "Band ..." is a band and the other way round.
	for _, s := range referral.Stages {
		_, ok := s.Value.Band()
		if looks := regexp.MustCompile(`^Band `).MatchString(s.Label); looks != ok {
			t.Errorf("%q: label %q but Band() ok = %v", s.Value, s.Label, ok)
		}
	}
}

func TestStageFits(t *testing.T) {
	cases := []struct {
		stage referral.Stage
		group referral.ProfessionalGroup
		want  bool
	}{
		{referral.StageF1, referral.GroupDoctor, true},
		{referral.StageF1, referral.GroupDentist, false},
		{referral.StageGPST2, referral.GroupDoctor, true},
		{referral.StageGPST2, referral.GroupDentist, false},
		{referral.StageST4, referral.GroupDoctor, true},
		{referral.StageST4, referral.GroupDentist, true},
		{referral.StageST4, referral.GroupNurse, false},
		{referral.StageCT1, referral.GroupDentist, true},
		{referral.StageDentalFoundation, referral.GroupDentist, true},
		{referral.StageDentalFoundation, referral.GroupDoctor, false},
		{referral.StageDCT2, referral.GroupDentist, true},
		{referral.StageDCT2, referral.GroupDoctor, false},
		{referral.StagePostCCT, referral.GroupDentist, true},
		{referral.StageNonTraining, referral.GroupDoctor, true},
		{referral.StageNonTraining, referral.GroupMidwife, false},
		{referral.StageLeftTraining, referral.GroupPharmacist, false},
		{referral.StageBand5, referral.GroupNurse, true},
		{referral.StageBand8c, referral.GroupAlliedHealthProfessional, true},
		{referral.StageBand6, referral.GroupPharmacist, true},
		{referral.StageBand6, referral.GroupOther, true},
		{referral.StageBand6, referral.GroupDoctor, false},
		{referral.StageBand6, referral.GroupDentist, false},
		{referral.StagePreRegPharmacist, referral.GroupPharmacist, true},
		{referral.StagePreRegPharmacist, referral.GroupOther, true},
		{referral.StageTraineePharmacyTechnician, referral.GroupPharmacyTechnician, true},
		{referral.StageGPPharmacistPathway, referral.GroupPharmacist, true},
		{referral.StageFoundationPharmacist, referral.GroupNurse, false},
		{referral.StageOther, referral.GroupDoctor, true},
		{referral.StageOther, referral.GroupHealthcareScientist, true},
		{referral.StageOther, "", false},
		{referral.StageBand5, "", false},
		{"", referral.GroupDoctor, false},
		{"st9", referral.GroupDoctor, false},
	}
	for _, c := range cases {
		if got := c.stage.Fits(c.group); got != c.want {
			t.Errorf("%q.Fits(%q) = %v, want %v", c.stage, c.group, got, c.want)
		}
	}
}

func TestStagesFor(t *testing.T) {
	fitsSomeone := map[referral.Stage]bool{}
	for _, g := range referral.ProfessionalGroups {
		got := referral.StagesFor(g.Value)
		if len(got) == 0 || got[len(got)-1].Value != referral.StageOther {
			t.Errorf("StagesFor(%q) does not end with Other", g.Value)
		}
		// Kept in form order.
		last := -1
		for _, o := range got {
			i := slices.IndexFunc(referral.Stages, func(s referral.Option[referral.Stage]) bool { return s.Value == o.Value })
			if i <= last {
				t.Errorf("StagesFor(%q) is out of form order at %q", g.Value, o.Value)
			}
			last = i
			fitsSomeone[o.Value] = true
		}
	}
	for _, s := range referral.Stages {
		if !fitsSomeone[s.Value] {
			t.Errorf("stage %q fits no professional group, so no form would offer it", s.Value)
		}
	}
	if len(referral.StagesFor("")) != 0 {
		t.Error("StagesFor(\"\") should be empty")
	}
}

func TestUsualBodies(t *testing.T) {
	want := map[referral.ProfessionalGroup][]referral.RegistrationBody{
		referral.GroupDoctor:                   {referral.BodyGMC},
		referral.GroupDentist:                  {referral.BodyGDC},
		referral.GroupPharmacist:               {referral.BodyGPhC},
		referral.GroupPharmacyTechnician:       {referral.BodyGPhC},
		referral.GroupNurse:                    {referral.BodyNMC},
		referral.GroupMidwife:                  {referral.BodyNMC},
		referral.GroupAlliedHealthProfessional: {referral.BodyHCPC},
		referral.GroupHealthcareScientist:      {referral.BodyHCPC, referral.BodyNone},
		referral.GroupOther:                    nil,
	}
	for _, g := range referral.ProfessionalGroups {
		w, ok := want[g.Value]
		if !ok {
			t.Errorf("group %q missing from this test", g.Value)
			continue
		}
		if got := g.Value.UsualBodies(); !slices.Equal(got, w) {
			t.Errorf("%q.UsualBodies() = %q, want %q", g.Value, got, w)
		}
	}
}
