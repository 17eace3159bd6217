package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"careers/internal/eligibility"
	"careers/internal/policy"
	"careers/web"
)

// The hot paths of a page, without the network or the database:
// go test -run '^$' -bench . -benchmem ./cmd/bench

// queueProps is a full queue page: 50 rows, every filter, the counts.
func queueProps() web.QueueProps {
	p := web.QueueProps{Caption: "Open referrals, earliest response deadline first", Next: "/staff/referrals?after=1767225600000000.123"}
	for i, st := range []string{"awaiting_trainee", "new", "info_requested", "accepted", "allocated", "active", "closed", "withdrawn"} {
		p.Counts = append(p.Counts, web.QueueCount{Label: web.StatusLabel(st), N: 100 * (i + 1), Href: "/staff/referrals?status=" + st})
	}
	for _, name := range []string{"status", "route", "region", "eligibility", "coach", "deadline", "sort"} {
		sel := web.QueueSelect{Name: name, Label: name}
		for i := range 8 {
			sel.Options = append(sel.Options, web.Option{Value: strconv.Itoa(i), Label: "Option " + strconv.Itoa(i)})
		}
		p.Filters = append(p.Filters, sel)
	}
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i := range 50 {
		p.Rows = append(p.Rows, web.QueueRow{Reference: "CR-7K4M-2Q" + strconv.Itoa(10+i), TraineeName: "Priya Patel", Route: "self",
			Status: "new", Eligibility: "eligible", EligibilityLabel: "Eligible", Coach: "Kofi Coach", SubmittedAt: day.AddDate(0, 0, -i),
			Deadline: web.QueueDeadline{Text: strconv.Itoa(i%14) + " days left", Tag: "nhsuk-tag--orange", Due: day.AddDate(0, 0, 14-i)}})
	}
	return p
}

func BenchmarkRenderQueuePage(b *testing.B) {
	assets, err := web.NewAssets()
	if err != nil {
		b.Fatal(err)
	}
	l := web.Layout{Title: "Referrals", Nonce: "bm9uY2U", Assets: assets, Path: "/staff/referrals",
		Account: &web.Account{Name: "Cora Coordinator", SignOut: "/staff/sign-out"},
		Nav:     []web.NavItem{{Href: "/staff", Text: "Home"}, {Href: "/staff/referrals", Text: "Referrals", Current: true}}}
	p := queueProps()
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := web.QueuePage(l, p).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}

func BenchmarkEligibilityCheck(b *testing.B) {
	a := eligibility.Answers{ProfessionalGroup: "doctor", Region: "london", Stage: "st3", HasTrainingNumber: true,
		CCTDate: eligibility.NewDate(2028, time.August, 5)}
	today := eligibility.NewDate(2026, time.March, 2)
	b.ReportAllocs()
	for b.Loop() {
		if r := eligibility.Check(a, today); r.Outcome != eligibility.Eligible {
			b.Fatalf("outcome %s", r.Outcome)
		}
	}
}

func BenchmarkPolicyReferral(b *testing.B) {
	coach := policy.Actor{Kind: policy.Staff, StaffID: 42, Roles: []policy.Role{policy.Coach}}
	owners := policy.ReferralOwners{TraineeEmail: "priya.patel@example.com", CaseManagerID: 7, CoachID: 42}
	b.ReportAllocs()
	for b.Loop() {
		if policy.Referral(coach, policy.ViewReferral, owners) != policy.Allow {
			b.Fatal("coach refused")
		}
	}
}

// The harness itself: an answer with another status than the route's is
// an error, and the climb stops at the first rate that is not healthy.
func TestAttackCountsUnexpectedStatusAsErrors(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Redirect(w, r, "/staff/sign-in", http.StatusSeeOther) // a lost session, say
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	s := attack(context.Background(), 40, 500*time.Millisecond, 200, time.Second, func(uint64) vegeta.Target {
		return vegeta.Target{Method: "GET", URL: srv.URL}
	})
	if s.Requests < 15 || s.Errors < s.Requests/2-1 || s.Healthy {
		t.Fatalf("step %+v: want about half the requests counted as errors, and the rate unhealthy", s)
	}
}

func TestClimbStopsWhereLatencyBreaks(t *testing.T) {
	t.Parallel()
	// Slower as the rate rises: fine at 10/s, far over budget at 40/s.
	var inflight atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rate, _ := strconv.Atoi(r.Header.Get("X-Rate"))
		inflight.Add(1)
		defer inflight.Add(-1)
		if rate >= 40 {
			time.Sleep(60 * time.Millisecond)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	o := options{rates: []int{10, 20, 40, 80}, step: 400 * time.Millisecond, refine: 1}
	l, tried := climbTagged(t, o, route{key: "test", expect: 200, budget: 30 * time.Millisecond}, srv.URL)
	// 10, 20 healthy; 40 not; one bisection tries 30 (healthy: under 40).
	if len(tried) != 4 || tried[0] != 10 || tried[1] != 20 || tried[2] != 30 || tried[3] != 40 {
		t.Fatalf("rates tried %v, want [10 20 30 40]", tried)
	}
	if l.Knee == nil || l.Knee.Rate != 30 || l.Capped {
		t.Fatalf("knee %+v (capped %v), want 30/s", l.Knee, l.Capped)
	}
}

// A warm-up rises from the lowest rate to the one asked for: requests in
// its last quarter come several times faster than in its first.
func TestWarmUpRisesToTheRateAskedFor(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var at []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
	}))
	defer srv.Close()
	o := options{rates: []int{10, 20}, warmup: time.Second}
	start := time.Now()
	if err := warm(context.Background(), o, route{key: "test", expect: 200}, func(uint64) vegeta.Target {
		return vegeta.Target{Method: "GET", URL: srv.URL}
	}, nil, 200); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var first, last int
	for _, a := range at {
		switch d := a.Sub(start); {
		case d < 250*time.Millisecond:
			first++
		case d >= 750*time.Millisecond && d < time.Second:
			last++
		}
	}
	// A straight rise from 10/s to 200/s over a second: about 105
	// requests, 5 in the first quarter and 45 in the last.
	if len(at) < 60 || len(at) > 150 || last < 3*first || last < 25 {
		t.Fatalf("%d requests, %d in the first quarter, %d in the last: want about 105, rising", len(at), first, last)
	}
}

// After a rate the server could not keep up with, the fresh process is
// warmed up to the last healthy rate, not left at the lowest.
func TestFreshServerWarmsUpToTheLastHealthyRate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Rate") == "40" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	var rate atomic.Int64
	var mu sync.Mutex
	var prepared []int
	o := options{rates: []int{10, 20, 40}, step: 300 * time.Millisecond, warmup: 200 * time.Millisecond, refine: 1}
	restarts := 0
	_, err := climb(context.Background(), o, route{key: "test", expect: 200, budget: time.Second}, func(uint64) vegeta.Target {
		return vegeta.Target{Method: "GET", URL: srv.URL, Header: http.Header{"X-Rate": {strconv.FormatInt(rate.Load(), 10)}}}
	}, func(r int) error {
		mu.Lock()
		prepared = append(prepared, r)
		mu.Unlock()
		rate.Store(int64(r))
		return nil
	}, serverHooks{recover: func() error { restarts++; return nil }}, func(step) {})
	if err != nil {
		t.Fatal(err)
	}
	// Steps 10, 20, 40 (fails: restart, warm-up to 20), 40 again (fails:
	// restart, warm-up to 20), then bisection's 30.
	want := []int{10, 20, 40, 20, 40, 20, 30}
	if restarts != 2 || fmt.Sprint(prepared) != fmt.Sprint(want) {
		t.Fatalf("restarts %d, rates prepared %v: want 2 and %v", restarts, prepared, want)
	}
}

// A second ladder starts part-way up; when its first rate fails it steps
// down the rates below it until one is healthy, then bisects, so the run
// has a knee (30 here) instead of none.
func TestSecondLadderStepsDownWhenItsFirstRateFails(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, _ := strconv.Atoi(r.Header.Get("X-Rate")); n >= 40 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	o := options{rates: []int{40, 80}, below: []int{10, 20}, warmFrom: 10, step: 300 * time.Millisecond, warmup: 200 * time.Millisecond, refine: 1}
	l, tried := climbTagged(t, o, route{key: "test", expect: 200, budget: time.Second}, srv.URL)
	if l.Knee == nil || l.Knee.Rate != 30 || l.Capped {
		t.Fatalf("knee %v (capped %v) after rates %v: want 30", l.Knee, l.Capped, tried)
	}
	if fmt.Sprint(tried) != "[20 30 40]" {
		t.Errorf("rates measured %v: want [20 30 40] (80 and 10 not needed)", tried)
	}
}

// climbTagged climbs o's rates against url, each request telling the
// server the rate of its step (X-Rate), and returns the ladder and the
// rates measured, in order.
func climbTagged(t *testing.T, o options, r route, url string) (ladder, []int) {
	t.Helper()
	var rate atomic.Int64
	l, err := climb(context.Background(), o, r, func(uint64) vegeta.Target {
		return vegeta.Target{Method: "GET", URL: url, Header: http.Header{"X-Rate": {strconv.FormatInt(rate.Load(), 10)}}}
	}, func(r int) error { rate.Store(int64(r)); return nil }, serverHooks{}, func(step) {})
	if err != nil {
		t.Fatal(err)
	}
	var tried []int
	for _, s := range l.Steps {
		tried = append(tried, s.Rate)
	}
	return l, tried
}

// A server started again after a rate it could not keep up with is warmed
// up before the next step: to the last healthy rate, or, when no rate has
// been healthy yet (a second ladder whose first rung failed), to the rate
// about to be measured, never only at the lowest rate.
func TestFreshServerWarmsUpToTheNextRateWhenNoneWasHealthy(t *testing.T) {
	t.Parallel()
	// At 40 and over, every other answer fails: the rate is not healthy,
	// but a warm-up there is still answered.
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, _ := strconv.Atoi(r.Header.Get("X-Rate")); n >= 40 && served.Add(1)%2 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	var rate atomic.Int64
	var events []string
	o := options{rates: []int{40, 80}, below: []int{10, 20}, warmFrom: 10, step: 300 * time.Millisecond, warmup: 200 * time.Millisecond, refine: 1}
	l, err := climb(context.Background(), o, route{key: "test", expect: 200, budget: time.Second}, func(uint64) vegeta.Target {
		return vegeta.Target{Method: "GET", URL: srv.URL, Header: http.Header{"X-Rate": {strconv.FormatInt(rate.Load(), 10)}}}
	}, func(r int) error {
		rate.Store(int64(r))
		events = append(events, "prepare "+strconv.Itoa(r))
		return nil
	}, serverHooks{recover: func() error { events = append(events, "restart"); return nil }}, func(step) {})
	if err != nil {
		t.Fatal(err)
	}
	if l.Knee == nil || l.Knee.Rate != 30 {
		t.Fatalf("knee %v, want 30", l.Knee)
	}
	// 40 fails twice (each time a restart), 20 is healthy, 30 is healthy, 40... not tried again (refine 1).
	// After each restart: a warm-up to the rate tried next, then its step.
	want := "prepare 40, restart, prepare 40, prepare 40, restart, prepare 20, prepare 20, prepare 30"
	if got := strings.Join(events, ", "); got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
}
