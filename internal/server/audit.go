package server

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"careers/internal/policy"
	"careers/internal/store"
)

func requestID(r *http.Request) string { return middleware.GetReqID(r.Context()) }

// auditEntry fills in who, from where and when for an audit row.
func (s *Server) auditEntry(ctx context.Context, action, recordType, recordID, outcome string) store.AuditEntry {
	a := actorFrom(ctx)
	e := store.AuditEntry{
		At: s.now().UTC(), Action: action, RecordType: recordType, RecordID: recordID, Outcome: outcome,
		ClientIP: clientIPFrom(ctx), RequestID: middleware.GetReqID(ctx), ActorKind: "anonymous",
	}
	switch a.Kind {
	case policy.Staff:
		e.ActorKind, e.ActorID = "staff", a.StaffID
	case policy.Public:
		e.ActorKind, e.ActorEmail = "public", a.Email
	}
	return e
}

// audit writes a row in st, which is the transaction of the change it
// records (the change and its record commit together).
func (s *Server) audit(ctx context.Context, st *store.Store, action, recordType, recordID, outcome, detail string) error {
	e := s.auditEntry(ctx, action, recordType, recordID, outcome)
	e.Detail = detail
	return st.Audit(ctx, e)
}

// auditView records a view (or a refusal) outside any transaction. Callers
// showing a confidential record treat an error as a failure of the request:
// no view goes unrecorded.
func (s *Server) auditView(r *http.Request, action, recordType, recordID, outcome string) error {
	err := s.store.Audit(r.Context(), s.auditEntry(r.Context(), action, recordType, recordID, outcome))
	if err != nil {
		s.log.ErrorContext(r.Context(), "audit write failed", "request_id", requestID(r), "error", err.Error())
	}
	return err
}
