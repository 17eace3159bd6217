package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/auth"
	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/mail"
	"careers/internal/policy"
	"careers/internal/server"
	"careers/internal/store"
	"careers/internal/testdb"
	"careers/web"
)

// mustSupervisorReferral sends a supervisor's referral for traineeEmail
// through the forms and returns its reference (awaiting the trainee).
func mustSupervisorReferral(t *testing.T, ts *testServer, traineeEmail string) string {
	t.Helper()
	sup := ts.NewBrowser(t)
	pages := append([]pageForm{{"referrer", url.Values{"referrer_name": {"Dr Jo Reed"}, "referrer_role": {"educational_supervisor"},
		"referrer_org": {"St Elsewhere"}, "referrer_email": {"jo.reed@example.nhs.uk"}}}}, traineePages(traineeEmail)...)
	pages = append(pages, pageForm{"level-1", url.Values{"level1": {"Two conversations about specialty choice."}, "trainee_knows": {"yes"}}})
	check := fillForm(t, sup, "/refer/supervisor", pages)
	token := draftRe.FindStringSubmatch(check.Body)[1]
	if p := sup.Post(t, "/refer/supervisor/check", url.Values{"draft": {token}}); p.Location != "/refer/supervisor/sent" {
		t.Fatalf("submit: %d %q", p.Status, p.Location)
	}
	var ref string
	if err := ts.pool.QueryRow(context.Background(), `SELECT reference FROM referrals WHERE trainee_email = $1 ORDER BY id DESC LIMIT 1`,
		traineeEmail).Scan(&ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

var confirmConsent = url.Values{"name": {"Priya Shah"}, "mode": {"telephone"}, "phone": {"07700 900123"},
	"consent_privacy": {"yes"}, "consent_contact": {"yes"}}

// docLifetimes reads the table of link lifetimes in docs/security.md.
func docLifetimes(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	row := regexp.MustCompile(`(?m)^\s*\| (staff invitation|password reset|sign-in link|referral status link|referral confirmation) \| ([^|]+) \|`)
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = strings.TrimSpace(m[2])
	}
	return out
}

// Every kind of emailed link lives as long as docs/security.md says, and
// its email says the same.
func TestLinkLifetimesMatchTheDocs(t *testing.T) {
	t.Parallel()
	doc := docLifetimes(t)
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()

	// lifetime reads the newest token of a purpose for an email or user.
	lifetime := func(purpose, where string, arg any) time.Duration {
		t.Helper()
		var d time.Duration
		if err := ts.pool.QueryRow(ctx, `SELECT extract(epoch FROM expires_at - created_at)::bigint * 1000000000 FROM auth_tokens
			WHERE purpose = $1 AND `+where+` ORDER BY id DESC LIMIT 1`, purpose, arg).Scan(&d); err != nil {
			t.Fatalf("%s: %v", purpose, err)
		}
		return d
	}
	check := func(label string, want, got time.Duration, email string) {
		t.Helper()
		text := auth.LifetimeText(want)
		if doc[label] != text {
			t.Errorf("%s: docs/security.md says %q, the product %q", label, doc[label], text)
		}
		if got != want {
			t.Errorf("%s: the link lives %v, want %v", label, got, want)
		}
		msgs := ts.mail.To(t, email)
		if len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Text, text) {
			t.Errorf("%s: the email does not say the link lasts %s", label, text)
		}
	}

	// Staff invitation, by an admin.
	ts.MustStaff(t, "admin@example.nhs.uk", policy.Admin)
	a := ts.NewBrowser(t)
	a.SignInStaff(t, "admin@example.nhs.uk", "")
	if p := a.Post(t, "/staff/admin/users/new", url.Values{"name": {"Nia New"}, "email": {"nia@example.nhs.uk"}, "roles": {"coach"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d", p.Status)
	}
	ts.mail.settle(t)
	check("staff invitation", auth.InvitationLinkTTL,
		lifetime(store.PurposeSetPassword, "user_id = (SELECT id FROM staff_users WHERE email = $2)", "nia@example.nhs.uk"), "nia@example.nhs.uk")

	// Password reset.
	ts.MustStaff(t, "lead@example.nhs.uk", policy.Lead)
	ts.NewBrowser(t).Post(t, "/staff/forgot-password", url.Values{"email": {"lead@example.nhs.uk"}})
	ts.mail.settle(t)
	check("password reset", auth.ResetLinkTTL,
		lifetime(store.PurposeResetPassword, "user_id = (SELECT id FROM staff_users WHERE email = $2)", "lead@example.nhs.uk"), "lead@example.nhs.uk")

	// A supervisor's referral: the referrer's status link, the trainee's
	// confirmation link.
	mustSupervisorReferral(t, ts, "priya@example.com")
	ts.mail.settle(t)
	check("referral status link", auth.StatusLinkTTL, lifetime(store.PurposeSignIn, "email = $2", "jo.reed@example.nhs.uk"), "jo.reed@example.nhs.uk")
	check("referral confirmation", auth.ConfirmLinkTTL, lifetime(store.PurposeConfirmReferral, "email = $2", "priya@example.com"), "priya@example.com")
	// One asked for again lives as long.
	ts.NewBrowser(t).Post(t, "/refer/confirm/new", url.Values{"email": {"priya@example.com"}})
	ts.mail.settle(t)
	check("referral confirmation", auth.ConfirmLinkTTL, lifetime(store.PurposeConfirmReferral, "email = $2", "priya@example.com"), "priya@example.com")

	// A sign-in link asked for.
	ts.NewBrowser(t).Post(t, "/sign-in", url.Values{"email": {"jo.reed@example.nhs.uk"}})
	ts.mail.settle(t)
	check("sign-in link", auth.SignInLinkTTL, lifetime(store.PurposeSignIn, "email = $2", "jo.reed@example.nhs.uk"), "jo.reed@example.nhs.uk")
}

// A new sign-in link cancels the earlier unused ones, as staff links do.
func TestNewSignInLinkCancelsEarlierOnes(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustReferral(t, "CR-GGGG-HHHH", "twice@example.com", "", 0, 0)
	b := ts.NewBrowser(t)
	b.Post(t, "/sign-in", url.Values{"email": {"twice@example.com"}})
	first := ts.mail.MustLink(t, "twice@example.com")
	b.Post(t, "/sign-in", url.Values{"email": {"twice@example.com"}})
	second := ts.mail.MustLink(t, "twice@example.com")
	if first == second {
		t.Fatal("the same link was sent twice")
	}
	if p := ts.NewBrowser(t).Post(t, first, nil); p.Status != http.StatusNotFound {
		t.Errorf("the earlier link still signs in: %d", p.Status)
	}
	if p := ts.NewBrowser(t).Post(t, second, nil); p.Status != http.StatusSeeOther || p.Location != "/your-referrals" {
		t.Errorf("the newest link: %d %q", p.Status, p.Location)
	}
}

// A trainee whose confirmation link has expired asks for a new one from the
// expired link's page and confirms with it; a new link cancels the old.
func TestExpiredConfirmationLinkCanBeRenewed(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ref := mustSupervisorReferral(t, ts, "late@example.com")
	old := ts.mail.MustLink(t, "late@example.com")
	ts.clock.Advance(auth.ConfirmLinkTTL + time.Hour)

	trainee := ts.NewBrowser(t)
	g := trainee.Get(t, old)
	if g.Status != http.StatusNotFound || !strings.Contains(g.Body, `href="/refer/confirm/new"`) {
		t.Fatalf("expired link page: %d, offers a new link: %v", g.Status, strings.Contains(g.Body, "/refer/confirm/new"))
	}
	if p := trainee.Get(t, "/refer/confirm/new"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Get a new link to confirm your referral") {
		t.Fatalf("request page: %d", p.Status)
	}
	if p := trainee.Post(t, "/refer/confirm/new", url.Values{"email": {"not an address"}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, "nhsuk-error-summary") || !strings.Contains(p.Body, `value="not an address"`) {
		t.Fatalf("bad address: %d", p.Status)
	}
	p := trainee.Post(t, "/refer/confirm/new", url.Values{"email": {"Late@Example.com"}})
	if p.Status != http.StatusSeeOther || p.Location != "/refer/confirm/check-email" {
		t.Fatalf("request: %d %q", p.Status, p.Location)
	}
	if c := trainee.Get(t, p.Location); c.Status != http.StatusOK || !strings.Contains(c.Body, "14 days") {
		t.Errorf("check-email page: %d", c.Status)
	}
	fresh := ts.mail.MustLink(t, "late@example.com")
	if fresh == old || !strings.HasPrefix(fresh, "/refer/confirm?token=") {
		t.Fatalf("new link %q", fresh)
	}
	// Asking again sends another, and the one before stops working.
	trainee.Post(t, "/refer/confirm/new", url.Values{"email": {"late@example.com"}})
	newest := ts.mail.MustLink(t, "late@example.com")
	if g := trainee.Get(t, fresh); g.Status != http.StatusNotFound {
		t.Errorf("a replaced confirmation link still works: %d", g.Status)
	}
	if p := trainee.Post(t, newest, confirmConsent); p.Status != http.StatusSeeOther || p.Location != "/your-referrals/"+ref {
		t.Fatalf("confirm with the new link: %d %q %s", p.Status, p.Location, errorSummary(p.Body))
	}
	var status string
	if err := ts.pool.QueryRow(context.Background(), `SELECT status FROM referrals WHERE reference = $1`, ref).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "new" {
		t.Errorf("status %q after confirming", status)
	}
	// An address with nothing waiting gets the same answer and no email.
	if p := ts.NewBrowser(t).Post(t, "/refer/confirm/new", url.Values{"email": {"nobody@example.com"}}); p.Location != "/refer/confirm/check-email" {
		t.Errorf("unknown address: %d %q", p.Status, p.Location)
	}
	if n := len(ts.mail.To(t, "nobody@example.com")); n != 0 {
		t.Errorf("%d emails to an address with no referral", n)
	}
}

// serverWithoutWorkers runs the service with nothing working its queue, so
// a test sees exactly what a request did before it answered.
func serverWithoutWorkers(t *testing.T) *testServer {
	t.Helper()
	pool := testdb.NewPool(t)
	cfg, err := config.Load(func(k string) string {
		if k == "SECRET_KEY" {
			return testdb.SecretKey
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(pool)
	clock := &testClock{}
	srv, err := server.New(server.Deps{Config: cfg, Logger: slog.New(slog.DiscardHandler), Store: st, Assets: assets, Now: clock.Now,
		Enqueue: func(ctx context.Context, tx pgx.Tx, key, kind string, referralID *int64, m mail.Message) error {
			_, err := jobs.Enqueue(ctx, tx, jobs.Notification{Key: key, Kind: kind, ReferralID: referralID, Message: m})
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &testServer{Server: hs, srv: srv, pool: pool, store: st, clock: clock}
}

// work counts what a request can leave behind.
func work(t *testing.T, ts *testServer) map[string]int {
	t.Helper()
	out := map[string]int{}
	for name, q := range map[string]string{
		"auth_tokens":       `SELECT count(*) FROM auth_tokens`,
		"notifications":     `SELECT count(*) FROM notifications`,
		"link_requests":     `SELECT count(*) FROM link_requests`,
		"audit_log":         `SELECT count(*) FROM audit_log`,
		"throttle counts":   `SELECT coalesce(sum(failures), 0) FROM auth_throttle`,
		"throttle rows":     `SELECT count(*) FROM auth_throttle WHERE key NOT LIKE 'public-%'`,
		"jobs":              `SELECT count(*) FROM river_job`,
		"link_request jobs": `SELECT count(*) FROM river_job WHERE kind = 'link_request'`,
		"referral_events":   `SELECT count(*) FROM referral_events`,
	} {
		var n int
		if err := ts.pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = n
	}
	return out
}

// Asking for a link does the same work, and answers the same, for an
// address the service knows and one it does not: everything that depends
// on the address happens in a job after the answer.
func TestLinkRequestsDoTheSameWorkForAnyAddress(t *testing.T) {
	t.Parallel()
	ts := serverWithoutWorkers(t)
	ts.MustReferral(t, "CR-KKKK-MMMM", "known@example.com", "", 0, 0)
	ts.MustReferral(t, "SR-KKKK-NNNN", "waiting@example.com", "", 0, 0)
	if _, err := ts.pool.Exec(context.Background(), `UPDATE referrals SET status = 'awaiting_trainee' WHERE reference = 'SR-KKKK-NNNN'`); err != nil {
		t.Fatal(err)
	}
	ts.MustStaff(t, "staff@example.nhs.uk", policy.Coach)

	for _, c := range []struct{ path, known, unknown, next string }{
		{"/sign-in", "known@example.com", "unknown@example.com", "/sign-in/check-email"},
		{"/staff/forgot-password", "staff@example.nhs.uk", "nobody@example.nhs.uk", "/staff/forgot-password/check-email"},
		{"/refer/confirm/new", "waiting@example.com", "stranger@example.com", "/refer/confirm/check-email"},
	} {
		delta := map[string]map[string]int{}
		answers := map[string]string{}
		for _, email := range []string{c.known, c.unknown} {
			b := ts.NewBrowser(t)
			before := work(t, ts)
			p := b.Post(t, c.path, url.Values{"email": {email}})
			after := work(t, ts)
			d := map[string]int{}
			for k := range after {
				d[k] = after[k] - before[k]
			}
			delta[email] = d
			answers[email] = fmt.Sprintf("%d %s", p.Status, p.Location)
		}
		if answers[c.known] != answers[c.unknown] || answers[c.known] != "303 "+c.next {
			t.Errorf("%s: answers differ: known %q, unknown %q", c.path, answers[c.known], answers[c.unknown])
		}
		if fmt.Sprint(delta[c.known]) != fmt.Sprint(delta[c.unknown]) {
			t.Errorf("%s: different work before answering:\nknown   %v\nunknown %v", c.path, delta[c.known], delta[c.unknown])
		}
		d := delta[c.known]
		if d["auth_tokens"] != 0 || d["notifications"] != 0 || d["link_requests"] != 1 || d["link_request jobs"] != 1 || d["jobs"] != 1 {
			t.Errorf("%s: the answer waited for per-address work: %v", c.path, d)
		}
	}
}

// The public forms cannot flood one address: at most a few emails an hour
// reach it, however they are asked for, and the answers do not change.
func TestMailToOneAddressIsCapped(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ref := mustSupervisorReferral(t, ts, "victim@example.com") // the confirmation request: 1
	for i := 0; i < 6; i++ {
		for _, path := range []string{"/sign-in", "/refer/confirm/new"} {
			p := ts.NewBrowser(t).Post(t, path, url.Values{"email": {"victim@example.com"}})
			if p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Location, "/check-email") {
				t.Fatalf("%s request %d: %d %q", path, i+1, p.Status, p.Location)
			}
		}
	}
	if n := len(ts.mail.To(t, "victim@example.com")); n != auth.MailPerRecipient {
		t.Errorf("%d emails reached one address in an hour, want %d", n, auth.MailPerRecipient)
	}
	// A referral naming the address is still recorded, but sends it nothing
	// more; the referrer still gets their receipt.
	before := len(ts.mail.To(t, "jo.reed@example.nhs.uk"))
	ref2 := mustSupervisorReferral(t, ts, "victim@example.com")
	if ref2 == ref {
		t.Fatal("the second referral was not recorded")
	}
	if n := len(ts.mail.To(t, "victim@example.com")); n != auth.MailPerRecipient {
		t.Errorf("%d emails after another referral, want %d", n, auth.MailPerRecipient)
	}
	if n := len(ts.mail.To(t, "jo.reed@example.nhs.uk")); n != before+1 {
		t.Errorf("the referrer got %d receipts, want 1", n-before)
	}
	// An hour later the address can be written to again.
	ts.clock.Advance(auth.MailWindow + time.Minute)
	ts.NewBrowser(t).Post(t, "/sign-in", url.Values{"email": {"victim@example.com"}})
	if n := len(ts.mail.To(t, "victim@example.com")); n != auth.MailPerRecipient+1 {
		t.Errorf("%d emails after the hour, want %d", n, auth.MailPerRecipient+1)
	}
}

// Many NHS staff share one address per trust: 200 trainees behind it can
// each ask for a sign-in link, and many referrals from it are not stopped
// at a low count. The address is only a high ceiling; past it, the page
// says so in the public forms' own words.
func TestSharedAddressIsNotAPerson(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	if _, err := ts.pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email)
		SELECT 'CR-SH' || lpad(i::text, 3, '0'), 'self', 'new', 'Trainee', 'trainee' || i || '@example.com' FROM generate_series(1, 200) i`); err != nil {
		t.Fatal(err)
	}
	b := ts.NewBrowser(t)
	for i := 1; i <= 200; i++ {
		p := b.Post(t, "/sign-in", url.Values{"email": {fmt.Sprintf("trainee%d@example.com", i)}})
		if p.Status != http.StatusSeeOther || p.Location != "/sign-in/check-email" {
			t.Fatalf("trainee %d of 200 from one address: %d", i, p.Status)
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		var waiting, links int
		if err := ts.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM link_requests), (SELECT count(*) FROM notifications WHERE kind = 'sign_in_link')`).Scan(&waiting, &links); err != nil {
			t.Fatal(err)
		}
		if waiting == 0 {
			if links != 200 {
				t.Errorf("%d sign-in links for 200 trainees", links)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d link requests still waiting", waiting)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Referral pages: well past the old per-address limit (150 pages in 15
	// minutes, about 15 referrals), a referral still goes through.
	if _, err := ts.pool.Exec(ctx, `INSERT INTO auth_throttle (key, failures, last_failure_at) VALUES ($1, 1000, $2)`,
		auth.PublicFormKey("refer", "127.0.0.1"), ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
	r := ts.NewBrowser(t)
	check := fillForm(t, r, "/refer/self", selfPages("shared.trust@example.com"))
	draft := draftRe.FindStringSubmatch(check.Body)[1]
	if p := r.Post(t, "/refer/self/check", url.Values{"draft": {draft}}); p.Status != http.StatusSeeOther || p.Location != "/refer/self/sent" {
		t.Fatalf("a referral from a busy shared address: %d %q", p.Status, p.Location)
	}

	// One draft hammered is limited, in the public forms' words.
	hammer := ts.NewBrowser(t)
	g := hammer.Get(t, "/refer/self/about")
	tok := ""
	if m := draftRe.FindStringSubmatch(g.Body); m != nil {
		tok = m[1]
	}
	first := hammer.Post(t, "/refer/self/about", url.Values{"draft": {tok}, "name": {"Sam"}})
	if m := draftRe.FindStringSubmatch(first.Body); m != nil {
		tok = m[1]
	} else if g := hammer.Get(t, "/refer/self/about"); draftRe.MatchString(g.Body) {
		tok = draftRe.FindStringSubmatch(g.Body)[1]
	}
	if tok == "" {
		t.Fatal("no draft token")
	}
	var limited page
	for i := 0; i <= auth.ReferralDraftLimit; i++ {
		limited = hammer.Post(t, "/refer/self/about", url.Values{"draft": {tok}, "name": {"Sam"}})
		if limited.Status == http.StatusTooManyRequests {
			break
		}
	}
	checkPublicLimitPage(t, "one draft hammered", limited)

	// The address's ceiling on link requests, when it is reached.
	// The table holds each key keyed with the service's secret.
	keys, err := auth.NewKeyring(mustParseKey(t, testdb.SecretKey))
	if err != nil {
		t.Fatal(err)
	}
	if tag, err := ts.pool.Exec(ctx, `UPDATE auth_throttle SET failures = $2 WHERE key = $1`,
		keys.ThrottleKey(auth.PublicFormKey("sign-in", "127.0.0.1")), auth.LinkFormCeiling); err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("set the address's count: %v, %d rows", err, tag.RowsAffected())
	}
	checkPublicLimitPage(t, "the address's ceiling", b.Post(t, "/sign-in", url.Values{"email": {"trainee1@example.com"}}))
}

func checkPublicLimitPage(t *testing.T, what string, p page) {
	t.Helper()
	if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: %d, Retry-After %q", what, p.Status, p.Header.Get("Retry-After"))
	}
	if !strings.Contains(p.Body, "Please wait a few minutes, then try again") || !strings.Contains(p.Body, "Anything you have already sent us is safe") {
		t.Errorf("%s: the page does not say what happened in the public forms' words:\n%.1500s", what, p.Body)
	}
	for _, never := range []string{"forgotten your password", "/staff/forgot-password", "Too many attempts to sign in"} {
		if strings.Contains(p.Body, never) {
			t.Errorf("%s: the public page says %q", what, never)
		}
	}
}

// A signed-in trainee whose referral waits for their confirmation is
// offered a new link on the referral's page, and confirms with it.
func TestSignedInTraineeCanAskToConfirm(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ref := mustSupervisorReferral(t, ts, "signedin@example.com")
	ts.clock.Advance(auth.ConfirmLinkTTL + time.Hour) // the emailed link has expired
	b := ts.NewBrowser(t)
	b.SignInPublic(t, "signedin@example.com")
	p := b.Get(t, "/your-referrals/"+ref)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Email me a link to confirm") || !strings.Contains(p.Body, `action="/refer/confirm/new"`) {
		t.Fatalf("referral page: %d, offers confirmation: %v", p.Status, strings.Contains(p.Body, "Email me a link to confirm"))
	}
	email := regexp.MustCompile(`name="email" value="([^"]*)"`).FindStringSubmatch(p.Body)
	if email == nil || email[1] != "signedin@example.com" {
		t.Fatalf("the form does not carry the trainee's address: %v", email)
	}
	if r := b.Post(t, "/refer/confirm/new", url.Values{"email": {email[1]}}); r.Location != "/refer/confirm/check-email" {
		t.Fatalf("ask: %d %q", r.Status, r.Location)
	}
	link := ts.mail.MustLink(t, "signedin@example.com")
	if !strings.HasPrefix(link, "/refer/confirm?token=") {
		t.Fatalf("the newest email is not a confirmation link: %q", link)
	}
	if r := b.Post(t, link, confirmConsent); r.Status != http.StatusSeeOther || r.Location != "/your-referrals/"+ref {
		t.Fatalf("confirm: %d %q %s", r.Status, r.Location, errorSummary(r.Body))
	}
	if p := b.Get(t, "/your-referrals/"+ref); strings.Contains(p.Body, "Email me a link to confirm") {
		t.Error("a confirmed referral still offers confirmation")
	}
}
