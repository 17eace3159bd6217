package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SecretKeySize is the length of the service's secret key (SECRET_KEY):
// 32 random bytes, written in base64.
const SecretKeySize = 32

// Keyring holds the service's secret keys: the current one, which every new
// write uses, and earlier ones that are still accepted for reading while
// what they sealed is sealed again under the current one (key rotation).
// Each purpose gets its own key, derived from the secret key with HKDF and
// a label of its own, so the keys never meet.
type Keyring struct {
	keys     []ringKey // keys[0] is the current key
	throttle []byte    // HMAC key for throttle keys (current key only)
	feed     []byte    // HMAC key for calendar feed tokens (current key only)
}

type ringKey struct {
	id   string // 8 hex characters naming the key, stored beside what it seals
	aead cipher.AEAD
}

// sealedVersion starts every sealed value: "v1:<key id>:<base64url(nonce|ciphertext)>".
const sealedVersion = "v1"

// ErrNotSealed is Open's error for a value that is not in the sealed
// format (a plaintext secret from before encryption, or damage).
var ErrNotSealed = errors.New("auth: value is not sealed")

// ErrUnknownKey is Open's error for a value sealed under a key the keyring
// no longer holds (a previous key removed too early).
var ErrUnknownKey = errors.New("auth: sealed under a key that is not configured (SECRET_KEY or SECRET_KEY_PREVIOUS)")

func derive(secret []byte, label string, n int) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, "careers "+label, n)
	if err != nil {
		panic("auth: hkdf: " + err.Error()) // only for impossible lengths
	}
	return k
}

// NewKeyring builds a keyring from the current secret key and any previous
// ones (each SecretKeySize bytes).
func NewKeyring(current []byte, previous ...[]byte) (*Keyring, error) {
	kr := &Keyring{}
	seen := map[string]bool{}
	for i, secret := range append([][]byte{current}, previous...) {
		if len(secret) != SecretKeySize {
			if i == 0 {
				return nil, fmt.Errorf("SECRET_KEY: must be %d bytes, got %d", SecretKeySize, len(secret))
			}
			return nil, fmt.Errorf("SECRET_KEY_PREVIOUS: each key must be %d bytes, key %d has %d", SecretKeySize, i, len(secret))
		}
		block, err := aes.NewCipher(derive(secret, "aes-256-gcm v1", 32))
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		id := hex.EncodeToString(derive(secret, "key id v1", 4))
		if seen[id] {
			continue // the same key given twice
		}
		seen[id] = true
		kr.keys = append(kr.keys, ringKey{id: id, aead: aead})
		if i == 0 {
			kr.throttle = derive(secret, "throttle hmac-sha256 v1", 32)
			kr.feed = derive(secret, "calendar feed hmac-sha256 v1", 32)
		}
	}
	return kr, nil
}

// NewSecretKey returns a fresh random secret key in base64, the form
// SECRET_KEY takes.
func NewSecretKey() string {
	b := make([]byte, SecretKeySize)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// ParseSecretKey decodes a secret key written in base64 (standard or URL
// alphabet, with or without padding) and checks its length.
func ParseSecretKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != SecretKeySize {
				return nil, fmt.Errorf("must be base64 of %d random bytes, got %d bytes (make one with: openssl rand -base64 32)", SecretKeySize, len(b))
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("must be base64 of %d random bytes (make one with: openssl rand -base64 32)", SecretKeySize)
}

// KeyID names the current key (what Seal writes beside its ciphertext).
func (k *Keyring) KeyID() string { return k.keys[0].id }

// Seal encrypts plaintext with AES-256-GCM under the current key. purpose
// (such as "totp:42") is authenticated with it, so a sealed value copied
// to another row or use does not open there.
func (k *Keyring) Seal(purpose, plaintext string) (string, error) {
	key := k.keys[0]
	nonce := make([]byte, key.aead.NonceSize(), key.aead.NonceSize()+len(plaintext)+key.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("auth: seal: %w", err)
	}
	out := key.aead.Seal(nonce, nonce, []byte(plaintext), []byte(purpose))
	return sealedVersion + ":" + key.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same purpose, under whichever
// configured key sealed it.
func (k *Keyring) Open(purpose, sealed string) (string, error) {
	version, rest, ok1 := strings.Cut(sealed, ":")
	id, body, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || version != sealedVersion {
		return "", ErrNotSealed
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return "", ErrNotSealed
	}
	for _, key := range k.keys {
		if key.id != id {
			continue
		}
		n := key.aead.NonceSize()
		if len(raw) < n+key.aead.Overhead() {
			return "", ErrNotSealed
		}
		plain, err := key.aead.Open(nil, raw[:n], raw[n:], []byte(purpose))
		if err != nil {
			return "", fmt.Errorf("auth: open: the sealed value does not verify (damaged, or not for %q)", purpose)
		}
		return string(plain), nil
	}
	return "", ErrUnknownKey
}

// SealedWithCurrent reports whether sealed was sealed under the current key
// (false for plaintext and for values under a previous key: both want
// sealing again).
func (k *Keyring) SealedWithCurrent(sealed string) bool {
	return strings.HasPrefix(sealed, sealedVersion+":"+k.keys[0].id+":")
}

// ThrottleKey is the stored form of a throttle key (see auth.ThrottleKey):
// its kind, then an HMAC-SHA256 under a key derived from the secret key,
// so nobody reading the throttle table can test guesses (every IPv4
// address, a list of staff emails) against it without the secret.
func (k *Keyring) ThrottleKey(name string) string {
	kind, _, _ := strings.Cut(name, ":")
	m := hmac.New(sha256.New, k.throttle)
	m.Write([]byte(name))
	return kind + ":" + hex.EncodeToString(m.Sum(nil)[:16])
}
