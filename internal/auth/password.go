// Package auth holds the credentials side of signing in: password hashing
// and policy, TOTP second factors, recovery codes, one-time tokens and
// throttling delays. It does no database or HTTP work.
package auth

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Params are the argon2id settings: OWASP's minimum for argon2id (19 MiB,
// two passes, one lane) is ENGINEERING.md's floor.
var Params = argon2id.Params{
	Memory:      19 * 1024, // KiB
	Iterations:  2,
	Parallelism: 1,
	SaltLength:  16,
	KeyLength:   32,
}

// Password limits: at least 8 characters, and long passphrases welcome.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// PolicyError is a reason a password is refused, worded to show the person.
type PolicyError string

func (e PolicyError) Error() string { return string(e) }

// Errors from CheckPassword.
var (
	ErrPasswordTooShort = PolicyError(fmt.Sprintf("Your password must be at least %d characters", MinPasswordLength))
	ErrPasswordTooLong  = PolicyError(fmt.Sprintf("Your password must be %d characters or fewer", MaxPasswordLength))
	ErrPasswordCommon   = PolicyError("This password is too common and easy to guess: it is on a list of common or leaked passwords, even with numbers or symbols added or letters swapped for look-alikes (such as @ for a). Choose a different one, for example three or four random words")
	ErrPasswordIsEmail  = PolicyError("Your password must not be your email address")
	ErrPasswordPersonal = PolicyError("Your password must not be based on your name or your email address. Choose a different one, for example three or four random words")
	ErrPasswordService  = PolicyError("Your password must not be based on the name of this service, NHS or the demo password. Choose a different one, for example three or four random words")
)

// CheckPassword applies the password policy (NIST SP 800-63B: no
// composition rules, but a blocklist): a length range; not the person's
// email address, nor made of their name or email address, nor of the
// service's own words (careers, NHS, the published demo password); and not
// a commonly used or leaked password. Every comparison ignores case, and
// the list and word checks also see through look-alike substitutions
// (P@ssw0rd) and digits or symbols added around a word (Welcome1!).
// personal is what is known about the person: their email address and
// name.
func CheckPassword(password string, personal ...string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return ErrPasswordTooShort
	}
	if n > MaxPasswordLength {
		return ErrPasswordTooLong
	}
	lower := strings.ToLower(strings.TrimSpace(password))
	for _, p := range personal {
		if p = strings.ToLower(strings.TrimSpace(p)); strings.Contains(p, "@") && lower == p {
			return ErrPasswordIsEmail
		}
	}
	switch {
	case aboutWords(lower, personalWords(personal)):
		return ErrPasswordPersonal
	case lower == DemoPassword || aboutWords(lower, serviceWords):
		return ErrPasswordService
	case IsCommonPassword(password):
		return ErrPasswordCommon
	}
	return nil
}

// Hasher hashes and verifies passwords with bounded concurrency: each
// argon2id run takes 19 MiB, so a flood of sign-ins waits its turn instead
// of exhausting memory and CPU.
type Hasher struct {
	slots chan struct{}
	// dummy is a real hash verified when an account does not exist, so the
	// answer takes as long as for an account that does.
	dummy string
}

// NewHasher allows at most n hashes at once (n < 1 means one per CPU).
func NewHasher(n int) *Hasher {
	if n < 1 {
		n = runtime.NumCPU()
	}
	dummy, err := argon2id.CreateHash("timing-equaliser", &Params)
	if err != nil {
		panic("auth: cannot create the dummy hash: " + err.Error())
	}
	return &Hasher{slots: make(chan struct{}, n), dummy: dummy}
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting to hash: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the encoded argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return argon2id.CreateHash(password, &Params)
}

// Verify reports whether password matches hash. An empty hash (no account,
// or no password set yet) is checked against a dummy so it costs the same,
// and never matches.
func (h *Hasher) Verify(ctx context.Context, password, hash string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, h.dummy)
		return false, nil
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return false, fmt.Errorf("auth: verify: %w", err)
	}
	return ok, nil
}
