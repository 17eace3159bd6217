package referral_test

import (
	"errors"
	"strings"
	"testing"

	"careers/internal/referral"
)

func TestValidateRegistration(t *testing.T) {
	cases := []struct {
		body    referral.RegistrationBody
		in      string
		want    string // normalised number when valid
		wantErr string // the message people see when not
	}{
		// GMC: 7 digits.
		{referral.BodyGMC, "1234567", "1234567", ""},
		{referral.BodyGMC, " 1234567 ", "1234567", ""},
		{referral.BodyGMC, "123 4567", "1234567", ""},
		{referral.BodyGMC, "0012345", "0012345", ""},
		{referral.BodyGMC, "", "", "Enter a GMC number"},
		{referral.BodyGMC, "   ", "", "Enter a GMC number"},
		{referral.BodyGMC, "123456", "", "Enter a GMC number with 7 digits, like 1234567"},
		{referral.BodyGMC, "12345678", "", "Enter a GMC number with 7 digits, like 1234567"},
		{referral.BodyGMC, "123456A", "", "Enter a GMC number with 7 digits, like 1234567"},
		{referral.BodyGMC, "GMC1234567", "", "Enter a GMC number with 7 digits, like 1234567"},
		{referral.BodyGMC, "１２３４５６７", "", "Enter a GMC number with 7 digits, like 1234567"}, // full-width digits

		// GDC: digits only, up to 6.
		{referral.BodyGDC, "1", "1", ""},
		{referral.BodyGDC, "12345", "12345", ""},
		{referral.BodyGDC, "123456", "123456", ""},
		{referral.BodyGDC, "", "", "Enter a GDC number"},
		{referral.BodyGDC, "1234567", "", "Enter a GDC number using numbers only, up to 6 digits, like 123456"},
		{referral.BodyGDC, "12A45", "", "Enter a GDC number using numbers only, up to 6 digits, like 123456"},
		{referral.BodyGDC, "-12345", "", "Enter a GDC number using numbers only, up to 6 digits, like 123456"},

		// GPhC: 7 digits.
		{referral.BodyGPhC, "2012345", "2012345", ""},
		{referral.BodyGPhC, "5012345", "5012345", ""},
		{referral.BodyGPhC, "", "", "Enter a GPhC number"},
		{referral.BodyGPhC, "201234", "", "Enter a GPhC number with 7 digits, like 2012345"},
		{referral.BodyGPhC, "20123456", "", "Enter a GPhC number with 7 digits, like 2012345"},
		{referral.BodyGPhC, "2O12345", "", "Enter a GPhC number with 7 digits, like 2012345"}, // letter O

		// NMC: 2 digits, letter, 4 digits, letter; upper-cased.
		{referral.BodyNMC, "12A3456B", "12A3456B", ""},
		{referral.BodyNMC, "12a3456b", "12A3456B", ""},
		{referral.BodyNMC, " 12A 3456 B ", "12A3456B", ""},
		{referral.BodyNMC, "99Z0000E", "99Z0000E", ""},
		{referral.BodyNMC, "", "", "Enter an NMC PIN"},
		{referral.BodyNMC, "12A3456", "", "Enter an NMC PIN as 2 numbers, a letter, 4 numbers and a letter, like 12A3456B"},
		{referral.BodyNMC, "1A3456B", "", "Enter an NMC PIN as 2 numbers, a letter, 4 numbers and a letter, like 12A3456B"},
		{referral.BodyNMC, "12A34567B", "", "Enter an NMC PIN as 2 numbers, a letter, 4 numbers and a letter, like 12A3456B"},
		{referral.BodyNMC, "123456BB", "", "Enter an NMC PIN as 2 numbers, a letter, 4 numbers and a letter, like 12A3456B"},
		{referral.BodyNMC, "12A3456B1", "", "Enter an NMC PIN as 2 numbers, a letter, 4 numbers and a letter, like 12A3456B"},

		// HCPC: the profession's letters, then 4 to 6 digits.
		{referral.BodyHCPC, "PA12345", "PA12345", ""},
		{referral.BodyHCPC, "pa12345", "PA12345", ""},
		{referral.BodyHCPC, "PH1234", "PH1234", ""},
		{referral.BodyHCPC, "SL123456", "SL123456", ""},
		{referral.BodyHCPC, "ODP12345", "ODP12345", ""},
		{referral.BodyHCPC, "PYL 12345", "PYL12345", ""},
		{referral.BodyHCPC, "", "", "Enter an HCPC number"},
		{referral.BodyHCPC, "PA123", "", "Enter an HCPC number as the letters for the profession followed by 4 to 6 numbers, like PA12345"},
		{referral.BodyHCPC, "PA1234567", "", "Enter an HCPC number as the letters for the profession followed by 4 to 6 numbers, like PA12345"},
		{referral.BodyHCPC, "12345", "", "Enter an HCPC number as the letters for the profession followed by 4 to 6 numbers, like PA12345"},
		{referral.BodyHCPC, "P12345", "", "Enter an HCPC number as the letters for the profession followed by 4 to 6 numbers, like PA12345"},
		{referral.BodyHCPC, "ABCD12345", "", "Enter an HCPC number as the letters for the profession followed by 4 to 6 numbers, like PA12345"},
		{referral.BodyHCPC, "12PA345", "", "Enter an HCPC number as the letters for the profession followed by 4 to 6 numbers, like PA12345"},

		// Another body or none: optional, free form, bounded.
		{referral.BodyNone, "", "", ""},
		{referral.BodyNone, "  AHCS 12345  ", "AHCS 12345", ""},
		{referral.BodyNone, strings.Repeat("9", referral.OtherRegistrationLimit), strings.Repeat("9", referral.OtherRegistrationLimit), ""},
		{referral.BodyNone, strings.Repeat("9", referral.OtherRegistrationLimit+1), "", "Registration number must be 30 characters or fewer"},

		// No body, or one we do not know.
		{"", "1234567", "", "Select who the registration is with"},
		{"gmc ", "1234567", "", "Select who the registration is with"},
		{"GMC", "1234567", "", "Select who the registration is with"},
	}
	for _, c := range cases {
		got, err := referral.ValidateRegistration(c.body, c.in)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s %q: unexpected error %q", c.body, c.in, err)
		case c.wantErr != "" && (err == nil || err.Error() != c.wantErr):
			t.Errorf("%s %q: error %v, want %q", c.body, c.in, err, c.wantErr)
		case got != c.want:
			t.Errorf("%s %q: got %q, want %q", c.body, c.in, got, c.want)
		}
		var ve referral.ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Errorf("%s %q: error is %T, want a ValidationError so handlers can show it", c.body, c.in, err)
		}
	}
}

// Every body people can pick has a rule, so none falls through to "Select who
// the registration is with".
func TestEveryBodyHasARule(t *testing.T) {
	for _, b := range referral.RegistrationBodies {
		_, err := referral.ValidateRegistration(b.Value, "")
		if err != nil && strings.HasPrefix(err.Error(), "Select") {
			t.Errorf("%s has no rule", b.Value)
		}
	}
}
