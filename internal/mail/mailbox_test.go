package mail_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	cmail "careers/internal/mail"
	"careers/internal/mail/mailtest"
	"careers/internal/store"
	"careers/internal/testdb"
)

// The development mailbox keeps a message so that it reads back with its
// headers, both parts, its attachments and the raw MIME a server would get.
func TestMailboxSenderStoresAMessageThatReadsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.NewPool(t))
	sender, err := cmail.NewMailboxSender(st, testOrigin(true))
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage()
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0, 1, 2, 255}, 300)...)
	msg.Attachments = append(msg.Attachments, cmail.Attachment{Filename: "Form C.pdf", ContentType: "application/pdf", Content: pdf})
	if err := sender.Send(ctx, msg); err != nil {
		t.Fatalf("Send: %v", err)
	}

	list, err := st.MailboxMessages(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Subject != msg.Subject || list[0].Attachments != 2 || list[0].To != "Alex Trainee <alex@example.org>" {
		t.Fatalf("list = %+v", list)
	}
	got, err := st.MailboxMessage(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.From != "Careers support <careers@psu.example.nhs.uk>" || got.ReplyTo != "PSU team <psu-team@psu.example.nhs.uk>" ||
		got.To != "Alex Trainee <alex@example.org>" || got.Subject != msg.Subject ||
		got.MessageID != msg.MessageID+"@psu.example.nhs.uk" {
		t.Errorf("headers = from %q reply-to %q to %q subject %q id %q", got.From, got.ReplyTo, got.To, got.Subject, got.MessageID)
	}
	if got.Text != msg.Text || got.HTML != msg.HTML {
		t.Errorf("parts = %q / %q", got.Text, got.HTML)
	}
	if len(got.Attachments) != 2 {
		t.Fatalf("attachments = %+v", got.Attachments)
	}
	if a := got.Attachments[1]; a.Position != 1 || a.Filename != "Form C.pdf" || a.ContentType != "application/pdf" || a.Size != len(pdf) || len(a.Content) != 0 {
		t.Errorf("attachment listing = %+v (content is loaded only on download)", a)
	}
	a, err := st.MailboxAttachment(ctx, got.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Content, pdf) {
		t.Errorf("attachment content differs: %d bytes, want %d", len(a.Content), len(pdf))
	}

	raw, err := mailtest.Parse(got.Raw)
	if err != nil {
		t.Fatalf("raw message does not parse: %v", err)
	}
	if raw.Text != msg.Text || raw.HTML != msg.HTML || len(raw.Attachments) != 2 || !bytes.Equal(raw.Attachments[1].Content, pdf) {
		t.Errorf("raw message parts differ: text %q, %d attachments", raw.Text, len(raw.Attachments))
	}
	if raw.Get("Message-Id") != "<"+got.MessageID+">" || raw.Get("Reply-To") == "" {
		t.Errorf("raw headers: Message-ID %q, Reply-To %q", raw.Get("Message-Id"), raw.Get("Reply-To"))
	}

	if _, err := st.MailboxMessage(ctx, got.ID+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing message: %v, want ErrNotFound", err)
	}
	if _, err := st.MailboxAttachment(ctx, got.ID, 7); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing attachment: %v, want ErrNotFound", err)
	}
}

func TestMailboxSenderRefusesAnInvalidMessage(t *testing.T) {
	t.Parallel()
	st := store.New(testdb.NewPool(t))
	sender, err := cmail.NewMailboxSender(st, testOrigin(false))
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage()
	msg.To[0].Email = "not an address"
	if err := sender.Send(context.Background(), msg); err == nil || !cmail.IsPermanent(err) {
		t.Errorf("Send(invalid) = %v, want a permanent failure", err)
	}
	if list, _ := st.MailboxMessages(context.Background(), 10); len(list) != 0 {
		t.Errorf("stored %d messages", len(list))
	}
}
