// Package notify writes the messages the service sends: what each says, in
// plain English, as a plain-text and an HTML part. Delivery (the durable
// queue, SMTP) is internal/jobs and internal/mail.
package notify

import (
	"context"

	"careers/internal/mail"
)

// StaffInvitation invites a new staff member to set their password.
func StaffInvitation(ctx context.Context, name, roles, link string) (mail.Message, error) {
	return mail.Render(ctx, "Your careers support account", invitationText(name, roles, link), invitationHTML(name, roles, link))
}

// PasswordReset carries a link to choose a new password.
func PasswordReset(ctx context.Context, name, link string) (mail.Message, error) {
	return mail.Render(ctx, "Reset your careers support password", resetText(name, link), resetHTML(name, link))
}

// SignInLink carries a one-time link for a trainee or referrer to sign in.
func SignInLink(ctx context.Context, link string) (mail.Message, error) {
	return mail.Render(ctx, "Your link to sign in to careers support", signInText(link), signInHTML(link))
}

// ReferralReceipt tells a trainee who referred themselves that the referral
// arrived, with its reference and what happens next.
func ReferralReceipt(ctx context.Context, name, reference, link string) (mail.Message, error) {
	return mail.Render(ctx, "We have your careers support referral "+reference,
		receiptText(name, reference, link), receiptHTML(name, reference, link))
}

// ReferrerReceipt thanks a supervisor for a referral and gives them a link
// to follow its status.
func ReferrerReceipt(ctx context.Context, name, trainee, reference, link string) (mail.Message, error) {
	return mail.Render(ctx, "Your careers support referral "+reference,
		referrerText(name, trainee, reference, link), referrerHTML(name, trainee, reference, link))
}

// ConfirmRequest asks a trainee someone else referred to confirm they want
// the support. by says who referred them ("Dr Jo Reed", "your Case Manager").
func ConfirmRequest(ctx context.Context, name, by, reference, link string, reminder bool) (mail.Message, error) {
	subject := "Please confirm your careers support referral " + reference
	if reminder {
		subject = "Reminder: please confirm your careers support referral " + reference
	}
	return mail.Render(ctx, subject, confirmText(name, by, reference, link, reminder), confirmHTML(name, by, reference, link, reminder))
}

// Letter is a short message: a greeting, paragraphs, an optional button
// (link and its label) and a closing paragraph.
type Letter struct {
	Subject    string
	Greeting   string
	Paragraphs []string
	Link       string
	LinkLabel  string
	After      []string
}

// Write renders a Letter as both parts.
func Write(ctx context.Context, l Letter) (mail.Message, error) {
	return mail.Render(ctx, l.Subject, letterText(l), letterHTML(l))
}
