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
	"careers/internal/outcomes"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// The outcome questionnaire (internal/outcomes): before the first session
// and at closure on the trainee's own pages, never compulsory; the answers
// are feedback in the audience table (InfoFeedback): the trainee's own,
// their coach's ratings, the team's figures.

// outcomeStage reads the questionnaire in the URL (before or after).
func outcomeStage(r *http.Request) (outcomes.Stage, bool) {
	st := outcomes.Stage(chi.URLParam(r, "stage"))
	return st, st == outcomes.Before || st == outcomes.After
}

// outcomeOpen reports whether the questionnaire stage is offered now.
func (s *Server) outcomeOpen(stage outcomes.Stage, status string, os store.OutcomeState) bool {
	switch stage {
	case outcomes.Before:
		return outcomes.BeforeOpen(status, os.BeforeDone, os.FirstSession, s.now())
	case outcomes.After:
		return outcomes.AfterOpen(status, os.AfterDone, os.Attended, os.ClosedAt, s.now())
	}
	return false
}

// outcomesPrompt is the invitation on the trainee's page, if a
// questionnaire is open (nil otherwise, and for anyone but the trainee).
// It reads only for referrals at a stage where one can be.
func (s *Server) outcomesPrompt(ctx context.Context, au policy.Audience, c store.ReferralCard) (*web.OutcomesPrompt, error) {
	if !au.Is(policy.ViewerTrainee) || (c.Status != "allocated" && c.Status != "active" && c.Status != "closed") {
		return nil, nil
	}
	os, err := s.store.OutcomeStateOf(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	base := "/your-referrals/" + c.Reference + "/outcomes/"
	switch {
	case s.outcomeOpen(outcomes.Before, c.Status, os):
		return &web.OutcomesPrompt{Href: base + string(outcomes.Before), Link: "Before your first session: five quick questions",
			Text: "Rate where you are now, from 1 to 5, so you and we can see what changes. It takes a minute and is up to you."}, nil
	case s.outcomeOpen(outcomes.After, c.Status, os):
		return &web.OutcomesPrompt{Href: base + string(outcomes.After), Link: "Tell us how it went",
			Text: "Your support has finished. Rate where you are now and tell us about your experience. It is up to you."}, nil
	}
	return nil, nil
}

// outcomesForm lays out a questionnaire with the values given so far.
func outcomesForm(ref string, stage outcomes.Stage, vals func(string) string, errs web.Errors) web.OutcomesFormProps {
	p := web.OutcomesFormProps{Reference: ref, Action: "/your-referrals/" + ref + "/outcomes/" + string(stage),
		After: stage == outcomes.After, Errors: errs, Comment: vals("comment"), MayQuote: vals("may_quote") == "yes",
		NoContact: vals("no_contact") == "yes"}
	for _, it := range outcomes.Items {
		p.Ratings = append(p.Ratings, web.RatingField{Name: it.Key, Legend: it.Question, Low: it.Low, High: it.High,
			Value: vals(it.Key), Error: errs.For(it.Key)})
	}
	p.FFT = web.Choices{Name: "fft", Legend: outcomes.FFTQuestion, Error: errs.For("fft")}
	for _, a := range outcomes.FFTAnswers {
		p.FFT.Options = append(p.FFT.Options, web.Option{Value: a.Value, Label: a.Label, Checked: vals("fft") == a.Value})
	}
	return p
}

// outcomeReferral loads the trainee's referral and the questionnaire state;
// on refusal or a questionnaire not open it has answered.
func (s *Server) outcomeReferral(w http.ResponseWriter, r *http.Request) (store.ReferralCard, outcomes.Stage, bool) {
	stage, ok := outcomeStage(r)
	if !ok {
		s.renderNotFound(w, r)
		return store.ReferralCard{}, "", false
	}
	c, ok := s.referralFor(w, r, policy.ViewReferral)
	if !ok {
		return c, stage, false
	}
	if !audienceFor(r, c.Owners).Is(policy.ViewerTrainee) {
		s.deny(w, r, "referral", c.Reference)
		return c, stage, false
	}
	os, err := s.store.OutcomeStateOf(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return c, stage, false
	}
	if !s.outcomeOpen(stage, c.Status, os) {
		s.flash(r, "These questions are not open now. Thank you")
		http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
		return c, stage, false
	}
	return c, stage, true
}

// outcomesFormPage shows a questionnaire.
func (s *Server) outcomesFormPage(w http.ResponseWriter, r *http.Request) {
	c, stage, ok := s.outcomeReferral(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, web.OutcomesFormPage(s.layout(r, ""), outcomesForm(c.Reference, stage, func(string) string { return "" }, nil)))
}

// saveOutcomes records a questionnaire, or that the trainee skipped it.
// Every question is optional; sending with none answered asks them to
// answer one or skip. A second submit records nothing more.
func (s *Server) saveOutcomes(w http.ResponseWriter, r *http.Request) {
	c, stage, ok := s.outcomeReferral(w, r)
	if !ok {
		return
	}
	a := store.OutcomeAnswer{Stage: string(stage), AnsweredAt: s.now()}
	optOut := stage == outcomes.After && r.PostFormValue("no_contact") == "yes"
	var errs web.Errors
	if r.PostFormValue("intent") == "skip" {
		a.Skipped = true
	} else {
		for i, it := range outcomes.Items {
			v, ok := outcomes.ParseRating(r.PostFormValue(it.Key))
			if !ok {
				errs.Add(it.Key, "Choose a number from 1 to 5, or leave it")
			}
			a.Ratings[i] = v
		}
		if stage == outcomes.After {
			a.FFT = r.PostFormValue("fft")
			if a.FFT != "" && !outcomes.ValidFFT(a.FFT) {
				errs.Add("fft", "Choose one of the answers, or leave it")
			}
			a.Comment = strings.TrimSpace(r.PostFormValue("comment"))
			if len([]rune(a.Comment)) > outcomes.MaxComment {
				errs.Add("comment", "Your comment must be "+strconv.Itoa(outcomes.MaxComment)+" characters or fewer")
			}
			a.MayQuote = r.PostFormValue("may_quote") == "yes" && a.Comment != ""
		}
		if !errs.Any() && !outcomes.Ratings(a.Ratings).Any() && a.FFT == "" && a.Comment == "" {
			errs.Add(outcomes.Items[0].Key, "Answer at least one question, or choose Skip these questions")
		}
	}
	if errs.Any() {
		s.render(w, r, http.StatusUnprocessableEntity, web.OutcomesFormPage(s.layout(r, ""), outcomesForm(c.Reference, stage, r.PostFormValue, errs)))
		return
	}
	if _, err := s.store.SaveOutcome(r.Context(), c.ID, a, optOut); err != nil {
		s.serverError(w, r, err)
		return
	}
	// The audit says a questionnaire was answered, not what it said.
	detail := string(stage)
	if a.Skipped {
		detail += " skipped"
	}
	if err := s.audit(r.Context(), s.store, "outcome_questionnaire", "referral", c.Reference, store.OutcomeSuccess, detail); err != nil {
		s.serverError(w, r, err)
		return
	}
	if a.Skipped {
		s.flash(r, "You skipped the questions. That is fine")
	} else {
		s.flash(r, "Thank you. We have your answers")
	}
	http.Redirect(w, r, "/your-referrals/"+c.Reference, http.StatusSeeOther)
}

// clientRatings is a coach's view of their client's own ratings (nil for
// anyone else, and when there are none): the ratings only, never the
// Friends and Family answer or the comment (the page's query does not
// even read those).
func clientRatings(au policy.Audience, rs []store.OutcomeRatings) *web.ClientRatings {
	if au.Access(policy.InfoFeedback) != policy.OwnClientsRatings {
		return nil
	}
	var before, after *store.OutcomeRatings
	for i := range rs {
		switch outcomes.Stage(rs[i].Stage) {
		case outcomes.Before:
			before = &rs[i]
		case outcomes.After:
			after = &rs[i]
		}
	}
	if before == nil && after == nil {
		return nil
	}
	cell := func(a *store.OutcomeRatings, i int) string {
		if a == nil || a.Ratings[i] == 0 {
			return "Not answered"
		}
		return strconv.Itoa(a.Ratings[i])
	}
	out := &web.ClientRatings{Note: "Your client's own ratings, to help plan the sessions. 1 is the lowest and 5 the highest. Only you, as their coach, see them with their name."}
	for i, it := range outcomes.Items {
		out.Rows = append(out.Rows, web.ClientRatingRow{Question: it.Question, Before: cell(before, i), After: cell(after, i)})
	}
	return out
}

// followUpGoneText is how the follow-up page words a link it cannot use.
const followUpGoneText = "This link has been used or has expired. Thank you for your help: there is nothing more to do."

// destinationOptions are the closure outcomes a trainee can be at six
// months on (not "withdrew" or "did not engage", which are not places),
// worded for the trainee.
var destinationOptions = []web.Option{
	{Value: "stay_adjusted", Label: "In my specialty, with changes that suit me better"},
	{Value: "change_specialty", Label: "Changing, or changed, specialty"},
	{Value: "less_than_full_time", Label: "Training less than full time"},
	{Value: "time_out", Label: "Taking time out of training"},
	{Value: "outside_medicine", Label: "Working, or heading, outside medicine"},
	{Value: "still_deciding", Label: "Still deciding"},
}

func followUpProps(token string, vals func(string) string, errs web.Errors) web.FollowUpProps {
	p := web.FollowUpProps{Token: token, Errors: errs,
		Destinations: web.Choices{Name: "destination", Legend: "Where are you now in your career?", Error: errs.For("destination")},
		StillHelps: web.RatingField{Name: "still_helps", Legend: "Does the careers support you had still help you?", Low: "Not at all",
			High: "A great deal", Value: vals("still_helps"), Error: errs.For("still_helps")}}
	for _, o := range destinationOptions {
		o.Checked = vals("destination") == o.Value
		p.Destinations.Options = append(p.Destinations.Options, o)
	}
	return p
}

// followUpForm is the page the six-month email links to. The token is the
// only key; the page names no one.
func (s *Server) followUpForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	_, err := s.store.FollowUpByToken(r.Context(), auth.HashToken(token), s.now())
	if errors.Is(err, store.ErrNotFound) || token == "" {
		s.render(w, r, http.StatusNotFound, web.FollowUpPage(s.layout(r, ""), web.FollowUpProps{Gone: true, Message: followUpGoneText}))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.FollowUpPage(s.layout(r, ""), followUpProps(token, func(string) string { return "" }, nil)))
}

// followUp records the six-month answers, a skip, or a request not to be
// contacted again, and spends the link.
func (s *Server) followUp(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	a := store.OutcomeAnswer{Stage: string(outcomes.FollowUp), AnsweredAt: s.now()}
	intent := r.PostFormValue("intent")
	var errs web.Errors
	switch intent {
	case "skip":
		a.Skipped = true
	case "stop":
	default:
		a.Destination = r.PostFormValue("destination")
		if a.Destination != "" && !validDestination(a.Destination) {
			errs.Add("destination", "Choose one of the answers, or leave it")
		}
		v, ok := outcomes.ParseRating(r.PostFormValue("still_helps"))
		if !ok {
			errs.Add("still_helps", "Choose a number from 1 to 5, or leave it")
		}
		a.StillHelps = v
		if !errs.Any() && a.Destination == "" && a.StillHelps == 0 {
			errs.Add("destination", "Answer at least one question, or choose Skip these questions")
		}
	}
	if errs.Any() {
		if _, err := s.store.FollowUpByToken(r.Context(), auth.HashToken(token), s.now()); err != nil {
			s.render(w, r, http.StatusNotFound, web.FollowUpPage(s.layout(r, ""), web.FollowUpProps{Gone: true, Message: followUpGoneText}))
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, web.FollowUpPage(s.layout(r, ""), followUpProps(token, r.PostFormValue, errs)))
		return
	}
	ref, err := s.store.AnswerFollowUp(r.Context(), auth.HashToken(token), a, intent == "stop")
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, web.FollowUpPage(s.layout(r, ""), web.FollowUpProps{Gone: true, Message: followUpGoneText}))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.audit(r.Context(), s.store, "outcome_questionnaire", "referral", ref, store.OutcomeSuccess, "followup "+intent); err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "Thank you. We have your answers."
	switch intent {
	case "skip":
		msg = "You skipped the questions. That is fine, and we will not ask again."
	case "stop":
		msg = "We will not contact you about this again."
	}
	s.render(w, r, http.StatusOK, web.FollowUpPage(s.layout(r, ""), web.FollowUpProps{Done: true, Message: msg}))
}

func validDestination(v string) bool {
	for _, o := range destinationOptions {
		if o.Value == v {
			return true
		}
	}
	return false
}

// questionnaireSection lays out a referral's questionnaires for a data
// export.
func questionnaireSection(as []store.OutcomeAnswer) web.ExportSection {
	sec := web.ExportSection{Heading: "Your outcome questionnaires", Sub: true}
	stageName := map[string]string{"before": "Before your first session", "after": "At closure", "followup": "Six months after closure"}
	for _, a := range as {
		t := web.ExportTable{Caption: stageName[a.Stage] + ": answered " + web.DateTime(a.AnsweredAt), Head: []string{"Question", "Your answer"}}
		if a.Skipped {
			t.Rows = append(t.Rows, []string{"All questions", "Skipped"})
		}
		if a.Stage != string(outcomes.FollowUp) && !a.Skipped {
			for i, it := range outcomes.Items {
				v := "Not answered"
				if a.Ratings[i] != 0 {
					v = strconv.Itoa(a.Ratings[i]) + " out of 5"
				}
				t.Rows = append(t.Rows, []string{it.Question, v})
			}
		}
		if a.Stage == string(outcomes.After) && !a.Skipped {
			t.Rows = append(t.Rows, []string{outcomes.FFTQuestion, orNotGiven(outcomes.FFTLabel(a.FFT))},
				[]string{"What made the difference, or what could we do better?", orNotGiven(a.Comment)})
			quote := "No"
			if a.MayQuote {
				quote = "Yes"
			}
			t.Rows = append(t.Rows, []string{"You may quote my words, with my name", quote})
		}
		if a.Stage == string(outcomes.FollowUp) && !a.Skipped {
			dest := "Not answered"
			for _, o := range destinationOptions {
				if o.Value == a.Destination {
					dest = o.Label
				}
			}
			helps := "Not answered"
			if a.StillHelps != 0 {
				helps = strconv.Itoa(a.StillHelps) + " out of 5"
			}
			t.Rows = append(t.Rows, []string{"Where are you now in your career?", dest}, []string{"Does the careers support you had still help you?", helps})
		}
		sec.Tables = append(sec.Tables, t)
	}
	return sec
}

// inviteClosureQuestionnaire emails the trainee, in the closure's
// transaction, that the closure questions wait on their page: only when
// a session took place and the outcome is not a withdrawal or a trainee who
// did not engage. The email says nothing of the outcome.
func (s *Server) inviteClosureQuestionnaire(ctx context.Context, st *store.Store, tx pgxTx, cur store.ReferralState, outcome triage.Outcome, key string) error {
	if cur.SessionsUsed == 0 || outcome == triage.OutcomeWithdrew || outcome == triage.OutcomeDidNotEngage || cur.TraineeEmail == "" {
		return nil
	}
	// The page offers the questions only after a session took place.
	os, err := st.OutcomeStateOf(ctx, cur.ID)
	if err != nil || os.Attended == 0 {
		return err
	}
	return s.letter(ctx, tx, cur.ID, key+":outcomes", "outcome_closure_invite", mail.Address{Name: cur.TraineeName, Email: cur.TraineeEmail}, notify.Letter{
		Subject:  "Your careers support has ended: how did it go?",
		Greeting: "Dear " + cur.TraineeName + ",",
		Paragraphs: []string{"Your careers support with us has come to an end. If you would like to, you can tell us where you are now and how it went: a few questions on your referral's page. Answering is up to you.",
			"Your answers are used as anonymous figures and are never shown to your Case Manager or to anyone who referred you."},
		Link: s.cfg.BaseURL.JoinPath("your-referrals", cur.Reference).String(), LinkLabel: "Answer the questions (sign-in needed)"})
}
