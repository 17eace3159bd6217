package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"careers/internal/auth"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/policy"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// decision is one triage decision on a referral: who may take it, what
// the form must hold, and what it changes. Everything runs in one
// transaction under the referral's row lock, after checking that the
// referral has not changed since the form was shown.
type decision struct {
	action  triage.Action // "" for decisions that do not change the state
	may     policy.Action // who may take it: policy's change table
	check   func(r *http.Request, st store.ReferralState, errs *web.Errors)
	apply   func(ctx context.Context, st *store.Store, tx pgxTx, r *http.Request, cur store.ReferralState, next string) error
	done    string
	fields  []string                            // form fields to show again with errors
	allowed func(cur store.ReferralState) error // extra state rules (e.g. funding pending)
}

// errConflictMsg carries a plain-English refusal for the 409 page.
type errConflictMsg string

func (e errConflictMsg) Error() string { return string(e) }

// decide runs a decision from a posted form.
func (s *Server) decide(d decision) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c, ok := s.referralChange(w, r, d.may)
		if !ok {
			return
		}
		if err := r.ParseForm(); err != nil {
			s.renderNotFound(w, r)
			return
		}
		version, _ := strconv.Atoi(r.PostFormValue("version"))
		// A field that held characters no answer may hold is shown again
		// with a message before anything is decided.
		errs := withFormErrors(r, nil, d.fields...)
		var cur store.ReferralState
		err := errInvalidForm
		if !errs.Any() {
			err = s.store.InTx(ctx, func(st *store.Store, tx pgxTx) error {
				var err error
				if cur, err = st.LockReferral(ctx, c.ID); err != nil {
					return err
				}
				if cur.Version != version {
					return store.ErrStale
				}
				next := ""
				if d.action != "" {
					n, err := triage.Next(triage.State(cur.Status), d.action)
					if err != nil {
						return errConflictMsg(err.Error())
					}
					next = string(n)
				}
				if d.allowed != nil {
					if err := d.allowed(cur); err != nil {
						return err
					}
				}
				if d.check != nil {
					if d.check(r, cur, &errs); errs.Any() {
						return errInvalidForm
					}
				}
				return d.apply(ctx, st, tx, r, cur, next)
			})
		}
		var msg errConflictMsg
		switch {
		case errors.Is(err, errInvalidForm):
			p, perr := s.staffReferralProps(r, c)
			if perr != nil {
				s.serverError(w, r, perr)
				return
			}
			p.Errors, p.Form = errs, map[string]string{}
			p.QueueList = postedQueueList(r).values().Encode()
			for _, f := range d.fields {
				p.Form[f] = r.PostFormValue(f)
			}
			s.render(w, r, http.StatusUnprocessableEntity, web.StaffReferralPage(s.layout(r, ""), p))
		case errors.Is(err, errNotHere):
			s.hide(w, r, "extension_request", chi.URLParam(r, "id"))
		case errors.Is(err, store.ErrStale):
			who := cur.UpdatedByName
			if who == "" {
				who = "someone else"
			}
			s.conflictPage(w, r, c, "This referral changed since you opened it: "+who+" updated it at "+web.DateTime(cur.UpdatedAt)+
				". It now shows as it is; check it before you decide again.")
		case errors.As(err, &msg):
			s.conflictPage(w, r, c, string(msg))
		case errors.Is(err, store.ErrOverAllowance):
			s.conflictPage(w, r, c, "That would use more sessions than the allowance")
		case errors.Is(err, store.ErrAlreadyGranted):
			s.conflictPage(w, r, c, "This referral has had its initial allowance. More sessions need an extension a PSU lead approves")
		case err != nil:
			s.serverError(w, r, err)
		case (d.may == policy.DecideFunding || d.may == policy.DecideExtension) && r.PostFormValue("then") == "lead":
			// Decided from the PSU lead's home: back to the rest of the list.
			s.flash(r, d.done+" for "+c.Reference)
			http.Redirect(w, r, "/staff/lead", http.StatusSeeOther)
		case d.action == triage.ActionAccept && r.PostFormValue("then") == "next":
			s.openNextReferral(w, r, c.ID, c.Reference, d.done)
		default:
			s.flash(r, d.done)
			http.Redirect(w, r, "/staff/referrals/"+c.Reference, http.StatusSeeOther)
		}
	}
}

var errInvalidForm = errors.New("form has errors")

// errNotHere: the record named in the URL (an extension request) is not one
// of this referral's; it answers 404 like a record that does not exist.
var errNotHere = errors.New("no such record on this referral")

// conflictPage answers 409 with the referral as it is now.
func (s *Server) conflictPage(w http.ResponseWriter, r *http.Request, c store.ReferralCard, msg string) {
	fresh, err := s.store.ReferralCardByReference(r.Context(), c.Reference)
	if err == nil {
		c = fresh
	}
	s.conflict(w, r, c, msg)
}

// change applies a state change with its timeline entry and audit row.
func (s *Server) change(ctx context.Context, st *store.Store, cur store.ReferralState, ch store.Change, event, detail string) error {
	ch.ByStaff, ch.At = actorFrom(ctx).StaffID, s.now()
	if err := st.ApplyChange(ctx, cur.ID, ch); err != nil {
		return err
	}
	if err := st.AddEvent(ctx, cur.ID, s.now(), event, "staff", ch.ByStaff, detail); err != nil {
		return err
	}
	return s.audit(ctx, st, event, "referral", cur.Reference, store.OutcomeSuccess, "")
}

// letter queues a Letter to one person about a referral.
func (s *Server) letter(ctx context.Context, tx pgxTx, referralID int64, key, kind string, to mail.Address, l notify.Letter) error {
	m, err := notify.Write(ctx, l)
	if err != nil {
		return err
	}
	m.To = []mail.Address{to}
	return s.enqueue(ctx, tx, key, kind, &referralID, m)
}

// traineeLink makes a sign-in link for the trainee to see their referral.
func (s *Server) traineeLink(ctx context.Context, st *store.Store, email string) (string, error) {
	token, hash := auth.NewToken()
	if _, err := st.CreateSignInToken(ctx, email, hash, s.now(), s.now().Add(auth.StatusLinkTTL)); err != nil {
		return "", err
	}
	return s.cfg.BaseURL.String() + "/sign-in/link?token=" + token, nil
}

func textField(r *http.Request, name, missing string, limit int, errs *web.Errors) string {
	v := strings.TrimSpace(r.PostFormValue(name))
	switch {
	case v == "" && missing != "":
		errs.Add(name, missing)
	case referral.CountCharacters(v) > limit:
		errs.Add(name, "This must be "+strconv.Itoa(limit)+" characters or fewer")
	}
	return v
}

func (s *Server) acceptReferral() http.HandlerFunc {
	return s.decide(decision{action: triage.ActionAccept, may: policy.Triage, done: "Referral accepted. Allocate a coach next",
		apply: func(ctx context.Context, st *store.Store, _ pgxTx, _ *http.Request, cur store.ReferralState, next string) error {
			return s.change(ctx, st, cur, store.Change{Status: next, FirstResponse: true}, "accepted", "Accepted")
		}})
}

func (s *Server) declineReferral() http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var reason, message string
		s.decide(decision{action: triage.ActionDecline, may: policy.Triage, fields: []string{"reason", "message"},
			done: "Referral declined. We have emailed the trainee",
			check: func(r *http.Request, _ store.ReferralState, errs *web.Errors) {
				reason = textField(r, "reason", "Enter the reason for declining", 1000, errs)
				message = textField(r, "message", "Enter the message to the trainee, with where they can get support", 3000, errs)
			},
			apply: func(ctx context.Context, st *store.Store, tx pgxTx, _ *http.Request, cur store.ReferralState, next string) error {
				if err := s.change(ctx, st, cur, store.Change{Status: next, FirstResponse: true, Closed: true, ClosingNote: "Declined: " + reason},
					"declined", "Declined: "+reason); err != nil {
					return err
				}
				return s.letter(ctx, tx, cur.ID, "declined:"+cur.Reference+":"+strconv.Itoa(cur.Version), "referral_declined",
					mail.Address{Name: cur.TraineeName, Email: cur.TraineeEmail}, notify.Letter{
						Subject: "Your careers support referral " + cur.Reference, Greeting: "Dear " + cur.TraineeName + ",",
						Paragraphs: strings.Split(message, "\n"), After: []string{"Thank you for contacting the Professional Support Unit."}})
			}})(w, r)
	}
}

func (s *Server) requestInfo() http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var question string
		s.decide(decision{action: triage.ActionRequestInfo, may: policy.Triage, fields: []string{"question"},
			done: "Question sent. The referral waits for the trainee's answer",
			check: func(r *http.Request, _ store.ReferralState, errs *web.Errors) {
				question = textField(r, "question", "Enter your question for the trainee", 2000, errs)
			},
			apply: func(ctx context.Context, st *store.Store, tx pgxTx, _ *http.Request, cur store.ReferralState, next string) error {
				if err := st.AskInfo(ctx, cur.ID, actorFrom(ctx).StaffID, question, s.now()); err != nil {
					return err
				}
				if err := s.change(ctx, st, cur, store.Change{Status: next, FirstResponse: true}, "info_requested", "Asked the trainee: "+question); err != nil {
					return err
				}
				link, err := s.traineeLink(ctx, st, cur.TraineeEmail)
				if err != nil {
					return err
				}
				return s.letter(ctx, tx, cur.ID, "info_request:"+cur.Reference+":"+strconv.Itoa(cur.Version), "info_request",
					mail.Address{Name: cur.TraineeName, Email: cur.TraineeEmail}, notify.Letter{
						Subject: "A question about your careers support referral " + cur.Reference, Greeting: "Dear " + cur.TraineeName + ",",
						Paragraphs: []string{"A coordinator looking at your referral has a question for you:", question,
							"Please answer it on the careers support website. The link below signs you in; it works once, for " + auth.LifetimeText(auth.StatusLinkTTL) + "."},
						Link: link, LinkLabel: "Answer the question"})
			}})(w, r)
	}
}

func (s *Server) overrideEligibility() http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var decisionValue, reason string
		s.decide(decision{may: policy.Triage, fields: []string{"decision", "override_reason"}, done: "Eligibility decision recorded",
			check: func(r *http.Request, _ store.ReferralState, errs *web.Errors) {
				decisionValue = r.PostFormValue("decision")
				if decisionValue != "eligible" && decisionValue != "not_eligible" && decisionValue != "needs_review" {
					errs.Add("decision", "Select your decision")
				}
				reason = textField(r, "override_reason", "Enter why", 1000, errs)
			},
			allowed: func(cur store.ReferralState) error {
				if !triage.IsOpen(triage.State(cur.Status)) {
					return errConflictMsg("This referral is closed")
				}
				return nil
			},
			apply: func(ctx context.Context, st *store.Store, _ pgxTx, _ *http.Request, cur store.ReferralState, _ string) error {
				if err := st.OverrideEligibility(ctx, cur.ID, decisionValue, reason, actorFrom(ctx).StaffID, s.now()); err != nil {
					return err
				}
				if err := st.AddEvent(ctx, cur.ID, s.now(), "eligibility", "staff", actorFrom(ctx).StaffID,
					"Eligibility decided: "+strings.ReplaceAll(decisionValue, "_", " ")+". "+reason); err != nil {
					return err
				}
				return s.audit(ctx, st, "eligibility_decision", "referral", cur.Reference, store.OutcomeSuccess, decisionValue)
			}})(w, r)
	}
}

// allocate sets the coach and the initial allowance, and tells the
// trainee and the coach.
func (s *Server) allocate(action triage.Action) http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var coach store.CoachLoad
		var sessions int
		s.decide(decision{action: action, may: policy.Triage, fields: []string{"coach", "sessions"},
			done: "Coach allocated. We have told the trainee and the coach",
			check: func(r *http.Request, cur store.ReferralState, errs *web.Errors) {
				id, _ := strconv.ParseInt(r.PostFormValue("coach"), 10, 64)
				coaches, err := s.store.CoachesWithLoad(r.Context())
				if err == nil {
					for _, c := range coaches {
						if c.ID == id {
							coach = c
						}
					}
				}
				if coach.ID == 0 {
					errs.Add("coach", "Select a coach")
				} else if action == triage.ActionReallocate && coach.ID == cur.CoachID {
					errs.Add("coach", "Select a different coach")
				}
				if action == triage.ActionAllocate {
					sessions, _ = strconv.Atoi(r.PostFormValue("sessions"))
					if !triage.ValidInitial(sessions) {
						errs.Add("sessions", "Select an initial allowance of 1 to 3 sessions")
					}
				}
			},
			apply: func(ctx context.Context, st *store.Store, tx pgxTx, _ *http.Request, cur store.ReferralState, next string) error {
				id := coach.ID
				event, detail := "allocated", "Allocated to "+coach.Name+" with "+strconv.Itoa(sessions)+" session(s)"
				grant := 0
				if action == triage.ActionAllocate {
					// The initial allowance is granted once in a referral's
					// life; one that had it keeps what it has.
					l, err := st.Ledger(ctx, cur.ID)
					if err != nil {
						return err
					}
					if grant = triage.InitialGrant(l, sessions); grant == 0 {
						detail = "Allocated to " + coach.Name + "; the referral keeps the allowance it had (" + strconv.Itoa(l.Remaining) + " of " +
							strconv.Itoa(l.Allowance) + " session(s) left). More sessions need an extension a PSU lead approves"
					}
				}
				if action == triage.ActionReallocate {
					event, detail = "reallocated", "Moved to "+coach.Name+"; history and remaining allowance kept"
				}
				if err := s.change(ctx, st, cur, store.Change{Status: next, CoachID: &id}, event, detail); err != nil {
					return err
				}
				if grant > 0 {
					if err := st.AddAllowance(ctx, cur.ID, "granted", grant, actorFrom(ctx).StaffID, "Initial allowance", s.now()); err != nil {
						return err
					}
				}
				key := event + ":" + cur.Reference + ":" + strconv.Itoa(cur.Version)
				left := cur.SessionsGranted + grant - cur.SessionsUsed
				return s.tellAllocated(ctx, st, tx, cur, coach, key, left, action == triage.ActionAllocate)
			}})(w, r)
	}
}

func (s *Server) closeReferral() http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var outcome triage.Outcome
		var note string
		s.decide(decision{action: triage.ActionClose, may: policy.Triage, fields: []string{"outcome", "closing_note"},
			done: "Referral closed",
			check: func(r *http.Request, _ store.ReferralState, errs *web.Errors) {
				outcome = triage.Outcome(r.PostFormValue("outcome"))
				if !outcome.Chosen() {
					errs.Add("outcome", "Select the outcome")
				}
				note = textField(r, "closing_note", "Enter a closing note", 2000, errs)
			},
			apply: func(ctx context.Context, st *store.Store, tx pgxTx, _ *http.Request, cur store.ReferralState, next string) error {
				if err := s.change(ctx, st, cur, store.Change{Status: next, Closed: true, Outcome: string(outcome), ClosingNote: note},
					"closed", "Closed: "+outcome.Label()+". "+note); err != nil {
					return err
				}
				key := "closed:" + cur.Reference + ":" + strconv.Itoa(cur.Version)
				if err := s.inviteClosureQuestionnaire(ctx, st, tx, cur, outcome, key); err != nil {
					return err
				}
				return s.tellReferrer(ctx, st, tx, referrerOfState(cur), key, "closure", func(name, link string, cm bool) (mail.Message, error) {
					return notify.ReferrerClosed(ctx, name, cur.Reference, link, cm)
				})
			}})(w, r)
	}
}

// reopenReferral is a PSU lead's reopening of a finished referral: it
// carries on from where it was (triage.Reopen), with its coach and the
// allowance it had; more sessions only through an extension.
func (s *Server) reopenReferral() http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var reason string
		s.decide(decision{may: policy.Reopen, fields: []string{"reopen_reason"}, done: "Referral reopened",
			check: func(r *http.Request, _ store.ReferralState, errs *web.Errors) {
				reason = textField(r, "reopen_reason", "Enter why you are reopening it", 1000, errs)
			},
			allowed: func(cur store.ReferralState) error {
				if _, err := triage.Reopen(triage.State(cur.Status), triage.History{}); err != nil {
					return errConflictMsg(err.Error())
				}
				return nil
			},
			apply: func(ctx context.Context, st *store.Store, _ pgxTx, _ *http.Request, cur store.ReferralState, _ string) error {
				l, err := st.Ledger(ctx, cur.ID)
				if err != nil {
					return err
				}
				next, err := triage.Reopen(triage.State(cur.Status), triage.History{Coach: cur.CoachID != 0, Started: l.Booked > 0})
				if err != nil {
					return errConflictMsg(err.Error())
				}
				detail := "Reopened: " + reason + ". It carries on as " + strings.ToLower(next.Label())
				if cur.CoachID != 0 {
					detail += ", with the same coach and the allowance it had (" + strconv.Itoa(l.Remaining) + " of " + strconv.Itoa(l.Allowance) + " session(s) left)"
				}
				return s.change(ctx, st, cur, store.Change{Status: string(next), Reopened: true}, "reopened", detail)
			}})(w, r)
	}
}

func (s *Server) addNote() http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var body string
		s.decide(decision{may: policy.AddNote, fields: []string{"note_body"}, done: "Note added",
			check: func(r *http.Request, _ store.ReferralState, errs *web.Errors) {
				body = textField(r, "note_body", "Enter the note", 4000, errs)
			},
			apply: func(ctx context.Context, st *store.Store, _ pgxTx, _ *http.Request, cur store.ReferralState, _ string) error {
				if err := st.AddNote(ctx, cur.ID, actorFrom(ctx).StaffID, body, s.now()); errors.Is(err, store.ErrConflict) {
					return errConflictMsg("You added this note already, so it was not added twice")
				} else if err != nil {
					return err
				}
				if err := st.AddEvent(ctx, cur.ID, s.now(), "note", "staff", actorFrom(ctx).StaffID, "Internal note added"); err != nil {
					return err
				}
				return s.audit(ctx, st, "note", "referral", cur.Reference, store.OutcomeSuccess, "")
			}})(w, r)
	}
}

// fundingDecision records a PSU lead's Form D decision.
func (s *Server) fundingDecision() http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var approved bool
		var ref, reason string
		s.decide(decision{may: policy.DecideFunding, fields: []string{"funding", "funding_ref", "funding_reason"}, done: "Funding decision recorded",
			allowed: func(cur store.ReferralState) error {
				if cur.FormDStatus != "requested" {
					return errConflictMsg("This funding request has already been decided")
				}
				return nil
			},
			check: func(r *http.Request, _ store.ReferralState, errs *web.Errors) {
				switch r.PostFormValue("funding") {
				case "approved":
					approved = true
					ref = textField(r, "funding_ref", "Enter the funding system reference", 100, errs)
				case "declined":
					reason = textField(r, "funding_reason", "Enter the reason for declining", 1000, errs)
				default:
					errs.Add("funding", "Select approve or decline")
				}
			},
			apply: func(ctx context.Context, st *store.Store, tx pgxTx, _ *http.Request, cur store.ReferralState, _ string) error {
				status, detail := "declined", "Form D funding declined: "+reason
				if approved {
					status, detail = "approved", "Form D funding approved, reference "+ref
				}
				if err := st.DecideFormD(ctx, cur.ID, status, ref, actorFrom(ctx).StaffID, s.now()); err != nil {
					return err
				}
				if err := st.AddEvent(ctx, cur.ID, s.now(), "funding", "staff", actorFrom(ctx).StaffID, detail); err != nil {
					return err
				}
				if err := s.audit(ctx, st, "funding_"+status, "referral", cur.Reference, store.OutcomeSuccess, ""); err != nil {
					return err
				}
				if approved {
					if err := s.tellFundingApproved(ctx, tx, cur); err != nil {
						return err
					}
				}
				if cur.CaseManagerID == 0 {
					return nil
				}
				cm, err := st.StaffUserByID(ctx, cur.CaseManagerID)
				if err != nil {
					return err
				}
				return s.letter(ctx, tx, cur.ID, "funding:"+cur.Reference, "funding_decision", mail.Address{Name: cm.Name, Email: cm.Email}, notify.Letter{
					Subject: "Form D funding " + status + ": referral " + cur.Reference, Greeting: "Dear " + cm.Name + ",",
					Paragraphs: []string{detail + "."}, Link: s.cfg.BaseURL.String() + "/staff/referrals/" + cur.Reference, LinkLabel: "Open the referral"})
			}})(w, r)
	}
}

// requestExtension asks a PSU lead for more sessions (the coach or a coordinator).
func (s *Server) requestExtension() http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var sessions int
		var why string
		s.decide(decision{may: policy.RequestExtension, fields: []string{"ext_sessions", "justification"},
			done: "Request sent to the PSU leads",
			allowed: func(cur store.ReferralState) error {
				if cur.Status != string(triage.StateAllocated) && cur.Status != string(triage.StateActive) {
					return errConflictMsg("Extra sessions can be asked for once a coach is allocated")
				}
				return nil
			},
			check: func(r *http.Request, _ store.ReferralState, errs *web.Errors) {
				n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("ext_sessions")))
				if err != nil || n < 1 || n > 6 {
					errs.Add("ext_sessions", "Enter a number of sessions from 1 to 6")
				}
				sessions = n
				why = textField(r, "justification", "Enter why the extra sessions are needed", 2000, errs)
			},
			apply: func(ctx context.Context, st *store.Store, _ pgxTx, _ *http.Request, cur store.ReferralState, _ string) error {
				if _, err := st.RequestExtension(ctx, cur.ID, sessions, why, actorFrom(ctx).StaffID, s.now()); err != nil {
					if errors.Is(err, store.ErrConflict) {
						return errConflictMsg("A request for extra sessions is already waiting for a PSU lead")
					}
					return err
				}
				if err := st.AddEvent(ctx, cur.ID, s.now(), "extension_requested", "staff", actorFrom(ctx).StaffID,
					strconv.Itoa(sessions)+" extra session(s) asked for: "+why); err != nil {
					return err
				}
				return s.audit(ctx, st, "extension_requested", "referral", cur.Reference, store.OutcomeSuccess, "")
			}})(w, r)
	}
}

// decideExtension is a PSU lead's decision on a request for more sessions;
// approval adds them to the allowance.
func (s *Server) decideExtension() http.HandlerFunc {
	// The form's values live per request.
	return func(w http.ResponseWriter, r *http.Request) {
		var approved bool
		var note string
		s.decide(decision{may: policy.DecideExtension, fields: []string{"decision", "note"}, done: "Decision recorded",
			check: func(r *http.Request, _ store.ReferralState, errs *web.Errors) {
				switch r.PostFormValue("decision") {
				case "approved":
					approved = true
					note = textField(r, "note", "", 1000, errs)
				case "declined":
					note = textField(r, "note", "Enter why you are declining", 1000, errs)
				default:
					errs.Add("decision", "Select approve or decline")
				}
			},
			apply: func(ctx context.Context, st *store.Store, tx pgxTx, r *http.Request, cur store.ReferralState, _ string) error {
				id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
				x, err := st.LockExtension(ctx, id)
				if errors.Is(err, store.ErrNotFound) || (err == nil && x.ReferralID != cur.ID) {
					// No such request on this referral.
					return errNotHere
				}
				if err != nil {
					return err
				}
				if x.Status != "pending" {
					return errConflictMsg("That request for extra sessions has already been " + x.Status + " by " + x.DecidedBy + ". Nothing was changed")
				}
				if err := st.DecideExtension(ctx, id, approved, note, actorFrom(ctx).StaffID, s.now()); err != nil {
					return err
				}
				detail := "Extra sessions declined: " + note
				if approved {
					if err := st.AddAllowance(ctx, cur.ID, "extended", x.Sessions, actorFrom(ctx).StaffID, note, s.now()); err != nil {
						return err
					}
					detail = strconv.Itoa(x.Sessions) + " extra session(s) approved"
				}
				if err := st.AddEvent(ctx, cur.ID, s.now(), "extension_decided", "staff", actorFrom(ctx).StaffID, detail); err != nil {
					return err
				}
				if err := s.tellExtensionDecided(ctx, st, tx, cur, id, approved, x.Sessions); err != nil {
					return err
				}
				return s.audit(ctx, st, "extension_decided", "referral", cur.Reference, store.OutcomeSuccess, strconv.FormatBool(approved))
			}})(w, r)
	}
}
