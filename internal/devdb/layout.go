package devdb

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// serverUserName is the unprivileged account PostgreSQL runs as when we are root.
const serverUserName = "postgres"

// fallbackParent holds clusters whose requested DataDir the server user cannot reach.
// /var/tmp rather than /tmp because it survives reboots, as the data should.
const fallbackParent = "/var/tmp"

// runUser is the account the PostgreSQL programs run as.
type runUser struct {
	name     string
	uid, gid int
	groups   []int
	switched bool // true when we are root and must drop to this account
}

// serverUser picks the account: ourselves, or the postgres system user when we are root,
// because PostgreSQL refuses to run as root.
func serverUser() (runUser, error) {
	if os.Geteuid() != 0 {
		return runUser{name: "current user", uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup(serverUserName)
	if err != nil {
		return runUser{}, fmt.Errorf("running as root needs a %q system user to run PostgreSQL as (it refuses to run as root): %w", serverUserName, err)
	}
	ru := runUser{name: serverUserName, switched: true}
	if ru.uid, err = strconv.Atoi(u.Uid); err != nil {
		return runUser{}, fmt.Errorf("uid of %s: %w", serverUserName, err)
	}
	if ru.gid, err = strconv.Atoi(u.Gid); err != nil {
		return runUser{}, fmt.Errorf("gid of %s: %w", serverUserName, err)
	}
	gids, err := u.GroupIds()
	if err != nil {
		return runUser{}, fmt.Errorf("groups of %s: %w", serverUserName, err)
	}
	for _, g := range gids {
		n, err := strconv.Atoi(g)
		if err != nil {
			return runUser{}, fmt.Errorf("groups of %s: %w", serverUserName, err)
		}
		ru.groups = append(ru.groups, n)
	}
	return ru, nil
}

// credential is the SysProcAttr credential for child processes; nil keeps our own.
func (u runUser) credential() *syscall.Credential {
	if !u.switched {
		return nil
	}
	groups := make([]uint32, len(u.groups))
	for i, g := range u.groups {
		groups[i] = uint32(g)
	}
	// Setting Groups also drops root's supplementary groups.
	return &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: groups}
}

// canTraverse reports whether the user may search dir and every directory above it.
// It reads the mode bits only (no ACLs), which errs on the side of using the fallback.
func (u runUser) canTraverse(dir string) bool {
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			return false
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return false
		}
		var bit fs.FileMode = 0o001
		switch {
		case int(st.Uid) == u.uid:
			bit = 0o100
		case u.inGroup(int(st.Gid)):
			bit = 0o010
		}
		if fi.Mode().Perm()&bit == 0 {
			return false
		}
		if parent := filepath.Dir(p); parent == p {
			return true
		}
	}
}

func (u runUser) inGroup(gid int) bool {
	if gid == u.gid {
		return true
	}
	for _, g := range u.groups {
		if g == gid {
			return true
		}
	}
	return false
}

// own gives dir to the server user, private to it, so PostgreSQL can write its log and cluster there.
func (u runUser) own(dir string) error {
	if u.switched {
		if err := os.Chown(dir, u.uid, u.gid); err != nil {
			return err
		}
	}
	return os.Chmod(dir, 0o700)
}

// fallbackDir is the stable fallback location for the requested data directory abs.
func fallbackDir(abs string) string {
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(fallbackParent, "careers-postgres-"+hex.EncodeToString(sum[:])[:12])
}

// prepareRoot creates the data directory and returns the real directory to keep the cluster in.
//
// When we are root, the postgres user must be able to reach that directory. If it cannot
// (t.TempDir() and /root are 0700 root-owned) the cluster lives in a fallback directory that
// it can reach, with a symlink at dataDir, so the data still "lives" at dataDir across restarts.
func prepareRoot(dataDir string, u runUser, logger *slog.Logger) (string, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", err
	}
	if !u.switched {
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return "", err
		}
		return abs, nil
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", err
	}
	// Loop because a concurrent Start may create the directory or symlink between our looks.
	for range 3 {
		fi, err := os.Lstat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			parent, err := filepath.EvalSymlinks(filepath.Dir(abs))
			if err != nil {
				return "", err
			}
			if u.canTraverse(parent) {
				if err := os.Mkdir(abs, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
					return "", err
				}
				continue
			}
			fb := fallbackDir(abs)
			if err := prepareFallback(fb, u); err != nil {
				return "", err
			}
			if err := os.Symlink(fb, abs); err != nil {
				if errors.Is(err, fs.ErrExist) {
					continue
				}
				return "", err
			}
			logger.Info("devdb: the postgres user cannot reach the data directory, so the cluster lives in a fallback directory",
				"data_dir", abs, "fallback_dir", fb)
			return fb, nil

		case err != nil:
			return "", err

		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(abs)
			if err != nil {
				return "", err
			}
			// /var/tmp cleaners may delete an old fallback; recreate it rather than fail.
			if target == fallbackDir(abs) {
				if err := prepareFallback(target, u); err != nil {
					return "", err
				}
				return target, nil
			}
			real, err := filepath.EvalSymlinks(abs)
			if err != nil {
				return "", err
			}
			if !u.canTraverse(filepath.Dir(real)) {
				return "", fmt.Errorf("%s links to %s, which user %s cannot reach", abs, real, u.name)
			}
			if err := u.own(real); err != nil {
				return "", err
			}
			return real, nil

		case fi.IsDir():
			real, err := filepath.EvalSymlinks(abs)
			if err != nil {
				return "", err
			}
			if u.canTraverse(filepath.Dir(real)) {
				if err := u.own(real); err != nil {
					return "", err
				}
				return real, nil
			}
			// An empty directory (say, t.TempDir() itself) can give way to the symlink; data cannot.
			if err := os.Remove(abs); err != nil {
				return "", fmt.Errorf("user %s cannot reach %s and it is not empty; move it somewhere it can reach: %w", u.name, abs, err)
			}

		default:
			return "", fmt.Errorf("%s is not a directory", abs)
		}
	}
	return "", fmt.Errorf("%s keeps changing under us", abs)
}

// prepareFallback creates (or checks) a fallback directory as 0700, owned by the server user.
func prepareFallback(dir string, u runUser) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	// /var/tmp is world-writable: refuse anything another user could have planted there.
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || (st.Uid != 0 && int(st.Uid) != u.uid) {
		return fmt.Errorf("fallback %s is not a directory owned by root or %s; remove it", dir, u.name)
	}
	return u.own(dir)
}
