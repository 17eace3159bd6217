package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/auth"
)

// WorkshopPlace is one registration for a workshop as its own person sees
// it: theirs, with the workshop it is for. The pages a registrant reaches
// (their place, cancelling it, an offer, check-in, feedback, certificate)
// all start from it.
type WorkshopPlace struct {
	RegistrationID int64
	WorkshopID     int64
	Slug           string
	Title          string
	StartsAt       time.Time
	EndsAt         time.Time
	Mode           string
	WorkshopStatus string // scheduled or cancelled
	Name           string
	Email          string
	Status         string // the registration's: unconfirmed, placed, waiting, offered, ...
	OfferExpiresAt *time.Time
	Attendance     string // '', attended or absent
}

const workshopPlaceSQL = `SELECT r.id, w.id, w.slug, w.title, w.starts_at, w.ends_at, w.mode, w.status,
	r.name, r.email, r.status, r.offer_expires_at, coalesce(r.attendance, '')
	FROM workshop_registrations r JOIN workshops w ON w.id = r.workshop_id `

func scanWorkshopPlace(row pgx.Row) (WorkshopPlace, error) {
	var p WorkshopPlace
	err := row.Scan(&p.RegistrationID, &p.WorkshopID, &p.Slug, &p.Title, &p.StartsAt, &p.EndsAt, &p.Mode, &p.WorkshopStatus,
		&p.Name, &p.Email, &p.Status, &p.OfferExpiresAt, &p.Attendance)
	if errors.Is(err, pgx.ErrNoRows) {
		return WorkshopPlace{}, ErrNotFound
	}
	if err != nil {
		return WorkshopPlace{}, fmt.Errorf("workshop place: %w", err)
	}
	return p, nil
}

// WorkshopPlaceByToken finds the registration one of whose emailed links
// has a token hashing to tokenHash, for the workshop with slug, while the
// link lasts; ErrNotFound when there is none.
func (s *Store) WorkshopPlaceByToken(ctx context.Context, slug string, tokenHash []byte, now time.Time) (WorkshopPlace, error) {
	if len(tokenHash) == 0 {
		return WorkshopPlace{}, ErrNotFound
	}
	return scanWorkshopPlace(s.db.QueryRow(ctx, workshopPlaceSQL+`JOIN workshop_place_links l ON l.registration_id = r.id
		WHERE l.token_hash = $1 AND w.slug = $2 AND l.expires_at > $3`, tokenHash, slug, now))
}

// NewWorkshopPlaceLink makes a link token for registration's own place page,
// to put in an email (in the transaction that queues it, when st is one),
// and keeps only its hash. The link works until expires.
func (s *Store) NewWorkshopPlaceLink(ctx context.Context, registrationID int64, now, expires time.Time) (string, error) {
	token, hash := auth.NewToken()
	_, err := s.db.Exec(ctx, `INSERT INTO workshop_place_links (token_hash, registration_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, registrationID, now, expires)
	if err != nil {
		return "", fmt.Errorf("workshop place link: %w", mapErr(err))
	}
	return token, nil
}

// WorkshopPlaceByEmail finds the registration of the person signed in with
// email for the workshop with slug; ErrNotFound when there is none.
func (s *Store) WorkshopPlaceByEmail(ctx context.Context, slug, email string) (WorkshopPlace, error) {
	if email == "" {
		return WorkshopPlace{}, ErrNotFound
	}
	return scanWorkshopPlace(s.db.QueryRow(ctx, workshopPlaceSQL+`WHERE r.email = $1 AND w.slug = $2`, email, slug))
}
