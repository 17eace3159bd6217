package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"careers/internal/auth"
)

// process is a server the benchmark started: the service or the baseline.
type process struct {
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	log  string // where its output goes
	done chan error
	// how it was started, to start it again
	bin       string
	args, env []string
	addr      string
}

// freeAddr asks the kernel for a free loopback port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startProcess runs bin with args and env (nothing else of ours), its
// output to logPath, and waits until GET /readyz answers 200.
func startProcess(ctx context.Context, name, bin string, args, env []string, addr, logPath string) (*process, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group: Ctrl-C reaches the benchmark, which stops it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, base: "http://" + addr, log: logPath, done: make(chan error, 1),
		bin: bin, args: args, env: env, addr: addr}
	go func() { p.done <- cmd.Wait(); out.Close() }()
	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case err := <-p.done:
			p.done <- err
			return nil, fmt.Errorf("%s exited before it was ready (%v); its log %s ends:\n%s", name, err, logPath, tail(logPath, 15))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := client.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s was not ready after 90s; its log %s ends:\n%s", name, logPath, tail(logPath, 15))
		}
	}
}

// stop asks the process to finish (SIGTERM), then kills it after 20 s.
func (p *process) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// restart stops the process and starts it again on the same address: a
// fresh process for each route, so one route's memory (a Go process keeps
// what it grew to for minutes) is not counted against the next. Sessions
// live in the database, so they survive it.
//
// hard kills it rather than letting it finish what it holds: after an
// overload that is many seconds of backlog nobody is waiting for.
func (p *process) restart(ctx context.Context, hard bool) (*process, error) {
	if hard {
		_ = p.cmd.Process.Kill()
		<-p.done
	} else {
		p.stop()
	}
	return startProcess(ctx, p.name, p.bin, p.args, p.env, p.addr, p.log)
}

// alive reports an early exit.
func (p *process) alive() error {
	select {
	case err := <-p.done:
		p.done <- err
		return fmt.Errorf("%s exited during the run (%v); its log %s ends:\n%s", p.name, err, p.log, tail(p.log, 15))
	default:
		return nil
	}
}

// memory reads the process's resident set now and its peak (VmHWM) from
// /proc, in bytes.
func (p *process) memory() (rss, peak int64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			peak = n << 10
		}
	}
	if peak == 0 {
		return 0, 0, errors.New("no VmHWM in /proc status")
	}
	return rss, peak, sc.Err()
}

// resetPeak starts a new peak: writing 5 to clear_refs sets VmHWM back to
// the current resident set, so each route's peak is its own. It reports
// whether the kernel allowed it (if not, peaks run from the start).
func (p *process) resetPeak() bool {
	return os.WriteFile("/proc/"+strconv.Itoa(p.cmd.Process.Pid)+"/clear_refs", []byte("5"), 0) == nil
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// benchSecretKey is the SECRET_KEY of one benchmark run, shared by the
// service and the baseline.
var benchSecretKey = sync.OnceValue(auth.NewSecretKey)

// serviceEnv is the service's whole environment: development (so the demo
// coordinator may skip the second factor and mail goes to the development
// mailbox), the benchmark database, and the loopback proxy trusted so each
// request's X-Forwarded-For address is its client's (see nextClient).
// Everything else takes its default, as in a plain `careers serve`.
func serviceEnv(addr, databaseURL string) []string {
	env := []string{
		"ENV=development",
		"DEMO_SKIP_SECOND_FACTOR=true",
		"DATABASE_URL=" + databaseURL,
		"ADDR=" + addr,
		"TRUSTED_PROXIES=127.0.0.1/32",
		"LOG_LEVEL=info",
		"SECRET_KEY=" + benchSecretKey(),
	}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "TZ", "GOMAXPROCS", "GOGC", "GOMEMLIMIT"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
