package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/policy"
)

// ReferralCard is the little a list or a status page shows of a referral,
// with the facts that decide who may see it.
type ReferralCard struct {
	ID          int64
	Reference   string
	Route       string
	Status      string
	TraineeName string
	SubmittedAt time.Time
	Owners      policy.ReferralOwners
}

const cardColumns = `id, reference, route, status, trainee_name, submitted_at,
	trainee_email, coalesce(referrer_email, ''), coalesce(case_manager_id, 0), coalesce(coach_id, 0)`

func scanCard(row interface{ Scan(...any) error }) (ReferralCard, error) {
	var c ReferralCard
	err := row.Scan(&c.ID, &c.Reference, &c.Route, &c.Status, &c.TraineeName, &c.SubmittedAt,
		&c.Owners.TraineeEmail, &c.Owners.ReferrerEmail, &c.Owners.CaseManagerID, &c.Owners.CoachID)
	return c, mapErr(err)
}

// ReferralCardByReference finds a referral by its reference.
func (s *Store) ReferralCardByReference(ctx context.Context, ref string) (ReferralCard, error) {
	c, err := scanCard(s.db.QueryRow(ctx, cardByReferenceSQL+`$1`, ref))
	if err != nil {
		return ReferralCard{}, fmt.Errorf("referral: %w", err)
	}
	return c, nil
}

// cardByReferenceSQL + the reference is ReferralCardByReference's
// statement; with $2 and the session's token hash as $1, which it does
// not need (every prefetched statement is given the hash as $1), it is
// CardPrefetch's.
const (
	cardByReferenceSQL           = `SELECT ` + cardColumns + ` FROM referrals WHERE reference = `
	cardByReferenceForSessionSQL = cardByReferenceSQL + `$2 AND $1::bytea IS NOT NULL`
)

// CardPrefetch reads the card of the referral ref (ReferralCardByReference)
// in the session's round trip (see Prefetch), for a page under the
// referral's address; PrefetchedCard hands it out. Unlike the other
// prefetches it does not need the signed-in person (it reads the card
// whoever asks): the page treats it as a card it read itself, applying the
// policy to it before it shows or does anything.
func CardPrefetch(ref string) *Prefetch {
	return &Prefetch{SQL: []string{cardByReferenceForSessionSQL}, Args: []any{ref},
		Read: func(res pgx.BatchResults) (any, error) {
			return scanCard(res.QueryRow())
		}}
}

// PrefetchedCard is the card of the referral ref if CardPrefetch read it
// with this request's session. A referral that was not found is not
// handed out as such (the page reads for itself and answers then), nor is
// a card read for another reference.
func PrefetchedCard(ctx context.Context, ref string) (ReferralCard, bool) {
	memo := SessionReadFrom(ctx)
	if memo == nil {
		return ReferralCard{}, false
	}
	c, ok := memo.Prefetched.(ReferralCard)
	if !ok || c.Reference != ref {
		return ReferralCard{}, false
	}
	return c, true
}

// ReferralCardsForEmail lists the referrals an email address is the trainee
// or the referrer of, newest first.
func (s *Store) ReferralCardsForEmail(ctx context.Context, email string) ([]ReferralCard, error) {
	rows, err := s.db.Query(ctx, cardsForEmailSQL, NormaliseEmail(email))
	if err != nil {
		return nil, fmt.Errorf("referrals for email: %w", err)
	}
	return collectCards(rows)
}

const (
	cardsForEmailSQL = `SELECT ` + cardColumns + ` FROM referrals
	WHERE trainee_email = $1 OR referrer_email = $1 ORDER BY submitted_at DESC, id DESC`
	// cardsForSessionSQL is cardsForEmailSQL for the person signed in to
	// the session whose token hash is $1.
	cardsForSessionSQL = `SELECT ` + cardColumns + ` FROM referrals
	WHERE trainee_email = ` + SessionPublicEmail + ` OR referrer_email = ` + SessionPublicEmail + `
	ORDER BY submitted_at DESC, id DESC`
)

func collectCards(rows pgx.Rows) ([]ReferralCard, error) {
	defer rows.Close()
	var out []ReferralCard
	for rows.Next() {
		c, err := scanCard(rows)
		if err != nil {
			return nil, fmt.Errorf("referrals for email: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("referrals for email: %w", err)
	}
	return out, nil
}

// yourPage is a public person's own page as YourPagePrefetch read it.
type yourPage struct {
	cards []ReferralCard
	regs  []RegistrationWithWorkshop
}

var yourPagePrefetch = &Prefetch{SQL: []string{cardsForSessionSQL, registrationsBySessionSQL},
	EmailSQL: []string{cardsForEmailSQL, registrationsByEmailSQL},
	Read: func(res pgx.BatchResults) (any, error) {
		cards, regs, err := readYourPage(res)
		return yourPage{cards: cards, regs: regs}, err
	}}

// readYourPage reads the results of a public person's referrals and then
// their registrations, the next two in res.
func readYourPage(res pgx.BatchResults) ([]ReferralCard, []RegistrationWithWorkshop, error) {
	rows, err := res.Query()
	if err != nil {
		return nil, nil, fmt.Errorf("referrals for email: %w", err)
	}
	cards, err := collectCards(rows)
	if err != nil {
		return nil, nil, err
	}
	if rows, err = res.Query(); err != nil {
		return nil, nil, fmt.Errorf("registrations by email: %w", err)
	}
	regs, err := collectRegistrationsWithWorkshop(rows)
	if err != nil {
		return nil, nil, err
	}
	return cards, regs, nil
}

// YourPagePrefetch reads what ReferralCardsAndRegistrations reads, for the
// person signed in by email link to the request's session, in the
// session's own round trip (see Prefetch); PrefetchedYourPage hands it out.
func YourPagePrefetch() *Prefetch { return yourPagePrefetch }

// PrefetchedYourPage is what YourPagePrefetch read with this request's
// session, handed out for email (the address the request's own checks
// found signed in) only when the session read in the same round trip was
// nobody's staff account, and every row read is email's: a referral it is
// the trainee or referrer of, a registration in its name. The statements
// read the session row a moment after the session's own statement, so a
// row of anyone else is never handed out, and nothing read at all (a
// sign-out between them, a session saved before its address had a column
// of its own, or a person with nothing yet) is not trusted either: the
// page then reads for itself. Rows asked for by another address
// (knownPeople) are not handed out either.
func PrefetchedYourPage(ctx context.Context, email string) ([]ReferralCard, []RegistrationWithWorkshop, bool) {
	memo := SessionReadFrom(ctx)
	e := NormaliseEmail(email)
	if memo == nil || memo.Staff != nil || e == "" {
		return nil, nil, false
	}
	p, ok := memo.Prefetched.(yourPage)
	if !ok || len(p.cards)+len(p.regs) == 0 || memo.askedForAnother(sessionPerson{email: e}) {
		return nil, nil, false
	}
	for _, c := range p.cards {
		if c.Owners.TraineeEmail != e && c.Owners.ReferrerEmail != e {
			return nil, nil, false
		}
	}
	for _, x := range p.regs {
		if x.Registration.Email != e {
			return nil, nil, false
		}
	}
	return p.cards, p.regs, true
}

// ReferralCardsAndRegistrations is ReferralCardsForEmail and
// WorkshopRegistrationsByEmail for one address, the two statements sent
// together (one round trip): what a signed-in public person's own page
// lists.
func (s *Store) ReferralCardsAndRegistrations(ctx context.Context, email string) ([]ReferralCard, []RegistrationWithWorkshop, error) {
	e := NormaliseEmail(email)
	if e == "" {
		cards, err := s.ReferralCardsForEmail(ctx, e)
		return cards, nil, err
	}
	b := &pgx.Batch{}
	b.Queue(cardsForEmailSQL, e)
	b.Queue(registrationsByEmailSQL, e)
	res := sendBatch(ctx, s.db, b)
	defer res.Close()
	cards, regs, err := readYourPage(res)
	if err != nil {
		return nil, nil, err
	}
	return cards, regs, res.Close()
}

// EmailIsKnown reports whether an address is the trainee or referrer of
// any referral: sign-in links go only to people the service knows.
func (s *Store) EmailIsKnown(ctx context.Context, email string) (bool, error) {
	var known bool
	e := NormaliseEmail(email)
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM referrals WHERE trainee_email = $1)
		OR EXISTS (SELECT 1 FROM referrals WHERE referrer_email = $1)`, e).Scan(&known)
	if err != nil {
		return false, fmt.Errorf("email known: %w", err)
	}
	return known, nil
}

// ReferralCardsForCaseManager lists the referrals a Case Manager made.
func (s *Store) ReferralCardsForCaseManager(ctx context.Context, staffID int64) ([]ReferralCard, error) {
	return s.cards(ctx, `WHERE case_manager_id = $1 ORDER BY submitted_at DESC, id DESC LIMIT 100`, staffID)
}

func (s *Store) cards(ctx context.Context, where string, args ...any) ([]ReferralCard, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cardColumns+` FROM referrals `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("referrals: %w", err)
	}
	defer rows.Close()
	var out []ReferralCard
	for rows.Next() {
		c, err := scanCard(rows)
		if err != nil {
			return nil, fmt.Errorf("referrals: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ReferralCountsByStatus counts referrals in each status: the counts kept
// as referrals change (migration 00030), with the changes not yet folded
// into them, so it is exact whether or not FoldReferralStatusChanges has
// run, and costs the same at a thousand referrals as at a million.
func (s *Store) ReferralCountsByStatus(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.Query(ctx, referralCountsSQL)
	if err != nil {
		return nil, fmt.Errorf("referral counts: %w", err)
	}
	out, err := collectReferralCounts(rows)
	if err != nil {
		return nil, fmt.Errorf("referral counts: %w", err)
	}
	return out, nil
}

// collectReferralCounts reads referralCountsSQL's rows: each status with
// referrals, and how many.
func collectReferralCounts(rows pgx.Rows) (map[string]int, error) {
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		if n != 0 {
			out[st] = n
		}
	}
	return out, rows.Err()
}

const referralCountsSQL = `SELECT status, sum(n)::bigint FROM (
		SELECT status, n FROM referral_status_counts
		UNION ALL SELECT status, d FROM referral_status_changes) c
	GROUP BY status`

// FoldReferralStatusChanges adds the changes the triggers recorded into
// the counts, and deletes them, in one statement: a read at any moment
// sees either the changes or their sum, never both or neither. Two folds
// at once cannot count a change twice (a change deleted by one is not
// returned to the other). It returns how many changes it folded.
func (s *Store) FoldReferralStatusChanges(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `WITH moved AS (DELETE FROM referral_status_changes RETURNING status, d),
		folded AS (
			INSERT INTO referral_status_counts AS c (status, n)
			SELECT status, sum(d) FROM moved GROUP BY status
			ON CONFLICT (status) DO UPDATE SET n = c.n + excluded.n
			RETURNING 1)
		SELECT count(*) FROM moved`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("referral status counts: %w", err)
	}
	return n, nil
}
