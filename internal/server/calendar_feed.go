package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/auth"
	"careers/internal/booking"
	"careers/internal/store"
	"careers/web"
)

// feedHistory is how far back the calendar feed goes.
const feedHistory = 90 * 24 * time.Hour

// feedTokenLen is the length of a feed token (32 bytes in unpadded base64url).
const feedTokenLen = 43

// feedPage shows whether the coach has a calendar subscription, and lets
// them make, replace or stop it.
func (s *Server) feedPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	made, err := s.store.CalendarFeedMade(ctx, actorFrom(ctx).StaffID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.FeedPage(s.layout(r, ""), web.FeedProps{Made: made}))
}

// makeFeed makes a new subscription address (replacing any old one, which
// stops working) and shows it once: only its HMAC is kept.
func (s *Server) makeFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	coach := actorFrom(ctx).StaffID
	token, hash := s.keys.NewFeedToken()
	now := s.now()
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		replaced, err := st.SetCalendarFeed(ctx, coach, hash, now)
		if err != nil {
			return err
		}
		action := "calendar_feed_create"
		if replaced {
			action = "calendar_feed_regenerate"
		}
		return s.audit(ctx, st, action, "staff_user", idOrEmpty(coach), store.OutcomeSuccess, "")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, web.FeedPage(s.layout(r, ""), web.FeedProps{Made: &now,
		URL: s.pageURL("/calendar-feed/" + token + ".ics")}))
}

// revokeFeed stops the coach's subscription: the address stops working.
func (s *Server) revokeFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	coach := actorFrom(ctx).StaffID
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		if err := st.RevokeCalendarFeed(ctx, coach); err != nil {
			return err
		}
		return s.audit(ctx, st, "calendar_feed_revoke", "staff_user", idOrEmpty(coach), store.OutcomeSuccess, "")
	})
	switch {
	case err == nil:
		s.flash(r, "Subscription stopped: the address no longer works")
	case errors.Is(err, store.ErrNotFound):
		s.flash(r, "You have no subscription address")
	default:
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/calendar/feed", http.StatusSeeOther)
}

// calendarFeed is a coach's calendar subscription: public, but only for
// the secret token in its address (404 for any other). Sessions show the
// trainee's initials and the referral's reference, never a name or reason.
// The request log names the route pattern, never the path, so the token
// is not logged.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.overPublicCeiling(w, r, "calendar-feed", auth.FeedCeiling) {
		return
	}
	token := chi.URLParam(r, "token")
	if len(token) != feedTokenLen {
		s.renderNotFound(w, r)
		return
	}
	hash := s.keys.FeedTokenHash(token)
	stored, events, err := s.store.CalendarFeed(ctx, hash, s.now().Add(-feedHistory))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !s.keys.FeedTokenMatches(token, stored) {
		s.renderNotFound(w, r)
		return
	}
	host := s.cfg.BaseURL.Hostname()
	out := make([]booking.FeedEvent, 0, len(events))
	for _, e := range events {
		fe := booking.FeedEvent{Start: e.Start, End: e.End, Stamp: e.Updated, Sequence: e.Sequence}
		if e.TimeOff {
			fe.UID, fe.Summary = booking.TimeOffUID(e.ID, host), "Not available (time off)"
		} else {
			fe.UID = booking.AppointmentUID(e.ID, host)
			fe.Summary = "Careers session: " + booking.Initials(e.TraineeName) + " (" + e.Reference + "), " + web.ModeLabel(e.Mode)
			if !e.OwnClient {
				fe.Summary = "Careers session (a trainee now with another coach)"
			}
		}
		out = append(out, fe)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="careers-sessions.ics"`)
	_, _ = w.Write(booking.Feed("Careers support sessions", out))
}
