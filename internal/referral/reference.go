package referral

import (
	"crypto/rand"
	"strings"
)

// ReferenceAlphabet holds the characters a reference is made of: digits and
// upper-case letters without 0/O, 1/I/L and U, so a reference read aloud or
// copied by hand cannot be mistaken for another (U is left out as well so
// fewer words can be spelt by accident).
const ReferenceAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// referencePrefix starts every reference, so a reference is recognisable in
// an email or on the phone.
const referencePrefix = "CR"

// NewReference returns a fresh random reference such as CR-7K4M-2Q9X: two
// groups of four characters from ReferenceAlphabet, about 6.6e11
// possibilities, so references say nothing about how many referrals exist.
// The database's unique constraint is what guarantees no two are the same;
// a caller that hits it tries again with a new one.
func NewReference() string {
	const n = 8
	// Rejection sampling: a byte is used only when it falls below the
	// largest multiple of the alphabet's size, so every character is equally
	// likely (no modulo bias).
	const limit = 256 - 256%len(ReferenceAlphabet)
	var out [n]byte
	buf := make([]byte, 2*n)
	for i := 0; i < n; {
		rand.Read(buf) // never returns an error; it crashes the program if randomness is unavailable
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out[i] = ReferenceAlphabet[int(b)%len(ReferenceAlphabet)]
			i++
			if i == n {
				break
			}
		}
	}
	return referencePrefix + "-" + string(out[:4]) + "-" + string(out[4:])
}

// NormaliseReference turns a reference as someone typed it into the form
// NewReference makes: it ignores case, spaces and hyphens, so "cr 7k4m 2q9x"
// and "CR7K4M2Q9X" both give "CR-7K4M-2Q9X". ok is false when what is left
// is not a reference; confusable characters (0, O, 1, I, L, U) are not
// guessed at, because they never appear in a reference.
func NormaliseReference(s string) (ref string, ok bool) {
	if len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '\t', '-':
			continue
		}
		b.WriteRune(r)
	}
	compact := b.String()
	body, found := strings.CutPrefix(compact, referencePrefix)
	if !found || len(body) != 8 {
		return "", false
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(ReferenceAlphabet, body[i]) < 0 {
			return "", false
		}
	}
	return referencePrefix + "-" + body[:4] + "-" + body[4:], true
}

// ValidReference reports whether s is a reference once case, spaces and
// hyphens are set aside (see NormaliseReference).
func ValidReference(s string) bool {
	_, ok := NormaliseReference(s)
	return ok
}
