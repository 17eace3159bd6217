package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"careers/internal/booking"
	"careers/internal/policy"
)

// A refused booking shows the booking page again with the reason (409 and
// an error summary), never a redirect that looks like success; the server
// refuses a time inside the minimum notice the page states.
func TestRefusedBookingShowsTheReason(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	other := ts.MustStaff(t, "other@example.nhs.uk", policy.Coach)
	now := ts.clock.Now().Truncate(time.Hour)
	far := now.Add(72 * time.Hour)
	mustSlots(t, ts, coach.ID, far, far.Add(2*time.Hour), far.Add(4*time.Hour))
	inside := ts.clock.Now().Add(booking.DefaultNotice - 10*time.Minute)
	mustSlots(t, ts, coach.ID, inside)
	mustSlots(t, ts, other.ID, far)
	trainee, id := allocated(t, ts, "CR-REFU-2345", "refused@example.com", coach.ID, 1)
	second, _ := allocated(t, ts, "CR-SECO-2345", "second@example.com", coach.ID, 1)

	refused := func(what string, p page, status int, reason string) {
		t.Helper()
		if p.Status != status || !strings.Contains(p.Body, "nhsuk-error-summary") || !strings.Contains(p.Body, reason) {
			t.Errorf("%s: %d, want %d with %q in an error summary\n%s", what, p.Status, status, reason, errorSummary(p.Body))
		}
		if !strings.Contains(p.Body, "Book a session") {
			t.Errorf("%s: not the booking page", what)
		}
	}
	var slotInside, slotOther int64
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM availability_slots WHERE coach_id = $1 AND starts_at = $2`, coach.ID, inside).Scan(&slotInside); err != nil {
		t.Fatal(err)
	}
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM availability_slots WHERE coach_id = $1`, other.ID).Scan(&slotOther); err != nil {
		t.Fatal(err)
	}

	// The page states the notice and does not offer the time inside it.
	for _, from := range []string{"", "?from=" + booking.DateOf(inside).String()} {
		p := trainee.Get(t, "/your-referrals/CR-REFU-2345/book"+from)
		if !strings.Contains(p.Body, "at least 12 hours from now") || strings.Contains(p.Body, `value="`+strconv.FormatInt(slotInside, 10)+`"`) {
			t.Errorf("the booking page%s does not state the notice, or offers a time inside it", from)
		}
	}
	book := trainee.Get(t, "/your-referrals/CR-REFU-2345/book?from="+booking.DateOf(far).String())
	// A posted time inside the notice is refused by the server.
	refused("inside the notice", trainee.Post(t, "/your-referrals/CR-REFU-2345/book", url.Values{"slot": {strconv.FormatInt(slotInside, 10)}}),
		http.StatusConflict, "less than 12 hours")
	// Another coach's time, and no such time.
	refused("another coach's time", trainee.Post(t, "/your-referrals/CR-REFU-2345/book", url.Values{"slot": {strconv.FormatInt(slotOther, 10)}}),
		http.StatusConflict, "not one of your coach")
	refused("no such time", trainee.Post(t, "/your-referrals/CR-REFU-2345/book", url.Values{"slot": {"999999"}}),
		http.StatusConflict, "not available any more")
	// Nothing chosen.
	refused("nothing chosen", trainee.Post(t, "/your-referrals/CR-REFU-2345/book", nil), http.StatusUnprocessableEntity, "Choose a time")
	if _, u := used(t, ts, id); u != 0 {
		t.Fatalf("refused bookings used %d sessions", u)
	}

	// Booked by someone else a moment ago.
	slot := slotAt(t, ts, book.Body, far)
	if p := second.Post(t, "/your-referrals/CR-SECO-2345/book", url.Values{"slot": {slot}}); p.Status != http.StatusSeeOther {
		t.Fatalf("second trainee books: %d %s", p.Status, errorSummary(p.Body))
	}
	p := trainee.Post(t, "/your-referrals/CR-REFU-2345/book", url.Values{"slot": {slot}})
	refused("slot taken", p, http.StatusConflict, "booked that time a moment ago")
	if !strings.Contains(p.Body, `name="slot"`) {
		t.Error("after a taken slot, the page does not offer the times still free")
	}

	// Allowance used up: the second booking is refused with the reason.
	last := slotOn(t, ts, trainee, "/your-referrals/CR-REFU-2345/book", far.Add(4*time.Hour))
	if p := trainee.Post(t, "/your-referrals/CR-REFU-2345/book", url.Values{"slot": {slotOn(t, ts, trainee, "/your-referrals/CR-REFU-2345/book", far.Add(2*time.Hour))}}); p.Status != http.StatusSeeOther {
		t.Fatalf("book: %d %s", p.Status, errorSummary(p.Body))
	}
	refused("allowance used up", trainee.Post(t, "/your-referrals/CR-REFU-2345/book", url.Values{"slot": {last}}),
		http.StatusConflict, "All the sessions in your allowance are booked or used")
	if _, u := used(t, ts, id); u != 1 {
		t.Errorf("used %d, want 1", u)
	}
}
