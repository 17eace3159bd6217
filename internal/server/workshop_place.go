package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"careers/internal/auth"
	"careers/internal/policy"
	"careers/internal/store"
)

// workshopPlace works out whose registration a registrant's page is about,
// and that it is the asker's: either the token of their own emailed link
// (the "token" query parameter on a GET, the form field of the same name on
// a POST, so one link works without signing in) or, for a person signed in
// to the public pages, the registration under their email address for the
// workshop in the path ({slug}). Anyone else gets the not-found page, as
// for a workshop they have no place on, so a guess tells nothing. Each
// view is audited as the view of a confidential record. When ok is false
// the answer has been written.
func (s *Server) workshopPlace(w http.ResponseWriter, r *http.Request) (p store.WorkshopPlace, token string, ok bool) {
	ctx := r.Context()
	slug := chi.URLParam(r, "slug")
	token = r.URL.Query().Get("token")
	if r.Method == http.MethodPost {
		token = r.PostFormValue("token")
	}
	var err error
	if token != "" {
		p, err = s.store.WorkshopPlaceByToken(ctx, slug, auth.HashToken(token), s.now())
	} else if a := actorFrom(ctx); a.Kind == policy.Public {
		p, err = s.store.WorkshopPlaceByEmail(ctx, slug, a.Email)
	} else {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		_ = s.auditView(r, "view", "workshop_registration", "", store.OutcomeDenied)
		s.renderNotFound(w, r)
		return store.WorkshopPlace{}, "", false
	}
	if err != nil {
		s.serverError(w, r, err)
		return store.WorkshopPlace{}, "", false
	}
	if err := s.auditView(r, "view", "workshop_registration", strconv.FormatInt(p.RegistrationID, 10), store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return store.WorkshopPlace{}, "", false
	}
	return p, token, true
}
