package referral

// ProfessionalGroup is the trainee's profession.
type ProfessionalGroup string

// The professional groups.
const (
	GroupDoctor                   ProfessionalGroup = "doctor"
	GroupDentist                  ProfessionalGroup = "dentist"
	GroupPharmacist               ProfessionalGroup = "pharmacist"
	GroupPharmacyTechnician       ProfessionalGroup = "pharmacy_technician"
	GroupNurse                    ProfessionalGroup = "nurse"
	GroupMidwife                  ProfessionalGroup = "midwife"
	GroupAlliedHealthProfessional ProfessionalGroup = "allied_health_professional"
	GroupHealthcareScientist      ProfessionalGroup = "healthcare_scientist"
	GroupOther                    ProfessionalGroup = "other"
)

// ProfessionalGroups lists the professional groups in the order forms show them.
var ProfessionalGroups = []Option[ProfessionalGroup]{
	{GroupDoctor, "Doctor"},
	{GroupDentist, "Dentist"},
	{GroupPharmacist, "Pharmacist"},
	{GroupPharmacyTechnician, "Pharmacy technician"},
	{GroupNurse, "Nurse"},
	{GroupMidwife, "Midwife"},
	{GroupAlliedHealthProfessional, "Allied health professional"},
	{GroupHealthcareScientist, "Healthcare scientist"},
	{GroupOther, "Other"},
}

// Label is the group's name for people.
func (g ProfessionalGroup) Label() string { return label(ProfessionalGroups, g) }

// Valid reports whether g is a known group.
func (g ProfessionalGroup) Valid() bool { return valid(ProfessionalGroups, g) }

// UsualBodies lists the registration bodies people in group g normally
// register with, most likely first; forms use it to suggest a body and to
// query an unusual pairing. It is empty for GroupOther, which could be any.
// Registering with a body not listed is unusual, not wrong (a dual-qualified
// trainee, say), so nothing is refused on this basis.
func (g ProfessionalGroup) UsualBodies() []RegistrationBody {
	switch g {
	case GroupDoctor:
		return []RegistrationBody{BodyGMC}
	case GroupDentist:
		return []RegistrationBody{BodyGDC}
	case GroupPharmacist, GroupPharmacyTechnician:
		return []RegistrationBody{BodyGPhC}
	case GroupNurse, GroupMidwife:
		return []RegistrationBody{BodyNMC}
	case GroupAlliedHealthProfessional:
		return []RegistrationBody{BodyHCPC}
	case GroupHealthcareScientist:
		// Clinical scientists register with the HCPC; many other healthcare
		// scientists are on a voluntary register instead.
		return []RegistrationBody{BodyHCPC, BodyNone}
	}
	return nil
}

// RegistrationBody is the regulator a trainee is registered with.
type RegistrationBody string

// The registration bodies.
const (
	BodyGMC  RegistrationBody = "gmc"
	BodyGDC  RegistrationBody = "gdc"
	BodyGPhC RegistrationBody = "gphc"
	BodyNMC  RegistrationBody = "nmc"
	BodyHCPC RegistrationBody = "hcpc"
	// BodyNone is for another regulator, or none yet (a pre-registration
	// pharmacist, say).
	BodyNone RegistrationBody = "none"
)

// RegistrationBodies lists the registration bodies in the order forms show them.
var RegistrationBodies = []Option[RegistrationBody]{
	{BodyGMC, "General Medical Council (GMC)"},
	{BodyGDC, "General Dental Council (GDC)"},
	{BodyGPhC, "General Pharmaceutical Council (GPhC)"},
	{BodyNMC, "Nursing and Midwifery Council (NMC)"},
	{BodyHCPC, "Health and Care Professions Council (HCPC)"},
	{BodyNone, "Another body, or not registered"},
}

// Label is the body's name for people.
func (b RegistrationBody) Label() string { return label(RegistrationBodies, b) }

// Valid reports whether b is a known body.
func (b RegistrationBody) Valid() bool { return valid(RegistrationBodies, b) }

// Region is where the trainee trains or works.
type Region string

// The regions.
const (
	RegionLondon    Region = "london"
	RegionKSS       Region = "kss"
	RegionElsewhere Region = "elsewhere"
)

// Regions lists the regions in the order forms show them.
var Regions = []Option[Region]{
	{RegionLondon, "London"},
	{RegionKSS, "Kent, Surrey and Sussex"},
	{RegionElsewhere, "Elsewhere"},
}

// Label is the region's name for people.
func (r Region) Label() string { return label(Regions, r) }

// Valid reports whether r is a known region.
func (r Region) Valid() bool { return valid(Regions, r) }

// Stage is the trainee's stage of training or grade.
type Stage string

// The stages and grades.
const (
	StageF1 Stage = "f1"
	StageF2 Stage = "f2"

	StageCT1 Stage = "ct1"
	StageCT2 Stage = "ct2"
	StageCT3 Stage = "ct3"

	StageST1 Stage = "st1"
	StageST2 Stage = "st2"
	StageST3 Stage = "st3"
	StageST4 Stage = "st4"
	StageST5 Stage = "st5"
	StageST6 Stage = "st6"
	StageST7 Stage = "st7"
	StageST8 Stage = "st8"

	StageGPST1 Stage = "gpst1"
	StageGPST2 Stage = "gpst2"
	StageGPST3 Stage = "gpst3"

	StageDentalFoundation Stage = "dft"
	StageDCT1             Stage = "dct1"
	StageDCT2             Stage = "dct2"
	StageDCT3             Stage = "dct3"

	StageNonTraining  Stage = "non_training"
	StagePostCCT      Stage = "post_cct"
	StageLeftTraining Stage = "left_training"

	StagePreRegPharmacist          Stage = "pre_reg_pharmacist"
	StageTraineePharmacyTechnician Stage = "trainee_pharmacy_technician"
	StageFoundationPharmacist      Stage = "foundation_pharmacist"
	StageGPPharmacistPathway       Stage = "gp_pharmacist_pathway"

	StageBand4  Stage = "band_4"
	StageBand5  Stage = "band_5"
	StageBand6  Stage = "band_6"
	StageBand7  Stage = "band_7"
	StageBand8a Stage = "band_8a"
	StageBand8b Stage = "band_8b"
	StageBand8c Stage = "band_8c"
	StageBand8d Stage = "band_8d"
	StageBand9  Stage = "band_9"

	StageOther Stage = "other"
)

// Stages lists every stage and grade in the order forms show them: doctors'
// and dentists' training, then what comes after it, then pharmacy
// programmes, then Agenda for Change bands. StagesFor narrows it to one
// professional group.
var Stages = []Option[Stage]{
	{StageF1, "Foundation year 1 (F1)"},
	{StageF2, "Foundation year 2 (F2)"},
	{StageCT1, "Core training year 1 (CT1)"},
	{StageCT2, "Core training year 2 (CT2)"},
	{StageCT3, "Core training year 3 (CT3)"},
	{StageST1, "Specialty training year 1 (ST1)"},
	{StageST2, "Specialty training year 2 (ST2)"},
	{StageST3, "Specialty training year 3 (ST3)"},
	{StageST4, "Specialty training year 4 (ST4)"},
	{StageST5, "Specialty training year 5 (ST5)"},
	{StageST6, "Specialty training year 6 (ST6)"},
	{StageST7, "Specialty training year 7 (ST7)"},
	{StageST8, "Specialty training year 8 (ST8)"},
	{StageGPST1, "GP specialty training year 1 (GPST1)"},
	{StageGPST2, "GP specialty training year 2 (GPST2)"},
	{StageGPST3, "GP specialty training year 3 (GPST3)"},
	{StageDentalFoundation, "Dental foundation training (DFT)"},
	{StageDCT1, "Dental core training year 1 (DCT1)"},
	{StageDCT2, "Dental core training year 2 (DCT2)"},
	{StageDCT3, "Dental core training year 3 (DCT3)"},
	{StageNonTraining, "Specialty doctor or other non-training grade"},
	{StagePostCCT, "Completed training (after CCT)"},
	{StageLeftTraining, "Left a training programme (gave up training number)"},
	{StagePreRegPharmacist, "Pre-registration pharmacist (one-year programme after the degree)"},
	{StageTraineePharmacyTechnician, "Trainee pharmacy technician (two-year programme)"},
	{StageFoundationPharmacist, "Foundation pharmacist (first two years after registration)"},
	{StageGPPharmacistPathway, "Clinical pharmacist on the 18-month general practice training pathway"},
	{StageBand4, "Band 4 or below"},
	{StageBand5, "Band 5"},
	{StageBand6, "Band 6"},
	{StageBand7, "Band 7"},
	{StageBand8a, "Band 8a"},
	{StageBand8b, "Band 8b"},
	{StageBand8c, "Band 8c"},
	{StageBand8d, "Band 8d"},
	{StageBand9, "Band 9"},
	{StageOther, "Other"},
}

// Label is the stage's name for people.
func (s Stage) Label() string { return label(Stages, s) }

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return valid(Stages, s) }

// Band is the Agenda for Change band of a band stage (8 for 8a to 8d, 4 for
// "band 4 or below"); ok is false for stages that are not bands.
func (s Stage) Band() (band int, ok bool) {
	switch s {
	case StageBand4:
		return 4, true
	case StageBand5:
		return 5, true
	case StageBand6:
		return 6, true
	case StageBand7:
		return 7, true
	case StageBand8a, StageBand8b, StageBand8c, StageBand8d:
		return 8, true
	case StageBand9:
		return 9, true
	}
	return 0, false
}

// Fits reports whether stage s is one a person in group g could be at, so a
// form can offer only those and query the rest. Doctors' and dentists'
// training grades are for them; Agenda for Change bands for everyone else;
// pharmacy programmes for pharmacists, pharmacy technicians and "other"
// (a pre-registration pharmacist is not yet registered as a pharmacist);
// "other" fits everyone. Dentists share CT and ST with doctors because dental
// specialty trainees are ST and some call core training CT.
func (s Stage) Fits(g ProfessionalGroup) bool {
	medical := g == GroupDoctor || g == GroupDentist
	switch s {
	case StageF1, StageF2, StageGPST1, StageGPST2, StageGPST3:
		return g == GroupDoctor
	case StageDentalFoundation, StageDCT1, StageDCT2, StageDCT3:
		return g == GroupDentist
	case StageCT1, StageCT2, StageCT3,
		StageST1, StageST2, StageST3, StageST4, StageST5, StageST6, StageST7, StageST8,
		StageNonTraining, StagePostCCT, StageLeftTraining:
		return medical
	case StagePreRegPharmacist, StageTraineePharmacyTechnician, StageFoundationPharmacist, StageGPPharmacistPathway:
		return g == GroupPharmacist || g == GroupPharmacyTechnician || g == GroupOther
	case StageOther:
		return g.Valid()
	}
	if _, band := s.Band(); band {
		return g.Valid() && !medical
	}
	return false
}

// StagesFor lists the stages that fit group g, in form order.
func StagesFor(g ProfessionalGroup) []Option[Stage] {
	var out []Option[Stage]
	for _, o := range Stages {
		if o.Value.Fits(g) {
			out = append(out, o)
		}
	}
	return out
}

// Scheme is a workforce scheme a doctor has been offered a place on or is on.
type Scheme string

// The workforce schemes.
const (
	SchemeInductionRefresher Scheme = "ir"
	SchemeRetainer           Scheme = "retainer"
	SchemeIGPR               Scheme = "igpr"
	SchemeCAPS               Scheme = "caps"
	SchemeMSW                Scheme = "msw"
)

// Schemes lists the workforce schemes in the order forms show them.
var Schemes = []Option[Scheme]{
	{SchemeInductionRefresher, "Induction and Refresher (I&R) scheme"},
	{SchemeRetainer, "Retainer scheme"},
	{SchemeIGPR, "International GP Recruitment (IGPR)"},
	{SchemeCAPS, "Clinical Apprenticeship Scheme (CAPS)"},
	{SchemeMSW, "Medical Support Worker (MSW) programme"},
}

// Label is the scheme's name for people.
func (s Scheme) Label() string { return label(Schemes, s) }

// Valid reports whether s is a known scheme.
func (s Scheme) Valid() bool { return valid(Schemes, s) }

// Reason is a reason for referral; a referral may give several.
type Reason string

// The reasons for referral.
const (
	ReasonUncertainDirection  Reason = "uncertain_direction"
	ReasonOutsideMedicine     Reason = "outside_medicine"
	ReasonExploreInConfidence Reason = "explore_in_confidence"
	ReasonLackOfProgress      Reason = "lack_of_progress"
	ReasonIllHealth           Reason = "ill_health"
	ReasonOther               Reason = "other"
)

// Reasons lists the reasons for referral in the order forms show them.
var Reasons = []Option[Reason]{
	{ReasonUncertainDirection, "Unsure which direction to take in their career, or which specialty to choose"},
	{ReasonOutsideMedicine, "Thinking about a career outside medicine"},
	{ReasonExploreInConfidence, "Wants to explore career options in confidence"},
	{ReasonLackOfProgress, "Not progressing in training and wants to rethink their career path"},
	{ReasonIllHealth, "Ill health is making their first choice of career hard to follow"},
	{ReasonOther, "Something else"},
}

// Label is the reason as people read it.
func (r Reason) Label() string { return label(Reasons, r) }

// Valid reports whether r is a known reason.
func (r Reason) Valid() bool { return valid(Reasons, r) }

// AppointmentMode is how a session takes place.
type AppointmentMode string

// The appointment modes. ModeVirtual is the default.
const (
	ModeVirtual   AppointmentMode = "virtual"
	ModeInPerson  AppointmentMode = "in_person"
	ModeTelephone AppointmentMode = "telephone"
)

// AppointmentModes lists the appointment modes in the order forms show them.
var AppointmentModes = []Option[AppointmentMode]{
	{ModeVirtual, "Video call"},
	{ModeInPerson, "In person"},
	{ModeTelephone, "Telephone"},
}

// Label is the mode's name for people.
func (m AppointmentMode) Label() string { return label(AppointmentModes, m) }

// Valid reports whether m is a known mode.
func (m AppointmentMode) Valid() bool { return valid(AppointmentModes, m) }

// ReferrerRole is the role of the person making a supervisor referral.
type ReferrerRole string

// The referrer roles.
const (
	RoleEducationalSupervisor ReferrerRole = "educational_supervisor"
	RoleClinicalSupervisor    ReferrerRole = "clinical_supervisor"
	RoleCollegeTutor          ReferrerRole = "college_tutor"
	RoleDME                   ReferrerRole = "dme"
	RoleTPD                   ReferrerRole = "tpd"
	RoleHeadOfSchool          ReferrerRole = "head_of_school"
	RoleLocalityCareerLead    ReferrerRole = "locality_career_lead"
	RoleOther                 ReferrerRole = "other"
)

// ReferrerRoles lists the referrer roles in the order forms show them.
var ReferrerRoles = []Option[ReferrerRole]{
	{RoleEducationalSupervisor, "Educational supervisor"},
	{RoleClinicalSupervisor, "Clinical supervisor"},
	{RoleCollegeTutor, "College Tutor"},
	{RoleDME, "Director of Medical Education (DME)"},
	{RoleTPD, "Training Programme Director (TPD)"},
	{RoleHeadOfSchool, "Head of School"},
	{RoleLocalityCareerLead, "Locality career lead"},
	{RoleOther, "Other"},
}

// Label is the role's name for people.
func (r ReferrerRole) Label() string { return label(ReferrerRoles, r) }

// Valid reports whether r is a known role.
func (r ReferrerRole) Valid() bool { return valid(ReferrerRoles, r) }

// Support is another kind of help from the Professional Support Unit that a
// self-referring trainee would like to hear about; the coordinator signposts it.
type Support string

// The other kinds of support.
const (
	SupportCoaching         Support = "coaching"
	SupportDyslexia         Support = "dyslexia"
	SupportNeurodiversity   Support = "neurodiversity"
	SupportCommunication    Support = "communication"
	SupportReturnToPractice Support = "return_to_practice"
	SupportWellbeing        Support = "wellbeing"
	SupportOther            Support = "other"
)

// Supports lists the other kinds of support in the order forms show them.
var Supports = []Option[Support]{
	{SupportCoaching, "Coaching"},
	{SupportDyslexia, "Dyslexia assessment and specialist coaching"},
	{SupportNeurodiversity, "Neurodiversity resources"},
	{SupportCommunication, "Communication and language skills support"},
	{SupportReturnToPractice, "Support returning to practice"},
	{SupportWellbeing, "Wellbeing and mental health support"},
	{SupportOther, "Something else"},
}

// Label is the kind of support as people read it.
func (s Support) Label() string { return label(Supports, s) }

// Valid reports whether s is a known kind of support.
func (s Support) Valid() bool { return valid(Supports, s) }
