package mail_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	cmail "careers/internal/mail"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestDeadlineDigestMessage(t *testing.T) {
	t.Parallel()
	to := cmail.Address{Name: "Sam O'Brien & Co", Email: "sam@psu.example.nhs.uk"}
	m, err := cmail.DeadlineDigest(context.Background(), to, cmail.DeadlineDigestData{
		Name:  to.Name,
		Today: time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC),
		Referrals: []cmail.DeadlineItem{
			{Reference: "CS-0001", Route: "self", Deadline: day(2026, 3, 8)},
			{Reference: "CS-0002", Route: "supervisor", Deadline: day(2026, 3, 10)},
			{Reference: "CS-0003", Route: "case_manager", Deadline: day(2026, 3, 13)},
		},
		QueueURL: "https://careers.example.nhs.uk/staff/referrals",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("digest is not a valid message: %v", err)
	}
	if len(m.To) != 1 || m.To[0] != to {
		t.Errorf("To = %+v", m.To)
	}
	if want := "Response deadlines: 1 overdue, 2 due within 3 days"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	for _, want := range []string{
		"Hello Sam O'Brien & Co,\n",
		"\n\nPast the deadline:\n- CS-0001 (self-referral): the deadline was Sunday 8 March 2026, 2 days\n  ago\n\n",
		"\n\nDue within 3 days:\n- CS-0002 (supervisor referral): respond by Tuesday 10 March 2026\n  (today)\n",
		"- CS-0003 (Case Manager referral): respond by Friday 13 March 2026 (in 3\n  days)\n\n",
		"Open the referral queue:\nhttps://careers.example.nhs.uk/staff/referrals\n",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "&amp;") || strings.Contains(m.Text, "&#39;") || strings.Contains(m.Text, "<") {
		t.Errorf("text part has HTML in it:\n%s", m.Text)
	}
	for _, line := range strings.Split(m.Text, "\n") {
		if len([]rune(line)) > 78 && !strings.HasPrefix(line, "https://") {
			t.Errorf("text line longer than 78 characters: %q", line)
		}
	}
	for _, want := range []string{
		`<html lang="en">`, "Sam O&#39;Brien &amp; Co", `href="https://careers.example.nhs.uk/staff/referrals"`,
		"CS-0001", "Sunday 8 March 2026 (2 days ago)", "Tuesday 10 March 2026 (today)", "Friday 13 March 2026 (in 3 days)",
		"Past the deadline", "Due within 3 days", "background-color:#005eb8",
	} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}

	one, err := cmail.DeadlineDigest(context.Background(), to, cmail.DeadlineDigestData{
		Today: day(2026, 3, 10), Referrals: []cmail.DeadlineItem{{Reference: "CS-9", Route: "self", Deadline: day(2026, 3, 11)}},
		QueueURL: "https://careers.example.nhs.uk/staff/referrals",
	})
	if err != nil {
		t.Fatal(err)
	}
	if one.Subject != "Response deadlines: 1 referral due within 3 days" || !strings.Contains(one.Text, "Hello,\n") ||
		!strings.Contains(one.Text, "(tomorrow)") || strings.Contains(one.Text, "Past the deadline") {
		t.Errorf("single referral digest: %q\n%s", one.Subject, one.Text)
	}
}

// A link in the HTML part that is not http(s) is neutralised by templ.
func TestButtonRefusesScriptURLs(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := cmail.Button("javascript:alert(1)", "Open").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `href="javascript:`) {
		t.Errorf("Button kept a javascript: URL: %s", b.String())
	}
}

func TestRenderTextHelpersAndErrors(t *testing.T) {
	t.Parallel()
	text := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		for _, c := range []templ.Component{
			cmail.Para(strings.Repeat("word ", 30) + "https://example.org/" + strings.Repeat("x", 80)),
			cmail.List("one <b>&", "two"),
			cmail.Lines("Best wishes,", "The careers team"),
		} {
			if err := c.Render(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
	m, err := cmail.Render(context.Background(), "Subject\r\nBcc: x", text, templ.Raw("<p>x</p>"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Subject Bcc: x" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if !strings.Contains(m.Text, "\nhttps://example.org/"+strings.Repeat("x", 80)+"\n") {
		t.Errorf("long word broken or not on its own line:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, "- one <b>&\n- two\n\nBest wishes,\nThe careers team\n") || strings.HasSuffix(m.Text, "\n\n") {
		t.Errorf("text = %q", m.Text)
	}
	if _, err := cmail.Render(context.Background(), "s", templ.Raw("Hello { name }"), templ.Raw("x")); err == nil {
		t.Error("Render accepted a text part written outside the text blocks")
	}
	if _, err := cmail.Render(context.Background(), "s", text, cmail.Para("<script>")); err == nil {
		t.Error("Render accepted a text block (unescaped) in the HTML part")
	}
	boom := errors.New("boom")
	failing := templ.ComponentFunc(func(context.Context, io.Writer) error { return boom })
	if _, err := cmail.Render(context.Background(), "s", failing, templ.Raw("x")); !errors.Is(err, boom) {
		t.Errorf("Render with a failing text part = %v", err)
	}
	if _, err := cmail.Render(context.Background(), "s", text, failing); !errors.Is(err, boom) {
		t.Errorf("Render with a failing HTML part = %v", err)
	}
}
