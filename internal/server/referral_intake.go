package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"careers/internal/auth"
	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/policy"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/web"
)

// intakeRoute binds a referral form to where it lives.
type intakeRoute struct {
	form  intake.Form
	base  string
	staff bool // the Case Manager route: the draft belongs to the signed-in Case Manager
	home  string
}

var (
	selfIntake        = intakeRoute{form: intake.Self, base: "/refer/self", home: "/"}
	supervisorIntake  = intakeRoute{form: intake.Supervisor, base: "/refer/supervisor", home: "/"}
	caseManagerIntake = intakeRoute{form: intake.CaseManager, base: "/staff/referrals/new", staff: true, home: "/staff/case-manager"}
)

// uploadPath is the one route that takes a file, with its own body limit.
const uploadPath = "/staff/referrals/new/form-c"

func draftKey(ir intakeRoute) string { return "draft:" + string(ir.form.Route) }
func sentKey(ir intakeRoute) string  { return "sent:" + string(ir.form.Route) }

// loadDraft finds the draft this request continues: the token posted in
// the form (so an expired session loses nothing) or the session's.
func (s *Server) loadDraft(r *http.Request, ir intakeRoute, posted string) (store.Draft, string, bool, error) {
	token := posted
	if token == "" {
		token = s.sessions.GetString(r.Context(), draftKey(ir))
	}
	if token == "" {
		return store.Draft{}, "", false, nil
	}
	d, err := s.store.DraftByToken(r.Context(), auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.Draft{}, "", false, nil
	}
	if err != nil {
		return store.Draft{}, "", false, err
	}
	if d.Route != string(ir.form.Route) || (ir.staff && d.StaffID != actorFrom(r.Context()).StaffID) || (!ir.staff && d.StaffID != 0) {
		return store.Draft{}, "", false, nil
	}
	return d, token, true, nil
}

func (s *Server) intakeStart(ir intakeRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, ir.base+"/"+ir.form.Pages[0].Slug, http.StatusSeeOther)
	}
}

// fileNames names the documents a draft holds, by page.
func (s *Server) draftFile(ctx context.Context, d store.Draft, p intake.Page) (string, error) {
	for _, f := range p.Fields {
		if f.Kind == intake.File && d.ID != 0 {
			doc, err := s.store.DraftDocument(ctx, d.ID, "form_c")
			if errors.Is(err, store.ErrNotFound) {
				return "", nil
			}
			if err != nil {
				return "", err
			}
			return doc.Filename + " (" + sizeText(doc.Size) + ")", nil
		}
	}
	return "", nil
}

func sizeText(n int) string {
	if n >= 1<<20 {
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	}
	return strconv.Itoa((n+1023)/1024) + " KB"
}

// questionProps turns a form page and the answers so far into the page.
func questionProps(ir intakeRoute, p intake.Page, idx int, v intake.Values, probs intake.Problems, token, file string, change bool) web.QuestionProps {
	qp := web.QuestionProps{Caption: ir.form.Caption, Title: p.Title, Intro: p.Intro, Draft: token, Action: ir.base + "/" + p.Slug,
		UrgentHelp: !ir.staff, Multipart: hasFile(p)}
	if p.Link != nil {
		qp.Links = []web.NavItem{{Href: p.Link.Href, Text: p.Link.Text}}
	}
	switch {
	case change:
		qp.Back, qp.Action = ir.base+"/check", qp.Action+"?change=1"
	case idx > 0:
		qp.Back = ir.base + "/" + ir.form.Pages[idx-1].Slug
	default:
		qp.Back = ir.home
	}
	for _, pr := range probs {
		qp.Errors.Add(pr.Field, pr.Message)
	}
	for _, f := range p.Fields {
		if !f.Asked(v) {
			continue
		}
		qf := web.QField{Name: f.Name, Label: f.Label, Hint: f.Hint, Kind: webKind(f.Kind), Value: v.Get(f.Name),
			Width: f.Width, Autocomplete: f.Autocomplete, Optional: f.Optional, Error: qp.Errors.For(f.Name)}
		if f.Kind == intake.Textarea {
			qf.MaxLength = f.MaxLength
			if qf.MaxLength == 0 {
				qf.MaxLength = referral.TextLimit
			}
		}
		if f.Kind == intake.Date {
			qf.Day, qf.Month, qf.Year = v.Get(f.Name+"-day"), v.Get(f.Name+"-month"), v.Get(f.Name+"-year")
		}
		if f.Kind == intake.File {
			qf.File = file
		}
		for _, c := range f.Choices {
			qf.Options = append(qf.Options, web.Option{Value: c.Value, Label: c.Label, Hint: c.Hint, Checked: v.Has(f.Name, c.Value)})
		}
		qp.Fields = append(qp.Fields, qf)
	}
	return qp
}

func hasFile(p intake.Page) bool {
	for _, f := range p.Fields {
		if f.Kind == intake.File {
			return true
		}
	}
	return false
}

func webKind(k intake.Kind) web.FieldKind {
	return map[intake.Kind]web.FieldKind{
		intake.Text: web.KindText, intake.Email: web.KindEmail, intake.Tel: web.KindTel, intake.Radios: web.KindRadios,
		intake.Checkboxes: web.KindCheckboxes, intake.Select: web.KindSelect, intake.Textarea: web.KindTextarea,
		intake.Date: web.KindDate, intake.Confirm: web.KindConfirm, intake.File: web.KindFile,
	}[k]
}

func (s *Server) intakePage(ir intakeRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, idx, ok := ir.form.Page(chi.URLParam(r, "page"))
		if !ok {
			s.renderNotFound(w, r)
			return
		}
		d, token, _, err := s.loadDraft(r, ir, "")
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if d.ReferralID != 0 {
			http.Redirect(w, r, ir.base+"/sent", http.StatusSeeOther)
			return
		}
		file, err := s.draftFile(r.Context(), d, p)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		qp := questionProps(ir, p, idx, intake.Values(d.Answers), nil, token, file, r.URL.Query().Get("change") == "1")
		s.render(w, r, http.StatusOK, web.QuestionPage(s.layout(r, ""), qp))
	}
}

// upload is a file posted with a page.
type upload struct {
	name    string
	content []byte
	err     error // a problem to show with the file question
}

// readMultipart reads the upload page's form: small fields, and the file
// no further than the size limit. Once the file passes the limit it stops
// reading (the rest of the body is never read; the answer closes the
// connection). A body that cannot be read for another reason (too slow,
// cut off, broken) is an error for bodyError. The small fields are
// cleaned as readForms cleans every other form (web.CleanValues).
func readMultipart(r *http.Request) (url.Values, *upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, err
	}
	form := url.Values{}
	var up *upload
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, up, nil
		}
		if tooLarge(err) {
			return form, &upload{err: intake.ErrDocumentTooLarge}, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if part.FileName() == "" && part.FormName() != "form_c" {
			b, err := io.ReadAll(io.LimitReader(part, 4096))
			if tooLarge(err) {
				return form, &upload{err: intake.ErrDocumentTooLarge}, nil
			}
			if err != nil {
				return nil, nil, err
			}
			form.Add(part.FormName(), string(b))
			continue
		}
		if up, err = readFilePart(part); err != nil {
			return nil, nil, err
		}
		if up != nil && up.err != nil {
			return form, up, nil
		}
	}
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

func readFilePart(part *multipart.Part) (*upload, error) {
	b, err := io.ReadAll(io.LimitReader(part, intake.MaxDocumentBytes+1))
	if tooLarge(err) {
		return &upload{err: intake.ErrDocumentTooLarge}, nil
	}
	if err != nil {
		return nil, err
	}
	if part.FileName() == "" && len(b) == 0 {
		return nil, nil // no file chosen: keep any already uploaded
	}
	if len(b) > intake.MaxDocumentBytes {
		return &upload{err: intake.ErrDocumentTooLarge}, nil
	}
	return &upload{name: part.FileName(), content: b}, nil
}

// pageFormErrors turns the fields readForms (or readMultipart) cleaned
// into problems on the page's questions (a date's day, month and year
// belong to the date).
func pageFormErrors(p intake.Page, bad []string) intake.Problems {
	var probs intake.Problems
	for _, f := range p.Fields {
		for _, b := range bad {
			if b == f.Name || strings.HasPrefix(b, f.Name+"-") {
				probs = append(probs, intake.Problem{Field: f.Name, Message: web.UnusableCharacters})
				break
			}
		}
	}
	return probs
}

func (s *Server) intakePagePost(ir intakeRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p, idx, ok := ir.form.Page(chi.URLParam(r, "page"))
		if !ok {
			s.renderNotFound(w, r)
			return
		}
		if !ir.staff && s.overPublicCeiling(w, r, "refer", auth.ReferralFormCeiling) {
			return
		}
		var post url.Values
		var up *upload
		bad := badFields(r)
		if hasFile(p) {
			if r.ContentLength > intake.MaxDocumentBytes+64<<10 {
				// Refused before reading any of it.
				up = &upload{err: intake.ErrDocumentTooLarge}
				post = url.Values{"draft": {r.URL.Query().Get("draft")}}
			} else {
				var err error
				if post, up, err = readMultipart(r); err != nil {
					s.bodyError(w, r, err)
					return
				}
				bad = web.CleanValues(post)
			}
			if up != nil && errors.Is(up.err, intake.ErrDocumentTooLarge) {
				// The rest of the body is not read: close the connection
				// after the answer instead of reading on through it.
				s.refuseBody(w, r)
			}
		} else {
			if err := r.ParseForm(); err != nil {
				s.bodyError(w, r, err)
				return
			}
			post = r.PostForm
		}
		if post.Get("website") != "" {
			s.log.InfoContext(ctx, "honeypot filled", "request_id", requestID(r), "form", "refer")
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}

		d, token, found, err := s.loadDraft(r, ir, post.Get("draft"))
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if !ir.staff && found && s.overDraftLimit(w, r, token) {
			return
		}
		if found && d.ReferralID != 0 {
			http.Redirect(w, r, ir.base+"/sent", http.StatusSeeOther)
			return
		}
		if !found {
			var hash []byte
			token, hash = auth.NewToken()
			if d, err = s.store.CreateDraft(ctx, string(ir.form.Route), actorFrom(ctx).StaffID, hash); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		s.sessions.Put(ctx, draftKey(ir), token)

		var uploadErr error
		if up != nil && up.err == nil {
			name, ct, err := intake.CheckDocument(up.name, up.content)
			if err != nil {
				uploadErr = err
			} else {
				sum := sha256Sum(up.content)
				err = s.store.SaveDraftDocument(ctx, d.ID, store.Document{Kind: "form_c", Filename: name, ContentType: ct,
					Size: len(up.content), SHA256: sum, Content: up.content, UploadedBy: actorFrom(ctx).StaffID})
				if err != nil {
					s.serverError(w, r, err)
					return
				}
			}
		} else if up != nil {
			uploadErr = up.err
		}

		v := intake.Values(d.Answers)
		v.Merge(p.Read(post))
		file, err := s.draftFile(ctx, d, p)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		probs := p.Check(v, file != "")
		probs = withCleaned(p, probs, pageFormErrors(p, bad))
		if uploadErr != nil {
			probs = append(intake.Problems{{Field: "form_c", Message: uploadErr.Error()}}, dropField(probs, "form_c")...)
		}
		// What was typed is kept even when something is wrong with it.
		if err := s.store.SaveDraftAnswers(ctx, d.ID, v); err != nil {
			s.serverError(w, r, err)
			return
		}
		change := r.URL.Query().Get("change") == "1"
		if len(probs) > 0 {
			status := http.StatusUnprocessableEntity
			if errors.Is(uploadErr, intake.ErrDocumentTooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			qp := questionProps(ir, p, idx, v, probs, token, file, change)
			s.render(w, r, status, web.QuestionPage(s.layout(r, ""), qp))
			return
		}
		next := ir.base + "/check"
		if !change && idx+1 < len(ir.form.Pages) {
			next = ir.base + "/" + ir.form.Pages[idx+1].Slug
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// withCleaned puts the message about removed characters in place of any
// other problem with the same question, in the page's order.
func withCleaned(p intake.Page, probs, cleaned intake.Problems) intake.Problems {
	if len(cleaned) == 0 {
		return probs
	}
	out := cleaned
	for _, c := range cleaned {
		probs = dropField(probs, c.Field)
	}
	out = append(out, probs...)
	// Page order again: the others may have come before.
	var ordered intake.Problems
	for _, f := range p.Fields {
		for _, x := range out {
			if x.Field == f.Name {
				ordered = append(ordered, x)
			}
		}
	}
	for _, x := range out {
		if !slices.ContainsFunc(p.Fields, func(f intake.Field) bool { return f.Name == x.Field }) {
			ordered = append(ordered, x)
		}
	}
	return ordered
}

func dropField(probs intake.Problems, field string) intake.Problems {
	var out intake.Problems
	for _, p := range probs {
		if p.Field != field {
			out = append(out, p)
		}
	}
	return out
}

// incompleteAt returns the first page still needing answers.
func (s *Server) incompleteAt(ctx context.Context, ir intakeRoute, d store.Draft) (string, bool, error) {
	files := map[string]bool{}
	for _, p := range ir.form.Pages {
		name, err := s.draftFile(ctx, d, p)
		if err != nil {
			return "", false, err
		}
		files[p.Slug] = name != ""
	}
	slug, missing := ir.form.Incomplete(intake.Values(d.Answers), func(page string) bool { return files[page] })
	return slug, missing, nil
}

func (s *Server) intakeCheck(ir intakeRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		d, token, found, err := s.loadDraft(r, ir, "")
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if !found {
			http.Redirect(w, r, ir.base, http.StatusSeeOther)
			return
		}
		if d.ReferralID != 0 {
			http.Redirect(w, r, ir.base+"/sent", http.StatusSeeOther)
			return
		}
		if slug, missing, err := s.incompleteAt(ctx, ir, d); err != nil {
			s.serverError(w, r, err)
			return
		} else if missing {
			http.Redirect(w, r, ir.base+"/"+slug, http.StatusSeeOther)
			return
		}
		files := map[string]string{}
		for _, p := range ir.form.Pages {
			if files[p.Slug], err = s.draftFile(ctx, d, p); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		cp := web.CheckProps{Caption: ir.form.Caption, Title: "Check your answers before sending", Action: ir.base + "/check",
			Draft: token, Back: ir.base + "/" + ir.form.Pages[len(ir.form.Pages)-1].Slug, UrgentHelp: !ir.staff}
		for _, sec := range ir.form.Summary(intake.Values(d.Answers), func(page string) string { return files[page] }) {
			ws := web.AnswerSection{Title: sec.Title}
			for _, row := range sec.Rows {
				ws.Rows = append(ws.Rows, web.AnswerRow{Key: row.Key, Value: row.Lines, Change: ir.base + "/" + row.Page + "?change=1"})
			}
			cp.Sections = append(cp.Sections, ws)
		}
		switch ir.form.Route {
		case intake.RouteSelf:
			cp.Declaration = []string{"By sending this referral you confirm that the information you have given is correct to the best of your knowledge."}
		default:
			cp.Declaration = []string{"We will email the trainee a copy and ask them to confirm that they want careers support. A coordinator reviews the referral once they do."}
		}
		s.render(w, r, http.StatusOK, web.CheckAnswersPage(s.layout(r, ""), cp))
	}
}

// errIncomplete stops a submit whose form is not finished.
var errIncomplete = errors.New("referral form incomplete")

// intakeSubmit sends the referral. The draft is locked while it is turned
// into a referral, and remembers it: a double click or a resubmitted POST
// shows the same confirmation and makes one referral.
func (s *Server) intakeSubmit(ir intakeRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if !ir.staff && s.overPublicCeiling(w, r, "refer", auth.ReferralFormCeiling) {
			return
		}
		d, token, found, err := s.loadDraft(r, ir, r.PostFormValue("draft"))
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if !ir.staff && found && s.overDraftLimit(w, r, token) {
			return
		}
		if !found {
			http.Redirect(w, r, ir.base, http.StatusSeeOther)
			return
		}
		var reference, incompleteSlug string
		err = s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
			locked, err := st.LockDraft(ctx, d.ID)
			if err != nil {
				return err
			}
			if locked.ReferralID != 0 {
				reference, err = st.ReferenceOf(ctx, locked.ReferralID)
				return err
			}
			slug, missing, err := s.incompleteAt(ctx, ir, locked)
			if err != nil {
				return err
			}
			if missing {
				incompleteSlug = slug
				return errIncomplete
			}
			reference, err = s.createReferral(ctx, st, tx, ir, locked)
			return err
		})
		if errors.Is(err, errIncomplete) {
			http.Redirect(w, r, ir.base+"/"+incompleteSlug, http.StatusSeeOther)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.sessions.Remove(ctx, draftKey(ir))
		s.sessions.Put(ctx, sentKey(ir), reference)
		http.Redirect(w, r, ir.base+"/sent", http.StatusSeeOther)
	}
}

// today is the date in the UK, which eligibility counts in.
func (s *Server) today() eligibility.Date { return eligibility.DateOf(s.now().In(londonTZ)) }

// createReferral records the referral from a locked, complete draft, with
// its timeline entry, audit row and emails, in the caller's transaction.
func (s *Server) createReferral(ctx context.Context, st *store.Store, tx pgxTx, ir intakeRoute, d store.Draft) (string, error) {
	a := intake.Extract(ir.form.Route, intake.Values(d.Answers))
	res := eligibility.Check(a.Eligibility(), s.today())
	reasons := make([]store.EligibilityReason, len(res.Reasons))
	for i, rs := range res.Reasons {
		reasons[i] = store.EligibilityReason{Code: rs.Code, Text: rs.Text, Signpost: rs.Signpost}
	}
	n := store.NewReferral{
		Route: string(ir.form.Route), Status: "awaiting_trainee", TraineeName: a.TraineeName, TraineeEmail: a.TraineeEmail,
		ReferrerName: a.ReferrerName, ReferrerEmail: a.ReferrerEmail, ProfessionalGroup: string(a.Group), Region: string(a.Region),
		RegistrationBody: string(a.Body), RegistrationNumber: a.Number, Answers: d.Answers, Eligibility: string(res.Outcome),
		EligibilityReasons: reasons, FormDSessions: a.FormDSessions, FormDReference: a.FundingReference, SubmittedAt: s.now(),
	}
	if ir.form.Route == intake.RouteSelf {
		n.Status = "new"
	}
	if ir.staff {
		n.CaseManagerID = actorFrom(ctx).StaffID
	}
	var id int64
	var err error
	for attempt := 0; ; attempt++ {
		n.Reference = referral.NewReference()
		id, err = st.SubmitDraft(ctx, d.ID, n)
		if !errors.Is(err, store.ErrReferenceTaken) || attempt == 5 {
			break
		}
	}
	if err != nil {
		return "", err
	}
	actorKind := "public"
	if ir.staff {
		actorKind = "staff"
	}
	if err := st.AddEvent(ctx, id, s.now(), "submitted", actorKind, actorFrom(ctx).StaffID, "Referral sent: "+web.RouteLabel(n.Route)+"; eligibility: "+res.Outcome.Label()); err != nil {
		return "", err
	}
	e := s.auditEntry(ctx, "create", "referral", n.Reference, store.OutcomeSuccess)
	if actorKind == "public" {
		e.ActorKind = "public"
		e.ActorEmail = a.TraineeEmail
		if ir.form.Route == intake.RouteSupervisor {
			e.ActorEmail = a.ReferrerEmail
		}
	}
	e.Detail = n.Route
	if err := st.Audit(ctx, e); err != nil {
		return "", err
	}
	return n.Reference, s.referralEmails(ctx, st, tx, ir, id, n, a)
}

// referralEmails queues the messages a new referral sends.
func (s *Server) referralEmails(ctx context.Context, st *store.Store, tx pgxTx, ir intakeRoute, id int64, n store.NewReferral, a intake.Referral) error {
	base := s.cfg.BaseURL.String()
	// A public form may cause only a few emails an hour to one address
	// (someone could otherwise flood a person by naming them in referrals);
	// past that the referral is still recorded, and the trainee can ask for
	// a confirmation link, or is reminded, later.
	allowed := func(email string) (bool, error) {
		if ir.staff {
			return true, nil
		}
		return s.mayEmail(ctx, st, email)
	}
	signInLink := func(email string) (string, error) {
		token, hash := auth.NewToken()
		if _, err := st.CreateSignInToken(ctx, email, hash, s.now(), s.now().Add(auth.StatusLinkTTL)); err != nil {
			return "", err
		}
		return base + "/sign-in/link?token=" + token, nil
	}
	send := func(key, kind string, to mail.Address, m mail.Message, err error) error {
		if err != nil {
			return err
		}
		m.To = []mail.Address{to}
		return s.enqueue(ctx, tx, key+":"+n.Reference, kind, &id, m)
	}
	trainee := mail.Address{Name: a.TraineeName, Email: a.TraineeEmail}
	switch ir.form.Route {
	case intake.RouteSelf:
		if ok, err := allowed(a.TraineeEmail); err != nil || !ok {
			return err
		}
		link, err := signInLink(a.TraineeEmail)
		if err != nil {
			return err
		}
		m, err := notify.ReferralReceipt(ctx, a.TraineeName, n.Reference, link)
		return send("receipt", "referral_receipt", trainee, m, err)
	default:
		if ir.form.Route == intake.RouteSupervisor {
			ok, err := allowed(a.ReferrerEmail)
			if err != nil {
				return err
			}
			if ok {
				link, err := signInLink(a.ReferrerEmail)
				if err != nil {
					return err
				}
				m, err := notify.ReferrerReceipt(ctx, a.ReferrerName, a.TraineeName, n.Reference, link)
				if err := send("referrer_receipt", "referrer_receipt", mail.Address{Name: a.ReferrerName, Email: a.ReferrerEmail}, m, err); err != nil {
					return err
				}
			}
		}
		if ok, err := allowed(a.TraineeEmail); err != nil || !ok {
			return err
		}
		return s.sendConfirmRequest(ctx, st, tx, id, n.Reference, a, false)
	}
}

// sendConfirmRequest emails the trainee a link to confirm a referral made
// for them (or a reminder with a fresh link).
func (s *Server) sendConfirmRequest(ctx context.Context, st *store.Store, tx pgxTx, id int64, reference string, a intake.Referral, reminder bool) error {
	token, hash := auth.NewToken()
	tokenID, err := st.CreateConfirmToken(ctx, id, a.TraineeEmail, hash, s.now(), s.now().Add(auth.ConfirmLinkTTL))
	if err != nil {
		return err
	}
	by := a.ReferrerName
	if a.Route == intake.RouteCaseManager {
		by = "Your Case Manager"
		if u := staffFrom(ctx); u != nil {
			by = u.Name + ", your Case Manager,"
		}
	}
	if by == "" {
		by = "Someone"
	}
	m, err := notify.ConfirmRequest(ctx, a.TraineeName, by, reference, s.cfg.BaseURL.String()+"/refer/confirm?token="+token, reminder)
	if err != nil {
		return err
	}
	m.To = []mail.Address{{Name: a.TraineeName, Email: a.TraineeEmail}}
	return s.enqueue(ctx, tx, "confirm_request:"+strconv.FormatInt(tokenID, 10), "confirm_request", &id, m)
}

// intakeSent confirms the referral to the person who just sent it.
func (s *Server) intakeSent(ir intakeRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ref := s.sessions.GetString(r.Context(), sentKey(ir))
		if ref == "" {
			http.Redirect(w, r, ir.base, http.StatusSeeOther)
			return
		}
		d, err := s.store.ReferralDetailByReference(r.Context(), ref)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p := web.SentProps{Title: "Referral sent", Reference: ref, UrgentHelp: !ir.staff}
		switch ir.form.Route {
		case intake.RouteSelf:
			p.Lede = "We have emailed you a copy with your reference."
			p.Next = []string{
				"A coordinator reads your referral. We aim to reply within 14 days.",
				"If we can help, we match you with a career coach and email you: you then sign in and book your sessions at times that suit you.",
				"After each session you write a short summary and action plan.",
			}
			if d.Eligibility == string(eligibility.NotEligible) {
				for _, rs := range d.EligibilityReasons {
					if rs.Signpost != "" {
						p.Signposting = append(p.Signposting, rs.Signpost)
					}
				}
			}
		default:
			p.Lede = "We have emailed " + d.TraineeName + " to ask them to confirm that they want careers support."
			p.Next = []string{
				"The trainee checks what was sent about them and confirms.",
				"A coordinator then reviews the referral. We aim to respond within 14 days of the trainee's confirmation.",
				"If they do not confirm within 7 days, we remind them.",
			}
			if ir.staff {
				p.Links = []web.NavItem{{Href: "/staff/referrals/" + ref, Text: "View the referral"}, {Href: ir.home, Text: "Back to your referrals"}}
			} else {
				p.Next = append(p.Next, "We have emailed you a receipt with a link to follow the referral's status.")
			}
		}
		s.render(w, r, http.StatusOK, web.ReferralSentPage(s.layout(r, ""), p))
	}
}

// intakeRoutes registers a form's pages.
func (s *Server) intakeRoutes(h func(method, pattern string, rule policy.Rule, fn http.HandlerFunc), ir intakeRoute, rule policy.Rule) {
	h("GET", ir.base, rule, s.intakeStart(ir))
	h("GET", ir.base+"/check", rule, s.intakeCheck(ir))
	h("POST", ir.base+"/check", rule, s.intakeSubmit(ir))
	h("GET", ir.base+"/sent", rule, s.intakeSent(ir))
	h("GET", ir.base+"/{page}", rule, s.intakePage(ir))
	h("POST", ir.base+"/{page}", rule, s.intakePagePost(ir))
}

func sha256Sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
