// Package outcomes holds the rules of the outcome questionnaire with no
// I/O: its questions and answers, when each questionnaire is offered, who
// may be asked the six-month follow-up, and the figures the reports show
// (the change from before to after over paired answers, the Friends and
// Family Test's share positive). It imports nothing of ours.
package outcomes

import (
	"math"
	"strconv"
	"time"
)

// Stage is one of the questionnaires.
type Stage string

// The questionnaires.
const (
	// Before is asked before the first session.
	Before Stage = "before"
	// After is asked at closure.
	After Stage = "after"
	// FollowUp is asked six months after closure, by email.
	FollowUp Stage = "followup"
)

// Valid reports whether s is a questionnaire.
func (s Stage) Valid() bool { return s == Before || s == After || s == FollowUp }

// Item is one 1-to-5 self-rating: the unit's four stages, in our own
// words, then overall confidence.
type Item struct {
	Key      string // the form field and column name
	Question string
	Short    string // the report's row label
	Low      string // what 1 means
	High     string // what 5 means
}

// Items are the ratings asked before and at closure, in order.
var Items = []Item{
	{Key: "self_awareness", Question: "How well do you know what you value and what you are good at?",
		Short: "Knowing what I value and am good at", Low: "Not at all", High: "Very well"},
	{Key: "options", Question: "How much do you know about the options open to you?",
		Short: "Knowing my options", Low: "Very little", High: "A great deal"},
	{Key: "decision", Question: "How ready are you to make a decision about your career?",
		Short: "Ready to decide", Low: "Not at all ready", High: "Completely ready"},
	{Key: "plan", Question: "How clear is your plan for the next steps?",
		Short: "A clear plan", Low: "Not at all clear", High: "Very clear"},
	{Key: "confidence", Question: "Overall, how confident do you feel about your career?",
		Short: "Confidence about my career", Low: "Not at all confident", High: "Very confident"},
}

// Ratings are the answers to Items in order; 0 is "not answered".
type Ratings [5]int

// Any reports whether at least one rating was given.
func (r Ratings) Any() bool {
	for _, v := range r {
		if v != 0 {
			return true
		}
	}
	return false
}

// ParseRating reads a 1-to-5 answer: "" is not answered (0, ok); anything
// else outside 1..5 is not ok.
func ParseRating(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 5 {
		return 0, false
	}
	return n, true
}

// FFTQuestion is the NHS Friends and Family Test question, as NHS England
// words it.
const FFTQuestion = "Overall, how was your experience of our service?"

// FFTAnswer is one of the test's six answers.
type FFTAnswer struct {
	Value, Label string
	Positive     bool
}

// FFTAnswers are the six answers, in the NHS's order.
var FFTAnswers = []FFTAnswer{
	{"very_good", "Very good", true},
	{"good", "Good", true},
	{"neither", "Neither good nor poor", false},
	{"poor", "Poor", false},
	{"very_poor", "Very poor", false},
	{"dont_know", "Don't know", false},
}

// FFTLabel is an answer's label ("" for none; the value for an unknown one).
func FFTLabel(v string) string {
	for _, a := range FFTAnswers {
		if a.Value == v {
			return a.Label
		}
	}
	return v
}

// ValidFFT reports whether v is one of the six answers.
func ValidFFT(v string) bool {
	for _, a := range FFTAnswers {
		if a.Value == v {
			return true
		}
	}
	return false
}

// FFTPositive counts the positive answers (very good and good) and all
// answers, "don't know" included: NHS England's convention for the share
// positive, so the unit's figure compares with published ones.
func FFTPositive(counts map[string]int) (positive, responses int) {
	for _, a := range FFTAnswers {
		n := counts[a.Value]
		responses += n
		if a.Positive {
			positive += n
		}
	}
	return positive, responses
}

// MaxComment is the longest free-text comment, in characters.
const MaxComment = 2000

// Pair is one trainee's ratings before support and at closure.
type Pair struct {
	Before, After Ratings
}

// Change is the change on one item over the pairs that answered it both
// times.
type Change struct {
	Item       Item
	Pairs      int
	MeanBefore float64
	MeanAfter  float64
	// Improved, Same and Worse count the pairs by the direction of change.
	Improved, Same, Worse int
}

// MeanChange is the mean after less the mean before (0 with no pairs).
func (c Change) MeanChange() float64 { return c.MeanAfter - c.MeanBefore }

// Changes works out the change on every item, each over the pairs that
// rated that item both before and after (a trainee who skipped one
// question still counts for the others).
func Changes(pairs []Pair) []Change {
	out := make([]Change, len(Items))
	for i, it := range Items {
		c := Change{Item: it}
		sumB, sumA := 0, 0
		for _, p := range pairs {
			b, a := p.Before[i], p.After[i]
			if b == 0 || a == 0 {
				continue
			}
			c.Pairs++
			sumB += b
			sumA += a
			switch {
			case a > b:
				c.Improved++
			case a < b:
				c.Worse++
			default:
				c.Same++
			}
		}
		if c.Pairs > 0 {
			c.MeanBefore = float64(sumB) / float64(c.Pairs)
			c.MeanAfter = float64(sumA) / float64(c.Pairs)
		}
		out[i] = c
	}
	return out
}

// OneDecimal writes x to one decimal place, with a sign when signed is set
// ("+1.3", "-0.5", "0.0").
func OneDecimal(x float64, signed bool) string {
	r := math.Round(x*10) / 10
	if r == 0 {
		r = 0 // no "-0.0"
	}
	s := strconv.FormatFloat(r, 'f', 1, 64)
	if signed && r > 0 {
		s = "+" + s
	}
	return s
}

// BeforeOpen reports whether the before questionnaire is offered: the
// referral has a coach (allocated or active), it was neither answered nor
// skipped, and no session has started yet (firstSession is the start of
// the earliest session not cancelled; zero for none).
func BeforeOpen(status string, done bool, firstSession, now time.Time) bool {
	if done || (status != "allocated" && status != "active") {
		return false
	}
	return firstSession.IsZero() || now.Before(firstSession)
}

// AfterOpen reports whether the closure questionnaire is offered: the
// referral was closed (not withdrawn) after at least one session took
// place, it was neither answered nor skipped, and the six-month follow-up
// has not come round yet.
func AfterOpen(status string, done bool, attended int, closedAt, now time.Time) bool {
	if done || status != "closed" || attended == 0 || closedAt.IsZero() {
		return false
	}
	return now.Before(FollowUpDue(closedAt))
}

// FollowUpMonths is how long after closure the follow-up is sent.
const FollowUpMonths = 6

// ReminderAfter is how long after the follow-up email its one reminder goes.
const ReminderAfter = 14 * 24 * time.Hour

// Window is how long after the follow-up falls due the trainee can still
// answer: the email, its reminder, and time to answer it. No email goes
// after it, and the link stops working at its end.
const Window = 6 * 7 * 24 * time.Hour

var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}()

// FollowUpDue is when the follow-up falls due: FollowUpMonths calendar
// months after closure, at the same clock time in Europe/London.
func FollowUpDue(closedAt time.Time) time.Time {
	return closedAt.In(london).AddDate(0, FollowUpMonths, 0)
}

// WindowEnd is when the follow-up of a referral closed at closedAt ends.
func WindowEnd(closedAt time.Time) time.Time { return FollowUpDue(closedAt).Add(Window) }

// Facts are what decides whether a trainee may be asked the follow-up.
type Facts struct {
	Status   string    // the referral's status now
	Outcome  string    // its closure outcome
	ClosedAt time.Time // zero if not closed
	Attended int       // sessions that took place
	OptedOut bool      // the trainee asked not to be contacted
	Answered bool      // the follow-up was answered or skipped
	// DestroyOn is the first day the retention job may destroy the record
	// (closure plus the retention period).
	DestroyOn time.Time
	SentAt    *time.Time
	Reminded  bool
}

// Send is what the follow-up job does for a referral now.
type Send int

// What the follow-up job does.
const (
	SendNothing Send = iota
	SendFirst
	SendReminder
)

// NeverAsk reports why a trainee must never be asked the follow-up ("" if
// they may be): they withdrew (or the referral ended by withdrawal), asked
// not to be contacted, had no session, or their record will be destroyed
// before the follow-up window ends (the follow-up never delays
// destruction).
func NeverAsk(f Facts) string {
	switch {
	case f.Status == "withdrawn" || f.Outcome == "withdrew":
		return "withdrew"
	case f.OptedOut:
		return "opted out of contact"
	case f.Status != "closed" || f.ClosedAt.IsZero():
		return "not closed"
	case f.Attended == 0:
		return "no session took place"
	case !f.DestroyOn.IsZero() && !f.DestroyOn.After(WindowEnd(f.ClosedAt)):
		return "past retention"
	}
	return ""
}

// Next decides what the follow-up job sends now: the first email once the
// follow-up is due, one reminder ReminderAfter later if still unanswered,
// nothing after the window or for someone who must never be asked.
func Next(f Facts, now time.Time) Send {
	if NeverAsk(f) != "" || f.Answered || !now.Before(WindowEnd(f.ClosedAt)) {
		return SendNothing
	}
	switch {
	case f.SentAt == nil:
		if !now.Before(FollowUpDue(f.ClosedAt)) {
			return SendFirst
		}
	case !f.Reminded && !now.Before(f.SentAt.Add(ReminderAfter)):
		return SendReminder
	}
	return SendNothing
}
