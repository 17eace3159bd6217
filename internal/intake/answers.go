package intake

import (
	"strconv"
	"strings"

	"careers/internal/eligibility"
	"careers/internal/referral"
)

// Referral is a complete set of answers, typed.
type Referral struct {
	Route             Route
	TraineeName       string
	TraineeEmail      string
	Phone             string
	Group             referral.ProfessionalGroup
	Body              referral.RegistrationBody
	Number            string
	Region            referral.Region
	Stage             referral.Stage
	InScheme          bool
	TrainingNumber    string
	Specialty         string
	Employer          string
	EndKind           string
	EndDate           eligibility.Date
	Schemes           []string
	Reasons           []string
	OtherReason       string
	Hopes             string
	Mode              string
	Times             string
	Adjustments       string
	Support           []string
	ReferrerName      string
	ReferrerRole      string
	ReferrerRoleOther string
	ReferrerOrg       string
	ReferrerEmail     string
	ReferrerPhone     string
	Level1            string
	FormDSessions     int
	FundingReference  string
}

// Extract types the answers. It trusts that every page has been checked.
func Extract(route Route, v Values) Referral {
	end, _ := eligibility.ParseDate(v.Get("end_date"))
	sessions, _ := strconv.Atoi(v.Get("sessions"))
	return Referral{
		Route: route, TraineeName: v.Get("name"), TraineeEmail: strings.ToLower(v.Get("email")), Phone: v.Get("phone"),
		Group: referral.ProfessionalGroup(v.Get("group")), Body: referral.RegistrationBody(v.Get("body")), Number: v.Get("number"),
		Region: referral.Region(v.Get("region")), Stage: referral.Stage(v.Get("stage")), InScheme: v.Get("in_scheme") == "yes",
		TrainingNumber: v.Get("training_number"), Specialty: v.Get("specialty"), Employer: v.Get("employer"),
		EndKind: v.Get("end_kind"), EndDate: end, Schemes: v["schemes"], Reasons: v["reasons"], OtherReason: v.Get("other_reason"),
		Hopes: v.Get("hopes"), Mode: v.Get("mode"), Times: v.Get("times"), Adjustments: v.Get("adjustments"), Support: v["support"],
		ReferrerName: v.Get("referrer_name"), ReferrerRole: v.Get("referrer_role"), ReferrerRoleOther: v.Get("referrer_role_other"),
		ReferrerOrg: v.Get("referrer_org"), ReferrerEmail: strings.ToLower(v.Get("referrer_email")), ReferrerPhone: v.Get("referrer_phone"),
		Level1: v.Get("level1"), FormDSessions: sessions, FundingReference: v.Get("funding_ref"),
	}
}

// Eligibility is what the eligibility rules need from the answers.
func (r Referral) Eligibility() eligibility.Answers {
	a := eligibility.Answers{
		ProfessionalGroup: string(r.Group), Region: string(r.Region), Stage: string(r.Stage),
		HasTrainingNumber: r.TrainingNumber != "", InRecognisedTrainingScheme: r.InScheme, Schemes: r.Schemes,
	}
	switch r.EndKind {
	case "expected", "completed":
		a.CCTDate = r.EndDate
		if r.EndKind == "completed" {
			// A completed CCT means they held a number until then.
			a.HasTrainingNumber = true
		}
	case "gave_up":
		a.TrainingEndedDate = r.EndDate
		a.HasTrainingNumber = true
	}
	return a
}

// Row is one answer for "Check your answers".
type Row struct {
	Key   string
	Lines []string
	Page  string // the page to change it on
	Field string // the field's name
}

// Section is one page's answers.
type Section struct {
	Title string
	Rows  []Row
}

// Summary lists every answer page by page; fileName names the uploaded
// document for a file question, if any.
func (f Form) Summary(v Values, fileName func(page string) string) []Section {
	var out []Section
	for _, p := range f.Pages {
		sec := Section{Title: p.Title}
		for _, fd := range p.Fields {
			if !fd.Asked(v) {
				continue
			}
			sec.Rows = append(sec.Rows, Row{Key: summaryKey(fd), Lines: fd.display(v, fileName(p.Slug)), Page: p.Slug, Field: fd.Name})
		}
		out = append(out, sec)
	}
	return out
}

func summaryKey(f Field) string {
	if f.Kind == Confirm {
		return "Confirmed"
	}
	if f.Kind == Date {
		return "Training end date"
	}
	return f.Label
}

func (f Field) display(v Values, file string) []string {
	switch f.Kind {
	case File:
		if file == "" {
			return nil
		}
		return []string{file}
	case Date:
		if d, err := eligibility.ParseDate(v.Get(f.Name)); err == nil && !d.IsZero() {
			return []string{d.Long()}
		}
		return nil
	case Confirm:
		if v.Get(f.Name) == "yes" {
			return []string{f.Label}
		}
		return nil
	case Radios, Select, Checkboxes:
		var out []string
		for _, x := range v[f.Name] {
			for _, c := range f.Choices {
				if c.Value == x {
					out = append(out, c.Label)
				}
			}
		}
		return out
	case Textarea:
		if s := v.Get(f.Name); s != "" {
			return strings.Split(s, "\n")
		}
		return nil
	default:
		if s := v.Get(f.Name); s != "" {
			return []string{s}
		}
		return nil
	}
}
