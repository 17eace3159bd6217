package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"careers/internal/auth"
	"careers/internal/jobs"
	"careers/internal/store"
	"careers/internal/workshops"
)

// Workshops, the registrant's side (ws-core, issue 16).

// mustWorkshop makes a scheduled online workshop with capacity places,
// starting at start and lasting 90 minutes.
func (ts *testServer) mustWorkshop(tb testing.TB, slug string, capacity int, start time.Time) int64 {
	tb.Helper()
	var id int64
	if err := ts.pool.QueryRow(context.Background(), `INSERT INTO workshops (slug, title, description, starts_at, ends_at, mode, joining_link, capacity, check_in_code)
		VALUES ($1, $2, 'A workshop for testing.', $3, $4, 'online', 'https://meet.example.com/join-abc', $5, 'CHECK1') RETURNING id`,
		slug, "Workshop "+slug, start, start.Add(90*time.Minute), capacity).Scan(&id); err != nil {
		tb.Fatal(err)
	}
	return id
}

// workshopForm is an eligible doctor's answers to the registration form.
func workshopForm(name, email string, kv ...string) url.Values {
	v := url.Values{"name": {name}, "email": {email}, "group": {"doctor"}, "region": {"london"}, "stage": {"st3"},
		"training_number": {"LDN/R1A/123/ST3"}, "end_kind": {"expected"}, "end_date-day": {"31"}, "end_date-month": {"8"}, "end_date-year": {"2031"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// registerAndConfirm registers email for slug through the form and
// confirms through the emailed link; it returns the confirmation page.
func (ts *testServer) registerAndConfirm(tb testing.TB, slug, name, email string) page {
	tb.Helper()
	b := ts.NewBrowser(tb)
	p := b.Post(tb, "/workshops/"+slug+"/register", workshopForm(name, email))
	if p.Status != http.StatusSeeOther || p.Location != "/workshops/"+slug+"/check-email" {
		tb.Fatalf("register %s: %d %q\n%.800s", email, p.Status, p.Location, p.Body)
	}
	return b.Post(tb, ts.linkTo(tb, email, "/workshops/confirm?token="), nil)
}

// linkTo is the newest link to address whose path and query start with
// prefix (emails are delivered concurrently, so the newest message may be
// another one).
func (ts *testServer) linkTo(tb testing.TB, address, prefix string) string {
	tb.Helper()
	msgs := ts.mail.To(tb, address)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, l := range linkRe.FindAllString(msgs[i].Text, -1) {
			u, err := url.Parse(l)
			if err == nil && strings.HasPrefix(u.RequestURI(), prefix) {
				return u.RequestURI()
			}
		}
	}
	tb.Fatalf("no link %s... to %s", prefix, address)
	return ""
}

func (ts *testServer) registrationStatus(tb testing.TB, workshopID int64, email string) string {
	tb.Helper()
	var s string
	if err := ts.pool.QueryRow(context.Background(), `SELECT status FROM workshop_registrations WHERE workshop_id = $1 AND email = $2`, workshopID, email).Scan(&s); err != nil {
		tb.Fatalf("status of %s: %v", email, err)
	}
	return s
}

func (ts *testServer) placesTaken(tb testing.TB, workshopID int64) int {
	tb.Helper()
	var n int
	if err := ts.pool.QueryRow(context.Background(), `SELECT places_taken FROM workshops WHERE id = $1`, workshopID).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// lastMail is the newest message to address whose subject has subject in it.
func (ts *testServer) lastMail(tb testing.TB, address, subject string) store.MailboxMessage {
	tb.Helper()
	msgs := ts.mail.To(tb, address)
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.Contains(msgs[i].Subject, subject) {
			return msgs[i]
		}
	}
	tb.Fatalf("no message %q to %s", subject, address)
	return store.MailboxMessage{}
}

// icsOf is the calendar file attached to m.
func (ts *testServer) icsOf(tb testing.TB, m store.MailboxMessage) string {
	tb.Helper()
	for _, a := range m.Attachments {
		if a.Filename == "workshop.ics" {
			full, err := ts.store.MailboxAttachment(context.Background(), m.ID, a.Position)
			if err != nil {
				tb.Fatal(err)
			}
			return string(full.Content)
		}
	}
	tb.Fatalf("%q has no workshop.ics", m.Subject)
	return ""
}

func TestWorkshopRegisterConfirmAndCancel(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	start := ts.clock.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
	id := ts.mustWorkshop(t, "career-planning", 2, start)
	anon := ts.NewBrowser(t)

	list := anon.Get(t, "/workshops")
	if list.Status != http.StatusOK || !strings.Contains(list.Body, "Workshop career-planning") || !strings.Contains(list.Body, "2 places left") ||
		!strings.Contains(list.Body, "urgent-help") || !strings.Contains(list.Body, workshops.When(start, start.Add(90*time.Minute))) {
		t.Fatalf("the list: %d\n%.2000s", list.Status, list.Body)
	}
	if p := anon.Get(t, "/workshops/career-planning"); p.Status != http.StatusOK || !strings.Contains(p.Body, `href="/workshops/career-planning/register"`) ||
		strings.Contains(p.Body, "meet.example.com") {
		t.Fatalf("the workshop page (no joining link for the public): %d\n%.2000s", p.Status, p.Body)
	}

	// Bad input: the form again with the answers and an error summary.
	bad := anon.Post(t, "/workshops/career-planning/register", workshopForm("", "ada@example.com"))
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "nhsuk-error-summary") ||
		!strings.Contains(bad.Body, `href="#name"`) || !strings.Contains(bad.Body, `value="ada@example.com"`) {
		t.Fatalf("a form without a name: %d\n%.3000s", bad.Status, bad.Body)
	}

	// A double submit records one registration and sends one email.
	form := workshopForm("Ada Lovelace", "Ada@Example.com")
	for range 2 {
		if p := anon.Post(t, "/workshops/career-planning/register", form); p.Status != http.StatusSeeOther {
			t.Fatalf("register: %d\n%.1000s", p.Status, p.Body)
		}
	}
	var rows int
	ts.pool.QueryRow(ctx, `SELECT count(*) FROM workshop_registrations WHERE workshop_id = $1`, id).Scan(&rows)
	if msgs := ts.mail.To(t, "ada@example.com"); rows != 1 || len(msgs) != 1 {
		t.Fatalf("after a double submit: %d registrations, %d emails", rows, len(msgs))
	}
	if s := ts.registrationStatus(t, id, "ada@example.com"); s != workshops.Unconfirmed || ts.placesTaken(t, id) != 0 {
		t.Fatalf("before confirming: %s, %d places taken", s, ts.placesTaken(t, id))
	}
	var hash []byte
	ts.pool.QueryRow(ctx, `SELECT confirm_token_hash FROM workshop_registrations WHERE email = 'ada@example.com'`).Scan(&hash)
	link := ts.linkTo(t, "ada@example.com", "/workshops/confirm?token=")
	token := strings.TrimPrefix(link, "/workshops/confirm?token=")
	if len(hash) != 32 || string(hash) != string(auth.HashToken(token)) {
		t.Fatal("the confirmation token is not kept as its SHA-256 alone")
	}
	if ics := ts.icsOf(t, ts.lastMail(t, "ada@example.com", "Confirm your email")); !strings.Contains(ics, "METHOD:PUBLISH") || strings.Contains(ics, "meet.example.com") {
		t.Errorf("the confirm-your-email invitation:\n%s", ics)
	}

	// The link: GET shows a button and spends nothing; POST spends it once.
	if p := anon.Get(t, link); p.Status != http.StatusOK || !strings.Contains(p.Body, "Confirm and take a place") {
		t.Fatalf("confirm page: %d", p.Status)
	}
	if p := anon.Post(t, link, nil); p.Status != http.StatusOK || !strings.Contains(p.Body, "You have a place") {
		t.Fatalf("confirm: %d\n%.1000s", p.Status, p.Body)
	}
	if p := anon.Post(t, link, nil); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "expired or has already been used") {
		t.Fatalf("the link again: %d", p.Status)
	}
	if s := ts.registrationStatus(t, id, "ada@example.com"); s != workshops.Placed || ts.placesTaken(t, id) != 1 {
		t.Fatalf("after confirming: %s, %d places taken", s, ts.placesTaken(t, id))
	}
	placed := ts.lastMail(t, "ada@example.com", "You have a place")
	ics := ts.icsOf(t, placed)
	if !strings.Contains(placed.Subject, "You have a place") || !strings.Contains(placed.Text, "https://meet.example.com/join-abc") ||
		!strings.Contains(ics, "METHOD:REQUEST") || !strings.Contains(ics, fmt.Sprintf("UID:workshop-%d@", id)) || !strings.Contains(ics, "SEQUENCE:0") ||
		!strings.Contains(ics, "meet.example.com") {
		t.Fatalf("the place email %q:\n%s\n%s", placed.Subject, placed.Text, ics)
	}

	// The place page by the emailed link: joining link, calendar, cancel.
	placeLink := ts.linkTo(t, "ada@example.com", "/workshops/career-planning/your-place?token=")
	placeToken := strings.TrimPrefix(placeLink, "/workshops/career-planning/your-place?token=")
	if placeToken == placeLink {
		t.Fatalf("the place link: %q", placeLink)
	}
	p := anon.Get(t, placeLink)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "You have a place") || !strings.Contains(p.Body, "https://meet.example.com/join-abc") ||
		!strings.Contains(p.Body, "calendar.ics?token=") || !strings.Contains(p.Body, "Cancel your place") {
		t.Fatalf("the place page: %d\n%.3000s", p.Status, p.Body)
	}
	if c := anon.Get(t, "/workshops/career-planning/your-place/calendar.ics?token="+url.QueryEscape(placeToken)); c.Status != http.StatusOK ||
		!strings.Contains(c.Body, fmt.Sprintf("UID:workshop-%d@", id)) || !strings.Contains(c.Body, "meet.example.com") {
		t.Fatalf("calendar download: %d\n%s", c.Status, c.Body)
	}

	// Nobody else reaches it: no token, a wrong token, the token under
	// another workshop, another signed-in person, an expired link.
	other := ts.mustWorkshop(t, "other-event", 5, start)
	_ = other
	stranger := ts.NewBrowser(t)
	ts.MustReferral(t, "CR-WSOT-0001", "someone@example.com", "", 0, 0)
	stranger.SignInPublic(t, "someone@example.com")
	for _, try := range []struct {
		b    *browser
		path string
	}{
		{anon, "/workshops/career-planning/your-place"},
		{anon, "/workshops/career-planning/your-place?token=not-a-real-token"},
		{anon, "/workshops/other-event/your-place?token=" + url.QueryEscape(placeToken)},
		{stranger, "/workshops/career-planning/your-place"},
		{stranger, "/workshops/career-planning/your-place/calendar.ics"},
	} {
		if p := try.b.Get(t, try.path); p.Status != http.StatusNotFound || strings.Contains(p.Body, "Ada") {
			t.Errorf("%s: %d, want 404", try.path, p.Status)
		}
	}
	if p := stranger.Post(t, "/workshops/career-planning/your-place/cancel", nil); p.Status != http.StatusNotFound {
		t.Errorf("someone else cancelling: %d", p.Status)
	}
	if p := anon.Post(t, "/workshops/career-planning/your-place/cancel", url.Values{"token": {"guess"}}); p.Status != http.StatusNotFound {
		t.Errorf("a guessed token cancelling: %d", p.Status)
	}
	if s := ts.registrationStatus(t, id, "ada@example.com"); s != workshops.Placed {
		t.Fatalf("after refused cancellations: %s", s)
	}
	var denied int
	ts.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE record_type = 'workshop_registration' AND outcome = 'denied'`).Scan(&denied)
	if denied < 5 {
		t.Errorf("refused looks audited: %d", denied)
	}

	// The registrant cancels by their link: the place is free, and the
	// cancellation carries a cancelled invitation.
	p = anon.Post(t, "/workshops/career-planning/your-place/cancel", url.Values{"token": {placeToken}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/workshops/career-planning/your-place?token=") {
		t.Fatalf("cancel: %d %q\n%.1000s", p.Status, p.Location, p.Body)
	}
	if s := ts.registrationStatus(t, id, "ada@example.com"); s != workshops.Cancelled || ts.placesTaken(t, id) != 0 {
		t.Fatalf("after cancelling: %s, %d places taken", s, ts.placesTaken(t, id))
	}
	cancelled := ts.lastMail(t, "ada@example.com", "Cancelled")
	if ics := ts.icsOf(t, cancelled); !strings.Contains(cancelled.Subject, "Cancelled") || !strings.Contains(ics, "METHOD:CANCEL") ||
		!strings.Contains(ics, fmt.Sprintf("UID:workshop-%d@", id)) {
		t.Errorf("the cancellation %q:\n%s", cancelled.Subject, ics)
	}
	if p := anon.Get(t, p.Location); p.Status != http.StatusOK || strings.Contains(p.Body, "meet.example.com") {
		t.Errorf("the place page after cancelling shows the joining link: %d", p.Status)
	}

	// Registering again reuses the row.
	var before, after int64
	ts.pool.QueryRow(ctx, `SELECT id FROM workshop_registrations WHERE email = 'ada@example.com'`).Scan(&before)
	if p := ts.registerAndConfirm(t, "career-planning", "Ada Lovelace", "ada@example.com"); !strings.Contains(p.Body, "You have a place") {
		t.Fatalf("registering again: %d\n%.1000s", p.Status, p.Body)
	}
	ts.pool.QueryRow(ctx, `SELECT id FROM workshop_registrations WHERE email = 'ada@example.com'`).Scan(&after)
	if before != after {
		t.Errorf("registering again made a new row")
	}

	// The link stops working a while after the event.
	ts.clock.Advance(10*24*time.Hour + workshops.PlaceLinkAfterEnd + 2*time.Hour)
	if p := anon.Get(t, placeLink); p.Status != http.StatusNotFound {
		t.Errorf("an expired place link: %d", p.Status)
	}
}

// Registration uses the referral's eligibility rules and words.
func TestWorkshopEligibilityOnRegistration(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	id := ts.mustWorkshop(t, "interviews", 10, ts.clock.Now().Add(20*24*time.Hour))
	b := ts.NewBrowser(t)

	p := b.Post(t, "/workshops/interviews/register", workshopForm("Elsewhere Person", "far@example.com", "region", "elsewhere"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Not eligible") ||
		!strings.Contains(p.Body, "The postgraduate deanery or professional support unit in the region where you train") ||
		!strings.Contains(p.Body, `value="Elsewhere Person"`) {
		t.Fatalf("not eligible: %d\n%.3000s", p.Status, p.Body)
	}
	var n int
	ts.pool.QueryRow(ctx, `SELECT count(*) FROM workshop_registrations WHERE email = 'far@example.com'`).Scan(&n)
	if n != 0 || len(ts.mail.To(t, "far@example.com")) != 0 {
		t.Fatalf("a not-eligible person was registered or emailed")
	}

	p = b.Post(t, "/workshops/interviews/register", workshopForm("Specialty Doctor", "sd@example.com", "stage", "non_training", "training_number", "", "end_kind", "none"))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("needs review: %d\n%.2000s", p.Status, p.Body)
	}
	if f := b.Follow(t, p); !strings.Contains(f.Body, "a coordinator may need to check") {
		t.Errorf("needs review is not said:\n%.2000s", f.Body)
	}
	p = b.Post(t, "/workshops/interviews/register", workshopForm("Eligible Doctor", "ok@example.com"))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("eligible: %d\n%.2000s", p.Status, p.Body)
	}
	// A band 6 nurse must say whether they are on a recognised scheme.
	p = b.Post(t, "/workshops/interviews/register", workshopForm("Nurse", "nurse@example.com", "group", "nurse", "stage", "band_6", "training_number", "", "end_kind", "none"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `href="#in_scheme"`) {
		t.Fatalf("band without the scheme answer: %d\n%.2000s", p.Status, p.Body)
	}
	for email, want := range map[string]string{"sd@example.com": "needs_review", "ok@example.com": "eligible"} {
		var got string
		ts.pool.QueryRow(ctx, `SELECT eligibility FROM workshop_registrations WHERE workshop_id = $1 AND email = $2`, id, email).Scan(&got)
		if got != want {
			t.Errorf("%s: eligibility %q, want %q", email, got, want)
		}
	}
}

// 200 people confirming at once for 30 places: exactly 30 places and 170
// on the waiting list, in the order they confirmed.
func TestWorkshopPlacesAreNeverOversold(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, map[string]string{"MAX_IN_FLIGHT": "1000"})
	ctx := context.Background()
	now := ts.clock.Now()
	id := ts.mustWorkshop(t, "oversell", 30, now.Add(30*24*time.Hour))
	const people = 200
	tokens := make([]string, people)
	for i := range people {
		token, hash := auth.NewToken()
		tokens[i] = token
		if _, err := ts.store.RegisterForWorkshop(ctx, store.NewWorkshopRegistration{WorkshopID: id, Name: fmt.Sprintf("Person %d", i),
			Email: fmt.Sprintf("p%03d@example.com", i), ProfessionalGroup: "doctor", Region: "london", Grade: "st3", Eligibility: "eligible"},
			hash, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	statuses := make([]int, people)
	startLine := make(chan struct{})
	for i := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := ts.NewBrowser(t)
			<-startLine
			req, _ := http.NewRequest("POST", ts.URL+"/workshops/confirm?token="+tokens[i], nil)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(startLine)
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Fatalf("confirmation %d: %d", i, s)
		}
	}
	var placed, waiting, taken int
	ts.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'placed'), count(*) FILTER (WHERE status = 'waiting'),
		(SELECT places_taken FROM workshops WHERE id = $1) FROM workshop_registrations WHERE workshop_id = $1`, id).Scan(&placed, &waiting, &taken)
	if placed != 30 || waiting != 170 || taken != 30 {
		t.Fatalf("%d placed, %d waiting, %d places taken; want 30, 170, 30", placed, waiting, taken)
	}
	// In order of confirmation: every place was confirmed before every
	// waiting-list entry, the times are distinct, and the list's positions
	// follow them.
	var lastPlaced, firstWaiting time.Time
	var distinct int
	ts.pool.QueryRow(ctx, `SELECT max(confirmed_at) FILTER (WHERE status = 'placed'), min(confirmed_at) FILTER (WHERE status = 'waiting'),
		count(DISTINCT confirmed_at) FROM workshop_registrations WHERE workshop_id = $1`, id).Scan(&lastPlaced, &firstWaiting, &distinct)
	if !lastPlaced.Before(firstWaiting) || distinct != people {
		t.Errorf("order of confirmation: last place %v, first waiting %v, %d distinct times", lastPlaced, firstWaiting, distinct)
	}
	rows, _ := ts.pool.Query(ctx, `SELECT id FROM workshop_registrations WHERE workshop_id = $1 AND status = 'waiting' ORDER BY confirmed_at, id`, id)
	var order []int64
	for rows.Next() {
		var rid int64
		rows.Scan(&rid)
		order = append(order, rid)
	}
	rows.Close()
	for i, rid := range order {
		if pos, err := ts.store.WaitingPosition(ctx, rid); err != nil || pos != i+1 {
			t.Fatalf("waiting position of entry %d: %d (%v)", i+1, pos, err)
		}
	}
	// The database refuses a place past capacity whatever the code does.
	if _, err := ts.pool.Exec(ctx, `UPDATE workshop_registrations SET status = 'placed' WHERE id = $1`, order[0]); err == nil {
		t.Fatal("the 31st place was allowed by the database")
	}
}

// The offer chain with the injectable clock: a cancellation offers the
// place to the first waiting; declining offers it on; a lapsed offer goes
// on by the sweep job; accepting takes the place; close to the start the
// offer is shorter, and too close the place is given without one.
func TestWorkshopOfferChain(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	m := jobs.WorkshopMailer{BaseURL: mustURL(t, ts.URL)}
	now := ts.clock.Now()
	id := ts.mustWorkshop(t, "chain", 1, now.Add(10*24*time.Hour))
	for _, who := range []string{"a", "b", "c", "d"} {
		ts.registerAndConfirm(t, "chain", "Person "+strings.ToUpper(who), who+"@example.com")
	}
	if ts.registrationStatus(t, id, "a@example.com") != workshops.Placed || ts.registrationStatus(t, id, "d@example.com") != workshops.Waiting {
		t.Fatal("the first has the place, the others wait")
	}
	// The text is wrapped, where depends on the times in it: read as one line.
	if w := ts.lastMail(t, "c@example.com", "waiting list"); !strings.Contains(strings.Join(strings.Fields(w.Text), " "), "number 2 on the waiting list") || strings.Contains(w.Text, "meet.example.com") {
		t.Errorf("the waiting-list email:\n%s", w.Text)
	}

	// A cancels: B is offered the place for 24 hours.
	aLink := ts.linkTo(t, "a@example.com", "/workshops/chain/your-place?token=")
	anon := ts.NewBrowser(t)
	tokenOf := func(link string) string { u, _ := url.Parse(link); return u.Query().Get("token") }
	if p := anon.Post(t, "/workshops/chain/your-place/cancel", url.Values{"token": {tokenOf(aLink)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", p.Status)
	}
	var expires time.Time
	ts.pool.QueryRow(ctx, `SELECT offer_expires_at FROM workshop_registrations WHERE email = 'b@example.com'`).Scan(&expires)
	if ts.registrationStatus(t, id, "b@example.com") != workshops.Offered || expires.Sub(ts.clock.Now()) > 24*time.Hour || expires.Sub(ts.clock.Now()) < 23*time.Hour {
		t.Fatalf("B: %s until %v", ts.registrationStatus(t, id, "b@example.com"), expires)
	}
	if ts.placesTaken(t, id) != 1 {
		t.Fatal("an offer holds the place")
	}
	offer := ts.lastMail(t, "b@example.com", "A place is free")
	if !strings.Contains(offer.Subject, "A place is free for you") || !strings.Contains(strings.Join(strings.Fields(offer.Text), " "), "Accept it by") || strings.Contains(offer.Text, "meet.example.com") {
		t.Fatalf("the offer email %q:\n%s", offer.Subject, offer.Text)
	}
	bLink := ts.linkTo(t, "b@example.com", "/workshops/chain/your-place?token=")
	if p := anon.Get(t, bLink); !strings.Contains(p.Body, "Accept the place") || !strings.Contains(p.Body, "Decline the place") || strings.Contains(p.Body, "meet.example.com") {
		t.Fatalf("the offer on the place page:\n%.3000s", p.Body)
	}

	// B declines: C is offered it.
	if p := anon.Post(t, "/workshops/chain/your-place/decline", url.Values{"token": {tokenOf(bLink)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("decline: %d", p.Status)
	}
	if ts.registrationStatus(t, id, "b@example.com") != workshops.Declined || ts.registrationStatus(t, id, "c@example.com") != workshops.Offered {
		t.Fatal("declining offers the place to the next")
	}
	// Accepting a declined offer is refused with the page as it stands.
	if p := anon.Post(t, "/workshops/chain/your-place/accept", url.Values{"token": {tokenOf(bLink)}}); p.Status != http.StatusConflict ||
		!strings.Contains(p.Body, "nhsuk-error-summary") {
		t.Fatalf("accepting after declining: %d", p.Status)
	}

	// C lets it lapse: the sweep (at the clock's time) offers it to D.
	if n, err := m.SweepWorkshopOffers(ctx, ts.pool, ts.clock.Now()); err != nil || n != 0 {
		t.Fatalf("nothing lapses early: %d %v", n, err)
	}
	ts.clock.Advance(25 * time.Hour)
	if n, err := m.SweepWorkshopOffers(ctx, ts.pool, ts.clock.Now()); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n, _ := m.SweepWorkshopOffers(ctx, ts.pool, ts.clock.Now()); n != 0 {
		t.Fatal("the sweep is not idempotent")
	}
	if ts.registrationStatus(t, id, "c@example.com") != workshops.Lapsed || ts.registrationStatus(t, id, "d@example.com") != workshops.Offered {
		t.Fatal("a lapsed offer goes to the next")
	}
	if l := ts.lastMail(t, "c@example.com", "run out"); !strings.Contains(l.Subject, "run out") {
		t.Errorf("the lapse email: %q", l.Subject)
	}
	// D accepts: a place, with the joining link.
	dLink := ts.linkTo(t, "d@example.com", "/workshops/chain/your-place?token=")
	if p := anon.Post(t, "/workshops/chain/your-place/accept", url.Values{"token": {tokenOf(dLink)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d", p.Status)
	}
	if ts.registrationStatus(t, id, "d@example.com") != workshops.Placed || ts.placesTaken(t, id) != 1 {
		t.Fatal("accepting takes the place")
	}
	if pl := ts.lastMail(t, "d@example.com", "You have a place"); !strings.Contains(pl.Text, "https://meet.example.com/join-abc") {
		t.Errorf("the place email after accepting:\n%s", pl.Text)
	}

	// Close to the start: an offer lasts at most half the time left.
	soon := ts.mustWorkshop(t, "soon", 1, ts.clock.Now().Add(10*time.Hour))
	ts.registerAndConfirm(t, "soon", "Person E", "e@example.com")
	ts.registerAndConfirm(t, "soon", "Person F", "f@example.com")
	eLink := ts.linkTo(t, "e@example.com", "/workshops/soon/your-place?token=")
	anon.Post(t, "/workshops/soon/your-place/cancel", url.Values{"token": {tokenOf(eLink)}})
	ts.pool.QueryRow(ctx, `SELECT offer_expires_at FROM workshop_registrations WHERE workshop_id = $1 AND email = 'f@example.com'`, soon).Scan(&expires)
	if left := expires.Sub(ts.clock.Now()); left > 5*time.Hour || left < 4*time.Hour {
		t.Errorf("an offer 10 hours before the start lasts %v", left)
	}

	// Too close for an offer: the place goes straight to the next person
	// waiting, who is emailed it with the joining link.
	close := ts.mustWorkshop(t, "too-close", 1, ts.clock.Now().Add(90*time.Minute))
	ts.registerAndConfirm(t, "too-close", "Person G", "g@example.com")
	ts.registerAndConfirm(t, "too-close", "Person H", "h@example.com")
	gLink := ts.linkTo(t, "g@example.com", "/workshops/too-close/your-place?token=")
	anon.Post(t, "/workshops/too-close/your-place/cancel", url.Values{"token": {tokenOf(gLink)}})
	if ts.registrationStatus(t, close, "h@example.com") != workshops.Placed || ts.placesTaken(t, close) != 1 {
		t.Fatalf("too close to the start, the next person waiting is %s", ts.registrationStatus(t, close, "h@example.com"))
	}
	var offered *time.Time
	ts.pool.QueryRow(ctx, `SELECT offer_expires_at FROM workshop_registrations WHERE workshop_id = $1 AND email = 'h@example.com'`, close).Scan(&offered)
	if offered != nil {
		t.Error("a place given too close to the start carries an offer deadline")
	}
	if pl := ts.lastMail(t, "h@example.com", "You have a place"); !strings.Contains(pl.Text, "https://meet.example.com/join-abc") {
		t.Errorf("the place email too close to the start:\n%s", pl.Text)
	}
}

// Reminders 2 days and 2 hours before go once each, to people with a place.
func TestWorkshopReminders(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	m := jobs.WorkshopMailer{BaseURL: mustURL(t, ts.URL)}
	start := ts.clock.Now().Add(3 * 24 * time.Hour)
	ts.mustWorkshop(t, "remind", 1, start)
	ts.registerAndConfirm(t, "remind", "Placed Person", "placed@example.com")
	ts.registerAndConfirm(t, "remind", "Waiting Person", "waiting@example.com")
	count := func(who string) int {
		n := 0
		for _, msg := range ts.mail.To(t, who) {
			if strings.HasPrefix(msg.Subject, "Reminder:") {
				n++
			}
		}
		return n
	}
	for _, at := range []time.Duration{-72 * time.Hour, -47 * time.Hour, -46 * time.Hour, -119 * time.Minute, -100 * time.Minute} {
		if _, err := m.SendWorkshopReminders(ctx, ts.pool, start.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	if count("placed@example.com") != 2 || count("waiting@example.com") != 0 {
		t.Fatalf("reminders: %d to the placed, %d to the waiting", count("placed@example.com"), count("waiting@example.com"))
	}
	if r := ts.lastMail(t, "placed@example.com", "Reminder:"); !strings.Contains(r.Text, "https://meet.example.com/join-abc") || len(r.Attachments) == 0 {
		t.Errorf("the reminder:\n%s", r.Text)
	}

	// Someone given their place a day before (after the 2-day reminder was
	// due) has just had the place email: only the 2-hour reminder follows.
	late := ts.mustWorkshop(t, "remind-late", 1, start)
	ts.registerAndConfirm(t, "remind-late", "Late Person", "late@example.com")
	if _, err := ts.pool.Exec(ctx, `UPDATE workshop_registrations SET placed_at = $2 WHERE workshop_id = $1`, late, start.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{-23 * time.Hour, -110 * time.Minute} {
		if _, err := m.SendWorkshopReminders(ctx, ts.pool, start.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	if n := count("late@example.com"); n != 1 {
		t.Errorf("%d reminders to someone placed a day before, want the 2-hour one only", n)
	}
}

// A signed-in trainee registers in one step with their referral's details,
// sees it on their own page and in their data export; a confirmed
// registrant with no referral can sign in.
func TestWorkshopSignedInTrainee(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	id := ts.mustWorkshop(t, "networking", 5, ts.clock.Now().Add(5*24*time.Hour))
	ts.MustReferral(t, "CR-WSIN-0001", "trainee@example.com", "", 0, 0)
	if _, err := ts.pool.Exec(ctx, `UPDATE referrals SET professional_group = 'doctor', region = 'london',
		answers = '{"group":["doctor"],"region":["london"],"stage":["st4"],"training_number":["LDN/1"],"end_kind":["expected"],"end_date":["2031-08-31"]}'
		WHERE reference = 'CR-WSIN-0001'`); err != nil {
		t.Fatal(err)
	}
	b := ts.NewBrowser(t)
	b.SignInPublic(t, "trainee@example.com")
	p := b.Get(t, "/workshops/networking")
	if !strings.Contains(p.Body, `name="one_step"`) || !strings.Contains(p.Body, "Specialty training year 4 (ST4)") {
		t.Fatalf("one-step registration is not offered:\n%.3000s", p.Body)
	}
	p = b.Post(t, "/workshops/networking/register", url.Values{"one_step": {"yes"}})
	if p.Status != http.StatusSeeOther || p.Location != "/workshops/networking/your-place" {
		t.Fatalf("one step: %d %q\n%.1000s", p.Status, p.Location, p.Body)
	}
	if s := ts.registrationStatus(t, id, "trainee@example.com"); s != workshops.Placed {
		t.Fatalf("one step: %s", s)
	}
	if f := b.Follow(t, p); f.Status != http.StatusOK || !strings.Contains(f.Body, "You have a place") || !strings.Contains(f.Body, "meet.example.com") {
		t.Fatalf("own place by sign-in: %d", f.Status)
	}
	// Again: nothing new.
	b.Post(t, "/workshops/networking/register", url.Values{"one_step": {"yes"}})
	var n int
	ts.pool.QueryRow(ctx, `SELECT count(*) FROM workshop_registrations WHERE email = 'trainee@example.com'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d registrations", n)
	}
	if y := b.Get(t, "/your-referrals"); !strings.Contains(y.Body, "Workshop networking") || !strings.Contains(y.Body, "You have a place") {
		t.Errorf("the trainee's page does not list the workshop:\n%.3000s", y.Body)
	}
	if d := b.Get(t, "/your-data/download.json"); d.Status != http.StatusOK || !strings.Contains(d.Body, `"workshop_registrations"`) ||
		!strings.Contains(d.Body, "Workshop networking") || !strings.Contains(d.Body, `"record": "workshop_registration`) {
		t.Errorf("the data export has no workshops:\n%.2000s", d.Body)
	}

	// A registrant with no referral, once confirmed, can sign in.
	ts.registerAndConfirm(t, "networking", "Only Workshops", "only@example.com")
	c := ts.NewBrowser(t)
	c.SignInPublic(t, "only@example.com")
	if y := c.Get(t, "/your-referrals"); !strings.Contains(y.Body, "Workshop networking") {
		t.Errorf("the registrant's page:\n%.2000s", y.Body)
	}
}

// Registration says clearly when it cannot happen, and the place page
// offers check-in and, after the event, feedback and the certificate at
// the right times only.
func TestWorkshopRegistrationStatesAndPlaceLinks(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	now := ts.clock.Now()
	b := ts.NewBrowser(t)
	mk := func(slug, set string, args ...any) {
		ts.mustWorkshop(t, slug, 5, now.Add(5*24*time.Hour))
		if set != "" {
			if _, err := ts.pool.Exec(ctx, `UPDATE workshops SET `+set+` WHERE slug = '`+slug+`'`, args...); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk("not-yet", "registration_opens_at = $1", now.Add(24*time.Hour))
	mk("shut", "registration_closes_at = $1", now.Add(-time.Hour))
	mk("called-off", "status = 'cancelled', cancelled_at = $1, cancel_reason = 'The speaker is ill.'", now)
	mk("gone", "starts_at = $1, ends_at = $2", now.Add(-3*time.Hour), now.Add(-2*time.Hour))
	for slug, want := range map[string]string{"not-yet": "Registration opens on", "shut": "Registration for this workshop has closed",
		"called-off": "This workshop has been cancelled.", "gone": "already taken place"} {
		if p := b.Get(t, "/workshops/"+slug+"/register"); !strings.Contains(p.Body, want) || strings.Contains(p.Body, `name="email"`) {
			t.Errorf("%s: the form is offered or %q is not said", slug, want)
		}
		// The reason staff gave is for the people registered, in their
		// email: not on the public page.
		if p := b.Get(t, "/workshops/"+slug); strings.Contains(p.Body, "The speaker is ill.") {
			t.Errorf("%s: the public page shows the cancellation reason", slug)
		}
		p := b.Post(t, "/workshops/"+slug+"/register", workshopForm("Late Person", "late@example.com"))
		if p.Status != http.StatusConflict || !strings.Contains(p.Body, want) {
			t.Errorf("%s: registering answered %d", slug, p.Status)
		}
	}
	var n int
	ts.pool.QueryRow(ctx, `SELECT count(*) FROM workshop_registrations`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d registrations for workshops not open", n)
	}

	// The place page over the event's life.
	start := now.Add(3 * time.Hour)
	id := ts.mustWorkshop(t, "live", 5, start)
	ts.registerAndConfirm(t, "live", "Live Person", "live@example.com")
	link := ts.linkTo(t, "live@example.com", "/workshops/live/your-place?token=")
	if p := b.Get(t, link); strings.Contains(p.Body, "/your-place/check-in") || strings.Contains(p.Body, "/your-place/feedback") {
		t.Error("check-in or feedback offered hours before the start")
	}
	ts.clock.Advance(3*time.Hour - 10*time.Minute)
	if p := b.Get(t, link); !strings.Contains(p.Body, `action="/workshops/live/your-place/check-in"`) || !strings.Contains(p.Body, `name="token"`) {
		t.Errorf("no check-in 10 minutes before the start:\n%.3000s", p.Body)
	}
	if p := b.Post(t, "/workshops/live/your-place/cancel", url.Values{"token": {strings.TrimPrefix(link, "/workshops/live/your-place?token=")}}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel before the start: %d", p.Status)
	}
	ts.registerAndConfirm(t, "live", "Live Person", "live@example.com")
	link = ts.linkTo(t, "live@example.com", "/workshops/live/your-place?token=")
	ts.clock.Advance(2 * time.Hour)
	if _, err := ts.pool.Exec(ctx, `UPDATE workshop_registrations SET attendance = 'attended', attendance_by = 'staff', attendance_at = now() WHERE workshop_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	p := b.Get(t, link)
	if !strings.Contains(p.Body, "/workshops/live/your-place/feedback?token=") || !strings.Contains(p.Body, "/workshops/live/your-place/certificate?token=") ||
		strings.Contains(p.Body, "check-in") || strings.Contains(p.Body, "Cancel your place") {
		t.Errorf("after the event:\n%.3000s", p.Body)
	}
	if p := b.Post(t, "/workshops/live/your-place/cancel", url.Values{"token": {strings.TrimPrefix(link, "/workshops/live/your-place?token=")}}); p.Status != http.StatusConflict {
		t.Errorf("cancelling after the start: %d", p.Status)
	}
}

// Someone typing another person's address into the form again and again
// cannot keep replacing the link in that person's inbox: once the
// address's email allowance for the hour is used, a post changes nothing
// and the last link sent still works. Someone registering the address of a
// person who cancelled does not take away when that person confirmed.
func TestWorkshopRegistrationByAnotherStopsAtTheAllowance(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	start := ts.clock.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
	id := ts.mustWorkshop(t, "allowance-workshop", 5, start)
	anon := ts.NewBrowser(t)
	hash := func() []byte {
		var h []byte
		if err := ts.pool.QueryRow(ctx, `SELECT confirm_token_hash FROM workshop_registrations WHERE workshop_id = $1 AND email = 'vic@example.com'`, id).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	for i := range auth.MailPerRecipient {
		if p := anon.Post(t, "/workshops/allowance-workshop/register", workshopForm("Someone Else", "vic@example.com")); p.Status != http.StatusSeeOther {
			t.Fatalf("post %d: %d", i, p.Status)
		}
		ts.clock.Advance(11 * time.Minute)
	}
	if n := len(ts.mail.To(t, "vic@example.com")); n != auth.MailPerRecipient {
		t.Fatalf("%d emails within the allowance, want %d", n, auth.MailPerRecipient)
	}
	// The link in force is the one whose token the row holds (emails are
	// delivered concurrently, so the newest to arrive may be another).
	last, lastLink := hash(), ""
	for _, m := range ts.mail.To(t, "vic@example.com") {
		for _, l := range linkRe.FindAllString(m.Text, -1) {
			if u, err := url.Parse(l); err == nil && u.Path == "/workshops/confirm" && string(auth.HashToken(u.Query().Get("token"))) == string(last) {
				lastLink = u.RequestURI()
			}
		}
	}
	if lastLink == "" {
		t.Fatal("no email holds the link the registration holds")
	}
	if p := anon.Post(t, "/workshops/allowance-workshop/register", workshopForm("Someone Else", "vic@example.com")); p.Status != http.StatusSeeOther {
		t.Fatalf("post past the allowance: %d", p.Status)
	}
	if string(hash()) != string(last) {
		t.Error("a post past the allowance replaced the emailed link")
	}
	if n := len(ts.mail.To(t, "vic@example.com")); n != auth.MailPerRecipient {
		t.Errorf("%d emails, want still %d", n, auth.MailPerRecipient)
	}
	if p := anon.Post(t, lastLink, nil); p.Status != http.StatusOK {
		t.Errorf("the last link sent no longer works: %d", p.Status)
	}

	// A person who confirmed, then cancelled, keeps that fact when someone
	// registers their address again.
	ts.clock.Advance(2 * time.Hour)
	if _, err := ts.pool.Exec(ctx, `UPDATE workshop_registrations SET status = 'cancelled', ended_at = now() WHERE workshop_id = $1 AND email = 'vic@example.com'`, id); err != nil {
		t.Fatal(err)
	}
	if p := anon.Post(t, "/workshops/allowance-workshop/register", workshopForm("Someone Else", "vic@example.com")); p.Status != http.StatusSeeOther {
		t.Fatalf("registering a cancelled address again: %d", p.Status)
	}
	if ok, err := ts.store.HasConfirmedWorkshopRegistration(ctx, "vic@example.com"); err != nil || !ok {
		t.Errorf("registering again by someone else took away the confirmation (%v)", err)
	}
}
