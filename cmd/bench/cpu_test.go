package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The CPU accounting is tested on real processes: the test binary started
// again as a helper (BENCH_CPU_HELPER) that burns a known amount of CPU,
// itself and in children that exit or stay, read through /proc as the
// benchmark reads its servers and PostgreSQL, and checked against what
// the kernel reports for the helper's whole tree when it is waited for
// (wait4's rusage, a separate path in nanoseconds).

func TestMain(m *testing.M) {
	if spec := os.Getenv("BENCH_CPU_HELPER"); spec != "" {
		if err := cpuHelper(spec); err != nil {
			fmt.Fprintln(os.Stderr, "cpu helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperSpec is what a helper does: burn is its own CPU; exit and stay are
// children burning that much (started when it is told "go"), one exiting
// (and waited for) when done, one staying until the helper's input ends.
type helperSpec struct {
	burn, exit, stay time.Duration
	wait             bool // wait for "go" (the top helper)
}

func (h helperSpec) String() string {
	return fmt.Sprintf("burn=%s,exit=%s,stay=%s,wait=%v", h.burn, h.exit, h.stay, h.wait)
}

func parseHelperSpec(s string) (helperSpec, error) {
	var h helperSpec
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case "burn":
			h.burn, err = time.ParseDuration(v)
		case "exit":
			h.exit, err = time.ParseDuration(v)
		case "stay":
			h.stay, err = time.ParseDuration(v)
		case "wait":
			h.wait = v == "true"
		}
		if err != nil {
			return h, err
		}
	}
	return h, nil
}

// cpuTime is this process's CPU time so far, every thread.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// burn spins until this process has used d more CPU time.
func burn(d time.Duration) {
	end := cpuTime() + d
	x := 1
	for cpuTime() < end {
		for i := range 10_000 {
			x = x*31 + i
		}
	}
	if x == 42 {
		fmt.Fprint(io.Discard, x)
	}
}

func cpuHelper(s string) error {
	h, err := parseHelperSpec(s)
	if err != nil {
		return err
	}
	in := bufio.NewReader(os.Stdin)
	fmt.Println("ready")
	if h.wait {
		if line, err := in.ReadString('\n'); err != nil || line != "go\n" {
			return fmt.Errorf("want go, got %q (%v)", line, err)
		}
	}
	var exiting, staying *exec.Cmd
	var stayIn io.WriteCloser
	var stayOut *bufio.Reader
	if h.exit > 0 {
		exiting = exec.Command(os.Args[0])
		exiting.Env = append(os.Environ(), "BENCH_CPU_HELPER="+helperSpec{burn: h.exit}.String())
		exiting.Stderr = os.Stderr
		if err := exiting.Start(); err != nil {
			return err
		}
	}
	if h.stay > 0 {
		staying = exec.Command(os.Args[0])
		staying.Env = append(os.Environ(), "BENCH_CPU_HELPER="+helperSpec{burn: h.stay}.String())
		staying.Stderr = os.Stderr
		if stayIn, err = staying.StdinPipe(); err != nil {
			return err
		}
		out, err := staying.StdoutPipe()
		if err != nil {
			return err
		}
		stayOut = bufio.NewReader(out)
		if err := staying.Start(); err != nil {
			return err
		}
	}
	burn(h.burn)
	if exiting != nil {
		if err := exiting.Wait(); err != nil { // reaped: its time moves to our cutime
			return err
		}
	}
	if staying != nil {
		for {
			line, err := stayOut.ReadString('\n')
			if err != nil {
				return fmt.Errorf("the staying child: %w", err)
			}
			if line == "done\n" {
				break
			}
		}
	}
	fmt.Println("done")
	_, _ = io.Copy(io.Discard, in) // until the parent closes our input
	if staying != nil {
		stayIn.Close()
		if err := staying.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// helper is a started helper process.
type helper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func startHelper(t *testing.T, h helperSpec) *helper {
	t.Helper()
	return startHelperAs(t, os.Args[0], h)
}

func startHelperAs(t *testing.T, bin string, h helperSpec) *helper {
	t.Helper()
	h.wait = true
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "BENCH_CPU_HELPER="+h.String())
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &helper{cmd: cmd, in: in, out: bufio.NewReader(out)}
	t.Cleanup(func() {
		p.in.Close()
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	})
	p.expect(t, "ready")
	return p
}

func (p *helper) pid() int { return p.cmd.Process.Pid }

func (p *helper) expect(t *testing.T, want string) {
	t.Helper()
	line, err := p.out.ReadString('\n')
	if err != nil || line != want+"\n" {
		t.Fatalf("helper %d said %q (%v), want %q", p.pid(), line, err, want)
	}
}

func (p *helper) goAndWait(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(p.in, "go\n"); err != nil {
		t.Fatal(err)
	}
	p.expect(t, "done")
}

// finish ends the helper and returns its whole tree's CPU time as wait4
// reports it (its own and its waited-for children's).
func (p *helper) finish(t *testing.T) time.Duration {
	t.Helper()
	p.in.Close()
	if err := p.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
}

// within fails unless got is in [want-below, want+above].
func within(t *testing.T, what string, got, want, below, above time.Duration) {
	t.Helper()
	if got < want-below || got > want+above {
		t.Errorf("%s: %s, want %s (-%s/+%s)", what, got, want, below, above)
	}
}

// slack: /proc counts in 10 ms ticks, per process; a Go process's own
// start (runtime, package init) costs some too, which the children burn
// on top of what they are asked.
const tickSlack = 30 * time.Millisecond

func TestProcStatOfARealProcessWithAnAwkwardName(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	// The command name is the file name exec'd: one with spaces and
	// brackets, as "(comm)" parsing must survive.
	bin := filepath.Join(t.TempDir(), "a) (b c)")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	p := startHelperAs(t, bin, helperSpec{burn: 200 * time.Millisecond})
	before, err := readProcStat(p.pid())
	if err != nil {
		t.Fatal(err)
	}
	if before.PID != p.pid() || before.PPID != os.Getpid() || before.Comm != "a) (b c)" {
		t.Fatalf("stat %+v: want pid %d, ppid %d, comm %q", before, p.pid(), os.Getpid(), "a) (b c)")
	}
	p.goAndWait(t)
	after, err := readProcStat(p.pid())
	if err != nil {
		t.Fatal(err)
	}
	if after.State != 'S' && after.State != 'R' {
		t.Errorf("state %c, want S (waiting for its input) or R", after.State)
	}
	within(t, "CPU burnt between the reads", after.own()-before.own(), 200*time.Millisecond, tickSlack, tickSlack)
	if after.CUTime+after.CSTime != 0 {
		t.Errorf("cutime+cstime %d ticks, want 0: no children", after.CUTime+after.CSTime)
	}
	waited := p.finish(t)
	within(t, "/proc against wait4", after.cum(), waited, tickSlack, tickSlack)
}

func TestTreeCPUCountsChildrenThatExitAndStay(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	const own, exits, stays = 300 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond
	p := startHelper(t, helperSpec{burn: own, exit: exits, stay: stays})
	before, err := takeSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	started, ok := before.tree(p.pid())
	if !ok {
		t.Fatalf("helper %d not in the snapshot", p.pid())
	}
	p.goAndWait(t)
	after, err := takeSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	total, ok := after.tree(p.pid())
	if !ok {
		t.Fatalf("helper %d not in the second snapshot", p.pid())
	}
	// The exiting child is in the helper's cutime now, the staying one
	// alive, a child of the helper.
	top := after.procs[p.pid()]
	within(t, "the exited child in the helper's cutime+cstime", ticks(top.CUTime+top.CSTime), exits, tickSlack, 150*time.Millisecond)
	var live []procStat
	for _, q := range after.procs {
		if q.PPID == p.pid() {
			live = append(live, q)
		}
	}
	if len(live) != 1 {
		t.Fatalf("live children of the helper: %+v, want the staying one", live)
	}
	within(t, "the staying child", live[0].own(), stays, tickSlack, 150*time.Millisecond)
	within(t, "the tree over the step", total-started, own+exits+stays, 2*tickSlack, 300*time.Millisecond)
	if after.machine.Busy <= before.machine.Busy || after.machine.Total < after.machine.Busy {
		t.Errorf("/proc/stat busy %d then %d (total %d): want it to grow with the burn", before.machine.Busy, after.machine.Busy, after.machine.Total)
	}
	// When the helper is waited for, the kernel's own total for it and its
	// children agrees with the tree read from /proc.
	waited := p.finish(t)
	within(t, "/proc tree against wait4", total, waited, 2*tickSlack, 2*tickSlack)
}

func TestCPUMeterSplitsAStepBetweenServerAndPostgreSQL(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	// Stand-ins with known burns: the measured server, a "postmaster"
	// whose children come and go, and the idle server.
	const server, pmOwn, pmExit, pmStay = 300 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond, 150 * time.Millisecond
	measured := startHelper(t, helperSpec{burn: server})
	pm := startHelper(t, helperSpec{burn: pmOwn, exit: pmExit, stay: pmStay})
	idle := startHelper(t, helperSpec{})
	m := cpuMeter{postmaster: pm.pid(), self: os.Getpid(), cores: runtime.NumCPU(),
		servers: func() (int, int) { return measured.pid(), idle.pid() }}
	end := m.begin()
	for _, h := range []*helper{measured, pm, idle} {
		h.goAndWait(t)
	}
	// The benchmark's own process (the load generator) burns some too.
	const generator = 200 * time.Millisecond
	burn(generator)
	c := end()
	if !c.Valid() {
		t.Fatalf("step CPU not valid: %+v", c)
	}
	within(t, "server", c.Server, server, tickSlack, 60*time.Millisecond)
	within(t, "PostgreSQL", c.Postgres, pmOwn+pmExit+pmStay, 2*tickSlack, 300*time.Millisecond)
	// The stand-in's children are not PostgreSQL's own processes by their
	// titles (the test binary's path), so its background is its own time
	// and the exited child's (moved into its children's time); the staying
	// child is a backend.
	within(t, "PostgreSQL's background", c.PostgresBackground, pmOwn+pmExit, 2*tickSlack, 150*time.Millisecond)
	within(t, "the load generator", c.Generator, generator, tickSlack, 100*time.Millisecond)
	if c.Ours < c.Server+c.Postgres+c.Generator || c.Other < 0 || c.Wall <= 0 || c.Cores != runtime.NumCPU() {
		t.Errorf("step CPU %+v: want ours ≥ server + PostgreSQL + generator, other ≥ 0, a wall time", c)
	}
	if got, want := c.OursCores(), c.Ours.Seconds()/c.Wall.Seconds(); got != want || got <= 0 {
		t.Errorf("cores busy %.3f, want %.3f", got, want)
	}
	// Per successful request: 100 asked, 4 failed.
	cost, ok := stepCost(step{Requests: 100, Errors: 4, CPU: c})
	if !ok || cost.Server != c.Server/96 || cost.Postgres != c.Postgres/96 || cost.Generator != c.Generator/96 || cost.Total() != cost.Server+cost.Postgres {
		t.Errorf("cost %+v (%v) of %+v: want the step's CPU over 96 requests", cost, ok, c)
	}
	if _, ok := stepCost(step{Requests: 10, Errors: 10, CPU: c}); ok {
		t.Error("a step without a successful request has a cost per request")
	}

	// A server gone before the step ends: no figures, and why.
	gone := startHelper(t, helperSpec{})
	m.servers = func() (int, int) { return gone.pid(), idle.pid() }
	end = m.begin()
	gone.goAndWait(t)
	gone.finish(t)
	if c := end(); c.Valid() || !strings.Contains(c.Err, "not running") {
		t.Errorf("step CPU with the server gone: %+v, want an error", c)
	}
}

func TestParseProcStatAndMachineLines(t *testing.T) {
	// parseProcStat on a line as the kernel writes it, with the fields the
	// benchmark does not use: the offsets are proc(5)'s.
	line := "4242 (postgres: bench) S 4000 4000 4000 0 -1 4194560 1 0 0 0 1234 567 89 10 20 0 1 0 100 0 0\n"
	p, err := parseProcStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if p.PID != 4242 || p.PPID != 4000 || p.Comm != "postgres: bench" || p.UTime != 1234 || p.STime != 567 || p.CUTime != 89 || p.CSTime != 10 {
		t.Fatalf("parsed %+v", p)
	}
	for _, bad := range []string{"", "12 noname S 1", "12 (x) S 1 2 3", "x (y) S 1 1 1 0 -1 0 0 0 0 0 1 2 3 4"} {
		if _, err := parseProcStat([]byte(bad)); err == nil {
			t.Errorf("parseProcStat(%q): no error", bad)
		}
	}
	if _, err := parseMachineTimes([]byte("intr 1 2 3\n")); err == nil {
		t.Error("parseMachineTimes of a line that is not cpu: no error")
	}
	mt, err := parseMachineTimes([]byte("cpu  100 1 20 500 7 2 3 4 0 0\ncpu0 1 2 3\n"))
	if err != nil || mt.Busy != 126 || mt.Steal != 4 || mt.Total != 637 {
		t.Errorf("parseMachineTimes: %+v %v, want busy 126, steal 4, total 637", mt, err)
	}
}
