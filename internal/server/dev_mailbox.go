package server

import (
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"careers/internal/store"
	"careers/web"
)

// The development mailbox shows what the service would have sent, when it
// runs in development with no SMTP server. It is not routed otherwise.

func (s *Server) mailboxList(w http.ResponseWriter, r *http.Request) {
	msgs, err := s.store.MailboxMessages(r.Context(), 200)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	items := make([]web.MailboxListItem, len(msgs))
	for i, m := range msgs {
		items[i] = web.MailboxListItem{ID: m.ID, To: m.To, Subject: m.Subject, At: m.CreatedAt, Attachments: m.Attachments}
	}
	s.render(w, r, http.StatusOK, web.MailboxListPage(s.layout(r, ""), web.MailboxListProps{Messages: items}))
}

// mailboxMessageFor loads the message named in the URL (404 if none).
func (s *Server) mailboxMessageFor(w http.ResponseWriter, r *http.Request) (store.MailboxMessage, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.renderNotFound(w, r)
		return store.MailboxMessage{}, false
	}
	m, err := s.store.MailboxMessage(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.renderNotFound(w, r)
		return m, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return m, false
	}
	return m, true
}

func (s *Server) mailboxMessage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.mailboxMessageFor(w, r)
	if !ok {
		return
	}
	p := web.MailboxMessageProps{ID: m.ID, From: m.From, ReplyTo: m.ReplyTo, To: m.To, Subject: m.Subject,
		MessageID: m.MessageID, At: m.CreatedAt, Text: m.Text, HTML: m.HTML, HTMLFrame: true, RawLink: true}
	for _, a := range m.Attachments {
		p.Attachments = append(p.Attachments, web.MailboxAttachmentLink{Position: a.Position, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
	}
	s.render(w, r, http.StatusOK, web.MailboxMessagePage(s.layout(r, ""), p))
}

// mailboxHTML serves a message's HTML part for the page's iframe: sandboxed
// (no scripts, no forms, its own origin), with the inline styles mail needs,
// and frameable by this site only.
func (s *Server) mailboxHTML(w http.ResponseWriter, r *http.Request) {
	m, ok := s.mailboxMessageFor(w, r)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(m.HTML))
}

func (s *Server) mailboxRaw(w http.ResponseWriter, r *http.Request) {
	m, ok := s.mailboxMessageFor(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "message-" + strconv.FormatInt(m.ID, 10) + ".eml"}))
	_, _ = w.Write(m.Raw)
}

func (s *Server) mailboxAttachment(w http.ResponseWriter, r *http.Request) {
	id, err1 := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	n, err2 := strconv.Atoi(chi.URLParam(r, "n"))
	if err1 != nil || err2 != nil {
		s.renderNotFound(w, r)
		return
	}
	a, err := s.store.MailboxAttachment(r.Context(), id, n)
	if errors.Is(err, store.ErrNotFound) {
		s.renderNotFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	serveDownload(w, a.Filename, a.ContentType, a.Content)
}

// serveDownload sends a stored file as an attachment, never shown inline,
// under a name that cannot be read as a path.
func serveDownload(w http.ResponseWriter, filename, contentType string, content []byte) {
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": filename})
	if cd == "" {
		cd = "attachment"
	}
	w.Header().Set("Content-Disposition", cd)
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	_, _ = w.Write(content)
}
