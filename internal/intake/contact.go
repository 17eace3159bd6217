package intake

// ContactPage is the trainee's correction of their contact details on
// their own page: the same checks as the forms they first gave them on.
var ContactPage = Page{
	Slug: "contact", Title: "Your contact details",
	Fields: []Field{
		{Name: "email", Label: "Email address", Kind: Email, Autocomplete: "email"},
		{Name: "phone", Label: "Phone number", Hint: "A mobile number is best, so a coach can reach you.", Kind: Tel, Width: "nhsuk-input--width-20", Autocomplete: "tel"},
	},
}
