package commonpasswords_test

import (
	"testing"

	"careers/internal/auth/commonpasswords"
)

func TestListIsLargeAndSearchable(t *testing.T) {
	// Built by `make assets`; a missing list fails here, never skips.
	if err := commonpasswords.Check(); err != nil {
		t.Fatal(err)
	}
	if n := commonpasswords.Len(); n < 100_000 {
		t.Fatalf("the list has %d passwords, want at least 100,000", n)
	}
	for _, p := range []string{"password", "123456", "qwertyuiop", "iloveyou", "welcome", "p@ssw0rd", "monkey", "trustno1"} {
		if !commonpasswords.Contains(p) {
			t.Errorf("%q is not on the list", p)
		}
	}
	for _, p := range []string{"", "plum kettle orbit", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "Password"} {
		if commonpasswords.Contains(p) {
			t.Errorf("%q is on the list", p)
		}
	}
}
