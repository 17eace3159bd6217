package auth

import (
	"strconv"
	"time"
)

// Lifetimes of the one-time links the service emails. docs/security.md
// lists the same ("One-time links"); a test holds the two together.
//
// Links a person asked for a moment ago (a sign-in link, a password reset)
// are short: they are used at once or asked for again. Links in emails the
// person did not ask for are read when the person gets to them: the status
// link in a referral receipt or decision, the staff invitation, and the
// trainee's confirmation link, which lives as long as the trainee has to
// decide (they are reminded, with a new link, after a week).
const (
	InvitationLinkTTL = 24 * time.Hour
	ResetLinkTTL      = 30 * time.Minute
	SignInLinkTTL     = 30 * time.Minute
	StatusLinkTTL     = 7 * 24 * time.Hour
	ConfirmLinkTTL    = 14 * 24 * time.Hour
)

// LifetimeText says a link lifetime as the emails and pages put it: "30
// minutes", "24 hours", "7 days".
func LifetimeText(d time.Duration) string {
	n, unit := int(d/time.Minute), "minute"
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		n, unit = int(d/(24*time.Hour)), "day"
	case d >= time.Hour && d%time.Hour == 0:
		n, unit = int(d/time.Hour), "hour"
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}
