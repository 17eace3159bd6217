package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestTuneCollector(t *testing.T) {
	// Whatever the test binary started with comes back afterwards.
	was := debug.SetGCPercent(100)
	debug.SetGCPercent(was)
	wasLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(was)
		debug.SetMemoryLimit(wasLimit)
	})
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	limit, percent := tuneCollector(env(nil))
	wantLimit := max(defaultMemoryLimit, 64<<20+int64(runtime.NumCPU())*20<<20)
	if limit != wantLimit || percent != defaultGCPercent {
		t.Errorf("nothing set: tuneCollector set %d bytes and GOGC %d, want %d and %d", limit, percent, wantLimit, defaultGCPercent)
	}
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("nothing set: GOGC is %d, want %d", got, defaultGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != wantLimit {
		t.Errorf("nothing set: the memory limit is %d, want %d", got, wantLimit)
	}

	// GOGC and GOMEMLIMIT, when set, win: the runtime read them at start,
	// and tuneCollector leaves both alone.
	debug.SetGCPercent(150)
	debug.SetMemoryLimit(300 << 20)
	limit, percent = tuneCollector(env(map[string]string{"GOGC": "150", "GOMEMLIMIT": "300MiB"}))
	if limit != 0 || percent != 0 {
		t.Errorf("both set: tuneCollector set %d bytes and GOGC %d, want neither", limit, percent)
	}
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GOGC set: GOGC is %d, want 150 (the environment's)", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Errorf("GOMEMLIMIT set: the memory limit is %d, want the environment's", got)
	}

	// One set, the other not.
	debug.SetGCPercent(100)
	limit, percent = tuneCollector(env(map[string]string{"GOMEMLIMIT": "300MiB"}))
	if limit != 0 || percent != defaultGCPercent || debug.SetMemoryLimit(-1) != 300<<20 {
		t.Errorf("GOMEMLIMIT set: tuneCollector set %d bytes and GOGC %d, want none and %d", limit, percent, defaultGCPercent)
	}
}
