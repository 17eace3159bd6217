package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"careers/internal/booking"
	"careers/internal/store"
	"careers/web"
)

// readClock reads "HH:MM" on the 24-hour clock (blank is not a time).
func readClock(v string) (h, m int, ok bool) {
	hh, mm, found := strings.Cut(v, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !found || err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// addTimeOff blocks a period: the free times inside it are removed, and the
// page that follows lists the booked sessions that fall in it.
func (s *Server) addTimeOff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form := map[string]string{"kind": "off"}
	for _, k := range []string{"off_from", "off_from_time", "off_until", "off_until_time", "off_note"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	var errs web.Errors
	from, err := booking.ParseDate(form["off_from"])
	if err != nil {
		errs.Add("off_from", "Enter the first day as year-month-day, like 2026-12-21")
	}
	until := from
	if form["off_until"] != "" {
		if until, err = booking.ParseDate(form["off_until"]); err != nil {
			errs.Add("off_until", "Enter the last day as year-month-day, like 2026-12-24, or leave it blank")
		}
	}
	fh, fm := 0, 0
	if form["off_from_time"] != "" {
		var ok bool
		if fh, fm, ok = readClock(form["off_from_time"]); !ok {
			errs.Add("off_from_time", "Enter the time on the 24-hour clock, like 09:00, or leave it blank")
		}
	}
	uh, um, untilTime := 0, 0, form["off_until_time"] != ""
	if untilTime {
		var ok bool
		if uh, um, ok = readClock(form["off_until_time"]); !ok {
			errs.Add("off_until_time", "Enter the time on the 24-hour clock, like 13:00, or leave it blank")
		}
	}
	if utf8.RuneCountInString(form["off_note"]) > 200 {
		errs.Add("off_note", "The note must be 200 characters or fewer")
	}
	var start, end time.Time
	if !errs.Any() {
		start = time.Date(from.Year, from.Month, from.Day, fh, fm, 0, 0, londonTZ)
		end = until.AddDays(1).Midnight()
		if untilTime {
			end = time.Date(until.Year, until.Month, until.Day, uh, um, 0, 0, londonTZ)
		}
		switch {
		case !end.After(start):
			errs.Add("off_until", "The end of your time off must be after its start")
		case !end.After(s.now()):
			errs.Add("off_until", "The end of your time off must be in the future")
		case end.Sub(start) > booking.MaxDays*24*time.Hour:
			errs.Add("off_until", "Time off can last at most a year: add a second one for longer")
		}
	}
	if errs.Any() {
		s.renderCalendarAdd(w, r, http.StatusUnprocessableEntity, errs, form)
		return
	}
	coach := actorFrom(ctx).StaffID
	id, removed, err := s.store.AddTimeOff(ctx, coach, start.UTC(), end.UTC(), form["off_note"], s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_ = s.auditView(r, "add_time_off", "coach_time_off", strconv.FormatInt(id, 10), store.OutcomeSuccess)
	s.flash(r, "Time off added: "+strconv.Itoa(removed)+" free time(s) inside it removed")
	http.Redirect(w, r, "/staff/calendar/time-off/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// timeOffPage shows one of the coach's time off and the booked sessions
// still to come inside it, each with a way to cancel it as the coach's
// cancellation; another coach's time off answers 404.
func (s *Server) timeOffPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	t, appts, err := s.store.CoachTimeOff(ctx, actorFrom(ctx).StaffID, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		s.hide(w, r, "coach_time_off", strconv.FormatInt(id, 10))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := web.TimeOffProps{ID: t.ID, Start: t.Start, End: t.End, Note: t.Note,
		Week: "/staff/calendar?from=" + booking.DateOf(t.Start).String()}
	for _, a := range appts {
		p.Sessions = append(p.Sessions, web.TimeOffSession{ID: a.ID, Start: a.Start, End: a.End, Reference: a.Reference,
			Trainee: a.TraineeName, Own: a.OwnClient})
	}
	s.render(w, r, http.StatusOK, web.TimeOffPage(s.layout(r, ""), p))
}

// deleteTimeOff removes one of the coach's time off; the free times it
// removed do not come back.
func (s *Server) deleteTimeOff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	err := s.store.DeleteTimeOff(ctx, actorFrom(ctx).StaffID, id)
	if errors.Is(err, store.ErrNotFound) {
		s.hide(w, r, "coach_time_off", strconv.FormatInt(id, 10))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_ = s.auditView(r, "remove_time_off", "coach_time_off", strconv.FormatInt(id, 10), store.OutcomeSuccess)
	s.flash(r, "Time off removed. The free times it removed do not come back: add them again if you need them")
	http.Redirect(w, r, "/staff/calendar", http.StatusSeeOther)
}
