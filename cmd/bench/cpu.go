package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// CPU time per request, read from /proc: what a request costs the service
// process and PostgreSQL, which moves far less between runs on a shared
// machine than a knee does (issue 19).
//
// /proc/<pid>/stat gives a process's user and system time (utime, stime:
// every thread's), and what its children that have exited and been waited
// for used (cutime, cstime). A process tree's CPU is the sum of those four
// over every process of the tree alive now: a child that exits moves its
// time (and its own children's) into its parent's cutime/cstime when the
// parent waits for it, so the sum only moves by CPU actually spent, whether
// children come, go, or live the whole step. (A child reaped between the
// two reads of one snapshot can be missed or counted twice: PostgreSQL's
// backends live as long as the pools' connections, so that is rare.)

// userHZ is the unit of /proc's CPU times: USER_HZ, which the kernel fixes
// at 100 for user space whatever its internal tick (CONFIG_HZ).
const userHZ = 100

func ticks(n uint64) time.Duration { return time.Duration(n) * time.Second / userHZ }

// procStat is what the benchmark reads from one /proc/<pid>/stat.
type procStat struct {
	PID, PPID      int
	Comm           string
	State          byte
	UTime, STime   uint64 // ticks: the process's own threads
	CUTime, CSTime uint64 // ticks: its exited, waited-for children
}

// own is the process's own CPU time (its threads), cum adds its exited
// children's.
func (p procStat) own() time.Duration { return ticks(p.UTime + p.STime) }
func (p procStat) cum() time.Duration { return ticks(p.UTime + p.STime + p.CUTime + p.CSTime) }

// parseProcStat reads the line of /proc/<pid>/stat. The command name is in
// brackets and may hold spaces and brackets itself, so the fields after it
// are found from the last ')'. Fields (proc(5), 1-based): 1 pid, 2 comm,
// 3 state, 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime.
func parseProcStat(b []byte) (procStat, error) {
	open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 1 || close < open {
		return procStat{}, errors.New("/proc stat: no (comm)")
	}
	var p procStat
	var err error
	if p.PID, err = strconv.Atoi(string(bytes.TrimSpace(b[:open]))); err != nil {
		return procStat{}, fmt.Errorf("/proc stat: pid: %w", err)
	}
	p.Comm = string(b[open+1 : close])
	f := strings.Fields(string(b[close+1:]))
	// f[0] is field 3 (state): field n is f[n-3].
	if len(f) < 15 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("/proc stat of %d: %d fields after the name, want at least 15", p.PID, len(f))
	}
	p.State = f[0][0]
	if p.PPID, err = strconv.Atoi(f[1]); err != nil {
		return procStat{}, fmt.Errorf("/proc stat of %d: ppid: %w", p.PID, err)
	}
	for i, dst := range []*uint64{&p.UTime, &p.STime, &p.CUTime, &p.CSTime} {
		// cutime and cstime are signed in the kernel's format (long), never
		// negative in practice.
		n, err := strconv.ParseInt(f[11+i], 10, 64)
		if err != nil || n < 0 {
			return procStat{}, fmt.Errorf("/proc stat of %d: field %d is %q", p.PID, 14+i, f[11+i])
		}
		*dst = uint64(n)
	}
	return p, nil
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(b)
}

// machineTimes is the first line of /proc/stat: every CPU's time, in ticks.
type machineTimes struct {
	Busy  uint64 // user, nice, system, irq, softirq (guest time is inside user)
	Steal uint64 // taken by the hypervisor for other machines
	Total uint64 // busy, idle, iowait and steal
}

func parseMachineTimes(b []byte) (machineTimes, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return machineTimes{}, fmt.Errorf("/proc/stat: first line %q is not the cpu line", line)
	}
	var n [8]uint64 // user nice system idle iowait irq softirq steal
	for i := range n {
		v, err := strconv.ParseUint(f[1+i], 10, 64)
		if err != nil {
			return machineTimes{}, fmt.Errorf("/proc/stat: %w", err)
		}
		n[i] = v
	}
	m := machineTimes{Busy: n[0] + n[1] + n[2] + n[5] + n[6], Steal: n[7]}
	m.Total = m.Busy + n[3] + n[4] + m.Steal
	return m, nil
}

// cpuSnapshot is every process's CPU times and the machine's, read at once.
type cpuSnapshot struct {
	at      time.Time
	procs   map[int]procStat
	machine machineTimes
	load1   float64 // the 1-minute load average
}

// takeSnapshot reads /proc/stat, /proc/loadavg and the stat of every
// process. A process that exits while /proc is listed is skipped.
func takeSnapshot() (cpuSnapshot, error) {
	s := cpuSnapshot{at: time.Now(), procs: map[int]procStat{}}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s, err
	}
	if s.machine, err = parseMachineTimes(b); err != nil {
		return s, err
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			s.load1, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return s, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		p, err := readProcStat(pid)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
				continue // gone already
			}
			return s, err
		}
		s.procs[pid] = p
	}
	return s, nil
}

// tree is the CPU time of root and every descendant alive in the snapshot,
// each with its exited children's (see the top of this file); false if
// root is not there.
func (s cpuSnapshot) tree(root int) (time.Duration, bool) {
	if _, ok := s.procs[root]; !ok || root <= 0 {
		return 0, false
	}
	children := map[int][]int{}
	for pid, p := range s.procs {
		children[p.PPID] = append(children[p.PPID], pid)
	}
	var total time.Duration
	todo := []int{root}
	for len(todo) > 0 {
		pid := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		total += s.procs[pid].cum()
		todo = append(todo, children[pid]...)
	}
	return total, true
}

// stepCPU is the CPU a step used, from two snapshots around it.
type stepCPU struct {
	// Err is why the step has no CPU figures ("" when it has).
	Err string
	// Server is the measured server's process (the service or the
	// baseline), PostgreSQL every process of the benchmark's cluster;
	// PostgresBackground the part of it that was not a client's backend
	// (the postmaster, checkpointer, writers, autovacuum, and children
	// that exited during the step), which serves no request in particular.
	Server, Postgres, PostgresBackground time.Duration
	// Generator is the benchmark's own process: the load generator (and
	// its bookkeeping), the same work per request on both sides below the
	// knee (past it the generator opens more connections).
	Generator time.Duration
	// Ours is every process of the benchmark (both servers, PostgreSQL,
	// the load generator); Other is the rest of the machine's busy time,
	// at least zero (interrupts are counted on either side, so it is
	// approximate); Steal is what the hypervisor took.
	Ours, Other, Steal time.Duration
	Wall               time.Duration
	Cores              int
	Load1              float64 // the 1-minute load average at the end
}

// Valid reports whether the step has CPU figures.
func (c stepCPU) Valid() bool { return c.Err == "" && c.Wall > 0 }

// OursCores is the benchmark's processes' CPU time per second (both
// servers, PostgreSQL and the load generator): how many of the machine's
// cores the step kept busy. Both sides reach their knee near the same
// figure when the machine's CPU is what stops them.
func (c stepCPU) OursCores() float64 {
	if c.Wall <= 0 {
		return 0
	}
	return c.Ours.Seconds() / c.Wall.Seconds()
}

// OtherCores is the other processes' CPU time per second: how many cores
// they kept busy on average during the step.
func (c stepCPU) OtherCores() float64 {
	if c.Wall <= 0 {
		return 0
	}
	return c.Other.Seconds() / c.Wall.Seconds()
}

// cpuMeter knows the processes to account for: the benchmark's PostgreSQL
// (its postmaster, whose children are every backend and background
// process), the two servers (read at each step, as they are restarted),
// and the benchmark itself.
type cpuMeter struct {
	postmaster int
	servers    func() (measured, idle int)
	self       int
	cores      int
}

// begin takes the first snapshot of a step; the function it returns takes
// the second and works out the step's CPU.
func (m cpuMeter) begin() func() stepCPU {
	before, errBefore := takeSnapshot()
	bgBefore := before.backgroundOf(m.postmaster)
	measured, idle := m.servers()
	return func() stepCPU {
		after, err := takeSnapshot()
		c := stepCPU{Wall: after.at.Sub(before.at), Cores: m.cores, Load1: after.load1}
		if err = errors.Join(errBefore, err); err != nil {
			c.Err = err.Error()
			return c
		}
		if m2, i2 := m.servers(); m2 != measured || i2 != idle {
			c.Err = "a server was restarted during the step"
			return c
		}
		delta := func(what string, root int) time.Duration {
			a, okA := before.tree(root)
			b, okB := after.tree(root)
			if !okA || !okB {
				if c.Err == "" {
					c.Err = fmt.Sprintf("%s (pid %d) was not running through the step", what, root)
				}
				return 0
			}
			return b - a
		}
		c.Server = delta("the measured server", measured)
		c.Postgres = delta("PostgreSQL's postmaster", m.postmaster)
		// A background process is one in either snapshot: a worker that
		// started during the step is one in the second, one that ended in
		// the first (and its time is in the postmaster's children's since).
		bgAfter := after.backgroundOf(m.postmaster)
		for pid := range bgBefore {
			if _, alive := after.procs[pid]; alive {
				bgAfter[pid] = true
			}
		}
		for pid := range bgAfter {
			if _, was := before.procs[pid]; was {
				bgBefore[pid] = true
			}
		}
		c.PostgresBackground = max(0, after.background(m.postmaster, bgAfter)-before.background(m.postmaster, bgBefore))
		idleCPU := delta("the other server", idle)
		self := after.procs[m.self].own() - before.procs[m.self].own() // not its children: the servers are counted above
		c.Generator = self
		c.Ours = c.Server + c.Postgres + idleCPU + self
		busy := ticks(after.machine.Busy - before.machine.Busy)
		c.Other = max(0, busy-c.Ours)
		c.Steal = ticks(after.machine.Steal - before.machine.Steal)
		return c
	}
}

// backgroundTitles are what PostgreSQL's own processes call themselves
// (their process title, in /proc/<pid>/cmdline), unlike a client's
// backend ("postgres: user database host(port) idle").
var backgroundTitles = []string{"checkpointer", "background writer", "walwriter", "autovacuum", "logical replication launcher",
	"stats collector", "archiver", "startup", "walreceiver", "walsummarizer", "io worker"}

// isBackground tells PostgreSQL's own processes from clients' backends
// (parallel workers, which do a backend's query, count as backends).
func isBackground(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return true // gone: its time has moved to the postmaster's children's
	}
	title := string(bytes.TrimRight(b, "\x00 "))
	for _, t := range backgroundTitles {
		if strings.Contains(title, t) {
			return true
		}
	}
	return false
}

// background is the CPU time (with exited children's) of the postmaster
// and its children that are PostgreSQL's own processes.
func (s cpuSnapshot) background(postmaster int, own map[int]bool) time.Duration {
	total := s.procs[postmaster].cum()
	for pid, p := range s.procs {
		if p.PPID == postmaster && own[pid] {
			total += p.cum()
		}
	}
	return total
}

// backgroundOf classifies the postmaster's children in a snapshot.
func (s cpuSnapshot) backgroundOf(postmaster int) map[int]bool {
	own := map[int]bool{}
	for pid, p := range s.procs {
		if p.PPID == postmaster && isBackground(pid) {
			own[pid] = true
		}
	}
	return own
}

// findPostmaster finds the pid of the cluster's postmaster: the parent of
// the backend serving the connection the benchmark asks on.
func findPostmaster(ctx context.Context, db *database) (int, error) {
	var backend int
	if err := db.pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return 0, err
	}
	p, err := readProcStat(backend)
	if err != nil {
		return 0, fmt.Errorf("PostgreSQL's backend %d in /proc (is PostgreSQL on this machine?): %w", backend, err)
	}
	pm, err := readProcStat(p.PPID)
	if err != nil {
		return 0, err
	}
	if !strings.HasPrefix(pm.Comm, "postgres") && !strings.HasPrefix(pm.Comm, "postmaster") {
		return 0, fmt.Errorf("the parent of PostgreSQL's backend %d is %q (pid %d), not the postmaster", backend, pm.Comm, pm.PID)
	}
	return pm.PID, nil
}
