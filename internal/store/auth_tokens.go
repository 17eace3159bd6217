package store

import (
	"context"
	"fmt"
	"time"
)

// Token purposes.
const (
	PurposeSetPassword   = "set_password"
	PurposeResetPassword = "reset_password"
	PurposeSignIn        = "sign_in"
)

// AuthToken is a valid one-time link.
type AuthToken struct {
	ID         int64
	UserID     int64  // staff links
	Email      string // sign-in and confirmation links
	ReferralID int64  // confirmation links
}

// CreateStaffToken stores the hash of a new set-password or reset link for
// a staff user. Earlier unused links of the same purpose stop working, so
// only the newest email is live.
func (s *Store) CreateStaffToken(ctx context.Context, purpose string, userID int64, hash []byte, now, expires time.Time) (int64, error) {
	if _, err := s.db.Exec(ctx, `UPDATE auth_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, userID, purpose, now); err != nil {
		return 0, fmt.Errorf("create token: %w", err)
	}
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO auth_tokens (purpose, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		purpose, hash, userID, now, expires).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create token: %w", mapErr(err))
	}
	return id, nil
}

// CreateSignInToken stores the hash of a sign-in link for an email address.
// Earlier unused sign-in links for the address stop working (as staff
// links do), so only the newest email signs anyone in.
func (s *Store) CreateSignInToken(ctx context.Context, email string, hash []byte, now, expires time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `WITH spent AS (
			UPDATE auth_tokens SET used_at = $3 WHERE purpose = 'sign_in' AND email = $2 AND used_at IS NULL)
		INSERT INTO auth_tokens (purpose, token_hash, email, created_at, expires_at) VALUES ('sign_in', $1, $2, $3, $4) RETURNING id`,
		hash, NormaliseEmail(email), now, expires).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create sign-in token: %w", mapErr(err))
	}
	return id, nil
}

// PeekToken finds a live token without spending it (to show the form that
// the link leads to). Used, expired and unknown tokens are ErrNotFound.
func (s *Store) PeekToken(ctx context.Context, purpose string, hash []byte, now time.Time) (AuthToken, error) {
	var t AuthToken
	var userID, referralID *int64
	var email *string
	err := s.db.QueryRow(ctx, `SELECT id, user_id, email, referral_id FROM auth_tokens
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`, hash, purpose, now).
		Scan(&t.ID, &userID, &email, &referralID)
	if err != nil {
		return AuthToken{}, fmt.Errorf("token: %w", mapErr(err))
	}
	if userID != nil {
		t.UserID = *userID
	}
	if email != nil {
		t.Email = *email
	}
	if referralID != nil {
		t.ReferralID = *referralID
	}
	return t, nil
}

// ConsumeToken spends a live token. It is atomic: of two requests with the
// same link, one wins and the other gets ErrNotFound.
func (s *Store) ConsumeToken(ctx context.Context, purpose string, hash []byte, now time.Time) (AuthToken, error) {
	var t AuthToken
	var userID, referralID *int64
	var email *string
	err := s.db.QueryRow(ctx, `UPDATE auth_tokens SET used_at = $3
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING id, user_id, email, referral_id`, hash, purpose, now).Scan(&t.ID, &userID, &email, &referralID)
	if err != nil {
		return AuthToken{}, fmt.Errorf("consume token: %w", mapErr(err))
	}
	if userID != nil {
		t.UserID = *userID
	}
	if email != nil {
		t.Email = *email
	}
	if referralID != nil {
		t.ReferralID = *referralID
	}
	return t, nil
}

// PurposeConfirmReferral is the trainee's link to confirm a referral made
// for them.
const PurposeConfirmReferral = "confirm_referral"

// CreateConfirmToken stores the hash of a trainee's confirmation link.
// Earlier unused links to confirm the same referral stop working: only the
// newest email (a reminder, or one the trainee asked for) confirms it.
func (s *Store) CreateConfirmToken(ctx context.Context, referralID int64, email string, hash []byte, now, expires time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `WITH spent AS (
			UPDATE auth_tokens SET used_at = $4 WHERE purpose = 'confirm_referral' AND email = $2 AND referral_id = $3 AND used_at IS NULL)
		INSERT INTO auth_tokens (purpose, token_hash, email, referral_id, created_at, expires_at)
		VALUES ('confirm_referral', $1, $2, $3, $4, $5) RETURNING id`, hash, NormaliseEmail(email), referralID, now, expires).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create confirm token: %w", mapErr(err))
	}
	return id, nil
}
