package server

import (
	"errors"
	"net/http"
	"net/url"

	"careers/internal/store"
)

// openNextReferral is where "accept and open the next" goes once the
// referral is accepted (the e-RS worklist habit): the referral after it in
// the list the coordinator came from, in that list's order. The list's
// filters come with the form (the queue's row link carried them to the
// referral page: they are not personal); its search stays in the session,
// never in a URL. After the last one, back to that list.
func (s *Server) openNextReferral(w http.ResponseWriter, r *http.Request, id int64, reference, done string) {
	f := postedQueueList(r)
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
		http.Redirect(w, r, f.referralHref(next), http.StatusSeeOther)
	}
}

// postedQueueList reads the list a referral page was opened from, as its
// accept form carries it ("list", a query string of filters).
func postedQueueList(r *http.Request) queueFilters {
	v, _ := url.ParseQuery(r.PostFormValue("list"))
	return readQueueFilters(v)
}

// queueListOf is the list a referral page was opened from, as its URL
// carries it, for the page's accept form.
func queueListOf(r *http.Request) string {
	return readQueueFilters(r.URL.Query()).values().Encode()
}
