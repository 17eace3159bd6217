package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/booking"
	"careers/internal/store"
	"careers/web"
)

// patternSummary describes a pattern in a line, such as "Tuesdays and
// Thursdays: 2 sessions of 60 minutes from 14:00, video call".
func patternSummary(p store.NewPattern) string {
	var days []string
	for _, wd := range weekdays { // Monday first
		for _, d := range p.Weekdays {
			if int16(wd) == d {
				days = append(days, wd.String()+"s")
			}
		}
	}
	list := strings.Join(days, ", ")
	if n := len(days); n > 1 {
		list = strings.Join(days[:n-1], ", ") + " and " + days[n-1]
	}
	sessions := "1 session"
	if p.PerDay > 1 {
		sessions = strconv.Itoa(p.PerDay) + " sessions"
	}
	return list + ": " + sessions + " of " + strconv.Itoa(p.LengthMinutes) + " minutes from " + p.Start + ", " + web.ModeLabel(p.Mode)
}

func patternItem(p store.Pattern) web.PatternItem {
	return web.PatternItem{ID: p.ID, Summary: patternSummary(p.NewPattern), From: p.From, Until: p.Until,
		FreeToCome: p.FreeToCome, BookedToCome: p.BookedToCome}
}

// today is the London date now, as the database's date columns take it.
func (s *Server) londonToday() time.Time { return dateUTC(booking.DateOf(s.now())) }

// patternsPage lists the coach's weekly patterns that have not ended.
func (s *Server) patternsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ps, err := s.store.CoachPatterns(ctx, actorFrom(ctx).StaffID, s.now(), s.londonToday())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var p web.PatternsProps
	for _, it := range ps {
		p.Patterns = append(p.Patterns, patternItem(it))
	}
	s.render(w, r, http.StatusOK, web.PatternsPage(s.layout(r, ""), p))
}

// coachPattern loads the pattern in the URL; another coach's answers 404.
func (s *Server) coachPattern(w http.ResponseWriter, r *http.Request) (store.Pattern, bool) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	p, err := s.store.CoachPattern(ctx, actorFrom(ctx).StaffID, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		s.hide(w, r, "availability_pattern", strconv.FormatInt(id, 10))
		return p, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return p, false
	}
	return p, true
}

// patternForm is a stored pattern's values as the change form shows them.
func patternForm(p store.Pattern) map[string]string {
	var days []string
	for _, d := range p.Weekdays {
		days = append(days, strconv.Itoa(int(d)))
	}
	return map[string]string{"until": p.Until.Format(time.DateOnly), "weekdays": strings.Join(days, ","), "start": p.Start,
		"length": strconv.Itoa(p.LengthMinutes), "count": strconv.Itoa(p.PerDay), "mode": p.Mode, "place": p.Place}
}

func (s *Server) patternPage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.coachPattern(w, r)
	if !ok {
		return
	}
	s.renderPattern(w, r, http.StatusOK, p, patternForm(p), nil)
}

func (s *Server) renderPattern(w http.ResponseWriter, r *http.Request, status int, p store.Pattern, form map[string]string, errs web.Errors) {
	s.render(w, r, status, web.PatternPage(s.layout(r, ""), web.PatternProps{Item: patternItem(p), Form: form, Errors: errs,
		Weekdays: weekdayOptions(form["weekdays"]), Modes: modeOptionsFor(form["mode"])}))
}

// readFromDate reads a date on or after today from the form field k.
func (s *Server) readFromDate(r *http.Request, k string, errs *web.Errors) booking.Date {
	d, err := booking.ParseDate(strings.TrimSpace(r.PostFormValue(k)))
	switch {
	case err != nil:
		errs.Add(k, "Enter the date as year-month-day, like 2027-01-04")
	case d.Compare(booking.DateOf(s.now())) < 0:
		errs.Add(k, "Enter today or a later date: past times do not change")
	}
	return d
}

// changePattern changes a pattern from a date onward: the pattern ends the
// day before, its free times from then are removed, and a new pattern with
// the form's values starts on the date. Booked times stay.
func (s *Server) changePattern(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	old, ok := s.coachPattern(w, r)
	if !ok {
		return
	}
	var errs web.Errors
	from := s.readFromDate(r, "change_from", &errs)
	np, form, perrs := readPattern(r, from.String())
	form["change_from"] = strings.TrimSpace(r.PostFormValue("change_from"))
	for _, e := range perrs {
		if e.Field == "from" {
			continue // said already, under change_from
		}
		errs = append(errs, e)
	}
	if errs.Any() {
		s.renderPattern(w, r, http.StatusUnprocessableEntity, old, form, errs)
		return
	}
	coach := actorFrom(ctx).StaffID
	slots := s.futureSlots(np.Slots())
	var removed, added int
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		var err error
		if removed, err = st.EndPattern(ctx, coach, old.ID, from.Midnight(), dateUTC(from.AddDays(-1)), s.now()); err != nil {
			return err
		}
		_, added, err = st.AddPattern(ctx, coach, storedPattern(np), slots)
		return err
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_ = s.auditView(r, "change_pattern", "availability_pattern", strconv.FormatInt(old.ID, 10), store.OutcomeSuccess)
	s.flash(r, "Pattern changed from "+from.Midnight().In(londonTZ).Format("2 January 2006")+": "+strconv.Itoa(removed)+
		" free time(s) removed and "+strconv.Itoa(added)+" added")
	http.Redirect(w, r, "/staff/calendar/patterns", http.StatusSeeOther)
}

// endPattern ends a pattern before a date: its free times from then are
// removed; booked ones stay.
func (s *Server) endPattern(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, ok := s.coachPattern(w, r)
	if !ok {
		return
	}
	var errs web.Errors
	from := s.readFromDate(r, "end_from", &errs)
	if errs.Any() {
		form := patternForm(p)
		form["end_from"] = strings.TrimSpace(r.PostFormValue("end_from"))
		s.renderPattern(w, r, http.StatusUnprocessableEntity, p, form, errs)
		return
	}
	removed, err := s.store.EndPattern(ctx, actorFrom(ctx).StaffID, p.ID, from.Midnight(), dateUTC(from.AddDays(-1)), s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_ = s.auditView(r, "end_pattern", "availability_pattern", strconv.FormatInt(p.ID, 10), store.OutcomeSuccess)
	s.flash(r, "Pattern ended: "+strconv.Itoa(removed)+" free time(s) removed. Booked times stay")
	http.Redirect(w, r, "/staff/calendar/patterns", http.StatusSeeOther)
}

// removePatternFree removes a pattern's free times still to come.
func (s *Server) removePatternFree(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, ok := s.coachPattern(w, r)
	if !ok {
		return
	}
	removed, err := s.store.RemovePatternFreeTimes(ctx, actorFrom(ctx).StaffID, p.ID, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_ = s.auditView(r, "remove_pattern_times", "availability_pattern", strconv.FormatInt(p.ID, 10), store.OutcomeSuccess)
	s.flash(r, strconv.Itoa(removed)+" free time(s) removed. Booked times stay")
	http.Redirect(w, r, "/staff/calendar/patterns/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}
