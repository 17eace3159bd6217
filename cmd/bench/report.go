package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// machine is where the numbers came from.
type machine struct {
	CPU        string
	Cores      int
	Memory     string
	Kernel     string
	Go         string
	PostgreSQL string
}

func describeMachine(ctx context.Context, db *database) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == "MemTotal" {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
				m.Memory = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	_ = db.pool.QueryRow(ctx, `SHOW server_version`).Scan(&m.PostgreSQL)
	return m
}

func ms(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1000) }

// knee is the knee's throughput as the table shows it.
func (l ladder) knee() string {
	if l.Knee == nil {
		if len(l.Steps) > 0 {
			return fmt.Sprintf("< %d", l.Steps[0].Rate)
		}
		return "–"
	}
	s := fmt.Sprintf("%.0f", l.Knee.Throughput)
	if l.Capped {
		s = "≥ " + s
	}
	return s
}

// ratio is the service's knee over the baseline's, and how sure it is.
func (r routeResult) ratio() (float64, string) {
	if r.service.Knee == nil || r.baseline.Knee == nil || r.baseline.Knee.Throughput == 0 {
		return 0, "–"
	}
	x := r.service.Knee.Throughput / r.baseline.Knee.Throughput
	s := fmt.Sprintf("%.0f%%", 100*x)
	switch {
	case r.service.Capped && r.baseline.Capped:
		s = "≈ " + s + " (both at the top rate)"
	case r.baseline.Capped:
		s = "≤ " + s
	case r.service.Capped:
		s = "≥ " + s
	}
	return x, s
}

// check lists what fails the smoke run: errors, or a page over the query
// budget. (Latency is not judged in a smoke run: CI machines vary.)
func (res runResult) check() []string {
	var out []string
	if res.cpuProblem != "" {
		out = append(out, res.cpuProblem)
	}
	for _, r := range res.routes {
		for _, side := range []struct {
			name string
			runs []ladder
		}{{"service", r.serviceRuns}, {"baseline", r.baselineRuns}} {
			for run, l := range side.runs {
				for _, s := range l.Steps {
					if s.Errors > 0 {
						out = append(out, fmt.Sprintf("%s on the %s: %d of %d requests failed at %d/s%s (first: %s)",
							r.route.key, side.name, s.Errors, s.Requests, s.Rate, runLabel(len(side.runs), run), s.FirstError))
					}
					if s.CPU.Err != "" && res.cpuProblem == "" {
						out = append(out, fmt.Sprintf("%s on the %s at %d/s%s: CPU not measured: %s", r.route.key, side.name, s.Rate, runLabel(len(side.runs), run), s.CPU.Err))
					}
				}
			}
		}
		if r.cpu == nil && res.cpuProblem == "" {
			out = append(out, fmt.Sprintf("%s: no rate with CPU figures on both sides", r.route.key))
		}
		if r.route.page && r.queries.Queries > res.options.maxQueries {
			if ceiling, known := res.options.overBudget[r.route.key]; !known || r.queries.Queries > ceiling {
				out = append(out, fmt.Sprintf("%s runs %d SQL statements a request, over the budget of %d", r.route.key, r.queries.Queries, res.options.maxQueries))
			}
		}
		for _, d := range r.queries.Drift {
			out = append(out, fmt.Sprintf("%s: the baseline no longer runs the service's SQL: %s (update cmd/bench/baseline.go)", r.route.key, d))
		}
		if n := r.notifications; n != nil && n.Recorded < n.Referrals {
			out = append(out, fmt.Sprintf("%s: %d referrals sent but only %d receipts recorded", r.route.key, n.Referrals, n.Recorded))
		}
	}
	return out
}

// runLabel names a ladder's run where there were several.
func runLabel(runs, run int) string {
	if runs < 2 {
		return ""
	}
	return fmt.Sprintf(" (run %d)", run+1)
}

// peakRSS is the service's peaks over every run of a route.
func (r routeResult) peakRSS() (healthy, overall int64) {
	for _, l := range r.serviceRuns {
		h, o := l.PeakRSS()
		healthy, overall = max(healthy, h), max(overall, o)
	}
	return healthy, overall
}

func yes(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// markdown is the report.
func (res runResult) markdown() string {
	var b strings.Builder
	o := res.options
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	title := "Benchmark"
	if o.smoke {
		title = "Benchmark smoke run"
	}
	w("# %s: %s\n\n", title, res.began.UTC().Format("2006-01-02 15:04 UTC"))
	m := res.machine
	w("- Machine: %s, %d cores, %s, %s; %s; PostgreSQL %s. The service, PostgreSQL and the load generator share it.\n",
		m.CPU, m.Cores, m.Memory, m.Kernel, m.Go, m.PostgreSQL)
	w("- Dataset: %s.\n", res.dataset)
	rates := make([]string, len(o.rates))
	for i, r := range o.rates {
		rates[i] = fmt.Sprint(r)
	}
	w("- Load: vegeta's constant-rate attacker, %s req/s rising, %s at each rate after a %s warm-up, then %d bisection(s) between the last healthy and the first unhealthy rate. "+
		"A rate is healthy with at most 0.1%% of requests failing (any other status than the route's own counts), p99 within the route's budget (100 ms for pages, 150 ms for posts) "+
		"and answers keeping up with at least 95%% of the rate. The knee is the healthy rate with the most throughput.\n",
		strings.Join(rates, ", "), o.step, o.warmup, o.refine)
	w("- Ladders: each route's ladder ran %d time(s) on each side, the sides taking turns, each run with fresh processes; the better knee of each side is reported and the ratio uses them (\"How noisy the run was\" compares the runs).\n", o.ladders)
	w("- Sessions: %d signed-in sessions per role, rotated; every request from its own client address.\n", o.sessions)
	if !res.peaksPerStep {
		w("- Memory: the kernel refused to reset the peak (clear_refs), so each peak runs from the process's start.\n")
	}
	w("- Run took %s.\n\n", res.took.Round(time.Second))

	w("## Per route\n\n")
	w("Knees are the better of each side's runs; latency is at the service's better knee. Ratio: the service's throughput at its knee over the baseline's at its knee. ")
	w("SQL: statements one request runs, not counting BEGIN/COMMIT (the baseline's in brackets). ")
	w("Peak RSS: the service's most resident memory (VmHWM) at the healthy rates on the way up, and in brackets at any rate, past the knee included; each route's run starts with a fresh service process; the most over every run.\n\n")
	w("| Route | Request | Knee req/s | p50 | p95 | p99 | Errors | Baseline knee req/s | Ratio | Peak RSS | SQL |\n")
	w("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range res.routes {
		var p50, p95, p99 time.Duration
		errs := "–"
		if k := r.service.Knee; k != nil {
			p50, p95, p99 = k.P50, k.P95, k.P99
			errs = fmt.Sprintf("%.2f%%", 100*k.ErrorRate())
		}
		_, ratio := r.ratio()
		healthy, overall := r.peakRSS()
		w("| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %d (%d) |\n", r.route.name, r.request, r.service.knee(), ms(p50), ms(p95), ms(p99),
			errs, r.baseline.knee(), ratio, mib(healthy), mib(overall), r.queries.Queries, r.baselineQueries.Queries)
	}

	res.cpuMarkdown(w)

	w("\n## Targets (issues 9 and 19)\n\n| Target | Measured | |\n|---|---|---|\n")
	for _, r := range res.routes {
		if !r.route.page {
			continue
		}
		x, ratio := r.ratio()
		verdict := yes(x >= 0.6)
		switch {
		case r.service.Knee == nil || r.baseline.Knee == nil:
			verdict = "**missed**"
		case r.service.Capped && r.baseline.Capped,
			r.baseline.Capped && x >= 0.6, // the baseline could do more: the ratio is at most x
			r.service.Capped && x < 0.6:   // the service could do more: the ratio is at least x
			verdict = "not shown: raise -rates"
		}
		w("| %s reaches ≥ 60%% of its baseline's throughput | %s | %s |\n", r.route.name, ratio, verdict)
	}
	for _, r := range res.routes {
		if !r.route.page {
			continue
		}
		c := r.cpu
		if c == nil {
			w("| %s: CPU per request (service + PostgreSQL) at most %.0f× the baseline's | not measured | **missed** |\n", r.route.name, cpuTarget)
			continue
		}
		note, verdict := "", yes(c.Ratio() <= cpuTarget)
		if !c.Healthy {
			note = ", not healthy there"
		}
		if !c.Enough() {
			verdict = fmt.Sprintf("not shown: too little CPU (%.2f s / %.2f s, under %s a side)", c.ServiceSpent.Seconds(), c.BaselineSpent.Seconds(), minCompareCPU)
		}
		w("| %s: CPU per request (service + PostgreSQL) at most %.0f× the baseline's | %s at %d req/s%s (%s ms against %s ms) | %s |\n", r.route.name, cpuTarget,
			c.ratio(), c.Rate, note, msPerReq(c.Service.Total()), msPerReq(c.Baseline.Total()), verdict)
	}
	for _, r := range res.routes {
		t := r.route.target
		if t == nil {
			continue
		}
		// Judged on every run that ran the rate: the worst.
		var s step
		ok := false
		for _, l := range r.serviceRuns {
			if x, found := l.StepAt(t.rate); found {
				s.P99, s.Errors, ok = max(s.P99, x.P99), max(s.Errors, x.Errors), true
			}
		}
		switch {
		case !ok && r.service.Capped:
			w("| %s: p99 < %s at %d req/s | not measured: above the rates tried | – |\n", r.route.name, ms(t.p99), t.rate)
		case !ok:
			w("| %s: p99 < %s at %d req/s | not reached: the service broke at a lower rate | **missed** |\n", r.route.name, ms(t.p99), t.rate)
		default:
			w("| %s: p99 < %s at %d req/s | p99 %s, %d errors | %s |\n", r.route.name, ms(t.p99), t.rate, ms(s.P99), s.Errors,
				yes(s.P99 < t.p99 && s.Errors == 0))
		}
		if n := r.notifications; n != nil {
			w("| %s: no notification lost | %d referrals sent, %d receipts recorded with them, %d delivered within %s | %s |\n",
				r.route.name, n.Referrals, n.Recorded, n.Delivered, n.Waited.Round(time.Second), yes(n.Recorded == n.Referrals))
		}
	}
	for _, r := range res.routes {
		if r.route.page {
			w("| %s: at most %d SQL statements | %d | %s |\n", r.route.name, o.maxQueries, r.queries.Queries, yes(r.queries.Queries <= o.maxQueries))
		}
	}
	w("| Peak memory of the service under 150 MB | %s at healthy rates; %s past the knee | %s |\n", mib(res.peakRSS), mib(res.overloadRSS),
		yes(res.peakRSS < 150<<20))
	for _, pw := range res.weights {
		w("| %s: first load ≤ 100 KB compressed (HTML, CSS, JS) | %s (HTML %s, CSS %s, JS %s; %d files) | %s |\n",
			pw.Page, kb(pw.Total), kb(pw.HTML), kb(pw.CSS), kb(pw.JS), pw.Files, yes(pw.Total <= 100_000))
	}

	if len(res.problems) > 0 {
		w("\n## Problems\n\n%s", joinLines(res.problems))
	}
	var known []string
	for _, r := range res.routes {
		if ceiling, ok := o.overBudget[r.route.key]; ok && r.route.page && r.queries.Queries > o.maxQueries {
			known = append(known, fmt.Sprintf("%s runs %d SQL statements, over the budget of %d; allowed up to %d by -over-budget until the service is fixed",
				r.route.key, r.queries.Queries, o.maxQueries, ceiling))
		}
	}
	if len(known) > 0 {
		w("\n## Known over budget\n\n%s", joinLines(known))
	}

	res.noiseMarkdown(w)

	w("\n## Every rate\n\nA rate that was not healthy was run a second time before the climb stopped; \"second try\" marks those. " +
		"Peak RSS is the server's during that step; \"after overload\" marks bisection steps, run after a rate past the knee, whose memory may be what that rate left behind. " +
		"Each route's run starts with freshly started servers. CPU: milliseconds per successful request of the server's process and of PostgreSQL (in brackets its own processes' part); " +
		"load generator: the benchmark's own process, milliseconds per successful request (sending, timing and counting: the same work per request on both sides below the knee); " +
		"calibration: how long a fixed piece of CPU work took the load generator just before the step, in its thread's own CPU time (longer: the machine itself was slower); " +
		"cores busy: the cores the benchmark's processes kept busy (both servers, PostgreSQL and the load generator): when the machine's CPU is what stops a side, its knee comes near the same figure on both sides; " +
		"other: the cores other processes on the machine kept busy during the step, and the 1-minute load average at its end.\n\n")
	for _, r := range res.routes {
		w("### %s\n\n| Server | Run | Rate | Requests | Throughput | p50 | p95 | p99 | Max | Errors | Peak RSS | CPU ms/req (server + PostgreSQL) | Load generator ms/req | Cores busy | Other cores (load) | Calibration ms | Healthy |\n"+
			"|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n", r.route.name)
		var ladders []struct {
			name string
			l    ladder
		}
		for i := range max(len(r.serviceRuns), len(r.baselineRuns)) {
			if i < len(r.serviceRuns) {
				ladders = append(ladders, struct {
					name string
					l    ladder
				}{"service", r.serviceRuns[i]})
			}
			if i < len(r.baselineRuns) {
				ladders = append(ladders, struct {
					name string
					l    ladder
				}{"baseline", r.baselineRuns[i]})
			}
		}
		for _, side := range ladders {
			for _, s := range side.l.Steps {
				errs := fmt.Sprint(s.Errors)
				if s.Errors > 0 {
					errs += " (" + strings.ReplaceAll(s.FirstError, "|", "/") + ")"
				}
				healthy := "yes"
				if !s.Healthy {
					healthy = "no"
				}
				if s.Retried {
					healthy += " (second try)"
				}
				if s.AfterOverload {
					healthy += " (after overload)"
				}
				cpu, gen, busy, other, cal := "–", "–", "–", "–", "–"
				if s.Calibration > 0 {
					cal = msPerReq(s.Calibration)
				}
				if c, ok := stepCost(s); ok {
					cpu = fmt.Sprintf("%s + %s = %s", msPerReq(c.Server), pgCost(c), msPerReq(c.Total()))
					gen = msPerReq(c.Generator)
				}
				if s.CPU.Valid() {
					busy = fmt.Sprintf("%.2f", s.CPU.OursCores())
					other = fmt.Sprintf("%.2f (%.2f)", s.CPU.OtherCores(), s.CPU.Load1)
				}
				w("| %s | %d | %d | %d | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", side.name, s.Run+1, s.Rate, s.Requests, s.Throughput,
					ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), errs, mib(s.PeakRSS), cpu, gen, busy, other, cal, healthy)
			}
		}
		w("\n")
	}

	w("## SQL statements per request\n\nCounted on the real server package in-process, one request at a time; times are as that one request saw them.\n\n")
	for _, r := range res.routes {
		w("### %s: %d statements (%d in transactions), baseline %d\n\n", r.route.name, r.queries.Queries, r.queries.Transactions, r.baselineQueries.Queries)
		for i, s := range r.queries.Statements {
			w("%d. `%s` (%s)\n", i+1, shortSQL(s.SQL, 140), ms(s.Took))
		}
		if len(r.queries.Drift) > 0 {
			w("\nThe baseline differs: %s.\n", strings.Join(r.queries.Drift, "; "))
		}
		w("\n")
	}
	return b.String()
}
