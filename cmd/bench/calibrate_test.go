package main

import (
	"runtime"
	"testing"
	"time"
)

// The calibration counts the work's own CPU time: twice the work takes
// about twice as long, and time spent off the CPU does not count.
func TestCalibrationCountsCPUTimeOfTheWork(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the thread CPU clock is Linux's here")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	one, two := time.Duration(1<<62), time.Duration(1<<62)
	for range 5 {
		one = min(one, calibrationWork(calibrationRounds))
		two = min(two, calibrationWork(2*calibrationRounds))
	}
	if one <= 0 || two <= 0 {
		t.Fatalf("calibration %s and %s: the thread CPU clock was not read", one, two)
	}
	if r := float64(two) / float64(one); r < 1.6 || r > 2.4 {
		t.Errorf("twice the work took %.2f times as long (%s against %s), want about 2", r, two, one)
	}
	start, _ := threadCPU()
	time.Sleep(50 * time.Millisecond)
	if end, _ := threadCPU(); end-start > 20*time.Millisecond {
		t.Errorf("sleeping 50 ms counted %s of CPU time", end-start)
	}
	quiet := calibrate()
	if quiet <= 0 || quiet > time.Second {
		t.Fatalf("calibrate: %s", quiet)
	}
	// Another thread of the process kept busy meanwhile is not counted
	// (a clock of the whole process would about double the figure).
	stop := make(chan struct{})
	spinning := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		close(spinning)
		x := 1
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := range 100_000 {
				x = x*31 + i
			}
		}
	}()
	<-spinning
	busy := calibrate()
	close(stop)
	if busy > quiet*3/2 {
		t.Errorf("calibrate with another thread busy: %s, quiet %s: the other thread's CPU was counted", busy, quiet)
	}
}
