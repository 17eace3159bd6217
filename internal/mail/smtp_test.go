package mail_test

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"careers/internal/config"
	cmail "careers/internal/mail"
	"careers/internal/mail/mailtest"
	"careers/internal/testdb"
)

func testOrigin(replyTo bool) cmail.Origin {
	o := cmail.Origin{From: cmail.Address{Name: "Careers support", Email: "careers@psu.example.nhs.uk"}}
	if replyTo {
		o.ReplyTo = &cmail.Address{Name: "PSU team", Email: "psu-team@psu.example.nhs.uk"}
	}
	return o
}

func testMessage() cmail.Message {
	return cmail.Message{
		To:      []cmail.Address{{Name: "Alex Trainee", Email: "alex@example.org"}},
		Subject: "Your referral KSS-0001 has been received",
		Text:    "Hello Alex,\n\nWe have your referral.\n",
		HTML:    "<!DOCTYPE html><html><body><p>Hello Alex,</p><p>We have your referral.</p></body></html>",
		Attachments: []cmail.Attachment{
			{Filename: "invite.ics", ContentType: "text/calendar; method=REQUEST; charset=UTF-8", Content: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")},
		},
		MessageID: "0f3c5a1e-6d2b-4c8e-9a77-1b2c3d4e5f60",
	}
}

func mustSMTPSender(tb testing.TB, u *url.URL, o cmail.Origin, opts ...cmail.SMTPOption) *cmail.SMTPSender {
	tb.Helper()
	s, err := cmail.NewSMTPSender(u, o, append([]cmail.SMTPOption{cmail.WithSMTPTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		tb.Fatalf("NewSMTPSender: %v", err)
	}
	return s
}

// headerBlock is the raw header section of a message, before the first
// blank line.
func headerBlock(raw []byte) string {
	s := strings.ReplaceAll(string(raw), "\r\n", "\n")
	if i := strings.Index(s, "\n\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// Over STARTTLS with a username and password (the way a real relay is
// used), a message arrives with both parts, its attachment and every header.
func TestSMTPDeliversBothPartsAndHeaders(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.WithSTARTTLS(), mailtest.WithAuth("relay-user", "s3cret pass"))
	u := srv.URL()
	u.RawQuery = "starttls=required"
	sender := mustSMTPSender(t, u, testOrigin(true), cmail.WithRootCAs(srv.RootCAs()))

	before := time.Now().Add(-time.Second)
	if err := sender.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	m := got[0]
	if m.ParseError != nil {
		t.Fatalf("message does not parse: %v", m.ParseError)
	}
	if m.EnvelopeFrom != "careers@psu.example.nhs.uk" || len(m.EnvelopeTo) != 1 || m.EnvelopeTo[0] != "alex@example.org" {
		t.Errorf("envelope = %q -> %q", m.EnvelopeFrom, m.EnvelopeTo)
	}
	for name, want := range map[string]string{
		"From":           `"Careers support" <careers@psu.example.nhs.uk>`,
		"To":             `"Alex Trainee" <alex@example.org>`,
		"Reply-To":       `"PSU team" <psu-team@psu.example.nhs.uk>`,
		"Subject":        "Your referral KSS-0001 has been received",
		"Message-Id":     "<0f3c5a1e-6d2b-4c8e-9a77-1b2c3d4e5f60@psu.example.nhs.uk>",
		"Mime-Version":   "1.0",
		"Auto-Submitted": "auto-generated",
	} {
		if g := m.Get(name); g != want {
			t.Errorf("%s = %q, want %q", name, g, want)
		}
	}
	date, err := m.Header.Date()
	if err != nil || date.Before(before) || date.After(time.Now().Add(time.Second)) {
		t.Errorf("Date = %q (%v), want about now", m.Header.Get("Date"), err)
	}
	if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed") {
		t.Errorf("Content-Type = %q, want multipart/mixed (alternative parts and an attachment)", ct)
	}
	if !strings.Contains(string(m.Raw), "multipart/alternative") {
		t.Error("the two parts are not a multipart/alternative")
	}
	if m.Text != "Hello Alex,\n\nWe have your referral.\n" {
		t.Errorf("text part = %q", m.Text)
	}
	if !strings.Contains(m.HTML, "<p>We have your referral.</p>") {
		t.Errorf("HTML part = %q", m.HTML)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments = %d, want 1", len(m.Attachments))
	}
	a := m.Attachments[0]
	if a.Filename != "invite.ics" || !strings.HasPrefix(a.ContentType, "text/calendar") ||
		!strings.Contains(a.ContentType, "method=REQUEST") || !bytes.Equal(a.Content, testMessage().Attachments[0].Content) {
		t.Errorf("attachment = %q %q %q", a.Filename, a.ContentType, a.Content)
	}
	if strings.Contains(string(m.Raw), "go-mail") {
		t.Error("message advertises the mail library")
	}
}

func TestSMTPWithoutReplyToSendsNone(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	if err := mustSMTPSender(t, srv.URL(), testOrigin(false)).Send(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(1, 5*time.Second)[0]
	if _, ok := m.Header["Reply-To"]; ok {
		t.Errorf("Reply-To = %q, want none when MAIL_REPLY_TO is unset", m.Header.Get("Reply-To"))
	}
}

// A display name or subject carrying CR/LF cannot add headers (here, a Bcc
// to someone else) or recipients; an attachment name cannot either.
func TestHeaderInjectionIsNeutralised(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	o := testOrigin(true)
	o.From.Name = "Careers\r\nBcc: from-victim@evil.example"
	msg := testMessage()
	msg.To[0].Name = "Eve\r\nBcc: victim@evil.example\r\nX-Injected: yes"
	msg.Subject = "Hello\r\nBcc: victim2@evil.example\n\nInjected body\u2028X-Also: no"
	msg.Attachments[0].Filename = "../x\r\nContent-Type: text/html\r\n\r\n<script>.ics"

	if err := mustSMTPSender(t, srv.URL(), o).Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m := srv.WaitFor(1, 5*time.Second)[0]
	if m.ParseError != nil {
		t.Fatalf("message does not parse: %v", m.ParseError)
	}
	if len(m.EnvelopeTo) != 1 || m.EnvelopeTo[0] != "alex@example.org" {
		t.Errorf("RCPT TO = %q, want only the real recipient", m.EnvelopeTo)
	}
	for _, h := range []string{"Bcc", "X-Injected", "X-Also"} {
		if _, ok := m.Header[h]; ok {
			t.Errorf("injected header %s present: %q", h, m.Header.Get(h))
		}
	}
	for _, line := range strings.Split(headerBlock(m.Raw), "\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") || strings.HasPrefix(line, "X-Injected") {
			t.Errorf("header block has an injected line: %q", line)
		}
	}
	if got, want := m.Get("Subject"), "Hello Bcc: victim2@evil.example Injected body X-Also: no"; got != want {
		t.Errorf("Subject = %q, want %q (one line)", got, want)
	}
	to, err := mail.ParseAddress(m.Get("To"))
	if err != nil || to.Address != "alex@example.org" || strings.ContainsAny(to.Name, "\r\n") {
		t.Errorf("To = %q (%v)", m.Get("To"), err)
	}
	from, err := mail.ParseAddress(m.Get("From"))
	if err != nil || from.Address != "careers@psu.example.nhs.uk" {
		t.Errorf("From = %q (%v)", m.Get("From"), err)
	}
	if m.HTML == "" || len(m.Attachments) != 1 {
		t.Fatalf("parts lost: html %d bytes, %d attachments", len(m.HTML), len(m.Attachments))
	}
	if f := m.Attachments[0].Filename; strings.ContainsAny(f, "\r\n/\"<>") {
		t.Errorf("attachment name = %q", f)
	}
}

func TestValidateRejectsAddressesThatCouldBreakHeaders(t *testing.T) {
	t.Parallel()
	for _, email := range []string{
		"", "alex@example.org\r\nBcc: x@evil.example", "Alex <alex@example.org>", "alex@example.org, x@evil.example",
		"alex", "@example.org", "alex@", "alex @example.org", "\"a b\"@example.org", "alex@example.org>",
	} {
		m := testMessage()
		m.To[0].Email = email
		if err := m.Validate(); !errors.Is(err, cmail.ErrInvalidMessage) {
			t.Errorf("Validate with To %q = %v, want ErrInvalidMessage", email, err)
		}
		if err := m.Validate(); err != nil && email != "" && strings.Contains(err.Error(), email) {
			t.Errorf("Validate error quotes the address: %v", err)
		}
	}
	for _, bad := range []func(*cmail.Message){
		func(m *cmail.Message) { m.To = nil },
		func(m *cmail.Message) { m.Subject = " \r\n " },
		func(m *cmail.Message) { m.Text = "" },
		func(m *cmail.Message) { m.HTML = "" },
		func(m *cmail.Message) { m.MessageID = "a>\r\nBcc: x" },
		func(m *cmail.Message) { m.Attachments[0].Content = nil },
	} {
		m := testMessage()
		bad(&m)
		if err := m.Validate(); !errors.Is(err, cmail.ErrInvalidMessage) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidMessage", m, err)
		}
	}
	if err := testMessage().Validate(); err != nil {
		t.Errorf("a good message: %v", err)
	}
}

func TestHeaderText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Plain subject":                 "Plain subject",
		"  spaced \t out  ":             "spaced out",
		"a\r\nBcc: b":                   "a Bcc: b",
		"a\rb\nc\x00d\x1be":             "a b c d e",
		"line\u2028sep\u2029para\u0085": "line sep para",
		"Siân O'Brien & Co":             "Siân O'Brien & Co",
	} {
		if got := cmail.HeaderText(in, 100); got != want {
			t.Errorf("HeaderText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := cmail.HeaderText("abcdef", 3); got != "abc" {
		t.Errorf("HeaderText cut = %q", got)
	}
}

// A recipient the server refuses for good is a permanent failure, described
// without the address.
func TestSMTPPermanentRefusalIsPermanentAndSafe(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	srv.RejectRecipients(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<alex@example.org>: no such user"})
	err := mustSMTPSender(t, srv.URL(), testOrigin(false)).Send(context.Background(), testMessage())
	var se *cmail.SendError
	if !errors.As(err, &se) {
		t.Fatalf("Send = %v, want a *SendError", err)
	}
	if !se.Permanent || !cmail.IsPermanent(err) {
		t.Errorf("550 on RCPT TO is not permanent: %q", se.Summary)
	}
	if !strings.Contains(se.Error(), "550") || strings.Contains(se.Error(), "alex") || strings.Contains(se.Error(), "example.org") {
		t.Errorf("error text = %q: want the status code and no address", se.Error())
	}

	srv.RejectRecipients(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"})
	err = mustSMTPSender(t, srv.URL(), testOrigin(false)).Send(context.Background(), testMessage())
	if err == nil || cmail.IsPermanent(err) {
		t.Errorf("451 = %v, want a temporary failure", err)
	}
}

func TestSMTPServerDownIsTemporary(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	srv.Down()
	err := mustSMTPSender(t, srv.URL(), testOrigin(false)).Send(context.Background(), testMessage())
	if err == nil || cmail.IsPermanent(err) {
		t.Fatalf("Send to a stopped server = %v, want a temporary failure", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error = %q, want it to say the connection was refused", err)
	}
}

// The password is never offered over a connection without TLS.
func TestSMTPRefusesToSendAPasswordInTheClear(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.WithAuth("relay-user", "s3cret"))
	err := mustSMTPSender(t, srv.URL(), testOrigin(false)).Send(context.Background(), testMessage())
	if err == nil {
		t.Fatal("sent with AUTH PLAIN over a plain connection")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error quotes the password: %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPStartTLSRequired(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t) // offers no STARTTLS
	u := srv.URL()
	u.RawQuery = "starttls=required"
	err := mustSMTPSender(t, u, testOrigin(false)).Send(context.Background(), testMessage())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send = %v, want a refusal naming STARTTLS", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages without TLS", n)
	}
}

func TestNewSMTPSenderChecksTheURLWithoutQuotingIt(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"http://user:hunter2@mail.example:25",
		"smtp://user:hunter2@mail.example:99999",
		"smtp://user:hunter2@mail.example:587?starttls=maybe",
		"smtps://user:hunter2@mail.example:465?starttls=required",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cmail.NewSMTPSender(u, testOrigin(false))
		if err == nil {
			t.Errorf("NewSMTPSender(%s) accepted", raw)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error quotes the password: %v", err)
		}
	}
}

// In production mail never travels in plain text: an smtp:// server that
// does not offer STARTTLS is refused (go-mail's mandatory TLS policy), even
// though SMTP_URL does not say starttls=required. In development the same
// URL still sends to a plain local server.
func TestProductionRefusesAMailServerWithoutSTARTTLS(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t) // offers no STARTTLS
	load := func(env string) config.Config {
		vars := map[string]string{"ENV": env, "SMTP_URL": srv.URL().String(), "MAIL_FROM": "Careers support <careers@psu.example.nhs.uk>"}
		if env == "production" {
			vars["BASE_URL"] = "https://careers.example.nhs.uk"
			vars["DATABASE_URL"] = "postgres://careers_app@db.example.nhs.uk/careers?sslmode=verify-full"
			vars["SECRET_KEY"] = testdb.SecretKey
		}
		cfg, err := config.Load(func(k string) string { return vars[k] })
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		return cfg
	}

	sender, err := cmail.NewSender(load("production"), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = sender.Send(context.Background(), testMessage())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("production Send = %v, want a refusal naming STARTTLS", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server received %d messages in plain text", n)
	}

	sender, err = cmail.NewSender(load("development"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("development Send to a plain local server: %v", err)
	}
}
