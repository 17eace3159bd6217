package auth_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"careers/internal/auth"
)

func mustKey(t *testing.T, b byte) []byte {
	t.Helper()
	return bytes.Repeat([]byte{b}, auth.SecretKeySize)
}

func TestKeyringSealsAndRotates(t *testing.T) {
	oldKey, newKey := mustKey(t, 1), mustKey(t, 2)
	old, err := auth.NewKeyring(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	sealed, err := old.Seal("totp:7", secret)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := old.Seal("totp:7", secret)
	if strings.Contains(sealed, secret) || sealed == again || !strings.HasPrefix(sealed, "v1:"+old.KeyID()+":") {
		t.Fatalf("sealed %q (again %q): plaintext visible, nonce reused, or no key id", sealed, again)
	}
	if got, err := old.Open("totp:7", sealed); err != nil || got != secret {
		t.Fatalf("open: %q, %v", got, err)
	}
	// Bound to its purpose: moved to another account it does not open.
	if _, err := old.Open("totp:8", sealed); err == nil {
		t.Error("a secret sealed for account 7 opened for account 8")
	}
	// Tampered with: refused.
	b := []byte(sealed)
	b[len(b)-3] ^= 1
	if _, err := old.Open("totp:7", string(b)); err == nil {
		t.Error("a tampered value opened")
	}
	// Plaintext (from before encryption) is not taken for sealed.
	if _, err := old.Open("totp:7", secret); !errors.Is(err, auth.ErrNotSealed) {
		t.Errorf("plaintext: %v", err)
	}

	// Rotation: the new key writes, the previous one still reads.
	rotated, err := auth.NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.KeyID() == old.KeyID() || rotated.SealedWithCurrent(sealed) || !old.SealedWithCurrent(sealed) {
		t.Error("the key id does not tell the keys apart")
	}
	if got, err := rotated.Open("totp:7", sealed); err != nil || got != secret {
		t.Errorf("the previous key no longer reads: %q, %v", got, err)
	}
	resealed, _ := rotated.Seal("totp:7", secret)
	if !rotated.SealedWithCurrent(resealed) {
		t.Error("a new seal is not under the current key")
	}
	// Once the previous key is dropped, what it sealed says so.
	newOnly, _ := auth.NewKeyring(newKey)
	if _, err := newOnly.Open("totp:7", sealed); !errors.Is(err, auth.ErrUnknownKey) {
		t.Errorf("value under a removed key: %v", err)
	}

	if _, err := auth.NewKeyring(oldKey[:16]); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Errorf("a 16-byte key: %v", err)
	}
}

func TestSecretKeyParsing(t *testing.T) {
	k := auth.NewSecretKey()
	b, err := auth.ParseSecretKey(k)
	if err != nil || len(b) != auth.SecretKeySize {
		t.Fatalf("a generated key does not parse: %v", err)
	}
	if k == auth.NewSecretKey() {
		t.Error("two generated keys are the same")
	}
	for _, bad := range []string{"", "short", "c2hvcnQ=", strings.Repeat("A", 60)} {
		if _, err := auth.ParseSecretKey(bad); err == nil {
			t.Errorf("%q accepted as a secret key", bad)
		}
	}
}

// Throttle keys are keyed with the server's secret: without it nobody can
// test a guessed address or email against the stored key.
func TestThrottleKeysAreKeyedWithTheSecret(t *testing.T) {
	a, _ := auth.NewKeyring(mustKey(t, 1))
	b, _ := auth.NewKeyring(mustKey(t, 2))
	name := auth.ThrottleKey("staff-ip", "203.0.113.9")
	ka, kb := a.ThrottleKey(name), b.ThrottleKey(name)
	if ka == kb || ka == name || !strings.HasPrefix(ka, "staff-ip:") || strings.Contains(ka, strings.TrimPrefix(name, "staff-ip:")) {
		t.Errorf("stored throttle keys %q and %q for %q", ka, kb, name)
	}
	if ka != a.ThrottleKey(name) {
		t.Error("the same key does not give the same stored key")
	}
	if a.ThrottleKey(auth.ThrottleKey("staff-ip", "203.0.113.10")) == ka {
		t.Error("two addresses give the same stored key")
	}
}
