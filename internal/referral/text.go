package referral

import (
	"strings"
	"unicode/utf8"
)

// TextLimit is the most characters accepted in the free-text answer to "what
// do you hope to get from careers support?", counted by CountCharacters.
const TextLimit = 1500

// CountCharacters counts s the way the design system's character count does
// in the browser, so the server never refuses what the page said would fit.
// Browsers submit each line break as \r\n but count it as one, so \r\n (and a
// lone \r) count as one here. It counts runes where the browser counts UTF-16
// units, so an emoji counts one here and two there: the server may accept a
// little more than the page allows, never less.
func CountCharacters(s string) int {
	n := utf8.RuneCountInString(s)
	return n - strings.Count(s, "\r\n")
}
