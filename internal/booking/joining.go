package booking

import (
	"net/url"
	"strings"
	"unicode"
)

// MaxVideoLink is the longest video link accepted (Teams links run to
// about 250 characters).
const MaxVideoLink = 500

// InputError is a problem with what a coach typed, worded to show by the
// field.
type InputError string

// Error returns the message as it is shown.
func (e InputError) Error() string { return string(e) }

// Errors from CheckVideoLink and CheckPhone.
const (
	ErrLinkTooLong   InputError = "Enter a video link of 500 characters or fewer"
	ErrLinkNotHTTPS  InputError = "Enter a video link that starts with https://, like https://teams.microsoft.com/l/meetup-join/..."
	ErrLinkNoHost    InputError = "Enter the full video link, with the website's name, like https://zoom.us/j/123456789"
	ErrLinkMalformed InputError = "Enter the video link exactly as your video service gives it, with no spaces"
	ErrPhoneInvalid  InputError = "Enter a telephone number, like 020 7946 0958 or +44 20 7946 0958"
)

// CheckVideoLink checks a video-call link typed by a coach and returns it
// cleaned ("" stays "": no link). Only https links to a named host are
// accepted: no javascript:, data: or plain http, no user name or password
// in the link, no spaces or control characters, at most MaxVideoLink
// characters. Any service (Teams, Zoom, Attend Anywhere, ...) is allowed,
// as trusts use different ones.
func CheckVideoLink(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > MaxVideoLink {
		return "", ErrLinkTooLong
	}
	if !strings.HasPrefix(strings.ToLower(s), "https:") {
		return "", ErrLinkNotHTTPS
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' || r == '<' || r == '>' || r == '\\' {
			return "", ErrLinkMalformed
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", ErrLinkMalformed
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return "", ErrLinkNotHTTPS
	}
	if u.Opaque != "" || u.User != nil {
		return "", ErrLinkMalformed
	}
	if !namedHost(u.Hostname()) {
		return "", ErrLinkNoHost
	}
	u.Scheme = "https"
	u.Host = strings.ToLower(u.Host)
	out := u.String()
	if len(out) > MaxVideoLink {
		return "", ErrLinkTooLong
	}
	return out, nil
}

// namedHost reports whether h is a DNS name with at least two labels and
// an alphabetic top-level label (so not an address, not "localhost").
func namedHost(h string) bool {
	labels := strings.Split(strings.ToLower(h), ".")
	if len(labels) < 2 || len(h) > 253 {
		return false
	}
	for i, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			letter := r >= 'a' && r <= 'z'
			if !letter && !(r >= '0' && r <= '9') && r != '-' {
				return false
			}
			if i == len(labels)-1 && !letter {
				return false
			}
		}
	}
	return true
}

// CheckPhone checks a telephone number typed by a coach and returns it
// tidied ("" stays ""): digits with spaces, brackets or hyphens, an
// optional leading +, 10 to 15 digits.
func CheckPhone(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "", nil
	}
	if len(s) > 30 {
		return "", ErrPhoneInvalid
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return "", ErrPhoneInvalid
		}
	}
	if digits < 10 || digits > 15 {
		return "", ErrPhoneInvalid
	}
	return s, nil
}

// LooksLikeLink reports whether text typed as a place is meant as a link
// (so it must pass CheckVideoLink): it names a scheme or starts like a
// web address.
func LooksLikeLink(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Contains(s, "://") || strings.HasPrefix(s, "www.") ||
		strings.HasPrefix(s, "javascript:") || strings.HasPrefix(s, "data:") || strings.HasPrefix(s, "vbscript:") || strings.HasPrefix(s, "http")
}

// NewJoining is how to join a session: for a video call the session's own
// link (ownLink), else a link the coach gave as the time's place, else
// the coach's default (link is the session's own or the default, as the
// store reads it); for a telephone session the coach's number; in person
// the place.
func NewJoining(mode Mode, place, ownLink, link, phone string) Joining {
	j := Joining{Mode: mode, Phone: phone}
	switch mode {
	case ModeVirtual:
		j.VideoLink = link
		if ownLink == "" {
			if l, err := CheckVideoLink(place); err == nil && l != "" {
				j.VideoLink = l
			}
		}
		if l, err := CheckVideoLink(j.VideoLink); err != nil {
			j.VideoLink = "" // never a link that was not checked
		} else {
			j.VideoLink = l
		}
	case ModeInPerson:
		j.Place = place
	}
	return j
}

// Joining is how the two people meet for one appointment.
type Joining struct {
	Mode      Mode
	VideoLink string // the link in force for a video call ("" if the coach has set none)
	Phone     string // the coach's number for a telephone session ("" for none)
	Place     string // the address or room for an in-person session
}

// ForTrainee says, in a sentence or two, how the trainee joins. For a
// telephone session the coach calls the trainee, at the start time, on the
// number the trainee gave with their referral; the coach's own number (if
// set) is for the trainee to call if no call has come.
func (j Joining) ForTrainee() string {
	switch j.Mode {
	case ModeVirtual:
		if j.VideoLink == "" {
			return "Video call: your coach will send you the link before the session."
		}
		return "Video call: join with this link at the start time: " + j.VideoLink
	case ModeTelephone:
		s := "Telephone: your coach will call you at the start time on the phone number you gave us."
		if j.Phone != "" {
			s += " If no call has come 10 minutes after the start, call your coach on " + j.Phone + "."
		}
		return s
	case ModeInPerson:
		if j.Place == "" {
			return "In person: your coach will tell you where."
		}
		return "In person at " + j.Place + "."
	}
	return ""
}

// ForCoach says, in a sentence, how the coach holds the session.
func (j Joining) ForCoach() string {
	switch j.Mode {
	case ModeVirtual:
		if j.VideoLink == "" {
			return "Video call: you have not set a video link. Add one to your profile or to this session, or send it to the trainee."
		}
		return "Video call: " + j.VideoLink
	case ModeTelephone:
		return "Telephone: you call the trainee at the start time on the phone number in their referral."
	case ModeInPerson:
		if j.Place == "" {
			return "In person."
		}
		return "In person at " + j.Place + "."
	}
	return ""
}

// Location is the one-line place for a calendar invitation: the video
// link, a telephone note, or the address.
func (j Joining) Location() string {
	switch j.Mode {
	case ModeVirtual:
		if j.VideoLink != "" {
			return j.VideoLink
		}
		return "Video call (link to follow)"
	case ModeTelephone:
		return "Telephone: the coach calls the trainee"
	case ModeInPerson:
		if j.Place != "" {
			return j.Place
		}
		return "In person"
	}
	return ""
}
