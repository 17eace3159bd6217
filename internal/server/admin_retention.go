package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"careers/internal/jobs"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/web"
)

// retentionWindowDays is how far ahead the retention page looks.
const retentionWindowDays = 30

// retentionListLimit caps the list of referrals falling due.
const retentionListLimit = 200

const registerPageSize = 50

// categoryLabels name the register's categories for people.
var categoryLabels = map[string]string{
	store.CatReferral:           "Referral details",
	store.CatDocuments:          "Documents (Form C)",
	store.CatSummaries:          "Summaries",
	store.CatAppointments:       "Appointments",
	store.CatMessages:           "Messages",
	store.CatMessageAttachments: "Message attachments",
	store.CatTimeline:           "Timeline events",
	store.CatNotes:              "Notes",
	store.CatQuestions:          "Questions to the trainee",
	store.CatExtensions:         "Extra sessions requests",
	store.CatAllowance:          "Allowance ledger entries",
	store.CatDrafts:             "Form drafts",
	store.CatOneTimeLinks:       "One-time links",
	store.CatQuestionnaires:     "Outcome questionnaires",
	// A workshop's registrations (issue 16).
	store.CatWorkshopRegistrations: "Workshop registrations",
	store.CatWorkshopAttendance:    "Attendance records",
	store.CatWorkshopFeedback:      "Workshop feedback",
	store.CatWorkshopLinks:         "Links to a place",
}

// retentionMonths is the period in force (the configuration's, or the
// default when a test builds a Config by hand).
func (s *Server) retentionMonths() int {
	if s.cfg.RetentionMonths > 0 {
		return s.cfg.RetentionMonths
	}
	return jobs.DefaultRetentionMonths
}

// periodText is the retention period as people read it: "6 years",
// "18 months" (the privacy notice says it so too).
func periodText(months int) string {
	switch {
	case months == 12:
		return "1 year"
	case months%12 == 0:
		return strconv.Itoa(months/12) + " years"
	case months == 1:
		return "1 month"
	}
	return strconv.Itoa(months) + " months"
}

// adminRetention shows what falls due and the holds.
func (s *Server) adminRetention(w http.ResponseWriter, r *http.Request) {
	s.renderRetention(w, r, http.StatusOK, web.RetentionProps{})
}

// renderRetention fills in the lists around the form values in p; a view
// of the page is audited.
func (s *Server) renderRetention(w http.ResponseWriter, r *http.Request, status int, p web.RetentionProps) {
	ctx := r.Context()
	months := s.retentionMonths()
	today := s.now().In(londonTZ)
	p.Period, p.WindowDays = periodText(months), retentionWindowDays
	if months%12 == 0 {
		p.Period += " (" + strconv.Itoa(months) + " months)"
	}
	due, err := s.store.ReferralsDueBy(ctx, today.AddDate(0, 0, retentionWindowDays), months, retentionListLimit+1, true)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(due) > retentionListLimit {
		due, p.More = due[:retentionListLimit], true
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	for _, d := range due {
		p.Due = append(p.Due, web.DueRow{Reference: d.Reference, Route: d.Route, Status: d.Status, ClosedAt: d.ClosedAt,
			DueOn: d.DueOn, Overdue: !d.DueOn.After(day), OnHold: d.OnHold})
	}
	holds, err := s.store.LegalHolds(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, h := range holds {
		p.Holds = append(p.Holds, web.HoldRow{Reference: h.Reference, Route: h.Route, Status: h.Status, ClosedAt: h.ClosedAt,
			Reason: h.Reason, By: h.ByName, At: h.At})
	}
	if err := s.auditView(r, "view", "retention", "", store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.RetentionPage(s.layout(r, ""), p))
}

// holdForm reads and checks a reference and a reason.
func holdForm(r *http.Request, prefix string, errs *web.Errors) (ref, reason string) {
	ref = strings.ToUpper(strings.TrimSpace(r.PostFormValue(prefix + "-reference")))
	if norm, ok := referral.NormaliseReference(ref); ok {
		ref = norm // "cr 7k2m q9ta" as typed from a letter
	}
	reason = strings.TrimSpace(r.PostFormValue(prefix + "-reason"))
	if ref == "" {
		errs.Add(prefix+"-reference", "Enter the referral's reference")
	} else if len(ref) > 40 {
		errs.Add(prefix+"-reference", "Enter a reference like CR-7K2M-Q9TA")
	}
	switch {
	case reason == "":
		errs.Add(prefix+"-reason", "Enter the reason")
	case len([]rune(reason)) > 1000:
		errs.Add(prefix+"-reason", "The reason must be 1,000 characters or fewer")
	}
	*errs = withFormErrors(r, *errs, prefix+"-reference", prefix+"-reason")
	return ref, reason
}

// adminPlaceHold puts a referral under a legal hold, with its audit row in
// the same transaction. A second submit finds it held and is told so.
func (s *Server) adminPlaceHold(w http.ResponseWriter, r *http.Request) {
	var p web.RetentionProps
	p.HoldRef, p.HoldReason = holdForm(r, "hold", &p.Errors)
	if p.Errors.Any() {
		s.renderRetention(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	err := s.holdChange(r, "legal_hold_placed", p.HoldRef, p.HoldReason, (*store.Store).PlaceLegalHold)
	switch {
	case errors.Is(err, store.ErrNotFound):
		at, destroyed, rerr := s.store.DestroyedOn(r.Context(), p.HoldRef)
		switch {
		case rerr != nil:
			s.serverError(w, r, rerr)
			return
		case destroyed:
			p.Errors.Add("hold-reference", "This referral was destroyed on "+web.DateTime(at)+", at the end of its retention period: see the destruction register")
		default:
			p.Errors.Add("hold-reference", "There is no referral with this reference")
		}
	case errors.Is(err, store.ErrConflict):
		p.Errors.Add("hold-reference", "This referral is already under a legal hold")
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if p.Errors.Any() {
		s.renderRetention(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	s.flash(r, "Legal hold placed on "+p.HoldRef+". It will be kept until the hold is lifted")
	http.Redirect(w, r, "/staff/admin/retention", http.StatusSeeOther)
}

// adminLiftHold ends a legal hold.
func (s *Server) adminLiftHold(w http.ResponseWriter, r *http.Request) {
	var p web.RetentionProps
	p.LiftRef, p.LiftReason = holdForm(r, "lift", &p.Errors)
	if p.Errors.Any() {
		s.renderRetention(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	err := s.holdChange(r, "legal_hold_lifted", p.LiftRef, p.LiftReason, (*store.Store).LiftLegalHold)
	switch {
	case errors.Is(err, store.ErrNotFound):
		p.Errors.Add("lift-reference", "There is no referral with this reference")
	case errors.Is(err, store.ErrConflict):
		p.Errors.Add("lift-reference", "This referral is not under a legal hold")
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if p.Errors.Any() {
		s.renderRetention(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	s.flash(r, "Legal hold on "+p.LiftRef+" lifted")
	http.Redirect(w, r, "/staff/admin/retention", http.StatusSeeOther)
}

// holdChange runs a hold change and its audit row in one transaction.
func (s *Server) holdChange(r *http.Request, action, ref, reason string,
	change func(st *store.Store, ctx context.Context, ref, reason string, by int64, now time.Time) error) error {
	ctx := r.Context()
	return s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		if err := change(st, ctx, ref, reason, actorFrom(ctx).StaffID, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, st, action, "referral", ref, store.OutcomeSuccess, "reason: "+reason)
	})
}

// adminRegister lists the destruction register newest first, with keyset
// pagination (the cursor is a time and an id, nothing personal).
func (s *Server) adminRegister(w http.ResponseWriter, r *http.Request) {
	p := web.RegisterProps{First: true}
	var beforeAt time.Time
	var beforeID int64
	if at, id := r.URL.Query().Get("before"), r.URL.Query().Get("id"); at != "" {
		ns, err1 := strconv.ParseInt(at, 10, 64)
		n, err2 := strconv.ParseInt(id, 10, 64)
		if err1 == nil && err2 == nil && n > 0 {
			beforeAt, beforeID, p.First = time.Unix(0, ns).UTC(), n, false
		}
	}
	rows, err := s.store.DestructionRegister(r.Context(), beforeAt, beforeID, registerPageSize)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(rows) > registerPageSize {
		last := rows[registerPageSize-1]
		p.Next = "/staff/admin/retention/register?before=" + strconv.FormatInt(last.DestroyedAt.UnixNano(), 10) + "&id=" + strconv.FormatInt(last.ID, 10)
		rows = rows[:registerPageSize]
	}
	for _, e := range rows {
		row := web.RegisterRow{Reference: e.Reference, Route: e.Route, SubmittedOn: e.SubmittedOn, ClosedOn: e.ClosedOn,
			DueOn: e.DueOn, DestroyedAt: e.DestroyedAt, Months: e.RetentionMonths}
		for _, c := range append(slices.Clone(store.Categories), store.WorkshopCategories...) {
			if n := e.Categories[c]; n > 0 {
				row.Categories = append(row.Categories, web.Count{Label: categoryLabels[c], N: n})
			}
		}
		p.Rows = append(p.Rows, row)
	}
	if err := s.auditView(r, "view", "destruction_register", "", store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.RegisterPage(s.layout(r, ""), p))
}
