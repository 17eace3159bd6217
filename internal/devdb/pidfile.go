package devdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// postmasterInfo is what Start needs from a cluster's postmaster.pid.
type postmasterInfo struct {
	pid  int
	port int
}

// readPostmasterPID parses pgdata/postmaster.pid (line 1 the pid, line 4 the port).
// It returns os.ErrNotExist (wrapped) when there is no such file.
func readPostmasterPID(pgdata string) (postmasterInfo, error) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return postmasterInfo{}, err
	}
	lines := strings.Split(string(b), "\n")
	var info postmasterInfo
	if len(lines) > 0 {
		info.pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	}
	if len(lines) > 3 {
		info.port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	}
	if info.pid <= 0 {
		// A postmaster writes the file in one go, so a missing pid means a torn or foreign file.
		return postmasterInfo{}, fmt.Errorf("postmaster.pid has no pid")
	}
	return info, nil
}

// postmasterAlive reports whether pid is a live (non-zombie) PostgreSQL process.
// A pid left by a crashed server may since have been reused by another program; on Linux
// /proc tells us, elsewhere we fall back to "the pid exists".
func postmasterAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) || !procMounted()
	}
	for line := range strings.Lines(string(status)) {
		key, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch key {
		case "Name":
			if value != "postgres" && value != "postmaster" {
				return false
			}
		case "State":
			// An exited postmaster whose parent never reaps it (PID 1 in some containers) is a zombie.
			if strings.HasPrefix(value, "Z") || strings.HasPrefix(value, "X") {
				return false
			}
		}
	}
	return true
}

// procMounted reports whether /proc describes processes (Linux), so its silence is meaningful.
func procMounted() bool {
	_, err := os.Stat("/proc/self/status")
	return err == nil
}
