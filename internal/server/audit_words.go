package server

import (
	"strings"

	"careers/internal/policy"
	"careers/internal/store"
)

// The audit log in people's words: "Priya Shah (Coordinator) viewed
// referral CR-1234", not a staff id and an action code.

// auditActions words the actions that do not read well as their codes.
// Codes not listed read as their words ("sign in failed").
var auditActions = map[string]string{
	string(policy.ViewReferral):       "viewed",
	string(policy.ViewReferralStatus): "viewed the status of",
	"view":                            "viewed",
	"view_summaries":                  "read the summaries of",
	"download_form_c":                 "downloaded the Form C of",
	"confirm":                         "confirmed",
	"trainee_declined":                "said no thanks to",
	"create":                          "created",
	"deny":                            "was refused",
	"link_refused":                    "used a link that no longer works:",
	"sign_in":                         "signed in",
	"sign_out":                        "signed out",
	"accepted":                        "accepted",
	"declined":                        "declined",
	"allocated":                       "allocated a coach to",
	"reallocated":                     "moved to another coach:",
	"closed":                          "closed",
	"reopened":                        "reopened",
	"info_requested":                  "asked the trainee a question on",
	"info_answered":                   "answered the question on",
	"note":                            "added a note to",
	"eligibility_decision":            "recorded an eligibility decision on",
	"funding_approved":                "approved the Form D funding of",
	"funding_declined":                "declined the Form D funding of",
	"extension_requested":             "asked for extra sessions on",
	"extension_decided":               "decided on extra sessions for",
	"withdraw":                        "withdrew",
	"book":                            "booked a session on",
	"cancel":                          "cancelled a session on",
	"attendance":                      "recorded attendance on",
	"waive":                           "waived a forfeit on",
	"confirm_meeting":                 "confirmed a meeting on",
	"chase":                           "chased the trainee on",
	"summary_submitted":               "submitted a summary on",
	"summary_consent":                 "changed their sharing choice on",
	"contact_phone_changed":           "corrected their phone number on",
	"contact_email_change_requested":  "asked to change their email address on",
	"contact_email_changed":           "changed their email address on",
	// Workshops, the staff side (issue 16).
	"workshop_change":        "changed",
	"workshop_cancel":        "cancelled",
	"workshop_message":       "emailed everyone with a place on",
	"workshop_give_place":    "gave a place by hand on",
	"workshop_offer_place":   "offered a place by hand on",
	"workshop_remove":        "took someone off",
	"workshop_view_register": "viewed the attendance register of",
	"workshop_attendance":    "saved the attendance register of",
}

func auditAction(code string) string {
	if w, ok := auditActions[code]; ok {
		return w
	}
	return strings.ReplaceAll(code, "_", " ")
}

// auditActor names who acted: a staff member by name and roles (with the
// address, which finds them in a search), anyone else by address or kind.
func auditActor(e store.AuditEntry) string {
	switch {
	case e.ActorName != "":
		roles := make([]string, 0, len(e.ActorRoles))
		for _, r := range e.ActorRoles {
			roles = append(roles, policy.Role(r).Label())
		}
		who := e.ActorName
		if len(roles) > 0 {
			who += " (" + strings.Join(roles, ", ") + ")"
		}
		if e.ActorEmail != "" {
			who += ", " + e.ActorEmail
		}
		return who
	case e.ActorEmail != "":
		return e.ActorEmail
	case e.ActorKind == "system":
		return "The service"
	case e.ActorKind == "anonymous":
		return "Someone not signed in"
	}
	return e.ActorKind
}

// auditRecord names what was acted on.
func auditRecord(e store.AuditEntry) string {
	switch {
	case e.RecordType == "staff_user" && e.RecordName != "":
		return "the staff account of " + e.RecordName
	case e.RecordType == "staff_user":
		return "a staff account"
	case e.RecordType == "audit_log":
		return "the audit log"
	}
	rec := strings.ReplaceAll(e.RecordType, "_", " ")
	if e.RecordID != "" {
		rec += " " + e.RecordID
	}
	return rec
}
