package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ReferralPage is everything the staff referral page shows, read in one
// statement: the referral with its answers, eligibility and state, and
// each of its lists as a JSON array built by the database. One round trip
// whatever the referral holds, instead of one per list.
type ReferralPage struct {
	Detail        ReferralDetail
	State         ReferralState
	Notifications []Notification // CreatedAt, Kind, To, Subject and Status only
	Appointments  []Appointment
	Allowance     []AllowanceEvent
	Notes         []Note
	Questions     []InfoRequest
	Extensions    []ExtensionRequest
	// CoachName is the allocated coach's name ("" if none).
	CoachName string
	// Outcome and ClosingNote are how it ended (closed or withdrawn).
	Outcome, ClosingNote string
	// Coaches are the active coaches with their caseloads, when asked for
	// (allocation needs them; most views do not).
	Coaches []CoachLoad
	// Ratings are the trainee's outcome self-ratings before and at closure
	// (outcomes.go): the ratings only, never the feedback or comment.
	Ratings []OutcomeRatings
}

// OutcomeRatings are one questionnaire's five ratings (0: not answered).
type OutcomeRatings struct {
	Stage   string `json:"stage"`
	Ratings [5]int `json:"ratings"`
}

// referralPageSQL reads a referral by reference ($1); $2 asks for the
// coaches. Every list is a subquery over its table's referral index.
const referralPageSQL = `SELECT ` + stateColumns + `, r.submitted_at, r.answers, r.eligibility, r.eligibility_reasons,
	coalesce(r.form_d_sessions, 0), coalesce(r.form_d_reference, ''), r.confirmed_at,
	coalesce(r.eligibility_override, ''), coalesce(r.eligibility_override_reason, ''),
	coalesce((SELECT cn.name FROM staff_users cn WHERE cn.id = r.coach_id), ''), coalesce(r.outcome, ''), coalesce(r.closing_note, ''),
	(SELECT json_build_object('id', d.id, 'kind', d.kind, 'filename', d.filename, 'content_type', d.content_type, 'size', d.size,
			'sha256', encode(d.sha256, 'hex'), 'uploaded_by', coalesce(d.uploaded_by, 0), 'created_at', d.created_at)
		FROM documents d WHERE d.referral_id = r.id AND d.kind = 'form_c' ORDER BY d.id DESC LIMIT 1),
	coalesce((SELECT json_agg(json_build_object('at', e.at, 'kind', e.kind, 'actor', coalesce(eu.name, ''), 'detail', e.detail) ORDER BY e.at, e.id)
		FROM referral_events e LEFT JOIN staff_users eu ON eu.id = e.actor_id WHERE e.referral_id = r.id), '[]'),
	coalesce((SELECT json_agg(json_build_object('at', n.created_at, 'kind', n.kind, 'to', n.recipients, 'subject', n.subject, 'status', n.status) ORDER BY n.created_at, n.id)
		FROM notifications n WHERE n.referral_id = r.id), '[]'),
	coalesce((SELECT json_agg(json_build_object('id', a.id, 'slot_id', a.slot_id, 'coach_id', a.coach_id, 'coach_name', au.name,
			'coach_email', au.email, 'start', a.starts_at, 'end', a.ends_at, 'mode', a.mode, 'place', a.place, 'status', a.status,
			'booked_by', a.booked_by, 'cancelled_at', a.cancelled_at, 'cancelled_by', coalesce(a.cancelled_by, ''),
			'cancel_reason', coalesce(a.cancel_reason, ''), 'late', a.late, 'waived_at', a.waived_at, 'sequence', a.ical_sequence,
			'confirmed_at', a.meeting_confirmed_at,
			'video_link', coalesce(nullif(a.video_link, ''), ap.video_link, ''), 'own_video_link', coalesce(a.video_link, ''),
			'phone', coalesce(nullif(a.phone, ''), ap.phone, '')) ORDER BY a.starts_at, a.id)
		FROM appointments a JOIN staff_users au ON au.id = a.coach_id LEFT JOIN coach_profiles ap ON ap.user_id = a.coach_id
		WHERE a.referral_id = r.id), '[]'),
	coalesce((SELECT json_agg(json_build_object('at', l.at, 'kind', l.kind, 'sessions', l.sessions, 'actor', coalesce(lu.name, ''), 'note', l.note) ORDER BY l.id)
		FROM allowance_events l LEFT JOIN staff_users lu ON lu.id = l.actor_id WHERE l.referral_id = r.id), '[]'),
	coalesce((SELECT json_agg(json_build_object('at', nt.at, 'author', nu.name, 'body', nt.body) ORDER BY nt.at, nt.id)
		FROM referral_notes nt JOIN staff_users nu ON nu.id = nt.author_id WHERE nt.referral_id = r.id), '[]'),
	coalesce((SELECT json_agg(json_build_object('id', q.id, 'question', q.question, 'asked_at', q.asked_at, 'answer', coalesce(q.answer, ''),
			'answered_at', q.answered_at) ORDER BY q.asked_at, q.id)
		FROM info_requests q WHERE q.referral_id = r.id), '[]'),
	coalesce((SELECT json_agg(json_build_object('id', x.id, 'sessions', x.sessions, 'justification', x.justification, 'requested_by', xq.name,
			'requested_at', x.requested_at, 'status', x.status, 'decided_by', coalesce(xd.name, ''), 'decision_note', coalesce(x.decision_note, ''))
			ORDER BY x.requested_at, x.id)
		FROM extension_requests x JOIN staff_users xq ON xq.id = x.requested_by LEFT JOIN staff_users xd ON xd.id = x.decided_by
		WHERE x.referral_id = r.id), '[]'),
	CASE WHEN $2 THEN coalesce((SELECT json_agg(json_build_object('id', c.id, 'name', c.name, 'email', c.email,
			'active', (SELECT count(*) FROM referrals cr WHERE cr.coach_id = c.id AND cr.status IN ('allocated','active')),
			'capacity', coalesce(p.capacity, 10), 'modes', coalesce(p.modes, '{virtual}'), 'specialisms', coalesce(p.specialisms, '{}'),
			'background', coalesce(p.background, '')) ORDER BY c.name, c.id)
		FROM staff_users c LEFT JOIN coach_profiles p ON p.user_id = c.id WHERE c.active AND 'coach' = ANY (c.roles)), '[]') END,
	coalesce((SELECT json_agg(json_build_object('stage', o.stage, 'ratings', json_build_array(coalesce(o.self_awareness, 0),
			coalesce(o.options, 0), coalesce(o.decision, 0), coalesce(o.plan, 0), coalesce(o.confidence, 0))))
		FROM outcome_answers o WHERE o.referral_id = r.id AND o.stage IN ('before', 'after') AND NOT o.skipped), '[]')
FROM referrals r LEFT JOIN staff_users u ON u.id = r.updated_by
WHERE r.reference = $1`

// ReferralPageByReference reads the staff referral page's data in one
// statement (ErrNotFound if there is no such referral).
func (s *Store) ReferralPageByReference(ctx context.Context, ref string, withCoaches bool) (ReferralPage, error) {
	return scanReferralPage(s.db.QueryRow(ctx, referralPageSQL, ref, withCoaches))
}

// ReferralPageAudited reads the staff referral page once the view is
// allowed, in one round trip: it writes e (the view's audit row), then
// reads the page as ReferralPageByReference does. The two statements are
// one pipeline with one Sync, so PostgreSQL runs them as one implicit
// transaction: nothing is read unless the view's row is written, and a
// read that fails takes the row back with it.
func (s *Store) ReferralPageAudited(ctx context.Context, e AuditEntry, ref string, withCoaches bool) (ReferralPage, error) {
	b := &pgx.Batch{}
	b.Queue(auditInsertSQL, e.insertArgs()...)
	b.Queue(referralPageSQL, ref, withCoaches)
	res := sendBatch(ctx, s.db, b)
	defer res.Close()
	if _, err := res.Exec(); err != nil {
		return ReferralPage{}, fmt.Errorf("audit: %w", mapErr(err))
	}
	p, err := scanReferralPage(res.QueryRow())
	if err != nil {
		return p, err
	}
	if err := res.Close(); err != nil {
		return p, fmt.Errorf("referral page: %w", mapErr(err))
	}
	return p, nil
}

// scanReferralPage reads referralPageSQL's row.
func scanReferralPage(row pgx.Row) (ReferralPage, error) {
	var (
		p                                                         ReferralPage
		answers, reasons, formC, events, notes, appts, ledger, qs []byte
		msgs, xs, coaches, ratings                                []byte
	)
	st := &p.State
	err := row.Scan(
		&st.ID, &st.Reference, &st.Route, &st.Status, &st.Version, &st.TraineeName, &st.TraineeEmail, &st.ReferrerName,
		&st.ReferrerEmail, &st.CaseManagerID, &st.CoachID, &st.FirstResponseAt, &st.FormDStatus, &st.SessionsGranted, &st.SessionsUsed,
		&st.UpdatedAt, &st.UpdatedByName,
		&p.Detail.SubmittedAt, &answers, &p.Detail.Eligibility, &reasons, &p.Detail.FormDSessions, &p.Detail.FormDReference,
		&p.Detail.ConfirmedAt, &p.Detail.Override, &p.Detail.OverrideReason, &p.CoachName, &p.Outcome, &p.ClosingNote,
		&formC, &events, &msgs, &appts, &ledger, &notes, &qs, &xs, &coaches, &ratings)
	if err != nil {
		return p, fmt.Errorf("referral page: %w", mapErr(err))
	}
	d := &p.Detail
	d.ID, d.Reference, d.Route, d.Status, d.TraineeName = st.ID, st.Reference, st.Route, st.Status, st.TraineeName
	d.Owners.TraineeEmail, d.Owners.ReferrerEmail = st.TraineeEmail, st.ReferrerEmail
	d.Owners.CaseManagerID, d.Owners.CoachID = st.CaseManagerID, st.CoachID
	d.ReferrerName, d.FormDStatus = st.ReferrerName, st.FormDStatus
	if err := p.decode(answers, reasons, formC, events, msgs, appts, ledger, notes, qs, xs, coaches); err != nil {
		return p, fmt.Errorf("referral page: %w", err)
	}
	if err := json.Unmarshal(ratings, &p.Ratings); err != nil {
		return p, fmt.Errorf("referral page: ratings: %w", err)
	}
	return p, nil
}

// The shapes the page's JSON arrays decode into.
type (
	pageDoc struct {
		ID          int64     `json:"id"`
		Kind        string    `json:"kind"`
		Filename    string    `json:"filename"`
		ContentType string    `json:"content_type"`
		Size        int       `json:"size"`
		SHA256      string    `json:"sha256"`
		UploadedBy  int64     `json:"uploaded_by"`
		CreatedAt   time.Time `json:"created_at"`
	}
	pageEvent struct {
		At     time.Time `json:"at"`
		Kind   string    `json:"kind"`
		Actor  string    `json:"actor"`
		Detail string    `json:"detail"`
	}
	pageMessage struct {
		At      time.Time   `json:"at"`
		Kind    string      `json:"kind"`
		To      []Recipient `json:"to"`
		Subject string      `json:"subject"`
		Status  string      `json:"status"`
	}
	pageAppt struct {
		ID           int64      `json:"id"`
		SlotID       int64      `json:"slot_id"`
		CoachID      int64      `json:"coach_id"`
		CoachName    string     `json:"coach_name"`
		CoachEmail   string     `json:"coach_email"`
		Start        time.Time  `json:"start"`
		End          time.Time  `json:"end"`
		Mode         string     `json:"mode"`
		Place        string     `json:"place"`
		VideoLink    string     `json:"video_link"`
		OwnVideoLink string     `json:"own_video_link"`
		Phone        string     `json:"phone"`
		Status       string     `json:"status"`
		BookedBy     string     `json:"booked_by"`
		CancelledAt  *time.Time `json:"cancelled_at"`
		CancelledBy  string     `json:"cancelled_by"`
		CancelReason string     `json:"cancel_reason"`
		Late         bool       `json:"late"`
		WaivedAt     *time.Time `json:"waived_at"`
		Sequence     int        `json:"sequence"`
		ConfirmedAt  *time.Time `json:"confirmed_at"`
	}
	pageLedger struct {
		At       time.Time `json:"at"`
		Kind     string    `json:"kind"`
		Sessions int       `json:"sessions"`
		Actor    string    `json:"actor"`
		Note     string    `json:"note"`
	}
	pageNote struct {
		At     time.Time `json:"at"`
		Author string    `json:"author"`
		Body   string    `json:"body"`
	}
	pageQuestion struct {
		ID         int64      `json:"id"`
		Question   string     `json:"question"`
		AskedAt    time.Time  `json:"asked_at"`
		Answer     string     `json:"answer"`
		AnsweredAt *time.Time `json:"answered_at"`
	}
	pageExtension struct {
		ID            int64     `json:"id"`
		Sessions      int       `json:"sessions"`
		Justification string    `json:"justification"`
		RequestedBy   string    `json:"requested_by"`
		RequestedAt   time.Time `json:"requested_at"`
		Status        string    `json:"status"`
		DecidedBy     string    `json:"decided_by"`
		DecisionNote  string    `json:"decision_note"`
	}
	pageCoach struct {
		ID          int64    `json:"id"`
		Name        string   `json:"name"`
		Email       string   `json:"email"`
		Active      int      `json:"active"`
		Capacity    int      `json:"capacity"`
		Modes       []string `json:"modes"`
		Specialisms []string `json:"specialisms"`
		Background  string   `json:"background"`
	}
)

func (p *ReferralPage) decode(answers, reasons, formC, events, msgs, appts, ledger, notes, qs, xs, coaches []byte) error {
	d, st := &p.Detail, p.State
	if err := json.Unmarshal(answers, &d.Answers); err != nil {
		return fmt.Errorf("answers: %w", err)
	}
	if err := json.Unmarshal(reasons, &d.EligibilityReasons); err != nil {
		return fmt.Errorf("eligibility: %w", err)
	}
	if formC != nil {
		var doc pageDoc
		if err := json.Unmarshal(formC, &doc); err != nil {
			return fmt.Errorf("form C: %w", err)
		}
		sum, err := hex.DecodeString(doc.SHA256)
		if err != nil {
			return fmt.Errorf("form C: %w", err)
		}
		d.FormC = &Document{ID: doc.ID, Kind: doc.Kind, Filename: doc.Filename, ContentType: doc.ContentType, Size: doc.Size,
			SHA256: sum, UploadedBy: doc.UploadedBy, CreatedAt: doc.CreatedAt}
	}
	var (
		es  []pageEvent
		ms  []pageMessage
		as  []pageAppt
		ls  []pageLedger
		ns  []pageNote
		qqs []pageQuestion
		xxs []pageExtension
		cs  []pageCoach
	)
	for _, part := range []struct {
		what string
		raw  []byte
		into any
	}{
		{"timeline", events, &es}, {"messages", msgs, &ms}, {"appointments", appts, &as}, {"allowance", ledger, &ls},
		{"notes", notes, &ns}, {"questions", qs, &qqs}, {"extensions", xs, &xxs}, {"coaches", coaches, &cs},
	} {
		if part.raw == nil {
			continue
		}
		if err := json.Unmarshal(part.raw, part.into); err != nil {
			return fmt.Errorf("%s: %w", part.what, err)
		}
	}
	for _, e := range es {
		d.Events = append(d.Events, Event{At: e.At, Kind: e.Kind, ActorName: e.Actor, Detail: e.Detail})
	}
	for _, m := range ms {
		p.Notifications = append(p.Notifications, Notification{CreatedAt: m.At, Kind: m.Kind, To: m.To, Subject: m.Subject, Status: m.Status,
			ReferralID: &p.State.ID, ReferralReference: st.Reference})
	}
	for _, a := range as {
		p.Appointments = append(p.Appointments, Appointment{ID: a.ID, ReferralID: st.ID, Reference: st.Reference, TraineeName: st.TraineeName,
			TraineeEmail: st.TraineeEmail, SlotID: a.SlotID, CoachID: a.CoachID, CoachName: a.CoachName, CoachEmail: a.CoachEmail,
			Start: a.Start, End: a.End, Mode: a.Mode, Place: a.Place, Status: a.Status, BookedBy: a.BookedBy, CancelledAt: a.CancelledAt,
			CancelledBy: a.CancelledBy, CancelReason: a.CancelReason, Late: a.Late, WaivedAt: a.WaivedAt, Sequence: a.Sequence,
			MeetingConfirmedAt: a.ConfirmedAt, VideoLink: a.VideoLink, OwnVideoLink: a.OwnVideoLink, Phone: a.Phone})
	}
	for _, l := range ls {
		p.Allowance = append(p.Allowance, AllowanceEvent{At: l.At, Kind: l.Kind, Sessions: l.Sessions, ActorName: l.Actor, Note: l.Note})
	}
	for _, n := range ns {
		p.Notes = append(p.Notes, Note(n))
	}
	for _, q := range qqs {
		p.Questions = append(p.Questions, InfoRequest(q))
	}
	for _, x := range xxs {
		p.Extensions = append(p.Extensions, ExtensionRequest{ID: x.ID, ReferralID: st.ID, Reference: st.Reference, TraineeName: st.TraineeName,
			Sessions: x.Sessions, Justification: x.Justification, RequestedBy: x.RequestedBy, RequestedAt: x.RequestedAt, Status: x.Status,
			DecidedBy: x.DecidedBy, DecisionNote: x.DecisionNote})
	}
	for _, c := range cs {
		p.Coaches = append(p.Coaches, CoachLoad(c))
	}
	return nil
}
