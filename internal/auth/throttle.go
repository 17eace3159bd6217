package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"time"
)

// Throttle says how failed attempts slow down further ones. Delays grow
// with each failure past the threshold, are capped, and the count is
// forgotten after a quiet Reset period, so nobody is locked out for good.
type Throttle struct {
	Threshold int           // failures allowed before any delay
	Base      time.Duration // the first delay
	Max       time.Duration // the longest delay
	Reset     time.Duration // failures older than this are forgotten
}

// Delay is how long to refuse attempts after the given number of failures.
func (t Throttle) Delay(failures int) time.Duration {
	if failures < t.Threshold {
		return 0
	}
	d := t.Base
	for i := t.Threshold; i < failures && d < t.Max; i++ {
		d *= 2
	}
	return min(d, t.Max)
}

// The throttles for staff sign-in. Per account *and* address is strict, so
// one source cannot guess a password; per address alone limits one source
// across many accounts; per account alone is loose, so that people elsewhere
// can still sign in while one source is being refused.
var (
	ThrottleAccountAddress = Throttle{Threshold: 5, Base: 30 * time.Second, Max: 15 * time.Minute, Reset: time.Hour}
	// ThrottleSecondFactor counts wrong codes per account, from anywhere:
	// only someone who has the password gets this far, so it is strict.
	ThrottleSecondFactor = Throttle{Threshold: 10, Base: time.Minute, Max: 30 * time.Minute, Reset: 6 * time.Hour}
	ThrottleAddress      = Throttle{Threshold: 30, Base: 30 * time.Second, Max: 15 * time.Minute, Reset: time.Hour}
	ThrottleAccount      = Throttle{Threshold: 100, Base: 30 * time.Second, Max: 15 * time.Minute, Reset: time.Hour}
)

// AddressKey is the part of a client address a throttle counts by: the
// address itself for IPv4, its /64 network for IPv6 (one household or host
// is given a whole /64, so single addresses cost an attacker nothing).
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// ThrottleKey is the stored key for a throttle: a hash, so the table holds
// no email addresses or IP addresses.
func ThrottleKey(kind string, parts ...string) string {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return kind + ":" + hex.EncodeToString(h.Sum(nil)[:16])
}
