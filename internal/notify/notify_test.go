package notify_test

import (
	"context"
	"strings"
	"testing"

	"careers/internal/notify"
)

func TestLetterHasBothParts(t *testing.T) {
	m, err := notify.Write(context.Background(), notify.Letter{
		Subject: "Your referral CR-AAAA-BBBB", Greeting: "Dear Sam,", Paragraphs: []string{"One.", "Two <b>bold</b>."},
		Link: "https://careers.example.nhs.uk/sign-in", LinkLabel: "Sign in", After: []string{"Three."},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Dear Sam,", "One.", "Two <b>bold</b>.", "Sign in:\nhttps://careers.example.nhs.uk/sign-in", "Three."} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "Two &lt;b&gt;bold&lt;/b&gt;.") || strings.Contains(m.HTML, "<b>bold") {
		t.Error("the HTML part does not escape what it is given")
	}
	if m.Subject != "Your referral CR-AAAA-BBBB" {
		t.Errorf("subject %q", m.Subject)
	}
}

func TestEveryMessageRenders(t *testing.T) {
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"invitation": func() error { _, err := notify.StaffInvitation(ctx, "Ada", "Admin", "https://x/y?token=a"); return err },
		"reset":      func() error { _, err := notify.PasswordReset(ctx, "Ada", "https://x/y?token=a"); return err },
		"sign-in":    func() error { _, err := notify.SignInLink(ctx, "https://x/y?token=a"); return err },
		"receipt":    func() error { _, err := notify.ReferralReceipt(ctx, "Sam", "CR-AAAA-BBBB", "https://x/y"); return err },
		"referrer": func() error {
			_, err := notify.ReferrerReceipt(ctx, "Jo", "Sam", "CR-AAAA-BBBB", "https://x/y")
			return err
		},
		"confirm": func() error {
			_, err := notify.ConfirmRequest(ctx, "Sam", "Jo", "CR-AAAA-BBBB", "https://x/y", false)
			return err
		},
		"reminder": func() error {
			_, err := notify.ConfirmRequest(ctx, "Sam", "Jo", "CR-AAAA-BBBB", "https://x/y", true)
			return err
		},
	} {
		if err := f(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
