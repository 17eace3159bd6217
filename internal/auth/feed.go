package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
)

// NewFeedToken returns a fresh 256-bit random token for a coach's calendar
// feed address and its stored form (FeedTokenHash).
func (k *Keyring) NewFeedToken() (token string, hash []byte) {
	token, _ = NewToken()
	return token, k.FeedTokenHash(token)
}

// FeedTokenHash is the stored form of a calendar feed token: an
// HMAC-SHA256 under a key derived from the secret key, so a copy of the
// table is no use without SECRET_KEY. Rotating SECRET_KEY makes every
// coach make a new feed address.
func (k *Keyring) FeedTokenHash(token string) []byte {
	m := hmac.New(sha256.New, k.feed)
	m.Write([]byte("calendar-feed:" + token))
	return m.Sum(nil)
}

// FeedTokenMatches reports, in constant time, whether token's stored form
// is hash.
func (k *Keyring) FeedTokenMatches(token string, hash []byte) bool {
	return subtle.ConstantTimeCompare(k.FeedTokenHash(token), hash) == 1
}
