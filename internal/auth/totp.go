package auth

import (
	"crypto/subtle"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings: the common authenticator-app defaults (30 s, 6 digits,
// SHA-1), accepting one step either side for clock drift.
const (
	totpPeriod = 30
	totpSkew   = 1
)

// NewTOTPKey makes a new secret for account, to be enrolled by scanning the
// QR code of its URL.
func NewTOTPKey(issuer, account string) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod, SecretSize: 20})
	if err != nil {
		return "", "", fmt.Errorf("auth: totp: %w", err)
	}
	return k.Secret(), k.URL(), nil
}

// TOTPURL rebuilds the otpauth:// URL for an existing secret (the enrolment
// page is shown again after a mistyped code).
func TOTPURL(issuer, account, secret string) string {
	u := url.URL{
		Scheme: "otpauth",
		Host:   "totp",
		Path:   "/" + issuer + ":" + account,
		RawQuery: url.Values{
			"secret": {secret}, "issuer": {issuer}, "period": {fmt.Sprint(totpPeriod)},
			"digits": {"6"}, "algorithm": {"SHA1"},
		}.Encode(),
	}
	return u.String()
}

// TOTPCode returns the code for secret at t (tests use it to sign in).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// CheckTOTP reports whether code is valid for secret at now and returns the
// time step it matched. A code whose step is not after lastStep is refused,
// so a code seen over someone's shoulder cannot be used again.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, code)
	if len(code) != 6 {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	for s := current - totpSkew; s <= current+totpSkew; s++ {
		if s <= lastStep {
			continue
		}
		want, err := TOTPCode(secret, time.Unix(s*totpPeriod, 0))
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// QRCodeSVG draws content as a QR code in SVG, rendered by the server so the
// enrolment page needs no script, no data: URL and no other host.
func QRCodeSVG(content string) (string, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("auth: qr: %w", err)
	}
	grid, ok := code.(interface{ Get(x, y int) bool })
	if !ok {
		return "", fmt.Errorf("auth: qr: unexpected code type %T", code)
	}
	b := code.Bounds()
	n := b.Dx()
	const quiet = 4 // the white border scanners need
	size := n + 2*quiet
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="240" height="240" role="img" aria-labelledby="qr-title" shape-rendering="crispEdges"><title id="qr-title">QR code to scan with your authenticator app</title><rect width="%d" height="%d" fill="#ffffff"/><path fill="#000000" d="`, size, size, size, size)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < n; x++ {
			if grid.Get(b.Min.X+x, b.Min.Y+y) {
				fmt.Fprintf(&sb, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	sb.WriteString(`"/></svg>`)
	return sb.String(), nil
}
