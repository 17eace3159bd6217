package server

import (
	"errors"
	"net/http"
	"slices"
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
// London) or the month holding the date in ?from= (today without one).
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
	ctx := r.Context()
	from, to, month := s.calendarRange(r)
	// Read with the session when it could be (prefetchPages).
	slots, off, ok := store.PrefetchedWeek(ctx, actorFrom(ctx).StaffID, from, to)
	if !ok {
		var err error
		if slots, off, err = s.store.CoachWeek(ctx, actorFrom(ctx).StaffID, from, to); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	p := web.CalendarProps{Month: month}
	now := s.now()
	fromDate := booking.DateOf(from)
	if month {
		p.Title = from.In(londonTZ).Format("January 2006")
		p.Prev = "/staff/calendar?from=" + booking.DateOf(from.AddDate(0, -1, 0)).String() + "&view=month"
		p.Next = "/staff/calendar?from=" + booking.DateOf(to).String() + "&view=month"
		p.Switch = "/staff/calendar?from=" + fromDate.String()
		if !now.Before(from) && now.Before(to) {
			p.Switch = "/staff/calendar"
		}
	} else {
		p.Title = "Week of " + from.In(londonTZ).Format("Monday 2 January 2006")
		p.Prev = "/staff/calendar?from=" + fromDate.AddDays(-7).String()
		p.Next = "/staff/calendar?from=" + fromDate.AddDays(7).String()
		// The month of the week's Thursday (the month most of the week is
		// in), or this month for the week holding today.
		p.Switch = "/staff/calendar?from=" + fromDate.AddDays(3).String() + "&view=month"
		if !now.Before(from) && now.Before(to) {
			p.Switch = "/staff/calendar?view=month"
		}
	}
	entries := make([]web.CalendarEntry, len(slots))
	for i, sl := range slots {
		inOff := false
		for _, o := range off {
			inOff = inOff || (o.Start.Before(sl.End) && sl.Start.Before(o.End))
		}
		past := !sl.Start.After(now)
		entries[i] = web.CalendarEntry{ID: sl.ID, Start: sl.Start, End: sl.End, Mode: sl.Mode, Place: sl.Place,
			Blocked: sl.Blocked, Booked: sl.Appointment != 0, Appointment: sl.Appointment, Trainee: sl.TraineeName,
			Reference: sl.Reference, Status: sl.Status, Past: past, InTimeOff: inOff,
			CanOpen: sl.OwnClient, CanRemove: !sl.EverBooked && !past}
	}
	// Each day's times are a run of the entries, in order of their start
	// (the statement's order; sorted again in case): the days share them.
	if !slices.IsSortedFunc(entries, byStart) {
		slices.SortStableFunc(entries, byStart)
	}
	p.Days = make([]web.CalendarDay, 0, 31)
	k := 0
	for d := fromDate; d.Midnight().Before(to); d = d.AddDays(1) {
		day := web.CalendarDay{Date: d.Midnight()}
		next := d.AddDays(1).Midnight()
		for k < len(entries) && booking.DateOf(entries[k].Start).Compare(d) < 0 {
			k++
		}
		lo := k
		for k < len(entries) && booking.DateOf(entries[k].Start) == d {
			k++
		}
		day.Slots = entries[lo:k:k]
		for _, o := range off {
			if o.Start.Before(next) && day.Date.Before(o.End) {
				day.TimeOff = append(day.TimeOff, web.TimeOffEntry{ID: o.ID, Start: o.Start, End: o.End, Note: o.Note})
				p.AnyOff = true
			}
		}
		p.Days = append(p.Days, day)
	}
	if !month {
		p.Hours = weekHours(p.Days)
	}
	s.render(w, r, http.StatusOK, web.CalendarPage(s.layout(r, ""), p))
}

// calendarAdd is the page of forms that add free times or time off.
func (s *Server) calendarAdd(w http.ResponseWriter, r *http.Request) {
	s.renderCalendarAdd(w, r, http.StatusOK, nil, nil)
}

// renderCalendarAdd shows the forms, with what was sent and what was wrong
// with it when a form comes back.
func (s *Server) renderCalendarAdd(w http.ResponseWriter, r *http.Request, status int, errs web.Errors, form map[string]string) {
	p := web.CalendarAddProps{Errors: errs, Form: form, Modes: modeOptionsFor(form["mode"]), Weekdays: weekdayOptions(form["weekdays"])}
	s.render(w, r, status, web.CalendarAddPage(s.layout(r, ""), p))
}

// weekHours lays the week's entries out by the hour they start in
// (London), from the earliest hour with an entry (9am at the latest) to the
// latest (5pm at the earliest), so a working day always shows: it returns
// the hours, each on the week's first day, and fills each day's ByHour.
func weekHours(days []web.CalendarDay) []time.Time {
	first, last := 9, 17
	for _, d := range days {
		for _, e := range d.Slots {
			h := e.Start.In(londonTZ).Hour()
			first, last = min(first, h), max(last, h)
		}
	}
	if len(days) == 0 {
		return nil
	}
	m := days[0].Date.In(londonTZ)
	hours := make([]time.Time, 0, last-first+1)
	for h := first; h <= last; h++ {
		hours = append(hours, time.Date(m.Year(), m.Month(), m.Day(), h, 0, 0, 0, londonTZ))
	}
	// A day's times are in order of their start, so each hour's are a run
	// of them: the cells share the day's entries rather than copy them.
	cells := make([][]web.CalendarEntry, len(days)*len(hours))
	for i := range days {
		day := cells[i*len(hours) : (i+1)*len(hours) : (i+1)*len(hours)]
		slots := days[i].Slots
		for j := 0; j < len(slots); {
			h := slots[j].Start.In(londonTZ).Hour()
			k := j + 1
			for k < len(slots) && slots[k].Start.In(londonTZ).Hour() == h {
				k++
			}
			day[h-first] = slots[j:k:k]
			j = k
		}
		days[i].ByHour = day
	}
	return hours
}

// byStart orders calendar entries by their start.
func byStart(a, b web.CalendarEntry) int { return a.Start.Compare(b.Start) }

// weekdayOptions are the days of the week as checkboxes, with those in
// checked (comma-separated numbers, Sunday 0) ticked.
func weekdayOptions(checked string) []web.Option {
	var out []web.Option
	for _, wd := range weekdays {
		on := false
		for _, v := range strings.Split(checked, ",") {
			on = on || v == strconv.Itoa(int(wd))
		}
		out = append(out, web.Option{Value: strconv.Itoa(int(wd)), Label: wd.String(), Checked: on})
	}
	return out
}

// addPattern publishes a weekly pattern of slots, kept as one pattern.
func (s *Server) addPattern(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderNotFound(w, r)
		return
	}
	p, form, errs := readPattern(r, "")
	if errs.Any() {
		s.renderCalendarAdd(w, r, http.StatusUnprocessableEntity, errs, form)
		return
	}
	ctx := r.Context()
	slots := s.futureSlots(p.Slots())
	_, n, err := s.store.AddPattern(ctx, actorFrom(ctx).StaffID, storedPattern(p), slots)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.afterAdding(w, r, slots, n, len(p.Slots()))
}

// readPattern reads a weekly pattern from the form; from, when given, is
// its first day (a change from a date), otherwise the form's.
func readPattern(r *http.Request, from string) (booking.Pattern, map[string]string, web.Errors) {
	form := map[string]string{"kind": "pattern"}
	for _, k := range []string{"from", "until", "start", "length", "count", "mode", "place"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	if from != "" {
		form["from"] = from
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
	return p, form, errs
}

// storedPattern is a valid pattern as the store keeps it.
func storedPattern(p booking.Pattern) store.NewPattern {
	seen := map[time.Weekday]bool{}
	var days []int16
	for _, d := range p.Weekdays {
		if !seen[d] {
			seen[d] = true
			days = append(days, int16(d))
		}
	}
	return store.NewPattern{From: dateUTC(p.From), Until: dateUTC(p.Until), Weekdays: days, Start: p.Start,
		LengthMinutes: int(p.Length / time.Minute), PerDay: max(p.Count, 1), Mode: string(p.Mode), Place: strings.TrimSpace(p.Place)}
}

// dateUTC is a date as the database's date columns take it.
func dateUTC(d booking.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// futureSlots are the slots that start after now, as the store adds them.
func (s *Server) futureSlots(slots []booking.Slot) []store.NewSlot {
	var add []store.NewSlot
	for _, sl := range slots {
		if sl.Start.After(s.now()) {
			add = append(add, store.NewSlot{Start: sl.Start, End: sl.End, Mode: string(sl.Mode), Place: sl.Place})
		}
	}
	return add
}

// afterAdding audits an addition of times, says how many were added and
// why any were left out, and shows the week of the first.
func (s *Server) afterAdding(w http.ResponseWriter, r *http.Request, add []store.NewSlot, n, asked int) {
	ctx := r.Context()
	_ = s.auditView(r, "add_availability", "staff_user", idOrEmpty(actorFrom(ctx).StaffID), store.OutcomeSuccess)
	msg := strconv.Itoa(n) + " time(s) added"
	if skipped := asked - n; skipped > 0 {
		msg += "; " + strconv.Itoa(skipped) + " left out because they are in the past, in your time off, or overlap times you already have"
	}
	s.flash(r, msg)
	from := ""
	if len(add) > 0 {
		from = "?from=" + booking.DateOf(add[0].Start).String()
	}
	http.Redirect(w, r, "/staff/calendar"+from, http.StatusSeeOther)
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
	h, m, ok := readClock(form["single_start"])
	if !ok {
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
		s.renderCalendarAdd(w, r, http.StatusUnprocessableEntity, errs, form)
		return
	}
	start := time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, londonTZ)
	if !start.After(s.now()) {
		s.renderCalendarAdd(w, r, http.StatusUnprocessableEntity, web.Errors{{Field: "date", Message: "Choose a time in the future"}}, form)
		return
	}
	slot := booking.Slot{Start: start.UTC(), End: start.Add(time.Duration(minutes) * time.Minute).UTC(), Mode: booking.Mode(mode), Place: place}
	if blocked {
		s.blockTime(w, r, slot)
		return
	}
	s.saveSlots(w, r, []booking.Slot{slot}, false)
}

// blockTime blocks one period: the free times inside it are replaced by
// the block; a booked time inside it keeps the block out, and the coach is
// sent to time off, which lists booked sessions to cancel.
func (s *Server) blockTime(w http.ResponseWriter, r *http.Request, sl booking.Slot) {
	ctx := r.Context()
	removed, added, err := s.store.AddBlockedSlot(ctx, actorFrom(ctx).StaffID,
		store.NewSlot{Start: sl.Start, End: sl.End, Mode: string(sl.Mode), Place: sl.Place, Blocked: true}, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	_ = s.auditView(r, "add_availability", "staff_user", idOrEmpty(actorFrom(ctx).StaffID), store.OutcomeSuccess)
	msg := "Time blocked"
	if removed > 0 {
		msg += ": " + strconv.Itoa(removed) + " free time(s) inside it removed"
	}
	if added == 0 {
		msg = "Not blocked: a booked session or time off is already there. To block time over a booked session, add time off: it lists the sessions so you can cancel them"
		if removed > 0 {
			msg += ". " + strconv.Itoa(removed) + " free time(s) in that period were removed"
		}
	}
	s.flash(r, msg)
	http.Redirect(w, r, "/staff/calendar?from="+booking.DateOf(sl.Start).String(), http.StatusSeeOther)
}

func (s *Server) saveSlots(w http.ResponseWriter, r *http.Request, slots []booking.Slot, blocked bool) {
	ctx := r.Context()
	add := s.futureSlots(slots)
	for i := range add {
		add[i].Blocked = blocked
	}
	n, err := s.store.AddSlots(ctx, actorFrom(ctx).StaffID, add)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.afterAdding(w, r, add, n, len(slots))
}

// deleteSlot removes one of the coach's own slots that was never booked
// and has not started (past times are read-only); another coach's slot
// answers 404.
func (s *Server) deleteSlot(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err := s.store.DeleteFutureSlot(ctx, actorFrom(ctx).StaffID, id, s.now()); errors.Is(err, store.ErrNotFound) {
		// Another coach's time, or one already removed: not theirs to see.
		s.hide(w, r, "availability_slot", strconv.FormatInt(id, 10))
		return
	} else if errors.Is(err, store.ErrConflict) {
		s.flash(r, "That time has passed, or has a booking (or was booked before), so it stays. To cancel a session, open its referral")
	} else if err != nil {
		s.serverError(w, r, err)
		return
	} else {
		s.flash(r, "Time removed")
	}
	http.Redirect(w, r, "/staff/calendar", http.StatusSeeOther)
}
