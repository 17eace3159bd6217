package intake

// WorkshopFields are the answers a workshop registration keeps besides the
// name and email (issue 16): the questions the eligibility rules read, asked
// exactly as the self-referral asks them.
var WorkshopFields = []string{"group", "region", "stage", "in_scheme", "training_number", "end_kind", "end_date", "schemes"}

// WorkshopPage is the one-page registration form for a workshop: name,
// email and the eligibility questions of the self-referral, with the same
// labels, hints, answer lists and checks (taken from its pages, so the two
// cannot drift apart).
func WorkshopPage() Page {
	self := traineePages(true)
	byName := map[string]Field{}
	var checks []func(Values, *Problems)
	for _, p := range self {
		for _, f := range p.Fields {
			byName[f.Name] = f
		}
		if p.Slug == "training" && p.check != nil {
			checks = append(checks, p.check)
		}
	}
	fields := []Field{byName["name"], byName["email"]}
	for _, n := range WorkshopFields {
		fields = append(fields, byName[n])
	}
	// The band question is asked of everyone but doctors and dentists;
	// on one page the profession is not known yet when it is shown, so it
	// is shown always (optional) and required by the check for bands.
	for i := range fields {
		if fields[i].Name == "in_scheme" {
			fields[i].AskIf = nil
			fields[i].Hint = "Only if you are on an Agenda for Change band (not for doctors and dentists). " + fields[i].Hint
		}
		if fields[i].Name == "email" {
			fields[i].Hint = "We email you a link to confirm it before your place is held. A personal email address is best."
		}
	}
	return Page{
		Slug: "register", Title: "Register for this workshop",
		Fields: fields,
		check: func(v Values, p *Problems) {
			for _, c := range checks {
				c(v, p)
			}
		},
	}
}
