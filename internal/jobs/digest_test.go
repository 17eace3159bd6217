package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/jobs"
	"careers/internal/mail/mailtest"
	"careers/internal/store"
)

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, london)
}

func mustStaff(tb testing.TB, pool *pgxpool.Pool, email, name string, roles []string, active bool) int64 {
	tb.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `
		INSERT INTO staff_users (email, name, roles, active) VALUES ($1, $2, $3, $4) RETURNING id`,
		email, name, roles, active).Scan(&id); err != nil {
		tb.Fatalf("insert staff user: %v", err)
	}
	return id
}

type referralRow struct {
	ref, route, status         string
	submitted                  time.Time
	confirmed, firstResponseAt *time.Time
}

func mustReferrals(tb testing.TB, pool *pgxpool.Pool, rows ...referralRow) {
	tb.Helper()
	for _, r := range rows {
		if _, err := pool.Exec(context.Background(), `
			INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, submitted_at, confirmed_at, first_response_at)
			VALUES ($1, $2, $3, 'A Trainee', 'trainee@example.org', $4, $5, $6)`,
			r.ref, r.route, r.status, r.submitted, r.confirmed, r.firstResponseAt); err != nil {
			tb.Fatalf("insert referral %s: %v", r.ref, err)
		}
	}
}

func ptr(t time.Time) *time.Time { return &t }

var baseURL = func() *url.URL { u, _ := url.Parse("https://careers.example.nhs.uk"); return u }()

// The referral fixtures around "today", Tuesday 10 March 2026 in London.
// The deadline is 14 calendar days after the clock starts.
func deadlineFixtures(tb testing.TB, pool *pgxpool.Pool) {
	tb.Helper()
	mustReferrals(tb, pool,
		// Self-referral, deadline Friday 13 March: exactly 3 days left. Listed.
		referralRow{ref: "CS-3DAYS", route: "self", status: "new", submitted: at(2026, 2, 27, 10, 0)},
		// Deadline Saturday 14 March: 4 days left. Not listed.
		referralRow{ref: "CS-4DAYS", route: "self", status: "new", submitted: at(2026, 2, 28, 10, 0)},
		// Submitted one minute before midnight in London: its day counts.
		// Deadline Saturday 14 March, 4 days left. Not listed.
		referralRow{ref: "CS-LATE-NIGHT", route: "self", status: "new", submitted: at(2026, 2, 28, 23, 59)},
		// Deadline Friday 6 March: passed. Listed.
		referralRow{ref: "CS-PAST", route: "self", status: "new", submitted: at(2026, 2, 20, 9, 0)},
		// Deadline today. Listed.
		referralRow{ref: "CS-TODAY", route: "case_manager", status: "new", submitted: at(2026, 2, 1, 9, 0), confirmed: ptr(at(2026, 2, 24, 0, 1))},
		// Past its deadline but already responded to. Not listed.
		referralRow{ref: "CS-ANSWERED", route: "self", status: "info_requested", submitted: at(2026, 2, 20, 9, 0), firstResponseAt: ptr(at(2026, 3, 1, 9, 0))},
		// Still "new" but with a first response recorded. Not listed.
		referralRow{ref: "CS-RESPONDED", route: "self", status: "new", submitted: at(2026, 2, 20, 9, 0), firstResponseAt: ptr(at(2026, 3, 2, 9, 0))},
		// Third-party referral the trainee has not confirmed: no clock yet,
		// however old. Not listed.
		referralRow{ref: "CS-UNCONFIRMED", route: "supervisor", status: "awaiting_trainee", submitted: at(2026, 1, 5, 9, 0)},
		// Third-party referral submitted long ago but confirmed on 26
		// February: the clock runs from the confirmation, deadline Thursday
		// 12 March. Listed.
		referralRow{ref: "CS-CONFIRMED", route: "supervisor", status: "new", submitted: at(2026, 1, 5, 9, 0), confirmed: ptr(at(2026, 2, 26, 15, 0))},
		// Withdrawn. Not listed.
		referralRow{ref: "CS-WITHDRAWN", route: "self", status: "withdrawn", submitted: at(2026, 2, 20, 9, 0)},
	)
}

func TestDeadlineDigestListsTheRightReferralsOncePerDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	st := store.New(pool)
	alex := mustStaff(t, pool, "alex.coordinator@psu.example.nhs.uk", "Alex Coordinator", []string{"coordinator"}, true)
	sam := mustStaff(t, pool, "sam@psu.example.nhs.uk", "Sam Both", []string{"coach", "coordinator"}, true)
	mustStaff(t, pool, "gone@psu.example.nhs.uk", "Former Coordinator", []string{"coordinator"}, false)
	mustStaff(t, pool, "coach@psu.example.nhs.uk", "Only A Coach", []string{"coach"}, true)
	deadlineFixtures(t, pool)

	now := at(2026, 3, 10, 7, 5)
	n, err := jobs.EnqueueDeadlineDigests(ctx, pool, baseURL, now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("queued %d digests, want 2 (the active coordinators)", n)
	}
	if c := count(t, pool, `SELECT count(*) FROM notifications`); c != 2 {
		t.Fatalf("%d notifications recorded, want 2", c)
	}
	for _, who := range []struct {
		id    int64
		email string
	}{{alex, "alex.coordinator@psu.example.nhs.uk"}, {sam, "sam@psu.example.nhs.uk"}} {
		d, err := st.NotificationByKey(ctx, fmt.Sprintf("deadline_digest:%d:2026-03-10", who.id))
		if err != nil {
			t.Fatalf("digest for %s: %v", who.email, err)
		}
		if d.Kind != "deadline_digest" || len(d.To) != 1 || d.To[0].Email != who.email || d.ReferralID != nil {
			t.Errorf("digest = %+v", d)
		}
		if d.Subject != "Response deadlines: 1 overdue, 3 due within 3 days" {
			t.Errorf("subject = %q", d.Subject)
		}
		// Listed, earliest deadline first.
		last := -1
		for _, ref := range []string{"CS-PAST", "CS-TODAY", "CS-CONFIRMED", "CS-3DAYS"} {
			i := strings.Index(d.Text, ref+" ")
			if i < 0 {
				t.Errorf("%s not listed:\n%s", ref, d.Text)
				continue
			}
			if i < last {
				t.Errorf("%s out of deadline order:\n%s", ref, d.Text)
			}
			last = i
			if !strings.Contains(d.HTML, ref) {
				t.Errorf("%s not in the HTML part", ref)
			}
		}
		for _, ref := range []string{"CS-4DAYS", "CS-LATE-NIGHT", "CS-ANSWERED", "CS-RESPONDED", "CS-UNCONFIRMED", "CS-WITHDRAWN"} {
			if strings.Contains(d.Text, ref) || strings.Contains(d.HTML, ref) {
				t.Errorf("%s listed but should not be", ref)
			}
		}
		for _, want := range []string{
			"the deadline was Friday 6 March 2026, 4 days ago", "respond by Tuesday 10 March 2026 (today)",
			"respond by Thursday 12 March 2026 (in 2 days)", "respond by Friday 13 March 2026 (in 3 days)",
			"https://careers.example.nhs.uk/staff/referrals",
		} {
			if !strings.Contains(strings.Join(strings.Fields(d.Text), " "), want) {
				t.Errorf("text part lacks %q:\n%s", want, d.Text)
			}
		}
		if strings.Contains(d.Text, "A Trainee") || strings.Contains(d.HTML, "trainee@example.org") {
			t.Error("the digest names the trainee")
		}
	}

	// Later the same day: nothing new.
	if n, err := jobs.EnqueueDeadlineDigests(ctx, pool, baseURL, at(2026, 3, 10, 22, 30), slog.New(slog.DiscardHandler)); err != nil || n != 0 {
		t.Errorf("second run the same day queued %d (%v), want 0", n, err)
	}
	if c := count(t, pool, `SELECT count(*) FROM notifications`); c != 2 {
		t.Errorf("%d notifications after a second run the same day, want 2", c)
	}
	// The next day is a new digest (4 days left has become 3).
	if n, err := jobs.EnqueueDeadlineDigests(ctx, pool, baseURL, at(2026, 3, 11, 7, 0), slog.New(slog.DiscardHandler)); err != nil || n != 2 {
		t.Errorf("next day queued %d (%v), want 2", n, err)
	}
	next, err := st.NotificationByKey(ctx, fmt.Sprintf("deadline_digest:%d:2026-03-11", alex))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(next.Text, "CS-4DAYS") || !strings.Contains(next.Text, "CS-LATE-NIGHT") {
		t.Errorf("next day's digest lacks the referrals now 3 days from their deadline:\n%s", next.Text)
	}
}

func TestDeadlineDigestSendsNothingWhenNothingIsDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := MustDB(t)
	mustStaff(t, pool, "alex.coordinator@psu.example.nhs.uk", "Alex Coordinator", []string{"coordinator"}, true)
	mustReferrals(t, pool,
		referralRow{ref: "CS-4DAYS", route: "self", status: "new", submitted: at(2026, 2, 28, 10, 0)},
		referralRow{ref: "CS-ANSWERED", route: "self", status: "accepted", submitted: at(2026, 2, 1, 9, 0), firstResponseAt: ptr(at(2026, 2, 3, 9, 0))},
	)
	n, err := jobs.EnqueueDeadlineDigests(ctx, pool, baseURL, at(2026, 3, 10, 7, 5), slog.New(slog.DiscardHandler))
	if err != nil || n != 0 {
		t.Errorf("queued %d (%v), want 0", n, err)
	}
	if c := count(t, pool, `SELECT count(*) FROM notifications`); c != 0 {
		t.Errorf("%d notifications recorded for an empty digest", c)
	}
}

// The periodic job end to end: a client starting on the morning of the day
// runs the digest (River's periodic job, run at start) and its messages
// arrive; before the digest hour nothing is sent.
func TestDeadlineDigestRunsAsAPeriodicJob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		now  time.Time
		want int
	}{
		{"after the digest hour", at(2026, 3, 10, 9, 30), 2},
		{"before the digest hour", at(2026, 3, 10, 6, 59), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool := MustDB(t)
			mustStaff(t, pool, "alex.coordinator@psu.example.nhs.uk", "Alex Coordinator", []string{"coordinator"}, true)
			mustStaff(t, pool, "sam@psu.example.nhs.uk", "Sam Coordinator", []string{"coordinator"}, true)
			deadlineFixtures(t, pool)
			srv := mailtest.Start(t)
			MustStartClient(t, pool, MustSMTPSender(t, srv), jobs.WithClock(func() time.Time { return tc.now }))

			Eventually(t, 15*time.Second, "the digest job to run", func() (bool, error) {
				return count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'deadline_digest' AND state = 'completed'`) > 0, nil
			})
			Eventually(t, 10*time.Second, "the digests to be delivered", func() (bool, error) {
				return count(t, pool, `SELECT count(*) FROM notifications WHERE status <> 'sent'`) == 0, nil
			})
			if c := count(t, pool, `SELECT count(*) FROM notifications WHERE kind = 'deadline_digest'`); c != tc.want {
				t.Fatalf("%d digests recorded, want %d", c, tc.want)
			}
			// Other periodic jobs (reminders to trainees) may mail too:
			// count the digests.
			var got []mailtest.Received
			for _, m := range srv.Messages() {
				if strings.HasPrefix(m.Get("Subject"), "Response deadlines:") {
					got = append(got, m)
				}
			}
			if len(got) != tc.want {
				t.Fatalf("%d digests arrived, want %d", len(got), tc.want)
			}
			for _, m := range got {
				if !strings.Contains(m.Text, "CS-PAST") {
					t.Errorf("digest %q:\n%s", m.Get("Subject"), m.Text)
				}
			}
		})
	}
}
