package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/outcomes"
	"careers/internal/policy"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/internal/workshops"
	"careers/web"
)

// yourData is the trainee's page for downloading everything held about them.
func (s *Server) yourData(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.SubjectCountsFor(r.Context(), actorFrom(r.Context()).Email)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var p web.YourDataProps
	add := func(n int, one, many string) {
		if n == 1 {
			p.Counts = append(p.Counts, "1 "+one)
		} else if n > 1 {
			p.Counts = append(p.Counts, strconv.Itoa(n)+" "+many)
		}
	}
	add(c.Referrals, "referral for you", "referrals for you")
	add(c.AsReferrer, "referral you made for someone else", "referrals you made for other people")
	add(c.Documents, "document", "documents")
	add(c.Appointments, "session", "sessions")
	add(c.Summaries, "summary", "summaries")
	add(c.Messages, "email we sent you", "emails we sent you")
	add(c.Workshops, "workshop registration", "workshop registrations")
	add(c.Access, "record of who looked at or changed your records", "records of who looked at or changed your records")
	s.render(w, r, http.StatusOK, web.YourDataPage(s.layout(r, ""), p))
}

// yourDataDownload sends the signed-in person their own data.
func (s *Server) yourDataDownload(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := s.store.SubjectData(r.Context(), actorFrom(r.Context()).Email, s.now())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		// The download holds the trainee's column of the audience table:
		// not the team's internal notes and closing note (working notes
		// that may name others), nor the reasons the team wrote for
		// itself; a formal request through an admin includes them once
		// reviewed.
		a := actorFrom(r.Context())
		for i, ref := range d.Referrals {
			d.Referrals[i] = subjectReferralFor(policy.AudienceOf(a, policy.ReferralOwners{TraineeEmail: ref.TraineeEmail,
				ReferrerEmail: ref.ReferrerEmail}), ref)
		}
		// The referrals they made for someone else: the status as their
		// column gives it (a withdrawal reads as closed).
		for i, ref := range d.AsReferrer {
			d.AsReferrer[i].Status = policy.AudienceFor(policy.ViewerSupervisor).StatusOf(ref.Status)
		}
		d.NotesLeftOut = true
		s.sendSubjectData(w, r, d, format, "export_own_data")
	}
}

// auditSubject records a look at a person's data as a whole: the record is
// the person's address (the audit log, readable by admins only, already
// holds public people's addresses), so the person's own download lists it
// among who looked at their records.
func (s *Server) auditSubject(r *http.Request, email, action, outcome, detail string) error {
	e := s.auditEntry(r.Context(), action, "personal_data", store.NormaliseEmail(email), outcome)
	e.Detail = detail
	return s.store.Audit(r.Context(), e)
}

// sendSubjectData records the export in the audit log, with the references
// it covered, and sends it as a download.
func (s *Server) sendSubjectData(w http.ResponseWriter, r *http.Request, d store.SubjectData, format, action string) {
	ctx := r.Context()
	refs := make([]string, 0, len(d.Referrals)+len(d.AsReferrer))
	for _, ref := range d.Referrals {
		refs = append(refs, ref.Reference)
	}
	for _, ref := range d.AsReferrer {
		refs = append(refs, ref.Reference)
	}
	if err := s.auditSubject(r, d.Email, action, store.OutcomeSuccess, format+"; referrals: "+strings.Join(refs, ",")); err != nil {
		s.serverError(w, r, err)
		return
	}
	name := "careers-support-data-" + s.now().In(londonTZ).Format("2006-01-02")
	w.Header().Set("Cache-Control", "no-store")
	switch format {
	case "json":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			s.log.ErrorContext(ctx, "data export write failed", "request_id", requestID(r), "error", err.Error())
		}
	default:
		// Rendered whole first: a template error is a clean error page, and
		// the document is compressed in one piece.
		buf := pageBuffers.Get().(*bytes.Buffer)
		defer putPageBuffer(buf)
		if err := web.ExportDocument(nonceFrom(ctx), exportDoc(d)).Render(ctx, buf); err != nil {
			s.serverError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.html"`)
		if _, err := buf.WriteTo(w); err != nil {
			s.log.ErrorContext(ctx, "data export write failed", "request_id", requestID(r), "error", err.Error())
		}
	}
}

// exportDoc lays a person's data out as a readable document.
func exportDoc(d store.SubjectData) web.ExportDoc {
	doc := web.ExportDoc{Title: "Your careers support data", Generated: web.DateTime(d.GeneratedAt),
		Intro: []string{
			"This is everything the careers support service holds about the email address " + d.Email + ".",
			"The same data is available as a JSON file for other services to read.",
		}}
	if d.NotesLeftOut {
		doc.Intro = append(doc.Intro, "Notes the careers support team wrote for their own work (their internal notes, the closing note, and the reasons they recorded for their decisions) are not in this download. You can ask the unit for them: see the privacy notice.")
	}
	if d.Empty() {
		doc.Sections = append(doc.Sections, web.ExportSection{Heading: "Nothing held", Empty: "We hold nothing about this address."})
	}
	for _, ref := range d.Referrals {
		doc.Sections = append(doc.Sections, referralSections(ref)...)
	}
	if len(d.AsReferrer) > 0 {
		t := web.ExportTable{Caption: "Referrals you made for other people", Head: []string{"Reference", "Sent", "Status", "Your name as given", "Your email as given"}}
		for _, ref := range d.AsReferrer {
			t.Rows = append(t.Rows, []string{ref.Reference, web.DateTime(ref.SubmittedAt), web.StatusLabel(ref.Status), ref.ReferrerName, ref.ReferrerEmail})
		}
		doc.Sections = append(doc.Sections, web.ExportSection{Heading: "Referrals you made for other people",
			Paragraphs: []string{"What those trainees told us is theirs, so only your own part is here."}, Tables: []web.ExportTable{t}})
	}
	if len(d.Workshops) > 0 {
		t := web.ExportTable{Caption: "Workshops and webinars you registered for",
			Head: []string{"Workshop", "When (UK time)", "Registration", "Name and details as given", "Eligibility check", "Registered", "Confirmed", "Ended", "Attendance", "Your feedback"}}
		for _, x := range d.Workshops {
			details := x.Name + ", " + x.Email + "; " + referral.ProfessionalGroup(x.ProfessionalGroup).Label() + ", " +
				referral.Region(x.Region).Label() + ", " + referral.Stage(x.Grade).Label()
			status := workshops.StatusLabel(x.Status)
			if x.WorkshopStatus == workshops.WorkshopCancelled {
				status += " (the workshop was cancelled)"
			}
			t.Rows = append(t.Rows, []string{x.Workshop, workshops.When(x.StartsAt, x.EndsAt), status, details,
				eligibility.Outcome(x.Eligibility).Label(), web.DateTime(x.RegisteredAt), optTime(x.ConfirmedAt), optTime(x.EndedAt), x.Attendance,
				strings.TrimSuffix(outcomes.FFTLabel(x.FeedbackFFT)+": "+x.FeedbackComment, ": ")})
		}
		doc.Sections = append(doc.Sections, web.ExportSection{Heading: "Workshops and webinars", Tables: []web.ExportTable{t}})
	}
	msgs := web.ExportSection{Heading: "Emails we sent you", Empty: "We have not sent you any emails."}
	for _, m := range d.Messages {
		lines := []string{web.DateTime(m.At) + ", " + deliveryStatus(m.Status)}
		if m.Reference != "" {
			lines = append(lines, "Referral "+m.Reference)
		}
		if len(m.Attachments) > 0 {
			lines = append(lines, "Attached: "+strings.Join(m.Attachments, ", "))
		}
		lines = append(lines, "", m.Body)
		msgs.Pairs = append(msgs.Pairs, web.AnswerRow{Key: m.Subject, Value: lines})
	}
	doc.Sections = append(doc.Sections, msgs)
	access := web.ExportSection{Heading: "Who looked at or changed your records", Empty: "Nobody has."}
	if len(d.Access) > 0 {
		t := web.ExportTable{Caption: "Every time your records were opened or changed, and your own sign-ins and downloads", Head: []string{"When", "Who", "What", "Record", "Outcome"}}
		for _, x := range d.Access {
			t.Rows = append(t.Rows, []string{web.DateTime(x.At), x.Who, strings.ReplaceAll(x.Action, "_", " "), x.Record, x.Outcome})
		}
		access.Tables = []web.ExportTable{t}
	}
	doc.Sections = append(doc.Sections, access)
	return doc
}

func optTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return web.DateTime(*t)
}

// referralSections is one referral as sections of the document.
func referralSections(ref store.SubjectReferral) []web.ExportSection {
	pair := func(k string, v ...string) web.AnswerRow { return web.AnswerRow{Key: k, Value: v} }
	main := web.ExportSection{Heading: "Referral " + ref.Reference}
	main.Pairs = append(main.Pairs, pair("Route", web.RouteLabel(ref.Route)), pair("Status", web.StatusLabel(ref.Status)),
		pair("Sent", web.DateTime(ref.SubmittedAt)), pair("Trainee", ref.TraineeName, ref.TraineeEmail))
	if ref.ReferrerName != "" || ref.ReferrerEmail != "" {
		main.Pairs = append(main.Pairs, pair("Referred by", ref.ReferrerName, ref.ReferrerEmail))
	}
	for _, p := range []struct{ k, v string }{
		{"Professional group", referral.ProfessionalGroup(ref.ProfessionalGroup).Label()}, {"Region", referral.Region(ref.Region).Label()},
		{"Registration", strings.TrimSpace(referral.RegistrationBody(ref.RegistrationBody).Label() + " " + ref.RegistrationNumber)},
		{"Case Manager", ref.CaseManager}, {"Coach", ref.Coach}, {"Confirmed by you", optTime(ref.ConfirmedAt)},
		{"First response", optTime(ref.FirstResponseAt)}, {"Closed", optTime(ref.ClosedAt)},
		{"Outcome", outcomeLabel(ref.Outcome)}, {"Closing note", ref.ClosingNote},
	} {
		if p.v != "" {
			main.Pairs = append(main.Pairs, pair(p.k, p.v))
		}
	}
	elig := []string{eligibility.Outcome(ref.Eligibility).Label()}
	for _, rs := range ref.EligibilityReasons {
		if rs.Text != "" {
			elig = append(elig, rs.Text)
		}
		if rs.Signpost != "" {
			elig = append(elig, "What to do: "+rs.Signpost)
		}
	}
	main.Pairs = append(main.Pairs, pair("Eligibility check", elig...))
	if ref.EligibilityDecided != "" {
		main.Pairs = append(main.Pairs, pair("Coordinator's eligibility decision", eligibility.Outcome(ref.EligibilityDecided).Label(), ref.EligibilityWhy))
	}
	if ref.FormDSessions > 0 {
		main.Pairs = append(main.Pairs, pair("Funding request (Form D)", strconv.Itoa(ref.FormDSessions)+" sessions", ref.FormDReference, ref.FormDStatus))
	}
	main.Pairs = append(main.Pairs, pair("Sessions", fmt.Sprintf("%d granted, %d used", ref.SessionsGranted, ref.SessionsUsed)))
	if ref.LegalHold {
		main.Pairs = append(main.Pairs, pair("Legal hold", "This referral is kept beyond the usual retention period for a legal reason."))
	}
	out := []web.ExportSection{main}

	answers := web.ExportSection{Heading: "The answers on the form", Sub: true}
	if form, ok := intake.FormFor(intake.Route(ref.Route)); ok {
		for _, sec := range form.Summary(intake.Values(ref.Answers), func(string) string { return "" }) {
			for _, row := range sec.Rows {
				lines := row.Lines
				if strings.TrimSpace(strings.Join(lines, "")) == "" {
					lines = []string{"Not given"}
				}
				answers.Pairs = append(answers.Pairs, web.AnswerRow{Key: sec.Title + ": " + row.Key, Value: lines})
			}
		}
	}
	out = append(out, answers)

	table := func(heading, caption, empty string, head []string, rows [][]string) web.ExportSection {
		sec := web.ExportSection{Heading: heading, Sub: true, Empty: empty}
		if len(rows) > 0 {
			sec.Tables = []web.ExportTable{{Caption: caption, Head: head, Rows: rows}}
		}
		return sec
	}
	var rows [][]string
	for _, d := range ref.Documents {
		rows = append(rows, []string{d.Filename, d.ContentType, sizeText(d.Size), web.DateTime(d.UploadedAt), d.SHA256})
	}
	out = append(out, table("Documents", "Documents (their contents are in the JSON file)", "No documents.",
		[]string{"File", "Type", "Size", "Uploaded", "SHA-256"}, rows))
	rows = nil
	for _, a := range ref.Appointments {
		status := apptStatusText(a)
		rows = append(rows, []string{web.TimeRange(a.Start, a.End), web.ModeLabel(a.Mode) + placeSuffix(a.Place), a.Coach, status})
	}
	out = append(out, table("Sessions", "Sessions", "No sessions.", []string{"When", "How", "Coach", "What happened"}, rows))
	for _, sum := range ref.Summaries {
		sec := web.ExportSection{Heading: "Your summary of the session on " + web.DateTime(sum.SessionStart), Sub: true}
		shared := "Not shared with your Case Manager"
		if sum.SentAt != nil {
			shared = "Sent to your Case Manager on " + web.DateTime(*sum.SentAt)
		} else if sum.Share {
			shared = "To be shared with your Case Manager"
		}
		sec.Pairs = append(sec.Pairs, pair("What you learned about yourself", sum.SelfAwareness), pair("Your options", sum.Options),
			pair("Your decision", sum.Decision))
		for _, act := range sum.Actions {
			sec.Pairs = append(sec.Pairs, pair("Action", act.Action, "By "+act.By))
		}
		submitted := "Draft (not submitted)"
		if sum.SubmittedAt != nil {
			submitted = "Submitted " + web.DateTime(*sum.SubmittedAt)
		}
		sec.Pairs = append(sec.Pairs, pair("Status", submitted, shared))
		out = append(out, sec)
	}
	rows = nil
	for _, q := range ref.Questions {
		rows = append(rows, []string{web.DateTime(q.AskedAt), q.Question, q.Answer, optTime(q.AnsweredAt)})
	}
	if len(rows) > 0 {
		out = append(out, table("Questions from the coordinators", "Questions and your answers", "", []string{"Asked", "Question", "Your answer", "Answered"}, rows))
	}
	rows = nil
	for _, x := range ref.Extensions {
		rows = append(rows, []string{web.DateTime(x.RequestedAt), strconv.Itoa(x.Sessions), x.Justification, x.Status, x.DecisionNote})
	}
	if len(rows) > 0 {
		out = append(out, table("Requests for more sessions", "Requests for more sessions", "", []string{"Asked", "Sessions", "Why", "Decision", "Note"}, rows))
	}
	rows = nil
	for _, a := range ref.Allowance {
		rows = append(rows, []string{web.DateTime(a.At), a.Kind, strconv.Itoa(a.Sessions), a.Note})
	}
	if len(rows) > 0 {
		out = append(out, table("Your allowance of sessions", "Every change to your allowance", "", []string{"When", "What", "Sessions", "Note"}, rows))
	}
	rows = nil
	for _, n := range ref.Notes {
		rows = append(rows, []string{web.DateTime(n.At), n.Author, n.Body})
	}
	if len(rows) > 0 {
		out = append(out, table("Notes staff wrote", "Notes the careers support team wrote about the referral", "", []string{"When", "Who", "Note"}, rows))
	}
	if len(ref.Questionnaires) > 0 {
		out = append(out, questionnaireSection(ref.Questionnaires))
	}
	rows = nil
	for _, e := range ref.Timeline {
		rows = append(rows, []string{web.DateTime(e.At), e.By, e.Detail})
	}
	out = append(out, table("What happened", "The referral's history", "Nothing yet.", []string{"When", "Who", "What"}, rows))
	return out
}

func placeSuffix(place string) string {
	if place == "" {
		return ""
	}
	return ": " + place
}

func apptStatusText(a store.SubjectAppt) string {
	s := map[string]string{"booked": "Booked", "cancelled": "Cancelled", "attended": "Attended", "not_attended": "Did not attend"}[a.Status]
	if a.Status == "cancelled" {
		if a.CancelledBy != "" {
			s += " by the " + a.CancelledBy
		}
		if a.Late {
			s += " (late)"
		}
		if a.CancelReason != "" {
			s += ". Reason: " + a.CancelReason
		}
	}
	if a.WaivedAt != nil {
		s += ". Not counted against the allowance"
		if a.WaiveReason != "" {
			s += ": " + a.WaiveReason
		}
	}
	return s
}

func outcomeLabel(o string) string {
	if o == "" {
		return ""
	}
	return triage.Outcome(o).Label()
}

// adminDataRequestForm is the admin's form for a request for a person's data.
func (s *Server) adminDataRequestForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.AdminDataRequestPage(s.layout(r, ""), web.AdminDataRequestProps{Format: "html"}))
}

// adminDataRequest produces a person's data; the address travels in the
// form's body, never the URL.
func (s *Server) adminDataRequest(w http.ResponseWriter, r *http.Request) {
	p := web.AdminDataRequestProps{Email: strings.TrimSpace(r.PostFormValue("email")), Format: r.PostFormValue("format")}
	if p.Email == "" {
		p.Errors.Add("email", "Enter their email address")
	} else if !validEmail(p.Email) {
		p.Errors.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if p.Format != "html" && p.Format != "json" {
		p.Errors.Add("format", "Select a format")
	}
	if p.Errors.Any() {
		s.render(w, r, http.StatusUnprocessableEntity, web.AdminDataRequestPage(s.layout(r, ""), p))
		return
	}
	d, err := s.store.SubjectData(r.Context(), p.Email, s.now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// The admin column of the audience table: everything, through this
	// audited request only.
	for i, ref := range d.Referrals {
		d.Referrals[i] = subjectReferralFor(policy.DataRequestAudience(), ref)
	}
	if d.Empty() {
		// A look that found nothing is a look all the same.
		if err := s.auditSubject(r, p.Email, "export_personal_data", store.OutcomeFailure, "nothing held"); err != nil {
			s.serverError(w, r, err)
			return
		}
		p.Errors.Add("email", "We hold nothing about this email address. Check it is the one their referrals were made with")
		s.render(w, r, http.StatusUnprocessableEntity, web.AdminDataRequestPage(s.layout(r, ""), p))
		return
	}
	s.sendSubjectData(w, r, d, p.Format, "export_personal_data")
}

// subjectReferralFor keeps of a referral what the audience may see of it
// (the trainee's column for their own download, everything for an
// admin's data request).
func subjectReferralFor(au policy.Audience, ref store.SubjectReferral) store.SubjectReferral {
	out := ref
	// Answers, by whose they are.
	out.Answers = map[string][]string{}
	confirmed := ref.ConfirmedAt != nil
	for k, v := range ref.Answers {
		info := policy.InfoReferrerSent
		if intake.TraineesOwn(intake.Route(ref.Route), confirmed, k) {
			info = policy.InfoTraineeAnswers
		}
		if au.Full(info) {
			out.Answers[k] = v
		}
	}
	if !au.Full(policy.InfoReferrerSent) {
		out.Documents, out.FormDSessions, out.FormDReference, out.FormDStatus = nil, 0, "", ""
	}
	if !au.Full(policy.InfoTraineeAnswers) {
		out.Region, out.ProfessionalGroup, out.RegistrationBody, out.RegistrationNumber = "", "", "", ""
	}
	// Eligibility.
	reasons := make([]store.EligibilityReason, len(ref.EligibilityReasons))
	copy(reasons, ref.EligibilityReasons)
	e := eligibilityFor(au, ref.Eligibility, reasons, ref.EligibilityDecided, ref.EligibilityWhy)
	out.Eligibility, out.EligibilityDecided, out.EligibilityWhy = e.Result, e.Override, e.OverrideReason
	if !au.Full(policy.InfoEligibility) {
		out.EligibilityReasons = nil
		for _, next := range e.NextSteps {
			out.EligibilityReasons = append(out.EligibilityReasons, store.EligibilityReason{Signpost: next})
		}
	}
	// Triage: in full, or what was sent to the trainee.
	if !au.Sees(policy.InfoTriage, policy.SentToThem) {
		out.Questions, out.Coach = nil, ""
	}
	if !au.Full(policy.InfoTriage) {
		out.Extensions = nil
		for _, x := range ref.Extensions {
			x.Justification, x.DecisionNote = "", ""
			if au.Any(policy.InfoTriage) {
				out.Extensions = append(out.Extensions, x)
			}
		}
	}
	if !au.Status() {
		out.FirstResponseAt = nil
	}
	out.Timeline = nil
	for _, ev := range ref.Timeline {
		if text, ok := au.Entry(ev.Kind, ev.Detail); ok {
			if text != ev.Detail && !au.Full(policy.InfoTriage) {
				ev.By = ""
			}
			ev.Detail = text
			out.Timeline = append(out.Timeline, ev)
		}
	}
	if !au.Full(policy.InfoInternal) {
		out.Notes, out.ClosingNote = nil, ""
	}
	if !au.Full(policy.InfoAppointments) {
		out.Appointments, out.Allowance = nil, nil
	} else if !au.Full(policy.InfoTriage) {
		// The ledger's notes are the team's reasons (a lead's note on an
		// extension, a waiver's reason): triage, which this reader sees
		// only as far as it was sent to them. The movements themselves
		// are theirs.
		out.Allowance = make([]store.SubjectAllowance, len(ref.Allowance))
		copy(out.Allowance, ref.Allowance)
		for i := range out.Allowance {
			out.Allowance[i].Note = ""
		}
	}
	out.Summaries = nil
	for _, sum := range ref.Summaries {
		if au.Full(policy.InfoSummaries) || sharedSummary(au, sum.SubmittedAt != nil, sum.SentAt) {
			out.Summaries = append(out.Summaries, sum)
		}
	}
	if !au.Full(policy.InfoOutcome) {
		out.Outcome = ""
	}
	if !au.Full(policy.InfoFeedback) {
		out.Questionnaires = nil
	}
	return out
}
