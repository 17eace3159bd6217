package server

import (
	"context"
	"strconv"

	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/store"
)

// Emails that tell each person it is their turn (issue 14). Each is queued
// in the transaction of the change that causes it, under a key made from
// that change, so a retried or doubled change sends one email. Each kind is
// in policy's audience table, and none carries more than its reader may
// see: references, what happened, the next step and a link to the page.

// pageURL is the absolute address of a page of the service.
func (s *Server) pageURL(path string) string { return s.cfg.BaseURL.String() + path }

// bookURL is the trainee's booking page for a referral.
func (s *Server) bookURL(reference string) string {
	return s.pageURL("/your-referrals/" + reference + "/book")
}

// referrerOf is who made a referral for a trainee: a Case Manager (staff)
// or a supervisor (by email). A self-referral has neither.
type referrerOf struct {
	ID            int64
	Reference     string
	CaseManagerID int64
	Name, Email   string
}

func referrerOfState(cur store.ReferralState) referrerOf {
	return referrerOf{ID: cur.ID, Reference: cur.Reference, CaseManagerID: cur.CaseManagerID, Name: cur.ReferrerName, Email: cur.ReferrerEmail}
}

// tellReferrer queues an email of kind ("<kind>_case_manager" or
// "<kind>_referrer") to whoever referred, written by write with their name
// and the page where they follow the referral.
func (s *Server) tellReferrer(ctx context.Context, st *store.Store, tx pgxTx, ro referrerOf, key, kind string,
	write func(name, link string, caseManager bool) (mail.Message, error)) error {
	if ro.CaseManagerID != 0 {
		cm, err := st.StaffUserByID(ctx, ro.CaseManagerID)
		if err != nil {
			return err
		}
		m, err := write(cm.Name, s.pageURL("/staff/referrals/"+ro.Reference), true)
		if err != nil {
			return err
		}
		m.To = []mail.Address{{Name: cm.Name, Email: cm.Email}}
		if err := s.enqueue(ctx, tx, key+":cm", kind+"_case_manager", &ro.ID, m); err != nil {
			return err
		}
	}
	if ro.Email != "" {
		name := ro.Name
		if name == "" {
			name = "colleague"
		}
		m, err := write(name, s.pageURL("/your-referrals/"+ro.Reference), false)
		if err != nil {
			return err
		}
		m.To = []mail.Address{{Name: ro.Name, Email: ro.Email}}
		return s.enqueue(ctx, tx, key+":referrer", kind+"_referrer", &ro.ID, m)
	}
	return nil
}

// tellTrainee queues m to the referral's trainee.
func (s *Server) tellTrainee(ctx context.Context, tx pgxTx, cur store.ReferralState, key, kind string, m mail.Message) error {
	m.To = []mail.Address{{Name: cur.TraineeName, Email: cur.TraineeEmail}}
	return s.enqueue(ctx, tx, key, kind, &cur.ID, m)
}

// tellCoach queues an email, written with the coach's name, to the
// referral's coach (none before allocation).
func (s *Server) tellCoach(ctx context.Context, st *store.Store, tx pgxTx, cur store.ReferralState, key, kind string,
	write func(name string) (mail.Message, error)) error {
	if cur.CoachID == 0 {
		return nil
	}
	coach, err := st.StaffUserByID(ctx, cur.CoachID)
	if err != nil {
		return err
	}
	m, err := write(coach.Name)
	if err != nil {
		return err
	}
	m.To = []mail.Address{{Name: coach.Name, Email: coach.Email}}
	return s.enqueue(ctx, tx, key, kind, &cur.ID, m)
}

// tellAllocated tells the trainee their coach and allowance (with the
// booking page), the coach their new client, and, on a first allocation,
// the referrer that a coach was allocated (nothing more).
func (s *Server) tellAllocated(ctx context.Context, st *store.Store, tx pgxTx, cur store.ReferralState, coach store.CoachLoad,
	key string, left int, first bool) error {
	pending := cur.Route == "case_manager" && cur.FormDStatus != "approved"
	link := s.bookURL(cur.Reference)
	if pending {
		link = s.pageURL("/your-referrals/" + cur.Reference)
	}
	m, err := notify.TraineeAllocated(ctx, cur.TraineeName, cur.Reference, coach.Name, left, pending, link)
	if err != nil {
		return err
	}
	if err := s.tellTrainee(ctx, tx, cur, key+":trainee", "allocation_trainee", m); err != nil {
		return err
	}
	m, err = notify.CoachAllocated(ctx, coach.Name, cur.Reference, s.pageURL("/staff/referrals/"+cur.Reference))
	if err != nil {
		return err
	}
	m.To = []mail.Address{{Name: coach.Name, Email: coach.Email}}
	if err := s.enqueue(ctx, tx, key+":coach", "allocation_coach", &cur.ID, m); err != nil {
		return err
	}
	if !first {
		return nil
	}
	return s.tellReferrer(ctx, st, tx, referrerOfState(cur), key, "allocation", func(name, link string, _ bool) (mail.Message, error) {
		return notify.ReferrerAllocated(ctx, name, cur.Reference, link)
	})
}

// tellFundingApproved tells the trainee of an allocated referral that they
// can book now (before allocation, the allocation email says so).
func (s *Server) tellFundingApproved(ctx context.Context, tx pgxTx, cur store.ReferralState) error {
	if cur.CoachID == 0 {
		return nil
	}
	m, err := notify.TraineeFundingApproved(ctx, cur.TraineeName, cur.Reference, s.bookURL(cur.Reference))
	if err != nil {
		return err
	}
	return s.tellTrainee(ctx, tx, cur, "funding:"+cur.Reference+":trainee", "funding_approved_trainee", m)
}

// tellExtensionDecided tells the coach the decision (never the lead's
// note) and, when approved, the trainee how many sessions they have left.
func (s *Server) tellExtensionDecided(ctx context.Context, st *store.Store, tx pgxTx, cur store.ReferralState, extensionID int64, approved bool, sessions int) error {
	key := "extension:" + strconv.FormatInt(extensionID, 10)
	if approved {
		left := cur.SessionsGranted + sessions - cur.SessionsUsed
		m, err := notify.TraineeExtensionApproved(ctx, cur.TraineeName, cur.Reference, sessions, left, s.bookURL(cur.Reference))
		if err != nil {
			return err
		}
		if err := s.tellTrainee(ctx, tx, cur, key+":trainee", "extension_approved_trainee", m); err != nil {
			return err
		}
	}
	return s.tellCoach(ctx, st, tx, cur, key+":coach", "extension_decided_coach", func(name string) (mail.Message, error) {
		return notify.CoachExtensionDecided(ctx, name, cur.Reference, approved, sessions, s.pageURL("/staff/referrals/"+cur.Reference))
	})
}

// tellTeamAnswered tells each active coordinator that the trainee answered
// a question (not the answer). version is the referral's version before
// the answer, which makes the key of this answer.
func (s *Server) tellTeamAnswered(ctx context.Context, st *store.Store, tx pgxTx, referralID int64, reference string, version int) error {
	coordinators, err := st.DeadlineDigestRecipients(ctx)
	if err != nil {
		return err
	}
	for _, c := range coordinators {
		m, err := notify.TeamAnswered(ctx, c.Name, reference, s.pageURL("/staff/referrals/"+reference))
		if err != nil {
			return err
		}
		m.To = []mail.Address{{Name: c.Name, Email: c.Email}}
		key := "info_answered:" + reference + ":" + strconv.Itoa(version) + ":" + strconv.FormatInt(c.ID, 10)
		if err := s.enqueue(ctx, tx, key, "info_answered_team", &referralID, m); err != nil {
			return err
		}
	}
	return nil
}
