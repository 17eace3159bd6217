package server

import (
	"errors"
	"net/http"

	"careers/internal/store"
)

// openNextReferral is where "accept and open the next" goes once the
// referral is accepted (the e-RS worklist habit): the referral after it in
// the list the coordinator last viewed in the queue, in that list's order,
// with its filters and search, both kept in the session (neither travels
// in a URL). After the last one, back to that list.
func (s *Server) openNextReferral(w http.ResponseWriter, r *http.Request, id int64, reference, done string) {
	f := s.rememberedQueueFilters(r)
	q := f.query(s.sessions.GetString(r.Context(), sessQueueSearch), s.now())
	next, err := s.store.QueueNext(r.Context(), q, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.flash(r, done+". That was the last referral in your list")
		http.Redirect(w, r, f.url("", nil), http.StatusSeeOther)
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.flash(r, "Referral "+reference+" accepted. This is the next referral in your list")
		http.Redirect(w, r, "/staff/referrals/"+next, http.StatusSeeOther)
	}
}
