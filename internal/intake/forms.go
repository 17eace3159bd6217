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
// you is "you" for a self-referral and "the trainee" otherwise.
func traineePages(self bool) []Page {
	aboutTitle, nameLabel, emailHint := "About the trainee", "Trainee's full name", "A personal email address is best: messages about careers support then stay private from their employer. We will email them to confirm they want the support."
	profTitle, trainTitle, endLabel := "The trainee's profession", "The trainee's training", "When does or did the trainee's training end?"
	if self {
		aboutTitle, nameLabel, emailHint = "About you", "Full name", "A personal email address is best: messages about your careers support then stay private from your employer."
		profTitle, trainTitle, endLabel = "Your profession", "Your training", "When does or did your training end?"
	}
	return []Page{
		{
			Slug: "about", Title: aboutTitle,
			Fields: []Field{
				{Name: "name", Label: nameLabel, Kind: Text, Autocomplete: autocomplete(self, "name")},
				{Name: "email", Label: "Email address", Hint: emailHint, Kind: Email, Autocomplete: autocomplete(self, "email")},
				{Name: "phone", Label: "Phone number", Hint: "A mobile number is best, so a coach can reach you.", Kind: Tel, Optional: !self, Width: "nhsuk-input--width-20", Autocomplete: autocomplete(self, "tel")},
			},
		},
		{
			Slug: "profession", Title: profTitle,
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
			Slug: "training", Title: trainTitle,
			Fields: []Field{
				{Name: "region", Label: "Where is the training based?", Kind: Radios, Choices: choices(referral.Regions), Missing: "Select where the training is based"},
				{Name: "stage", Label: "Stage or grade", Kind: Select, Choices: choices(referral.Stages)},
				{Name: "in_scheme", Label: "For bands 5 to 8: are they in a recognised training scheme?", Hint: "For example nurse preceptorship, or training for a more specialised clinical role.", Kind: Radios, Choices: yesNo, Optional: true, Missing: "Select whether they are in a recognised training scheme"},
				{Name: "training_number", Label: "National training number (NTN) or deanery reference number (DRN)", Hint: "Leave blank if there is none.", Kind: Text, Optional: true, Width: "nhsuk-input--width-20"},
				{Name: "specialty", Label: "Specialty or training programme", Kind: Text, Optional: true},
				{Name: "employer", Label: "Employing organisation", Hint: "For example the NHS trust or GP practice.", Kind: Text, Optional: true},
				{Name: "end_kind", Label: endLabel, Kind: Radios, Choices: endKinds, Missing: "Select when the training ends or ended"},
				{Name: "end_date", Label: "Date", Hint: "The expected or actual date of the Certificate of Completion of Training (CCT), or the date the training number was given up. For example, 31 8 2027.", Kind: Date, Optional: true},
				{Name: "schemes", Label: "Workforce schemes", Hint: "Select any that apply.", Kind: Checkboxes, Choices: choices(referral.Schemes), Optional: true},
			},
			check: func(v Values, p *Problems) {
				stage := referral.Stage(v.Get("stage"))
				if _, band := stage.Band(); band && v.Get("in_scheme") == "" {
					p.Add("in_scheme", "Say whether they are in a recognised training scheme")
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
				{Name: "reasons", Label: "Reasons for the referral", Hint: "Select all that apply.", Kind: Checkboxes, Choices: choices(referral.Reasons), Missing: "Select at least one reason for the referral"},
				{Name: "other_reason", Label: "Other reason", Kind: Text, Optional: true},
				{Name: "hopes", Label: hopesLabel(self), Hint: "In your own words. Everything you tell us is confidential.", Kind: Textarea, Missing: "Enter what you hope to get from careers support"},
			},
			check: func(v Values, p *Problems) {
				if v.Has("reasons", string(referral.ReasonOther)) && v.Get("other_reason") == "" {
					p.Add("other_reason", "Enter the other reason")
				}
			},
		},
	}
}

func hopesLabel(self bool) string {
	if self {
		return "What do you hope to get from careers support?"
	}
	return "What does the trainee hope to get from careers support?"
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
		{Name: "consent_privacy", Label: "I have read the privacy notice", Kind: Confirm},
		{Name: "consent_contact", Label: "I agree to be contacted about my referral by email and phone", Kind: Confirm},
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
			{Name: "trainee_knows", Label: "The trainee knows about this referral and agrees to it being made.", Kind: Confirm},
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
