package intake

import (
	"careers/internal/referral"
)

func choices[T ~string](opts []referral.Option[T]) []Choice {
	out := make([]Choice, len(opts))
	for i, o := range opts {
		out[i] = Choice{Value: string(o.Value), Label: o.Label}
	}
	return out
}

var yesNo = []Choice{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}

// End of training: what the date question means.
var endKinds = []Choice{
	{Value: "expected", Label: "I have an expected CCT date (I am still in training)"},
	{Value: "completed", Label: "I have completed my training (CCT)"},
	{Value: "gave_up", Label: "I have given up my training number"},
	{Value: "none", Label: "None of these, or I do not know"},
}

var sessionsRequested = []Choice{{Value: "1", Label: "1 session"}, {Value: "2", Label: "2 sessions"}, {Value: "3", Label: "3 sessions"}}

// traineePages are the questions about the trainee that every route asks.
// A self-referral speaks to the trainee ("you", "your training"); the
// supervisor's and Case Manager's forms speak about the trainee.
func traineePages(self bool) []Page {
	w := aboutTrainee
	if self {
		w = aboutYou
	}
	return []Page{
		{
			Slug: "about", Title: w.aboutTitle,
			Fields: []Field{
				{Name: "name", Label: w.nameLabel, Kind: Text, Autocomplete: autocomplete(self, "name")},
				{Name: "email", Label: w.emailLabel, Hint: w.emailHint, Kind: Email, Autocomplete: autocomplete(self, "email")},
				{Name: "phone", Label: w.phoneLabel, Hint: w.phoneHint, Kind: Tel, Optional: !self, Width: "nhsuk-input--width-20", Autocomplete: autocomplete(self, "tel")},
			},
		},
		{
			Slug: "profession", Title: w.profTitle,
			Fields: []Field{
				{Name: "group", Label: "Professional group", Kind: Radios, Choices: choices(referral.ProfessionalGroups)},
				{Name: "body", Label: "Registration body", Kind: Radios, Choices: choices(referral.RegistrationBodies)},
				{Name: "number", Label: "Registration number", Hint: "GMC and GPhC numbers have 7 digits. An NMC PIN looks like 12A3456B. HCPC numbers start with letters, like PA12345.", Kind: Text, Optional: true, Width: "nhsuk-input--width-10"},
			},
			check: func(v Values, p *Problems) {
				body := referral.RegistrationBody(v.Get("body"))
				if body == "" {
					return
				}
				if body != referral.BodyNone && v.Get("number") == "" {
					p.Add("number", "Enter the "+body.Label()+" registration number")
					return
				}
				if norm, err := referral.ValidateRegistration(body, v.Get("number")); err != nil {
					p.Add("number", err.Error())
				} else {
					v["number"] = []string{norm}
				}
			},
		},
		{
			Slug: "training", Title: w.trainTitle,
			Fields: []Field{
				{Name: "region", Label: w.regionLabel, Kind: Radios, Choices: choices(referral.Regions), Missing: w.regionMissing},
				{Name: "stage", Label: "Stage or grade", Kind: Select, Choices: choices(referral.Stages)},
				{Name: "in_scheme", Label: w.schemeLabel, Hint: "For example nurse preceptorship, or training for a more specialised clinical role.", Kind: Radios, Choices: yesNo, Optional: true, Missing: w.schemeMissing,
					AskIf: hasBands},
				{Name: "training_number", Label: "National training number (NTN) or deanery reference number (DRN)", Hint: "Leave blank if there is none.", Kind: Text, Optional: true, Width: "nhsuk-input--width-20"},
				{Name: "specialty", Label: "Specialty or training programme", Kind: Text, Optional: true},
				{Name: "employer", Label: "Employing organisation", Hint: "For example the NHS trust or GP practice.", Kind: Text, Optional: true},
				{Name: "end_kind", Label: w.endLabel, Kind: Radios, Choices: w.endKinds, Missing: w.endMissing},
				{Name: "end_date", Label: "Date", Hint: "The expected or actual date of the Certificate of Completion of Training (CCT), or the date the training number was given up. For example, 31 8 2027.", Kind: Date, Optional: true},
				{Name: "schemes", Label: "Workforce schemes", Hint: "Select any that apply.", Kind: Checkboxes, Choices: choices(referral.Schemes), Optional: true},
			},
			check: func(v Values, p *Problems) {
				stage := referral.Stage(v.Get("stage"))
				if _, band := stage.Band(); band && hasBands(v) && v.Get("in_scheme") == "" {
					p.Add("in_scheme", w.schemeMissing)
				}
				if g := referral.ProfessionalGroup(v.Get("group")); g != "" && stage != "" && !stage.Fits(g) {
					p.Add("stage", "Choose a stage or grade for a "+lower(g.Label())+", or choose Other")
				}
				if k := v.Get("end_kind"); k != "" && k != "none" && v.Get("end_date") == "" &&
					v.Get("end_date-day") == "" && v.Get("end_date-month") == "" && v.Get("end_date-year") == "" {
					p.Add("end_date", "Enter the date")
				}
			},
		},
		{
			Slug: "reasons", Title: "Why careers support",
			Fields: []Field{
				{Name: "reasons", Label: w.reasonsLabel, Hint: "Select all that apply.", Kind: Checkboxes, Choices: choices(referral.Reasons), Missing: "Select at least one reason for the referral"},
				{Name: "other_reason", Label: "Other reason", Kind: Text, Optional: true},
				{Name: "hopes", Label: w.hopesLabel, Hint: w.hopesHint, Kind: Textarea, Missing: w.hopesMissing},
			},
			check: func(v Values, p *Problems) {
				if v.Has("reasons", string(referral.ReasonOther)) && v.Get("other_reason") == "" {
					p.Add("other_reason", "Enter the other reason")
				}
			},
		},
	}
}

// hasBands reports whether the trainee's profession has Agenda for Change
// bands: the band question is not asked of doctors and dentists.
func hasBands(v Values) bool {
	g := referral.ProfessionalGroup(v.Get("group"))
	return g != referral.GroupDoctor && g != referral.GroupDentist
}

// formWords are the trainee questions' words, to the trainee or about them.
type formWords struct {
	aboutTitle, nameLabel, emailLabel, emailHint, phoneLabel, phoneHint string
	profTitle, trainTitle, regionLabel, regionMissing                   string
	schemeLabel, schemeMissing, endLabel, endMissing                    string
	endKinds                                                            []Choice
	reasonsLabel, hopesLabel, hopesHint, hopesMissing                   string
}

var aboutYou = formWords{
	aboutTitle: "About you", nameLabel: "Full name", emailLabel: "Email address",
	emailHint:  "A personal email address is best: messages about your careers support then stay private from your employer.",
	phoneLabel: "Phone number", phoneHint: "A mobile number is best, so a coach can reach you.",
	profTitle: "Your profession", trainTitle: "Your training",
	regionLabel: "Where is your training based?", regionMissing: "Select where your training is based",
	schemeLabel: "Are you in a recognised training scheme?", schemeMissing: "Select whether you are in a recognised training scheme",
	endLabel: "When does or did your training end?", endMissing: "Select when your training ends or ended",
	endKinds:     endKinds,
	reasonsLabel: "Why do you want careers support?",
	hopesLabel:   "What do you hope to get from careers support?", hopesHint: "In your own words. Everything you tell us is confidential.",
	hopesMissing: "Enter what you hope to get from careers support",
}

var aboutTrainee = formWords{
	aboutTitle: "About the trainee", nameLabel: "The trainee's full name", emailLabel: "The trainee's email address",
	emailHint:  "A personal email address is best: messages about careers support then stay private from their employer. We will email them to confirm they want the support.",
	phoneLabel: "The trainee's phone number", phoneHint: "A mobile number is best, so a coach can reach them.",
	profTitle: "The trainee's profession", trainTitle: "The trainee's training",
	regionLabel: "Where is the trainee's training based?", regionMissing: "Select where the trainee's training is based",
	schemeLabel: "Is the trainee in a recognised training scheme?", schemeMissing: "Select whether the trainee is in a recognised training scheme",
	endLabel: "When does or did the trainee's training end?", endMissing: "Select when the trainee's training ends or ended",
	endKinds: []Choice{
		{Value: "expected", Label: "They have an expected CCT date (they are still in training)"},
		{Value: "completed", Label: "They have completed their training (CCT)"},
		{Value: "gave_up", Label: "They have given up their training number"},
		{Value: "none", Label: "None of these, or you do not know"},
	},
	reasonsLabel: "Why are you referring the trainee?",
	hopesLabel:   "What does the trainee hope to get from careers support?", hopesHint: "As far as you know. Everything you tell us is confidential.",
	hopesMissing: "Enter what the trainee hopes to get from careers support",
}

// autocomplete fills personal details only when people give their own.
func autocomplete(self bool, token string) string {
	if self {
		return token
	}
	return "off"
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// preferencesPage is the trainee's own choices about appointments.
var preferencesPage = Page{
	Slug: "preferences", Title: "Your appointments",
	Intro: []string{"Sessions are usually by video call. Tell us what suits you and anything that would help."},
	Fields: []Field{
		{Name: "mode", Label: "How would you prefer to meet your coach?", Kind: Radios, Choices: choices(referral.AppointmentModes), Missing: "Select how you would prefer to meet your coach"},
		{Name: "times", Label: "Days and times that usually suit you", Kind: Textarea, Optional: true, MaxLength: noteLimit},
		{Name: "adjustments", Label: "Adjustments that would help you", Hint: "For example, extra time or written summaries if you have dyslexia.", Kind: Textarea, Optional: true, MaxLength: noteLimit},
		{Name: "support", Label: "Other support from the Professional Support Unit you might want", Hint: "Select any you would like to hear about.", Kind: Checkboxes, Choices: choices(referral.Supports), Optional: true},
	},
}

// consentPage is the trainee's agreement.
var consentPage = Page{
	Slug: "consent", Title: "Your consent",
	Intro: []string{
		"What you tell us is confidential. It is not shared with anyone involved in your training or employment. If a Case Manager referred you, a summary of your sessions goes to them only if you agree. The only exception is a serious risk to you or others.",
	},
	Link: &Link{Href: "/privacy", Text: "Read the privacy notice: how we use and keep your information (opens in this tab)"},
	Fields: []Field{
		{Name: "consent_privacy", Label: "I have read the privacy notice", Kind: Confirm, Missing: "Tick to confirm you have read the privacy notice"},
		{Name: "consent_contact", Label: "I agree to be contacted about my referral by email and phone", Kind: Confirm,
			Missing: "Tick to confirm you agree to be contacted about your referral by email and phone"},
	},
}

// Self is the form a trainee uses to refer themselves.
var Self = Form{
	Route: RouteSelf, Caption: "Refer yourself for careers support",
	Pages: append(traineePages(true), preferencesPage, consentPage),
}

// Supervisor is the form a supervisor or educator uses.
var Supervisor = Form{
	Route: RouteSupervisor, Caption: "Refer a trainee for careers support",
	Pages: append(append([]Page{{
		Slug: "referrer", Title: "About you",
		Intro: []string{"Careers support is for career questions that could not be resolved at level 1, with the trainee's educational supervisor."},
		Fields: []Field{
			{Name: "referrer_name", Label: "Your full name", Kind: Text, Autocomplete: "name"},
			{Name: "referrer_role", Label: "Your role", Kind: Radios, Choices: choices(referral.ReferrerRoles)},
			{Name: "referrer_role_other", Label: "Your role, if other", Kind: Text, Optional: true},
			{Name: "referrer_org", Label: "Your organisation", Kind: Text, Autocomplete: "organization"},
			{Name: "referrer_email", Label: "Your email address", Hint: "We will send you a receipt and a link to follow the referral's progress.", Kind: Email, Autocomplete: "email"},
			{Name: "referrer_phone", Label: "Your phone number", Kind: Tel, Optional: true, Width: "nhsuk-input--width-20", Autocomplete: "tel"},
		},
		check: func(v Values, p *Problems) {
			if v.Get("referrer_role") == string(referral.RoleOther) && v.Get("referrer_role_other") == "" {
				p.Add("referrer_role_other", "Enter your role")
			}
		},
	}}, traineePages(false)...), Page{
		Slug: "level-1", Title: "Support so far",
		Fields: []Field{
			{Name: "level1", Label: "What has been tried already at level 1?", Hint: "For example, conversations with the educational supervisor, and what came of them.", Kind: Textarea, Missing: "Enter what has been tried already at level 1"},
			{Name: "trainee_knows", Label: "The trainee knows about this referral and agrees to it being made.", Kind: Confirm,
				Missing: "Tick to confirm the trainee knows about this referral and agrees to it being made"},
		},
	}),
}

// CaseManager is the form a Case Manager uses, with Form C and Form D.
var CaseManager = Form{
	Route: RouteCaseManager, Caption: "Refer a trainee for careers support",
	Pages: append(traineePages(false),
		Page{
			Slug: "form-c", Title: "Form C",
			Intro: []string{"Upload the Form C you completed about the trainee. Only coordinators, PSU leads and the trainee's coach can open it."},
			Fields: []Field{
				{Name: "form_c", Label: "Form C", Hint: "A PDF or Word (.docx) file, up to 10 MB.", Kind: File, Missing: "Upload the trainee's Form C"},
			},
		},
		Page{
			Slug: "form-d", Title: "Form D: funding request",
			Intro: []string{"Sessions can be booked once a PSU lead approves the funding."},
			Fields: []Field{
				{Name: "sessions", Label: "How many sessions are you asking funding for?", Kind: Radios, Choices: sessionsRequested, Missing: "Select how many sessions you are asking funding for"},
				{Name: "funding_ref", Label: "Funding system reference", Hint: "If you have submitted Form D on the funding system already.", Kind: Text, Optional: true, Width: "nhsuk-input--width-20"},
			},
		}),
}

// FormFor returns the form of a route.
func FormFor(r Route) (Form, bool) {
	switch r {
	case RouteSelf:
		return Self, true
	case RouteSupervisor:
		return Supervisor, true
	case RouteCaseManager:
		return CaseManager, true
	}
	return Form{}, false
}

// ConfirmPage is what a trainee fills in to confirm a referral someone else
// made for them: corrections to their details, their own preferences, and
// their consent.
var ConfirmPage = Page{
	Slug: "confirm", Title: "Confirm your careers support referral",
	Fields: append(append([]Field{
		{Name: "name", Label: "Full name", Kind: Text, Autocomplete: "name"},
		{Name: "phone", Label: "Phone number", Hint: "A mobile number is best, so a coach can reach you.", Kind: Tel, Width: "nhsuk-input--width-20", Autocomplete: "tel"},
	}, preferencesPage.Fields...), consentPage.Fields...),
}

// TraineePages are the pages of a form that describe the trainee (what a
// trainee is shown of a referral made for them).
func (f Form) TraineePages() Form {
	out := Form{Route: f.Route, Caption: f.Caption}
	for _, p := range f.Pages {
		switch p.Slug {
		case "about", "profession", "training", "reasons":
			out.Pages = append(out.Pages, p)
		}
	}
	return out
}

// TraineesOwn reports whether the answer to field on a referral sent by
// route is the trainee's own (what they told us) rather than what the
// referrer sent: every answer of a self-referral; on a referral someone
// else made, what the trainee gave when confirming it, except their name
// (which titles the referral for everyone who may see it).
func TraineesOwn(route Route, confirmed bool, field string) bool {
	if route == RouteSelf {
		return true
	}
	if !confirmed || field == "name" {
		return false
	}
	for _, f := range ConfirmPage.Fields {
		if f.Name == field {
			return true
		}
	}
	return false
}
