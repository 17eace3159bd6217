package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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

// WorkshopPlaceByToken finds the registration whose own link's token hashes
// to tokenHash, for the workshop with slug; ErrNotFound when there is none.
func (s *Store) WorkshopPlaceByToken(ctx context.Context, slug string, tokenHash []byte) (WorkshopPlace, error) {
	if len(tokenHash) == 0 {
		return WorkshopPlace{}, ErrNotFound
	}
	return scanWorkshopPlace(s.db.QueryRow(ctx, workshopPlaceSQL+`WHERE r.manage_token_hash = $1 AND w.slug = $2`, tokenHash, slug))
}

// WorkshopPlaceByEmail finds the registration of the person signed in with
// email for the workshop with slug; ErrNotFound when there is none.
func (s *Store) WorkshopPlaceByEmail(ctx context.Context, slug, email string) (WorkshopPlace, error) {
	if email == "" {
		return WorkshopPlace{}, ErrNotFound
	}
	return scanWorkshopPlace(s.db.QueryRow(ctx, workshopPlaceSQL+`WHERE r.email = $1 AND w.slug = $2`, email, slug))
}
