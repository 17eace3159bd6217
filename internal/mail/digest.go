package mail

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DeadlineDigestData is what the daily deadline digest tells one
// coordinator: the referrals waiting for a first response whose 14-day
// deadline is at most three days away, or already past.
type DeadlineDigestData struct {
	// Name greets the coordinator.
	Name string
	// Today is the digest's calendar date in Europe/London (the clock time is
	// ignored).
	Today time.Time
	// Referrals are listed in the order given (earliest deadline first).
	Referrals []DeadlineItem
	// QueueURL is the absolute address of the coordinators' referral queue.
	QueueURL string
}

// DeadlineItem is one referral in the digest. It carries the reference and
// route only: the email says which referrals need attention, and the
// details stay behind the sign-in.
type DeadlineItem struct {
	Reference string
	// Route is the referral route: self, supervisor or case_manager.
	Route string
	// Deadline is the last calendar day for a first response.
	Deadline time.Time
}

// DeadlineDigest renders the digest for d (one message per coordinator).
func DeadlineDigest(ctx context.Context, to Address, d DeadlineDigestData) (Message, error) {
	v := digestView{DeadlineDigestData: d}
	for _, r := range d.Referrals {
		left := daysBetween(d.Today, r.Deadline)
		row := digestRow{Reference: r.Reference, Route: routeLabel(r.Route), Deadline: longDate(r.Deadline), DaysLeft: left}
		if left < 0 {
			v.Overdue = append(v.Overdue, row)
		} else {
			v.Soon = append(v.Soon, row)
		}
	}
	subject := fmt.Sprintf("Response deadlines: %s due within 3 days", plural(len(v.Soon), "referral", "referrals"))
	switch {
	case len(v.Overdue) > 0 && len(v.Soon) > 0:
		subject = fmt.Sprintf("Response deadlines: %d overdue, %d due within 3 days", len(v.Overdue), len(v.Soon))
	case len(v.Overdue) > 0:
		subject = fmt.Sprintf("Response deadlines: %s overdue", plural(len(v.Overdue), "referral", "referrals"))
	}
	m, err := Render(ctx, subject, deadlineDigestText(v), deadlineDigestHTML(v, subject))
	if err != nil {
		return Message{}, err
	}
	m.To = []Address{to}
	return m, nil
}

// digestView is the digest split for display.
type digestView struct {
	DeadlineDigestData
	Overdue []digestRow
	Soon    []digestRow
}

type digestRow struct {
	Reference string
	Route     string
	Deadline  string
	DaysLeft  int
}

// When says how far away the deadline is, in words.
func (r digestRow) When() string {
	switch {
	case r.DaysLeft == 0:
		return "today"
	case r.DaysLeft == 1:
		return "tomorrow"
	case r.DaysLeft > 1:
		return fmt.Sprintf("in %d days", r.DaysLeft)
	case r.DaysLeft == -1:
		return "1 day ago"
	default:
		return fmt.Sprintf("%d days ago", -r.DaysLeft)
	}
}

func (r digestRow) textLine() string {
	if r.DaysLeft < 0 {
		return fmt.Sprintf("%s (%s): the deadline was %s, %s", r.Reference, r.Route, r.Deadline, r.When())
	}
	return fmt.Sprintf("%s (%s): respond by %s (%s)", r.Reference, r.Route, r.Deadline, r.When())
}

func (v digestView) intro() string {
	n := len(v.Overdue) + len(v.Soon)
	verb := "are"
	if n == 1 {
		verb = "is"
	}
	return fmt.Sprintf("%s %s waiting for a first response with the 14-day response deadline 3 days away or less, or already passed.",
		plural(n, "referral", "referrals"), verb)
}

func (v digestView) greeting() string {
	name := strings.TrimSpace(v.Name)
	if name == "" {
		return "Hello,"
	}
	return "Hello " + name + ","
}

func textLines(rows []digestRow) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.textLine())
	}
	return out
}

func routeLabel(route string) string {
	switch route {
	case "self":
		return "self-referral"
	case "supervisor":
		return "supervisor referral"
	case "case_manager":
		return "Case Manager referral"
	}
	return "referral"
}

// longDate writes a calendar date the NHS way: "Monday 2 March 2026".
func longDate(t time.Time) string { return t.Format("Monday 2 January 2006") }

// daysBetween counts calendar days from a to b (negative when b is earlier),
// looking only at the dates.
func daysBetween(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
