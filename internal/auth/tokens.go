package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// NewToken returns a fresh 256-bit random token for a one-time link and the
// SHA-256 hash that is all the database keeps.
func NewToken() (token string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// recoveryAlphabet leaves out characters that are easy to confuse (0/O, 1/I/L).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// NewRecoveryCodes returns n single-use recovery codes like "k7mq-2xwd-9p"
// (about 52 bits each).
func NewRecoveryCodes(n int) []string {
	// Bytes at or above the largest multiple of the alphabet size are
	// redrawn, so every character is equally likely.
	limit := byte(256 - 256%len(recoveryAlphabet))
	codes := make([]string, n)
	var b [1]byte
	for i := range codes {
		var sb strings.Builder
		for j := 0; j < 10; {
			_, _ = rand.Read(b[:])
			if b[0] >= limit {
				continue
			}
			if j == 4 || j == 8 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[int(b[0])%len(recoveryAlphabet)])
			j++
		}
		codes[i] = sb.String()
	}
	return codes
}

// NormaliseRecoveryCode lets people type a code with or without dashes,
// spaces or capitals.
func NormaliseRecoveryCode(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(s) {
		if strings.ContainsRune(recoveryAlphabet, r) {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// LegacyRecoveryDigest is how recovery codes were stored before they were
// hashed with argon2id: a bare SHA-256. Stored digests from then are
// wrapped in argon2id at start-up (see Hasher.WrapLegacyRecoveryCode), so
// none is left as a fast hash.
func LegacyRecoveryDigest(code string) string {
	h := sha256.Sum256([]byte("recovery:" + NormaliseRecoveryCode(code)))
	return hex.EncodeToString(h[:])
}

// Stored forms of a recovery code hash: argon2id of the normalised code,
// or (codes made before argon2id) LegacyRecoveryPrefix and argon2id of
// the code's legacy SHA-256 digest in hex. A digest not yet wrapped is
// stored as LegacyRecoveryPrefix and the bare hex, and never matches.
const LegacyRecoveryPrefix = "sha256:"

// recoveryCodeLength is the number of characters of a normalised code.
const recoveryCodeLength = 10

// HashRecoveryCode is the stored form of a recovery code: argon2id with a
// random salt, as for passwords.
func (h *Hasher) HashRecoveryCode(ctx context.Context, code string) (string, error) {
	return h.Hash(ctx, NormaliseRecoveryCode(code))
}

// WrapLegacyRecoveryCode turns a stored legacy digest ("sha256:<hex>")
// into its argon2id-wrapped form; other values are returned unchanged.
func (h *Hasher) WrapLegacyRecoveryCode(ctx context.Context, stored string) (string, error) {
	digest, ok := strings.CutPrefix(stored, LegacyRecoveryPrefix)
	if !ok || strings.HasPrefix(digest, "$argon2id$") {
		return stored, nil
	}
	wrapped, err := h.Hash(ctx, digest)
	if err != nil {
		return "", err
	}
	return LegacyRecoveryPrefix + wrapped, nil
}

// MatchRecoveryCode returns the index of the stored hash that code
// matches, or -1. Each stored hash (an account's unused codes: at most
// ten) is checked at most once, and something that cannot be a code is
// refused without hashing, so the cost of a guess is bounded.
func (h *Hasher) MatchRecoveryCode(ctx context.Context, code string, stored []string) (int, error) {
	norm := NormaliseRecoveryCode(code)
	if len(norm) != recoveryCodeLength {
		return -1, nil
	}
	legacy := ""
	for i, s := range stored {
		candidate := norm
		if wrapped, ok := strings.CutPrefix(s, LegacyRecoveryPrefix); ok {
			if !strings.HasPrefix(wrapped, "$argon2id$") {
				continue // a bare digest: wrapped at start-up, never used as it is
			}
			if legacy == "" {
				legacy = LegacyRecoveryDigest(code)
			}
			candidate, s = legacy, wrapped
		}
		ok, err := h.Verify(ctx, candidate, s)
		if err != nil {
			return -1, err
		}
		if ok {
			return i, nil
		}
	}
	return -1, nil
}
