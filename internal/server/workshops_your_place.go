package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"careers/internal/booking"
	"careers/internal/jobs"
	"careers/internal/store"
	"careers/internal/workshops"
	"careers/web"
)

// The registrant's own place (ws-core): every handler starts from
// s.workshopPlace, which admits only the person whose registration it is
// (their emailed link's token, or their signed-in email) and audits the view.

// placeURL is the place page again, with the token when it was opened by one.
func placeURL(slug, token string) string {
	u := "/workshops/" + slug + "/your-place"
	if token != "" {
		u += "?token=" + url.QueryEscape(token)
	}
	return u
}

// workshopYourPlace is GET /workshops/{slug}/your-place.
func (s *Server) workshopYourPlace(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.workshopPlace(w, r)
	if !ok {
		return
	}
	props, err := s.placeProps(r, p, token)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.WorkshopPlacePage(s.layout(r, ""), props))
}

func (s *Server) placeProps(r *http.Request, p store.WorkshopPlace, token string) (web.WorkshopPlaceProps, error) {
	ctx := r.Context()
	ws, err := s.store.WorkshopByID(ctx, p.WorkshopID)
	if err != nil {
		return web.WorkshopPlaceProps{}, err
	}
	reg, err := s.store.WorkshopRegistrationByID(ctx, p.RegistrationID)
	if err != nil {
		return web.WorkshopPlaceProps{}, err
	}
	now := s.now()
	base := "/workshops/" + ws.Slug + "/your-place"
	q := ""
	if token != "" {
		q = "?token=" + url.QueryEscape(token)
	}
	out := web.WorkshopPlaceProps{W: s.workshopCard(ws), Name: reg.Name, Status: reg.Status, Label: workshops.StatusLabel(reg.Status),
		Token: token, Base: base, Calendar: base + "/calendar.ics" + q,
		CanCancel: ws.Status == workshops.WorkshopScheduled && workshops.CanCancel(reg.Status, now, ws.StartsAt)}
	cancelled := ws.Status == workshops.WorkshopCancelled
	switch {
	case cancelled:
		out.Lines = append(out.Lines, out.W.StateText)
	case reg.Status == workshops.Placed:
		if ws.Mode == workshops.ModeInPerson {
			out.Venue = ws.Venue
		} else if link, err := booking.CheckVideoLink(ws.JoiningLink); err == nil && ws.JoiningLink != "" {
			out.JoinLink = link
		} else {
			out.Lines = append(out.Lines, "We will email you the joining link before the start.")
		}
	case reg.Status == workshops.Waiting:
		pos, err := s.store.WaitingPosition(ctx, reg.ID)
		if err != nil {
			return out, err
		}
		out.Label += ": number " + strconv.Itoa(pos)
		out.Lines = append(out.Lines, "If a place becomes free we email you an offer, which you need to accept within a time limit. The joining details are given only to people with a place.")
	case reg.Status == workshops.Offered && reg.OfferExpiresAt != nil && now.Before(*reg.OfferExpiresAt):
		out.Offer = workshops.At(*reg.OfferExpiresAt)
	case reg.Status == workshops.Offered:
		out.Lines = append(out.Lines, "The offer of a place has run out, so it is going to the next person waiting.")
	case reg.Status == workshops.Unconfirmed:
		out.Lines = append(out.Lines, "Confirm your email with the link we sent you to take a place.")
	case reg.Status == workshops.Cancelled || reg.Status == workshops.Declined || reg.Status == workshops.Lapsed:
		if ws.RegistrationState(now) == "open" {
			out.Lines = append(out.Lines, "You can register again while registration is open.")
		}
	}
	if !cancelled && reg.Status == workshops.Placed {
		if checkInOpenAt(ws.StartsAt, ws.EndsAt, now) && reg.Attendance == "" {
			out.CheckIn = true
		}
		if !now.Before(ws.EndsAt) && reg.Attendance == "attended" {
			out.AfterLinks = []web.NavItem{{Href: base + "/feedback" + q, Text: "Tell us what you thought of the workshop"},
				{Href: base + "/certificate" + q, Text: "Download your certificate of attendance"}}
		}
	}
	return out, nil
}

// placeChange runs one change to the registrant's place in a transaction,
// then goes back to the place page with a message, or re-shows it with the
// problem when the change cannot happen now.
func (s *Server) placeChange(w http.ResponseWriter, r *http.Request, action string, change func(st *store.Store, tx pgxTx, p store.WorkshopPlace, now time.Time) (string, error)) {
	p, token, ok := s.workshopPlace(w, r)
	if !ok {
		return
	}
	var msg string
	err := s.store.InTx(r.Context(), func(st *store.Store, tx pgxTx) error {
		var err error
		if msg, err = change(st, tx, p, s.now()); err != nil {
			return err
		}
		return s.audit(r.Context(), st, action, "workshop_registration", strconv.FormatInt(p.RegistrationID, 10), store.OutcomeSuccess, "")
	})
	if errors.Is(err, store.ErrConflict) {
		props, err := s.placeProps(r, p, token)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		props.Errors.Add("status", "This cannot be done now: your place has changed or the workshop has started. Your place as it stands is shown below.")
		s.render(w, r, http.StatusConflict, web.WorkshopPlacePage(s.layout(r, ""), props))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, msg)
	http.Redirect(w, r, placeURL(p.Slug, token), http.StatusSeeOther)
}

// workshopCancelPlace is POST /workshops/{slug}/your-place/cancel: the
// registrant gives up their place, waiting-list entry, offer or unconfirmed
// registration, any time before the start; a freed place is offered on.
func (s *Server) workshopCancelPlace(w http.ResponseWriter, r *http.Request) {
	m := s.workshopMailer()
	s.placeChange(w, r, "workshop_cancel", func(st *store.Store, tx pgxTx, p store.WorkshopPlace, now time.Time) (string, error) {
		freed, was, err := st.CancelWorkshopRegistration(r.Context(), p.RegistrationID, now)
		if err != nil {
			return "", err
		}
		if was != workshops.Unconfirmed {
			if err := m.SendWorkshopEmail(r.Context(), tx, p.RegistrationID, jobs.WorkshopCancelledEmail, now, ""); err != nil {
				return "", err
			}
		}
		if freed {
			if _, err := m.OfferFreedPlaces(r.Context(), tx, p.WorkshopID, now); err != nil {
				return "", err
			}
		}
		if was == workshops.Waiting {
			return "You have left the waiting list", nil
		}
		return "Your registration is cancelled", nil
	})
}

// workshopAcceptOffer is POST /workshops/{slug}/your-place/accept.
func (s *Server) workshopAcceptOffer(w http.ResponseWriter, r *http.Request) {
	m := s.workshopMailer()
	s.placeChange(w, r, "workshop_accept", func(st *store.Store, tx pgxTx, p store.WorkshopPlace, now time.Time) (string, error) {
		if err := st.AcceptWorkshopOffer(r.Context(), p.RegistrationID, now); err != nil {
			return "", err
		}
		if err := m.SendWorkshopEmail(r.Context(), tx, p.RegistrationID, jobs.WorkshopPlacedEmail, now, ""); err != nil {
			return "", err
		}
		return "You have a place. We have emailed you the details with a calendar invitation", nil
	})
}

// workshopDeclineOffer is POST /workshops/{slug}/your-place/decline: the
// place goes to the next person waiting.
func (s *Server) workshopDeclineOffer(w http.ResponseWriter, r *http.Request) {
	m := s.workshopMailer()
	s.placeChange(w, r, "workshop_decline", func(st *store.Store, tx pgxTx, p store.WorkshopPlace, now time.Time) (string, error) {
		if err := st.DeclineWorkshopOffer(r.Context(), p.RegistrationID, now); err != nil {
			return "", err
		}
		if err := m.SendWorkshopEmail(r.Context(), tx, p.RegistrationID, jobs.WorkshopDeclinedEmail, now, ""); err != nil {
			return "", err
		}
		if _, err := m.OfferFreedPlaces(r.Context(), tx, p.WorkshopID, now); err != nil {
			return "", err
		}
		return "You have declined the place. Thank you for letting us know", nil
	})
}

// workshopCalendar is GET /workshops/{slug}/your-place/calendar.ics: the
// event to add to one's own calendar, with the joining link only for a
// person with a place.
func (s *Server) workshopCalendar(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.workshopPlace(w, r)
	if !ok {
		return
	}
	ws, err := s.store.WorkshopByID(r.Context(), p.WorkshopID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	reg, err := s.store.WorkshopRegistrationByID(r.Context(), p.RegistrationID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	m := s.workshopMailer()
	method := booking.MethodPublish
	if reg.Status == workshops.Placed {
		method = booking.MethodRequest
	}
	inv := m.WorkshopInvite(ws, reg, method, s.now())
	inv.Method = booking.MethodPublish
	if ws.Status == workshops.WorkshopCancelled || !workshops.HoldsPlace(reg.Status) && reg.Status != workshops.Waiting && reg.Status != workshops.Unconfirmed {
		inv.Status = booking.StatusCancelled
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="workshop.ics"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(inv.ICS())
}
