package triage

import "slices"

// Outcome is what a referral came to, recorded when it is closed; the values
// are stored in referrals.outcome.
type Outcome string

// The closure outcomes.
const (
	OutcomeStayAdjusted     Outcome = "stay_adjusted"
	OutcomeChangeSpecialty  Outcome = "change_specialty"
	OutcomeLessThanFullTime Outcome = "less_than_full_time"
	OutcomeTimeOut          Outcome = "time_out"
	OutcomeOutsideMedicine  Outcome = "outside_medicine"
	OutcomeStillDeciding    Outcome = "still_deciding"
	OutcomeWithdrew         Outcome = "withdrew"
	OutcomeDidNotEngage     Outcome = "did_not_engage"
	// OutcomeTraineeDeclined: the trainee said "No thanks" to a referral
	// someone else made for them. Only their own answer on the
	// confirmation page records it; the closing form does not offer it.
	OutcomeTraineeDeclined Outcome = "declined_by_trainee"
)

// Outcomes lists the closure outcomes in the order the closing form shows them.
var Outcomes = []Outcome{
	OutcomeStayAdjusted, OutcomeChangeSpecialty, OutcomeLessThanFullTime, OutcomeTimeOut,
	OutcomeOutsideMedicine, OutcomeStillDeciding, OutcomeWithdrew, OutcomeDidNotEngage, OutcomeTraineeDeclined,
}

var outcomeLabels = map[Outcome]string{
	OutcomeStayAdjusted:     "Staying in their current specialty, with adjustments",
	OutcomeChangeSpecialty:  "Changing specialty",
	OutcomeLessThanFullTime: "Moving to less-than-full-time training",
	OutcomeTimeOut:          "Taking time out of training",
	OutcomeOutsideMedicine:  "Pursuing a career outside medicine",
	OutcomeStillDeciding:    "Still deciding",
	OutcomeWithdrew:         "Withdrew from careers support",
	OutcomeDidNotEngage:     "Did not engage with careers support",
	OutcomeTraineeDeclined:  "Declined by the trainee",
}

// Chosen reports whether a coordinator may record o when closing a
// referral (the trainee's own decline is recorded only by the trainee).
func (o Outcome) Chosen() bool { return o.Valid() && o != OutcomeTraineeDeclined }

// Label is the outcome as people read it; an unknown value shows as itself,
// so an outcome retired from the list still shows on old records.
func (o Outcome) Label() string {
	if l, ok := outcomeLabels[o]; ok {
		return l
	}
	return string(o)
}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Signpost is a standard message a coordinator can start a decline from,
// pointing the trainee to the right service; they edit it before sending.
type Signpost struct {
	Key   string // stable identifier for forms
	Label string // what the coordinator picks from
	Text  string // the message to the trainee, in the second person
}

// DeclineSignposts lists the standard decline messages, most used first.
var DeclineSignposts = []Signpost{
	{
		Key:   "other_region",
		Label: "Trains in another region: their own deanery or professional support unit",
		Text: "Thank you for getting in touch. Our careers support is for trainees in London and in Kent, Surrey and Sussex, " +
			"so we are not able to offer you sessions. The postgraduate deanery or professional support unit for the region " +
			"where you train offers careers support to its own trainees, and your Training Programme Director or educational " +
			"supervisor can tell you how to reach it.",
	},
	{
		Key:   "kss_foundation",
		Label: "KSS Foundation trainee: KSS Professional Support and Wellbeing Service",
		Text: "Thank you for getting in touch. Foundation trainees in Kent, Surrey and Sussex are supported by KSS's own " +
			"Professional Support and Wellbeing Service, which can help with career questions too, so we are not the right " +
			"service for you. Your foundation programme team can tell you how to contact it.",
	},
	{
		Key:   "non_training",
		Label: "Non-training grade or more than 3 months after CCT: the unit's guidance",
		Text: "Thank you for getting in touch. Our one-to-one careers support is for people in training, and for 3 months " +
			"after they complete training or give up their training number, so we are not able to offer you sessions. " +
			"The unit publishes separate guidance on career support for doctors in non-training grades and for doctors " +
			"who have completed training, which we hope will help you take the next step.",
	},
}

// DeclineSignpost finds the standard decline message with the given key.
func DeclineSignpost(key string) (Signpost, bool) {
	i := slices.IndexFunc(DeclineSignposts, func(s Signpost) bool { return s.Key == key })
	if i < 0 {
		return Signpost{}, false
	}
	return DeclineSignposts[i], true
}
