package workshops

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCheckInCodeAvoidsConfusableCharacters(t *testing.T) {
	seen := map[string]bool{}
	for range 500 {
		c := NewCheckInCode()
		if !regexp.MustCompile(`^[A-Z0-9]{6}$`).MatchString(c) {
			t.Fatalf("code %q is not six uppercase letters and digits", c)
		}
		if strings.ContainsAny(c, "0O1I") {
			t.Fatalf("code %q has a confusable character", c)
		}
		seen[c] = true
	}
	if len(seen) < 490 {
		t.Errorf("only %d different codes in 500", len(seen))
	}
}

func TestSlugFromTitleAndUKDate(t *testing.T) {
	slug := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// 11pm UTC on 31 May is 1 June in the UK.
	at := time.Date(2027, 5, 31, 23, 30, 0, 0, time.UTC)
	for title, want := range map[string]string{
		"Career planning: the consultant interview": "career-planning-the-consultant-interview-2027-06-01",
		"  Trainee's   networking!! ":               "trainees-networking-2027-06-01",
		"¿¿??":                                      "workshop-2027-06-01",
		strings.Repeat("a", 200):                    strings.Repeat("a", 85) + "-2027-06-01",
		strings.Repeat("word ", 40):                 strings.TrimSuffix(strings.Repeat("word-", 17), "-") + "-2027-06-01",
	} {
		got := SlugBase(title, at)
		if got != want {
			t.Errorf("SlugBase(%q) = %q, want %q", title, got, want)
		}
		for _, s := range []string{got, SlugWith(got, 1), SlugWith(got, 12)} {
			if !slug.MatchString(s) || len(s) > MaxSlug {
				t.Errorf("slug %q does not fit the table's CHECK", s)
			}
		}
	}
	if SlugWith("a-2027-06-01", 2) != "a-2027-06-01-2" {
		t.Error("the second event with a slug gets -2")
	}
}
