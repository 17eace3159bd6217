package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/policy"
)

// StaffUser is a staff account.
type StaffUser struct {
	ID           int64
	Email        string
	Name         string
	Roles        []policy.Role
	Active       bool
	PasswordHash string
	// TOTPSecret is the authenticator secret as stored: sealed under the
	// service's secret key (auth.Keyring.Open with TOTPPurpose opens it).
	TOTPSecret     string
	TOTPEnrolledAt *time.Time
	TOTPLastStep   int64
	SessionEpoch   int
	Demo           bool
	CreatedAt      time.Time
	DeactivatedAt  *time.Time
}

// HasPassword reports whether the person has set a password yet.
func (u StaffUser) HasPassword() bool { return u.PasswordHash != "" }

// Enrolled reports whether the person has set up their second factor.
func (u StaffUser) Enrolled() bool { return u.TOTPEnrolledAt != nil && u.TOTPSecret != "" }

const staffColumns = `id, email, name, roles, active, coalesce(password_hash, ''), coalesce(totp_secret, ''),
	totp_enrolled_at, totp_last_step, session_epoch, demo, created_at, deactivated_at`

func scanStaff(row pgx.Row) (StaffUser, error) {
	var u StaffUser
	var roles []string
	err := row.Scan(&u.ID, &u.Email, &u.Name, &roles, &u.Active, &u.PasswordHash, &u.TOTPSecret,
		&u.TOTPEnrolledAt, &u.TOTPLastStep, &u.SessionEpoch, &u.Demo, &u.CreatedAt, &u.DeactivatedAt)
	if err != nil {
		return StaffUser{}, mapErr(err)
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, policy.Role(r))
	}
	return u, nil
}

func roleStrings(roles []policy.Role) []string {
	out := make([]string, 0, len(roles))
	for _, r := range policy.Roles { // canonical order, no repeats
		for _, have := range roles {
			if have == r {
				out = append(out, string(r))
				break
			}
		}
	}
	return out
}

// NormaliseEmail is how every email address is compared and stored.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// NewStaffUser is what creating an account takes.
type NewStaffUser struct {
	Email string
	Name  string
	Roles []policy.Role
	Demo  bool
}

// CreateStaffUser adds an account with no password yet (the person sets it
// through their invitation link). A taken email answers ErrConflict.
func (s *Store) CreateStaffUser(ctx context.Context, n NewStaffUser) (StaffUser, error) {
	u, err := scanStaff(s.db.QueryRow(ctx, `
		INSERT INTO staff_users (email, name, roles, demo) VALUES ($1, $2, $3, $4)
		RETURNING `+staffColumns, NormaliseEmail(n.Email), strings.TrimSpace(n.Name), roleStrings(n.Roles), n.Demo))
	if err != nil {
		return StaffUser{}, fmt.Errorf("create staff user: %w", err)
	}
	return u, nil
}

// StaffUserByID finds an account by id.
func (s *Store) StaffUserByID(ctx context.Context, id int64) (StaffUser, error) {
	u, err := scanStaff(s.db.QueryRow(ctx, `SELECT `+staffColumns+` FROM staff_users WHERE id = $1`, id))
	if err != nil {
		return StaffUser{}, fmt.Errorf("staff user: %w", err)
	}
	return u, nil
}

// StaffUserByEmail finds an account by email, ignoring case.
func (s *Store) StaffUserByEmail(ctx context.Context, email string) (StaffUser, error) {
	u, err := scanStaff(s.db.QueryRow(ctx, `SELECT `+staffColumns+` FROM staff_users WHERE email = $1`, NormaliseEmail(email)))
	if err != nil {
		return StaffUser{}, fmt.Errorf("staff user: %w", err)
	}
	return u, nil
}

// ListStaffUsers lists every account, active first, then by name.
func (s *Store) ListStaffUsers(ctx context.Context) ([]StaffUser, error) {
	rows, err := s.db.Query(ctx, `SELECT `+staffColumns+` FROM staff_users ORDER BY active DESC, lower(name), id`)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	defer rows.Close()
	var out []StaffUser
	for rows.Next() {
		u, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("list staff: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetStaffRoles replaces a person's roles.
func (s *Store) SetStaffRoles(ctx context.Context, id int64, roles []policy.Role) error {
	return s.execOne(ctx, "set roles", `UPDATE staff_users SET roles = $2, updated_at = now() WHERE id = $1`, id, roleStrings(roles))
}

// SetStaffActive deactivates or reactivates an account. Deactivating moves
// the session epoch on, which ends every session the person has at once.
func (s *Store) SetStaffActive(ctx context.Context, id int64, active bool, now time.Time) error {
	return s.execOne(ctx, "set active", `
		UPDATE staff_users
		SET active = $2::boolean,
		    deactivated_at = CASE WHEN $2::boolean THEN NULL ELSE $3::timestamptz END,
		    session_epoch = session_epoch + CASE WHEN $2::boolean THEN 0 ELSE 1 END,
		    updated_at = now()
		WHERE id = $1`, id, active, now)
}

// ResetSecondFactor removes a person's authenticator and recovery codes, so
// they enrol again at their next sign-in, and ends their sessions.
func (s *Store) ResetSecondFactor(ctx context.Context, id int64) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, id); err != nil {
		return fmt.Errorf("reset second factor: %w", err)
	}
	return s.execOne(ctx, "reset second factor", `
		UPDATE staff_users SET totp_secret = NULL, totp_enrolled_at = NULL, totp_last_step = 0,
		       session_epoch = session_epoch + 1, updated_at = now()
		WHERE id = $1`, id)
}

// SetPassword stores a new password hash and moves the session epoch on,
// which ends the person's other sessions; it returns the new epoch for the
// session that made the change.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, now time.Time) (int, error) {
	var epoch int
	err := s.db.QueryRow(ctx, `
		UPDATE staff_users SET password_hash = $2, password_changed_at = $3,
		       session_epoch = session_epoch + 1, updated_at = now()
		WHERE id = $1 RETURNING session_epoch`, id, hash, now).Scan(&epoch)
	if err != nil {
		return 0, fmt.Errorf("set password: %w", mapErr(err))
	}
	return epoch, nil
}

// TOTPPurpose is what a person's sealed TOTP secret is bound to: sealed
// for one account, it does not open for another.
func TOTPPurpose(userID int64) string { return fmt.Sprintf("totp:%d", userID) }

// EnrolTOTP records a confirmed authenticator secret (sealed), the step of
// the code that confirmed it, and the argon2id hashes of new recovery codes
// (replacing any). Enrolling twice at once (two tabs) is a conflict: the
// first one stands.
func (s *Store) EnrolTOTP(ctx context.Context, id int64, sealedSecret string, step int64, recoveryHashes []string, now time.Time) error {
	tag, err := s.db.Exec(ctx, `
		UPDATE staff_users SET totp_secret = $2, totp_enrolled_at = $3, totp_last_step = $4, updated_at = now()
		WHERE id = $1 AND totp_enrolled_at IS NULL`, id, sealedSecret, now, step)
	if err != nil {
		return fmt.Errorf("enrol totp: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("enrol totp: %w", ErrConflict)
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, id); err != nil {
		return fmt.Errorf("enrol totp: %w", err)
	}
	for _, h := range recoveryHashes {
		if _, err := s.db.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, id, h); err != nil {
			return fmt.Errorf("enrol totp: %w", mapErr(err))
		}
	}
	return nil
}

// AcceptTOTPStep records that a code of this time step was used, and
// reports false if that step (or a later one) was used already — two
// requests racing with one code cannot both win.
func (s *Store) AcceptTOTPStep(ctx context.Context, id int64, step int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE staff_users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`, id, step)
	if err != nil {
		return false, fmt.Errorf("accept totp: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// StoredHash is one stored secret hash or sealed value and its row.
type StoredHash struct {
	ID    int64
	Value string
}

// UnusedRecoveryCodes returns the hashes of a person's unused recovery
// codes (at most ten), to check a typed code against.
func (s *Store) UnusedRecoveryCodes(ctx context.Context, userID int64) ([]StoredHash, error) {
	return s.storedHashes(ctx, "recovery codes", `SELECT id, code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY id`, userID)
}

// SpendRecoveryCode marks a recovery code used, once: of two requests
// spending the same code, only one gets true.
func (s *Store) SpendRecoveryCode(ctx context.Context, userID, codeID int64, now time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE id = $2 AND user_id = $1 AND used_at IS NULL`, userID, codeID, now)
	if err != nil {
		return false, fmt.Errorf("use recovery code: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// LegacyRecoveryCodes returns recovery codes still stored as a bare
// SHA-256 digest (from before argon2id), to be wrapped.
func (s *Store) LegacyRecoveryCodes(ctx context.Context) ([]StoredHash, error) {
	return s.storedHashes(ctx, "legacy recovery codes", `SELECT id, code_hash FROM recovery_codes
		WHERE code_hash LIKE 'sha256:%' AND code_hash NOT LIKE 'sha256:$argon2id$%' ORDER BY id`)
}

// ReplaceRecoveryCodeHash swaps a code's stored hash if it is still old.
func (s *Store) ReplaceRecoveryCodeHash(ctx context.Context, id int64, old, replacement string) error {
	if _, err := s.db.Exec(ctx, `UPDATE recovery_codes SET code_hash = $3 WHERE id = $1 AND code_hash = $2`, id, old, replacement); err != nil {
		return fmt.Errorf("replace recovery code hash: %w", err)
	}
	return nil
}

// StoredTOTPSecrets returns every stored TOTP secret (by account id), to
// seal again any that is in plaintext or under a previous key.
func (s *Store) StoredTOTPSecrets(ctx context.Context) ([]StoredHash, error) {
	return s.storedHashes(ctx, "totp secrets", `SELECT id, totp_secret FROM staff_users WHERE totp_secret IS NOT NULL ORDER BY id`)
}

// ReplaceTOTPSecret swaps an account's stored TOTP secret if it is still
// old (an enrolment or reset in between wins).
func (s *Store) ReplaceTOTPSecret(ctx context.Context, userID int64, old, replacement string) error {
	if _, err := s.db.Exec(ctx, `UPDATE staff_users SET totp_secret = $3 WHERE id = $1 AND totp_secret = $2`, userID, old, replacement); err != nil {
		return fmt.Errorf("replace totp secret: %w", err)
	}
	return nil
}

func (s *Store) storedHashes(ctx context.Context, what, sql string, args ...any) ([]StoredHash, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (StoredHash, error) {
		var h StoredHash
		err := row.Scan(&h.ID, &h.Value)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// RecoveryCodesLeft counts a person's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, id int64) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, id).Scan(&n); err != nil {
		return 0, fmt.Errorf("recovery codes: %w", err)
	}
	return n, nil
}

// CoachProfile is what coordinators see when choosing a coach.
type CoachProfile struct {
	UserID      int64
	Background  string
	Specialisms []string
	Modes       []string
	Capacity    int
}

// CoachProfile returns a coach's profile, or the defaults if none is saved.
func (s *Store) CoachProfile(ctx context.Context, id int64) (CoachProfile, error) {
	p := CoachProfile{UserID: id, Modes: []string{"virtual"}, Capacity: 10}
	err := s.db.QueryRow(ctx, `SELECT background, specialisms, modes, capacity FROM coach_profiles WHERE user_id = $1`, id).
		Scan(&p.Background, &p.Specialisms, &p.Modes, &p.Capacity)
	if err != nil && mapErr(err) != ErrNotFound {
		return p, fmt.Errorf("coach profile: %w", err)
	}
	return p, nil
}

// SaveCoachProfile creates or replaces a coach's profile.
func (s *Store) SaveCoachProfile(ctx context.Context, p CoachProfile) error {
	// A nil slice would be stored as NULL; "none" is an empty list.
	if p.Specialisms == nil {
		p.Specialisms = []string{}
	}
	if p.Modes == nil {
		p.Modes = []string{}
	}
	_, err := s.db.Exec(ctx, `
		INSERT INTO coach_profiles (user_id, background, specialisms, modes, capacity) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET background = $2, specialisms = $3, modes = $4, capacity = $5`,
		p.UserID, p.Background, p.Specialisms, p.Modes, p.Capacity)
	if err != nil {
		return fmt.Errorf("save coach profile: %w", mapErr(err))
	}
	return nil
}

// execOne runs a statement that must change exactly one row.
func (s *Store) execOne(ctx context.Context, what, sql string, args ...any) error {
	tag, err := s.db.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
