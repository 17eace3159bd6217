package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"careers/internal/benchdata"
	"careers/internal/store"
)

// routeResult is everything measured about one route.
type routeResult struct {
	route   route
	request string
	// service and baseline are the ladders with the better knee of each
	// side; serviceRuns and baselineRuns every ladder run, in order.
	service, baseline         ladder
	serviceRuns, baselineRuns []ladder
	// cpu is both sides' CPU per request at one rate (nil: none to compare).
	cpu             *cpuComparison
	queries         queryCount
	baselineQueries queryCount
	notifications   *notificationResult
}

// notificationResult is the "no notification lost" check of the send route.
type notificationResult struct {
	Referrals, Recorded, Delivered int
	Waited                         time.Duration
}

// run is one whole benchmark run.
type runResult struct {
	options options
	began   time.Time
	took    time.Duration
	dataset string
	seeded  benchdata.Summary
	machine machine
	routes  []routeResult
	weights []pageWeight
	// peakRSS is the service's most memory at a healthy rate, overloadRSS
	// at any rate.
	peakRSS, overloadRSS int64
	peaksPerStep         bool     // VmHWM could be reset before each step
	problems             []string // what fails a smoke run
	// cpuProblem is why CPU could not be measured ("" when it could).
	cpuProblem string
}

// resignInAfter is how old the benchmark's sessions may be when a route
// starts: well inside the service's 30-minute idle timeout, as one route's
// ladders (two a side) take up to about ten minutes.
const resignInAfter = 15 * time.Minute

func bench(ctx context.Context, o options, log *slog.Logger, stdout io.Writer) error {
	res := runResult{options: o, began: time.Now()}
	db, sum, err := openDatabase(ctx, o, log)
	if err != nil {
		return err
	}
	defer db.close(ctx, o.keep)
	res.seeded = sum
	if res.dataset, err = db.datasetSize(ctx); err != nil {
		return err
	}
	res.machine = describeMachine(ctx, db)

	e := targetEnv{seed: o.seed, drafts: &draftSupply{}}
	coordinatorID, err := db.fixtures(ctx, &e, o.sessions)
	if err != nil {
		return err
	}
	if o.profile != "" {
		return runProfile(ctx, o, db, e, coordinatorID, log)
	}
	rs := o.selected()
	svcQueries, baseQueries, err := countQueries(ctx, db, e, rs, coordinatorID, log)
	if err != nil {
		return fmt.Errorf("counting SQL statements: %w", err)
	}

	meter := cpuMeter{self: os.Getpid(), cores: res.machine.Cores}
	if meter.postmaster, err = findPostmaster(ctx, db); err != nil {
		res.cpuProblem = "CPU per request not measured: " + err.Error()
		log.Warn(res.cpuProblem)
	}

	logs := filepath.Dir(o.out)
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	log.Info("starting the service", "binary", o.careersBin, "addr", addr)
	service, err := startProcess(ctx, "the service", o.careersBin, []string{"serve"}, serviceEnv(addr, db.url), addr, filepath.Join(logs, "serve.log"))
	if err != nil {
		return err
	}
	defer func() { service.stop() }()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if addr, err = freeAddr(); err != nil {
		return err
	}
	baseline, err := startProcess(ctx, "the baseline", self, []string{"-baseline", "-addr", addr, "-database", db.url,
		"-coordinator", strconv.FormatInt(coordinatorID, 10)}, serviceEnv(addr, db.url), addr, filepath.Join(logs, "baseline.log"))
	if err != nil {
		return err
	}
	defer func() { baseline.stop() }()
	e.service, e.baseline = service.base, baseline.base

	// Sessions go idle after 30 minutes and a full run takes longer: each
	// route signs in again when the last sign-in is older than
	// resignInAfter, so no route meets a session that has lapsed.
	var signedIn time.Time
	signInAll := func() error {
		var err error
		log.Info("signing in", "sessions per role", o.sessions)
		if e.coordinator, err = signInStaff(service.base, o.sessions); err != nil {
			return err
		}
		searchers, err := signInStaff(service.base, o.sessions)
		if err != nil {
			return err
		}
		if e.search, err = withSearch(service.base, searchers, e.searchText, e.searchQuery); err != nil {
			return err
		}
		surnamers, err := signInStaff(service.base, o.sessions)
		if err != nil {
			return err
		}
		if e.surname, err = withSearch(service.base, surnamers, e.surnameText, nil); err != nil {
			return err
		}
		if e.trainee, err = signInTrainees(ctx, store.New(db.pool), service.base, e.traineeEmails); err != nil {
			return err
		}
		if e.coach, err = signInAs(service.base, demoCoach, o.sessions); err != nil {
			return err
		}
		if e.booker, err = signInTrainees(ctx, store.New(db.pool), service.base, e.bookEmails); err != nil {
			return err
		}
		signedIn = time.Now()
		return nil
	}
	if err := signInAll(); err != nil {
		return err
	}

	for _, p := range []struct {
		name, path string
		session    []*http.Cookie
	}{
		{"Start page", "/", nil},
		{"Queue", "/staff/referrals", e.coordinator},
		{"Referral page", "/staff/referrals/" + e.refs[0], e.coordinator},
		{"Trainee's own page", "/your-referrals", e.trainee},
		{"Trainee's booking page", "/your-referrals/" + e.bookRefs[0] + "/book", e.booker},
		{"Coach's calendar", "/staff/calendar", e.coach},
		{"Coach's home", "/staff/coach", e.coach},
	} {
		var c *http.Cookie
		if len(p.session) > 0 {
			c = p.session[0]
		}
		w, err := weigh(service.base, p.name, p.path, c)
		if err != nil {
			return fmt.Errorf("page weight: %w", err)
		}
		res.weights = append(res.weights, w)
	}

	draftsMade := 0
	for _, r := range rs {
		if time.Since(signedIn) > resignInAfter {
			if err := signInAll(); err != nil {
				return err
			}
		}
		rr := routeResult{route: r, request: r.describe(), queries: svcQueries[r.key], baselineQueries: baseQueries[r.key]}
		var spent []string // drafts the service's requests used
		prepare := func(side string) func(rate int) error {
			if !r.drafts {
				return nil
			}
			return func(rate int) error {
				if side == "service" {
					spent = append(spent, e.drafts.spent()...)
				}
				d := max(o.step, o.warmup)
				n := int(float64(rate)*d.Seconds()*1.3) + 20
				tokens, err := db.makeDrafts(ctx, o.seed, draftsMade, n)
				if err != nil {
					return err
				}
				draftsMade += n
				e.drafts.set(tokens)
				return nil
			}
		}
		// Each run of the route starts with fresh processes (see
		// process.restart); the sides take turns, so both see the same
		// machine. A second run climbs from just below the first knees.
		for run := range o.ladders {
			if service, err = service.restart(ctx, false); err != nil {
				return err
			}
			if baseline, err = baseline.restart(ctx, false); err != nil {
				return err
			}
			ro := o
			if run > 0 {
				ro.rates = secondRates(o.rates, rr.serviceRuns[0], rr.baselineRuns[0])
				ro.below = o.rates[:len(o.rates)-len(ro.rates)]
				// Warmed up as the first was, rising from its lowest rate
				// to this ladder's first (see warm).
				ro.warmFrom = o.rates[0]
			}
			for _, side := range []string{"service", "baseline"} {
				proc, idle, mk := service, baseline, r.service
				if side == "baseline" {
					proc, idle, mk = baseline, service, r.baseline
				}
				next := func(i uint64) vegeta.Target { return mk(&e, i) }
				log.Info("warming up", "route", r.key, "on", side, "run", run+1)
				if err := warm(ctx, ro, r, next, prepare(side), ro.rates[0]); err != nil {
					return err
				}
				// Each step's own peak: VmHWM is reset before it (where the
				// kernel allows; otherwise peaks run from the process's start).
				hooks := serverHooks{
					reset: func() { res.peaksPerStep = proc.resetPeak() },
					peak: func() int64 {
						_, peak, err := proc.memory()
						if err != nil {
							return 0
						}
						return peak
					},
					recover: func() error {
						fresh, err := proc.restart(ctx, true)
						if err != nil {
							return err
						}
						*proc = *fresh
						return nil
					},
				}
				if meter.postmaster > 0 {
					m := meter
					m.servers = func() (int, int) { return proc.cmd.Process.Pid, idle.cmd.Process.Pid }
					hooks.cpu = m.begin
				}
				l, err := climb(ctx, ro, r, next, prepare(side), hooks, func(s step) {
					var cpu, gen string
					if c, ok := stepCost(s); ok {
						cpu = fmt.Sprintf("%s+%s (bg %s) ms", msPerReq(c.Server), msPerReq(c.Postgres), msPerReq(c.Background))
						gen = msPerReq(c.Generator) + " ms"
					}
					log.Info("step", "route", r.key, "on", side, "run", run+1, "rate", s.Rate, "throughput", fmt.Sprintf("%.0f", s.Throughput),
						"p50", s.P50.Round(time.Microsecond*100), "p99", s.P99.Round(time.Microsecond*100), "errors", s.Errors,
						"rss", mib(s.PeakRSS), "cpu/req", cpu, "generator/req", gen, "calibration", s.Calibration.Round(10*time.Microsecond), "bench cores", fmt.Sprintf("%.2f", s.CPU.OursCores()),
						"other cores", fmt.Sprintf("%.2f", s.CPU.OtherCores()), "healthy", s.Healthy)
				})
				if err != nil {
					return err
				}
				if err := proc.alive(); err != nil {
					return err
				}
				for i := range l.Steps {
					l.Steps[i].Run = run
				}
				if side == "service" {
					rr.serviceRuns = append(rr.serviceRuns, l)
					if r.drafts {
						spent = append(spent, e.drafts.spent()...)
					}
				} else {
					rr.baselineRuns = append(rr.baselineRuns, l)
					// What the baseline spent is not the service's to check.
					e.drafts.set(nil)
				}
			}
		}
		if r.drafts {
			if rr.notifications, err = checkNotifications(ctx, db, spent, log); err != nil {
				return err
			}
		}
		rr.service, rr.baseline = better(rr.serviceRuns), better(rr.baselineRuns)
		rr.cpu = compareCPU(rr.serviceRuns, rr.baselineRuns)
		for _, l := range rr.serviceRuns {
			healthy, overall := l.PeakRSS()
			res.peakRSS, res.overloadRSS = max(res.peakRSS, healthy), max(res.overloadRSS, overall)
		}
		res.routes = append(res.routes, rr)
	}
	res.took = time.Since(res.began)
	res.problems = res.check()

	report := res.markdown()
	fmt.Fprint(stdout, report)
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
		return err
	}
	log.Info("report written", "file", o.out, "took", res.took.Round(time.Second))
	if o.smoke && len(res.problems) > 0 {
		return errors.New("the smoke run failed:\n" + joinLines(res.problems))
	}
	return nil
}

// checkNotifications waits (up to 30 s) for the receipts of the referrals
// the service's send requests made to be delivered, and counts them.
func checkNotifications(ctx context.Context, db *database, tokens []string, log *slog.Logger) (*notificationResult, error) {
	began := time.Now()
	for {
		refs, recorded, delivered, err := db.notificationCheck(ctx, tokens)
		if err != nil {
			return nil, err
		}
		waited := time.Since(began)
		if delivered >= refs || waited > 30*time.Second {
			log.Info("receipts", "referrals", refs, "recorded", recorded, "delivered", delivered)
			return &notificationResult{Referrals: refs, Recorded: recorded, Delivered: delivered, Waited: waited}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func joinLines(xs []string) string {
	out := ""
	for _, x := range xs {
		out += "- " + x + "\n"
	}
	return out
}
