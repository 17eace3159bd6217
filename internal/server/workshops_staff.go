package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"careers/internal/auth"
	"careers/internal/booking"
	"careers/internal/jobs"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/internal/workshops"
	"careers/web"
)

// Workshops, the staff side (issue 16): coordinators and PSU leads create,
// change, copy and cancel events, look after registrations and the waiting
// list, email everyone with a place, keep the attendance register and show
// the check-in code. Every route takes the coordinatorsAndLeads rule (see
// routes.go); the pages naming registrants are audited views.

// workshopRecord is the audit log's record type for an event.
const workshopRecord = "workshop"

func workshopRow(w store.StaffWorkshop, now time.Time) web.StaffWorkshopRow {
	row := web.StaffWorkshopRow{ID: w.ID, Slug: w.Slug, Title: w.Title, Start: w.StartsAt, End: w.EndsAt, Mode: w.Mode,
		Capacity: w.Capacity, Taken: w.PlacesTaken, Waiting: w.Waiting, Unconfirmed: w.Unconfirmed, Cancelled: w.Cancelled(),
		CancelReason: w.CancelReason, Past: !w.EndsAt.After(now)}
	if w.Mode == workshops.ModeInPerson {
		row.Where = w.Venue
	}
	return row
}

func (s *Server) staffWorkshops(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	up, past, err := s.store.StaffWorkshops(r.Context(), now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var p web.StaffWorkshopsProps
	for _, x := range up {
		p.Upcoming = append(p.Upcoming, workshopRow(x, now))
	}
	for _, x := range past {
		p.Past = append(p.Past, workshopRow(x, now))
	}
	s.render(w, r, http.StatusOK, web.StaffWorkshopsPage(s.layout(r, ""), p))
}

// staffWorkshopFor loads the event in the URL; an unknown one is 404.
func (s *Server) staffWorkshopFor(w http.ResponseWriter, r *http.Request) (store.StaffWorkshop, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.renderNotFound(w, r)
		return store.StaffWorkshop{}, false
	}
	ws, err := s.store.StaffWorkshopByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.renderNotFound(w, r)
		return ws, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return ws, false
	}
	return ws, true
}

// The form: field names and reading them.

var workshopFormFields = []string{"title", "description", "audience", "presenters", "start", "end", "mode", "joining_link",
	"venue", "capacity", "opens", "closes"}

// formValues reads the event form as posted, trimmed.
func workshopFormValues(r *http.Request) map[string]string {
	v := map[string]string{}
	for _, k := range []string{"key", "copied_from", "title", "description", "audience", "presenters", "mode", "joining_link", "venue", "capacity"} {
		v[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	for _, d := range []string{"start", "end", "opens", "closes"} {
		for _, part := range []string{"-day", "-month", "-year", "-time"} {
			v[d+part] = strings.TrimSpace(r.PostFormValue(d + part))
		}
	}
	return v
}

// valuesOf fills the form from an event (to edit or copy it).
func workshopValuesOf(ws store.StaffWorkshop, withDates bool) map[string]string {
	v := map[string]string{"title": ws.Title, "description": ws.Description, "audience": ws.Audience, "presenters": ws.Presenters,
		"mode": ws.Mode, "joining_link": ws.JoiningLink, "venue": ws.Venue, "capacity": strconv.Itoa(ws.Capacity)}
	put := func(name string, t *time.Time) {
		if t == nil {
			return
		}
		l := t.In(londonTZ)
		v[name+"-day"], v[name+"-month"], v[name+"-year"] = strconv.Itoa(l.Day()), strconv.Itoa(int(l.Month())), strconv.Itoa(l.Year())
		v[name+"-time"] = l.Format("15:04")
	}
	if withDates {
		put("start", &ws.StartsAt)
		put("end", &ws.EndsAt)
		put("opens", ws.RegistrationOpensAt)
		put("closes", ws.RegistrationClosesAt)
	}
	return v
}

// readUKDateTime reads a date (day, month, year) and a 24-hour time in UK
// time; blank says whether all four were left empty.
func readUKDateTime(v map[string]string, name string) (t time.Time, blank bool, msg string) {
	day, month, year, clock := v[name+"-day"], v[name+"-month"], v[name+"-year"], v[name+"-time"]
	if day == "" && month == "" && year == "" && clock == "" {
		return time.Time{}, true, ""
	}
	d, err1 := strconv.Atoi(day)
	m, err2 := strconv.Atoi(month)
	y, err3 := strconv.Atoi(year)
	if err1 != nil || err2 != nil || err3 != nil || y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false, "must be a real date, like 12 1 2027"
	}
	date := time.Date(y, time.Month(m), d, 0, 0, 0, 0, londonTZ)
	if date.Day() != d {
		return time.Time{}, false, "must be a real date, like 12 1 2027"
	}
	h, mi, ok := readClock(clock)
	if !ok {
		return time.Time{}, false, "needs a time on the 24-hour clock, like 18:00"
	}
	return time.Date(y, time.Month(m), d, h, mi, 0, 0, londonTZ), false, ""
}

func checkLength(errs *web.Errors, v map[string]string, field, label string, most int, required bool) {
	n := utf8.RuneCountInString(v[field])
	switch {
	case required && n == 0:
		errs.Add(field, "Enter the "+strings.ToLower(label))
	case n > most:
		errs.Add(field, label+" must be "+strconv.Itoa(most)+" characters or fewer")
	}
}

// readWorkshopForm checks the form. taken is the floor of the capacity (the
// places held, when editing); mustBeFuture refuses a start in the past (a
// new event or a copy).
func (s *Server) readWorkshopForm(r *http.Request, v map[string]string, taken int, mustBeFuture bool) (store.WorkshopFields, web.Errors) {
	var errs web.Errors
	f := store.WorkshopFields{Title: v["title"], Description: v["description"], Audience: v["audience"], Presenters: v["presenters"],
		Mode: v["mode"], Venue: v["venue"]}
	checkLength(&errs, v, "title", "Title", 150, true)
	checkLength(&errs, v, "description", "Description", 5000, false)
	checkLength(&errs, v, "audience", "Who it is for", 300, false)
	checkLength(&errs, v, "presenters", "Who runs it", 300, false)
	start, blank, msg := readUKDateTime(v, "start")
	switch {
	case blank:
		errs.Add("start", "Enter the date and time the event starts")
	case msg != "":
		errs.Add("start", "The start "+msg)
	case mustBeFuture && !start.After(s.now()):
		errs.Add("start", "The start must be in the future")
	}
	end, blank, msg := readUKDateTime(v, "end")
	switch {
	case blank:
		errs.Add("end", "Enter the date and time the event ends")
	case msg != "":
		errs.Add("end", "The end "+msg)
	case !start.IsZero() && !end.After(start):
		errs.Add("end", "The end must be after the start")
	case !start.IsZero() && end.Sub(start) > 7*24*time.Hour:
		errs.Add("end", "An event can last at most a week")
	}
	f.StartsAt, f.EndsAt = start.UTC(), end.UTC()
	switch f.Mode {
	case workshops.ModeOnline:
		link, err := booking.CheckVideoLink(v["joining_link"])
		switch {
		case errors.Is(err, booking.ErrLinkNotHTTPS):
			errs.Add("joining_link", "The joining link must start with https://")
		case err != nil:
			errs.Add("joining_link", "Enter the joining link as a web address, like https://meet.example.nhs.uk/room")
		}
		f.JoiningLink = link
		f.Venue = ""
	case workshops.ModeInPerson:
		checkLength(&errs, v, "venue", "Venue", 500, true)
		f.JoiningLink = ""
	default:
		errs.Add("mode", "Select how the event is held: online or in person")
	}
	capacity, err := strconv.Atoi(v["capacity"])
	switch {
	case v["capacity"] == "":
		errs.Add("capacity", "Enter how many places there are")
	case err != nil || capacity < 1 || capacity > 2000:
		errs.Add("capacity", "Places must be a whole number from 1 to 2000")
	case capacity < taken:
		errs.Add("capacity", "Places cannot be fewer than the "+strconv.Itoa(taken)+" already taken: remove people first")
	}
	f.Capacity = capacity
	opens, blank, msg := readUKDateTime(v, "opens")
	if msg != "" {
		errs.Add("opens", "The date registration opens "+msg+", or leave it blank")
	} else if !blank {
		o := opens.UTC()
		f.RegistrationOpensAt = &o
		if !start.IsZero() && !opens.Before(start) {
			errs.Add("opens", "Registration must open before the event starts")
		}
	}
	closes, blank, msg := readUKDateTime(v, "closes")
	if msg != "" {
		errs.Add("closes", "The date registration closes "+msg+", or leave it blank")
	} else if !blank {
		c := closes.UTC()
		f.RegistrationClosesAt = &c
		switch {
		case !start.IsZero() && closes.After(start):
			errs.Add("closes", "Registration must close by the start of the event")
		case f.RegistrationOpensAt != nil && !closes.After(opens):
			errs.Add("closes", "Registration must close after it opens")
		}
	}
	return f, withFormErrors(r, errs, workshopFormFields...)
}

func newFormKey() string { t, _ := auth.NewToken(); return t }

func (s *Server) workshopNewForm(w http.ResponseWriter, r *http.Request) {
	s.renderWorkshopForm(w, r, http.StatusOK, web.WorkshopFormProps{Heading: "Create an event", Action: "/staff/workshops/new",
		Back: "/staff/workshops", Button: "Create the event", Values: map[string]string{"key": newFormKey(), "mode": workshops.ModeOnline}})
}

// workshopCopyForm is a new form with the event's details and no dates:
// the copy needs its own.
func (s *Server) workshopCopyForm(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	v := workshopValuesOf(ws, false)
	v["key"], v["copied_from"] = newFormKey(), strconv.FormatInt(ws.ID, 10)
	s.renderWorkshopForm(w, r, http.StatusOK, web.WorkshopFormProps{Heading: "Copy " + ws.Title + " as a new event",
		Action: "/staff/workshops/new", Back: "/staff/workshops/" + strconv.FormatInt(ws.ID, 10), Button: "Create the event", Values: v})
}

func (s *Server) renderWorkshopForm(w http.ResponseWriter, r *http.Request, status int, p web.WorkshopFormProps) {
	s.render(w, r, status, web.WorkshopFormPage(s.layout(r, ""), p))
}

// workshopCreate makes the event. The form's one-time key makes a double
// submit find the first event instead of making a second.
func (s *Server) workshopCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := workshopFormValues(r)
	if len(v["key"]) < 16 || len(v["key"]) > 64 {
		v["key"] = newFormKey() // an old or hand-made form: a fresh key
	}
	var copiedFrom *int64
	if id, err := strconv.ParseInt(v["copied_from"], 10, 64); err == nil && id > 0 {
		if _, err := s.store.StaffWorkshopByID(ctx, id); err == nil {
			copiedFrom = &id
		}
	}
	if copiedFrom == nil {
		v["copied_from"] = ""
	}
	heading := "Create an event"
	if copiedFrom != nil {
		heading = "Copy as a new event"
	}
	f, errs := s.readWorkshopForm(r, v, 0, true)
	if errs.Any() {
		s.renderWorkshopForm(w, r, http.StatusUnprocessableEntity, web.WorkshopFormProps{Heading: heading, Action: "/staff/workshops/new",
			Back: "/staff/workshops", Button: "Create the event", Values: v, Errors: errs})
		return
	}
	var id int64
	var created bool
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		var err error
		id, created, err = st.CreateStaffWorkshop(ctx, store.NewStaffWorkshop{WorkshopFields: f, CheckInCode: workshops.NewCheckInCode(),
			CopiedFrom: copiedFrom, CreatedBy: actorFrom(ctx).StaffID, Key: v["key"], Now: s.now()})
		if err != nil || !created {
			return err
		}
		return s.audit(ctx, st, "create", workshopRecord, strconv.FormatInt(id, 10), store.OutcomeSuccess, "")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if created {
		s.flash(r, "Event created")
	}
	http.Redirect(w, r, "/staff/workshops/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) workshopEditForm(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	if ws.Cancelled() {
		s.flash(r, "This event is cancelled: it cannot be changed. Copy it to run it again")
		http.Redirect(w, r, "/staff/workshops/"+strconv.FormatInt(ws.ID, 10), http.StatusSeeOther)
		return
	}
	s.renderWorkshopForm(w, r, http.StatusOK, editProps(ws, workshopValuesOf(ws, true), nil, s.now()))
}

func editProps(ws store.StaffWorkshop, v map[string]string, errs web.Errors, now time.Time) web.WorkshopFormProps {
	return web.WorkshopFormProps{Heading: "Change " + ws.Title, Action: "/staff/workshops/" + strconv.FormatInt(ws.ID, 10) + "/edit",
		Back: "/staff/workshops/" + strconv.FormatInt(ws.ID, 10), Button: "Save the changes", Values: v, Errors: errs, Taken: ws.PlacesTaken,
		Started: !now.Before(ws.StartsAt)}
}

// workshopEdit saves a change. The capacity may not go below the places
// held; more places are offered to the waiting list; a new time or place
// sends everyone with a place an updated invitation.
func (s *Server) workshopEdit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	v := workshopFormValues(r)
	f, errs := s.readWorkshopForm(r, v, ws.PlacesTaken, false)
	now := s.now()
	if field, msg := workshops.TimeChange(ws.StartsAt, ws.EndsAt, f.StartsAt, f.EndsAt, now); msg != "" && errs.For(field) == "" {
		errs.Add(field, msg)
	}
	if errs.Any() {
		s.renderWorkshopForm(w, r, http.StatusUnprocessableEntity, editProps(ws, v, errs, now))
		return
	}
	var change store.WorkshopChange
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		var err error
		if change, err = st.UpdateStaffWorkshop(ctx, ws.ID, f, actorFrom(ctx).StaffID, now); err != nil {
			return err
		}
		detail := workshopChanges(change.Before, change.After)
		if detail == "" {
			return nil // nothing changed: a repeat of the same form
		}
		told := 0
		if change.Moved {
			if told, err = s.sendWorkshopUpdates(ctx, st, tx, change.After, now); err != nil {
				return err
			}
			detail += "; updated invitation sent to " + countOf(told, "person with a place", "people with a place")
		}
		if err := st.AddWorkshopHistory(ctx, ws.ID, now, actorFrom(ctx).StaffID, "changed", detail, told); err != nil {
			return err
		}
		if change.Freed > 0 {
			// More places: offered to the waiting list at once.
			if _, err := s.workshopMailer().OfferFreedPlaces(ctx, tx, ws.ID, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, st, "workshop_change", workshopRecord, strconv.FormatInt(ws.ID, 10), store.OutcomeSuccess, "")
	})
	switch {
	case errors.Is(err, store.ErrTimeFixed):
		// The event started, or was moved, between the form and the save.
		ws = change.Before
		field, msg := workshops.TimeChange(ws.StartsAt, ws.EndsAt, f.StartsAt, f.EndsAt, now)
		errs.Add(field, msg)
		s.renderWorkshopForm(w, r, http.StatusUnprocessableEntity, editProps(ws, v, errs, now))
		return
	case errors.Is(err, store.ErrCapacityBelowTaken):
		// Places were taken between the form and the save.
		ws, _ = s.store.StaffWorkshopByID(ctx, ws.ID)
		errs.Add("capacity", "Places cannot be fewer than the "+strconv.Itoa(ws.PlacesTaken)+" already taken: remove people first")
		s.renderWorkshopForm(w, r, http.StatusUnprocessableEntity, editProps(ws, v, errs, now))
		return
	case errors.Is(err, store.ErrWorkshopCancelled):
		s.flash(r, "This event is cancelled: it cannot be changed")
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		s.flash(r, "Changes saved")
	}
	http.Redirect(w, r, "/staff/workshops/"+strconv.FormatInt(ws.ID, 10), http.StatusSeeOther)
}

// workshopChanges says in words what an edit changed ("" for nothing).
func workshopChanges(a, b store.StaffWorkshop) string {
	var out []string
	add := func(changed bool, what string) {
		if changed {
			out = append(out, what)
		}
	}
	add(a.Title != b.Title, "title")
	add(a.Description != b.Description, "description")
	add(a.Audience != b.Audience, "who it is for")
	add(a.Presenters != b.Presenters, "who runs it")
	add(!a.StartsAt.Equal(b.StartsAt) || !a.EndsAt.Equal(b.EndsAt), "time (now "+web.TimeRange(b.StartsAt, b.EndsAt)+")")
	add(a.Mode != b.Mode, "mode")
	add(a.JoiningLink != b.JoiningLink, "joining link")
	add(a.Venue != b.Venue, "venue")
	add(a.Capacity != b.Capacity, "places (from "+strconv.Itoa(a.Capacity)+" to "+strconv.Itoa(b.Capacity)+")")
	add(!sameTime(a.RegistrationOpensAt, b.RegistrationOpensAt) || !sameTime(a.RegistrationClosesAt, b.RegistrationClosesAt), "registration dates")
	if len(out) == 0 {
		return ""
	}
	return "Changed: " + strings.Join(out, ", ")
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// The event page.

func registrationAbout(x store.StaffRegistration) string {
	return strings.Join([]string{referral.ProfessionalGroup(x.ProfessionalGroup).Label(), referral.Region(x.Region).Label(), referral.Stage(x.Grade).Label()}, ", ")
}

func (s *Server) staffWorkshop(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	regs, err := s.store.StaffRegistrations(ctx, ws.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	hist, err := s.store.WorkshopHistory(ctx, ws.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := s.now()
	p := web.StaffWorkshopProps{W: workshopRow(ws, now), Description: ws.Description, Audience: ws.Audience, Presenters: ws.Presenters,
		Link: ws.JoiningLink, Window: registrationWindow(ws), Code: ws.CheckInCode, CanGive: ws.Free() > 0}
	for _, x := range regs {
		pp := web.WorkshopPerson{ID: x.ID, Name: x.Name, Email: x.Email, About: registrationAbout(x), Status: x.Status}
		switch x.Status {
		case workshops.Placed:
			pp.Detail = "Place since " + web.DateTime(deref(x.PlacedAt, x.CreatedAt))
			switch {
			case x.Attendance == "attended" && x.AttendanceBy == "self":
				pp.Detail += "; attended (checked in)"
			case x.Attendance == "attended":
				pp.Detail += "; attended"
			case x.Attendance == "absent":
				pp.Detail += "; absent"
			}
			p.Placed = append(p.Placed, pp)
		case workshops.Offered:
			pp.Detail = "Offer open until " + web.DateTime(deref(x.OfferExpiresAt, now))
			p.Offered = append(p.Offered, pp)
		case workshops.Waiting:
			pp.Position = len(p.Waiting) + 1
			pp.Detail = "Number " + strconv.Itoa(pp.Position) + " on the waiting list, since " + web.DateTime(deref(x.ConfirmedAt, x.CreatedAt))
			p.Waiting = append(p.Waiting, pp)
		case workshops.Unconfirmed:
		default:
			pp.Detail = web.DateTime(deref(x.EndedAt, x.CreatedAt))
			p.Ended = append(p.Ended, pp)
		}
	}
	for _, h := range hist {
		row := web.WorkshopHistoryRow{At: h.At, Who: h.Actor, What: h.Action, Recipients: h.Recipients}
		if h.Detail != "" {
			row.Detail = strings.Split(h.Detail, "\n")
		}
		p.History = append(p.History, row)
	}
	// The page names registrants: every view is recorded.
	if err := s.auditView(r, "view", workshopRecord, strconv.FormatInt(ws.ID, 10), store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.StaffWorkshopPage(s.layout(r, ""), p))
}

func deref(t *time.Time, or time.Time) time.Time {
	if t == nil {
		return or
	}
	return *t
}

func registrationWindow(ws store.StaffWorkshop) string {
	opens, closes := "now", "at the start"
	if ws.RegistrationOpensAt != nil {
		opens = web.DateTime(*ws.RegistrationOpensAt)
	}
	if ws.RegistrationClosesAt != nil {
		closes = web.DateTime(*ws.RegistrationClosesAt)
	}
	return "Opens " + opens + ", closes " + closes
}

func (s *Server) workshopCheckInCode(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, web.WorkshopCodePage(s.layout(r, ""), web.WorkshopCodeProps{W: workshopRow(ws, s.now()), Code: ws.CheckInCode}))
}

// Cancelling.

// toTell counts the people a cancellation emails.
func toTell(ws store.StaffWorkshop) int { return ws.Placed + ws.Offered + ws.Waiting + ws.Unconfirmed }

func (s *Server) workshopCancelForm(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	if ws.Cancelled() {
		http.Redirect(w, r, "/staff/workshops/"+strconv.FormatInt(ws.ID, 10), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, web.WorkshopCancelPage(s.layout(r, ""), web.WorkshopCancelProps{W: workshopRow(ws, s.now()), Count: toTell(ws)}))
}

// workshopCancel calls the event off: everyone registered, offered or
// waiting is emailed with the reason and a cancelled invitation (the same
// UID, the sequence raised). A second submit finds it cancelled already
// and sends nothing more.
func (s *Server) workshopCancel(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var errs web.Errors
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		errs.Add("reason", "Enter why the event is cancelled: the email says so")
	case n > 1000:
		errs.Add("reason", "The reason must be 1000 characters or fewer")
	}
	if errs = withFormErrors(r, errs, "reason"); errs.Any() && !ws.Cancelled() {
		s.render(w, r, http.StatusUnprocessableEntity, web.WorkshopCancelPage(s.layout(r, ""),
			web.WorkshopCancelProps{W: workshopRow(ws, s.now()), Reason: reason, Count: toTell(ws), Errors: errs}))
		return
	}
	now := s.now()
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		cancelled, tell, err := st.CancelStaffWorkshop(ctx, ws.ID, reason, actorFrom(ctx).StaffID, now)
		if err != nil {
			return err
		}
		for _, reg := range tell {
			paras := []string{"We are sorry: " + cancelled.Title + " on " + web.TimeRange(cancelled.StartsAt, cancelled.EndsAt) +
				" (UK time) has been cancelled.", "The reason: " + reason,
				"Open the attached file (workshop.ics) to remove it from your calendar. You do not need to do anything else."}
			if err := s.queueWorkshopEmail(ctx, st, tx, cancelled, reg, "workshop_event_cancelled", "Cancelled: "+cancelled.Title, paras,
				booking.MethodCancel, "workshop:"+strconv.FormatInt(ws.ID, 10)+":cancel:"+strconv.FormatInt(reg.ID, 10)); err != nil {
				return err
			}
		}
		return s.audit(ctx, st, "workshop_cancel", workshopRecord, strconv.FormatInt(ws.ID, 10), store.OutcomeSuccess, "")
	})
	switch {
	case errors.Is(err, store.ErrWorkshopCancelled):
		s.flash(r, "This event was cancelled already")
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		s.flash(r, "Event cancelled. Everyone registered or waiting is being emailed")
	}
	http.Redirect(w, r, "/staff/workshops/"+strconv.FormatInt(ws.ID, 10), http.StatusSeeOther)
}

// Emails to registrants.

// asWorkshop is the event as ws-core's mailer takes it.
func asWorkshop(ws store.StaffWorkshop) store.Workshop {
	return store.Workshop{ID: ws.ID, Slug: ws.Slug, Title: ws.Title, Description: ws.Description, Audience: ws.Audience,
		StartsAt: ws.StartsAt, EndsAt: ws.EndsAt, Mode: ws.Mode, JoiningLink: ws.JoiningLink, Venue: ws.Venue, Capacity: ws.Capacity,
		PlacesTaken: ws.PlacesTaken, Presenters: ws.Presenters, Status: ws.Status, CancelReason: ws.CancelReason, ICSSequence: ws.ICSSequence}
}

// queueWorkshopEmail puts one email to a registrant on the durable queue in
// tx, with the event's invitation (method, when not "") attached and a link
// to their place (a one-time-link token; only its hash is kept).
func (s *Server) queueWorkshopEmail(ctx context.Context, st *store.Store, tx pgxTx, ws store.StaffWorkshop, reg store.StaffRegistration,
	kind, subject string, paras []string, method, key string) error {
	now := s.now()
	expires := workshops.LinkExpiry(ws.EndsAt)
	if min := now.Add(workshops.PlaceLinkAfterEnd); ws.Cancelled() && expires.Before(min) {
		expires = min // a cancelled event's people can still see it
	}
	token, err := st.NewWorkshopPlaceLink(ctx, reg.ID, now, expires)
	if err != nil {
		return err
	}
	m, err := notify.Write(ctx, notify.Letter{Subject: subject, Greeting: "Dear " + reg.Name + ",", Paragraphs: paras,
		Link: s.pageURL("/workshops/" + ws.Slug + "/your-place?token=" + token), LinkLabel: "See your registration",
		After: []string{"This link to your registration is yours alone: please do not forward this email."}})
	if err != nil {
		return err
	}
	if method != "" {
		inv := s.workshopMailer().WorkshopInvite(asWorkshop(ws), store.WorkshopRegistration{ID: reg.ID, WorkshopID: ws.ID, Name: reg.Name,
			Email: reg.Email, Status: reg.Status}, method, now)
		m.Attachments = []mail.Attachment{{Filename: "workshop.ics", ContentType: "text/calendar; method=" + method + "; charset=UTF-8", Content: inv.ICS()}}
	}
	m.To = []mail.Address{{Name: reg.Name, Email: reg.Email}}
	return s.enqueue(ctx, tx, key, kind, nil, m)
}

// sendWorkshopUpdates emails everyone with a place the event's new time or
// place, with the updated invitation (ws-core's placed email and .ics, at
// the raised sequence); it returns how many were told.
func (s *Server) sendWorkshopUpdates(ctx context.Context, st *store.Store, tx pgxTx, ws store.StaffWorkshop, now time.Time) (int, error) {
	regs, err := st.StaffRegistrations(ctx, ws.ID)
	if err != nil {
		return 0, err
	}
	note := "This event has changed. It is now on " + web.TimeRange(ws.StartsAt, ws.EndsAt) + " (UK time), " + strings.ToLower(workshops.ModeLabel(ws.Mode))
	if ws.Mode == workshops.ModeInPerson {
		note += " at " + ws.Venue
	}
	note += ". The attached invitation replaces the one you had."
	n := 0
	for _, reg := range regs {
		if reg.Status != workshops.Placed {
			continue
		}
		if err := s.workshopMailer().SendWorkshopEmail(ctx, tx, reg.ID, jobs.WorkshopPlacedEmail, now, note); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Messages to everyone with a place.

func (s *Server) workshopMessageForm(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, web.WorkshopMessagePage(s.layout(r, ""), web.WorkshopMessageProps{W: workshopRow(ws, s.now()),
		Key: newFormKey(), Count: ws.Placed}))
}

// workshopMessage emails everyone with a place, one email each through the
// queue, and keeps the message in the history. The form's key makes a
// double submit send it once.
func (s *Server) workshopMessage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	p := web.WorkshopMessageProps{W: workshopRow(ws, s.now()), Key: r.PostFormValue("key"), Count: ws.Placed,
		Subject: strings.TrimSpace(r.PostFormValue("subject")), Body: strings.TrimSpace(r.PostFormValue("body"))}
	if len(p.Key) < 16 || len(p.Key) > 64 {
		p.Key = newFormKey()
	}
	switch n := utf8.RuneCountInString(p.Subject); {
	case n == 0:
		p.Errors.Add("subject", "Enter a subject")
	case n > 150:
		p.Errors.Add("subject", "The subject must be 150 characters or fewer")
	}
	switch n := utf8.RuneCountInString(p.Body); {
	case n == 0:
		p.Errors.Add("body", "Enter the message")
	case n > 5000:
		p.Errors.Add("body", "The message must be 5000 characters or fewer")
	}
	if ws.Placed == 0 && !p.Errors.Any() {
		p.Errors.Add("subject", "Nobody has a place yet, so there is nobody to email")
	}
	if ws.Cancelled() {
		p.Errors.Add("subject", "This event is cancelled: everyone was told already")
	}
	p.Errors = withFormErrors(r, p.Errors, "subject", "body")
	if p.Errors.Any() {
		s.render(w, r, http.StatusUnprocessableEntity, web.WorkshopMessagePage(s.layout(r, ""), p))
		return
	}
	now := s.now()
	sent := 0
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		if _, err := st.LockStaffWorkshop(ctx, ws.ID); err != nil {
			return err
		}
		regs, err := st.StaffRegistrations(ctx, ws.ID)
		if err != nil {
			return err
		}
		var placed []store.StaffRegistration
		for _, reg := range regs {
			if reg.Status == workshops.Placed {
				placed = append(placed, reg)
			}
		}
		first, err := st.AddWorkshopMessage(ctx, ws.ID, now, actorFrom(ctx).StaffID, p.Key, "Subject: "+p.Subject+"\n"+p.Body, len(placed))
		if err != nil || !first {
			return err
		}
		paras := strings.Split(strings.ReplaceAll(p.Body, "\r\n", "\n"), "\n\n")
		paras = append(paras, "This message is about "+ws.Title+", "+web.TimeRange(ws.StartsAt, ws.EndsAt)+" (UK time).")
		for _, reg := range placed {
			if err := s.queueWorkshopEmail(ctx, st, tx, ws, reg, "workshop_message", p.Subject, paras, "",
				"workshop_message:"+p.Key+":"+strconv.FormatInt(reg.ID, 10)); err != nil {
				return err
			}
		}
		sent = len(placed)
		return s.audit(ctx, st, "workshop_message", workshopRecord, strconv.FormatInt(ws.ID, 10), store.OutcomeSuccess, "")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if sent > 0 {
		s.flash(r, "Email sent to "+countOf(sent, "person with a place", "people with a place"))
	}
	http.Redirect(w, r, "/staff/workshops/"+strconv.FormatInt(ws.ID, 10), http.StatusSeeOther)
}

// Moving people by hand.

func (s *Server) registrationIn(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "reg"), 10, 64)
	return id, err == nil
}

// registrationChange runs a staff change to one registration of the event
// in the path ({reg}), in one transaction with its audit row on the
// registration, and returns to the event page saying what happened: the
// message change returns, or why nothing changed (conflict when the
// registration is no longer in a state the change applies to).
func (s *Server) registrationChange(w http.ResponseWriter, r *http.Request, action, conflict string,
	change func(ctx context.Context, st *store.Store, tx pgxTx, ws store.StaffWorkshop, regID int64, now time.Time) (string, error)) {
	ctx := r.Context()
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	regID, ok := s.registrationIn(r)
	if !ok {
		s.renderNotFound(w, r)
		return
	}
	now := s.now()
	var done string
	err := s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
		var err error
		if done, err = change(ctx, st, tx, ws, regID, now); err != nil {
			return err
		}
		return s.audit(ctx, st, action, "workshop_registration", strconv.FormatInt(regID, 10), store.OutcomeSuccess, "workshop "+strconv.FormatInt(ws.ID, 10))
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.renderNotFound(w, r)
		return
	case errors.Is(err, store.ErrNoFreePlace):
		s.flash(r, "No place is free: all places are taken. Raise the number of places or remove someone first")
	case errors.Is(err, store.ErrTooLateToOffer):
		s.flash(r, "The event starts too soon for an offer they could answer: give them the place instead")
	case errors.Is(err, store.ErrConflict):
		s.flash(r, conflict)
	case errors.Is(err, store.ErrWorkshopCancelled):
		s.flash(r, "This event is cancelled")
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		s.flash(r, done)
	}
	http.Redirect(w, r, "/staff/workshops/"+strconv.FormatInt(ws.ID, 10), http.StatusSeeOther)
}

// workshopGivePlace gives someone waiting (or offered) a place by hand, if
// a place is free, and sends them the invitation.
func (s *Server) workshopGivePlace(w http.ResponseWriter, r *http.Request) {
	s.registrationChange(w, r, "workshop_give_place", "They are no longer waiting, so nothing was changed",
		func(ctx context.Context, st *store.Store, tx pgxTx, ws store.StaffWorkshop, regID int64, now time.Time) (string, error) {
			if _, err := st.GiveWorkshopPlace(ctx, ws.ID, regID, actorFrom(ctx).StaffID, now); err != nil {
				return "", err
			}
			return "Place given. They have been emailed", s.workshopMailer().SendWorkshopEmail(ctx, tx, regID, jobs.WorkshopPlacedEmail, now,
				"The careers team has given you a place from the waiting list.")
		})
}

// workshopOfferPlace offers a free place by hand to someone waiting, out
// of turn: they have until the offer runs out to accept (ws-core's offer
// email, with the link to accept or decline).
func (s *Server) workshopOfferPlace(w http.ResponseWriter, r *http.Request) {
	s.registrationChange(w, r, "workshop_offer_place", "They are no longer waiting, so nothing was changed",
		func(ctx context.Context, st *store.Store, tx pgxTx, ws store.StaffWorkshop, regID int64, now time.Time) (string, error) {
			expires, err := st.OfferWorkshopPlaceTo(ctx, ws.ID, regID, actorFrom(ctx).StaffID, now)
			if err != nil {
				return "", err
			}
			return "Place offered until " + web.DateTime(expires) + ". They have been emailed",
				s.workshopMailer().SendWorkshopEmail(ctx, tx, regID, jobs.WorkshopOfferEmail, now, "")
		})
}

// workshopRemove takes someone off the event. They are told; a place they
// held is offered to the first person waiting.
func (s *Server) workshopRemove(w http.ResponseWriter, r *http.Request) {
	s.registrationChange(w, r, "workshop_remove", "They were no longer registered, so nothing was changed",
		func(ctx context.Context, st *store.Store, tx pgxTx, ws store.StaffWorkshop, regID int64, now time.Time) (string, error) {
			reg, held, err := st.RemoveWorkshopRegistration(ctx, ws.ID, regID, actorFrom(ctx).StaffID, now)
			if err != nil || ws.Cancelled() {
				return "Removed", err
			}
			if err := s.workshopMailer().SendWorkshopEmail(ctx, tx, reg.ID, jobs.WorkshopRemovedEmail, now, ""); err != nil {
				return "", err
			}
			if !held {
				return "Removed", nil
			}
			// The freed place goes to the first person waiting.
			_, err = s.workshopMailer().OfferFreedPlaces(ctx, tx, ws.ID, now)
			return "Removed and emailed. A freed place is offered to the first person waiting", err
		})
}

// The attendance register.

func (s *Server) workshopAttendanceSheet(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	regs, err := s.store.StaffRegistrations(ctx, ws.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := web.WorkshopAttendanceProps{W: workshopRow(ws, s.now()), Closed: registerClosed(ws, s.now())}
	for _, x := range regs {
		if x.Status != workshops.Placed {
			continue
		}
		pp := web.WorkshopPerson{ID: x.ID, Name: x.Name, Attendance: x.Attendance}
		if x.AttendanceBy == "self" {
			pp.Detail = "Checked in with the code"
		}
		p.People = append(p.People, pp)
	}
	// The register names registrants: every view is recorded.
	if err := s.auditView(r, "workshop_view_register", workshopRecord, strconv.FormatInt(ws.ID, 10), store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.WorkshopAttendancePage(s.layout(r, ""), p))
}

// registerClosed says why the register of ws cannot be marked at now, or
// "" when it can: from when check-in opens (CheckInOpensBefore the start),
// as attendance before an event has taken place would send its feedback
// request and give its certificate to people who were never there.
func registerClosed(ws store.StaffWorkshop, now time.Time) string {
	opens := checkInOpens(ws.StartsAt)
	switch {
	case ws.Cancelled():
		return "This event was cancelled, so there is no register to mark."
	case now.Before(opens):
		return "The register opens when check-in does, 15 minutes before the start: " + web.DateTime(opens) + "."
	}
	return ""
}

// workshopSaveAttendance saves the whole register in one POST: attended or
// absent for each person with a place (a row left unmarked is unchanged).
func (s *Server) workshopSaveAttendance(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, ok := s.staffWorkshopFor(w, r)
	if !ok {
		return
	}
	if why := registerClosed(ws, s.now()); why != "" {
		s.flash(r, why)
		http.Redirect(w, r, "/staff/workshops/"+strconv.FormatInt(ws.ID, 10)+"/register", http.StatusSeeOther)
		return
	}
	marks := map[int64]string{}
	for k, vs := range r.PostForm {
		id, err := strconv.ParseInt(strings.TrimPrefix(k, "att-"), 10, 64)
		if !strings.HasPrefix(k, "att-") || err != nil || len(vs) == 0 {
			continue
		}
		marks[id] = vs[0]
	}
	var n int
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		var err error
		if n, err = st.SetWorkshopAttendance(ctx, ws.ID, marks, actorFrom(ctx).StaffID, s.now()); err != nil || n == 0 {
			return err
		}
		return s.audit(ctx, st, "workshop_attendance", workshopRecord, strconv.FormatInt(ws.ID, 10), store.OutcomeSuccess, "")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "Register saved: "+countOf(n, "change", "changes"))
	http.Redirect(w, r, "/staff/workshops/"+strconv.FormatInt(ws.ID, 10)+"/register", http.StatusSeeOther)
}
