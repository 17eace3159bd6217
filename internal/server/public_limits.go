package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"careers/internal/auth"
	"careers/internal/jobs"
	"careers/internal/store"
	"careers/internal/telemetry"
	"careers/web"
)

// overPublicCeiling counts a use of a public form by this client address and
// answers 429, with a page in the public forms' own words, past the ceiling.
// The ceiling is high (auth.LinkFormCeiling, auth.ReferralFormCeiling):
// many people share one address, so the limits that matter key on the
// person (the recipient's address, the draft).
func (s *Server) overPublicCeiling(w http.ResponseWriter, r *http.Request, form string, limit int) bool {
	n, err := s.store.CountHit(r.Context(), auth.PublicFormKey(form, clientIPFrom(r.Context())), auth.PublicFormWindow, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return true
	}
	if n <= limit {
		return false
	}
	s.publicTooMany(w, r, form, auth.PublicFormWindow)
	return true
}

// overDraftLimit counts a page posted for one referral draft (by its token)
// and answers 429 past auth.ReferralDraftLimit.
func (s *Server) overDraftLimit(w http.ResponseWriter, r *http.Request, token string) bool {
	if token == "" {
		return false
	}
	n, err := s.store.CountHit(r.Context(), auth.DraftKey(auth.HashToken(token)), auth.PublicFormWindow, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return true
	}
	if n <= auth.ReferralDraftLimit {
		return false
	}
	s.publicTooMany(w, r, "refer", auth.PublicFormWindow)
	return true
}

func (s *Server) publicTooMany(w http.ResponseWriter, r *http.Request, form string, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
	s.metrics.Throttled(telemetry.ThrottlePublic)
	s.log.WarnContext(r.Context(), "public form rate limit", "request_id", requestID(r), "form", form)
	s.render(w, r, http.StatusTooManyRequests, web.PublicTooManyPage(s.layout(r, ""), int(wait/time.Minute)))
}

// requestLink records a request for an emailed link and queues the work it
// leads to, with the audit row, in one transaction. It does exactly the same
// for every address: whether the address is known, and whether its
// recipient has had too many emails lately, is decided in the job, so the
// answer cannot tell them apart by its time or its content.
func (s *Server) requestLink(ctx context.Context, purpose, email, action string) error {
	return s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		e := s.auditEntry(ctx, action, "public", "", store.OutcomeSuccess)
		e.ActorEmail = email
		if err := st.Audit(ctx, e); err != nil {
			return err
		}
		return jobs.RequestLink(ctx, tx, store.LinkRequest{Purpose: purpose, Email: email, RequestedAt: s.now(),
			ClientIP: e.ClientIP, RequestID: e.RequestID})
	})
}

// mayEmail takes one email to address from its recipient's allowance, for
// mail that a public form sends at once (a referral's receipts and its
// confirmation request). Past the allowance the mail is not sent.
func (s *Server) mayEmail(ctx context.Context, st *store.Store, email string) (bool, error) {
	ok, err := st.TakeMailAllowance(ctx, auth.MailRecipientKey(email), auth.MailPerRecipient, auth.MailWindow, s.now())
	if err == nil && !ok {
		s.log.WarnContext(ctx, "email not sent: the recipient has had the most emails allowed this hour", "request_id", middleware.GetReqID(ctx))
	}
	return ok, err
}
