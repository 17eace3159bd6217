package notify

import (
	"context"
	"strconv"
	"strings"

	"careers/internal/mail"
)

// Turn is an email telling someone it is their turn: what happened, the one
// next step in a sentence, and a link to the exact page. Turns never carry
// confidential content (reasons, answers, summaries, notes): the link's
// page shows the reader what they may see once signed in.
type Turn struct {
	Subject   string
	Name      string
	Said      []string
	Items     []string // a short list (a digest's references)
	Next      string   // one sentence
	Link      string
	LinkLabel string
}

const turnFooter = "This email holds no confidential details. Sign in to the careers support website to see more."

// Write renders the turn as both parts.
func (t Turn) Write(ctx context.Context) (mail.Message, error) {
	return mail.Render(ctx, t.Subject, turnText(t), turnHTML(t))
}

// midSentence words a referrer named at the start of a sentence ("Your
// Case Manager") for the middle of one.
func midSentence(by string) string {
	if strings.HasPrefix(by, "Your ") {
		return "your " + by[len("Your "):]
	}
	return by
}

func sessionsText(n int) string {
	if n == 1 {
		return "1 session"
	}
	return strconv.Itoa(n) + " sessions"
}

// TraineeAllocated tells the trainee their coach and allowance, and that
// they book the first session themselves (fundingPending: a Case Manager's
// Form D is not approved yet, so there is nothing to book yet).
func TraineeAllocated(ctx context.Context, name, reference, coach string, allowance int, fundingPending bool, link string) (mail.Message, error) {
	t := Turn{Subject: "Your careers coach: book your first session", Name: name,
		Said: []string{"Your careers support referral " + reference + " has been accepted. " + coach + " will be your career coach, and you have " +
			sessionsText(allowance) + ".",
			"You can cancel or rearrange a session up to 24 hours before it starts with no loss. Later than that, or if you miss a session, you may lose it from your allowance."},
		Next: "Sign in and book your first session at a time that suits you; your coach will not book it for you.", Link: link, LinkLabel: "Book your first session"}
	if fundingPending {
		t.Subject = "Your careers coach"
		t.Next = "Nothing yet: you can book once the funding your Case Manager asked for is approved, and we will email you when it is."
		t.LinkLabel = "See your referral"
	}
	return t.Write(ctx)
}

// TraineeFundingApproved tells the trainee they can now book.
func TraineeFundingApproved(ctx context.Context, name, reference, link string) (mail.Message, error) {
	return Turn{Subject: "You can now book your careers support sessions", Name: name,
		Said: []string{"The funding for your careers support (referral " + reference + ") has been approved."},
		Next: "Sign in and book your first session with your coach.", Link: link, LinkLabel: "Book a session"}.Write(ctx)
}

// TraineeExtensionApproved tells the trainee their allowance went up.
func TraineeExtensionApproved(ctx context.Context, name, reference string, added, left int, link string) (mail.Message, error) {
	return Turn{Subject: "More careers support sessions for you", Name: name,
		Said: []string{"A PSU lead has approved " + sessionsText(added) + " more for your careers support (referral " + reference + "). You now have " +
			sessionsText(left) + " left to book."},
		Next: "Sign in and book your next session with your coach.", Link: link, LinkLabel: "Book a session"}.Write(ctx)
}

// TraineeSummaryReminder asks the trainee for the summary of a session
// they attended (when says which).
func TraineeSummaryReminder(ctx context.Context, name, when, link string) (mail.Message, error) {
	return Turn{Subject: "Reminder: write the summary of your careers session", Name: name,
		Said: []string{"You met your career coach on " + when + ". Writing a short summary and action plan helps you keep what you decided, and you choose whether it is shared."},
		Next: "Sign in and write your summary: it takes about ten minutes.", Link: link, LinkLabel: "Write your summary"}.Write(ctx)
}

// ReferrerConfirmed tells the referrer the trainee confirmed.
func ReferrerConfirmed(ctx context.Context, name, reference, link string) (mail.Message, error) {
	return Turn{Subject: "The trainee confirmed careers support referral " + reference, Name: name,
		Said: []string{"The trainee has confirmed that they want the careers support you asked for (referral " + reference + "). A coordinator will review it; we aim to respond within 14 days."},
		Next: "Nothing: we will email you when a coach is allocated. You can follow the referral's status.", Link: link, LinkLabel: "See the referral's status"}.Write(ctx)
}

// ReferrerAllocated tells the referrer a coach was allocated, no more.
func ReferrerAllocated(ctx context.Context, name, reference, link string) (mail.Message, error) {
	return Turn{Subject: "A coach was allocated: careers support referral " + reference, Name: name,
		Said: []string{"A career coach has been allocated for the careers support referral you made (" + reference + "). What the trainee discusses with their coach is confidential."},
		Next: "Nothing: we will email you when the referral closes.", Link: link, LinkLabel: "See the referral's status"}.Write(ctx)
}

// ReferrerTraineeDeclined tells the referrer only that the trainee chose
// not to go ahead: never their reason.
func ReferrerTraineeDeclined(ctx context.Context, name, reference, link string) (mail.Message, error) {
	return Turn{Subject: "Careers support referral " + reference + " is closed", Name: name,
		Said: []string{"The trainee chose not to go ahead with the careers support you asked for (referral " + reference + "), so we have closed the referral."},
		Next: "Nothing: if the trainee wants careers support later, they can refer themselves at any time.", Link: link, LinkLabel: "See the referral's status"}.Write(ctx)
}

// ReferrerClosed tells the referrer the referral closed. The outcome goes
// only if the trainee agreed to it being shared; no such agreement is
// recorded, so it never does.
func ReferrerClosed(ctx context.Context, name, reference, link string, caseManager bool) (mail.Message, error) {
	said := "The careers support referral you made (" + reference + ") is now closed. What the trainee discussed is confidential."
	if caseManager {
		said += " Summaries the trainee agreed to share have been sent to you separately."
	}
	return Turn{Subject: "Careers support referral " + reference + " is closed", Name: name, Said: []string{said},
		Next: "Nothing: the referral needs nothing more from you.", Link: link, LinkLabel: "See the referral"}.Write(ctx)
}

// CoachAllocated tells a coach they have a new client.
func CoachAllocated(ctx context.Context, name, reference, link string) (mail.Message, error) {
	return Turn{Subject: "New client: referral " + reference, Name: name,
		Said: []string{"A trainee has been allocated to you for careers support (referral " + reference + "). They book their sessions from your published availability."},
		Next: "Sign in, read the referral, and check that your availability has times they can book.", Link: link, LinkLabel: "Open the referral"}.Write(ctx)
}

// CoachExtensionDecided tells the coach the lead's decision (never the
// lead's note).
func CoachExtensionDecided(ctx context.Context, name, reference string, approved bool, sessions int, link string) (mail.Message, error) {
	t := Turn{Subject: "Extra sessions declined: referral " + reference, Name: name,
		Said: []string{"A PSU lead has declined the request for extra sessions on referral " + reference + "."},
		Next: "Sign in to read the decision and plan the remaining sessions with your client.", Link: link, LinkLabel: "Open the referral"}
	if approved {
		t.Subject = "Extra sessions approved: referral " + reference
		t.Said = []string{"A PSU lead has approved " + sessionsText(sessions) + " more on referral " + reference + ". We have told the trainee, who books them."}
		t.Next = "Nothing more: check that your availability has times for them to book."
	}
	return t.Write(ctx)
}

// TeamAnswered tells coordinators a trainee answered their question (not
// the answer).
func TeamAnswered(ctx context.Context, name, reference, link string) (mail.Message, error) {
	return Turn{Subject: "A trainee answered your question: referral " + reference, Name: name,
		Said: []string{"The trainee has answered the question asked on referral " + reference + ". It is back in the queue for a decision."},
		Next: "Sign in, read the answer and decide.", Link: link, LinkLabel: "Open the referral"}.Write(ctx)
}

// LeadDigest lists, by reference only, the funding and extension requests
// waiting for a PSU lead.
func LeadDigest(ctx context.Context, name string, funding, extensions []string, link string) (mail.Message, error) {
	var items []string
	for _, r := range funding {
		items = append(items, "Form D funding: "+r)
	}
	for _, r := range extensions {
		items = append(items, "Extra sessions: "+r)
	}
	n := len(items)
	said := strconv.Itoa(n) + " requests are waiting for a PSU lead's decision:"
	if n == 1 {
		said = "1 request is waiting for a PSU lead's decision:"
	}
	return Turn{Subject: "Requests waiting for a PSU lead (" + strconv.Itoa(n) + ")", Name: name, Said: []string{said}, Items: items,
		Next: "Sign in and decide each request from your home page.", Link: link, LinkLabel: "Open your requests"}.Write(ctx)
}
