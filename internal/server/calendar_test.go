package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"careers/internal/booking"
	"careers/internal/policy"
)

func TestCoachCalendar(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ctx := context.Background()
	coach := ts.MustStaff(t, "coach@example.nhs.uk", policy.Coach)
	ts.MustStaff(t, "coord@example.nhs.uk", policy.Coordinator)
	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coach.Email, "")

	from := booking.DateOf(ts.clock.Now()).AddDays(1)
	until := from.AddDays(27)
	p := cb.Post(t, "/staff/calendar/pattern", url.Values{"from": {from.String()}, "until": {until.String()},
		"weekdays": {"2", "4"}, "start": {"14:00"}, "length": {"60"}, "count": {"2"}, "mode": {"virtual"}, "place": {"Teams"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("pattern: %d %s", p.Status, errorSummary(p.Body))
	}
	rows, _ := ts.pool.Query(ctx, `SELECT starts_at FROM availability_slots WHERE coach_id = $1 ORDER BY starts_at`, coach.ID)
	london, _ := time.LoadLocation("Europe/London")
	n := 0
	for rows.Next() {
		var s time.Time
		rows.Scan(&s)
		l := s.In(london)
		if (l.Hour() != 14 && l.Hour() != 15) || l.Minute() != 0 || (l.Weekday() != time.Tuesday && l.Weekday() != time.Thursday) {
			t.Errorf("slot at %v London", l)
		}
		n++
	}
	rows.Close()
	if n != 16 {
		t.Errorf("%d slots from 4 weeks of Tuesdays and Thursdays, 2 a day; want 16", n)
	}
	// The week view shows them; the month view too.
	if g := cb.Get(t, "/staff/calendar?from="+from.AddDays(7).String()); g.Status != 200 || !strings.Contains(g.Body, "Free") || !strings.Contains(g.Body, "2pm to 3pm") {
		t.Errorf("week view: %d", g.Status)
	}
	if g := cb.Get(t, "/staff/calendar?from="+from.String()+"&view=month"); g.Status != 200 {
		t.Errorf("month view: %d", g.Status)
	}
	// The same pattern again adds nothing (no overlaps).
	cb.Post(t, "/staff/calendar/pattern", url.Values{"from": {from.String()}, "until": {until.String()},
		"weekdays": {"2", "4"}, "start": {"14:00"}, "length": {"60"}, "count": {"2"}, "mode": {"virtual"}})
	var again int
	ts.pool.QueryRow(ctx, `SELECT count(*) FROM availability_slots WHERE coach_id = $1`, coach.ID).Scan(&again)
	if again != 16 {
		t.Errorf("%d slots after adding the same pattern twice", again)
	}
	// Errors keep what was typed.
	bad := cb.Post(t, "/staff/calendar/pattern", url.Values{"from": {"tomorrow"}, "until": {until.String()}, "start": {"25:00"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `value="tomorrow"`) || !strings.Contains(bad.Body, "There is a problem") {
		t.Errorf("bad pattern: %d", bad.Status)
	}
	// A blocked time cannot be booked.
	day := from.AddDays(2)
	if p := cb.Post(t, "/staff/calendar/single", url.Values{"date": {day.String()}, "single_start": {"09:00"}, "single_length": {"60"}, "block": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("block: %d %s", p.Status, errorSummary(p.Body))
	}
	var blocked int64
	ts.pool.QueryRow(ctx, `SELECT id FROM availability_slots WHERE coach_id = $1 AND blocked`, coach.ID).Scan(&blocked)
	if blocked == 0 {
		t.Fatal("no blocked slot stored")
	}
	free, _ := ts.store.FreeSlots(ctx, coach.ID, ts.clock.Now(), ts.clock.Now().Add(60*24*time.Hour))
	for _, f := range free {
		if f.ID == blocked {
			t.Error("a blocked time is offered for booking")
		}
	}
	// Removing an unbooked slot.
	if p := cb.Post(t, "/staff/calendar/slots/"+itoa(blocked)+"/delete", nil); p.Status != http.StatusSeeOther {
		t.Errorf("delete: %d", p.Status)
	}
	// Coordinators have no calendar of their own.
	c := ts.NewBrowser(t)
	c.SignInStaff(t, "coord@example.nhs.uk", "")
	if g := c.Get(t, "/staff/calendar"); g.Status != http.StatusForbidden {
		t.Errorf("coordinator calendar: %d", g.Status)
	}
}
