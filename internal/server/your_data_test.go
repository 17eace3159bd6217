package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"careers/internal/policy"
	"careers/internal/store"
)

// richReferral gives a referral something in every table that hangs off
// it, each piece carrying marker so a test can find it in an export.
func richReferral(t *testing.T, ts *testServer, ref, email, marker string, coach, cm int64) int64 {
	t.Helper()
	ctx := context.Background()
	ts.MustReferral(t, ref, email, "", cm, coach)
	var id int64
	if err := ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'active', trainee_name = $2,
		answers = jsonb_build_object('hopes', jsonb_build_array($3::text)), registration_number = $4
		WHERE reference = $1 RETURNING id`, ref, "Name "+marker, "Hopes "+marker, "GMC"+marker).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.AddAllowance(ctx, id, "granted", 3, 0, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		// A kind of entry the trainee reads in full (policy's audience table:
		// a note's entry is internal, and not in their own download).
		`INSERT INTO referral_events (referral_id, kind, actor_kind, detail) VALUES ($1, 'info_answered', 'system', 'Event ' || $2)`,
		`INSERT INTO referral_notes (referral_id, at, author_id, body) VALUES ($1, now(), ` + strconv.FormatInt(coach, 10) + `, 'Note ' || $2)`,
		`INSERT INTO info_requests (referral_id, question, asked_by, asked_at, answer, answered_at) VALUES ($1, 'Question ' || $2, ` + strconv.FormatInt(coach, 10) + `, now(), 'Answer ' || $2, now())`,
		`INSERT INTO documents (kind, referral_id, filename, content_type, size, sha256, content) VALUES ('form_c', $1, 'form-c-' || $2 || '.pdf', 'application/pdf', 9, sha256('%PDF-1.4 '::bytea), convert_to('Doc ' || $2, 'UTF8'))`,
		`INSERT INTO notifications (key, kind, referral_id, recipients, subject, body_text, body_html, status, sent_at) VALUES ('k' || $2, 'test', $1,
			jsonb_build_array(jsonb_build_object('name', 'T', 'email', '` + email + `')), 'Subject ' || $2, 'Body ' || $2, '<p>Body</p>', 'sent', now())`,
	} {
		if _, err := ts.pool.Exec(ctx, q, id, marker); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// A past time of the coach's not yet used.
	start := ts.clock.Now().Add(-48 * time.Hour).Truncate(time.Hour)
	if err := ts.pool.QueryRow(ctx, `SELECT coalesce(min(starts_at) - interval '2 hours', $2) FROM availability_slots WHERE coach_id = $1`,
		coach, start).Scan(&start); err != nil {
		t.Fatal(err)
	}
	var slot, appt int64
	if err := ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
		coach, start, start.Add(time.Hour)).Scan(&slot); err != nil {
		t.Fatal(err)
	}
	if err := ts.pool.QueryRow(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, status, booked_by, place)
		VALUES ($1, $2, $3, $4, $5, 'virtual', 'attended', 'trainee', 'Room ' || $6) RETURNING id`, id, slot, coach, start, start.Add(time.Hour), marker).Scan(&appt); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(ctx, `INSERT INTO summaries (appointment_id, referral_id, self_awareness, submitted_at) VALUES ($1, $2, 'Summary ' || $3, now())`,
		appt, id, marker); err != nil {
		t.Fatal(err)
	}
	return id
}

// The export holds all of one trainee's data, and nothing of anyone else's.
func TestTraineeDataExport(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	richReferral(t, ts, "CS-MINE-0001", "mine@example.com", "MINE1", coach.ID, cm.ID)
	richReferral(t, ts, "CS-MINE-0002", "mine@example.com", "MINE2", coach.ID, 0)
	richReferral(t, ts, "CS-THEM-0003", "them@example.com", "THEIRS", coach.ID, cm.ID)
	// A referral "mine@" made for someone else: only their own part shows.
	ts.MustReferral(t, "SR-MADE-0004", "other@example.com", "mine@example.com", 0, 0)
	if _, err := ts.pool.Exec(context.Background(), `UPDATE referrals SET trainee_name = 'Secret OTHERTRAINEE', referrer_name = 'Me Referrer' WHERE reference = 'SR-MADE-0004'`); err != nil {
		t.Fatal(err)
	}

	// A sign-in link still queued (the mail server is down), and a message
	// to two people.
	if _, err := ts.pool.Exec(context.Background(), `INSERT INTO notifications (key, kind, recipients, subject, body_text, body_html, status, failed_at, sent_at)
		VALUES ('link-mine', 'sign_in_link', '[{"name":"","email":"mine@example.com"}]', 'Your sign-in link',
			'Sign in: http://127.0.0.1/sign-in/link?token=LIVEtoken123abc', '<p>x</p>', 'failed', now(), NULL),
		('both', 'test', '[{"name":"A","email":"mine@example.com"},{"name":"B","email":"them@example.com"}]', 'Shared message',
			'Body shared', '<p>x</p>', 'sent', NULL, now())`); err != nil {
		t.Fatal(err)
	}

	// A coordinator looks at the first referral: the trainee sees that.
	coord := ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	staffB := ts.NewBrowser(t)
	staffB.SignInStaff(t, coord.Email, "")
	if p := staffB.Get(t, "/staff/referrals/CS-MINE-0001"); p.Status != http.StatusOK {
		t.Fatalf("staff view: %d", p.Status)
	}

	b := ts.NewBrowser(t)
	b.SignInPublic(t, "mine@example.com")
	page := b.Get(t, "/your-data")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "2 referrals for you") || !strings.Contains(page.Body, "/your-data/download.json") {
		t.Fatalf("your data page: %d\n%.2000s", page.Status, page.Body)
	}

	j := b.Get(t, "/your-data/download.json")
	if j.Status != http.StatusOK || !strings.HasPrefix(j.Header.Get("Content-Disposition"), "attachment;") ||
		j.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(j.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("json download: %d %v", j.Status, j.Header)
	}
	var d store.SubjectData
	if err := json.Unmarshal([]byte(j.Body), &d); err != nil {
		t.Fatalf("json: %v", err)
	}
	if len(d.Referrals) != 2 || len(d.AsReferrer) != 1 || d.AsReferrer[0].Reference != "SR-MADE-0004" {
		t.Fatalf("referrals %d, made for others %d", len(d.Referrals), len(d.AsReferrer))
	}
	for i, r := range d.Referrals {
		if len(r.Documents) != 1 || string(r.Documents[0].Content) != "Doc MINE"+strconv.Itoa(i+1) || len(r.Appointments) != 1 ||
			len(r.Summaries) != 1 || len(r.Questions) != 1 || len(r.Allowance) != 1 || len(r.Timeline) != 1 {
			t.Errorf("referral %s is missing parts: %+v", r.Reference, r)
		}
		// The team's internal notes are for a request through an admin.
		if len(r.Notes) != 0 {
			t.Errorf("referral %s: the self-service download has the staff notes", r.Reference)
		}
	}
	if !d.NotesLeftOut {
		t.Error("the download does not say the notes were left out")
	}
	// Every marker of mine, in both formats; nothing of theirs.
	h := b.Get(t, "/your-data/download.html")
	if h.Status != http.StatusOK || !strings.Contains(h.Header.Get("Content-Disposition"), ".html") {
		t.Fatalf("html download: %d %v", h.Status, h.Header)
	}
	for _, body := range []string{j.Body, h.Body} {
		for _, m := range []string{"MINE1", "MINE2"} {
			for _, want := range []string{"Name " + m, "Hopes " + m, "GMC" + m, "Event " + m, "Question " + m, "Answer " + m,
				"form-c-" + m, "Room " + m, "Summary " + m, "Subject " + m, "Body " + m, "Shared message", "Your sign-in link"} {
				if !strings.Contains(body, want) {
					t.Errorf("the export lacks %q", want)
				}
			}
		}
		for _, never := range []string{"THEIRS", "them@example.com", "OTHERTRAINEE", "other@example.com", "Note MINE", "LIVEtoken123abc"} {
			if strings.Contains(body, never) {
				t.Errorf("the export holds someone else's %q", never)
			}
		}
		if !strings.Contains(body, "Staff: ") || !strings.Contains(body, coord.Name) {
			t.Error("the export does not say which staff member viewed the referral")
		}
	}
	// The download itself is audited, without the address.
	var n int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'export_own_data' AND actor_email = 'mine@example.com'
		AND record_type = 'personal_data' AND record_id = 'mine@example.com' AND detail LIKE '%CS-MINE-0001%' AND detail NOT LIKE '%@%'`).Scan(&n)
	if n != 2 {
		t.Errorf("%d audited exports, want 2", n)
	}
	// Without signing in, nothing.
	if p := ts.NewBrowser(t).Get(t, "/your-data/download.json"); p.Status != http.StatusSeeOther {
		t.Errorf("anonymous download: %d", p.Status)
	}
}

// An admin produces the same data for a request made another way; the
// address goes in the form, never the URL.
func TestAdminDataRequest(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	admin := ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	richReferral(t, ts, "CS-MINE-0001", "mine@example.com", "MINE1", coach.ID, 0)
	richReferral(t, ts, "CS-THEM-0003", "them@example.com", "THEIRS", coach.ID, 0)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, admin.Email, "")
	if p := b.Get(t, "/staff/admin/data-requests"); p.Status != http.StatusOK {
		t.Fatalf("form: %d", p.Status)
	}
	bad := b.Post(t, "/staff/admin/data-requests", url.Values{"email": {"not-an-address"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(bad.Body), "correct format") ||
		!strings.Contains(errorSummary(bad.Body), "Select a format") || !strings.Contains(bad.Body, `value="not-an-address"`) {
		t.Errorf("bad request: %d %q", bad.Status, errorSummary(bad.Body))
	}
	none := b.Post(t, "/staff/admin/data-requests", url.Values{"email": {"nobody@example.com"}, "format": {"json"}})
	if none.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(none.Body), "hold nothing") {
		t.Errorf("unknown address: %d %q", none.Status, errorSummary(none.Body))
	}
	got := b.Post(t, "/staff/admin/data-requests", url.Values{"email": {"Mine@Example.com"}, "format": {"json"}})
	if got.Status != http.StatusOK || !strings.Contains(got.Body, "Summary MINE1") || strings.Contains(got.Body, "THEIRS") {
		t.Fatalf("admin export: %d %.300s", got.Status, got.Body)
	}
	// A formal request has the team's notes too.
	if !strings.Contains(got.Body, "Note MINE1") {
		t.Error("the admin's export lacks the staff notes")
	}
	// The lookup that found nothing is audited as well.
	var misses int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'export_personal_data' AND actor_id = $1
		AND record_id = 'nobody@example.com' AND outcome = 'failure'`, admin.ID).Scan(&misses)
	if misses != 1 {
		t.Errorf("%d audited empty lookups", misses)
	}
	// The trainee's own download shows that an admin produced their data.
	tr := ts.NewBrowser(t)
	tr.SignInPublic(t, "mine@example.com")
	var own store.SubjectData
	if err := json.Unmarshal([]byte(tr.Get(t, "/your-data/download.json").Body), &own); err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, x := range own.Access {
		if x.Who == "Staff: "+admin.Name && x.Action == "export_personal_data" {
			seen = true
		}
	}
	if !seen {
		t.Errorf("the trainee's record of access does not show the admin's export: %+v", own.Access)
	}
	var n int
	if err := ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'export_personal_data' AND actor_id = $1 AND detail LIKE '%CS-MINE-0001%'`, admin.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d audited admin exports", n)
	}
	// Other staff may not.
	coord := ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coord.Email, "")
	if p := cb.Post(t, "/staff/admin/data-requests", url.Values{"email": {"mine@example.com"}, "format": {"json"}}); p.Status != http.StatusForbidden {
		t.Errorf("coordinator: %d", p.Status)
	}
}

// Withdrawing cancels future sessions with updated invitations, tells the
// coach, and tells the Case Manager and referrer only as the trainee says.
func TestWithdrawal(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	now := ts.clock.Now().Truncate(time.Hour)
	past, far, farther := now.Add(-72*time.Hour), now.Add(72*time.Hour), now.Add(96*time.Hour)
	mustSlots(t, ts, coach.ID, far, farther)

	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	coordB, cmB := ts.NewBrowser(t), ts.NewBrowser(t)
	coordB.SignInStaff(t, "coord@example.nhs.uk", "")
	cmB.SignInStaff(t, cm.Email, "")
	for _, tc := range []struct {
		ref, email, share string
		toldCM            bool
	}{
		{"CR-WDRA-0001", "yes@example.com", "yes", true},
		{"CR-WDRB-0002", "no@example.com", "no", false},
	} {
		trainee, id := allocated(t, ts, tc.ref, tc.email, coach.ID, 3)
		if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET case_manager_id = $2, referrer_email = 'sup@example.nhs.uk', referrer_name = 'Sam Supervisor' WHERE id = $1`, id, cm.ID); err != nil {
			t.Fatal(err)
		}
		// One session held in the past, two to come.
		var pastSlot int64
		past = past.Add(-2 * time.Hour)
		ts.pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
			coach.ID, past, past.Add(time.Hour)).Scan(&pastSlot)
		ts.pool.Exec(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, status, booked_by) VALUES ($1, $2, $3, $4, $5, 'virtual', 'attended', 'trainee')`,
			id, pastSlot, coach.ID, past, past.Add(time.Hour))
		if tc.share == "yes" {
			for _, when := range []time.Time{far, farther} {
				if p := trainee.Post(t, "/your-referrals/"+tc.ref+"/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/"+tc.ref+"/book", when)}}); p.Status != http.StatusSeeOther {
					t.Fatalf("book: %d %s", p.Status, errorSummary(p.Body))
				}
			}
		}
		before := len(invites(t, ts, tc.email))

		page := trainee.Get(t, "/your-referrals/"+tc.ref)
		if !strings.Contains(page.Body, "/your-referrals/"+tc.ref+"/withdraw") {
			t.Fatal("the trainee's page does not offer withdrawal")
		}
		form := trainee.Get(t, "/your-referrals/"+tc.ref+"/withdraw")
		if form.Status != http.StatusOK || !strings.Contains(form.Body, "your Case Manager") || !strings.Contains(form.Body, "Sam Supervisor") {
			t.Fatalf("withdraw form: %d", form.Status)
		}
		// Who to tell must be answered; the reason is kept on the re-rendered form.
		bad := trainee.Post(t, "/your-referrals/"+tc.ref+"/withdraw", url.Values{"reason": {"Found a new post"}})
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(bad.Body), "Select whether we can tell them") ||
			!strings.Contains(bad.Body, "Found a new post") {
			t.Fatalf("no choice: %d %q", bad.Status, errorSummary(bad.Body))
		}
		if s := state(t, ts, tc.ref); s.Status != "active" && s.Status != "allocated" {
			t.Fatalf("a refused withdrawal changed the status to %s", s.Status)
		}
		done := trainee.Post(t, "/your-referrals/"+tc.ref+"/withdraw", url.Values{"reason": {"Found a new post"}, "share": {tc.share}})
		if done.Status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d %s", done.Status, errorSummary(done.Body))
		}
		// A second submit changes nothing and sends nothing more.
		again := trainee.Post(t, "/your-referrals/"+tc.ref+"/withdraw", url.Values{"share": {tc.share}})
		if again.Status != http.StatusSeeOther {
			t.Errorf("second withdraw: %d", again.Status)
		}
		s := state(t, ts, tc.ref)
		if s.Status != "withdrawn" {
			t.Fatalf("status %s after withdrawal", s.Status)
		}
		var booked, cancelled, attended int
		ts.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'booked'), count(*) FILTER (WHERE status = 'cancelled'),
			count(*) FILTER (WHERE status = 'attended') FROM appointments WHERE referral_id = $1`, id).Scan(&booked, &cancelled, &attended)
		wantCancelled := 0
		if tc.share == "yes" {
			wantCancelled = 2
		}
		if booked != 0 || cancelled != wantCancelled || attended != 1 {
			t.Errorf("%s: booked %d, cancelled %d, attended %d", tc.ref, booked, cancelled, attended)
		}
		var outcome, closed string
		if err := ts.pool.QueryRow(ctx, `SELECT outcome, closed_at::text FROM referrals WHERE id = $1`, id).Scan(&outcome, &closed); err != nil {
			t.Fatal(err)
		}
		if outcome != "withdrew" || closed == "" {
			t.Errorf("outcome %q closed %q", outcome, closed)
		}
		if tc.share == "yes" {
			cals := invites(t, ts, tc.email)
			if len(cals)-before != 2 {
				t.Errorf("%d cancelled invitations to the trainee", len(cals)-before)
			}
			for _, c := range cals[before:] {
				if !strings.Contains(string(c.Serialize()), "METHOD:CANCEL") {
					t.Error("a withdrawal invitation is not a cancellation")
				}
			}
		}
		var toCoach, toCM, toReferrer, toTrainee int
		ts.mail.settle(t)
		ts.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'withdrawn_coach'), count(*) FILTER (WHERE kind = 'withdrawn_case_manager'),
			count(*) FILTER (WHERE kind = 'withdrawn_referrer'), count(*) FILTER (WHERE kind = 'withdrawn_trainee')
			FROM notifications WHERE referral_id = $1`, id).Scan(&toCoach, &toCM, &toReferrer, &toTrainee)
		told := 0
		if tc.toldCM {
			told = 1
		}
		if toCoach != 1 || toTrainee != 1 || toCM != told || toReferrer != told {
			t.Errorf("%s: letters coach %d trainee %d case manager %d referrer %d", tc.ref, toCoach, toTrainee, toCM, toReferrer)
		}
		// Nobody but the team learns why: not in any message, the sessions'
		// record or the timeline, which the Case Manager can read.
		var leaks int
		ts.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM notifications WHERE referral_id = $1 AND body_text LIKE '%new post%')
			+ (SELECT count(*) FROM appointments WHERE referral_id = $1 AND cancel_reason LIKE '%new post%')
			+ (SELECT count(*) FROM referral_events WHERE referral_id = $1 AND detail LIKE '%new post%')`, id).Scan(&leaks)
		if leaks != 0 {
			t.Errorf("%d messages or records the Case Manager can see carry the trainee's reason", leaks)
		}
		if p := cmB.Get(t, "/staff/referrals/"+tc.ref); p.Status != http.StatusOK || strings.Contains(p.Body, "new post") {
			t.Errorf("the Case Manager's view of the referral: %d, shows the reason: %v", p.Status, strings.Contains(p.Body, "new post"))
		}
		// Withdrawing is an outcome ("withdrew"), which a referrer sees only if
		// the trainee agreed (no such agreement is recorded): the Case
		// Manager and the supervisor read that the referral has closed.
		if p := cmB.Get(t, "/staff/referrals/"+tc.ref); strings.Contains(p.Body, "Withdrawn") || !strings.Contains(p.Body, "Closed") {
			t.Errorf("%s: the Case Manager's page says the trainee withdrew, or not that it closed", tc.ref)
		}
		if p := cmB.Get(t, "/staff/case-manager"); strings.Contains(p.Body, "Withdrawn") {
			t.Errorf("%s: the Case Manager's home says the trainee withdrew", tc.ref)
		}
		sup := ts.NewBrowser(t)
		sup.SignInPublic(t, "sup@example.nhs.uk")
		if p := sup.Get(t, "/your-referrals/"+tc.ref); p.Status != http.StatusOK || strings.Contains(p.Body, "Withdrawn") || !strings.Contains(p.Body, "Closed") {
			t.Errorf("%s: the supervisor's page (%d) says the trainee withdrew, or not that it closed", tc.ref, p.Status)
		}
		if p := sup.Get(t, "/your-data/download.json"); strings.Contains(p.Body, `"withdrawn"`) {
			t.Errorf("%s: the supervisor's download says the trainee withdrew", tc.ref)
		}
		if p := coordB.Get(t, "/staff/referrals/"+tc.ref); !strings.Contains(p.Body, "Found a new post") {
			t.Error("the coordinator does not see why the trainee withdrew")
		}
		if p := trainee.Get(t, "/your-referrals/"+tc.ref); strings.Contains(p.Body, "/withdraw\"") {
			t.Error("a withdrawn referral still offers withdrawal")
		}
	}
	// Reopened by a lead and withdrawn again: everyone is told again (the
	// second withdrawal's messages are its own, not the first's).
	var againID int64
	ts.pool.QueryRow(ctx, `UPDATE referrals SET status = 'accepted', closed_at = NULL, outcome = NULL, closing_note = NULL,
		version = version + 1 WHERE reference = 'CR-WDRA-0001' RETURNING id`).Scan(&againID)
	again := ts.NewBrowser(t)
	again.SignInPublic(t, "yes@example.com")
	if p := again.Post(t, "/your-referrals/CR-WDRA-0001/withdraw", url.Values{"share": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("second withdrawal: %d %s", p.Status, errorSummary(p.Body))
	}
	ts.mail.settle(t)
	var trainee2, cm2 int
	ts.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'withdrawn_trainee'), count(*) FILTER (WHERE kind = 'withdrawn_case_manager')
		FROM notifications WHERE referral_id = $1`, againID).Scan(&trainee2, &cm2)
	if trainee2 != 2 || cm2 != 2 {
		t.Errorf("after the second withdrawal: %d letters to the trainee, %d to the Case Manager; want 2 and 2", trainee2, cm2)
	}

	// A referrer cannot withdraw the trainee's referral.
	ref := ts.NewBrowser(t)
	ts.MustReferral(t, "SR-REFR-0003", "t3@example.com", "sup3@example.nhs.uk", 0, 0)
	ref.SignInPublic(t, "sup3@example.nhs.uk")
	if p := ref.Post(t, "/your-referrals/SR-REFR-0003/withdraw", url.Values{}); p.Status != http.StatusForbidden {
		t.Errorf("referrer withdraw: %d", p.Status)
	}
	if s := state(t, ts, "SR-REFR-0003"); s.Status != "new" {
		t.Errorf("a referrer's attempt changed the status to %s", s.Status)
	}
}

// A trainee who tries someone else's reference (typed or guessed) is
// refused and audited, but their own download does not list the refusal:
// it would confirm that the reference exists.
func TestDataExportLeavesOutRefusalsOnOthersRecords(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustReferral(t, "CS-MINE-0101", "mine@example.com", "", 0, 0)
	ts.MustReferral(t, "CS-THEM-0102", "them@example.com", "", 0, 0)
	// One made by mine@ for someone else: refusals on it (a referrer may
	// not withdraw) are about a record they know, and stay.
	ts.MustReferral(t, "SR-MADE-0103", "other@example.com", "mine@example.com", 0, 0)

	b := ts.NewBrowser(t)
	b.SignInPublic(t, "mine@example.com")
	if p := b.Get(t, "/your-referrals/CS-THEM-0102"); p.Status != http.StatusNotFound {
		t.Fatalf("someone else's referral: %d", p.Status)
	}
	if p := b.Get(t, "/your-referrals/CS-MINE-0101"); p.Status != http.StatusOK {
		t.Fatalf("own referral: %d", p.Status)
	}
	var denied int
	ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE actor_email = 'mine@example.com'
		AND record_id = 'CS-THEM-0102' AND outcome = 'denied'`).Scan(&denied)
	if denied == 0 {
		t.Fatal("the refused attempt was not audited (the test needs it to be)")
	}

	page := b.Get(t, "/your-data")
	c, err := ts.store.SubjectCountsFor(context.Background(), "mine@example.com")
	if err != nil {
		t.Fatal(err)
	}
	j := b.Get(t, "/your-data/download.json")
	h := b.Get(t, "/your-data/download.html")
	var d store.SubjectData
	if err := json.Unmarshal([]byte(j.Body), &d); err != nil {
		t.Fatalf("json: %v", err)
	}
	for _, body := range []string{j.Body, h.Body, page.Body} {
		if strings.Contains(body, "CS-THEM-0102") || strings.Contains(body, "THEM") {
			t.Errorf("the download names another person's reference:\n%.3000s", body)
		}
	}
	var sawOwn bool
	for _, a := range d.Access {
		if a.Record == "referral CS-MINE-0101" && a.Who == "You" {
			sawOwn = true
		}
	}
	if !sawOwn {
		t.Errorf("the download lacks the trainee's own view of their referral: %+v", d.Access)
	}
	// The page's count (taken just before the download) agrees with it.
	if c.Access != len(d.Access) {
		t.Errorf("the page counts %d access rows, the download has %d", c.Access, len(d.Access))
	}
}
