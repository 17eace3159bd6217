package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// SubjectData is everything the service holds about one person, found by
// their email address: what a trainee downloads from their own page, and
// what an admin produces for a request that arrives another way. It is
// read in one read-only snapshot, so its parts agree with each other.
type SubjectData struct {
	Email       string    `json:"email"`
	GeneratedAt time.Time `json:"generated_at"`
	// Referrals are the ones the person is the trainee of, whole.
	Referrals []SubjectReferral `json:"referrals"`
	// AsReferrer are the referrals the person made for someone else: only
	// what is about the person (their own details as given, the reference
	// and its status), since the rest is the other trainee's.
	AsReferrer []SubjectReferrer `json:"referrals_made_for_others"`
	// Messages are the emails sent to the person's address.
	Messages []SubjectMessage `json:"messages"`
	// Access is the audit of who viewed or changed the person's records,
	// and the person's own sign-ins and downloads.
	Access []SubjectAccess `json:"record_access"`
	// NotesLeftOut says the team's internal notes were left out (the
	// trainee's own download; a request through an admin has them).
	NotesLeftOut bool `json:"staff_notes_left_out,omitempty"`
	// Workshops are the person's workshop and webinar registrations
	// (issue 16), with what they answered and what happened.
	Workshops []SubjectWorkshop `json:"workshop_registrations"`
}

// SubjectWorkshop is one workshop registration as its person's data.
type SubjectWorkshop struct {
	Workshop           string              `json:"workshop"`
	StartsAt           time.Time           `json:"starts_at"`
	EndsAt             time.Time           `json:"ends_at"`
	WorkshopStatus     string              `json:"workshop_status"`
	Name               string              `json:"name"`
	Email              string              `json:"email"`
	ProfessionalGroup  string              `json:"professional_group"`
	Region             string              `json:"region"`
	Grade              string              `json:"stage_or_grade"`
	Answers            map[string][]string `json:"answers"`
	Eligibility        string              `json:"eligibility"`
	EligibilityReasons []EligibilityReason `json:"eligibility_reasons"`
	Status             string              `json:"status"`
	RegisteredAt       time.Time           `json:"registered_at"`
	ConfirmedAt        *time.Time          `json:"confirmed_at"`
	PlacedAt           *time.Time          `json:"placed_at"`
	OfferExpiresAt     *time.Time          `json:"offer_expires_at"`
	EndedAt            *time.Time          `json:"ended_at"`
	Attendance         string              `json:"attendance"`
	Reminded           []string            `json:"reminders_sent"`
	// Their feedback after the event, if they gave any.
	FeedbackFFT     string     `json:"feedback_friends_and_family_test,omitempty"`
	FeedbackComment string     `json:"feedback_comment,omitempty"`
	FeedbackAt      *time.Time `json:"feedback_given_at,omitempty"`
}

// Empty reports whether nothing at all is held about the address.
func (d SubjectData) Empty() bool {
	return len(d.Referrals) == 0 && len(d.AsReferrer) == 0 && len(d.Messages) == 0 && len(d.Access) == 0 && len(d.Workshops) == 0
}

// SubjectReferral is one referral with everything that hangs off it.
type SubjectReferral struct {
	id                 int64
	Reference          string              `json:"reference"`
	Route              string              `json:"route"`
	Status             string              `json:"status"`
	TraineeName        string              `json:"trainee_name"`
	TraineeEmail       string              `json:"trainee_email"`
	ReferrerName       string              `json:"referrer_name,omitempty"`
	ReferrerEmail      string              `json:"referrer_email,omitempty"`
	CaseManager        string              `json:"case_manager,omitempty"`
	Coach              string              `json:"coach,omitempty"`
	SubmittedAt        time.Time           `json:"submitted_at"`
	ConfirmedAt        *time.Time          `json:"confirmed_at,omitempty"`
	FirstResponseAt    *time.Time          `json:"first_response_at,omitempty"`
	ClosedAt           *time.Time          `json:"closed_at,omitempty"`
	Region             string              `json:"region"`
	ProfessionalGroup  string              `json:"professional_group"`
	RegistrationBody   string              `json:"registration_body"`
	RegistrationNumber string              `json:"registration_number"`
	Answers            map[string][]string `json:"answers"`
	Eligibility        string              `json:"eligibility"`
	EligibilityReasons []EligibilityReason `json:"eligibility_reasons"`
	EligibilityDecided string              `json:"eligibility_decision,omitempty"`
	EligibilityWhy     string              `json:"eligibility_decision_reason,omitempty"`
	FormDSessions      int                 `json:"form_d_sessions,omitempty"`
	FormDReference     string              `json:"form_d_reference,omitempty"`
	FormDStatus        string              `json:"form_d_status,omitempty"`
	Outcome            string              `json:"outcome,omitempty"`
	ClosingNote        string              `json:"closing_note,omitempty"`
	SessionsGranted    int                 `json:"sessions_granted"`
	SessionsUsed       int                 `json:"sessions_used"`
	LegalHold          bool                `json:"legal_hold"`
	Timeline           []SubjectEvent      `json:"timeline"`
	Notes              []SubjectNote       `json:"staff_notes,omitempty"`
	Questions          []SubjectQuestion   `json:"questions"`
	Extensions         []SubjectExtension  `json:"extension_requests"`
	Allowance          []SubjectAllowance  `json:"allowance_ledger"`
	Documents          []SubjectDocument   `json:"documents"`
	Appointments       []SubjectAppt       `json:"appointments"`
	Summaries          []SubjectSummary    `json:"summaries"`
	// Questionnaires are the outcome questionnaires (outcomes.go).
	Questionnaires []OutcomeAnswer `json:"outcome_questionnaires"`
}

// SubjectEvent is one entry of a referral's timeline.
type SubjectEvent struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	By     string    `json:"by"`
	Detail string    `json:"detail"`
}

// SubjectNote is a note staff wrote on the referral.
type SubjectNote struct {
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Body   string    `json:"body"`
}

// SubjectQuestion is a coordinator's question and the trainee's answer.
type SubjectQuestion struct {
	AskedAt    time.Time  `json:"asked_at"`
	Question   string     `json:"question"`
	Answer     string     `json:"answer,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// SubjectExtension is a request for more sessions.
type SubjectExtension struct {
	RequestedAt   time.Time  `json:"requested_at"`
	Sessions      int        `json:"sessions"`
	Justification string     `json:"justification"`
	Status        string     `json:"status"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	DecisionNote  string     `json:"decision_note,omitempty"`
}

// SubjectAllowance is one step of the allowance ledger.
type SubjectAllowance struct {
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	Sessions int       `json:"sessions"`
	Note     string    `json:"note,omitempty"`
}

// SubjectDocument is an uploaded document, content included (base64 in JSON).
type SubjectDocument struct {
	Kind        string    `json:"kind"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedAt  time.Time `json:"uploaded_at"`
	Content     []byte    `json:"content_base64"`
}

// SubjectAppt is one booked session.
type SubjectAppt struct {
	id           int64
	Start        time.Time  `json:"start"`
	End          time.Time  `json:"end"`
	Mode         string     `json:"mode"`
	Place        string     `json:"place,omitempty"`
	Coach        string     `json:"coach"`
	Status       string     `json:"status"`
	BookedBy     string     `json:"booked_by"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	CancelledBy  string     `json:"cancelled_by,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	Late         bool       `json:"late_change"`
	WaivedAt     *time.Time `json:"waived_at,omitempty"`
	WaiveReason  string     `json:"waive_reason,omitempty"`
	ConfirmedAt  *time.Time `json:"meeting_confirmed_at,omitempty"`
}

// SubjectSummary is the trainee's summary of a session.
type SubjectSummary struct {
	SessionStart   time.Time  `json:"session_start"`
	SelfAwareness  string     `json:"self_awareness"`
	Options        string     `json:"options"`
	Decision       string     `json:"decision"`
	Actions        []Action   `json:"actions"`
	SubmittedAt    *time.Time `json:"submitted_at,omitempty"`
	Share          bool       `json:"shared_with_case_manager"`
	ShareChangedAt *time.Time `json:"share_changed_at,omitempty"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
}

// SubjectReferrer is a referral the person made for someone else.
type SubjectReferrer struct {
	Reference     string    `json:"reference"`
	Status        string    `json:"status"`
	SubmittedAt   time.Time `json:"submitted_at"`
	ReferrerName  string    `json:"your_name_as_given"`
	ReferrerEmail string    `json:"your_email_as_given"`
}

// SubjectMessage is an email sent to the person.
type SubjectMessage struct {
	At          time.Time  `json:"at"`
	Reference   string     `json:"reference,omitempty"`
	Subject     string     `json:"subject"`
	Body        string     `json:"body"`
	Status      string     `json:"status"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	Attachments []string   `json:"attachments,omitempty"`
}

// SubjectAccess is one audit row about the person's records.
type SubjectAccess struct {
	At      time.Time `json:"at"`
	Who     string    `json:"who"`
	Action  string    `json:"action"`
	Record  string    `json:"record"`
	Outcome string    `json:"outcome"`
}

// SubjectData gathers everything held about email as of now.
func (s *Store) SubjectData(ctx context.Context, email string, now time.Time) (SubjectData, error) {
	e := NormaliseEmail(email)
	d := SubjectData{Email: e, GeneratedAt: now}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		st := &Store{pool: s.pool, db: tx}
		return st.subjectData(ctx, &d)
	})
	if err != nil {
		return SubjectData{}, fmt.Errorf("subject data: %w", err)
	}
	return d, nil
}

func (s *Store) subjectData(ctx context.Context, d *SubjectData) error {
	if err := s.subjectReferrals(ctx, d); err != nil {
		return err
	}
	byID := map[int64]*SubjectReferral{}
	ids := make([]int64, len(d.Referrals))
	refs := make([]string, len(d.Referrals))
	for i := range d.Referrals {
		byID[d.Referrals[i].id] = &d.Referrals[i]
		ids[i], refs[i] = d.Referrals[i].id, d.Referrals[i].Reference
	}
	if len(ids) > 0 {
		if err := s.subjectChildren(ctx, ids, byID); err != nil {
			return err
		}
	}
	var apptIDs []string
	for _, r := range d.Referrals {
		for _, a := range r.Appointments {
			apptIDs = append(apptIDs, strconv.FormatInt(a.id, 10))
		}
	}
	if err := s.subjectAsReferrer(ctx, d); err != nil {
		return err
	}
	if err := s.subjectMessages(ctx, d); err != nil {
		return err
	}
	if err := s.subjectWorkshops(ctx, d); err != nil {
		return err
	}
	return s.subjectAccess(ctx, d, refs, apptIDs)
}

// subjectWorkshops adds the person's workshop registrations.
func (s *Store) subjectWorkshops(ctx context.Context, d *SubjectData) error {
	regs, err := s.WorkshopRegistrationsByEmail(ctx, d.Email)
	if err != nil {
		return err
	}
	// Their feedback, one statement for all their registrations.
	type feedback struct {
		fft, comment string
		at           time.Time
	}
	given := map[int64]feedback{}
	err = s.eachRow(ctx, "workshop feedback", `SELECT f.registration_id, f.fft, f.comment, f.answered_at
		FROM workshop_feedback f JOIN workshop_registrations r ON r.id = f.registration_id WHERE r.email = $1`, func(rows pgx.Rows) error {
		var id int64
		var f feedback
		if err := rows.Scan(&id, &f.fft, &f.comment, &f.at); err != nil {
			return err
		}
		given[id] = f
		return nil
	}, d.Email)
	if err != nil {
		return err
	}
	for _, x := range regs {
		r, w := x.Registration, x.Workshop
		sw := SubjectWorkshop{Workshop: w.Title, StartsAt: w.StartsAt, EndsAt: w.EndsAt, WorkshopStatus: w.Status,
			Name: r.Name, Email: r.Email, ProfessionalGroup: r.ProfessionalGroup, Region: r.Region, Grade: r.Grade, Answers: r.Answers,
			Eligibility: r.Eligibility, EligibilityReasons: r.EligibilityReasons, Status: r.Status, RegisteredAt: r.CreatedAt,
			ConfirmedAt: r.ConfirmedAt, PlacedAt: r.PlacedAt, OfferExpiresAt: r.OfferExpiresAt, EndedAt: r.EndedAt,
			Attendance: r.Attendance, Reminded: r.Reminded}
		if f, ok := given[r.ID]; ok {
			sw.FeedbackFFT, sw.FeedbackComment, sw.FeedbackAt = f.fft, f.comment, &f.at
		}
		d.Workshops = append(d.Workshops, sw)
	}
	return nil
}

func (s *Store) subjectReferrals(ctx context.Context, d *SubjectData) error {
	rows, err := s.db.Query(ctx, `SELECT r.id, r.reference, r.route, r.status, r.trainee_name, r.trainee_email,
			coalesce(r.referrer_name, ''), coalesce(r.referrer_email, ''), coalesce(cm.name, ''), coalesce(co.name, ''),
			r.submitted_at, r.confirmed_at, r.first_response_at, r.closed_at, r.region, r.professional_group,
			r.registration_body, r.registration_number, r.answers, r.eligibility, r.eligibility_reasons,
			coalesce(r.eligibility_override, ''), coalesce(r.eligibility_override_reason, ''), coalesce(r.form_d_sessions, 0),
			coalesce(r.form_d_reference, ''), coalesce(r.form_d_status, ''), coalesce(r.outcome, ''), coalesce(r.closing_note, ''),
			r.sessions_granted, r.sessions_used, r.legal_hold_at IS NOT NULL
		FROM referrals r LEFT JOIN staff_users cm ON cm.id = r.case_manager_id LEFT JOIN staff_users co ON co.id = r.coach_id
		WHERE r.trainee_email = $1 ORDER BY r.submitted_at, r.id`, d.Email)
	if err != nil {
		return fmt.Errorf("referrals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r SubjectReferral
		var answers, reasons []byte
		if err := rows.Scan(&r.id, &r.Reference, &r.Route, &r.Status, &r.TraineeName, &r.TraineeEmail, &r.ReferrerName, &r.ReferrerEmail,
			&r.CaseManager, &r.Coach, &r.SubmittedAt, &r.ConfirmedAt, &r.FirstResponseAt, &r.ClosedAt, &r.Region, &r.ProfessionalGroup,
			&r.RegistrationBody, &r.RegistrationNumber, &answers, &r.Eligibility, &reasons, &r.EligibilityDecided, &r.EligibilityWhy,
			&r.FormDSessions, &r.FormDReference, &r.FormDStatus, &r.Outcome, &r.ClosingNote, &r.SessionsGranted, &r.SessionsUsed,
			&r.LegalHold); err != nil {
			return fmt.Errorf("referrals: %w", err)
		}
		if err := json.Unmarshal(answers, &r.Answers); err != nil {
			return fmt.Errorf("referral answers: %w", err)
		}
		if err := json.Unmarshal(reasons, &r.EligibilityReasons); err != nil {
			return fmt.Errorf("referral eligibility: %w", err)
		}
		d.Referrals = append(d.Referrals, r)
	}
	return rows.Err()
}

// eachRow runs a query and scans every row with scan.
func (s *Store) eachRow(ctx context.Context, what, query string, scan func(pgx.Rows) error, args ...any) error {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// subjectChildren fills in what hangs off the referrals: one query per
// kind of record over all of them, whatever their number.
func (s *Store) subjectChildren(ctx context.Context, ids []int64, byID map[int64]*SubjectReferral) error {
	var id int64
	if err := s.eachRow(ctx, "timeline", `SELECT e.referral_id, e.at, e.kind, e.actor_kind, coalesce(u.name, ''), e.detail
		FROM referral_events e LEFT JOIN staff_users u ON u.id = e.actor_id
		WHERE e.referral_id = ANY($1) ORDER BY e.at, e.id`, func(rows pgx.Rows) error {
		var ev SubjectEvent
		var kind string
		if err := rows.Scan(&id, &ev.At, &ev.Kind, &kind, &ev.By, &ev.Detail); err != nil {
			return err
		}
		if ev.By == "" {
			ev.By = map[string]string{"public": "You or the person who referred you", "system": "The service"}[kind]
		}
		byID[id].Timeline = append(byID[id].Timeline, ev)
		return nil
	}, ids); err != nil {
		return err
	}
	if err := s.eachRow(ctx, "notes", `SELECT n.referral_id, n.at, u.name, n.body FROM referral_notes n
		JOIN staff_users u ON u.id = n.author_id WHERE n.referral_id = ANY($1) ORDER BY n.at, n.id`, func(rows pgx.Rows) error {
		var n SubjectNote
		if err := rows.Scan(&id, &n.At, &n.Author, &n.Body); err != nil {
			return err
		}
		byID[id].Notes = append(byID[id].Notes, n)
		return nil
	}, ids); err != nil {
		return err
	}
	if err := s.eachRow(ctx, "questions", `SELECT referral_id, asked_at, question, coalesce(answer, ''), answered_at
		FROM info_requests WHERE referral_id = ANY($1) ORDER BY asked_at, id`, func(rows pgx.Rows) error {
		var q SubjectQuestion
		if err := rows.Scan(&id, &q.AskedAt, &q.Question, &q.Answer, &q.AnsweredAt); err != nil {
			return err
		}
		byID[id].Questions = append(byID[id].Questions, q)
		return nil
	}, ids); err != nil {
		return err
	}
	if err := s.eachRow(ctx, "extensions", `SELECT referral_id, requested_at, sessions, justification, status, decided_at,
		coalesce(decision_note, '') FROM extension_requests WHERE referral_id = ANY($1) ORDER BY requested_at, id`, func(rows pgx.Rows) error {
		var x SubjectExtension
		if err := rows.Scan(&id, &x.RequestedAt, &x.Sessions, &x.Justification, &x.Status, &x.DecidedAt, &x.DecisionNote); err != nil {
			return err
		}
		byID[id].Extensions = append(byID[id].Extensions, x)
		return nil
	}, ids); err != nil {
		return err
	}
	if err := s.eachRow(ctx, "allowance", `SELECT referral_id, at, kind, sessions, note FROM allowance_events
		WHERE referral_id = ANY($1) ORDER BY at, id`, func(rows pgx.Rows) error {
		var a SubjectAllowance
		if err := rows.Scan(&id, &a.At, &a.Kind, &a.Sessions, &a.Note); err != nil {
			return err
		}
		byID[id].Allowance = append(byID[id].Allowance, a)
		return nil
	}, ids); err != nil {
		return err
	}
	if err := s.eachRow(ctx, "documents", `SELECT referral_id, kind, filename, content_type, size, encode(sha256, 'hex'), created_at, content
		FROM documents WHERE referral_id = ANY($1) ORDER BY created_at, id`, func(rows pgx.Rows) error {
		var doc SubjectDocument
		if err := rows.Scan(&id, &doc.Kind, &doc.Filename, &doc.ContentType, &doc.Size, &doc.SHA256, &doc.UploadedAt, &doc.Content); err != nil {
			return err
		}
		byID[id].Documents = append(byID[id].Documents, doc)
		return nil
	}, ids); err != nil {
		return err
	}
	if err := s.eachRow(ctx, "appointments", `SELECT a.referral_id, a.id, a.starts_at, a.ends_at, a.mode, a.place, u.name, a.status,
		a.booked_by, a.cancelled_at, coalesce(a.cancelled_by, ''), coalesce(a.cancel_reason, ''), a.late, a.waived_at,
		coalesce(a.waive_reason, ''), a.meeting_confirmed_at
		FROM appointments a JOIN staff_users u ON u.id = a.coach_id WHERE a.referral_id = ANY($1) ORDER BY a.starts_at, a.id`, func(rows pgx.Rows) error {
		var a SubjectAppt
		if err := rows.Scan(&id, &a.id, &a.Start, &a.End, &a.Mode, &a.Place, &a.Coach, &a.Status, &a.BookedBy, &a.CancelledAt,
			&a.CancelledBy, &a.CancelReason, &a.Late, &a.WaivedAt, &a.WaiveReason, &a.ConfirmedAt); err != nil {
			return err
		}
		byID[id].Appointments = append(byID[id].Appointments, a)
		return nil
	}, ids); err != nil {
		return err
	}
	if err := s.eachRow(ctx, "questionnaires", `SELECT referral_id, `+outcomeColumns+` FROM outcome_answers
		WHERE referral_id = ANY($1) ORDER BY referral_id, array_position(ARRAY['before','after','followup'], stage)`, func(rows pgx.Rows) error {
		var a OutcomeAnswer
		if err := rows.Scan(&id, &a.Stage, &a.AnsweredAt, &a.Skipped, &a.Ratings[0], &a.Ratings[1], &a.Ratings[2], &a.Ratings[3], &a.Ratings[4],
			&a.FFT, &a.Comment, &a.MayQuote, &a.Destination, &a.StillHelps); err != nil {
			return err
		}
		byID[id].Questionnaires = append(byID[id].Questionnaires, a)
		return nil
	}, ids); err != nil {
		return err
	}
	return s.eachRow(ctx, "summaries", `SELECT s.referral_id, a.starts_at, s.self_awareness, s.options, s.decision, s.actions,
		s.submitted_at, s.share, s.share_changed_at, s.sent_at
		FROM summaries s JOIN appointments a ON a.id = s.appointment_id WHERE s.referral_id = ANY($1) ORDER BY a.starts_at, s.id`, func(rows pgx.Rows) error {
		var sum SubjectSummary
		var actions []byte
		if err := rows.Scan(&id, &sum.SessionStart, &sum.SelfAwareness, &sum.Options, &sum.Decision, &actions, &sum.SubmittedAt,
			&sum.Share, &sum.ShareChangedAt, &sum.SentAt); err != nil {
			return err
		}
		if err := json.Unmarshal(actions, &sum.Actions); err != nil {
			return err
		}
		byID[id].Summaries = append(byID[id].Summaries, sum)
		return nil
	}, ids)
}

func (s *Store) subjectAsReferrer(ctx context.Context, d *SubjectData) error {
	return s.eachRow(ctx, "referrals made", `SELECT reference, status, submitted_at, coalesce(referrer_name, ''), referrer_email
		FROM referrals WHERE referrer_email = $1 AND trainee_email <> $1 ORDER BY submitted_at, id`, func(rows pgx.Rows) error {
		var r SubjectReferrer
		if err := rows.Scan(&r.Reference, &r.Status, &r.SubmittedAt, &r.ReferrerName, &r.ReferrerEmail); err != nil {
			return err
		}
		d.AsReferrer = append(d.AsReferrer, r)
		return nil
	}, d.Email)
}

// subjectMessages lists the emails addressed to the person. A message to
// several people is theirs too, but only its text is shown, as they got it.
func (s *Store) subjectMessages(ctx context.Context, d *SubjectData) error {
	// One-time links are cut out of a message once it is sent; one still
	// queued, or given up, would carry a live link: cut it here too, so
	// the export can never be used to sign in as anyone.
	return s.eachRow(ctx, "messages", `SELECT n.created_at, coalesce(r.reference, ''), n.subject,
			regexp_replace(n.body_text, $2, $3, 'g'), n.status, n.sent_at,
			coalesce((SELECT array_agg(a.filename ORDER BY a.position) FROM notification_attachments a WHERE a.notification_id = n.id), '{}')
		FROM notifications n LEFT JOIN referrals r ON r.id = n.referral_id
		WHERE n.recipients @> jsonb_build_array(jsonb_build_object('email', $1::text))
		ORDER BY n.created_at, n.id`, func(rows pgx.Rows) error {
		var m SubjectMessage
		if err := rows.Scan(&m.At, &m.Reference, &m.Subject, &m.Body, &m.Status, &m.SentAt, &m.Attachments); err != nil {
			return err
		}
		d.Messages = append(d.Messages, m)
		return nil
	}, d.Email, oneTimeLink, linkRemoved)
}

// ownActorRow narrows the audit rows a person is the actor of to those that
// reveal nothing about other people's records: a refused attempt on a
// reference or appointment that is not theirs (a typed or guessed one) stays
// out, or the download would confirm that the reference exists. $1 is the
// address; the records are the person's referrals (as trainee or referrer)
// and their appointments.
const ownActorRow = `a.outcome = 'success'
		OR a.record_type NOT IN ('referral', 'summaries', 'appointment')
		OR (a.record_type IN ('referral', 'summaries') AND a.record_id IN (
			SELECT reference FROM referrals WHERE trainee_email = $1 OR referrer_email = $1))
		OR (a.record_type = 'appointment' AND a.record_id IN (
			SELECT ap.id::text FROM appointments ap JOIN referrals rf ON rf.id = ap.referral_id WHERE rf.trainee_email = $1))`

// subjectAccess is the audit of the person's records (their referrals and
// appointments) and of what they did themselves. Other members of the
// public show by their relation to the record, never by their address.
func (s *Store) subjectAccess(ctx context.Context, d *SubjectData, refs, apptIDs []string) error {
	if refs == nil {
		refs = []string{}
	}
	if apptIDs == nil {
		apptIDs = []string{}
	}
	return s.eachRow(ctx, "record access", `SELECT a.at, a.actor_kind, coalesce(u.name, ''), coalesce(a.actor_email, ''),
			a.action, a.record_type, a.record_id, a.outcome
		FROM audit_log a LEFT JOIN staff_users u ON u.id = a.actor_id
		WHERE (a.record_type = 'referral' AND a.record_id = ANY($2::text[]))
		   OR (a.record_type = 'appointment' AND a.record_id = ANY($3::text[]))
		   OR (a.record_type = 'personal_data' AND a.record_id = $1)
		   OR (a.record_type = 'workshop_registration' AND a.record_id IN (SELECT w.id::text FROM workshop_registrations w WHERE w.email = $1))
		   OR (`+workshopListViews+`)
		   OR (a.actor_email = $1 AND (`+ownActorRow+`))
		ORDER BY a.at, a.id`, func(rows pgx.Rows) error {
		var x SubjectAccess
		var kind, name, email, recordType, recordID string
		if err := rows.Scan(&x.At, &kind, &name, &email, &x.Action, &recordType, &recordID, &x.Outcome); err != nil {
			return err
		}
		switch {
		case kind == "staff" && name != "":
			x.Who = "Staff: " + name
		case kind == "staff":
			x.Who = "Staff"
		case kind == "system":
			x.Who = "The service"
		case recordType == "workshop_registration" && kind != "staff" && x.Outcome == OutcomeSuccess:
			// A workshop place is opened by its own emailed link or by
			// signing in: the registrant (or whoever holds their email).
			x.Who = "You (or someone with the link we emailed you)"
		case email == d.Email && x.Outcome == OutcomeSuccess:
			x.Who = "You"
		case email == d.Email:
			x.Who = "Someone using your email address"
		case kind == "public" && x.Outcome == OutcomeSuccess:
			// The only other member of the public who can open a
			// referral is the person who made it.
			x.Who = "The person who referred you"
		default:
			x.Who = "Someone who was refused"
		}
		if recordType == "personal_data" {
			recordID = "" // the address itself: the record is "your data"
		}
		x.Record = recordType
		if recordID != "" {
			x.Record += " " + recordID
		}
		d.Access = append(d.Access, x)
		return nil
	}, d.Email, refs, apptIDs)
}

// SubjectCounts is how much is held about an address, for the page that
// offers the download (counted, not read).
type SubjectCounts struct {
	Referrals, AsReferrer, Documents, Appointments, Summaries, Messages, Access int
	Workshops                                                                   int
}

// SubjectCountsFor counts what SubjectData would gather for email, in one
// statement.
func (s *Store) SubjectCountsFor(ctx context.Context, email string) (SubjectCounts, error) {
	var c SubjectCounts
	err := s.db.QueryRow(ctx, `WITH mine AS (SELECT id, reference FROM referrals WHERE trainee_email = $1)
		SELECT (SELECT count(*) FROM mine),
			(SELECT count(*) FROM referrals WHERE referrer_email = $1 AND trainee_email <> $1),
			(SELECT count(*) FROM documents WHERE referral_id IN (SELECT id FROM mine)),
			(SELECT count(*) FROM appointments WHERE referral_id IN (SELECT id FROM mine)),
			(SELECT count(*) FROM summaries WHERE referral_id IN (SELECT id FROM mine)),
			(SELECT count(*) FROM notifications WHERE recipients @> jsonb_build_array(jsonb_build_object('email', $1::text))),
			-- Each part by its own index; UNION counts a row once.
			(SELECT count(*) FROM (
				SELECT a.id FROM audit_log a JOIN mine m ON a.record_type = 'referral' AND a.record_id = m.reference
				UNION SELECT a.id FROM audit_log a JOIN appointments ap ON a.record_type = 'appointment' AND a.record_id = ap.id::text
					JOIN mine m ON m.id = ap.referral_id
				UNION SELECT a.id FROM audit_log a WHERE a.record_type = 'personal_data' AND a.record_id = $1
				UNION SELECT a.id FROM audit_log a WHERE a.record_type = 'workshop_registration'
					AND a.record_id IN (SELECT w.id::text FROM workshop_registrations w WHERE w.email = $1)
				UNION SELECT a.id FROM audit_log a WHERE `+workshopListViews+`
				UNION SELECT a.id FROM audit_log a WHERE a.actor_email = $1 AND (`+ownActorRow+`)) x),
			(SELECT count(*) FROM workshop_registrations WHERE email = $1)`,
		NormaliseEmail(email)).Scan(&c.Referrals, &c.AsReferrer, &c.Documents, &c.Appointments, &c.Summaries, &c.Messages, &c.Access, &c.Workshops)
	if err != nil {
		return c, fmt.Errorf("subject counts: %w", err)
	}
	return c, nil
}

// workshopListViews are the audit rows of staff opening the list of who
// registered for a workshop, or its register, for a workshop the person
// ($1) registered for: their name was on the page.
const workshopListViews = `a.record_type = 'workshop' AND a.action IN ('view', 'workshop_view_register')
	AND a.record_id IN (SELECT w.workshop_id::text FROM workshop_registrations w WHERE w.email = $1)`
