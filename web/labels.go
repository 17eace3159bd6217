package web

import (
	"strconv"
	"time"
	// Embedded zone data: the container image has no /usr/share/zoneinfo.
	_ "time/tzdata"
)

// london is where every time is shown; times are stored in UTC.
var london = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("web: time zone " + name + " missing: " + err.Error())
	}
	return loc
}

// Date shows a day as people write it, such as 3 March 2026.
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 January 2006")
}

// DateTime shows a moment in UK time, such as 3 March 2026, 2:05pm.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 January 2006, 3:04pm")
}

func itoa(n int) string { return strconv.Itoa(n) }

// RouteLabel names how a referral came in.
func RouteLabel(route string) string {
	switch route {
	case "extension":
		return "Extra sessions"
	case "self":
		return "Self-referral"
	case "supervisor":
		return "Supervisor referral"
	case "case_manager":
		return "Case Manager referral"
	case "workshop":
		return "A workshop's registrations"
	}
	return route
}

// StatusLabel names a referral's status for people.
func StatusLabel(status string) string {
	switch status {
	case "awaiting_trainee":
		return "Waiting for the trainee"
	case "new":
		return "New"
	case "info_requested":
		return "Information requested"
	case "accepted":
		return "Accepted"
	case "allocated":
		return "Coach allocated"
	case "active":
		return "Sessions under way"
	case "closed":
		return "Closed"
	case "withdrawn":
		return "Withdrawn"
	case "extension":
		return "Waiting for you"
	}
	return status
}

func statusTagClass(status string) string {
	switch status {
	case "awaiting_trainee", "info_requested":
		return "nhsuk-tag--yellow"
	case "new":
		return "nhsuk-tag--blue"
	case "accepted", "allocated":
		return "nhsuk-tag--aqua-green"
	case "active":
		return "nhsuk-tag--green"
	case "closed", "withdrawn":
		return "nhsuk-tag--grey"
	}
	return ""
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func joinLines(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += ", "
		}
		out += l
	}
	return out
}

// EligibilityLabel names an eligibility result.
func EligibilityLabel(e string) string {
	switch e {
	case "eligible":
		return "Eligible"
	case "not_eligible":
		return "Not eligible"
	case "needs_review":
		return "Needs review"
	}
	return e
}
