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

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func modeOptionsFor(checked string) []web.Option {
	var out []web.Option
	for _, m := range coachModes {
		out = append(out, web.Option{Value: m.value, Label: m.label, Checked: m.value == checked})
	}
	return out
}

// calendarRange works out the period shown: the week (Monday to Monday,
// London) or the month holding the date in ?from=.
func (s *Server) calendarRange(r *http.Request) (from, to time.Time, month bool) {
	month = r.URL.Query().Get("view") == "month"
	at := s.now()
	if d, err := booking.ParseDate(r.URL.Query().Get("from")); err == nil {
		at = d.Midnight().Add(12 * time.Hour)
	}
	if month {
		l := at.In(londonTZ)
		from = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, londonTZ)
		return from, from.AddDate(0, 1, 0), true
	}
	from, to = booking.Week(at)
	return from, to, false
}

func (s *Server) calendar(w http.ResponseWriter, r *http.Request) {
	s.renderCalendar(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderCalendar(w http.ResponseWriter, r *http.Request, status int, errs web.Errors, form map[string]string) {
	ctx := r.Context()
	from, to, month := s.calendarRange(r)
	slots, err := s.store.CoachCalendar(ctx, actorFrom(ctx).StaffID, from, to)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := web.CalendarProps{Month: month, Errors: errs, Form: form, Modes: modeOptionsFor(form["mode"])}
	for _, wd := range weekdays {
		checked := false
		if form != nil {
			for _, v := range strings.Split(form["weekdays"], ",") {
				checked = checked || v == strconv.Itoa(int(wd))
			}
		}
		p.Weekdays = append(p.Weekdays, web.Option{Value: strconv.Itoa(int(wd)), Label: wd.String(), Checked: checked})
	}
	fromDate := booking.DateOf(from)
	view := ""
	if month {
		view = "&view=month"
		p.Title = from.In(londonTZ).Format("January 2006")
		p.Prev = "/staff/calendar?from=" + booking.DateOf(from.AddDate(0, -1, 0)).String() + view
		p.Next = "/staff/calendar?from=" + booking.DateOf(to).String() + view
		p.Switch = "/staff/calendar?from=" + fromDate.String()
	} else {
		p.Title = "Week of " + from.In(londonTZ).Format("Monday 2 January 2006")
		p.Prev = "/staff/calendar?from=" + fromDate.AddDays(-7).String()
		p.Next = "/staff/calendar?from=" + fromDate.AddDays(7).String()
		p.Switch = "/staff/calendar?from=" + fromDate.String() + "&view=month"
	}
	for d := fromDate; d.Midnight().Before(to); d = d.AddDays(1) {
		day := web.CalendarDay{Date: d.Midnight()}
		for _, sl := range slots {
			if booking.DateOf(sl.Start) == d {
				day.Slots = append(day.Slots, web.CalendarEntry{ID: sl.ID, Start: sl.Start, End: sl.End, Mode: sl.Mode, Place: sl.Place,
					Blocked: sl.Blocked, Booked: sl.Appointment != 0, Trainee: sl.TraineeName, Reference: sl.Reference, Status: sl.Status,
					CanOpen: sl.OwnClient, CanRemove: !sl.EverBooked})
			}
		}
		p.Days = append(p.Days, day)
	}
	s.render(w, r, status, web.CalendarPage(s.layout(r, ""), p))
}

// addPattern publishes a weekly pattern of slots.
func (s *Server) addPattern(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderNotFound(w, r)
		return
	}
	form := map[string]string{"kind": "pattern"}
	for _, k := range []string{"from", "until", "start", "length", "count", "mode", "place"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	form["weekdays"] = strings.Join(r.PostForm["weekdays"], ",")
	var errs web.Errors
	p := booking.Pattern{Start: form["start"], Mode: booking.Mode(form["mode"]), Place: form["place"]}
	var err error
	if p.From, err = booking.ParseDate(form["from"]); err != nil {
		errs.Add("from", "Enter the first date as year-month-day, like 2026-12-01")
	}
	if p.Until, err = booking.ParseDate(form["until"]); err != nil {
		errs.Add("until", "Enter the last date as year-month-day, like 2027-03-31")
	}
	for _, v := range r.PostForm["weekdays"] {
		n, err := strconv.Atoi(v)
		if err == nil && n >= 0 && n <= 6 {
			p.Weekdays = append(p.Weekdays, time.Weekday(n))
		}
	}
	if link, msg := placeLink(form["mode"], form["place"]); msg != "" {
		errs.Add("place", msg)
	} else {
		p.Place = link
	}
	minutes, _ := strconv.Atoi(form["length"])
	p.Length = time.Duration(minutes) * time.Minute
	p.Count, _ = strconv.Atoi(form["count"])
	if !errs.Any() {
		var fes booking.FieldErrors
		if err := p.Validate(); errors.As(err, &fes) {
			for _, fe := range fes {
				errs.Add(patternField(fe.Field), fe.Message)
			}
		} else if err != nil {
			errs.Add("from", err.Error())
		}
	}
	if errs.Any() {
		s.renderCalendar(w, r, http.StatusUnprocessableEntity, errs, form)
		return
	}
	s.saveSlots(w, r, p.Slots(), false)
}

// placeLink checks a video time's place when it is meant as a link (the
// time's own video link, used instead of the coach's default): it must pass
// booking.CheckVideoLink. It returns the place to keep, or a message.
func placeLink(mode, place string) (string, string) {
	if mode != string(booking.ModeVirtual) || !booking.LooksLikeLink(place) {
		return place, ""
	}
	link, err := booking.CheckVideoLink(place)
	if err != nil {
		return place, err.Error()
	}
	return link, ""
}

// patternField maps a pattern's field names to the form's ids.
func patternField(f string) string {
	switch strings.ToLower(f) {
	case "from", "until", "weekdays", "start", "length", "count", "mode", "place":
		return strings.ToLower(f)
	}
	return "from"
}

// addSingle publishes one slot, or blocks a time.
func (s *Server) addSingle(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"kind": "single"}
	for _, k := range []string{"date", "single_start", "single_length", "single_mode", "single_place", "block"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	var errs web.Errors
	d, err := booking.ParseDate(form["date"])
	if err != nil {
		errs.Add("date", "Enter the date as year-month-day, like 2026-12-01")
	}
	hh, mm, ok := strings.Cut(form["single_start"], ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		errs.Add("single_start", "Enter the start time on the 24-hour clock, like 09:30")
	}
	minutes, err := strconv.Atoi(form["single_length"])
	if err != nil || minutes < 15 || minutes > 180 {
		errs.Add("single_length", "Enter a length from 15 to 180 minutes")
	}
	blocked := form["block"] == "yes"
	mode := form["single_mode"]
	if !blocked && !booking.Mode(mode).Valid() {
		errs.Add("single_mode", "Select how you will meet")
	}
	if blocked && mode == "" {
		mode = string(booking.ModeVirtual)
	}
	place, msg := placeLink(mode, form["single_place"])
	if msg != "" {
		errs.Add("single_place", msg)
	}
	if errs.Any() {
		s.renderCalendar(w, r, http.StatusUnprocessableEntity, errs, form)
		return
	}
	start := time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, londonTZ)
	if !start.After(s.now()) {
		s.renderCalendar(w, r, http.StatusUnprocessableEntity, web.Errors{{Field: "date", Message: "Choose a time in the future"}}, form)
		return
	}
	s.saveSlots(w, r, []booking.Slot{{Start: start.UTC(), End: start.Add(time.Duration(minutes) * time.Minute).UTC(), Mode: booking.Mode(mode), Place: place}}, blocked)
}

func (s *Server) saveSlots(w http.ResponseWriter, r *http.Request, slots []booking.Slot, blocked bool) {
	ctx := r.Context()
	var add []store.NewSlot
	for _, sl := range slots {
		if sl.Start.After(s.now()) {
			add = append(add, store.NewSlot{Start: sl.Start, End: sl.End, Mode: string(sl.Mode), Place: sl.Place, Blocked: blocked})
		}
	}
	n, err := s.store.AddSlots(ctx, actorFrom(ctx).StaffID, add)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_ = s.auditView(r, "add_availability", "staff_user", idOrEmpty(actorFrom(ctx).StaffID), store.OutcomeSuccess)
	msg := strconv.Itoa(n) + " time(s) added"
	if skipped := len(slots) - n; skipped > 0 {
		msg += "; " + strconv.Itoa(skipped) + " left out because they are in the past or overlap times you already have"
	}
	s.flash(r, msg)
	from := ""
	if len(add) > 0 {
		from = "?from=" + booking.DateOf(add[0].Start).String()
	}
	http.Redirect(w, r, "/staff/calendar"+from, http.StatusSeeOther)
}

// deleteSlot removes one of the coach's own slots that was never booked;
// another coach's slot answers 404.
func (s *Server) deleteSlot(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err := s.store.DeleteSlot(ctx, actorFrom(ctx).StaffID, id); errors.Is(err, store.ErrNotFound) {
		// Another coach's time, or one already removed: not theirs to see.
		s.hide(w, r, "availability_slot", strconv.FormatInt(id, 10))
		return
	} else if errors.Is(err, store.ErrConflict) {
		s.flash(r, "That time has a booking (or was booked before), so it stays. Cancel the session from the referral instead")
	} else if err != nil {
		s.serverError(w, r, err)
		return
	} else {
		s.flash(r, "Time removed")
	}
	http.Redirect(w, r, "/staff/calendar", http.StatusSeeOther)
}
