package main

import (
	"runtime"
	"runtime/debug"
)

// defaultMemoryLimit is the Go heap's soft limit when GOMEMLIMIT is unset,
// raised on machines with many CPUs, where as many argon2id hashes (19 MiB
// each) may run at once during a burst of sign-ins.
const defaultMemoryLimit int64 = 100 << 20

// defaultGCPercent is the collector's GOGC when GOGC is unset. The live
// heap is small (10 to 15 MiB) and each page allocates some tens of
// kilobytes, so with Go's default of 100 the collector ran five to ten
// times a second under load; each cycle stops every goroutine twice, and
// on a machine whose cores are shared with PostgreSQL a stop waits for
// every thread the kernel has put aside: pauses of several milliseconds,
// several times a second, were most of the tail of the cheap pages
// (docs/performance.md, "sixteenth look"). At 400 the collector runs a
// quarter as often; the soft memory limit, not GOGC, bounds the heap.
const defaultGCPercent = 400

// tuneCollector sets the collector's soft memory limit and GOGC where the
// environment does not: GOMEMLIMIT or GOGC, when set, win. It returns the
// limit and percentage it set (0 for one left to the environment).
func tuneCollector(getenv func(string) string) (limit int64, percent int) {
	if getenv("GOMEMLIMIT") == "" {
		// A soft limit on the Go heap: as it nears, the collector works
		// harder rather than letting garbage from a burst of requests push
		// the process's memory up.
		limit = max(defaultMemoryLimit, 64<<20+int64(runtime.NumCPU())*20<<20)
		debug.SetMemoryLimit(limit)
	}
	if getenv("GOGC") == "" {
		percent = defaultGCPercent
		debug.SetGCPercent(percent)
	}
	return limit, percent
}
