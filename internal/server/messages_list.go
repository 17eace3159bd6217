package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/jobs"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

// messagesList shows coordinators the messages that have not been delivered
// yet (waiting, retrying, stuck or interrupted by a crash, or failed), so
// nothing is lost silently.
func (s *Server) messagesList(w http.ResponseWriter, r *http.Request) {
	ns, err := s.store.UndeliveredNotifications(r.Context(), 200)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := web.MessagesProps{}
	now := time.Now()
	// What the reader's role may see of a referral (the audience table):
	// a message about a referral whose content they may not read (a
	// trainee's summary going to their Case Manager) is listed, so it can
	// be sent again, without saying what it is.
	au := policy.AudienceOf(actorFrom(r.Context()), policy.ReferralOwners{})
	for _, n := range ns {
		to := make([]string, len(n.To))
		for i, rc := range n.To {
			to[i] = strings.TrimSpace(rc.Name + " <" + rc.Email + ">")
		}
		kind, subject := n.Kind, n.Subject
		if n.ReferralReference != "" && !au.SeesEmail(n.Kind) {
			kind, subject = "referral_message", "A message about this referral that your role does not see"
		}
		m := web.UndeliveredMessage{ID: n.ID, Kind: kind, To: strings.Join(to, ", "), Subject: subject,
			Status: n.Status, Attempts: n.Attempts, LastError: n.LastError, CreatedAt: n.CreatedAt, Reference: n.ReferralReference}
		m.State, m.StartedAt, m.RetryBy = deliveryState(n, now)
		p.Messages = append(p.Messages, m)
	}
	if err := s.auditView(r, "view", "undelivered_messages", "", store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.MessagesPage(s.layout(r, ""), p))
}

// stuckAfter is how long past its start a delivery attempt still running is
// shown as stuck: its timeout has cancelled it by then (River notices a
// few seconds later), so a worker still "running" it has died.
const stuckAfter = jobs.DeliveryTimeout + 15*time.Second

// rescueSlack covers River's rescuer running every 30 seconds and the
// first retry's backoff after a rescue.
const rescueSlack = time.Minute

// deliveryState says how the delivery of n stands at now, from the
// notification and its latest River job; for a stuck one also when the
// attempt started and by when River's rescuer will have queued it again.
func deliveryState(n store.UndeliveredNotification, now time.Time) (state string, startedAt, retryBy time.Time) {
	switch {
	case n.Status == store.NotificationFailed:
		return web.MessageFailed, time.Time{}, time.Time{}
	case n.JobState == "running" && n.JobAttemptedAt != nil && now.Sub(*n.JobAttemptedAt) > stuckAfter:
		return web.MessageStuck, *n.JobAttemptedAt, n.JobAttemptedAt.Add(jobs.RescueStuckJobsAfter + rescueSlack)
	case n.JobState == "" || n.JobState == "discarded" || n.JobState == "cancelled" || n.JobState == "completed":
		// Queued, but no job will deliver it.
		return web.MessageStopped, time.Time{}, time.Time{}
	case n.JobRescued:
		return web.MessageInterrupted, time.Time{}, time.Time{}
	case n.Attempts > 0:
		return web.MessageRetrying, time.Time{}, time.Time{}
	}
	return web.MessageWaiting, time.Time{}, time.Time{}
}

// messageRetry puts a failed message back on the queue, or one that no
// delivery job will send any more.
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
