package server

import (
	"context"
	"errors"

	"careers/internal/auth"
	"careers/internal/store"
)

// SecretsUpgrade counts what UpgradeSecretsAtRest changed.
type SecretsUpgrade struct {
	// SealedTOTP are TOTP secrets sealed under the current key: plaintext
	// ones from before encryption, and ones under a previous key.
	SealedTOTP int
	// UnreadableTOTP are TOTP secrets sealed under a key that is no longer
	// configured: those people cannot sign in until SECRET_KEY_PREVIOUS
	// holds that key again, or an admin resets their second factor.
	UnreadableTOTP int
	// WrappedRecoveryCodes are recovery codes stored as a bare SHA-256
	// (from before argon2id), now wrapped in argon2id.
	WrappedRecoveryCodes int
}

// UpgradeSecretsAtRest brings every stored secret up to the current form:
// each TOTP secret sealed under the current SECRET_KEY (so plaintext ones
// from before encryption are encrypted, and a key rotation completes), and
// each legacy recovery code wrapped in argon2id. `careers serve` runs it at
// start, before it answers requests; every change is a compare-and-swap, so
// several instances may run it at once, and a second run changes nothing.
func (s *Server) UpgradeSecretsAtRest(ctx context.Context) (SecretsUpgrade, error) {
	var up SecretsUpgrade
	secrets, err := s.store.StoredTOTPSecrets(ctx)
	if err != nil {
		return up, err
	}
	for _, sec := range secrets {
		if s.keys.SealedWithCurrent(sec.Value) {
			continue
		}
		plain, err := s.keys.Open(store.TOTPPurpose(sec.ID), sec.Value)
		switch {
		case errors.Is(err, auth.ErrNotSealed):
			plain = sec.Value // stored before encryption
		case err != nil:
			up.UnreadableTOTP++
			continue
		}
		sealed, err := s.keys.Seal(store.TOTPPurpose(sec.ID), plain)
		if err != nil {
			return up, err
		}
		if err := s.store.ReplaceTOTPSecret(ctx, sec.ID, sec.Value, sealed); err != nil {
			return up, err
		}
		up.SealedTOTP++
	}
	codes, err := s.store.LegacyRecoveryCodes(ctx)
	if err != nil {
		return up, err
	}
	for _, c := range codes {
		wrapped, err := s.hasher.WrapLegacyRecoveryCode(ctx, c.Value)
		if err != nil {
			return up, err
		}
		if err := s.store.ReplaceRecoveryCodeHash(ctx, c.ID, c.Value, wrapped); err != nil {
			return up, err
		}
		up.WrappedRecoveryCodes++
	}
	return up, nil
}

// KeyID names the current secret key (SECRET_KEY), as stored beside what it
// seals: operators see which key a running service writes with.
func (s *Server) KeyID() string { return s.keys.KeyID() }
