package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"careers/internal/jobs"
	"careers/internal/policy"
)

const (
	teamsLink = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_joining%40thread.v2/0"
	zoomLink  = "https://zoom.us/j/987654321"
)

// mustCoachProfile saves a coach's profile through their own form.
func mustCoachProfile(t *testing.T, cb *browser, link, phone string) {
	t.Helper()
	p := cb.Post(t, "/staff/coach/profile", url.Values{"modes": {"virtual", "telephone"}, "capacity": {"8"}, "specialisms": {"surgery"},
		"video_link": {link}, "phone": {phone}})
	if p.Status != http.StatusSeeOther || p.Location != "/staff/coach" {
		t.Fatalf("profile: %d %q %s", p.Status, p.Location, errorSummary(p.Body))
	}
}

// The coach keeps their own profile: bad input comes back with an error
// summary, each message by its field and the values kept; a good one is
// saved and audited. Links other than https ones to a named host are refused.
func TestCoachEditsTheirProfile(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")

	home := cb.Get(t, "/staff/coach")
	if !strings.Contains(home.Body, `href="/staff/coach/profile"`) || !strings.Contains(home.Body, "Add your video link") {
		t.Fatal("the coach's home does not lead to their profile or ask for a video link")
	}
	form := cb.Get(t, "/staff/coach/profile")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `name="video_link"`) || !strings.Contains(form.Body, `name="phone"`) {
		t.Fatalf("profile form: %d", form.Status)
	}
	for _, bad := range []struct{ link, want string }{
		{"javascript:alert(document.cookie)", "starts with https://"},
		{"http://zoom.us/j/1", "starts with https://"},
		{"data:text/html,<script>alert(1)</script>", "starts with https://"},
		{"https://localhost/x", "full video link"},
		{"", "Enter the link trainees use"},
	} {
		p := cb.Post(t, "/staff/coach/profile", url.Values{"modes": {"virtual"}, "capacity": {"lots"}, "specialisms": {"leaving medicine, surgery"},
			"background": {"Ten years."}, "video_link": {bad.link}, "phone": {"call me"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%q: %d", bad.link, p.Status)
		}
		sum := errorSummary(p.Body)
		if !strings.Contains(sum, bad.want) || !strings.Contains(sum, "whole number from 0 to 200") || !strings.Contains(sum, "telephone number") {
			t.Errorf("%q: summary %q", bad.link, sum)
		}
		if !strings.Contains(p.Body, `href="#video_link"`) || !strings.Contains(p.Body, "leaving medicine, surgery") || !strings.Contains(p.Body, "Ten years.") ||
			!strings.Contains(p.Body, `value="lots"`) || !strings.Contains(p.Body, `value="call me"`) {
			t.Errorf("%q: the values typed were not kept", bad.link)
		}
		if strings.Contains(p.Body, `href="javascript:`) || strings.Contains(p.Body, `href="data:`) {
			t.Errorf("%q became a link", bad.link)
		}
	}
	var n int
	if err := ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM coach_profiles WHERE user_id = $1`, coach.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("a refused profile was saved")
	}
	if p := cb.Post(t, "/staff/coach/profile", url.Values{"capacity": {"5"}, "video_link": {zoomLink}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(errorSummary(p.Body), "Select at least one way of meeting") {
		t.Errorf("no modes: %d", p.Status)
	}

	mustCoachProfile(t, cb, " "+teamsLink+" ", "020 7946 0958")
	mustCoachProfile(t, cb, teamsLink, "020 7946 0958") // again: the same, no harm
	var link, phone string
	var capacity int
	if err := ts.pool.QueryRow(context.Background(), `SELECT video_link, phone, capacity FROM coach_profiles WHERE user_id = $1`, coach.ID).Scan(&link, &phone, &capacity); err != nil {
		t.Fatal(err)
	}
	if link != teamsLink || phone != "020 7946 0958" || capacity != 8 {
		t.Errorf("saved %q %q %d", link, phone, capacity)
	}
	if err := ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'coach_profile_changed' AND actor_id = $1`, coach.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d audit rows for the coach's own changes", n)
	}
	if home := cb.Get(t, "/staff/coach"); strings.Contains(home.Body, "Add your video link") || !strings.Contains(home.Body, "Your profile is saved") {
		t.Error("the home still asks for a video link, or does not confirm the save")
	}
	// An admin's change of the profile keeps the coach's link.
	admin := ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	ab := ts.NewBrowser(t)
	ab.SignInStaff(t, admin.Email, "")
	if p := ab.Post(t, "/staff/admin/users/"+strconvI(coach.ID)+"/coach-profile", url.Values{"modes": {"virtual"}, "capacity": {"3"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("admin save: %d %s", p.Status, errorSummary(p.Body))
	}
	if err := ts.pool.QueryRow(context.Background(), `SELECT video_link FROM coach_profiles WHERE user_id = $1`, coach.ID).Scan(&link); err != nil {
		t.Fatal(err)
	}
	if link != teamsLink {
		t.Errorf("the admin's save lost the link: %q", link)
	}
}

// A video session's link is on the trainee's page and the coach's (a real
// link), in both emails and in the invitation (LOCATION, URL, CONFERENCE);
// coordinators see it; the supervisor and the Case Manager who referred
// do not. A session's own link replaces the default and sends an updated
// invitation (same UID, SEQUENCE + 1).
func TestJoiningDetailsReachOnlyTheTwoPeopleAndTheUnit(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	coord := ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	mustCoachProfile(t, cb, teamsLink, "020 7946 0958")

	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, coach.ID, start)
	const ref = "CR-JOIN-2345"
	trainee, id := allocated(t, ts, ref, "join@example.com", coach.ID, 2)
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET referrer_email = 'sup@example.org', case_manager_id = $2 WHERE id = $1`, id, cm.ID); err != nil {
		t.Fatal(err)
	}
	if p := trainee.Post(t, "/your-referrals/"+ref+"/book", url.Values{"slot": {slotRe.FindStringSubmatch(trainee.Get(t, "/your-referrals/"+ref+"/book").Body)[1]}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book: %d %s", p.Status, errorSummary(p.Body))
	}
	var apptID int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1`, id).Scan(&apptID); err != nil {
		t.Fatal(err)
	}

	href := `href="` + teamsLink + `"`
	if p := trainee.Get(t, "/your-referrals/"+ref); !strings.Contains(p.Body, href) || !strings.Contains(p.Body, "Join the video call") {
		t.Error("the trainee's page has no link to join")
	}
	if p := cb.Get(t, "/staff/referrals/"+ref); !strings.Contains(p.Body, href) {
		t.Error("the coach's referral page has no link to join")
	}
	if p := cb.Get(t, "/staff/coach"); !strings.Contains(p.Body, "In the next 7 days") || !strings.Contains(p.Body, href) {
		t.Error("the coach's home does not list the session with its link")
	}
	co := ts.NewBrowser(t)
	co.SignInStaff(t, coord.Email, "")
	if p := co.Get(t, "/staff/referrals/"+ref); !strings.Contains(p.Body, href) {
		t.Error("the unit does not see the link")
	}
	cmb := ts.NewBrowser(t)
	cmb.SignInStaff(t, cm.Email, "")
	if p := cmb.Get(t, "/staff/referrals/"+ref); p.Status != http.StatusOK || strings.Contains(p.Body, "teams.microsoft.com") {
		t.Errorf("the Case Manager who referred: %d, link shown %v", p.Status, strings.Contains(p.Body, "teams.microsoft.com"))
	}
	sup := ts.NewBrowser(t)
	sup.SignInPublic(t, "sup@example.org")
	if p := sup.Get(t, "/your-referrals/"+ref); p.Status != http.StatusOK || strings.Contains(p.Body, "teams.microsoft.com") {
		t.Errorf("the supervisor who referred: %d, link shown %v", p.Status, strings.Contains(p.Body, "teams.microsoft.com"))
	}
	for _, to := range []string{"join@example.com", coach.Email} {
		var found bool
		for _, m := range ts.mail.To(t, to) {
			found = found || strings.Contains(m.Text, teamsLink)
		}
		if !found {
			t.Errorf("the booking email to %s has no link", to)
		}
		cals := invites(t, ts, to)
		if len(cals) != 1 {
			t.Fatalf("%d invitations to %s", len(cals), to)
		}
		ev := cals[0].Events()[0]
		conf := ev.GetProperty(ics.ComponentProperty("CONFERENCE"))
		if prop(cals[0], ics.ComponentPropertyLocation) != teamsLink || prop(cals[0], ics.ComponentPropertyUrl) != teamsLink ||
			conf == nil || conf.Value != teamsLink || conf.ICalParameters["FEATURE"][0] != "VIDEO" {
			t.Errorf("the invitation to %s lacks the link: %s", to, cals[0].Serialize())
		}
	}
	for _, to := range []string{"sup@example.org", cm.Email} {
		for _, m := range ts.mail.To(t, to) {
			if strings.Contains(m.Text, "teams.microsoft.com") {
				t.Errorf("an email to the referrer %s carries the link: %s", to, m.Subject)
			}
		}
	}

	// This session gets its own link; the other coach cannot change it.
	jp := "/staff/appointments/" + strconv.FormatInt(apptID, 10) + "/joining"
	if p := cb.Get(t, "/staff/referrals/"+ref); !strings.Contains(p.Body, `href="`+jp+`"`) {
		t.Error("the coach's referral page does not offer to change how to join")
	}
	if p := cb.Post(t, jp, url.Values{"video_link": {"javascript:alert(1)"}, "phone": {""}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(errorSummary(p.Body), "https://") || !strings.Contains(p.Body, `value="javascript:alert(1)"`) {
		t.Errorf("a javascript: link for one session: %d", p.Status)
	}
	if p := cb.Post(t, jp, url.Values{"video_link": {zoomLink}}); p.Status != http.StatusSeeOther {
		t.Fatalf("a session's own link: %d %s", p.Status, errorSummary(p.Body))
	}
	// (The page also lists the emails sent to the trainee, whose text may
	// name the link in force when each was sent; only the session's own
	// link is a link to follow.)
	if p := trainee.Get(t, "/your-referrals/"+ref); !strings.Contains(p.Body, `href="`+zoomLink+`"`) || strings.Contains(p.Body, `href="`+teamsLink) {
		t.Error("the trainee's page does not show the session's own link")
	}
	cals := invites(t, ts, "join@example.com")
	last := cals[len(cals)-1]
	if len(cals) != 2 || prop(last, ics.ComponentPropertyUrl) != zoomLink || prop(last, ics.ComponentPropertySequence) != "1" ||
		prop(last, ics.ComponentPropertyUniqueId) != prop(cals[0], ics.ComponentPropertyUniqueId) {
		t.Errorf("updated invitation: %d invitations, URL %q, SEQUENCE %q", len(cals), prop(last, ics.ComponentPropertyUrl), prop(last, ics.ComponentPropertySequence))
	}
	other := ts.MustStaff(t, "other@example.nhs.uk", policy.Coach)
	ob := ts.NewBrowser(t)
	ob.SignInStaff(t, other.Email, "")
	if p := ob.Post(t, jp, url.Values{"video_link": {"https://evil.example.com/x"}}); p.Status != http.StatusNotFound {
		t.Errorf("another coach changing the link: %d", p.Status)
	}
}

// Telephone sessions say who calls whom: the coach calls the trainee; the
// trainee gets the coach's number in case the call does not come.
func TestTelephoneSessionSaysWhoCalls(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	mustCoachProfile(t, cb, teamsLink, "020 7946 0958")
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, coach.ID, start)
	if _, err := ts.pool.Exec(ctx, `UPDATE availability_slots SET mode = 'telephone', place = '' WHERE coach_id = $1`, coach.ID); err != nil {
		t.Fatal(err)
	}
	trainee, _ := allocated(t, ts, "CR-TELE-2345", "tele@example.com", coach.ID, 1)
	trainee.Post(t, "/your-referrals/CR-TELE-2345/book", url.Values{"slot": {slotRe.FindStringSubmatch(trainee.Get(t, "/your-referrals/CR-TELE-2345/book").Body)[1]}})
	if p := trainee.Get(t, "/your-referrals/CR-TELE-2345"); !strings.Contains(p.Body, "your coach will call you") || !strings.Contains(p.Body, "020 7946 0958") {
		t.Error("the trainee's page does not say the coach calls")
	}
	msgs := ts.mail.To(t, coach.Email)
	if last := msgs[len(msgs)-1]; !strings.Contains(strings.Join(strings.Fields(last.Text), " "), "you call the trainee") {
		t.Errorf("the coach's email does not say they call: %s", last.Text)
	}
}

// Reminders go to the trainee and the coach at each offset, once, with the
// joining details and a link to change the session; a cancelled session
// gets none, a moved one gets them for its new time.
func TestRemindersAtEachOffsetOnce(t *testing.T) {
	t.Parallel()
	// The second booking below is made 3.5 hours ahead: inside the default
	// 12-hour notice, so this test books under a shorter one.
	ts := MustServer(t, nil, nil, map[string]string{"BOOKING_MIN_NOTICE": "1h"})
	// The session is at 10am (UTC, 10 or 11am in the UK), so the 2-hour
	// reminder goes the same morning and says "today" whatever the hour
	// the test runs at: from a session at 1am it went the evening before.
	now := ts.clock.Now()
	ten := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, time.UTC)
	if !ten.After(now) {
		ten = ten.AddDate(0, 0, 1)
	}
	ts.clock.Advance(ten.Sub(now))
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	mustCoachProfile(t, cb, teamsLink, "")
	start := ts.clock.Now().Truncate(time.Hour).Add(72 * time.Hour)
	mustSlots(t, ts, coach.ID, start, start.Add(3*time.Hour))
	trainee, id := allocated(t, ts, "CR-RMND-2345", "rmnd@example.com", coach.ID, 2)
	trainee.Post(t, "/your-referrals/CR-RMND-2345/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/CR-RMND-2345/book", start)}})
	offsets := []time.Duration{48 * time.Hour, 2 * time.Hour}
	remind := func() int {
		t.Helper()
		n, err := jobs.SendAppointmentRemindersAt(ctx, ts.pool, mustURL(t, "https://careers.example.nhs.uk"), offsets, ts.clock.Now(), 50)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	reminders := func(to string) []string {
		var out []string
		for _, m := range ts.mail.To(t, to) {
			if strings.HasPrefix(m.Subject, "Reminder:") {
				out = append(out, m.Text)
			}
		}
		return out
	}
	if n := remind(); n != 0 {
		t.Fatalf("%d reminders 72 hours ahead", n)
	}
	ts.clock.Advance(25 * time.Hour) // 47 hours ahead
	if n := remind(); n != 1 {
		t.Fatalf("%d reminders 47 hours ahead", n)
	}
	if n := remind(); n != 0 {
		t.Fatalf("the 48-hour reminder went twice")
	}
	tr, co := reminders("rmnd@example.com"), reminders(coach.Email)
	if len(tr) != 1 || len(co) != 1 {
		t.Fatalf("%d reminders to the trainee, %d to the coach", len(tr), len(co))
	}
	if !strings.Contains(tr[0], teamsLink) || !strings.Contains(tr[0], "https://careers.example.nhs.uk/your-referrals/CR-RMND-2345") ||
		!strings.Contains(tr[0], "keep the session") || !strings.Contains(co[0], teamsLink) ||
		!regexp.MustCompile(`https://careers\.example\.nhs\.uk/your-referrals/CR-RMND-2345/appointments/\d+/rearrange`).MatchString(tr[0]) ||
		!regexp.MustCompile(`https://careers\.example\.nhs\.uk/your-referrals/CR-RMND-2345/appointments/\d+/cancel`).MatchString(tr[0]) {
		t.Errorf("the 48-hour reminders lack the link, the way to change, or the rule:\n%s\n%s", tr[0], co[0])
	}
	ts.clock.Advance(45*time.Hour + 30*time.Minute) // 90 minutes ahead
	if n := remind(); n != 1 {
		t.Fatalf("%d reminders 90 minutes ahead", n)
	}
	if n := remind(); n != 0 {
		t.Fatal("the 2-hour reminder went twice")
	}
	if tr = reminders("rmnd@example.com"); len(tr) != 2 || !strings.Contains(tr[1], "less than 24 hours") || !strings.Contains(tr[1], "today") {
		t.Errorf("2-hour reminder: %d, %q", len(tr), tr[len(tr)-1])
	}

	// Moved to a new time (as a rearrangement that keeps the appointment
	// does): reminded again for the new time, once.
	var apptID int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1`, id).Scan(&apptID); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(ctx, `UPDATE appointments SET starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour' WHERE id = $1`, apptID); err != nil {
		t.Fatal(err)
	}
	if n := remind(); n != 1 {
		t.Fatalf("%d reminders after the session moved", n)
	}
	if n := remind(); n != 0 {
		t.Fatal("the moved session was reminded twice")
	}

	// A second session, cancelled: nothing.
	if _, err := ts.pool.Exec(ctx, `UPDATE appointments SET status = 'attended' WHERE id = $1`, apptID); err != nil {
		t.Fatal(err)
	}
	trainee.Post(t, "/your-referrals/CR-RMND-2345/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/CR-RMND-2345/book", start.Add(3*time.Hour))}})
	var second int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM appointments WHERE referral_id = $1 AND status = 'booked'`, id).Scan(&second); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(ctx, `UPDATE appointments SET created_at = created_at - interval '3 days' WHERE id = $1`, second); err != nil {
		t.Fatal(err)
	}
	if p := trainee.Post(t, "/your-referrals/CR-RMND-2345/appointments/"+strconv.FormatInt(second, 10)+"/cancel", url.Values{"reason": {"Ill."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", p.Status, errorSummary(p.Body))
	}
	if n := remind(); n != 0 {
		t.Fatalf("%d reminders for a cancelled session", n)
	}
}

// A session booked inside a reminder's window gets only the reminders
// still to come (its confirmation has just gone).
func TestNoLateReminderForASessionBookedInsideTheWindow(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	start := ts.clock.Now().Truncate(time.Hour).Add(30 * time.Hour)
	mustSlots(t, ts, coach.ID, start)
	trainee, _ := allocated(t, ts, "CR-LATE-2345", "late@example.com", coach.ID, 1)
	trainee.Post(t, "/your-referrals/CR-LATE-2345/book", url.Values{"slot": {slotRe.FindStringSubmatch(trainee.Get(t, "/your-referrals/CR-LATE-2345/book").Body)[1]}})
	remind := func() int {
		n, err := jobs.SendAppointmentRemindersAt(context.Background(), ts.pool, mustURL(t, "http://127.0.0.1:8080"), []time.Duration{48 * time.Hour, 2 * time.Hour}, ts.clock.Now(), 50)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := remind(); n != 0 {
		t.Fatalf("%d reminders right after booking 30 hours ahead", n)
	}
	ts.clock.Advance(28*time.Hour + 30*time.Minute)
	if n := remind(); n != 1 {
		t.Fatalf("%d reminders 90 minutes ahead", n)
	}
}

// The morning after a session whose attendance is not recorded, its coach
// is emailed once; the home lists it to record, and recording it from
// there brings the coach back home.
func TestAttendanceRequestTheNextMorning(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	london, _ := time.LoadLocation("Europe/London")
	// A session at 2pm yesterday (London), whatever the test clock says.
	now := ts.clock.Now().In(london)
	yesterday := time.Date(now.Year(), now.Month(), now.Day()-1, 14, 0, 0, 0, london)
	ts.MustReferral(t, "CR-ATTN-2345", "attn@example.com", "", 0, coach.ID)
	var id, slot, appt int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active', trainee_name = 'Ada Attend' WHERE reference = 'CR-ATTN-2345' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ts.store.AddAllowance(ctx, id, "granted", 2, 0, "", time.Now())
	ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
		coach.ID, yesterday, yesterday.Add(time.Hour)).Scan(&slot)
	ts.pool.QueryRow(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, booked_by, created_at)
		VALUES ($1, $2, $3, $4, $5, 'virtual', 'trainee', $6) RETURNING id`, id, slot, coach.ID, yesterday, yesterday.Add(time.Hour), yesterday.Add(-72*time.Hour)).Scan(&appt)
	ts.store.AddAllowance(ctx, id, "booked", 1, 0, "", time.Now())

	ask := func(at time.Time) int {
		t.Helper()
		n, err := jobs.SendAttendanceRequests(ctx, ts.pool, mustURL(t, "https://careers.example.nhs.uk"), at, 50)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, london)
	if n := ask(yesterday.Add(3 * time.Hour)); n != 0 {
		t.Fatalf("%d requests the same evening", n)
	}
	if n := ask(today.Add(7 * time.Hour)); n != 0 {
		t.Fatalf("%d requests before 8am", n)
	}
	if n := ask(today.Add(8 * time.Hour)); n != 1 {
		t.Fatalf("%d requests at 8am", n)
	}
	if n := ask(today.Add(9 * time.Hour)); n != 0 {
		t.Fatal("asked twice")
	}
	if n := ask(today.Add(32 * time.Hour)); n != 0 {
		t.Fatal("asked again the next day")
	}
	msgs := ts.mail.To(t, coach.Email)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "CR-ATTN-2345") || !strings.Contains(msgs[0].Text, "https://careers.example.nhs.uk/staff/coach#to-record") ||
		strings.Contains(msgs[0].Text, "Ada Attend") {
		t.Fatalf("request email: %d messages %v", len(msgs), msgs)
	}

	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	home := cb.Get(t, "/staff/coach")
	if !strings.Contains(home.Body, "/staff/appointments/"+strconv.FormatInt(appt, 10)+"/attendance") {
		t.Fatal("the home does not offer to record the session")
	}
	p := cb.Post(t, "/staff/appointments/"+strconv.FormatInt(appt, 10)+"/attendance", url.Values{"attended": {"yes"}, "back": {"home"}})
	if p.Status != http.StatusSeeOther || p.Location != "/staff/coach" {
		t.Fatalf("recording from home: %d %q", p.Status, p.Location)
	}
	home = cb.Follow(t, p)
	if !strings.Contains(home.Body, "Attendance recorded") || strings.Contains(home.Body, "/attendance\"") ||
		!strings.Contains(home.Body, "/staff/appointments/"+strconv.FormatInt(appt, 10)+"/confirm") {
		t.Error("after recording: the session should leave the list to record and wait to be confirmed")
	}
	if !strings.Contains(home.Body, "Ada Attend") || !strings.Contains(home.Body, "1 session without a summary") {
		t.Error("the clients table lacks the client or their summary status")
	}
}

// A video time's own link, typed as its place in the calendar, is checked
// when entered and used for a session booked at that time instead of the
// coach's default.
func TestATimesOwnVideoLink(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")
	mustCoachProfile(t, cb, teamsLink, "")
	day := ts.clock.Now().AddDate(0, 0, 5).Format("2006-01-02")
	single := func(place string) page {
		return cb.Post(t, "/staff/calendar/single", url.Values{"date": {day}, "single_start": {"10:00"}, "single_length": {"60"},
			"single_mode": {"virtual"}, "single_place": {place}})
	}
	for _, bad := range []string{"javascript:alert(1)", "http://zoom.us/j/1", "https://localhost/x"} {
		if p := single(bad); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `href="#single_place"`) {
			t.Errorf("%q as a time's link: %d", bad, p.Status)
		}
	}
	if p := single(zoomLink); p.Status != http.StatusSeeOther {
		t.Fatalf("a time with its own link: %d %s", p.Status, errorSummary(p.Body))
	}
	trainee, _ := allocated(t, ts, "CR-SLOT-2345", "slot@example.com", coach.ID, 1)
	trainee.Post(t, "/your-referrals/CR-SLOT-2345/book", url.Values{"slot": {slotRe.FindStringSubmatch(trainee.Get(t, "/your-referrals/CR-SLOT-2345/book").Body)[1]}})
	if p := trainee.Get(t, "/your-referrals/CR-SLOT-2345"); !strings.Contains(p.Body, `href="`+zoomLink+`"`) || strings.Contains(p.Body, teamsLink) {
		t.Error("the session does not use its time's own link")
	}
	cals := invites(t, ts, "slot@example.com")
	if len(cals) != 1 || prop(cals[0], ics.ComponentPropertyUrl) != zoomLink {
		t.Errorf("the invitation does not carry the time's link")
	}
}
