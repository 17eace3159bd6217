// Command bench measures the service: it seeds (or reuses) a realistic
// dataset in a private PostgreSQL, starts the real `careers serve` binary
// and a bare net/http + pgx baseline that runs the same SQL, signs in real
// sessions, and drives each key route with vegeta's constant-rate attacker
// at rising rates until latency or errors break, for both. It reports per
// route the throughput at the knee, latency, errors, the service-to-baseline
// ratio, the service's peak memory, the CPU time a request costs the
// server and PostgreSQL (from /proc) on both sides at one rate, and the SQL
// statements a request runs (counted with a pgx tracer on the real server
// package run in-process), and checks the targets of docs/performance.md.
// Each ladder runs twice on each side; the better knee counts, and the
// report says how far the runs disagreed and how busy the machine was.
//
//	go run ./cmd/bench                 the full run (make bench)
//	go run ./cmd/bench -smoke          ten seconds of load on a small dataset (make bench-smoke, CI)
//
// Flags: go run ./cmd/bench -h.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command line.
type options struct {
	smoke      bool
	referrals  int
	seed       uint64
	dataDir    string
	careersBin string
	out        string
	rates      []int
	step       time.Duration
	warmup     time.Duration
	refine     int
	ladders    int
	// warmFrom is the rate warm-ups start at when not the first of rates
	// (a second ladder, which starts higher, rises from where the first
	// did).
	warmFrom int
	// below are the rates under a second ladder's first, lowest first: it
	// steps down through them when its first rate is not healthy.
	below      []int
	routes     []string
	sessions   int
	maxQueries int
	overBudget map[string]int
	fresh      bool
	keep       bool
	profile    string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(os.Stderr, "bench: "+line)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.BoolVar(&o.smoke, "smoke", false, "a short run on a small dataset at a low rate; fails on any error or a page over -max-queries statements")
	fs.IntVar(&o.referrals, "referrals", 0, "referrals in the dataset (default 100000; 2000 with -smoke)")
	seed := fs.Uint64("seed", 1, "random seed of the dataset")
	fs.StringVar(&o.dataDir, "data", ".data/postgres-bench", "the private PostgreSQL's data folder")
	fs.StringVar(&o.careersBin, "careers", "bin/careers", "the service binary to measure (make build)")
	fs.StringVar(&o.out, "out", "", "where to write the Markdown report (default bench-results/latest.md; bench-results/smoke.md with -smoke)")
	rates := fs.String("rates", "", "the rising rates, requests per second (default 10,20,50,100,200,500,1000,2000,3000,5000,7500; 10 with -smoke)")
	fs.DurationVar(&o.step, "step", 0, "how long each rate runs (default 5s; 2s with -smoke)")
	fs.DurationVar(&o.warmup, "warmup", 0, "warm-up before each route, rising from the lowest rate to the first measured (default 3s; 1s with -smoke)")
	fs.IntVar(&o.refine, "refine", -1, "bisections between the last good and the first bad rate (default 2; 0 with -smoke)")
	fs.IntVar(&o.ladders, "ladders", 0, "how many times each route's ladder runs on each side; the better knee counts and the runs' disagreement is reported (default 2; 1 with -smoke)")
	routes := fs.String("routes", "", "comma-separated route keys to run (default all; see the report for the keys)")
	fs.IntVar(&o.sessions, "sessions", 0, "signed-in sessions per role the load rotates through (default 16; 4 with -smoke)")
	fs.IntVar(&o.maxQueries, "max-queries", 5, "the most SQL statements a page may run (the budget of issue 9)")
	overBudget := fs.String("over-budget", "", "pages known to run more than -max-queries statements, with the most each may run until fixed,\n"+
		"like queue=7,referral=16: the smoke run fails if one runs more (a ratchet), and the report still counts them as missed")
	fs.BoolVar(&o.fresh, "fresh", false, "drop the benchmark database and seed it again")
	fs.BoolVar(&o.keep, "keep", false, "leave the private PostgreSQL running afterwards")
	fs.StringVar(&o.profile, "profile", "", "route@rate: instead of the benchmark, drive one route at one rate against the server package\n"+
		"in-process and write CPU and heap profiles to the report's folder, like -profile referral@50")
	baseline := fs.Bool("baseline", false, "internal: serve the baseline (the bench starts itself with this)")
	addr := fs.String("addr", "", "internal: the baseline's address")
	database := fs.String("database", "", "internal: the baseline's database URL")
	coordinator := fs.Int64("coordinator", 0, "internal: the staff id the baseline's staff pages are shown to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *baseline {
		if err := baselineFlagsValid(*addr, *database, *coordinator); err != nil {
			return err
		}
		return runBaseline(ctx, *addr, *database, *coordinator, serviceMaxConns)
	}
	o.seed = *seed
	o.defaults(*rates, *routes)
	if err := o.parseOverBudget(*overBudget); err != nil {
		return err
	}
	if err := o.validate(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return bench(ctx, o, log, stdout)
}

func (o *options) defaults(rates, routes string) {
	def := func(n *int, full, smoke int) {
		if *n <= 0 {
			*n = full
			if o.smoke {
				*n = smoke
			}
		}
	}
	defDur := func(d *time.Duration, full, smoke time.Duration) {
		if *d <= 0 {
			*d = full
			if o.smoke {
				*d = smoke
			}
		}
	}
	def(&o.referrals, 100_000, 2_000)
	def(&o.sessions, 16, 4)
	def(&o.ladders, 2, 1)
	defDur(&o.step, 5*time.Second, 2*time.Second)
	defDur(&o.warmup, 3*time.Second, time.Second)
	if o.refine < 0 {
		o.refine = 2
		if o.smoke {
			o.refine = 0
		}
	}
	if o.out == "" {
		o.out = filepath.Join("bench-results", "latest.md")
		if o.smoke {
			o.out = filepath.Join("bench-results", "smoke.md")
		}
	}
	if rates == "" {
		// 7,500: the bare baseline of the cheapest signed-in pages passes
		// 5,000 on two cores, and a ratio against a baseline still healthy
		// at the top rate settles nothing.
		rates = "10,20,50,100,200,500,1000,2000,3000,5000,7500"
		if o.smoke {
			rates = "10"
		}
	}
	for _, f := range strings.Split(rates, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			o.rates = append(o.rates, n)
		} else {
			o.rates = append(o.rates, -1)
		}
	}
	if routes != "" {
		for _, r := range strings.Split(routes, ",") {
			o.routes = append(o.routes, strings.TrimSpace(r))
		}
	}
}

func (o options) validate() error {
	var errs []error
	for i, r := range o.rates {
		if r <= 0 || (i > 0 && r <= o.rates[i-1]) {
			errs = append(errs, errors.New("-rates: give rising whole numbers of requests per second, like 10,20,50"))
			break
		}
	}
	if o.profile != "" {
		if _, _, err := parseProfile(o.profile); err != nil {
			errs = append(errs, err)
		}
	}
	for _, k := range o.routes {
		if _, ok := routeByKey(k); !ok {
			errs = append(errs, fmt.Errorf("-routes: no route %q (the routes: %s)", k, strings.Join(routeKeys(), ", ")))
		}
	}
	if o.referrals < 100 {
		errs = append(errs, errors.New("-referrals: at least 100"))
	}
	if _, err := os.Stat(o.careersBin); err != nil {
		errs = append(errs, fmt.Errorf("-careers: %s: build it first (make build)", o.careersBin))
	}
	return errors.Join(errs...)
}

// parseOverBudget reads -over-budget: key=n pairs.
func (o *options) parseOverBudget(s string) error {
	o.overBudget = map[string]int{}
	if s == "" {
		return nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		n, err := strconv.Atoi(v)
		if _, known := routeByKey(k); !ok || err != nil || n <= 0 || !known {
			return fmt.Errorf("-over-budget: %q is not route=statements (the routes: %s)", kv, strings.Join(routeKeys(), ", "))
		}
		o.overBudget[k] = n
	}
	return nil
}
