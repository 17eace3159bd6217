package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// ladderOf builds a ladder from rate:healthy pairs with the CPU each step
// cost the server and PostgreSQL per request (100 requests a step, no
// errors), its knee the highest healthy rate.
func ladderOf(server, postgres time.Duration, steps ...any) ladder {
	var l ladder
	for i := 0; i < len(steps); i += 2 {
		s := step{Rate: steps[i].(int), Healthy: steps[i+1].(bool), Requests: 100, Throughput: float64(steps[i].(int)),
			CPU: stepCPU{Server: 100 * server, Postgres: 100 * postgres, Wall: 5 * time.Second, Other: time.Second, Load1: 1.5}}
		l.Steps = append(l.Steps, s)
	}
	for i := range l.Steps {
		if l.Steps[i].Healthy {
			l.Knee = &l.Steps[i]
		}
	}
	return l
}

func TestCompareCPUPicksTheHighestRateEveryRunWasHealthyAt(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	svc := []ladder{
		ladderOf(2*ms, 1*ms, 100, true, 200, true, 500, false),
		ladderOf(4*ms, 1*ms, 100, true, 200, true, 500, true, 1000, false),
	}
	base := []ladder{
		ladderOf(1*ms, 1*ms, 100, true, 200, true, 500, true, 1000, true),
		ladderOf(1*ms, 1*ms, 200, true, 500, true, 1000, true),
	}
	c := compareCPU(svc, base)
	if c == nil || c.Rate != 200 || !c.Healthy {
		t.Fatalf("compared %+v, want at 200 req/s (500 was not healthy in the service's first run)", c)
	}
	if c.Service.Server != 3*ms || c.Service.Postgres != ms || c.Baseline.Total() != 2*ms || c.Ratio() != 2 {
		t.Errorf("costs %+v / %+v ratio %v: want the mean of the runs, 3+1 against 1+1, 2×", c.Service, c.Baseline, c.Ratio())
	}
	if c.ServiceSpent != 800*ms || c.BaselineSpent != 400*ms || c.Enough() {
		t.Errorf("spent %s / %s (enough %v): want 800 ms and 400 ms, too little to judge", c.ServiceSpent, c.BaselineSpent, c.Enough())
	}
	if len(c.ServiceRuns) != 2 || c.ServiceRuns[0].Server != 2*ms || c.ServiceRuns[1].Server != 4*ms {
		t.Errorf("service runs %+v", c.ServiceRuns)
	}
	// Only one run of a side healthy at a shared rate: that run counts.
	c = compareCPU(svc[:1], []ladder{ladderOf(ms, ms, 10, false, 100, true)})
	if c == nil || c.Rate != 100 || !c.Healthy {
		t.Fatalf("compared %+v, want 100", c)
	}
	// No healthy rate in common (a smoke run on a slow machine): the
	// highest both ran, marked.
	c = compareCPU([]ladder{ladderOf(ms, ms, 10, false)}, []ladder{ladderOf(ms, ms, 10, true)})
	if c == nil || c.Rate != 10 || c.Healthy {
		t.Fatalf("compared %+v, want 10, not healthy", c)
	}
	// A step whose CPU could not be read does not count.
	bad := ladderOf(ms, ms, 10, true)
	bad.Steps[0].CPU.Err = "gone"
	if c := compareCPU([]ladder{bad}, []ladder{ladderOf(ms, ms, 10, true)}); c != nil {
		t.Fatalf("compared %+v, want nothing to compare", c)
	}
}

func TestBetterKneeAndTheSecondLadder(t *testing.T) {
	t.Parallel()
	a := ladderOf(0, 0, 100, true, 200, false)
	b := ladderOf(0, 0, 100, true, 200, true, 500, false)
	if k := better([]ladder{a, b}).Knee; k == nil || k.Rate != 200 {
		t.Fatalf("better knee %+v, want 200", k)
	}
	if k := better([]ladder{b, a}).Knee; k == nil || k.Rate != 200 {
		t.Fatalf("better knee %+v, want 200 whichever run it came from", k)
	}
	rates := []int{10, 20, 50, 100, 200, 500, 1000}
	// The lower knee is 200 (a list rate): start just below it, at 100.
	if got := secondRates(rates, b, ladderOf(0, 0, 1000, true)); !slices.Equal(got, []int{100, 200, 500, 1000}) {
		t.Errorf("second rates %v", got)
	}
	// A bisected knee, 275: start at 200.
	k := ladderOf(0, 0, 275, true)
	if got := secondRates(rates, k, ladderOf(0, 0, 1000, true)); !slices.Equal(got, []int{200, 500, 1000}) {
		t.Errorf("second rates %v", got)
	}
	// No knee on a side, or a knee at the bottom: the whole ladder.
	if got := secondRates(rates, ladderOf(0, 0, 10, false), b); !slices.Equal(got, rates) {
		t.Errorf("second rates %v", got)
	}
	if got := secondRates(rates, ladderOf(0, 0, 10, true), b); !slices.Equal(got, rates) {
		t.Errorf("second rates %v", got)
	}
}

func TestNoiseFlagsRunsThatDisagree(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	r := routeResult{route: route{key: "x", name: "X"},
		serviceRuns:  []ladder{ladderOf(20*ms, 10*ms, 100, true, 200, true), ladderOf(30*ms, 10*ms, 100, true, 200, true, 275, true)},
		baselineRuns: []ladder{ladderOf(10*ms, 10*ms, 100, true, 200, true), ladderOf(10*ms, 10*ms, 100, true, 200, true)}}
	r.cpu = compareCPU(r.serviceRuns, r.baselineRuns)
	n := r.noise()
	if n.ServiceKnee < 0.37 || n.ServiceKnee > 0.38 || n.BaselineKnee != 0 {
		t.Errorf("knee spreads %v / %v, want 275/200-1 and 0", n.ServiceKnee, n.BaselineKnee)
	}
	if n.ServiceCPU < 0.333 || n.ServiceCPU > 0.334 || n.BaselineCPU != 0 {
		t.Errorf("CPU spreads %v / %v, want 4/3-1 and 0", n.ServiceCPU, n.BaselineCPU)
	}
	if n.OtherMean != 0.2 || n.LoadMax != 1.5 {
		t.Errorf("other %v, load %v", n.OtherMean, n.LoadMax)
	}
	flags := strings.Join(n.Flags, "; ")
	if !strings.Contains(flags, "service knees 38% apart") || !strings.Contains(flags, "service CPU/req 33% apart") ||
		strings.Contains(flags, "baseline") || strings.Contains(flags, "busy") {
		t.Errorf("flags %q", flags)
	}
	// The same disagreement on too little CPU to judge: not flagged.
	small := routeResult{serviceRuns: []ladder{ladderOf(2*ms, ms, 100, true), ladderOf(3*ms, ms, 100, true)},
		baselineRuns: []ladder{ladderOf(ms, ms, 100, true), ladderOf(ms, ms, 100, true)}}
	small.cpu = compareCPU(small.serviceRuns, small.baselineRuns)
	if n := small.noise(); n.ServiceCPU < 0.333 || len(n.Flags) != 0 {
		t.Errorf("too little CPU: %+v, want the spread shown but not flagged", n)
	}
	// A run without a knee is flagged (the other's knee counts).
	broke := routeResult{serviceRuns: []ladder{ladderOf(ms, ms, 100, false), ladderOf(ms, ms, 100, true)},
		baselineRuns: r.baselineRuns}
	if n := broke.noise(); n.ServiceKnee != -1 || strings.Join(n.Flags, "; ") != "service had no knee in 1 of 2 runs" {
		t.Errorf("a run without a knee: %+v", n)
	}
	// One run each: nothing to compare, nothing flagged for it.
	one := routeResult{serviceRuns: r.serviceRuns[:1], baselineRuns: r.baselineRuns[:1]}
	one.cpu = compareCPU(one.serviceRuns, one.baselineRuns)
	if n := one.noise(); n.ServiceKnee != -1 || n.ServiceCPU != -1 || len(n.Flags) != 0 {
		t.Errorf("one run: %+v", n)
	}
}

func TestCheckFailsWhenCPUIsNotMeasured(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	ok := routeResult{route: route{key: "ok"}, serviceRuns: []ladder{ladderOf(ms, ms, 10, true)}, baselineRuns: []ladder{ladderOf(ms, ms, 10, true)}}
	ok.cpu = compareCPU(ok.serviceRuns, ok.baselineRuns)
	bad := routeResult{route: route{key: "bad"}, serviceRuns: []ladder{ladderOf(ms, ms, 10, true)}, baselineRuns: []ladder{ladderOf(ms, ms, 10, true)}}
	bad.serviceRuns[0].Steps[0].CPU.Err = "the measured server (pid 1) was not running through the step"
	bad.cpu = compareCPU(bad.serviceRuns, bad.baselineRuns)
	problems := strings.Join(runResult{options: options{maxQueries: 5}, routes: []routeResult{ok, bad}}.check(), "\n")
	if !strings.Contains(problems, "bad on the service at 10/s: CPU not measured") || !strings.Contains(problems, "bad: no rate with CPU figures") ||
		strings.Contains(problems, "ok") {
		t.Errorf("problems:\n%s", problems)
	}
	problems = strings.Join(runResult{cpuProblem: "CPU per request not measured: no postmaster", routes: []routeResult{ok}}.check(), "\n")
	if problems != "CPU per request not measured: no postmaster" {
		t.Errorf("problems:\n%s", problems)
	}
}

// The every-rate table carries the load generator's CPU per request and
// the cores the benchmark's processes kept busy, each row with as many
// cells as the header.
func TestEveryRateShowsTheGeneratorAndTheCoresBusy(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	l := ladderOf(2*ms, ms, 100, true)
	l.Steps[0].CPU.Generator = 50 * ms // 0.5 ms for each of 100 requests
	l.Steps[0].CPU.Ours = 8 * time.Second
	l.Steps[0].Calibration = 9876 * time.Microsecond
	r := routeResult{route: route{key: "x", name: "X"}, serviceRuns: []ladder{l}, baselineRuns: []ladder{ladderOf(ms, ms, 100, true)}}
	r.service, r.baseline = r.serviceRuns[0], r.baselineRuns[0]
	r.cpu = compareCPU(r.serviceRuns, r.baselineRuns)
	md := runResult{options: options{maxQueries: 5}, routes: []routeResult{r}}.markdown()
	_, table, ok := strings.Cut(md, "### X\n\n")
	if !ok {
		t.Fatalf("no every-rate table for X:\n%s", md)
	}
	lines := strings.Split(table, "\n")
	if len(lines) < 4 {
		t.Fatalf("table:\n%s", table)
	}
	header, sep, row := lines[0], lines[1], lines[2]
	cells := func(s string) int { return strings.Count(s, "|") }
	if !strings.Contains(header, "| Load generator ms/req | Cores busy |") || cells(sep) != cells(header) || cells(row) != cells(header) {
		t.Fatalf("header, separator and row disagree:\n%s\n%s\n%s", header, sep, row)
	}
	if !strings.Contains(row, "| 2.00 + 1.00 (0.00) = 3.00 | 0.50 | 1.60 | 0.20 (1.50) | 9.88 |") {
		t.Errorf("row %q: want CPU 3.00, generator 0.50, cores busy 1.60 (8 s over 5), other 0.20, calibration 9.88 ms", row)
	}
}

// A route whose steps found the machine slower (a fixed piece of work
// took longer before some of them) is flagged, with the spread shown; one
// within the bound is not.
func TestNoiseFlagsAMachineThatRanSlower(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	withCal := func(l ladder, cals ...time.Duration) ladder {
		for i := range l.Steps {
			l.Steps[i].Calibration = cals[i]
		}
		return l
	}
	r := routeResult{route: route{key: "x", name: "X"},
		serviceRuns:  []ladder{withCal(ladderOf(ms, ms, 100, true, 200, true), 10*ms, 10*ms)},
		baselineRuns: []ladder{withCal(ladderOf(ms, ms, 100, true, 200, true), 10*ms, 12500*time.Microsecond)}}
	n := r.noise()
	if n.Speed != 0.25 || n.FastestCal != 10*ms || n.SlowestCal != 12500*time.Microsecond {
		t.Errorf("speed spread %v (%s–%s), want 25%% (10–12.5 ms)", n.Speed, n.FastestCal, n.SlowestCal)
	}
	if flags := strings.Join(n.Flags, "; "); flags != "machine speed varied: calibration 25% apart" {
		t.Errorf("flags %q", flags)
	}
	r.baselineRuns = []ladder{withCal(ladderOf(ms, ms, 100, true, 200, true), 10*ms, 11*ms)}
	if n := r.noise(); n.Speed < 0.0999 || n.Speed > 0.1001 || len(n.Flags) != 0 {
		t.Errorf("10%% apart: spread %v, flags %v, want shown and not flagged", n.Speed, n.Flags)
	}
	// One step in ten slower is a passing interruption, not flagged; two
	// in ten are a slower stretch.
	tenSteps := func(slow ...time.Duration) ladder {
		l := ladderOf(ms, ms, 10, true, 20, true, 30, true, 40, true, 50, true, 60, true, 70, true, 80, true, 90, true, 100, true)
		for i := range l.Steps {
			l.Steps[i].Calibration = 10 * ms
			if i < len(slow) {
				l.Steps[i].Calibration = slow[i]
			}
		}
		return l
	}
	once := routeResult{serviceRuns: []ladder{tenSteps(20 * ms)}}
	if n := once.noise(); n.Speed != 0 || len(n.Flags) != 0 || n.SlowestCal != 10*ms {
		t.Errorf("one slow step of ten: spread %v (%s–%s), flags %v: want none", n.Speed, n.FastestCal, n.SlowestCal, n.Flags)
	}
	twice := routeResult{serviceRuns: []ladder{tenSteps(20*ms, 20*ms)}}
	if n := twice.noise(); n.Speed != 1 || len(n.Flags) != 1 {
		t.Errorf("two slow steps of ten: spread %v, flags %v: want 100%%, flagged", n.Speed, n.Flags)
	}
	md := runResult{options: options{maxQueries: 5, ladders: 1}, routes: []routeResult{r}}.markdown()
	if !strings.Contains(md, "| 10.00–11.00 | 10% | no |") || !strings.Contains(md, "The routes' calibrations (10th–90th percentile) ran from 10.00 to 11.00 ms (10% apart).") {
		t.Errorf("noise section without the calibration:\n%s", md)
	}
}
