package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"careers/internal/booking"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// window is the booking window the page and the server share.
func (s *Server) window() booking.Window {
	return booking.Window{Notice: s.cfg.BookingMinNotice, Horizon: s.cfg.BookingHorizon}.WithDefaults()
}

// canMove says whether a booked session of the referral can be moved to a
// new time: while a coach is allocated. Neither the allowance (an in-time
// move uses no extra session; a late one is settled by the ledger's own
// check in the same transaction) nor the funding (the session was booked
// already) is checked here.
func canMove(st store.ReferralState) (bool, string) {
	if st.CoachID == 0 || (st.Status != string(triage.StateAllocated) && st.Status != string(triage.StateActive)) {
		return false, "Sessions can be changed while a coach is allocated. Contact the careers support team."
	}
	return true, ""
}

// bookView is what a booking page shows besides the free times: for whom,
// where it posts, and the session being moved, if any.
type bookView struct {
	staff      bool
	back       string
	action     string
	moving     *store.Appointment
	movingLate bool
	reason     string
	// audit: the view of the referral is not audited yet; the page writes
	// its row with its own reads (store.BookingPage).
	audit bool
}

// renderBook shows the booking page. Visiting it when nothing can be booked
// sends the person back with the reason; a refused booking (errs set) shows
// the page again with the reason in the error summary, and the times that
// are still free if booking is still possible.
func (s *Server) renderBook(w http.ResponseWriter, r *http.Request, status int, c store.ReferralCard, staff bool, errs web.Errors) {
	s.renderBookView(w, r, status, c, s.bookingView(c, staff), errs)
}

// bookingView is the booking page of c, for the trainee or for staff
// booking on their behalf.
func (s *Server) bookingView(c store.ReferralCard, staff bool) bookView {
	if staff {
		return bookView{staff: true, back: "/staff/referrals/" + c.Reference, action: "/staff/referrals/" + c.Reference + "/book"}
	}
	return bookView{back: "/your-referrals/" + c.Reference, action: "/your-referrals/" + c.Reference + "/book"}
}

// renderBookView shows the free times a week at a time, grouped by day,
// filtered by way of meeting, with those that match what the trainee told
// us marked. After the session and the referral's access check: the
// referral with its coach and preferences, and the coach's free times in
// the booking window, with the view's audit row in the same round trip
// when v.audit says it is still to be written.
func (s *Server) renderBookView(w http.ResponseWriter, r *http.Request, status int, c store.ReferralCard, v bookView, errs web.Errors) {
	ctx := r.Context()
	now := s.now()
	win := s.window()
	var st store.BookingState
	var free []store.FreeSlot
	var err error
	if v.audit {
		// The view's audit row, the referral and its coach's free times in
		// one round trip; nothing is read unless the row is written.
		e := s.auditEntry(ctx, string(policy.ViewReferral), "referral", c.Reference, store.OutcomeSuccess)
		st, free, err = s.store.BookingPage(ctx, e, c.ID, win.From(now), win.To(now))
	} else {
		st, err = s.store.BookingStateByID(ctx, c.ID)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ok, why := canBook(st.ReferralState)
	if v.moving != nil {
		ok, why = canMove(st.ReferralState)
	}
	if !ok && !errs.Any() {
		s.flash(r, why)
		http.Redirect(w, r, v.back, http.StatusSeeOther)
		return
	}
	p := web.BookProps{Reference: c.Reference, Coach: st.CoachName, Back: v.back, Action: v.action, Errors: errs, Staff: v.staff,
		Notice: win.NoticeText(), Horizon: win.HorizonText(), Blocked: !ok, MovingLate: v.movingLate, Reason: v.reason}
	if v.moving != nil {
		row := apptRow(*v.moving)
		p.Moving = &row
	}
	if ok {
		if !v.audit {
			if free, err = s.store.FreeSlots(ctx, st.CoachID, win.From(now), win.To(now)); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		chosen, _ := strconv.ParseInt(r.PostFormValue("slot"), 10, 64)
		fillWeek(&p, free, weekQuery{from: r.FormValue("from"), day: r.FormValue("day"), mode: r.FormValue("mode"), path: r.URL.Path, chosen: chosen},
			booking.ParsePreference(st.PrefMode, st.PrefTimes), now)
	}
	s.render(w, r, status, web.BookPage(s.layout(r, ""), p))
}

// weekQuery is the week, day and way of meeting asked for (GET
// parameters, or the form's hidden fields when it is shown again), and the
// time chosen.
type weekQuery struct {
	from, day, mode, path string
	chosen                int64
}

// daysShown is how many days a page of times covers.
const daysShown = 7

// fillWeek puts the asked week on the page: a day picker with each day's
// number of free times (London days), the chosen day's times, and links to
// the weeks around it that have free times and to each way of meeting.
// Without a week asked for, the page opens on the first day with a free
// time (of the chosen way of meeting); without a day, on the week's first
// day with one, or the chosen time's day when the form is shown again. One
// day at a time keeps a busy week to a screenful on a phone.
func fillWeek(p *web.BookProps, free []store.FreeSlot, q weekQuery, pref booking.Preference, now time.Time) {
	p.AnyFree = len(free) > 0
	mode := booking.Mode(q.mode)
	if !mode.Valid() {
		mode = ""
	}
	p.Mode = string(mode)
	var shown []store.FreeSlot
	for _, f := range free {
		if mode == "" || booking.Mode(f.Mode) == mode {
			shown = append(shown, f)
		}
	}
	today := booking.DateOf(now)
	start, err := booking.ParseDate(q.from)
	switch {
	case err != nil || !start.Valid():
		start = today
		if len(shown) > 0 {
			start = booking.DateOf(shown[0].Start)
		}
	case start.Compare(today) < 0:
		start = today
	}
	end := start.AddDays(daysShown)
	from, to := start.Midnight(), end.Midnight()
	p.WeekFrom, p.WeekTo, p.From = from, to, start.String()

	link := func(d booking.Date, m booking.Mode, day string) string {
		v := url.Values{}
		v.Set("from", d.String())
		if m != "" {
			v.Set("mode", string(m))
		}
		if day != "" {
			v.Set("day", day)
		}
		return q.path + "?" + v.Encode()
	}
	var days []web.BookDay
	byDay := map[booking.Date]int{}
	chosenDay := -1
	for _, f := range shown {
		switch {
		case f.Start.Before(from):
			p.Earlier = link(latest(start.AddDays(-daysShown), today), mode, "")
			continue
		case !f.Start.Before(to):
			if p.Later == "" {
				p.Later = link(end, mode, "")
			}
			continue
		}
		d := booking.DateOf(f.Start)
		i, ok := byDay[d]
		if !ok {
			i = len(days)
			byDay[d] = i
			days = append(days, web.BookDay{Date: d.Midnight()})
		}
		if f.ID == q.chosen {
			chosenDay = i
		}
		days[i].Times = append(days[i].Times, web.BookTime{ID: f.ID, Start: f.Start, End: f.End, Mode: f.Mode, Place: f.Place,
			Matches: pref.Matches(f.Start, booking.Mode(f.Mode)), Late: f.Start.Sub(now) < booking.NoticePeriod, Checked: f.ID == q.chosen})
	}
	// The day shown: the chosen time's, else the one asked for if it has
	// times, else the first with times.
	pick := chosenDay
	if asked, err := booking.ParseDate(q.day); pick < 0 && err == nil {
		if i, ok := byDay[asked]; ok {
			pick = i
		}
	}
	if pick < 0 && len(days) > 0 {
		pick = 0
	}
	if pick >= 0 {
		p.Day = &days[pick]
	}
	for d := start; d.Compare(end) < 0; d = d.AddDays(1) {
		c := web.DayChoice{Date: d.Midnight()}
		if i, ok := byDay[d]; ok {
			c.Times = len(days[i].Times)
			for _, t := range days[i].Times {
				if t.Matches {
					c.Matches++
				}
			}
			c.URL, c.Current = link(start, mode, d.String()), i == pick
		}
		p.Week = append(p.Week, c)
	}
	p.Suits = describePreference(pref)
	// A filter opens on the first day with a time of its way of meeting,
	// so choosing one never lands on an empty week.
	filter := func(m booking.Mode) string {
		if m == "" {
			return q.path
		}
		return q.path + "?" + url.Values{"mode": {string(m)}}.Encode()
	}
	p.Filters = []web.ModeFilter{{Label: "All ways of meeting", URL: filter(""), Current: mode == ""}}
	for _, m := range []booking.Mode{booking.ModeVirtual, booking.ModeTelephone, booking.ModeInPerson} {
		p.Filters = append(p.Filters, web.ModeFilter{Label: web.ModeLabel(string(m)), URL: filter(m), Current: mode == m})
	}
}

// latest is the last of dates.
func latest(ds ...booking.Date) booking.Date {
	out := ds[0]
	for _, d := range ds[1:] {
		if d.Compare(out) > 0 {
			out = d
		}
	}
	return out
}

// describePreference words a preference for the page ("video call;
// Tuesday, Thursday; evening"), or "" for none.
func describePreference(p booking.Preference) string {
	if !p.Known() {
		return ""
	}
	var parts []string
	if p.Mode != "" {
		parts = append(parts, strings.ToLower(web.ModeLabel(string(p.Mode))))
	}
	var days []string
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if p.Days[d] {
			days = append(days, d.String())
		}
	}
	if len(days) == 5 && !p.Days[time.Saturday] && !p.Days[time.Sunday] {
		days = []string{"weekdays"}
	}
	if len(days) > 0 {
		parts = append(parts, strings.Join(days, ", "))
	}
	var when []string
	for _, d := range []booking.DayPart{booking.Morning, booking.Afternoon, booking.Evening} {
		if p.Parts[d] {
			when = append(when, string(d)+"s")
		}
	}
	if len(when) > 0 {
		parts = append(parts, strings.Join(when, ", "))
	}
	return strings.Join(parts, "; ")
}

// bookableError says why a chosen time cannot be booked now, or "" when
// it can: the server's check of the same window the page offers.
func (s *Server) bookableError(start time.Time) string {
	win, now := s.window(), s.now()
	switch {
	case win.TooSoon(start, now):
		return "That time starts in less than " + win.NoticeText() + ". Choose a time at least " + win.NoticeText() + " from now"
	case !win.Bookable(start, now):
		return "That time is more than " + win.HorizonText() + " ahead. Choose a time in the next " + win.HorizonText()
	}
	return ""
}
