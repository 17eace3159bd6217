package devdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// installHint is the advice shared by every "binaries not found" message.
const installHint = "install them with `apt-get install postgresql` (Debian/Ubuntu) or set DATABASE_URL to an existing server"

// ErrNoBinaries reports that no directory holds the PostgreSQL server binaries.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found: " + installHint)

// notFoundError says where FindBinaries looked, while still matching ErrNoBinaries.
type notFoundError struct{ where string }

func (e *notFoundError) Error() string {
	return "PostgreSQL server binaries not found (looked in " + e.where + "): " + installHint
}

func (e *notFoundError) Unwrap() error { return ErrNoBinaries }

// requiredBinaries are the programs Start runs; a directory must hold all of them.
var requiredBinaries = []string{"postgres", "initdb", "pg_ctl"}

// FindBinaries returns the directory holding postgres, initdb and pg_ctl, or an error wrapping ErrNoBinaries.
//
// If binDir is set only it is searched. Otherwise the order is `pg_config --bindir`,
// /usr/lib/postgresql/*/bin (highest version first), then PATH.
func FindBinaries(binDir string) (string, error) {
	if binDir != "" {
		abs, err := filepath.Abs(binDir)
		if err != nil {
			return "", fmt.Errorf("devdb: bin dir: %w", err)
		}
		if hasBinaries(abs) {
			return abs, nil
		}
		return "", &notFoundError{where: abs}
	}

	var candidates []string
	if dir := pgConfigBinDir(); dir != "" {
		candidates = append(candidates, dir)
	}
	candidates = append(candidates, debianBinDirs()...)
	// A postgres on PATH usually sits beside initdb and pg_ctl (Homebrew, distro packages).
	if p, err := exec.LookPath("postgres"); err == nil {
		if abs, err := filepath.Abs(filepath.Dir(p)); err == nil {
			candidates = append(candidates, abs)
		}
	}
	for _, dir := range candidates {
		if hasBinaries(dir) {
			return dir, nil
		}
	}
	return "", &notFoundError{where: "pg_config --bindir, /usr/lib/postgresql/*/bin and PATH"}
}

// hasBinaries reports whether dir holds every required binary as an executable file.
func hasBinaries(dir string) bool {
	for _, name := range requiredBinaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// pgConfigBinDir asks pg_config where the binaries are; "" if it is missing or fails.
func pgConfigBinDir() string {
	path, err := exec.LookPath("pg_config")
	if err != nil {
		return ""
	}
	// pg_config answers instantly; the timeout only guards against a broken wrapper script.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--bindir").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// debianBinDirs lists /usr/lib/postgresql/<version>/bin, highest version first.
func debianBinDirs() []string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) []int {
		var v []int
		for _, part := range strings.Split(filepath.Base(filepath.Dir(dir)), ".") {
			n, err := strconv.Atoi(part)
			if err != nil {
				n = -1
			}
			v = append(v, n)
		}
		return v
	}
	// Compare numerically so that 15 sorts above 9.6.
	slices.SortStableFunc(dirs, func(a, b string) int { return slices.Compare(version(b), version(a)) })
	return dirs
}
