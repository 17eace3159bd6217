package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"careers/internal/store"
)

// -profile route@rate drives one route at one rate against the real
// server package run in-process (the load generator with it), and writes a
// CPU profile of the whole step and a heap profile taken half-way, for
// `go tool pprof`. It is how a missed target is looked into: the numbers
// of record come from the separate `careers serve` process.

func parseProfile(spec string) (route, int, error) {
	key, rate, ok := strings.Cut(spec, "@")
	r, known := routeByKey(key)
	n, err := strconv.Atoi(rate)
	if !ok || !known || err != nil || n <= 0 {
		return route{}, 0, fmt.Errorf("-profile: %q is not route@rate, like referral@50 (the routes: %s)", spec, strings.Join(routeKeys(), ", "))
	}
	return r, n, nil
}

func runProfile(ctx context.Context, o options, db *database, e targetEnv, coordinatorID int64, log *slog.Logger) error {
	r, rate, err := parseProfile(o.profile)
	if err != nil {
		return err
	}
	// The service logs a line per request as `careers serve` does, to a
	// file beside the profiles, so writing them is in the profile too.
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	logs, err := os.Create(filepath.Join(filepath.Dir(o.out), "profile-"+r.key+"-"+strconv.Itoa(rate)+"-serve.log"))
	if err != nil {
		return err
	}
	defer logs.Close()
	svcURL, _, stop, err := inProcess(ctx, db, coordinatorID, nil, logs)
	if err != nil {
		return err
	}
	defer stop()
	e.service = svcURL
	if e.coordinator, err = signInStaff(svcURL, o.sessions); err != nil {
		return err
	}
	if e.search, err = withSearch(svcURL, e.coordinator, e.searchText, e.searchQuery); err != nil {
		return err
	}
	surnamers, err := signInStaff(svcURL, o.sessions)
	if err != nil {
		return err
	}
	if e.surname, err = withSearch(svcURL, surnamers, e.surnameText, nil); err != nil {
		return err
	}
	if e.trainee, err = signInTrainees(ctx, store.New(db.pool), svcURL, e.traineeEmails); err != nil {
		return err
	}
	if e.coach, err = signInAs(svcURL, demoCoach, o.sessions); err != nil {
		return err
	}
	if e.booker, err = signInTrainees(ctx, store.New(db.pool), svcURL, e.bookEmails); err != nil {
		return err
	}
	if r.drafts {
		tokens, err := db.makeDrafts(ctx, o.seed, 800_000_000, int(float64(rate)*(o.step+o.warmup).Seconds()*1.3)+20)
		if err != nil {
			return err
		}
		e.drafts.set(tokens)
	}
	next := func(i uint64) vegeta.Target { return r.service(&e, i) }
	log.Info("warming up in-process", "route", r.key)
	if err := warm(ctx, o, r, next, nil, rate); err != nil {
		return err
	}
	dir := filepath.Dir(o.out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(dir, "profile-"+r.key+"-"+strconv.Itoa(rate))
	cpu, err := os.Create(name + "-cpu.pprof")
	if err != nil {
		return err
	}
	defer cpu.Close()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return err
	}
	var ms runtime.MemStats
	var goroutines int
	heapDone := make(chan error, 1)
	go func() {
		select {
		case <-ctx.Done():
			heapDone <- ctx.Err()
			return
		case <-time.After(o.step / 2):
		}
		goroutines = runtime.NumGoroutine()
		runtime.ReadMemStats(&ms)
		f, err := os.Create(name + "-heap.pprof")
		if err != nil {
			heapDone <- err
			return
		}
		defer f.Close()
		heapDone <- pprof.Lookup("heap").WriteTo(f, 0)
	}()
	waitCtx, stopWaits := context.WithCancel(ctx)
	waitsDone := make(chan *pgWaits, 1)
	go func() {
		w, err := sampleWaits(waitCtx, db.pool, 50*time.Millisecond)
		if err != nil {
			log.Warn("sampling PostgreSQL's waits", "err", err)
		}
		waitsDone <- w
	}()
	s := attack(ctx, rate, o.step, r.expect, r.budget, next)
	pprof.StopCPUProfile()
	stopWaits()
	waits := <-waitsDone
	if err := <-heapDone; err != nil {
		return err
	}
	log.Info("profiled", "route", r.key, "rate", rate, "throughput", fmt.Sprintf("%.0f", s.Throughput), "p50", s.P50, "p99", s.P99,
		"errors", s.Errors, "goroutines_halfway", goroutines, "heap_inuse_halfway", mib(int64(ms.HeapInuse)), "sys_halfway", mib(int64(ms.Sys)),
		"cpu", name+"-cpu.pprof", "heap", name+"-heap.pprof", "p95", s.P95, "max", s.Max, "postgres", waits.String())
	return nil
}
