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
