package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"careers/internal/jobs"
	"careers/internal/policy"
)

func traineePages(email string) []pageForm {
	return []pageForm{
		{"about", url.Values{"name": {"Priya Shah"}, "email": {email}}},
		{"profession", url.Values{"group": {"doctor"}, "body": {"gmc"}, "number": {"7654321"}}},
		{"training", url.Values{"region": {"kss"}, "stage": {"ct2"}, "training_number": {"KSS/1/2/C"}, "end_kind": {"none"}}},
		{"reasons", url.Values{"reasons": {"lack_of_progress"}, "hopes": {"A clearer plan."}}},
	}
}

// A supervisor's referral waits until the trainee confirms through the
// emailed link; the referrer follows its status only.
func TestSupervisorReferralWaitsForTheTrainee(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	sup := ts.NewBrowser(t)
	pages := append([]pageForm{{"referrer", url.Values{"referrer_name": {"Dr Jo Reed"}, "referrer_role": {"educational_supervisor"},
		"referrer_org": {"St Elsewhere"}, "referrer_email": {"jo.reed@example.nhs.uk"}}}}, traineePages("priya@example.com")...)
	pages = append(pages, pageForm{"level-1", url.Values{"level1": {"Two conversations about specialty choice."}, "trainee_knows": {"yes"}}})
	check := fillForm(t, sup, "/refer/supervisor", pages)
	if check.Status != 200 {
		t.Fatalf("check: %d", check.Status)
	}
	token := draftRe.FindStringSubmatch(check.Body)[1]
	if p := sup.Post(t, "/refer/supervisor/check", url.Values{"draft": {token}}); p.Location != "/refer/supervisor/sent" {
		t.Fatalf("submit: %d %q", p.Status, p.Location)
	}
	var ref, status string
	if err := ts.pool.QueryRow(context.Background(), `SELECT reference, status FROM referrals`).Scan(&ref, &status); err != nil {
		t.Fatal(err)
	}
	if status != "awaiting_trainee" {
		t.Fatalf("status %q before the trainee confirms", status)
	}
	// The referrer's receipt, and the trainee's copy with its link.
	if msgs := ts.mail.To(t, "jo.reed@example.nhs.uk"); len(msgs) != 1 || !strings.Contains(msgs[0].Text, ref) {
		t.Fatalf("referrer receipt: %d", len(msgs))
	}
	if msgs := ts.mail.To(t, "priya@example.com"); len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "confirm") {
		t.Fatalf("trainee copy: %d", len(msgs))
	}
	confirm := ts.mail.MustLink(t, "priya@example.com")

	trainee := ts.NewBrowser(t)
	g := trainee.Get(t, confirm)
	if g.Status != 200 || !strings.Contains(g.Body, "Dr Jo Reed") || !strings.Contains(g.Body, "7654321") {
		t.Fatalf("confirmation page: %d", g.Status)
	}
	// Looking did not use the link; a missing consent is an error, not a loss.
	p := trainee.Post(t, confirm, url.Values{"name": {"Priya Shah"}, "phone": {"07700 900123"}, "mode": {"telephone"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `value="07700 900123"`) {
		t.Fatalf("without consent: %d", p.Status)
	}
	p = trainee.Post(t, confirm, url.Values{"name": {"Priya K Shah"}, "phone": {"07700 900123"}, "mode": {"telephone"},
		"consent_privacy": {"yes"}, "consent_contact": {"yes"}})
	if p.Status != http.StatusSeeOther || p.Location != "/your-referrals/"+ref {
		t.Fatalf("confirm: %d %q %s", p.Status, p.Location, errorSummary(p.Body))
	}
	var confirmed *time.Time
	var name string
	if err := ts.pool.QueryRow(context.Background(), `SELECT status, confirmed_at, trainee_name FROM referrals`).Scan(&status, &confirmed, &name); err != nil {
		t.Fatal(err)
	}
	if status != "new" || confirmed == nil || name != "Priya K Shah" {
		t.Fatalf("after confirmation: %q %v %q", status, confirmed, name)
	}
	if g := trainee.Follow(t, p); !strings.Contains(g.Body, "Your referral is confirmed") {
		t.Error("no confirmation message for the trainee")
	}
	// The link is spent.
	if p := ts.NewBrowser(t).Post(t, confirm, url.Values{"name": {"X"}}); p.Status != http.StatusNotFound {
		t.Errorf("confirmation link worked twice: %d", p.Status)
	}
	// The referrer follows the status from their receipt, and sees no details.
	// (Their newest email says the trainee confirmed; the receipt holds the link.)
	receipt, _ := url.Parse(linkRe.FindString(ts.mail.To(t, "jo.reed@example.nhs.uk")[0].Text))
	status2 := sup.Post(t, receipt.RequestURI(), nil)
	if status2.Location != "/your-referrals" {
		t.Fatalf("referrer link: %q", status2.Location)
	}
	pg := sup.Get(t, "/your-referrals/"+ref)
	if pg.Status != 200 || !strings.Contains(pg.Body, "New") || strings.Contains(pg.Body, "07700 900123") || strings.Contains(pg.Body, "clearer plan") {
		t.Errorf("referrer's status page: %d", pg.Status)
	}
}

func minimalPDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

func minimalDOCX(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, _ := zw.Create(n)
		w.Write([]byte("<x/>"))
	}
	zw.Close()
	return buf.Bytes()
}

// upload posts the Form C page as a browser would (multipart).
func upload(t *testing.T, b *browser, draft, filename string, content []byte) page {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("draft", draft)
	fw, _ := mw.CreateFormFile("form_c", filename)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", b.ts.URL+"/staff/referrals/new/form-c", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(t, req)
}

// A Case Manager's referral stores Form C (checked by content, hashed) and
// the Form D request; Form C downloads only for those allowed, as an
// attachment, and every download is audited.
func TestCaseManagerReferralWithFormC(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, cm.Email, "")
	if p := b.Get(t, "/staff/case-manager"); !strings.Contains(p.Body, "/staff/referrals/new") {
		t.Error("the Case Manager's home does not link to the referral form")
	}
	check := fillForm(t, b, "/staff/referrals/new", traineePages("ola@example.com"))
	if check.Status != http.StatusSeeOther && check.Status != 200 {
		t.Fatalf("after trainee pages: %d", check.Status)
	}
	g := b.Get(t, "/staff/referrals/new/form-c")
	token := draftRe.FindStringSubmatch(g.Body)[1]

	// Nothing chosen.
	if p := upload(t, b, token, "", nil); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Upload the trainee") {
		t.Errorf("no file: %d", p.Status)
	}
	// An executable renamed .pdf.
	if p := upload(t, b, token, "form-c.pdf", append([]byte("MZ\x90\x00"), make([]byte, 2000)...)); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "must be a PDF or a Word document") {
		t.Errorf("exe as pdf: %d", p.Status)
	}
	// Over 10 MB: refused without the server reading it. The body stalls
	// after 64 KB; only a server that answers without reading the rest can
	// reply at all.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("--b\r\nContent-Disposition: form-data; name=\"form_c\"; filename=\"f.pdf\"\r\n\r\n%PDF-"))
		pw.Write(make([]byte, 64<<10))
	}()
	req, _ := http.NewRequest("POST", ts.URL+"/staff/referrals/new/form-c", pr)
	req.ContentLength = 11 << 20
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	done := make(chan page, 1)
	go func() { done <- b.do(t, req) }()
	select {
	case p := <-done:
		if p.Status != http.StatusRequestEntityTooLarge || !strings.Contains(p.Body, "smaller than 10 MB") {
			t.Errorf("11 MB: %d", p.Status)
		}
	case <-time.After(10 * time.Second):
		t.Error("the server waited for the whole of an oversized upload")
	}
	pw.CloseWithError(io.ErrClosedPipe)
	// A real DOCX, then a PDF replacing it.
	if p := upload(t, b, token, "Form C.docx", minimalDOCX(t)); p.Status != http.StatusSeeOther {
		t.Fatalf("docx: %d %s", p.Status, errorSummary(p.Body))
	}
	pdf := minimalPDF()
	if p := upload(t, b, token, `C:\fakepath\Form "C".pdf`, pdf); p.Status != http.StatusSeeOther || p.Location != "/staff/referrals/new/form-d" {
		t.Fatalf("pdf: %d %q", p.Status, p.Location)
	}
	if p := b.Post(t, "/staff/referrals/new/form-d", url.Values{"draft": {token}, "sessions": {"3"}, "funding_ref": {"CPPS-4471"}}); p.Location != "/staff/referrals/new/check" {
		t.Fatalf("form D: %d %q", p.Status, p.Location)
	}
	if c := b.Get(t, "/staff/referrals/new/check"); !strings.Contains(c.Body, "Form C.pdf") || !strings.Contains(c.Body, "3 sessions") {
		t.Error("check page lacks Form C or Form D")
	}
	if p := b.Post(t, "/staff/referrals/new/check", url.Values{"draft": {token}}); p.Location != "/staff/referrals/new/sent" {
		t.Fatalf("submit: %d %q", p.Status, p.Location)
	}
	var ref, status, fdStatus string
	var sessions int
	var sum []byte
	var size int
	ts.pool.QueryRow(context.Background(), `SELECT r.reference, r.status, r.form_d_sessions, r.form_d_status, d.sha256, d.size
		FROM referrals r JOIN documents d ON d.referral_id = r.id`).Scan(&ref, &status, &sessions, &fdStatus, &sum, &size)
	want := sha256.Sum256(pdf)
	if status != "awaiting_trainee" || sessions != 3 || fdStatus != "requested" || !bytes.Equal(sum, want[:]) || size != len(pdf) {
		t.Fatalf("stored: %q %d %q size %d hash ok %v", status, sessions, fdStatus, size, bytes.Equal(sum, want[:]))
	}
	if n := len(ts.mail.To(t, "ola@example.com")); n != 1 {
		t.Errorf("trainee copy: %d messages", n)
	}

	// Download: the Case Manager and coordinators, as an attachment; a coach
	// not allocated cannot even see it exists.
	dl := b.Get(t, "/staff/referrals/"+ref+"/form-c")
	if dl.Status != 200 || dl.Body != string(pdf) || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(dl.Header.Get("Content-Disposition"), `filename="Form C.pdf"`) || dl.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %d %q %q", dl.Status, dl.Header.Get("Content-Disposition"), dl.Header.Get("Content-Type"))
	}
	coord := ts.NewBrowser(t)
	coord.SignInStaff(t, "coord@example.nhs.uk", "")
	if p := coord.Get(t, "/staff/referrals/"+ref); p.Status != 200 || !strings.Contains(p.Body, "Eligibility check") || !strings.Contains(p.Body, "Download Form C.pdf") {
		t.Errorf("coordinator's referral page: %d", p.Status)
	}
	if p := coord.Get(t, "/staff/referrals/"+ref+"/form-c"); p.Status != 200 {
		t.Errorf("coordinator download: %d", p.Status)
	}
	coach := ts.NewBrowser(t)
	coach.SignInStaff(t, "coach@example.nhs.uk", "")
	if p := coach.Get(t, "/staff/referrals/"+ref+"/form-c"); p.Status != http.StatusNotFound {
		t.Errorf("unallocated coach download: %d", p.Status)
	}
	var downloads int
	if err := ts.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'download_form_c' AND record_id = $1`, ref).Scan(&downloads); err != nil {
		t.Fatal(err)
	}
	if downloads != 2 {
		t.Errorf("%d downloads audited, want 2", downloads)
	}
	_ = fmt.Sprint
}

// A referral made for a trainee who has not confirmed gets one reminder
// after 7 days, whose new link works.
func TestConfirmReminderAfterSevenDays(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	cm := ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, cm.Email, "")
	fillForm(t, b, "/staff/referrals/new", traineePages("slow@example.com"))
	token := draftRe.FindStringSubmatch(b.Get(t, "/staff/referrals/new/form-c").Body)[1]
	upload(t, b, token, "c.pdf", minimalPDF())
	b.Post(t, "/staff/referrals/new/form-d", url.Values{"draft": {token}, "sessions": {"2"}})
	if p := b.Post(t, "/staff/referrals/new/check", url.Values{"draft": {token}}); p.Location != "/staff/referrals/new/sent" {
		t.Fatalf("submit: %d", p.Status)
	}
	ctx := context.Background()
	remind := func() int {
		n, err := jobs.SendConfirmReminders(ctx, ts.pool, mustURL(t, "http://127.0.0.1:8080"), ts.clock.Now(), 10)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	ts.clock.Advance(6*24*time.Hour + 23*time.Hour)
	if n := remind(); n != 0 {
		t.Fatalf("%d reminders before 7 days", n)
	}
	ts.clock.Advance(2 * time.Hour)
	if n := remind(); n != 1 {
		t.Fatalf("%d reminders after 7 days", n)
	}
	if n := remind(); n != 0 {
		t.Fatalf("reminded twice")
	}
	var reminder string
	for _, m := range ts.mail.To(t, "slow@example.com") {
		if strings.HasPrefix(m.Subject, "Reminder:") {
			reminder = linkRe.FindString(m.Text)
		}
	}
	if reminder == "" {
		t.Fatal("no reminder with a link reached the trainee")
	}
	if g := ts.NewBrowser(t).Get(t, strings.TrimPrefix(reminder, "http://127.0.0.1:8080")); g.Status != 200 {
		t.Errorf("the reminder's link: %d", g.Status)
	}
	var events int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM referral_events WHERE kind = 'reminded'`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 1 {
		t.Errorf("%d reminder events on the timeline", events)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Coordinators see referrals waiting for the trainee, chase, and close.
func TestCoordinatorChasesAndClosesWaitingReferrals(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	sup := ts.NewBrowser(t)
	pages := append([]pageForm{{"referrer", url.Values{"referrer_name": {"Dr Lin"}, "referrer_role": {"tpd"},
		"referrer_org": {"HEE"}, "referrer_email": {"lin@example.nhs.uk"}}}}, traineePages("quiet@example.com")...)
	pages = append(pages, pageForm{"level-1", url.Values{"level1": {"Talked."}, "trainee_knows": {"yes"}}})
	token := draftRe.FindStringSubmatch(fillForm(t, sup, "/refer/supervisor", pages).Body)[1]
	sup.Post(t, "/refer/supervisor/check", url.Values{"draft": {token}})
	var ref string
	if err := ts.pool.QueryRow(context.Background(), `SELECT reference FROM referrals`).Scan(&ref); err != nil {
		t.Fatal(err)
	}

	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	// From their home, one link to the referrals waiting for the trainee
	// (the home itself counts only those waiting more than 7 days).
	if p := c.Get(t, "/staff/coordinator"); !strings.Contains(p.Body, `href="/staff/referrals?status=waiting"`) {
		t.Fatal("the coordinator's home does not link to the referrals waiting for the trainee")
	}
	if p := c.Get(t, "/staff/referrals?status=waiting"); !strings.Contains(p.Body, ref) || !strings.Contains(p.Body, "Waiting for trainee") {
		t.Fatal("the list of referrals waiting for the trainee does not hold the waiting referral")
	}
	if p := c.Post(t, "/staff/referrals/"+ref+"/chase", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("chase: %d", p.Status)
	}
	if n := len(ts.mail.To(t, "quiet@example.com")); n != 2 {
		t.Errorf("%d messages to the trainee after a chase", n)
	}
	if p := c.Post(t, "/staff/referrals/"+ref+"/close-unconfirmed", url.Values{"reason": {""}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Enter why you are closing") {
		t.Errorf("close without a reason: %d", p.Status)
	}
	if p := c.Post(t, "/staff/referrals/"+ref+"/close-unconfirmed", url.Values{"reason": {"Trainee declined by phone."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("close: %d", p.Status)
	}
	var status string
	if err := ts.pool.QueryRow(context.Background(), `SELECT status FROM referrals`).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "closed" {
		t.Fatalf("status %q", status)
	}
	// A second coordinator acting on the old page is told, with 409.
	if p := c.Post(t, "/staff/referrals/"+ref+"/close-unconfirmed", url.Values{"reason": {"Again."}}); p.Status != http.StatusConflict || !strings.Contains(p.Body, "no longer waiting") {
		t.Errorf("closing twice: %d", p.Status)
	}
	if p := c.Get(t, "/staff/referrals/"+ref); !strings.Contains(p.Body, "Trainee declined by phone.") {
		t.Error("the timeline lacks the closing reason")
	}
}
