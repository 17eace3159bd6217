package auth

import (
	"slices"
	"strings"
	"unicode"

	"careers/internal/auth/commonpasswords"
)

// serviceWords are what a password for this service must not be made of:
// its name, NHS, and the published demo password (README), however
// written.
var serviceWords = []string{"careers", "career", "nhs", "careersdemo", "careerssupport"}

// DemoPassword is the demo staff password published in the README. Only
// `careers seed` (development) may set it, directly; no form accepts it.
const DemoPassword = "careers-demo-2026"

// leet undoes the usual look-alike substitutions (P@ssw0rd -> password).
// '1' and '|' stand for both i and l: leetForms tries each.
var leet = strings.NewReplacer("@", "a", "4", "a", "3", "e", "0", "o", "$", "s", "5", "s", "7", "t", "+", "t", "!", "i", "€", "e")

func leetForms(s string) []string {
	s = leet.Replace(s)
	return []string{
		strings.NewReplacer("1", "i", "|", "i").Replace(s),
		strings.NewReplacer("1", "l", "|", "l").Replace(s),
	}
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

// guessForms are the forms of a password that are compared with the
// common-password list: as typed (lowercased), without the digits and
// symbols around it (Welcome1! -> welcome), with look-alikes undone, and
// without separators (p.a.s.s.w.o.r.d).
func guessForms(lower string) []string {
	forms := []string{lower}
	stripped := strings.TrimFunc(lower, notLetter)
	forms = append(forms, stripped)
	for _, f := range []string{lower, stripped} {
		for _, l := range leetForms(f) {
			forms = append(forms, l, strings.TrimFunc(l, notLetter))
		}
	}
	for _, f := range slices.Clone(forms) {
		forms = append(forms, strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, f))
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

// IsCommonPassword reports whether password, in any of its guess forms, is
// on the list of over 100,000 commonly used and leaked passwords.
func IsCommonPassword(password string) bool {
	for _, f := range guessForms(strings.ToLower(strings.TrimSpace(password))) {
		if f != "" && commonpasswords.Contains(f) {
			return true
		}
	}
	return false
}

// personalWords are the words of a person's email address and name (of
// three letters or more), and each whole, letters only.
func personalWords(personal []string) []string {
	var words []string
	add := func(s string) {
		var whole strings.Builder
		for _, part := range strings.FieldsFunc(s, notLetter) {
			whole.WriteString(part)
			if len([]rune(part)) >= 3 {
				words = append(words, part)
			}
		}
		if w := whole.String(); len([]rune(w)) >= 3 {
			words = append(words, w)
		}
	}
	for _, p := range personal {
		p = strings.ToLower(strings.TrimSpace(p))
		if local, _, ok := strings.Cut(p, "@"); ok {
			add(local)
			continue
		}
		add(p)
	}
	return words
}

// builtFrom reports whether letters (a password's letters only) is made
// of the words, with fewer than four letters or a common password left
// over once every word is taken out.
func builtFrom(letters string, words []string) bool {
	words = slices.Clone(words)
	slices.SortFunc(words, func(a, b string) int { return len(b) - len(a) }) // longest first
	rest, found := letters, false
	for _, w := range words {
		if strings.Contains(rest, w) {
			rest, found = strings.ReplaceAll(rest, w, ""), true
		}
	}
	return found && (len([]rune(rest)) < 4 || commonpasswords.Contains(rest))
}

// lettersOnly keeps a string's letters.
func lettersOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, s)
}

// aboutWords reports whether password is made of the words, as typed or
// with look-alikes undone.
func aboutWords(lower string, words []string) bool {
	if len(words) == 0 {
		return false
	}
	for _, f := range append([]string{lower}, leetForms(lower)...) {
		if builtFrom(lettersOnly(f), words) {
			return true
		}
	}
	return false
}
