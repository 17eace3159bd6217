package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// step is one constant rate held for a while.
type step struct {
	Rate       int
	Requests   uint64
	Throughput float64 // answers as expected, per second
	Errors     uint64  // answers not as expected, and failed requests
	P50, P95   time.Duration
	P99, Max   time.Duration
	FirstError string
	Healthy    bool
	// PeakRSS is the server's peak resident memory during the step (0 if
	// unknown).
	PeakRSS int64
	// Retried: the first try at this rate was not healthy; this is the
	// second (one bad try can be a hiccup of a shared machine).
	Retried bool
	// AfterOverload: a rate past the knee ran before this one (the
	// bisection), so the server may still hold memory it grew then.
	AfterOverload bool
	// Run is which of the route's ladders on this server the step is of
	// (0 the first).
	Run int
	// CPU is what the step cost the server, PostgreSQL and the machine
	// (cpu.go).
	CPU stepCPU
	// Calibration is how long a fixed piece of CPU work took just before
	// the step (calibrate): longer means the machine itself was slower.
	Calibration time.Duration
}

// ErrorRate is the share of requests that failed.
func (s step) ErrorRate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.Requests)
}

// ladder is a route's run on one server: the rates tried, in order.
type ladder struct {
	Steps []step
	// Knee is the highest healthy rate (nil: not even the lowest was).
	Knee *step
	// Capped: healthy at the highest rate tried, so the knee is higher.
	Capped bool
}

// StepAt returns the step run at rate, if any.
func (l ladder) StepAt(rate int) (step, bool) {
	for _, s := range l.Steps {
		if s.Rate == rate {
			return s, true
		}
	}
	return step{}, false
}

// maxErrorRate is the share of failed requests a healthy rate may have:
// one in a thousand (none at all in a step of fewer requests).
const maxErrorRate = 0.001

// attack holds rate for d against requests made by next, and measures it.
// expect is the only status that counts as success.
func attack(ctx context.Context, rate int, d time.Duration, expect int, budget time.Duration, next func(uint64) vegeta.Target) step {
	return attackPaced(ctx, vegeta.Rate{Freq: rate, Per: time.Second}, rate, d, expect, budget, next)
}

// attackPaced is attack with requests sent as pacer says; rate is what the
// throughput is held to.
func attackPaced(ctx context.Context, pacer vegeta.Pacer, rate int, d time.Duration, expect int, budget time.Duration, next func(uint64) vegeta.Target) step {
	// Our own transport, so the step's connections can be closed after it:
	// left open, every step's idle keep-alive connections would pile up
	// (in the load generator's file descriptors, and as goroutines and
	// buffers in the server being measured).
	transport := &http.Transport{
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: vegeta.DefaultConnections,
	}
	defer transport.CloseIdleConnections()
	a := vegeta.NewAttacker(
		vegeta.Client(&http.Client{Transport: transport}),
		vegeta.Timeout(10*time.Second),
		vegeta.Redirects(vegeta.NoFollow),
		vegeta.MaxBody(0), // read and drop the bodies: the load generator keeps nothing
		vegeta.KeepAlive(true),
	)
	var seq atomic.Uint64
	tr := func(t *vegeta.Target) error {
		*t = next(seq.Add(1) - 1)
		return nil
	}
	var m vegeta.Metrics
	var errs uint64
	var first string
	stop := context.AfterFunc(ctx, func() { a.Stop() })
	defer stop()
	for res := range a.Attack(tr, pacer, d, strconv.Itoa(rate)) {
		if int(res.Code) != expect {
			errs++
			if first == "" {
				first = res.Error
				if first == "" {
					first = "status " + strconv.Itoa(int(res.Code))
				}
			}
		}
		m.Add(res)
	}
	m.Close()
	s := step{Rate: rate, Requests: m.Requests, Errors: errs, FirstError: first,
		P50: m.Latencies.P50, P95: m.Latencies.P95, P99: m.Latencies.P99, Max: m.Latencies.Max}
	if secs := (m.Duration + m.Wait).Seconds(); secs > 0 {
		s.Throughput = float64(m.Requests-errs) / secs
	}
	// Healthy: (almost) no errors, p99 within budget, and the answers kept
	// up with the rate asked for.
	s.Healthy = s.ErrorRate() <= maxErrorRate && s.P99 <= budget && s.Throughput >= 0.95*float64(rate) && ctx.Err() == nil
	return s
}

// serverHooks let the climb look after the server it drives: reset
// starts a new memory peak, peak reads it, and recover gives a fresh
// server after a rate it could not keep up with (nil: none).
type serverHooks struct {
	reset   func()
	peak    func() int64
	recover func() error
	// cpu starts measuring a step's CPU; what it returns ends it (nil:
	// not measured).
	cpu func() func() stepCPU
}

// climb runs the rates in order until one is not healthy (twice: a rate
// that fails is tried once more before the climb stops), then bisects
// between the last healthy and the first unhealthy rate refine times.
// prepare runs before each step, outside the measurement (fresh drafts).
// After a rate the server could not keep up with, it gets a fresh process
// (srv.recover) and a short warm-up: an overloaded server can take many
// seconds to work off its backlog, and holds the memory it grew, which
// would otherwise be charged to the next rate.
func climb(ctx context.Context, o options, r route, next func(uint64) vegeta.Target, prepare func(rate int) error,
	srv serverHooks, progress func(step)) (ladder, error) {
	var l ladder
	overloaded := false
	good, bad := 0, 0 // the highest healthy rate so far, the lowest unhealthy
	fresh := false    // the server was just started again and not yet warmed up
	try := func(rate int) (step, error) {
		if fresh {
			// Warmed up to the last healthy rate, the state the climb had
			// reached before the overload; or, when no rate has been
			// healthy yet (a second ladder whose first rung failed), to
			// the rate about to be measured, as a ladder's first warm-up
			// is: a process warmed only at the lowest rate meets the step
			// cold and measures its own start.
			top := good
			if top == 0 {
				top = rate
			}
			if err := warm(ctx, o, r, next, prepare, top); err != nil {
				return step{}, err
			}
			fresh = false
		}
		if prepare != nil {
			if err := prepare(rate); err != nil {
				return step{}, err
			}
		}
		if srv.reset != nil {
			srv.reset()
		}
		calibration := calibrate()
		var endCPU func() stepCPU
		if srv.cpu != nil {
			endCPU = srv.cpu()
		}
		s := attack(ctx, rate, o.step, r.expect, r.budget, next)
		s.Calibration = calibration
		if endCPU != nil {
			s.CPU = endCPU()
		}
		s.AfterOverload = overloaded
		if srv.peak != nil {
			s.PeakRSS = srv.peak()
		}
		if !s.Healthy && srv.recover != nil && ctx.Err() == nil {
			if err := srv.recover(); err != nil {
				return s, err
			}
			fresh = true // warmed up before the next step (above)
		} else {
			overloaded = overloaded || !s.Healthy
		}
		// A breath between rates, so one's backlog does not spill into the next.
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
		return s, ctx.Err()
	}
	run := func(rate int) (step, error) {
		s, err := try(rate)
		if err == nil && !s.Healthy {
			progress(s)
			s, err = try(rate)
			s.Retried = true
		}
		if err != nil {
			return s, err
		}
		l.Steps = append(l.Steps, s)
		progress(s)
		return s, nil
	}
	for _, rate := range o.rates {
		s, err := run(rate)
		if err != nil {
			return l, err
		}
		if !s.Healthy {
			bad = rate
			break
		}
		good = rate
	}
	// A second ladder starts part-way up (secondRates). When its very
	// first rate is not healthy (a hiccup of the machine as it began, or
	// a slower run), it steps down the rates below until one is, so the
	// run still has a knee to bisect towards instead of none.
	for i := len(o.below) - 1; i >= 0 && good == 0 && bad != 0; i-- {
		s, err := run(o.below[i])
		if err != nil {
			return l, err
		}
		if s.Healthy {
			good = o.below[i]
		} else {
			bad = o.below[i]
		}
	}
	l.Capped = bad == 0
	for range o.refine {
		if good == 0 || bad == 0 {
			break
		}
		mid := int(math.Round(float64(good+bad) / 2))
		if mid == good || mid == bad {
			break
		}
		s, err := run(mid)
		if err != nil {
			return l, err
		}
		if s.Healthy {
			good = mid
		} else {
			bad = mid
		}
	}
	// The knee: the healthy step at the highest rate.
	sort.SliceStable(l.Steps, func(i, j int) bool { return l.Steps[i].Rate < l.Steps[j].Rate })
	for i := range l.Steps {
		if l.Steps[i].Healthy && l.Steps[i].Rate == good {
			l.Knee = &l.Steps[i]
		}
	}
	return l, nil
}

// PeakRSS is the most memory the server held at any healthy rate on the
// way up (not counting bisection steps, which come after an overload whose
// memory the process may still hold), and at any rate at all (past the
// knee, requests queue up).
func (l ladder) PeakRSS() (healthy, overall int64) {
	for _, s := range l.Steps {
		if s.Healthy && !s.AfterOverload {
			healthy = max(healthy, s.PeakRSS)
		}
		overall = max(overall, s.PeakRSS)
	}
	return healthy, overall
}

// warm runs a route unmeasured: connections opened, caches and the
// planner's statistics warm, the Go runtime grown. It starts at the
// lowest rate (o.warmFrom, else the first of o.rates) and rises steadily
// to top over the warm-up, then pauses a second so whatever backlog the
// rise left is worked off before a step. Rising matters on a fresh
// process: held at the lowest rate, a pool serves every request from the
// connection used last, so the other connections, their server processes
// and statement caches were still cold when a step at hundreds of
// requests a second began, and the step measured that start instead of
// the rate; started at the top at once, the cold start's backlog spilled
// into the step the same way.
func warm(ctx context.Context, o options, r route, next func(uint64) vegeta.Target, prepare func(rate int) error, top int) error {
	low := o.rates[0]
	if o.warmFrom > 0 {
		low = o.warmFrom
	}
	top = max(top, low)
	if prepare != nil {
		if err := prepare(top); err != nil {
			return err
		}
	}
	var pacer vegeta.Pacer = vegeta.Rate{Freq: low, Per: time.Second}
	if top > low && o.warmup > 0 {
		pacer = vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: low, Per: time.Second}, Slope: float64(top-low) / o.warmup.Seconds()}
	}
	s := attackPaced(ctx, pacer, low, o.warmup, r.expect, time.Hour, next)
	if s.Requests > 0 && s.Errors == s.Requests {
		return fmt.Errorf("%s: every warm-up request failed: %s", r.key, s.FirstError)
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
	return ctx.Err()
}
