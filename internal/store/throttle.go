package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"careers/internal/auth"
)

// errNoKeyring is the throttle's error when the Store was made without the
// service's secret key (WithKeyring).
var errNoKeyring = errors.New("throttle: the store has no secret key to key the throttle table with")

// throttleKey is what the table stores for a throttle key: the key's kind
// and an HMAC-SHA256 of it under a key derived from SECRET_KEY
// (auth.Keyring.ThrottleKey), so no address or email can be recovered
// from the table, nor a guess tested against it, without the secret.
func (s *Store) throttleKey(key string) (string, error) {
	if s.keys == nil {
		return "", errNoKeyring
	}
	return s.keys.ThrottleKey(key), nil
}

// BlockedUntil returns the latest time until which any of keys is blocked
// (zero if none is).
func (s *Store) BlockedUntil(ctx context.Context, keys []string, now time.Time) (time.Time, error) {
	stored := make([]string, len(keys))
	for i, k := range keys {
		var err error
		if stored[i], err = s.throttleKey(k); err != nil {
			return time.Time{}, err
		}
	}
	var until *time.Time
	err := s.db.QueryRow(ctx, `SELECT max(blocked_until) FROM auth_throttle WHERE key = ANY($1) AND blocked_until > $2`, stored, now).Scan(&until)
	if err != nil {
		return time.Time{}, fmt.Errorf("throttle: %w", err)
	}
	if until == nil {
		return time.Time{}, nil
	}
	return *until, nil
}

// RecordFailure counts a failed attempt against key and blocks it for the
// throttle's delay. Failures older than the throttle's Reset are forgotten.
func (s *Store) RecordFailure(ctx context.Context, key string, th auth.Throttle, now time.Time) error {
	key, err := s.throttleKey(key)
	if err != nil {
		return err
	}
	var failures int
	err = s.db.QueryRow(ctx, `
		INSERT INTO auth_throttle AS t (key, failures, last_failure_at) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN t.last_failure_at < $2 - $3::interval THEN 1 ELSE t.failures + 1 END,
			last_failure_at = $2
		RETURNING failures`, key, now, th.Reset).Scan(&failures)
	if err != nil {
		return fmt.Errorf("throttle: %w", err)
	}
	if d := th.Delay(failures); d > 0 {
		if _, err := s.db.Exec(ctx, `UPDATE auth_throttle SET blocked_until = $2 WHERE key = $1`, key, now.Add(d)); err != nil {
			return fmt.Errorf("throttle: %w", err)
		}
	}
	return nil
}

// ClearThrottle forgets the failures against key (after a success).
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	key, err := s.throttleKey(key)
	if err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM auth_throttle WHERE key = $1`, key); err != nil {
		return fmt.Errorf("throttle: %w", err)
	}
	return nil
}

// CountHit counts one use of a rate-limited thing (a public form) in a
// fixed window and returns the count so far in that window.
func (s *Store) CountHit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	key, err := s.throttleKey(key)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRow(ctx, `
		INSERT INTO auth_throttle AS t (key, failures, last_failure_at) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN t.last_failure_at < $2 - $3::interval THEN 1 ELSE t.failures + 1 END,
			last_failure_at = CASE WHEN t.last_failure_at < $2 - $3::interval THEN $2 ELSE t.last_failure_at END
		RETURNING failures`, key, now, window).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("rate limit: %w", err)
	}
	return n, nil
}

// RememberDevice records that the browser holding a device cookie (its
// hash) has signed in to the account.
func (s *Store) RememberDevice(ctx context.Context, userID int64, hash []byte, now time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO known_devices (device_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (device_hash, user_id) DO UPDATE SET last_used_at = $3`, hash, userID, now)
	if err != nil {
		return fmt.Errorf("remember device: %w", err)
	}
	return nil
}

// KnownDevice reports whether the device has signed in to the account
// with this email before.
func (s *Store) KnownDevice(ctx context.Context, email string, hash []byte) (bool, error) {
	var known bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM known_devices d JOIN staff_users u ON u.id = d.user_id
		WHERE d.device_hash = $1 AND u.email = $2)`, hash, NormaliseEmail(email)).Scan(&known)
	if err != nil {
		return false, fmt.Errorf("known device: %w", err)
	}
	return known, nil
}
