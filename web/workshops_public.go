package web

// WorkshopCard is one workshop or webinar on the public list and its page.
type WorkshopCard struct {
	Slug        string
	Title       string
	When        string // "Tuesday 12 January 2027, 6pm to 7:30pm"
	Where       string // "Online" or "In person: <venue>"
	Places      string // "12 places left", "Waiting list", "Cancelled", ...
	Description string
	Audience    string
	Presenters  string
	// State is the store's registration state: open, not_open, closed,
	// cancelled or past; StateText explains it when it is not open.
	State     string
	StateText string
	Cancelled bool
}

// WorkshopPageProps is a workshop's public page.
type WorkshopPageProps struct {
	W WorkshopCard
	// OneStep: the signed-in trainee can register with the details we hold
	// (Details lists them), with one button.
	OneStep bool
	Details []AnswerRow
	// PlaceLink, when set, is the signed-in person's own place page: they
	// are registered already.
	PlaceLink string
	PlaceText string
	Errors    Errors
}

// WorkshopRegisterProps is the registration form.
type WorkshopRegisterProps struct {
	W        WorkshopCard
	Question QuestionProps
	// NotEligible lists the signposting when the answers show the
	// workshops are not for them (the self-referral's words).
	NotEligible []string
	// SignedInEmail, when set, is the address used instead of asking.
	SignedInEmail string
}

// WorkshopDoneProps is the page after registering or confirming.
type WorkshopDoneProps struct {
	W     WorkshopCard
	Title string
	Lines []string
	// NeedsReview: a coordinator looks at the answers.
	NeedsReview bool
	Link        NavItem
}

// WorkshopPlaceProps is the registrant's own place page.
type WorkshopPlaceProps struct {
	W      WorkshopCard
	Name   string
	Status string // the registration's status
	Label  string // its words
	Lines  []string
	// Token is the emailed link's token, posted back by each form (empty
	// when the person is signed in).
	Token string
	Base  string // /workshops/{slug}/your-place
	// What the person may do now.
	CanCancel  bool
	Offer      string // the offer's deadline, when offered
	JoinLink   string // online, with a place
	Venue      string // in person
	Calendar   string // the .ics download
	CheckIn    bool
	AfterLinks []NavItem // feedback, certificate
	Errors     Errors
}

func cancelText(status string) string {
	switch status {
	case "waiting":
		return "Leave the waiting list"
	case "offered":
		return "Cancel your registration"
	case "unconfirmed":
		return "Cancel your registration"
	}
	return "Cancel your place"
}

// YourWorkshop is one of the signed-in person's workshop registrations, on
// their own page beside their referrals.
type YourWorkshop struct {
	Slug, Title, When, Status string
}
