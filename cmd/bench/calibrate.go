package main

import (
	"crypto/sha256"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// calibrationRounds is how much fixed CPU work calibrate times: hashing
// 64 KiB this many times takes about 6 ms on the development machine.
const calibrationRounds = 150

// speedNoise is how far apart (the slower over the faster, minus one) a
// route's calibrations may be before the route is flagged: the machine
// itself ran slower for some of its steps (a neighbour on the host taking
// caches or memory bandwidth, a lower clock), which neither steal time nor
// other processes' CPU shows.
const speedNoise = 0.15

// calibrate times a fixed piece of CPU work in the CPU time of the one
// thread that does it, so waiting for a core does not count: the best of
// three tries, in the same units on both sides and at every step. A
// machine that has become slower (a neighbour on the host, a lower clock,
// a busy sibling of the same core) takes longer.
func calibrate() time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	best := time.Duration(-1)
	for range 3 {
		d := calibrationWork(calibrationRounds)
		if d > 0 && (best < 0 || d < best) {
			best = d
		}
	}
	return max(best, 0)
}

// calibrationWork hashes a 64 KiB buffer rounds times and returns the
// calling thread's CPU time it took (0 if the clock cannot be read); the
// caller keeps to one thread (runtime.LockOSThread).
func calibrationWork(rounds int) time.Duration {
	buf := make([]byte, 64<<10)
	start, ok := threadCPU()
	if !ok {
		return 0
	}
	for range rounds {
		sum := sha256.Sum256(buf)
		buf[0] ^= sum[0]
	}
	runtime.KeepAlive(buf)
	end, ok := threadCPU()
	if !ok {
		return 0
	}
	return end - start
}

// threadCPU is the calling thread's CPU time (the scheduler's count, in
// nanoseconds, not /proc's 10 ms ticks).
func threadCPU() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
