package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"careers/internal/auth"
	"careers/internal/store"
)

func TestArgon2idParameters(t *testing.T) {
	h := auth.NewHasher(2)
	hash, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	p, salt, key, err := argon2id.DecodeHash(hash)
	if err != nil {
		t.Fatal(err)
	}
	if p.Memory < 19*1024 || p.Iterations < 2 || p.Parallelism != 1 {
		t.Errorf("argon2id parameters m=%d KiB t=%d p=%d are below m=19 MiB, t=2, p=1", p.Memory, p.Iterations, p.Parallelism)
	}
	if len(salt) < 16 || len(key) < 32 {
		t.Errorf("salt %d bytes, key %d bytes", len(salt), len(key))
	}
	if !strings.HasPrefix(hash, "$argon2id$") {
		t.Errorf("hash %q is not argon2id", hash)
	}
	ok, err := h.Verify(context.Background(), "correct horse battery staple", hash)
	if err != nil || !ok {
		t.Errorf("right password: %v %v", ok, err)
	}
	ok, err = h.Verify(context.Background(), "correct horse battery stapler", hash)
	if err != nil || ok {
		t.Errorf("wrong password: %v %v", ok, err)
	}
	// No account: costs a real verification and never matches.
	start := time.Now()
	ok, err = h.Verify(context.Background(), "anything", "")
	if err != nil || ok {
		t.Errorf("empty hash: %v %v", ok, err)
	}
	if time.Since(start) < time.Millisecond {
		t.Error("verifying against no hash returned instantly: it leaks which accounts exist")
	}
}

func TestHashingConcurrencyIsBounded(t *testing.T) {
	h := auth.NewHasher(1)
	release, err := h.Occupy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "waits for a slot"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash with every slot busy: err %v, want it to wait and give up", err)
	}
	release()
	if _, err := h.Hash(context.Background(), "now there is room"); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		password string
		want     error
	}{
		{"short", auth.ErrPasswordTooShort},
		{"1234567", auth.ErrPasswordTooShort},
		{"password", auth.ErrPasswordCommon},
		{"PASSWORD", auth.ErrPasswordCommon},
		{"12345678", auth.ErrPasswordCommon},
		{"qwertyuiop", auth.ErrPasswordCommon},
		{"jo.bloggs@example.nhs.uk", auth.ErrPasswordIsEmail},
		{"JO.BLOGGS@EXAMPLE.NHS.UK", auth.ErrPasswordIsEmail},
		{strings.Repeat("a", 129), auth.ErrPasswordTooLong},
		{strings.Repeat("é", 8), nil}, // counted in characters, not bytes
		{"plum kettle orbit", nil},
		{"8charsOK", nil},
		{strings.Repeat("b", 64), nil},  // at least 64 allowed
		{strings.Repeat("c", 128), nil}, // up to 128
		{"Tr0ub4dor&3 is fine", nil},    // no composition rules either way
		// The examples: digits and symbols added, look-alikes.
		{"password123", auth.ErrPasswordCommon},
		{"P@ssw0rd", auth.ErrPasswordCommon},
		{"Welcome1!", auth.ErrPasswordCommon},
		{"P@55w0rd!!", auth.ErrPasswordCommon},
		{"2024Summer!", auth.ErrPasswordCommon},
		{"p.a.s.s.w.o.r.d", auth.ErrPasswordCommon},
		{"Monkey12345", auth.ErrPasswordCommon},
		// The service's own words and the published demo password.
		{"careers-demo-2026", auth.ErrPasswordService},
		{"Careers-Demo-2026", auth.ErrPasswordService},
		{"careers2026!", auth.ErrPasswordService},
		{"NHS12345678", auth.ErrPasswordService},
		{"NHScareers1", auth.ErrPasswordService},
		{"c@r33rs-nhs!", auth.ErrPasswordService},
		{"nhs careers password", auth.ErrPasswordService},
		// The person's name and email address.
		{"Josephine1985", auth.ErrPasswordPersonal},
		{"bloggs-josephine", auth.ErrPasswordPersonal},
		{"J0s3phine!!", auth.ErrPasswordPersonal},
		{"jo.bloggs2026", auth.ErrPasswordPersonal},
		// Long enough beyond the words: a passphrase may mention them.
		{"careers plum kettle orbit", nil},
		{"josephine rides a tandem bicycle", nil},
	}
	for _, c := range cases {
		if got := auth.CheckPassword(c.password, "jo.bloggs@example.nhs.uk", "Josephine Bloggs"); !errors.Is(got, c.want) {
			t.Errorf("CheckPassword(%q) = %v, want %v", c.password, got, c.want)
		}
	}
	if got := auth.CheckPassword("jo@example.nhs.uk", "jo@example.nhs.uk"); !errors.Is(got, auth.ErrPasswordIsEmail) {
		t.Errorf("the email itself: %v", got)
	}
	if store.DemoPassword != auth.DemoPassword {
		t.Errorf("the seed's demo password %q is not the one the policy refuses (%q)", store.DemoPassword, auth.DemoPassword)
	}
	// The messages say what to do, in the person's words.
	for _, e := range []error{auth.ErrPasswordCommon, auth.ErrPasswordPersonal, auth.ErrPasswordService} {
		if !strings.Contains(e.Error(), "Choose a different one") {
			t.Errorf("message %q does not say what to do", e)
		}
	}
}

func TestTokensAreRandomAndOnlyHashesKept(t *testing.T) {
	a, ha := auth.NewToken()
	b, hb := auth.NewToken()
	if a == b || string(ha) == string(hb) || len(a) < 40 {
		t.Fatalf("tokens not random enough: %q %q", a, b)
	}
	if string(auth.HashToken(a)) != string(ha) || strings.Contains(string(ha), a) {
		t.Error("HashToken does not reproduce the stored hash")
	}
}

func TestRecoveryCodes(t *testing.T) {
	ctx := context.Background()
	h := auth.NewHasher(2)
	codes := auth.NewRecoveryCodes(3)
	seen := map[string]bool{}
	var stored []string
	for _, c := range codes {
		if len(c) != 12 || c[4] != '-' || c[9] != '-' || seen[c] {
			t.Errorf("bad or repeated code %q", c)
		}
		seen[c] = true
		hash, err := h.HashRecoveryCode(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		// Salted argon2id, as for passwords: the same code never hashes
		// the same twice, and the code is not in the hash.
		again, _ := h.HashRecoveryCode(ctx, c)
		if !strings.HasPrefix(hash, "$argon2id$") || hash == again || strings.Contains(hash, auth.NormaliseRecoveryCode(c)) {
			t.Errorf("recovery code stored as %q", hash)
		}
		stored = append(stored, hash)
	}
	for i, c := range codes {
		typed := strings.ToUpper(strings.ReplaceAll(c, "-", " "))
		if got, err := h.MatchRecoveryCode(ctx, typed, stored); err != nil || got != i {
			t.Errorf("code %q typed as %q matched %d (%v), want %d", c, typed, got, err, i)
		}
	}
	for _, wrong := range []string{"abcd-efgh-jk", "", "not a code at all, much too long"} {
		if got, err := h.MatchRecoveryCode(ctx, wrong, stored); err != nil || got != -1 {
			t.Errorf("wrong code %q matched %d (%v)", wrong, got, err)
		}
	}
	// A code stored before argon2id (a bare SHA-256) is never used as it
	// is; wrapped in argon2id it matches again.
	legacy := auth.LegacyRecoveryPrefix + auth.LegacyRecoveryDigest(codes[0])
	if got, _ := h.MatchRecoveryCode(ctx, codes[0], []string{legacy}); got != -1 {
		t.Error("a bare SHA-256 recovery code was accepted")
	}
	wrapped, err := h.WrapLegacyRecoveryCode(ctx, legacy)
	if err != nil || !strings.HasPrefix(wrapped, auth.LegacyRecoveryPrefix+"$argon2id$") {
		t.Fatalf("wrapped legacy code %q, %v", wrapped, err)
	}
	if same, _ := h.WrapLegacyRecoveryCode(ctx, wrapped); same != wrapped {
		t.Error("wrapping twice changed the hash")
	}
	if got, _ := h.MatchRecoveryCode(ctx, codes[0], []string{stored[1], wrapped}); got != 1 {
		t.Errorf("the wrapped legacy code matched %d, want 1", got)
	}
	if got, _ := h.MatchRecoveryCode(ctx, codes[1], []string{wrapped}); got != -1 {
		t.Error("another code matched the wrapped legacy one")
	}
}

func TestTOTP(t *testing.T) {
	secret, url, err := auth.NewTOTPKey("Careers support", "jo@example.nhs.uk")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "otpauth://totp/") || !strings.Contains(url, "secret="+secret) {
		t.Errorf("url %q", url)
	}
	if rebuilt := auth.TOTPURL("Careers support", "jo@example.nhs.uk", secret); !strings.Contains(rebuilt, "secret="+secret) || !strings.Contains(rebuilt, "issuer=Careers") {
		t.Errorf("rebuilt url %q", rebuilt)
	}
	now := time.Date(2026, 3, 29, 0, 59, 50, 0, time.UTC)
	code, _ := auth.TOTPCode(secret, now)

	step, ok := auth.CheckTOTP(secret, code, now, 0)
	if !ok || step != now.Unix()/30 {
		t.Fatalf("current code refused: %v step %d", ok, step)
	}
	if _, ok := auth.CheckTOTP(secret, code[:3]+" "+code[3:], now, 0); !ok {
		t.Error("a code typed with a space is refused")
	}
	if _, ok := auth.CheckTOTP(secret, code, now, step); ok {
		t.Error("the same code was accepted twice (replay)")
	}
	if _, ok := auth.CheckTOTP(secret, code, now.Add(30*time.Second), 0); !ok {
		t.Error("a code one step old is refused (clock drift)")
	}
	if _, ok := auth.CheckTOTP(secret, code, now.Add(90*time.Second), 0); ok {
		t.Error("a code three steps old is accepted")
	}
	if _, ok := auth.CheckTOTP(secret, "000000", now, 0); ok && code != "000000" {
		t.Error("a wrong code is accepted")
	}
	if _, ok := auth.CheckTOTP(secret, "12345", now, 0); ok {
		t.Error("a five-digit code is accepted")
	}
}

func TestQRCodeSVG(t *testing.T) {
	svg, err := auth.QRCodeSVG("otpauth://totp/Careers:jo@example.nhs.uk?secret=JBSWY3DPEHPK3PXP&issuer=Careers")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "<title") || strings.Count(svg, "h1v1h-1z") < 100 || strings.Contains(svg, "style=") {
		t.Errorf("not a usable accessible SVG QR code: %.200s", svg)
	}
}

func TestThrottleDelays(t *testing.T) {
	th := auth.Throttle{Threshold: 5, Base: 30 * time.Second, Max: 15 * time.Minute, Reset: time.Hour}
	cases := map[int]time.Duration{0: 0, 4: 0, 5: 30 * time.Second, 6: time.Minute, 7: 2 * time.Minute, 9: 8 * time.Minute, 10: 15 * time.Minute, 1000: 15 * time.Minute}
	for failures, want := range cases {
		if got := th.Delay(failures); got != want {
			t.Errorf("Delay(%d) = %v, want %v", failures, got, want)
		}
	}
	k1 := auth.ThrottleKey("acct", "jo@example.nhs.uk")
	if k1 == auth.ThrottleKey("acct", "jd@example.nhs.uk") || strings.Contains(k1, "example") || !strings.HasPrefix(k1, "acct:") {
		t.Errorf("throttle key %q", k1)
	}
	if auth.ThrottleKey("x", "a", "bc") == auth.ThrottleKey("x", "ab", "c") {
		t.Error("throttle key parts run together")
	}
}

func TestAddressKeyGroupsIPv6By64(t *testing.T) {
	cases := map[string]string{
		"203.0.113.9":                  "203.0.113.9",
		"2001:db8:1:2:aaaa::1":         "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff::9999": "2001:db8:1:2::/64",
		"::ffff:203.0.113.9":           "::ffff:203.0.113.9",
		"":                             "",
	}
	for in, want := range cases {
		if got := auth.AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
