package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/auth"
	"careers/internal/booking"
	"careers/internal/eligibility"
	"careers/internal/intake"
	"careers/internal/jobs"
	"careers/internal/mail"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/internal/workshops"
)

// The baseline: the least a Go service could do for each page. A bare
// net/http handler on a pgx pool runs the same SQL as the service's
// handler for that page (the same store methods, so the very same
// statements, and store.QueueSQL for the queue), in the same order, with
// the same writes (audit rows, drafts, the referral and its notification),
// and writes the rows out as plain text. No router, middleware, sessions,
// templates or compression: what the service spends beyond the baseline is
// the price of those.
//
// It runs in its own process (bench -baseline), like the service, so the
// two are measured alike.

// baselineDeps are what the baseline's handlers need.
type baselineDeps struct {
	pool          *pgxpool.Pool
	st            *store.Store
	coordinatorID int64 // the staff member the staff pages are shown to
}

// baselineHandler is the baseline's whole site.
func baselineHandler(d baselineDeps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := d.pool.Ping(r.Context()); err != nil {
			http.Error(w, "database", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", d.start)
	mux.HandleFunc("GET /queue", d.queue)
	mux.HandleFunc("GET /coordinator-home", d.coordinatorHome)
	mux.HandleFunc("GET /referral/{reference}", d.referral)
	mux.HandleFunc("GET /your-referrals", d.yourReferrals)
	mux.HandleFunc("GET /calendar", d.calendar)
	mux.HandleFunc("GET /book/{reference}", d.book)
	mux.HandleFunc("GET /coach-home", d.coachHome)
	mux.HandleFunc("POST /refer/self/about", d.about)
	mux.HandleFunc("POST /refer/self/check", d.submit)
	// ws-after (issue 16): workshops.
	mux.HandleFunc("GET /workshop/{slug}", d.workshop)
	mux.HandleFunc("POST /workshop/{slug}/register", d.workshopRegister)
	return mux
}

// fail answers 500; the load generator counts it as an error.
func fail(w http.ResponseWriter, err error) {
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// clientAddr is the address rate limits count against: the service
// believes X-Forwarded-For from its trusted proxy, and so does this.
func clientAddr(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		return strings.TrimSpace(xff[strings.LastIndex(xff, ",")+1:])
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return host
}

// The start page has no SQL: the service's is a rendered page, this a line.
func (d baselineDeps) start(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintln(w, "Careers support: refer yourself, or sign in to see your referral")
}

// queue runs the queue page's statements: counts by status, the coaches
// for the filter, one page of rows, and the audit row for the view.
func (d baselineDeps) queue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := r.URL.Query()
	q := store.QueueQuery{Status: v.Get("status"), Region: v.Get("region"), Search: v.Get("q"), Sort: v.Get("sort"), Limit: 50, Now: time.Now()}
	if q.Status == "" {
		q.Status = store.QueueNeeds // the list that needs a coordinator
		if q.Search != "" {
			q.Status = store.QueueAll
		}
	}
	if c, ok := store.ParseQueueCursor(v.Get("after")); ok {
		q.After = &c
	}
	counts, err := d.st.ReferralCountsByStatus(ctx)
	if err != nil {
		fail(w, err)
		return
	}
	coaches, err := d.st.QueueCoaches(ctx)
	if err != nil {
		fail(w, err)
		return
	}
	sql, args := store.QueueSQL(q)
	rows, err := d.pool.Query(ctx, sql, args...)
	if err != nil {
		fail(w, err)
		return
	}
	bw := bufio.NewWriter(w)
	for _, st := range store.QueueStatuses {
		fmt.Fprintf(bw, "%s\t%d\n", st, counts[st])
	}
	fmt.Fprintf(bw, "%d coaches\n", len(coaches))
	n := 0
	for rows.Next() {
		var (
			id                                        int64
			ref, name, route, status, elig, coachName string
			coachID                                   int64
			submitted                                 time.Time
			clock, responded                          *time.Time
		)
		if err := rows.Scan(&id, &ref, &name, &route, &status, &elig, &coachID, &coachName, &submitted, &clock, &responded); err != nil {
			rows.Close()
			fail(w, err)
			return
		}
		if n++; n > q.Limit {
			continue // the extra row only says another page follows
		}
		fmt.Fprintf(bw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ref, name, route, status, elig, coachName, submitted.Format(time.DateOnly))
	}
	if err := rows.Err(); err != nil {
		fail(w, err)
		return
	}
	if err := d.st.Audit(ctx, d.audit(r, "view", "referral_queue", "")); err != nil {
		fail(w, err)
		return
	}
	_ = bw.Flush()
}

// coordinatorHome runs the coordinator's home's statements: the to-do
// counts, the most urgent referrals, and the audit row for the view.
func (d baselineDeps) coordinatorHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := time.Now()
	t, err := d.st.CoordinatorToDo(ctx, now)
	if err != nil {
		fail(w, err)
		return
	}
	urgent, err := d.st.Queue(ctx, store.QueueQuery{Status: store.QueueNeeds, Deadline: store.DeadlineDue, Limit: 5, Now: now})
	if err != nil {
		fail(w, err)
		return
	}
	if err := d.st.Audit(ctx, d.audit(r, "view", "coordinator_home", "")); err != nil {
		fail(w, err)
		return
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%+v\n", t)
	for _, row := range urgent.Rows {
		fmt.Fprintf(bw, "%s\t%s\t%s\n", row.Reference, row.TraineeName, row.Status)
	}
	_ = bw.Flush()
}

func (d baselineDeps) audit(r *http.Request, action, recordType, recordID string) store.AuditEntry {
	return store.AuditEntry{At: time.Now().UTC(), ActorKind: "staff", ActorID: d.coordinatorID, Action: action,
		RecordType: recordType, RecordID: recordID, ClientIP: clientAddr(r), RequestID: "baseline", Outcome: store.OutcomeSuccess}
}

// referral runs the staff referral page's statements, in the service's
// order and under the same conditions (a coordinator looking).
func (d baselineDeps) referral(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The card for the policy, the audit row for the view, then the page's
	// one statement (the coordinator sees the coaches).
	c, err := d.st.ReferralCardByReference(ctx, r.PathValue("reference"))
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	if err := d.st.Audit(ctx, d.audit(r, "view_referral", "referral", c.Reference)); err != nil {
		fail(w, err)
		return
	}
	pg, err := d.st.ReferralPageByReference(ctx, c.Reference, true)
	if err != nil {
		fail(w, err)
		return
	}
	det, ns, coaches, appts, ledger, notes, qs, xs := pg.Detail, pg.Notifications, pg.Coaches, pg.Appointments, pg.Allowance, pg.Notes, pg.Questions, pg.Extensions
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\t%s\t%s\t%s\t%s\n", det.Reference, det.TraineeName, det.Route, det.Status, det.Eligibility)
	for k, v := range det.Answers {
		fmt.Fprintf(bw, "%s: %s\n", k, strings.Join(v, ", "))
	}
	for _, e := range det.Events {
		fmt.Fprintf(bw, "%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.ActorName, e.Detail)
	}
	for _, n := range ns {
		fmt.Fprintf(bw, "%s\t%s\t%s\n", n.CreatedAt.Format(time.RFC3339), n.Subject, n.Status)
	}
	for _, c := range coaches {
		fmt.Fprintf(bw, "%s\t%d of %d\n", c.Name, c.Active, c.Capacity)
	}
	for _, a := range appts {
		fmt.Fprintf(bw, "%s\t%s\t%s\n", a.Start.Format(time.RFC3339), a.Mode, a.Status)
	}
	for _, e := range ledger {
		fmt.Fprintf(bw, "%s\t%s\t%d\t%s\n", e.At.Format(time.RFC3339), e.Kind, e.Sessions, e.ActorName)
	}
	for _, n := range notes {
		fmt.Fprintf(bw, "%s\t%s\t%s\n", n.At.Format(time.RFC3339), n.Author, n.Body)
	}
	for _, q := range qs {
		fmt.Fprintf(bw, "%s\t%s\n", q.Question, q.Answer)
	}
	for _, x := range xs {
		fmt.Fprintf(bw, "%d\t%s\n", x.Sessions, x.Status)
	}
	_ = bw.Flush()
}

// yourReferrals runs the trainee's page's two statements, their referrals
// and their workshop registrations, sent together as the service sends
// them (the service knows the address from the session; here it comes in
// the query).
func (d baselineDeps) yourReferrals(w http.ResponseWriter, r *http.Request) {
	email := r.URL.Query().Get("email")
	cards, regs, err := d.st.ReferralCardsAndRegistrations(r.Context(), email)
	if err != nil {
		fail(w, err)
		return
	}
	bw := bufio.NewWriter(w)
	for _, c := range cards {
		fmt.Fprintf(bw, "%s\t%s\t%s\n", c.Reference, c.Status, c.SubmittedAt.Format(time.DateOnly))
	}
	for _, x := range regs {
		fmt.Fprintf(bw, "%s\t%s\t%s\n", x.Workshop.Slug, x.Registration.Status, x.Workshop.StartsAt.Format(time.DateOnly))
	}
	_ = bw.Flush()
}

// calendar runs the coach's week's one statement, store.CoachWeekSQL: the
// slots with their bookings and the time off (the service knows the coach
// from the session; here the id comes in the query).
func (d baselineDeps) calendar(w http.ResponseWriter, r *http.Request) {
	coach, err := strconv.ParseInt(r.URL.Query().Get("coach"), 10, 64)
	if err != nil {
		http.Error(w, "coach", http.StatusBadRequest)
		return
	}
	from, to := booking.Week(time.Now())
	slots, off, err := d.st.CoachWeek(r.Context(), coach, from, to)
	if err != nil {
		fail(w, err)
		return
	}
	bw := bufio.NewWriter(w)
	for _, s := range slots {
		fmt.Fprintf(bw, "%s\t%s\t%v\t%s\t%s\n", s.Start.Format(time.RFC3339), s.Mode, s.Blocked, s.TraineeName, s.Status)
	}
	for _, o := range off {
		fmt.Fprintf(bw, "%s\t%s\toff\n", o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339))
	}
	_ = bw.Flush()
}

// book runs the trainee's booking page's statements: the card for the
// policy, then the audit row for the view, the referral with its coach and
// the trainee's preferences, and the coach's free times in the booking
// window, those three in one round trip as the service sends them
// (store.BookingPage; the service knows the trainee from the session).
func (d baselineDeps) book(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := d.st.ReferralCardByReference(ctx, r.PathValue("reference"))
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	var win booking.Window
	now := time.Now()
	st, free, err := d.st.BookingPage(ctx, d.audit(r, "view_referral", "referral", c.Reference), c.ID, win.From(now), win.To(now))
	if err != nil {
		fail(w, err)
		return
	}
	pref := booking.ParsePreference(st.PrefMode, st.PrefTimes)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\t%s\n", st.Reference, st.CoachName)
	for _, f := range free {
		fmt.Fprintf(bw, "%s\t%s\t%s\t%v\n", f.Start.Format(time.RFC3339), f.Mode, f.Place, pref.Matches(f.Start, booking.Mode(f.Mode)))
	}
	_ = bw.Flush()
}

// coachHome runs the coach's home's statements: the agenda, the clients,
// the profile's video link.
func (d baselineDeps) coachHome(w http.ResponseWriter, r *http.Request) {
	coach, err := strconv.ParseInt(r.URL.Query().Get("coach"), 10, 64)
	if err != nil {
		http.Error(w, "coach", http.StatusBadRequest)
		return
	}
	now := time.Now()
	today := booking.DateOf(now)
	agenda, err := d.st.CoachAgenda(r.Context(), coach, now, today.Midnight(), today.AddDays(7).Midnight())
	if err != nil {
		fail(w, err)
		return
	}
	clients, err := d.st.CoachClients(r.Context(), coach, now)
	if err != nil {
		fail(w, err)
		return
	}
	j, err := d.st.CoachJoiningOf(r.Context(), coach)
	if err != nil {
		fail(w, err)
		return
	}
	bw := bufio.NewWriter(w)
	for _, a := range agenda {
		fmt.Fprintf(bw, "%s\t%s\t%s\t%s\n", a.Start.Format(time.RFC3339), a.Status, a.TraineeName, a.VideoLink)
	}
	for _, c := range clients {
		fmt.Fprintf(bw, "%s\t%s\t%d\t%d\t%d\n", c.Reference, c.TraineeName, c.Used, c.Granted, c.Summaries)
	}
	fmt.Fprintln(bw, j.VideoLink)
	_ = bw.Flush()
}

// overLimit mirrors the service's ceiling on referral pages per client
// address.
func (d baselineDeps) overLimit(ctx context.Context, r *http.Request) (bool, error) {
	n, err := d.st.CountHit(ctx, auth.PublicFormKey("refer", clientAddr(r)), auth.PublicFormWindow, time.Now())
	return n > auth.ReferralFormCeiling, err
}

// overDraftLimit mirrors the service's limit on pages per draft.
func (d baselineDeps) overDraftLimit(ctx context.Context, token string) (bool, error) {
	n, err := d.st.CountHit(ctx, auth.DraftKey(auth.HashToken(token)), auth.PublicFormWindow, time.Now())
	return n > auth.ReferralDraftLimit, err
}

// about is the first page of the self-referral: rate limit, a new draft,
// the page's answers read and checked by the form, and saved.
func (d baselineDeps) about(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if over, err := d.overLimit(ctx, r); err != nil || over {
		fail(w, fmt.Errorf("rate limit: %v", err))
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p, _, _ := intake.Self.Page("about")
	_, hash := auth.NewToken()
	draft, err := d.st.CreateDraft(ctx, string(intake.RouteSelf), 0, hash)
	if err != nil {
		fail(w, err)
		return
	}
	v := p.Read(r.PostForm)
	probs := p.Check(v, false)
	if err := d.st.SaveDraftAnswers(ctx, draft.ID, v); err != nil {
		fail(w, err)
		return
	}
	if len(probs) > 0 {
		http.Error(w, probs[0].Message, http.StatusUnprocessableEntity)
		return
	}
	http.Redirect(w, r, "/refer/self/profession", http.StatusSeeOther)
}

// submit sends a self-referral from its draft: the service's statements
// (rate limit, the draft, then in one transaction the locked draft, the
// referral, its timeline entry, audit row, sign-in link and the receipt
// on the durable queue), with a plain-text receipt instead of the
// templated one.
func (d baselineDeps) submit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if over, err := d.overLimit(ctx, r); err != nil || over {
		fail(w, fmt.Errorf("rate limit: %v", err))
		return
	}
	draft, err := d.st.DraftByToken(ctx, auth.HashToken(r.PostFormValue("draft")))
	if err != nil {
		fail(w, err)
		return
	}
	if over, err := d.overDraftLimit(ctx, r.PostFormValue("draft")); err != nil || over {
		fail(w, fmt.Errorf("rate limit: %v", err))
		return
	}
	var reference string
	err = d.st.InTx(ctx, func(st *store.Store, tx pgx.Tx) error {
		locked, err := st.LockDraft(ctx, draft.ID)
		if err != nil {
			return err
		}
		if locked.ReferralID != 0 {
			reference, err = st.ReferenceOf(ctx, locked.ReferralID)
			return err
		}
		v := intake.Values(locked.Answers)
		if _, missing := intake.Self.Incomplete(v, func(string) bool { return false }); missing {
			return errors.New("incomplete draft")
		}
		a := intake.Extract(intake.RouteSelf, v)
		res := eligibility.Check(a.Eligibility(), eligibility.DateOf(time.Now()))
		reasons := make([]store.EligibilityReason, len(res.Reasons))
		for i, rs := range res.Reasons {
			reasons[i] = store.EligibilityReason{Code: rs.Code, Text: rs.Text, Signpost: rs.Signpost}
		}
		n := store.NewReferral{Route: "self", Status: "new", TraineeName: a.TraineeName, TraineeEmail: a.TraineeEmail,
			ProfessionalGroup: string(a.Group), Region: string(a.Region), RegistrationBody: string(a.Body), RegistrationNumber: a.Number,
			Answers: locked.Answers, Eligibility: string(res.Outcome), EligibilityReasons: reasons, SubmittedAt: time.Now()}
		var id int64
		for attempt := 0; ; attempt++ {
			n.Reference = referral.NewReference()
			id, err = st.SubmitDraft(ctx, locked.ID, n)
			if !errors.Is(err, store.ErrReferenceTaken) || attempt == 5 {
				break
			}
		}
		if err != nil {
			return err
		}
		reference = n.Reference
		if err := st.AddEvent(ctx, id, time.Now(), "submitted", "public", 0, "Referral sent: Self-referral; eligibility: "+res.Outcome.Label()); err != nil {
			return err
		}
		e := d.audit(r, "create", "referral", n.Reference)
		e.ActorKind, e.ActorID, e.ActorEmail = "public", 0, a.TraineeEmail
		if err := st.Audit(ctx, e); err != nil {
			return err
		}
		if ok, err := st.TakeMailAllowance(ctx, auth.MailRecipientKey(a.TraineeEmail), auth.MailPerRecipient, auth.MailWindow, time.Now()); err != nil || !ok {
			return err
		}
		token, hash := auth.NewToken()
		if _, err := st.CreateSignInToken(ctx, a.TraineeEmail, hash, time.Now(), time.Now().Add(auth.StatusLinkTTL)); err != nil {
			return err
		}
		link := "http://localhost/sign-in/link?token=" + token
		m := mail.Message{To: []mail.Address{{Name: a.TraineeName, Email: a.TraineeEmail}},
			Subject: "We have your careers support referral " + n.Reference,
			Text:    "Dear " + a.TraineeName + ",\n\nWe have your referral " + n.Reference + ". Follow it at " + link + "\n",
			HTML:    "<p>Dear " + a.TraineeName + ",</p><p>We have your referral " + n.Reference + `. <a href="` + link + `">Follow it</a>.</p>`}
		_, err = jobs.Enqueue(ctx, tx, jobs.Notification{Key: "receipt:" + n.Reference, Kind: "referral_receipt", ReferralID: &id, Message: m})
		return err
	})
	if err != nil {
		fail(w, err)
		return
	}
	http.Redirect(w, r, "/refer/self/sent?ref="+url.QueryEscape(reference), http.StatusSeeOther)
}

// workshop is a workshop's public page to someone not signed in: the
// workshop (with its places and waiting list) by its slug.
func (d baselineDeps) workshop(w http.ResponseWriter, r *http.Request) {
	ws, err := d.st.WorkshopBySlug(r.Context(), r.PathValue("slug"))
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%d of %d places\t%s\n", ws.Title, ws.StartsAt.Format(time.RFC3339), ws.Mode, ws.PlacesLeft(), ws.Capacity,
		ws.RegistrationState(time.Now()))
}

// workshopRegister registers someone not signed in for a workshop: the
// service's statements (the workshop, the per-address ceiling, then in one
// transaction the registration, its audit row, the recipient's email
// allowance and the email asking to confirm, with its calendar file, on
// the durable queue).
func (d baselineDeps) workshopRegister(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, err := d.st.WorkshopBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		fail(w, err)
		return
	}
	n, err := d.st.CountHit(ctx, auth.PublicFormKey("workshop", clientAddr(r)), auth.PublicFormWindow, time.Now())
	if err != nil || n > auth.ReferralFormCeiling {
		fail(w, fmt.Errorf("rate limit: %v", err))
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	now := time.Now()
	if ws.RegistrationState(now) != "open" {
		http.Error(w, "registration is not open", http.StatusConflict)
		return
	}
	page := intake.WorkshopPage()
	v := page.Read(r.PostForm)
	v["email"] = []string{store.NormaliseEmail(v.Get("email"))}
	if probs := page.Check(v, false); len(probs) > 0 {
		http.Error(w, probs[0].Message, http.StatusUnprocessableEntity)
		return
	}
	a := intake.Extract(intake.RouteSelf, v)
	res := eligibility.Check(a.Eligibility(), eligibility.DateOf(now))
	if res.Outcome == eligibility.NotEligible {
		http.Error(w, "not eligible", http.StatusUnprocessableEntity)
		return
	}
	reg := store.NewWorkshopRegistration{WorkshopID: ws.ID, Name: a.TraineeName, Email: a.TraineeEmail,
		ProfessionalGroup: string(a.Group), Region: string(a.Region), Grade: string(a.Stage),
		Eligibility: string(res.Outcome), Answers: map[string][]string{}}
	for _, rs := range res.Reasons {
		reg.EligibilityReasons = append(reg.EligibilityReasons, store.EligibilityReason{Code: rs.Code, Text: rs.Text, Signpost: rs.Signpost})
	}
	for _, k := range intake.WorkshopFields {
		if x := v[k]; len(x) > 0 {
			reg.Answers[k] = x
		}
	}
	m := jobs.WorkshopMailer{BaseURL: &url.URL{Scheme: "http", Host: "localhost"}, From: mail.Address{Name: "Careers support", Email: "careers@localhost"}}
	err = d.st.InTx(ctx, func(st *store.Store, tx pgx.Tx) error {
		token, hash := auth.NewToken()
		id, err := st.RegisterForWorkshop(ctx, reg, hash, now, now.Add(workshops.ConfirmLinkTTL))
		if err != nil {
			return err
		}
		e := d.audit(r, "workshop_register", "workshop_registration", strconv.FormatInt(id, 10))
		e.ActorKind, e.ActorID = "anonymous", 0
		if err := st.Audit(ctx, e); err != nil {
			return err
		}
		if ok, err := st.TakeMailAllowance(ctx, auth.MailRecipientKey(reg.Email), auth.MailPerRecipient, auth.MailWindow, now); err != nil || !ok {
			return err
		}
		return m.SendWorkshopConfirmEmail(ctx, tx, id, token, now)
	})
	if err != nil {
		fail(w, err)
		return
	}
	http.Redirect(w, r, "/workshops/"+ws.Slug+"/check-email", http.StatusSeeOther)
}

// runBaseline serves the baseline until ctx ends (bench -baseline).
func runBaseline(ctx context.Context, addr, databaseURL string, coordinatorID int64, maxConns int32) error {
	// Its connections opened at start and kept, as careers serve's
	// (DB_MIN_CONNS).
	pool, err := store.Open(ctx, databaseURL, maxConns, func(c *pgxpool.Config) { c.MinConns = maxConns })
	if err != nil {
		return err
	}
	defer pool.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	st, err := baselineStore(pool, os.Getenv("SECRET_KEY"))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: baselineHandler(baselineDeps{pool: pool, st: st, coordinatorID: coordinatorID}),
		ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	go func() {
		<-ctx.Done()
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(c)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// baselineStore is the store the baseline's handlers use: keyed with the
// same SECRET_KEY as the service (serviceEnv), so its rate-limit statements
// are the service's, on the same kind of key.
func baselineStore(pool *pgxpool.Pool, secretKey string) (*store.Store, error) {
	k, err := auth.ParseSecretKey(secretKey)
	if err != nil {
		return nil, fmt.Errorf("SECRET_KEY: %w", err)
	}
	kr, err := auth.NewKeyring(k)
	if err != nil {
		return nil, err
	}
	return store.New(pool).WithKeyring(kr), nil
}

// baselineFlagsValid checks the child's flags.
func baselineFlagsValid(addr, db string, coordinator int64) error {
	if addr == "" || db == "" || coordinator <= 0 {
		return errors.New("bench -baseline needs -addr, -database and -coordinator")
	}
	return nil
}
