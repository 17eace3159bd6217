package workshops

import (
	"crypto/rand"
	"strconv"
	"strings"
	"time"
)

// checkInAlphabet is the check-in code's letters and digits, without the
// ones people confuse on a screen (0 and O, 1 and I).
const checkInAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// CheckInCodeLength is how long a new check-in code is.
const CheckInCodeLength = 6

// NewCheckInCode returns a short random code for self check-in, in
// uppercase letters and digits that cannot be mistaken for each other.
func NewCheckInCode() string {
	var b [CheckInCodeLength]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("workshops: no randomness: " + err.Error())
	}
	out := make([]byte, len(b))
	for i, v := range b {
		// 256 is a multiple of 32, so every letter is equally likely.
		out[i] = checkInAlphabet[int(v)%len(checkInAlphabet)]
	}
	return string(out)
}

// MaxSlug is the longest a workshop's slug may be (the CHECK on workshops).
const MaxSlug = 100

var ukZone = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// SlugBase is a workshop's public address made from its title and the UK
// date it starts, such as "career-planning-2027-01-12". It never holds
// anything but those, so no personal data reaches a URL. SlugWith adds the
// number that makes it unique.
func SlugBase(title string, start time.Time) string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			cur.WriteRune(r)
		case r == '\'' || r == '\u2019':
			// "Trainee's" reads as "trainees".
		default:
			flush()
		}
	}
	flush()
	date := start.In(ukZone).Format("2006-01-02")
	// Room for the date and a "-NN" suffix.
	limit := MaxSlug - len(date) - 1 - 4
	var b strings.Builder
	for _, w := range words {
		if b.Len()+len(w)+1 > limit {
			if b.Len() == 0 {
				b.WriteString(w[:limit])
			}
			break
		}
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(w)
	}
	if b.Len() == 0 {
		b.WriteString("workshop")
	}
	return b.String() + "-" + date
}

// SlugWith is base for the first event to use it and base-2, base-3 ...
// for the ones after (n counts from 1).
func SlugWith(base string, n int) string {
	if n <= 1 {
		return base
	}
	return base + "-" + strconv.Itoa(n)
}

// TimeChange says why an event that runs from start to end may not be
// given the time newStart to newEnd now, and on which field ("start" or
// "end"); "" when it may. Once an event has started, its time is what
// people checked in, were marked and gave feedback against: it stays.
// Before that, a new start must be in the future, as for a new event (an
// event moved into the past would open its register and feedback at once).
func TimeChange(start, end, newStart, newEnd, now time.Time) (field, msg string) {
	if newStart.IsZero() || newEnd.IsZero() || (newStart.Equal(start) && newEnd.Equal(end)) {
		return "", ""
	}
	field = "start"
	if newStart.Equal(start) {
		field = "end"
	}
	if !now.Before(start) {
		return field, "The event has started, so its time cannot change. To run it again, copy it"
	}
	if !newStart.After(now) {
		return "start", "The start must be in the future"
	}
	return "", ""
}
