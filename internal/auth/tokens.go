package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
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

// HashRecoveryCode is the stored form of a recovery code.
func HashRecoveryCode(code string) []byte {
	h := sha256.Sum256([]byte("recovery:" + NormaliseRecoveryCode(code)))
	return h[:]
}
