package referral_test

import (
	"strings"
	"testing"

	"careers/internal/referral"
)

func TestCountCharacters(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"plain", "coach", 5},
		{"spaces count", "a b", 3},
		{"CRLF is one", "a\r\nb", 3},
		{"LF is one", "a\nb", 3},
		{"lone CR is one", "a\rb", 3},
		{"blank lines", "\r\n\r\n", 2},
		{"CR then CRLF", "\r\r\n", 2},
		{"accented letter, one code point", "café", 4},
		{"letter plus combining accent", "cafe\u0301", 5},
		{"emoji is one rune", "ok 👍", 4},
		{"pound sign", "£10", 3},
	}
	for _, c := range cases {
		if got := referral.CountCharacters(c.in); got != c.want {
			t.Errorf("%s: CountCharacters(%q) = %d, want %d", c.name, c.in, got, c.want)
		}
	}
}

// A textarea filled to the limit in a browser arrives with CRLF line breaks;
// it must still count as within the limit on the server.
func TestTextLimitWithLineBreaks(t *testing.T) {
	if referral.TextLimit != 1500 {
		t.Fatalf("TextLimit = %d; the form's hint text says 1500", referral.TextLimit)
	}
	line := strings.Repeat("x", 49) // 49 + one line break = 50 per line
	full := strings.TrimSuffix(strings.Repeat(line+"\r\n", 30), "\r\n") + "x"
	if got := referral.CountCharacters(full); got != referral.TextLimit {
		t.Fatalf("browser-full text counts %d, want %d", got, referral.TextLimit)
	}
	if got := referral.CountCharacters(full + "y"); got <= referral.TextLimit {
		t.Fatalf("one more character counts %d, want over the limit", got)
	}
	if len(full) <= referral.TextLimit {
		t.Fatalf("test text has %d bytes; it should exceed the limit in bytes to prove CRLF counts once", len(full))
	}
}
