package server

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"careers/internal/auth"
	"careers/internal/outcomes"
	"careers/internal/store"
	"careers/internal/telemetry"
	"careers/internal/workshops"
	"careers/web"
)

// After a workshop (issue 16; ws-after): the attendee's self check-in with
// the code staff show in the session, their feedback (the Friends and
// Family Test question and one free-text question, once) and their
// certificate of attendance. Every page starts from s.workshopPlace, which
// lets only the registrant in (by their emailed link's token or signed in)
// and audits the view.

// CheckInOpensBefore is how long before a workshop's start its attendees
// can check in; check-in closes at its end.
const CheckInOpensBefore = 15 * time.Minute

// checkInOpens is when check-in (and the staff register) opens for a
// workshop starting at start.
func checkInOpens(start time.Time) time.Time { return start.Add(-CheckInOpensBefore) }

// checkInOpenAt says whether check-in is open at now for a workshop from
// start to end: from checkInOpens until the end.
func checkInOpenAt(start, end, now time.Time) bool {
	return !now.Before(checkInOpens(start)) && now.Before(end)
}

// checkInThrottle slows down guessing a workshop's check-in code, per
// registration: a few typos cost nothing, then each wrong code waits
// longer. checkInAddressThrottle is per client address and loose, since a
// whole room may share one.
var (
	checkInThrottle        = auth.Throttle{Threshold: 5, Base: 30 * time.Second, Max: 15 * time.Minute, Reset: time.Hour}
	checkInAddressThrottle = auth.Throttle{Threshold: 100, Base: 30 * time.Second, Max: 15 * time.Minute, Reset: time.Hour}
)

// unitName is the unit as the certificate names it.
const unitName = "Professional Support Unit for London and Kent, Surrey and Sussex"

// placePath is a registrant's page under their place (suffix "" for the
// place itself), with their link's token when the page was opened by one.
func placePath(slug, token, suffix string) string {
	p := "/workshops/" + slug + "/your-place" + suffix
	if token != "" {
		p += "?" + url.Values{"token": {token}}.Encode()
	}
	return p
}

func (s *Server) afterPage(p store.WorkshopPlace, token string) web.WorkshopAfterPage {
	return web.WorkshopAfterPage{Slug: p.Slug, Token: token, Title: p.Title, When: web.TimeRange(p.StartsAt, p.EndsAt),
		Place: placePath(p.Slug, token, "")}
}

// checkInState says whether p may check in at now, and if not, why not.
func checkInState(p store.WorkshopPlace, now time.Time) (open, done bool, why string) {
	opens := checkInOpens(p.StartsAt)
	switch {
	case p.WorkshopStatus == workshops.WorkshopCancelled:
		return false, false, "This workshop was cancelled."
	case p.Status != workshops.Placed:
		return false, false, "Check-in is for people with a place at this workshop."
	case p.Attendance == "attended":
		return false, true, ""
	case now.Before(opens):
		return false, false, "Check-in opens 15 minutes before the start, at " + web.DateTime(opens) + ". Come back then, with the code shown in the session."
	case !now.Before(p.EndsAt):
		return false, false, "The workshop has ended, so check-in has closed. If you were there, tell the unit and a coordinator can mark your attendance."
	}
	return true, false, ""
}

// checkInKeys are the throttle keys a check-in attempt counts against.
func checkInKeys(registrationID int64, ip string) (reg, addr string) {
	return auth.ThrottleKey("workshop-check-in", strconv.FormatInt(registrationID, 10)),
		auth.ThrottleKey("workshop-check-in-ip", auth.AddressKey(ip))
}

// normaliseCode reads a typed check-in code: trimmed, spaces dropped,
// upper case (codes are letters and digits).
func normaliseCode(v string) string {
	return strings.ToUpper(strings.Join(strings.Fields(v), ""))
}

// workshopCheckInPage shows the check-in form while check-in is open.
func (s *Server) workshopCheckInPage(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.workshopPlace(w, r)
	if !ok {
		return
	}
	open, done, why := checkInState(p, s.now())
	s.render(w, r, http.StatusOK, web.WorkshopCheckInPage(s.layout(r, ""),
		web.WorkshopCheckInProps{WorkshopAfterPage: s.afterPage(p, token), Open: open, Done: done, Message: why}))
}

// workshopCheckIn checks the code and marks the registrant attended by
// their own check-in. Wrong codes count against a throttle, per
// registration and per address; a second submit after checking in changes
// nothing.
func (s *Server) workshopCheckIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, token, ok := s.workshopPlace(w, r)
	if !ok {
		return
	}
	props := web.WorkshopCheckInProps{WorkshopAfterPage: s.afterPage(p, token)}
	open, done, why := checkInState(p, s.now())
	if !open {
		props.Done, props.Message = done, why
		status := http.StatusConflict
		if done {
			status = http.StatusOK
		}
		s.render(w, r, status, web.WorkshopCheckInPage(s.layout(r, ""), props))
		return
	}
	props.Open = true
	props.Code = strings.TrimSpace(r.PostFormValue("code"))
	regKey, addrKey := checkInKeys(p.RegistrationID, clientIPFrom(ctx))
	until, err := s.store.BlockedUntil(ctx, []string{regKey, addrKey}, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !until.IsZero() {
		wait := until.Sub(s.now())
		minutes := int((wait + time.Minute - 1) / time.Minute)
		props.Errors.Add("code", "You have entered a wrong code too many times. Try again in "+plural(minutes, "minute"))
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.metrics.Throttled(telemetry.ThrottlePublic)
		_ = s.auditView(r, "workshop_check_in_throttled", "workshop_registration", strconv.FormatInt(p.RegistrationID, 10), store.OutcomeDenied)
		s.render(w, r, http.StatusTooManyRequests, web.WorkshopCheckInPage(s.layout(r, ""), props))
		return
	}
	code := normaliseCode(props.Code)
	if code == "" {
		props.Errors.Add("code", "Enter the check-in code shown in the session")
		s.render(w, r, http.StatusUnprocessableEntity, web.WorkshopCheckInPage(s.layout(r, ""), props))
		return
	}
	want, err := s.store.WorkshopCheckInCode(ctx, p.WorkshopID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(code), []byte(want)) != 1 {
		for _, k := range []struct {
			key string
			th  auth.Throttle
		}{{regKey, checkInThrottle}, {addrKey, checkInAddressThrottle}} {
			if err := s.store.RecordFailure(ctx, k.key, k.th, s.now()); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		_ = s.auditView(r, "workshop_check_in", "workshop_registration", strconv.FormatInt(p.RegistrationID, 10), store.OutcomeDenied)
		props.Errors.Add("code", "The code is not right. Check the code shown in the session and try again")
		s.render(w, r, http.StatusUnprocessableEntity, web.WorkshopCheckInPage(s.layout(r, ""), props))
		return
	}
	err = s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		changed, err := st.WorkshopSelfCheckIn(ctx, p.RegistrationID, s.now())
		if err != nil || !changed {
			return err
		}
		return s.audit(ctx, st, "workshop_check_in", "workshop_registration", strconv.FormatInt(p.RegistrationID, 10), store.OutcomeSuccess, "self")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.store.ClearThrottle(ctx, regKey); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "You are checked in")
	http.Redirect(w, r, placePath(p.Slug, token, "/check-in"), http.StatusSeeOther)
}

// attendedAndOver reports whether p attended a workshop that has ended by
// now: feedback and the certificate are theirs then.
func attendedAndOver(p store.WorkshopPlace, now time.Time) bool {
	return p.WorkshopStatus == workshops.WorkshopScheduled && p.Status == workshops.Placed &&
		p.Attendance == "attended" && !now.Before(p.EndsAt)
}

// notAttendedText is why feedback or the certificate is not there.
func notAttendedText(p store.WorkshopPlace, now time.Time) string {
	switch {
	case p.WorkshopStatus == workshops.WorkshopCancelled:
		return "This workshop was cancelled."
	case p.Status == workshops.Placed && now.Before(p.EndsAt):
		return "This opens after the workshop, for the people who attended."
	}
	return "This is for the people who attended the workshop. If you were there and are not marked as attending, tell the unit and a coordinator can put it right."
}

func feedbackChoices(vals func(string) string, errs web.Errors) web.Choices {
	c := web.Choices{Name: "fft", Legend: outcomes.FFTQuestion, Error: errs.For("fft")}
	for _, a := range outcomes.FFTAnswers {
		c.Options = append(c.Options, web.Option{Value: a.Value, Label: a.Label, Checked: vals("fft") == a.Value})
	}
	return c
}

// workshopFeedbackPage asks an attendee for feedback after the workshop,
// or thanks them when they have given it.
func (s *Server) workshopFeedbackPage(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.workshopPlace(w, r)
	if !ok {
		return
	}
	props := web.WorkshopFeedbackProps{WorkshopAfterPage: s.afterPage(p, token)}
	if !attendedAndOver(p, s.now()) {
		props.Closed, props.Message = true, notAttendedText(p, s.now())
		s.render(w, r, http.StatusForbidden, web.WorkshopFeedbackPage(s.layout(r, ""), props))
		return
	}
	_, given, err := s.store.WorkshopFeedbackOf(r.Context(), p.RegistrationID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	props.Certificate = placePath(p.Slug, token, "/certificate")
	if given {
		props.Done = true
	} else {
		props.FFT = feedbackChoices(func(string) string { return "" }, nil)
	}
	s.render(w, r, http.StatusOK, web.WorkshopFeedbackPage(s.layout(r, ""), props))
}

// workshopFeedback records an attendee's feedback once; a second submit
// keeps the first answers.
func (s *Server) workshopFeedback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, token, ok := s.workshopPlace(w, r)
	if !ok {
		return
	}
	props := web.WorkshopFeedbackProps{WorkshopAfterPage: s.afterPage(p, token)}
	if !attendedAndOver(p, s.now()) {
		props.Closed, props.Message = true, notAttendedText(p, s.now())
		s.render(w, r, http.StatusForbidden, web.WorkshopFeedbackPage(s.layout(r, ""), props))
		return
	}
	f := store.WorkshopFeedback{FFT: r.PostFormValue("fft"), Comment: strings.TrimSpace(r.PostFormValue("comment")), AnsweredAt: s.now()}
	var errs web.Errors
	if !outcomes.ValidFFT(f.FFT) {
		errs.Add("fft", "Select how your experience of the workshop was")
	}
	if n := len([]rune(f.Comment)); n > outcomes.MaxComment {
		errs.Add("comment", "What could we do better must be 2,000 characters or fewer (you wrote "+strconv.Itoa(n)+")")
	}
	errs = withFormErrors(r, errs, "comment")
	if errs.Any() {
		props.FFT, props.Comment, props.Errors = feedbackChoices(r.PostFormValue, errs), r.PostFormValue("comment"), errs
		props.Certificate = placePath(p.Slug, token, "/certificate")
		s.render(w, r, http.StatusUnprocessableEntity, web.WorkshopFeedbackPage(s.layout(r, ""), props))
		return
	}
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		saved, err := st.SaveWorkshopFeedback(ctx, p.RegistrationID, f)
		if err != nil || !saved {
			return err
		}
		// The audit says feedback was given, not what it said.
		return s.audit(ctx, st, "workshop_feedback", "workshop_registration", strconv.FormatInt(p.RegistrationID, 10), store.OutcomeSuccess, "")
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "Thank you. We have your feedback")
	http.Redirect(w, r, placePath(p.Slug, token, "/feedback"), http.StatusSeeOther)
}

// durationWords says how long an event lasts, such as "1 hour 30 minutes".
func durationWords(d time.Duration) string {
	mins := int(d.Round(time.Minute) / time.Minute)
	h, m := mins/60, mins%60
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour"))
	}
	if m > 0 || h == 0 {
		parts = append(parts, plural(m, "minute"))
	}
	return strings.Join(parts, " ")
}

// workshopCertificate is an attendee's printable certificate of
// attendance, after the workshop.
func (s *Server) workshopCertificate(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.workshopPlace(w, r)
	if !ok {
		return
	}
	if !attendedAndOver(p, s.now()) {
		props := web.WorkshopFeedbackProps{WorkshopAfterPage: s.afterPage(p, token), Closed: true, Message: notAttendedText(p, s.now())}
		s.render(w, r, http.StatusForbidden, web.WorkshopNotYoursPage(s.layout(r, ""), props))
		return
	}
	if err := s.auditView(r, "download", "workshop_certificate", strconv.FormatInt(p.RegistrationID, 10), store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	start, end := p.StartsAt.In(londonTZ), p.EndsAt.In(londonTZ)
	mode := "Online"
	if p.Mode == workshops.ModeInPerson {
		mode = "In person"
	}
	times := web.TimeRange(start, end)
	if _, t, ok := strings.Cut(times, ", "); ok {
		times = t
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, web.WorkshopCertificatePage(s.layout(r, ""), web.WorkshopCertificateProps{
		WorkshopAfterPage: s.afterPage(p, token), Name: p.Name, Date: start.Format("Monday 2 January 2006"), Times: times,
		Duration: durationWords(end.Sub(start)), Mode: mode, Unit: unitName, Issued: web.Date(s.now())}))
}
