package referral_test

import (
	"regexp"
	"strings"
	"testing"

	"careers/internal/referral"
)

var referenceShape = regexp.MustCompile(`^CR-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}$`)

func TestReferenceAlphabetHasNoLookalikes(t *testing.T) {
	for _, c := range "01OILU" {
		if strings.ContainsRune(referral.ReferenceAlphabet, c) {
			t.Errorf("alphabet holds %q, which can be misread", c)
		}
	}
	seen := map[rune]bool{}
	for _, c := range referral.ReferenceAlphabet {
		if seen[c] {
			t.Errorf("alphabet holds %q twice, which would bias references", c)
		}
		seen[c] = true
		if !(c >= '2' && c <= '9' || c >= 'A' && c <= 'Z') {
			t.Errorf("alphabet holds %q, not a digit or capital letter", c)
		}
	}
	if len(seen) != 30 {
		t.Errorf("alphabet has %d characters, want 30", len(seen))
	}
}

func TestNewReference(t *testing.T) {
	const n = 2000
	seen := make(map[string]bool, n)
	for range n {
		ref := referral.NewReference()
		if !referenceShape.MatchString(ref) {
			t.Fatalf("NewReference() = %q, not CR-XXXX-XXXX from the alphabet", ref)
		}
		if !referral.ValidReference(ref) {
			t.Fatalf("ValidReference(%q) = false for a new reference", ref)
		}
		if got, ok := referral.NormaliseReference(ref); !ok || got != ref {
			t.Fatalf("NormaliseReference(%q) = %q, %v; want it unchanged", ref, got, ok)
		}
		// 2000 draws from 30^8 collide with probability about 3e-6.
		if seen[ref] {
			t.Fatalf("NewReference() repeated %q", ref)
		}
		seen[ref] = true
	}
}

// Reducing a random byte modulo 30 without rejecting the top of the range
// would make the first 16 characters 9/8 as likely as the rest. Over 800,000
// characters that is a 12% gap; chance variation is under 1%.
func TestNewReferenceHasNoModuloBias(t *testing.T) {
	counts := map[byte]int{}
	const refs = 100_000
	for range refs {
		ref := referral.NewReference()
		for i := 3; i < len(ref); i++ {
			if ref[i] != '-' {
				counts[ref[i]]++
			}
		}
	}
	alpha := referral.ReferenceAlphabet
	var low, high int
	for i := 0; i < len(alpha); i++ {
		if i < 256%len(alpha) {
			low += counts[alpha[i]]
		} else {
			high += counts[alpha[i]]
		}
	}
	nLow, nHigh := 256%len(alpha), len(alpha)-256%len(alpha)
	ratio := (float64(low) / float64(nLow)) / (float64(high) / float64(nHigh))
	if ratio > 1.03 || ratio < 0.97 {
		t.Errorf("first %d characters appear %.3f times as often as the rest; want about 1", nLow, ratio)
	}
	for i := 0; i < len(alpha); i++ {
		if counts[alpha[i]] == 0 {
			t.Errorf("%q never appeared", alpha[i])
		}
	}
}

func TestNormaliseReference(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" means not a reference
	}{
		{"CR-7K4M-2Q9X", "CR-7K4M-2Q9X"},
		{"cr-7k4m-2q9x", "CR-7K4M-2Q9X"},
		{"  CR-7K4M-2Q9X\t", "CR-7K4M-2Q9X"},
		{"CR 7K4M 2Q9X", "CR-7K4M-2Q9X"},
		{"CR7K4M2Q9X", "CR-7K4M-2Q9X"},
		{"Cr-7K4M2Q9x", "CR-7K4M-2Q9X"},
		{"CR-2222-ZZZZ", "CR-2222-ZZZZ"},
		{"", ""},
		{"CR", ""},
		{"CR-", ""},
		{"CR-7K4M-2Q9", ""},   // one short
		{"CR-7K4M-2Q9XX", ""}, // one long
		{"7K4M-2Q9X", ""},     // no prefix
		{"XR-7K4M-2Q9X", ""},  // wrong prefix
		{"CR-0K4M-2Q9X", ""},  // zero
		{"CR-OK4M-2Q9X", ""},  // letter O
		{"CR-1K4M-2Q9X", ""},  // one
		{"CR-IK4M-2Q9X", ""},  // letter I
		{"CR-LK4M-2Q9X", ""},  // letter L
		{"CR-UK4M-2Q9X", ""},  // letter U
		{"CR-7K4M_2Q9X", ""},  // underscore
		{"CR-7K4M-2Q9Ẋ", ""},  // not ASCII
		{"CR-OWND-0001", ""},  // shaped like one, but from the wrong alphabet
		{strings.Repeat("CR-7K4M-2Q9X", 10), ""},
	}
	for _, c := range cases {
		got, ok := referral.NormaliseReference(c.in)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("NormaliseReference(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
		if v := referral.ValidReference(c.in); v != (c.want != "") {
			t.Errorf("ValidReference(%q) = %v", c.in, v)
		}
	}
}
