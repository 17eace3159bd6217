package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"careers/internal/jobs"
	"careers/internal/store"
	"careers/web"
)

// messagesList shows coordinators the messages that have not been delivered
// yet (still retrying, or failed), so nothing is lost silently.
func (s *Server) messagesList(w http.ResponseWriter, r *http.Request) {
	ns, err := s.store.UndeliveredNotifications(r.Context(), 200)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := web.MessagesProps{}
	for _, n := range ns {
		to := make([]string, len(n.To))
		for i, rc := range n.To {
			to[i] = strings.TrimSpace(rc.Name + " <" + rc.Email + ">")
		}
		p.Messages = append(p.Messages, web.UndeliveredMessage{ID: n.ID, Kind: n.Kind, To: strings.Join(to, ", "), Subject: n.Subject,
			Status: n.Status, Attempts: n.Attempts, LastError: n.LastError, CreatedAt: n.CreatedAt, Reference: n.ReferralReference})
	}
	if err := s.auditView(r, "view", "undelivered_messages", "", store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.MessagesPage(s.layout(r, ""), p))
}

// messageRetry puts a failed message back on the queue.
func (s *Server) messageRetry(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.renderNotFound(w, r)
		return
	}
	err = s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		if err := jobs.Retry(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, st, "retry", "notification", strconv.FormatInt(id, 10), store.OutcomeSuccess, "")
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.renderNotFound(w, r)
		return
	case errors.Is(err, store.ErrConflict):
		s.flash(r, "That message is already being sent")
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		s.flash(r, "The message will be sent again")
	}
	http.Redirect(w, r, "/staff/messages", http.StatusSeeOther)
}
