package booking_test

import (
	"errors"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"

	"careers/internal/booking"
)

func TestCheckVideoLink(t *testing.T) {
	good := map[string]string{
		"": "",
		"https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%22Tid%22%7d": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%22Tid%22%7d",
		"  https://zoom.us/j/123456789?pwd=abc  ":                                                          "https://zoom.us/j/123456789?pwd=abc",
		"HTTPS://NHS.AttendAnywhere.org/w/clinic/waiting-area":                                             "https://nhs.attendanywhere.org/w/clinic/waiting-area",
		"https://video.example.nhs.uk:8443/room/4":                                                         "https://video.example.nhs.uk:8443/room/4",
	}
	for in, want := range good {
		got, err := booking.CheckVideoLink(in)
		if err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]error{
		"javascript:alert(document.cookie)":               booking.ErrLinkNotHTTPS,
		"JavaScript://zoom.us/%0aalert(1)":                booking.ErrLinkNotHTTPS,
		"data:text/html;base64,PHNjcmlwdD4=":              booking.ErrLinkNotHTTPS,
		"http://zoom.us/j/123":                            booking.ErrLinkNotHTTPS,
		"zoom.us/j/123":                                   booking.ErrLinkNotHTTPS,
		"//zoom.us/j/123":                                 booking.ErrLinkNotHTTPS,
		"ftp://zoom.us/j/123":                             booking.ErrLinkNotHTTPS,
		"https://":                                        booking.ErrLinkNoHost,
		"https:///path":                                   booking.ErrLinkNoHost,
		"https://localhost/room":                          booking.ErrLinkNoHost,
		"https://192.168.0.1/room":                        booking.ErrLinkNoHost,
		"https://[::1]/room":                              booking.ErrLinkNoHost,
		"https://zoom..us/j/1":                            booking.ErrLinkNoHost,
		"https://zoom_us.com/j/1":                         booking.ErrLinkNoHost,
		"https:zoom.us/j/1":                               booking.ErrLinkMalformed,
		"https://user:secret@zoom.us/j/1":                 booking.ErrLinkMalformed,
		"https://zoom.us/j/1 onclick=alert(1)":            booking.ErrLinkMalformed,
		"https://zoom.us/j/1\"><script>":                  booking.ErrLinkMalformed,
		"https://zoom.us/j/1\r\nURL:https://evil.example": booking.ErrLinkMalformed,
		"https://zoom.us/" + strings.Repeat("a", 500):     booking.ErrLinkTooLong,
	}
	for in, want := range bad {
		if got, err := booking.CheckVideoLink(in); !errors.Is(err, want) {
			t.Errorf("%q: got %q, %v; want %v", in, got, err, want)
		}
	}
}

func TestCheckPhone(t *testing.T) {
	for in, want := range map[string]string{"": "", " 020 7946  0958 ": "020 7946 0958", "+44 (0)20 7946-0958": "+44 (0)20 7946-0958", "07700900982": "07700900982"} {
		if got, err := booking.CheckPhone(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"0207", "call me", "+44 20 7946 0958 ext 4", "020+7946 0958", "1234567890123456"} {
		if _, err := booking.CheckPhone(in); !errors.Is(err, booking.ErrPhoneInvalid) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// A video call's invitation carries its link three ways: LOCATION (every
// calendar), URL, and an RFC 7986 CONFERENCE with FEATURE=VIDEO (a join
// button); a bad link carries none.
func TestInviteCarriesTheVideoLink(t *testing.T) {
	inv := sampleInvite(t)
	link := "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%7d&x=1,2;3"
	j := booking.Joining{Mode: booking.ModeVirtual, VideoLink: link}
	inv.Location, inv.VideoLink = j.Location(), j.VideoLink
	_, ev := MustParseICS(t, inv.ICS())
	if got := eventProp(t, ev, ics.ComponentPropertyLocation).Value; got != link {
		t.Errorf("LOCATION %q", got)
	}
	if got := eventProp(t, ev, ics.ComponentPropertyUrl).Value; got != link {
		t.Errorf("URL %q", got)
	}
	conf := eventProp(t, ev, ics.ComponentProperty("CONFERENCE"))
	if conf.Value != link || conf.ICalParameters["VALUE"][0] != "URI" || conf.ICalParameters["FEATURE"][0] != "VIDEO" {
		t.Errorf("CONFERENCE %q %v", conf.Value, conf.ICalParameters)
	}

	for _, badLink := range []string{"javascript:alert(1)", "http://zoom.us/j/1", "https://zoom.us/j/1\r\nATTENDEE:mailto:x@example.org"} {
		inv.VideoLink = badLink
		_, ev := MustParseICS(t, inv.ICS())
		if len(ev.GetProperties(ics.ComponentPropertyUrl)) != 0 || len(ev.GetProperties(ics.ComponentProperty("CONFERENCE"))) != 0 ||
			len(ev.GetProperties(ics.ComponentPropertyAttendee)) != 1 {
			t.Errorf("%q made it into the invitation", badLink)
		}
	}
}

// Each way of meeting says who does what.
func TestJoiningWords(t *testing.T) {
	phone := booking.Joining{Mode: booking.ModeTelephone, Phone: "020 7946 0958"}
	if s := phone.ForTrainee(); !strings.Contains(s, "your coach will call you") || !strings.Contains(s, "020 7946 0958") {
		t.Errorf("telephone, trainee: %q", s)
	}
	if s := phone.ForCoach(); !strings.Contains(s, "you call the trainee") {
		t.Errorf("telephone, coach: %q", s)
	}
	if s := (booking.Joining{Mode: booking.ModeInPerson, Place: "Room 4, Stewart House"}).ForTrainee(); !strings.Contains(s, "Room 4, Stewart House") {
		t.Errorf("in person: %q", s)
	}
	if s := (booking.Joining{Mode: booking.ModeVirtual}).ForCoach(); !strings.Contains(s, "not set a video link") {
		t.Errorf("video, no link: %q", s)
	}
}

// A session's own link wins, then a link typed as its time's place, then
// the coach's default; nothing unchecked becomes a link.
func TestNewJoiningPrecedence(t *testing.T) {
	const own, place, def = "https://zoom.us/j/1", "https://teams.microsoft.com/l/x", "https://nhs.attendanywhere.org/w/y"
	cases := []struct {
		place, ownLink, link, want string
	}{
		{place, own, own, own},
		{place, "", def, place},
		{"Teams", "", def, def},
		{"", "", "", ""},
		{"javascript:alert(1)", "", "", ""},
		{"", "", "http://zoom.us/j/1", ""},
	}
	for _, c := range cases {
		if got := booking.NewJoining(booking.ModeVirtual, c.place, c.ownLink, c.link, "").VideoLink; got != c.want {
			t.Errorf("place %q own %q link %q: %q, want %q", c.place, c.ownLink, c.link, got, c.want)
		}
	}
	if j := booking.NewJoining(booking.ModeInPerson, "Room 4", "", def, ""); j.VideoLink != "" || j.Place != "Room 4" {
		t.Errorf("in person: %+v", j)
	}
	for s, want := range map[string]bool{"Teams": false, "Room 4, Stewart House": false, "https://zoom.us": true, "www.zoom.us": true,
		"JavaScript:alert(1)": true, "data:text/html,x": true, "http://x": true} {
		if booking.LooksLikeLink(s) != want {
			t.Errorf("LooksLikeLink(%q) = %v", s, !want)
		}
	}
}
