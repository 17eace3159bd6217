package referral

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// OtherRegistrationLimit is the longest number accepted for BodyNone, whose
// format we cannot know.
const OtherRegistrationLimit = 30

// ValidationError is a problem with an answer, worded to show to the person
// who typed it (so it starts with a capital, unlike most Go errors).
type ValidationError string

// Error returns the message as it is shown.
func (e ValidationError) Error() string { return string(e) }

// The formats, checked after spaces are removed and letters upper-cased.
var (
	sevenDigits = regexp.MustCompile(`^[0-9]{7}$`)
	gdcNumber   = regexp.MustCompile(`^[0-9]{1,6}$`)
	nmcPIN      = regexp.MustCompile(`^[0-9]{2}[A-Z][0-9]{4}[A-Z]$`)
	// HCPC numbers start with the profession's prefix. Most prefixes have
	// two letters (PA paramedics, PH physiotherapists, OT ...) but a few
	// have three (ODP, PYL, HAD), so three are accepted too.
	hcpcNumber = regexp.MustCompile(`^[A-Z]{2,3}[0-9]{4,6}$`)
)

// ValidateRegistration checks a registration number against the format of
// body and returns it normalised: spaces removed and letters upper-cased. The
// error's text is fit to show next to the field. For BodyNone any number, or
// none, is accepted up to OtherRegistrationLimit characters, trimmed.
func ValidateRegistration(body RegistrationBody, number string) (string, error) {
	if body == BodyNone {
		n := strings.TrimSpace(number)
		if utf8.RuneCountInString(n) > OtherRegistrationLimit {
			return "", ValidationError("Registration number must be 30 characters or fewer")
		}
		return n, nil
	}
	n := strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, number))
	var (
		ok              bool
		missing, format string
	)
	switch body {
	case BodyGMC:
		ok = sevenDigits.MatchString(n)
		missing, format = "Enter a GMC number", "Enter a GMC number with 7 digits, like 1234567"
	case BodyGDC:
		ok = gdcNumber.MatchString(n)
		missing, format = "Enter a GDC number", "Enter a GDC number using numbers only, up to 6 digits, like 123456"
	case BodyGPhC:
		ok = sevenDigits.MatchString(n)
		missing, format = "Enter a GPhC number", "Enter a GPhC number with 7 digits, like 2012345"
	case BodyNMC:
		ok = nmcPIN.MatchString(n)
		missing, format = "Enter an NMC PIN", "Enter an NMC PIN as 2 numbers, a letter, 4 numbers and a letter, like 12A3456B"
	case BodyHCPC:
		ok = hcpcNumber.MatchString(n)
		missing, format = "Enter an HCPC number", "Enter an HCPC number as the letters for the profession followed by 4 to 6 numbers, like PA12345"
	default:
		return "", ValidationError("Select who the registration is with")
	}
	switch {
	case n == "":
		return "", ValidationError(missing)
	case !ok:
		return "", ValidationError(format)
	}
	return n, nil
}
