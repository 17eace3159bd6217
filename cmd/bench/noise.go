package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// The double ladder and how noisy a run was (issue 19): each route's
// ladders run twice on each side, the better knee of each side counts,
// the CPU a request costs is compared at one rate both sides were healthy
// at, and the two runs' disagreement is reported and flagged.

const (
	// kneeNoise: a route is flagged when one side's two knees differ by
	// more than this (the higher over the lower, minus one). Two
	// bisections between rungs of the ladder resolve a knee to about a
	// quarter, so less than this is within the ladder's own resolution.
	kneeNoise = 0.30
	// cpuNoise: likewise for the CPU per request at the compared rate.
	cpuNoise = 0.15
	// busyCores: a route is flagged when other processes on the machine
	// kept more than this many cores busy on average during its steps.
	busyCores = 0.25
	// cpuTarget: the service's CPU per request, its process and
	// PostgreSQL together, may be at most this many times the baseline's
	// (issue 19).
	cpuTarget = 2.0
	// minCompareCPU is the least CPU time each side must have spent at
	// the compared rate for the target to be judged: /proc counts in
	// 10 ms ticks per process, and a step touches a dozen or more.
	minCompareCPU = time.Second
)

// cpuCost is the CPU time of one successful request, on average over a
// step (or over the runs' steps at one rate).
type cpuCost struct {
	Server, Postgres time.Duration
	// Background is the part of Postgres that was PostgreSQL's own
	// processes (stepCPU.PostgresBackground).
	Background time.Duration
	// Generator is the load generator's (stepCPU.Generator): not part of
	// Total, which is the server's and its database's.
	Generator time.Duration
}

func (c cpuCost) Total() time.Duration { return c.Server + c.Postgres }

// stepCost is a step's CPU per successful request.
func stepCost(s step) (cpuCost, bool) {
	if !s.CPU.Valid() || s.Requests <= s.Errors {
		return cpuCost{}, false
	}
	n := time.Duration(s.Requests - s.Errors)
	return cpuCost{Server: s.CPU.Server / n, Postgres: s.CPU.Postgres / n, Background: s.CPU.PostgresBackground / n,
		Generator: s.CPU.Generator / n}, true
}

// cpuComparison is both sides' CPU per request at one rate.
type cpuComparison struct {
	Rate int
	// Healthy: both sides were healthy at Rate (in the runs counted).
	Healthy bool
	// Service and Baseline are the mean over the runs counted;
	// ServiceRuns and BaselineRuns each run's (nil: not counted).
	Service, Baseline         cpuCost
	ServiceRuns, BaselineRuns []*cpuCost
	// ServiceSpent and BaselineSpent are the CPU time the counted steps
	// used in all (the server and PostgreSQL): how much the figures rest on.
	ServiceSpent, BaselineSpent time.Duration
}

// Enough reports whether both sides spent enough CPU at the compared rate
// for the ratio to be judged.
func (c cpuComparison) Enough() bool {
	return c.ServiceSpent >= minCompareCPU && c.BaselineSpent >= minCompareCPU
}

// ratio is Ratio as the tables show it.
func (c cpuComparison) ratio() string {
	if c.Baseline.Total() <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", c.Ratio())
}

// Ratio is the service's total CPU per request over the baseline's.
func (c cpuComparison) Ratio() float64 {
	if c.Baseline.Total() <= 0 {
		return math.Inf(1)
	}
	return float64(c.Service.Total()) / float64(c.Baseline.Total())
}

// compareCPU picks the rate to compare at and reads both sides' CPU per
// request there: the highest rate at which every run of both sides was
// healthy with CPU figures; failing that, the highest at which each side
// was in at least one run; failing that (a smoke run on a slow machine,
// say), the highest both sides ran at all, marked not healthy. nil when
// the sides share no rate with CPU figures.
func compareCPU(service, baseline []ladder) *cpuComparison {
	var rates []int
	for _, l := range append(slices.Clone(service), baseline...) {
		for _, s := range l.Steps {
			if !slices.Contains(rates, s.Rate) {
				rates = append(rates, s.Rate)
			}
		}
	}
	slices.Sort(rates)
	slices.Reverse(rates)
	costs := func(ls []ladder, rate int, healthy bool) ([]*cpuCost, time.Duration) {
		out := make([]*cpuCost, len(ls))
		var spent time.Duration
		for i, l := range ls {
			if s, ok := l.StepAt(rate); ok && (s.Healthy || !healthy) {
				if c, ok := stepCost(s); ok {
					out[i] = &c
					spent += s.CPU.Server + s.CPU.Postgres
				}
			}
		}
		return out, spent
	}
	counted := func(cs []*cpuCost) int {
		n := 0
		for _, c := range cs {
			if c != nil {
				n++
			}
		}
		return n
	}
	for _, tier := range []struct {
		healthy, everyRun bool
	}{{true, true}, {true, false}, {false, false}} {
		for _, rate := range rates {
			sv, svSpent := costs(service, rate, tier.healthy)
			bl, blSpent := costs(baseline, rate, tier.healthy)
			ns, nb := counted(sv), counted(bl)
			if ns == 0 || nb == 0 || (tier.everyRun && (ns < len(sv) || nb < len(bl))) {
				continue
			}
			return &cpuComparison{Rate: rate, Healthy: tier.healthy, Service: meanCost(sv), Baseline: meanCost(bl),
				ServiceRuns: sv, BaselineRuns: bl, ServiceSpent: svSpent, BaselineSpent: blSpent}
		}
	}
	return nil
}

func meanCost(cs []*cpuCost) cpuCost {
	var sum cpuCost
	n := 0
	for _, c := range cs {
		if c != nil {
			sum.Server += c.Server
			sum.Postgres += c.Postgres
			sum.Background += c.Background
			sum.Generator += c.Generator
			n++
		}
	}
	if n == 0 {
		return sum
	}
	d := time.Duration(n)
	return cpuCost{Server: sum.Server / d, Postgres: sum.Postgres / d, Background: sum.Background / d, Generator: sum.Generator / d}
}

// better is the ladder with the better knee (the first of equals).
func better(ls []ladder) ladder {
	if len(ls) == 0 {
		return ladder{}
	}
	best := ls[0]
	for _, l := range ls[1:] {
		if kneeThroughput(l) > kneeThroughput(best) {
			best = l
		}
	}
	return best
}

func kneeThroughput(l ladder) float64 {
	if l.Knee == nil {
		return -1
	}
	return l.Knee.Throughput
}

// secondRates are the rates a second ladder climbs: from the highest rate
// of the first ladders' that is below the lower of their knees (so the
// knee itself and the rate the CPU is compared at are run again), rather
// than from the bottom, which the first ladders showed healthy on both
// sides. The whole ladder when either side had no knee.
func secondRates(rates []int, first ...ladder) []int {
	low := math.MaxInt
	for _, l := range first {
		if l.Knee == nil {
			return rates
		}
		low = min(low, l.Knee.Rate)
	}
	from := 0
	for i, r := range rates {
		if r < low {
			from = i
		}
	}
	return rates[from:]
}

// spread is how far apart values are: the highest over the lowest, minus
// one (0.3 is "30% apart"); -1 with fewer than two.
func spread(xs ...float64) float64 {
	var v []float64
	for _, x := range xs {
		if x > 0 {
			v = append(v, x)
		}
	}
	if len(v) < 2 {
		return -1
	}
	return slices.Max(v)/slices.Min(v) - 1
}

// routeNoise is how much one route's two runs disagreed, and how busy the
// machine was meanwhile.
type routeNoise struct {
	ServiceKnee, BaselineKnee float64 // spread of each side's knees (-1: one run, or no knee)
	ServiceCPU, BaselineCPU   float64 // spread of each side's total CPU per request at the compared rate
	OtherMean, OtherMax       float64 // cores other processes kept busy: mean over the steps, and the busiest step
	StealMean                 float64 // cores' worth the hypervisor took
	LoadMax                   float64 // the highest 1-minute load average at a step's end
	// Speed is the spread of the calibrations before the route's steps
	// (-1: fewer than two): the slower over the faster of their 10th and
	// 90th percentiles, FastestCal and SlowestCal (the lowest and the
	// highest with fewer than ten), so that one step in ten that met a
	// passing interruption does not flag the route while a slower stretch
	// of several does.
	Speed                  float64
	FastestCal, SlowestCal time.Duration
	Flags                  []string
}

func (r routeResult) noise() routeNoise {
	n := routeNoise{ServiceKnee: -1, BaselineKnee: -1, ServiceCPU: -1, BaselineCPU: -1, Speed: -1}
	knees := func(ls []ladder) float64 {
		var xs []float64
		for _, l := range ls {
			if l.Knee == nil {
				return -1
			}
			xs = append(xs, l.Knee.Throughput)
		}
		return spread(xs...)
	}
	n.ServiceKnee, n.BaselineKnee = knees(r.serviceRuns), knees(r.baselineRuns)
	if c := r.cpu; c != nil {
		totals := func(cs []*cpuCost) float64 {
			var xs []float64
			for _, c := range cs {
				if c == nil {
					return -1
				}
				xs = append(xs, float64(c.Total()))
			}
			return spread(xs...)
		}
		n.ServiceCPU, n.BaselineCPU = totals(c.ServiceRuns), totals(c.BaselineRuns)
	}
	var other, steal, wall float64
	var cals []float64
	for _, l := range append(slices.Clone(r.serviceRuns), r.baselineRuns...) {
		for _, s := range l.Steps {
			if s.Calibration > 0 {
				cals = append(cals, float64(s.Calibration))
			}
			if !s.CPU.Valid() {
				continue
			}
			other += s.CPU.Other.Seconds()
			steal += s.CPU.Steal.Seconds()
			wall += s.CPU.Wall.Seconds()
			n.OtherMax = max(n.OtherMax, s.CPU.OtherCores())
			n.LoadMax = max(n.LoadMax, s.CPU.Load1)
		}
	}
	if wall > 0 {
		n.OtherMean, n.StealMean = other/wall, steal/wall
	}
	if len(cals) > 0 {
		slices.Sort(cals)
		lo, hi := 0, len(cals)-1
		if len(cals) >= 10 {
			lo, hi = len(cals)/10, len(cals)-1-len(cals)/10
		}
		n.FastestCal, n.SlowestCal = time.Duration(cals[lo]), time.Duration(cals[hi])
	}
	if len(cals) > 1 {
		n.Speed = spread(float64(n.FastestCal), float64(n.SlowestCal))
	}
	for _, side := range []struct {
		name string
		runs []ladder
	}{{"service", r.serviceRuns}, {"baseline", r.baselineRuns}} {
		with := 0
		for _, l := range side.runs {
			if l.Knee != nil {
				with++
			}
		}
		if with > 0 && with < len(side.runs) {
			n.Flags = append(n.Flags, fmt.Sprintf("%s had no knee in %d of %d runs", side.name, len(side.runs)-with, len(side.runs)))
		}
	}
	if n.ServiceKnee > kneeNoise {
		n.Flags = append(n.Flags, fmt.Sprintf("service knees %s apart", pct(n.ServiceKnee)))
	}
	if n.BaselineKnee > kneeNoise {
		n.Flags = append(n.Flags, fmt.Sprintf("baseline knees %s apart", pct(n.BaselineKnee)))
	}
	// CPU figures resting on too few ticks are not flagged: their
	// disagreement is the counting's, not the machine's.
	enough := r.cpu != nil && r.cpu.Enough()
	if n.ServiceCPU > cpuNoise && enough {
		n.Flags = append(n.Flags, fmt.Sprintf("service CPU/req %s apart", pct(n.ServiceCPU)))
	}
	if n.BaselineCPU > cpuNoise && enough {
		n.Flags = append(n.Flags, fmt.Sprintf("baseline CPU/req %s apart", pct(n.BaselineCPU)))
	}
	if n.OtherMean > busyCores {
		n.Flags = append(n.Flags, fmt.Sprintf("machine busy: other processes %.2f cores", n.OtherMean))
	}
	if n.Speed > speedNoise {
		n.Flags = append(n.Flags, fmt.Sprintf("machine speed varied: calibration %s apart", pct(n.Speed)))
	}
	return n
}

func pct(x float64) string {
	if x < 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*x)
}

// pgCost is PostgreSQL's CPU per request, with its background part.
func pgCost(c cpuCost) string {
	return fmt.Sprintf("%s (%s)", msPerReq(c.Postgres), msPerReq(c.Background))
}

func msPerReq(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}

// kneesOf lists a side's knees run by run, as the tables show them.
func kneesOf(ls []ladder) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.knee())
	}
	return strings.Join(out, " / ")
}

// costsOf lists a side's total CPU per request at the compared rate, run
// by run.
func costsOf(cs []*cpuCost) string {
	var out []string
	for _, c := range cs {
		if c == nil {
			out = append(out, "–")
		} else {
			out = append(out, msPerReq(c.Total()))
		}
	}
	return strings.Join(out, " / ")
}

// cpuMarkdown is the report's CPU-per-request table and the noise
// section's table, for the routes run.
func (res runResult) cpuMarkdown(w func(string, ...any)) {
	w("\n### CPU per request (issue 19)\n\n")
	w("CPU time of the server's process (all its threads) and of PostgreSQL (every process of the benchmark's cluster: the postmaster and its children, "+
		"backends and PostgreSQL's own processes alike; in brackets the part that was its own processes, the postmaster, checkpointer, writers, autovacuum, "+
		"and anything that exited during the step: work no request asked for, counted on both sides), read from `/proc/<pid>/stat` before and after each step and divided by the step's successful requests; "+
		"milliseconds per request. Compared at one rate for both sides: the highest at which every run of both was healthy (else the highest each side was healthy at in some run; "+
		"\"not healthy\" marks a rate where one side was not); the mean of the runs there. The ratio is the service's total over the baseline's (target: at most %.0f×); "+
		"it is judged only when each side spent at least %s of CPU at that rate (the counts are in 10 ms ticks per process).\n\n", cpuTarget, minCompareCPU)
	w("| Route | Rate | Service | PostgreSQL (of it background) | Total | Baseline | PostgreSQL (of it background) | Total | Ratio |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range res.routes {
		c := r.cpu
		if c == nil {
			w("| %s | – | – | – | – | – | – | – | – |\n", r.route.name)
			continue
		}
		rate := fmt.Sprint(c.Rate)
		if !c.Healthy {
			rate += " (not healthy)"
		}
		if !c.Enough() {
			rate += fmt.Sprintf(" (only %.2f s / %.2f s of CPU)", c.ServiceSpent.Seconds(), c.BaselineSpent.Seconds())
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.route.name, rate,
			msPerReq(c.Service.Server), pgCost(c.Service), msPerReq(c.Service.Total()),
			msPerReq(c.Baseline.Server), pgCost(c.Baseline), msPerReq(c.Baseline.Total()), c.ratio())
	}
}

func (res runResult) noiseMarkdown(w func(string, ...any)) {
	o := res.options
	w("\n## How noisy the run was\n\n")
	if o.ladders > 1 {
		w("Each side's ladder ran %d times per route (the second from the rung below the lower of the first knees); the knee reported is the better. ", o.ladders)
	} else {
		w("Each side's ladder ran once per route (-ladders 1): there is no second run to compare with, only the machine's load. ")
	}
	w("Knees and CPU per request are listed run by run; \"apart\" is the higher over the lower, minus one. "+
		"A route is flagged when a side's knees are more than %s apart, its CPU per request at the compared rate more than %s apart, "+
		"other processes (the machine's busy time from `/proc/stat` minus the benchmark's own processes: both servers, PostgreSQL, the load generator) "+
		"kept more than %.2f cores busy on average during its steps, "+
		"or the machine itself ran slower for some steps: before each step the load generator times a fixed piece of CPU work in its own thread's CPU time "+
		"(hashing, the best of three tries, just before the step; waiting for a core does not count, a slower machine does: a neighbour on the host taking caches or memory bandwidth, a lower clock), "+
		"and the route is flagged when their 90th percentile is more than %s over their 10th (shown: 10th–90th percentile; with fewer than ten steps, the fastest and slowest).\n\n", pct(kneeNoise), pct(cpuNoise), busyCores, pct(speedNoise))
	w("| Route | Service knees | Apart | Baseline knees | Apart | Service CPU ms/req | Apart | Baseline CPU ms/req | Apart | Other processes, cores (mean / max) | Steal | Load (max) | Calibration ms (10th–90th percentile) | Apart | Flagged |\n")
	w("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	var worstKnee, worstCPU, other, wall float64
	fastest, slowest := time.Duration(math.MaxInt64), time.Duration(0)
	flagged := 0
	for _, r := range res.routes {
		n := r.noise()
		sc, bc := "–", "–"
		if r.cpu != nil {
			sc, bc = costsOf(r.cpu.ServiceRuns), costsOf(r.cpu.BaselineRuns)
		}
		flags := "no"
		if len(n.Flags) > 0 {
			flags = "**" + strings.Join(n.Flags, "; ") + "**"
			flagged++
		}
		cal := "–"
		if n.SlowestCal > 0 {
			cal = fmt.Sprintf("%s–%s", msPerReq(n.FastestCal), msPerReq(n.SlowestCal))
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f / %.2f | %.2f | %.2f | %s | %s | %s |\n", r.route.name,
			kneesOf(r.serviceRuns), pct(n.ServiceKnee), kneesOf(r.baselineRuns), pct(n.BaselineKnee),
			sc, pct(n.ServiceCPU), bc, pct(n.BaselineCPU), n.OtherMean, n.OtherMax, n.StealMean, n.LoadMax, cal, pct(n.Speed), flags)
		if n.SlowestCal > 0 {
			fastest = min(fastest, n.FastestCal)
			slowest = max(slowest, n.SlowestCal)
		}
		worstKnee = max(worstKnee, n.ServiceKnee, n.BaselineKnee)
		worstCPU = max(worstCPU, n.ServiceCPU, n.BaselineCPU)
		for _, l := range append(slices.Clone(r.serviceRuns), r.baselineRuns...) {
			for _, s := range l.Steps {
				if s.CPU.Valid() {
					other += s.CPU.Other.Seconds()
					wall += s.CPU.Wall.Seconds()
				}
			}
		}
	}
	// After the table, a paragraph of its own (a line straight after the
	// last row would read as another row).
	var summary []string
	if wall > 0 {
		summary = append(summary, fmt.Sprintf("Over the whole run other processes kept %.2f of %d cores busy on average during the steps.", other/wall, res.machine.Cores))
	}
	if slowest > 0 {
		summary = append(summary, fmt.Sprintf("The routes' calibrations (10th–90th percentile) ran from %s to %s ms (%s apart).", msPerReq(fastest), msPerReq(slowest),
			pct(spread(float64(fastest), float64(slowest)))))
	}
	if o.ladders > 1 {
		summary = append(summary, fmt.Sprintf("Knees agreed within %s and CPU per request within %s (the worst route, either side); %d of %d route(s) flagged.",
			pct(worstKnee), pct(worstCPU), flagged, len(res.routes)))
	}
	if len(summary) > 0 {
		w("\n%s\n", strings.Join(summary, " "))
	}
}
