package store_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"careers/internal/policy"
	"careers/internal/reports"
	"careers/internal/store"
	"careers/internal/testdb"
)

// The report figures on a small dataset, every one worked out by hand.
// The period is April to June 2025, British Summer Time throughout, so it
// runs from 2025-03-31 23:00 UTC to 2025-06-30 23:00 UTC; the times below
// are UTC and several sit a minute either side of those edges.
func TestReportFigures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.NewPool(t))
	pool := st.Pool()
	coach, err := st.CreateStaffUser(ctx, store.NewStaffUser{Email: "coach@example.nhs.uk", Name: "Coach", Roles: []policy.Role{policy.Coach}})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	opt := func(s string) *time.Time {
		if s == "" {
			return nil
		}
		v := at(s)
		return &v
	}
	ids := map[string]int64{}
	referral := func(ref, route, status, region, group, answers, submitted, confirmed, responded, closed, outcome string) {
		t.Helper()
		var id int64
		err := pool.QueryRow(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, region,
				professional_group, answers, submitted_at, confirmed_at, first_response_at, closed_at, outcome)
			VALUES ($1, $2, $3, 'T', 't@example.com', $4, $5, $6, $7, $8, $9, $10, nullif($11, '')) RETURNING id`,
			ref, route, status, region, group, answers, at(submitted), opt(confirmed), opt(responded), opt(closed), outcome).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		ids[ref] = id
	}
	// ref, route, status, region, group, reasons, submitted, confirmed, first response, closed, outcome
	// R1: 00:30 London on 1 April (in); answered on its due day (15 April, day 14).
	referral("R1", "self", "allocated", "london", "doctor", `{"reasons":["uncertain_direction","outside_medicine"]}`,
		"2025-03-31T23:30:00Z", "", "2025-04-15T21:00:00Z", "", "")
	// R2: 23:30 London on 31 March (out); closed a minute after the period.
	referral("R2", "self", "closed", "london", "doctor", `{"reasons":["other"]}`,
		"2025-03-31T22:30:00Z", "", "2025-04-01T10:00:00Z", "2025-06-30T23:00:00Z", "still_deciding")
	// R3: answered a day late (day 15); closed in the period.
	referral("R3", "self", "closed", "kss", "dentist", `{"reasons":["outside_medicine"]}`,
		"2025-04-10T12:00:00Z", "", "2025-04-25T09:00:00Z", "2025-05-20T10:00:00Z", "outside_medicine")
	// R4: submitted in March (not received in the period) but confirmed in
	// April, so its clock started in the period; answered in 3 days.
	referral("R4", "supervisor", "active", "london", "nurse", `{"reasons":["lack_of_progress","ill_health"]}`,
		"2025-03-20T10:00:00Z", "2025-04-02T10:00:00Z", "2025-04-05T10:00:00Z", "", "")
	// R5: received; the trainee has not confirmed, so no clock.
	referral("R5", "case_manager", "awaiting_trainee", "elsewhere", "pharmacist", `{"reasons":["explore_in_confidence"]}`,
		"2025-06-25T10:00:00Z", "", "", "", "")
	// R6: 23:59 London on 30 June (in); never answered, due 14 July: overdue.
	referral("R6", "self", "new", "london", "doctor", `{"reasons":["uncertain_direction"]}`,
		"2025-06-30T22:59:00Z", "", "", "", "")
	// R7: midnight London on 1 July (out).
	referral("R7", "self", "allocated", "london", "doctor", `{"reasons":["uncertain_direction"]}`,
		"2025-06-30T23:00:00Z", "", "2025-07-01T10:00:00Z", "", "")
	// R8: withdrew before any response: received, closed with no outcome,
	// no response was due.
	referral("R8", "self", "withdrawn", "london", "doctor", `{"reasons":["uncertain_direction"]}`,
		"2025-05-01T10:00:00Z", "", "", "2025-05-03T10:00:00Z", "")
	// R9: from January, closed on 1 April.
	referral("R9", "self", "closed", "kss", "doctor", `{"reasons":["uncertain_direction","other"]}`,
		"2025-01-10T10:00:00Z", "", "2025-01-12T10:00:00Z", "2025-04-01T10:00:00Z", "change_specialty")
	// R10: answered the next day; its answers hold no list of reasons.
	referral("R10", "self", "allocated", "kss", "doctor", `{"reasons":"uncertain_direction"}`,
		"2025-05-05T10:00:00Z", "", "2025-05-06T10:00:00Z", "", "")

	ledger := func(ref, kind string, sessions int, when string) {
		t.Helper()
		if err := st.AddAllowance(ctx, ids[ref], kind, sessions, 0, "", at(when)); err != nil {
			t.Fatalf("%s %s: %v", ref, kind, err)
		}
	}
	appointment := func(ref, status, starts string) {
		t.Helper()
		s := at(starts)
		var slot int64
		if err := pool.QueryRow(ctx, `INSERT INTO availability_slots (coach_id, starts_at, ends_at, mode) VALUES ($1, $2, $3, 'virtual') RETURNING id`,
			coach.ID, s, s.Add(time.Hour)).Scan(&slot); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO appointments (referral_id, slot_id, coach_id, starts_at, ends_at, mode, status, booked_by)
			VALUES ($1, $2, $3, $4, $5, 'virtual', $6, 'trainee')`, ids[ref], slot, coach.ID, s, s.Add(time.Hour), status); err != nil {
			t.Fatal(err)
		}
	}
	ledger("R9", "granted", 1, "2025-01-13T10:00:00Z")
	ledger("R9", "attended", 1, "2025-03-31T22:59:00Z") // a minute before the period
	ledger("R1", "granted", 3, "2025-04-16T09:00:00Z")
	ledger("R4", "granted", 2, "2025-04-06T10:00:00Z")
	ledger("R3", "granted", 1, "2025-04-26T10:00:00Z")
	ledger("R3", "forfeited", 1, "2025-05-02T10:00:00Z")
	ledger("R3", "waived", 1, "2025-05-03T10:00:00Z")
	ledger("R10", "granted", 2, "2025-05-07T10:00:00Z")
	ledger("R10", "attended", 1, "2025-05-10T11:00:00Z")
	ledger("R1", "extended", 1, "2025-06-01T10:00:00Z")
	// A second grant is not an allocation. The store now refuses one
	// (ErrAlreadyGranted); a database may still hold them from before, as
	// written here directly.
	if _, err := pool.Exec(ctx, `INSERT INTO allowance_events (referral_id, at, kind, sessions, note) VALUES ($1, $2, 'granted', 1, '')`,
		ids["R10"], at("2025-06-10T10:00:00Z")); err != nil {
		t.Fatal(err)
	}
	ledger("R7", "granted", 2, "2025-06-30T23:00:00Z") // midnight at the period's end: out
	appointment("R9", "attended", "2025-04-02T10:00:00Z")
	appointment("R1", "cancelled", "2025-04-20T09:00:00Z")
	appointment("R1", "booked", "2025-04-30T09:00:00Z")       // 16 -> 30 April: 14 days
	appointment("R10", "attended", "2025-05-10T10:00:00Z")    // 7 -> 10 May: 3 days
	appointment("R3", "not_attended", "2025-05-02T08:00:00Z") // 26 April -> 2 May: 6 days
	// R4 has no session yet.

	extension := func(ref, status, asked, decided string) {
		t.Helper()
		if _, err := pool.Exec(ctx, `INSERT INTO extension_requests (referral_id, sessions, justification, requested_by, requested_at, status, decided_at)
			VALUES ($1, 1, 'More time', $2, $3, $4, $5)`, ids[ref], coach.ID, at(asked), status, opt(decided)); err != nil {
			t.Fatal(err)
		}
	}
	extension("R1", "approved", "2025-05-30T10:00:00Z", "2025-06-01T10:00:00Z")
	extension("R10", "pending", "2025-06-29T10:00:00Z", "")
	extension("R9", "approved", "2025-03-25T10:00:00Z", "2025-04-02T10:00:00Z") // asked before, approved in
	extension("R3", "declined", "2025-04-28T10:00:00Z", "2025-04-29T10:00:00Z")

	from, to := at("2025-03-31T23:00:00Z"), at("2025-06-30T23:00:00Z")
	london, _ := time.LoadLocation("Europe/London")
	p, _, _ := reports.ParsePeriod("2025-04-01", "2025-06-30")
	if f, e := p.Bounds(london); !f.Equal(from) || !e.Equal(to) {
		t.Fatalf("the period's bounds are %v to %v", f, e)
	}

	// Received: R1, R3, R5, R6, R8, R10.
	rec, err := st.ReportReceived(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want map[string]int) {
		t.Helper()
		if !maps.Equal(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	if rec.Total != 6 {
		t.Errorf("received %d, want 6", rec.Total)
	}
	check("by route", rec.ByRoute, map[string]int{"self": 5, "case_manager": 1})
	check("by region", rec.ByRegion, map[string]int{"london": 3, "kss": 2, "elsewhere": 1})
	check("by group", rec.ByGroup, map[string]int{"doctor": 4, "dentist": 1, "pharmacist": 1})
	check("by reason", rec.ByReason, map[string]int{"uncertain_direction": 3, "outside_medicine": 2, "explore_in_confidence": 1})

	// Responses: clocks started in the period for R1 (day 14), R3 (day 15),
	// R4 (day 3), R10 (day 1) and R6 (unanswered, overdue); R8 withdrew
	// with no response due and R5 has no clock. On time: 3 of 5.
	resp, err := st.ReportResponses(ctx, from, to, 14, at("2026-11-28T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got := bins(resp.Answered); !maps.Equal(got, map[int]int{14: 1, 15: 1, 3: 1, 1: 1}) || resp.Overdue != 1 || resp.OnTime(14) != 3 {
		t.Errorf("responses: answered %v, overdue %d, on time %d; want day 14, 15, 3, 1, overdue 1, on time 3", got, resp.Overdue, resp.OnTime(14))
	}
	if m, n, _ := reports.Median(resp.Answered); m != 8.5 || n != 4 {
		t.Errorf("median days to respond %v over %d, want 8.5 over 4", m, n)
	}
	// 3 of 5 is 60%, and the page shows it: a service figure is exact.
	if due, on := reports.Total(resp.Answered)+resp.Overdue, resp.OnTime(14); due != 5 || on*100/due != 60 {
		t.Errorf("answered within 14 days: %d of %d, want 3 of 5 (60%%)", on, due)
	}
	if got := reports.ExactPercent(resp.OnTime(14), reports.Total(resp.Answered)+resp.Overdue); got != "60%" {
		t.Errorf("the page's rate for 3 of 5: %s, want 60%%", got)
	}
	// On 14 July 2025, R6's due day, it is not yet overdue: 3 of 4.
	resp, err = st.ReportResponses(ctx, from, to, 14, at("2025-07-14T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Overdue != 0 {
		t.Errorf("on its due day R6 counted as overdue")
	}

	// Waits: R1 14 days, R10 3, R3 6; R4 still waiting. R9 and R7 were
	// allocated outside the period; R10's second grant is not an allocation.
	waits, err := st.ReportWaits(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if got := bins(waits.Seen); !maps.Equal(got, map[int]int{14: 1, 3: 1, 6: 1}) || waits.Waiting != 1 {
		t.Errorf("waits %v, waiting %d; want days 14, 3, 6 and 1 waiting", got, waits.Waiting)
	}

	// Ledger: granted 3+2+1+2+1 = 9, extended 1, attended 1 (R9's was a
	// minute early), forfeited 1, waived 1. Extensions asked: R1, R10, R3;
	// approved in the period: R1, R9.
	ses, err := st.ReportSessions(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	check("sessions", ses.Sessions, map[string]int{"granted": 9, "extended": 1, "attended": 1, "forfeited": 1, "waived": 1})
	if ses.ExtensionsAsked != 3 || ses.ExtensionsApproved != 2 {
		t.Errorf("extensions asked %d approved %d, want 3 and 2", ses.ExtensionsAsked, ses.ExtensionsApproved)
	}

	// Closed in the period: R9 (1 April), R8 (withdrew), R3; R2 closed at
	// the period's end, so not in it.
	out, err := st.ReportOutcomes(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	check("outcomes", out.ByOutcome, map[string]int{"change_specialty": 1, "": 1, "outside_medicine": 1})
	if want := map[[2]string]int{
		{"change_specialty", "uncertain_direction"}: 1, {"change_specialty", "other"}: 1,
		{"", "uncertain_direction"}: 1, {"outside_medicine", "outside_medicine"}: 1,
	}; !maps.Equal(out.ByOutcomeReason, want) {
		t.Errorf("outcomes by reason %v, want %v", out.ByOutcomeReason, want)
	}

	// An empty period: zeros, not errors.
	empty, err := st.ReportReceived(ctx, at("2030-01-01T00:00:00Z"), at("2030-02-01T00:00:00Z"))
	if err != nil || empty.Total != 0 || len(empty.ByRoute) != 0 {
		t.Errorf("empty period: %+v, %v", empty, err)
	}
}

// bins is a histogram as a map, for comparing.
func bins(bs []reports.Bin) map[int]int {
	out := map[int]int{}
	for _, b := range bs {
		out[b.Value] += b.N
	}
	return out
}
