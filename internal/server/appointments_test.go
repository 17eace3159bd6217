package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"careers/internal/booking"
	"careers/internal/jobs"
	"careers/internal/policy"
	"careers/internal/store"
)

// allocated sets up a referral allocated to coach with an allowance,
// whose trainee is signed in.
func allocated(t *testing.T, ts *testServer, ref, email string, coach int64, sessions int) (*browser, int64) {
	t.Helper()
	ctx := context.Background()
	ts.MustReferral(t, ref, email, "", 0, coach)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'allocated', trainee_name = 'Tam Trainee' WHERE reference = $1 RETURNING id`, ref).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AddAllowance(ctx, id, "granted", sessions, 0, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	b := ts.NewBrowser(t)
	b.SignInPublic(t, email)
	return b, id
}

func mustSlots(t *testing.T, ts *testServer, coach int64, starts ...time.Time) {
	t.Helper()
	var slots []store.NewSlot
	for _, s := range starts {
		slots = append(slots, store.NewSlot{Start: s, End: s.Add(time.Hour), Mode: "virtual", Place: "Video link sent by email"})
	}
	if n, err := ts.store.AddSlots(context.Background(), coach, slots); err != nil || n != len(starts) {
		t.Fatalf("slots: %d %v", n, err)
	}
}

var slotRe = regexp.MustCompile(`name="slot" type="radio" value="(\d+)"`)

func used(t *testing.T, ts *testServer, id int64) (granted, usedN int) {
	s, err := ts.store.ReferralStateByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s.SessionsGranted, s.SessionsUsed
}

// invites returns the calendar attachments sent to address, parsed.
func invites(t *testing.T, ts *testServer, address string) []*ics.Calendar {
	t.Helper()
	var out []*ics.Calendar
	for _, m := range ts.mail.To(t, address) {
		for _, a := range m.Attachments {
			if !strings.HasPrefix(a.ContentType, "text/calendar") {
				continue
			}
			full, err := ts.store.MailboxAttachment(context.Background(), m.ID, a.Position)
			if err != nil {
				t.Fatal(err)
			}
			cal, err := ics.ParseCalendar(bytes.NewReader(full.Content))
			if err != nil {
				t.Fatalf("invitation does not parse: %v", err)
			}
			out = append(out, cal)
		}
	}
	return out
}

func prop(c *ics.Calendar, p ics.ComponentProperty) string {
	if ev := c.Events(); len(ev) > 0 {
		if v := ev[0].GetProperty(p); v != nil {
			return v.Value
		}
	}
	return ""
}

func TestBookingAndTheTwentyFourHourRule(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	now := ts.clock.Now().Truncate(time.Hour)
	far := now.Add(72 * time.Hour)
	soon := now.Add(20 * time.Hour)
	mustSlots(t, ts, coach.ID, far, far.Add(2*time.Hour), soon)
	trainee, id := allocated(t, ts, "CR-BOOK-2345", "tam@example.com", coach.ID, 3)

	page := trainee.Get(t, "/your-referrals/CR-BOOK-2345")
	if !strings.Contains(page.Body, "Book a session") || !strings.Contains(page.Body, "3 granted, 0 used or booked, 3 left") || !strings.Contains(page.Body, "24 hours") {
		t.Fatal("the trainee's page lacks booking, allowance or the rule")
	}
	// The page opens on the first day with times (the one 20 hours away);
	// the other two are offered on their day (slotOn fails the test if
	// not).
	book := trainee.Get(t, "/your-referrals/CR-BOOK-2345/book")
	if slotAt(t, ts, book.Body, soon) == "" || !strings.Contains(book.Body, "24 hours") {
		t.Fatal("the booking page does not open on the time 20 hours away, or lacks the rule")
	}
	farSlot := slotOn(t, ts, trainee, "/your-referrals/CR-BOOK-2345/book", far)
	slotOn(t, ts, trainee, "/your-referrals/CR-BOOK-2345/book", far.Add(2*time.Hour))
	if p := trainee.Post(t, "/your-referrals/CR-BOOK-2345/book", url.Values{"slot": {farSlot}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book: %d %s", p.Status, errorSummary(p.Body))
	}
	if _, u := used(t, ts, id); u != 1 {
		t.Fatalf("used %d after booking", u)
	}
	if s := state(t, ts, "CR-BOOK-2345"); s.Status != "active" {
		t.Errorf("status %s after the first booking", s.Status)
	}
	cals := invites(t, ts, "tam@example.com")
	if len(cals) != 1 || len(invites(t, ts, "coach@example.nhs.uk")) != 1 {
		t.Fatalf("invitations: %d to the trainee", len(cals))
	}
	uid := prop(cals[0], ics.ComponentPropertyUniqueId)
	if uid == "" || prop(cals[0], ics.ComponentPropertySequence) != "0" || !strings.Contains(string(cals[0].Serialize()), "METHOD:REQUEST") {
		t.Errorf("booking invitation: uid %q sequence %q", uid, prop(cals[0], ics.ComponentPropertySequence))
	}
	if dt := cals[0].Events()[0].GetProperty(ics.ComponentPropertyDtStart); dt == nil || dt.ICalParameters["TZID"][0] != "Europe/London" {
		t.Error("DTSTART is not in Europe/London")
	}

	// Cancelling 72 hours ahead: in time, the session comes back.
	var apptID int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1 AND status = 'booked'`, id).Scan(&apptID); err != nil {
		t.Fatal(err)
	}
	cancelURL := "/your-referrals/CR-BOOK-2345/appointments/" + strconv.FormatInt(apptID, 10) + "/cancel"
	if g := trainee.Get(t, cancelURL); !strings.Contains(g.Body, "you keep the session") {
		t.Error("an in-time cancellation page does not say the session is kept")
	}
	if p := trainee.Post(t, cancelURL, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", p.Status)
	}
	if _, u := used(t, ts, id); u != 0 {
		t.Errorf("used %d after an in-time cancellation", u)
	}
	cals = invites(t, ts, "tam@example.com")
	last := cals[len(cals)-1]
	if prop(last, ics.ComponentPropertyUniqueId) != uid || prop(last, ics.ComponentPropertySequence) != "1" || !strings.Contains(string(last.Serialize()), "METHOD:CANCEL") {
		t.Errorf("cancellation invitation: uid %q sequence %q", prop(last, ics.ComponentPropertyUniqueId), prop(last, ics.ComponentPropertySequence))
	}

	// The session 20 hours away: cancelling is late, needs a reason, forfeits.
	if p := trainee.Post(t, "/your-referrals/CR-BOOK-2345/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/CR-BOOK-2345/book", soon)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book soon: %d", p.Status)
	}
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1 AND status = 'booked'`, id).Scan(&apptID); err != nil {
		t.Fatal(err)
	}
	cancelURL = "/your-referrals/CR-BOOK-2345/appointments/" + strconv.FormatInt(apptID, 10) + "/cancel"
	if g := trainee.Get(t, cancelURL); !strings.Contains(g.Body, "less than 24 hours") {
		t.Error("a late cancellation page does not warn")
	}
	if p := trainee.Post(t, cancelURL, nil); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Tell us why") {
		t.Fatalf("late cancel without a reason: %d", p.Status)
	}
	if p := trainee.Post(t, cancelURL, url.Values{"reason": {"On call cover."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("late cancel: %d", p.Status)
	}
	if g, u := used(t, ts, id); g != 3 || u != 1 {
		t.Errorf("after a late cancellation: granted %d used %d, want 3 and 1", g, u)
	}
	// A coordinator gives the session back.
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	if p := c.Post(t, "/staff/appointments/"+strconv.FormatInt(apptID, 10)+"/waive", url.Values{"waive-" + strconv.FormatInt(apptID, 10): {"Clinical emergency."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("waive: %d", p.Status)
	}
	if _, u := used(t, ts, id); u != 0 {
		t.Errorf("used %d after the waiver", u)
	}

	// The coach cancels inside 24 hours: the trainee keeps the session.
	coachB := ts.NewBrowser(t)
	coachB.SignInStaff(t, coach.Email, "")
	trainee.Post(t, "/your-referrals/CR-BOOK-2345/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/CR-BOOK-2345/book", far.Add(2*time.Hour))}})
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1 AND status = 'booked'`, id).Scan(&apptID); err != nil {
		t.Fatal(err)
	}
	ts.clock.Advance(60 * time.Hour) // now inside 24 hours of it
	if p := coachB.Post(t, "/staff/appointments/"+strconv.FormatInt(apptID, 10)+"/cancel", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("coach cancel: %d", p.Status)
	}
	if _, u := used(t, ts, id); u != 0 {
		t.Errorf("a coach's cancellation cost the trainee: used %d", u)
	}
}

// A session the trainee misses counts as used unless waived; attendance
// is recorded once it has started.
func TestMissedSessionCountsAsUsed(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	start := ts.clock.Now().Truncate(time.Hour).Add(48 * time.Hour)
	mustSlots(t, ts, coach.ID, start)
	trainee, id := allocated(t, ts, "CR-MISS-2345", "miss@example.com", coach.ID, 2)
	slot := slotRe.FindStringSubmatch(trainee.Get(t, "/your-referrals/CR-MISS-2345/book").Body)[1]
	trainee.Post(t, "/your-referrals/CR-MISS-2345/book", url.Values{"slot": {slot}})
	var apptID int64
	if err := ts.pool.QueryRow(context.Background(), `SELECT id FROM appointments WHERE referral_id = $1`, id).Scan(&apptID); err != nil {
		t.Fatal(err)
	}
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	att := "/staff/appointments/" + strconv.FormatInt(apptID, 10) + "/attendance"
	if p := cb.Post(t, att, url.Values{"attended": {"no"}}); p.Status != http.StatusConflict {
		t.Errorf("attendance before the start: %d", p.Status)
	}
	ts.clock.Advance(49 * time.Hour)
	if p := cb.Post(t, att, url.Values{"attended": {"no"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("not attended: %d", p.Status)
	}
	if _, u := used(t, ts, id); u != 1 {
		t.Errorf("a missed session: used %d, want 1", u)
	}
	// The trainee cannot change a past session.
	if p := trainee.Post(t, "/your-referrals/CR-MISS-2345/appointments/"+strconv.FormatInt(apptID, 10)+"/cancel", nil); p.Status != http.StatusConflict {
		t.Errorf("cancel a missed session: %d", p.Status)
	}
}

// Booking waits for Form D funding on a Case Manager referral, and people
// see only their own sessions.
func TestBookingNeedsFundingAndAccess(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	other := ts.MustStaff(t, "other@example.nhs.uk", policy.Coach)
	start := ts.clock.Now().Truncate(time.Hour).Add(48 * time.Hour)
	mustSlots(t, ts, coach.ID, start)
	trainee, id := allocated(t, ts, "CR-FDNB-2345", "fd@example.com", coach.ID, 2)
	if _, err := ts.pool.Exec(context.Background(), `UPDATE referrals SET route = 'case_manager', form_d_status = 'requested' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if p := trainee.Get(t, "/your-referrals/CR-FDNB-2345"); !strings.Contains(p.Body, "funding your Case Manager asked for is approved") || strings.Contains(p.Body, `href="/your-referrals/CR-FDNB-2345/book"`) {
		t.Error("booking offered before funding is approved")
	}
	var firstSlot int64
	if err := ts.pool.QueryRow(context.Background(), `SELECT id FROM availability_slots WHERE coach_id = $1`, coach.ID).Scan(&firstSlot); err != nil {
		t.Fatal(err)
	}
	trainee.Post(t, "/your-referrals/CR-FDNB-2345/book", url.Values{"slot": {strconv.FormatInt(firstSlot, 10)}})
	var n int
	if err := ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM appointments WHERE referral_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("a booking was made before funding was approved")
	}
	if _, err := ts.pool.Exec(context.Background(), `UPDATE referrals SET form_d_status = 'approved' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	slot := slotRe.FindStringSubmatch(trainee.Get(t, "/your-referrals/CR-FDNB-2345/book").Body)[1]
	if p := trainee.Post(t, "/your-referrals/CR-FDNB-2345/book", url.Values{"slot": {slot}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book after approval: %d", p.Status)
	}
	var apptID int64
	if err := ts.pool.QueryRow(context.Background(), `SELECT id FROM appointments WHERE referral_id = $1`, id).Scan(&apptID); err != nil {
		t.Fatal(err)
	}
	// Another trainee cannot touch it; another coach cannot either.
	stranger, _ := allocated(t, ts, "CR-STRA-2345", "stranger@example.com", other.ID, 1)
	if p := stranger.Get(t, "/your-referrals/CR-FDNB-2345/appointments/"+strconv.FormatInt(apptID, 10)+"/cancel"); p.Status != http.StatusNotFound {
		t.Errorf("another trainee's session: %d", p.Status)
	}
	ob := ts.NewBrowser(t)
	ob.SignInStaff(t, other.Email, "")
	if p := ob.Post(t, "/staff/appointments/"+strconv.FormatInt(apptID, 10)+"/cancel", nil); p.Status != http.StatusNotFound {
		t.Errorf("another coach cancelling: %d", p.Status)
	}
}

// slotOn is the ID of the free time starting at when, as the booking page
// at bookPath offers it on its day (the week starting that day).
func slotOn(t *testing.T, ts *testServer, b *browser, bookPath string, when time.Time) string {
	t.Helper()
	return slotAt(t, ts, b.Get(t, bookPath+"?from="+booking.DateOf(when).String()).Body, when)
}

// slotAt finds, on a booking page, the offered slot that starts at when.
func slotAt(t *testing.T, ts *testServer, body string, when time.Time) string {
	t.Helper()
	for _, m := range slotRe.FindAllStringSubmatch(body, -1) {
		var starts time.Time
		if err := ts.pool.QueryRow(context.Background(), `SELECT starts_at FROM availability_slots WHERE id = $1`, m[1]).Scan(&starts); err != nil {
			t.Fatal(err)
		}
		if starts.Equal(when) {
			return m[1]
		}
	}
	t.Fatalf("no slot at %v offered", when)
	return ""
}

// A reminder goes 48 hours before a session, once.
func TestAppointmentReminder(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, coach.ID, start)
	trainee, _ := allocated(t, ts, "CR-REMI-2345", "remind@example.com", coach.ID, 2)
	trainee.Post(t, "/your-referrals/CR-REMI-2345/book", url.Values{"slot": {slotRe.FindStringSubmatch(trainee.Get(t, "/your-referrals/CR-REMI-2345/book").Body)[1]}})
	remind := func() int {
		n, err := jobs.SendAppointmentReminders(context.Background(), ts.pool, mustURL(t, "http://127.0.0.1:8080"), ts.clock.Now(), 10)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := remind(); n != 0 {
		t.Fatalf("%d reminders 72 hours ahead", n)
	}
	ts.clock.Advance(25 * time.Hour)
	if n := remind(); n != 1 {
		t.Fatalf("%d reminders 47 hours ahead", n)
	}
	if n := remind(); n != 0 {
		t.Fatal("reminded twice")
	}
	found := false
	for _, m := range ts.mail.To(t, "remind@example.com") {
		found = found || strings.HasPrefix(m.Subject, "Reminder: your careers support session")
	}
	if !found {
		t.Error("no reminder email")
	}
}
