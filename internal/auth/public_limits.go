package auth

import "time"

// Limits on the public forms (sign-in links, referral forms, a new
// confirmation link, the staff password reset). They key on the person
// first: the address the mail goes to, the draft being filled in. The
// client address is only a high ceiling, because many NHS staff reach the
// internet through one address per trust: two hundred trainees behind one
// address must each be able to sign in and send a referral within an hour.
const (
	// MailPerRecipient is how many emails the public forms may cause to one
	// address per MailWindow. Requests past it still answer "check your
	// email", so the limit reveals nothing.
	MailPerRecipient = 5
	MailWindow       = time.Hour

	// PublicFormWindow is the window of the per-client-address ceilings.
	PublicFormWindow = 15 * time.Minute
	// LinkFormCeiling is how many link requests (sign-in, reset, new
	// confirmation link) one client address may make per PublicFormWindow.
	LinkFormCeiling = 300
	// ReferralFormCeiling is how many referral form pages one client address
	// may post per PublicFormWindow (a referral is about ten pages).
	ReferralFormCeiling = 3000
	// ReferralDraftLimit is how many pages one draft may post per
	// PublicFormWindow: far more than a person filling it in needs.
	ReferralDraftLimit = 100
)

// MailRecipientKey is the throttle key that counts mail to one address.
func MailRecipientKey(email string) string { return ThrottleKey("mail-to", email) }

// PublicFormKey is the throttle key of a public form's ceiling for one
// client address.
func PublicFormKey(form, ip string) string { return ThrottleKey("public-"+form, AddressKey(ip)) }

// DraftKey is the throttle key of one referral draft (by its token hash).
func DraftKey(draftTokenHash []byte) string { return ThrottleKey("draft", string(draftTokenHash)) }

// FeedCeiling is how many calendar feed requests one client address may
// make per PublicFormWindow. Calendar services (Outlook, Google) fetch
// every coach's feed from a few addresses of their own, so it is high.
const FeedCeiling = 3000
