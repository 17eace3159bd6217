package devdb_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/devdb"
)

// orphanEnv makes the test binary act as a helper process that starts a server and exits
// without stopping it, as a crashed `make run` would.
const orphanEnv = "DEVDB_TEST_ORPHAN_DATA_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(orphanEnv); dir != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := devdb.Start(ctx, devdb.Options{DataDir: dir, Fast: true}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0) // deliberately without Stop
	}
	os.Exit(m.Run())
}

// testTimeout bounds each Start, Stop and query so a hang fails the test instead of stalling it.
const testTimeout = 2 * time.Minute

func testContext(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	tb.Cleanup(cancel)
	return ctx
}

// MustDataDir returns a fresh data directory under t.TempDir() (so, when root, it exercises
// the fallback location) and removes any fallback directory once the test is done.
func MustDataDir(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "postgres")
	// Registered before any Stop, so it runs after them (cleanups run last-in, first-out).
	tb.Cleanup(func() {
		killLeftover(tb, dir)
		removeFallback(tb, dir)
	})
	return dir
}

// killLeftover fails the test if a server still runs on dataDir once every Stop has run,
// and kills it so that a failing test does not leak PostgreSQL processes.
func killLeftover(tb testing.TB, dataDir string) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "pgdata", "postmaster.pid"))
	if err != nil {
		return
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || !processRunning(tb, pid) {
		return
	}
	tb.Errorf("PostgreSQL (pid %d) still runs on %s after the test's Stops", pid, dataDir)
	_ = syscall.Kill(pid, syscall.SIGQUIT) // PostgreSQL's immediate shutdown
	for deadline := time.Now().Add(10 * time.Second); processRunning(tb, pid) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
}

// removeFallback deletes the directory a data-dir symlink points to; t.TempDir() removes only the link.
func removeFallback(tb testing.TB, dir string) {
	tb.Helper()
	fi, err := os.Lstat(dir)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return
	}
	target, err := os.Readlink(dir)
	if err != nil {
		tb.Errorf("read data dir link: %v", err)
		return
	}
	if err := os.RemoveAll(target); err != nil {
		tb.Errorf("remove fallback %s: %v", target, err)
	}
}

// MustStart starts a server on dataDir and stops it when the test ends.
func MustStart(tb testing.TB, dataDir string) *devdb.Server {
	tb.Helper()
	srv, err := devdb.Start(testContext(tb), devdb.Options{DataDir: dataDir, Fast: true, Logger: testLogger(tb)})
	if err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			tb.Errorf("Stop: %v", err)
		}
	})
	return srv
}

func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// tbWriter sends log output to the test log, shown with -v or on failure.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// MustConnect opens a connection to database on srv, closed when the test ends.
func MustConnect(tb testing.TB, srv *devdb.Server, database string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(testContext(tb), srv.URL(database))
	if err != nil {
		tb.Fatalf("connect to %s: %v", database, err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// MustPostmasterPID reads the postmaster's pid from the cluster's postmaster.pid.
func MustPostmasterPID(tb testing.TB, dataDir string) int {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "pgdata", "postmaster.pid"))
	if err != nil {
		tb.Fatalf("read postmaster.pid: %v", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		tb.Fatalf("postmaster.pid line 1 = %q: not a pid", line)
	}
	return pid
}

// procStatus returns the fields of /proc/<pid>/status; ok is false if the process is gone.
func procStatus(tb testing.TB, pid int) (fields map[string]string, ok bool) {
	tb.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		tb.Fatalf("open /proc/%d/status: %v", pid, err)
	}
	defer f.Close()
	fields = map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		fields[k] = strings.TrimSpace(v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read /proc/%d/status: %v", pid, err)
	}
	return fields, true
}

// processRunning reports whether pid is alive; a zombie nobody has reaped counts as gone.
func processRunning(tb testing.TB, pid int) bool {
	tb.Helper()
	st, ok := procStatus(tb, pid)
	return ok && !strings.HasPrefix(st["State"], "Z") && !strings.HasPrefix(st["State"], "X")
}

// serverProcesses lists live processes that belong to the postmaster pid: itself and its children.
func serverProcesses(tb testing.TB, postmaster int) []int {
	tb.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		tb.Fatalf("read /proc: %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, ok := procStatus(tb, pid)
		if !ok || strings.HasPrefix(st["State"], "Z") {
			continue
		}
		if pid == postmaster || st["PPid"] == strconv.Itoa(postmaster) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestStartRunsServerAsUnprivilegedUser(t *testing.T) {
	t.Parallel()
	dataDir := MustDataDir(t)
	srv := MustStart(t, dataDir)

	st, ok := procStatus(t, MustPostmasterPID(t, dataDir))
	if !ok {
		t.Fatal("postmaster from postmaster.pid is not running")
	}
	// Uid: real, effective, saved, filesystem.
	uids := strings.Fields(st["Uid"])
	if len(uids) != 4 {
		t.Fatalf("Uid line = %q, want four ids", st["Uid"])
	}
	want := strconv.Itoa(os.Geteuid())
	for _, uid := range uids {
		if os.Geteuid() == 0 && uid == "0" {
			t.Fatalf("postmaster runs as root (Uid %q); it must run as an unprivileged user", st["Uid"])
		}
		if os.Geteuid() != 0 && uid != want {
			t.Fatalf("postmaster Uid = %q, want %s (the current user)", st["Uid"], want)
		}
	}

	if os.Geteuid() == 0 {
		// t.TempDir() is 0700 root, so the postgres user cannot reach it: the data must sit in
		// the fallback location behind a symlink.
		fi, err := os.Lstat(dataDir)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("data dir %s is %v, want a symlink to the fallback location", dataDir, fi.Mode())
		}
		if target, _ := os.Readlink(dataDir); !strings.HasPrefix(target, "/var/tmp/careers-postgres-") {
			t.Fatalf("data dir links to %q, want /var/tmp/careers-postgres-<hash>", target)
		}
	}

	// Listening on loopback only.
	if !strings.HasPrefix(srv.URL("postgres"), "postgres://postgres@127.0.0.1:") {
		t.Fatalf("URL = %q, want postgres://postgres@127.0.0.1:PORT/...", srv.URL("postgres"))
	}
	var listen string
	if err := MustConnect(t, srv, "postgres").QueryRow(testContext(t), "SHOW listen_addresses").Scan(&listen); err != nil {
		t.Fatal(err)
	}
	if listen != "127.0.0.1" {
		t.Fatalf("listen_addresses = %q, want 127.0.0.1", listen)
	}
}

func TestDataSurvivesRestart(t *testing.T) {
	t.Parallel()
	dataDir := MustDataDir(t)
	ctx := testContext(t)

	first := MustStart(t, dataDir)
	conn := MustConnect(t, first, "postgres")
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (note text)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO kept VALUES ('still here')"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := first.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	second := MustStart(t, dataDir)
	if !second.Owned() {
		t.Fatal("restarted server: Owned() = false, want true")
	}
	var note string
	if err := MustConnect(t, second, "postgres").QueryRow(ctx, "SELECT note FROM kept").Scan(&note); err != nil {
		t.Fatalf("read back after restart: %v", err)
	}
	if note != "still here" {
		t.Fatalf("note = %q, want %q", note, "still here")
	}
}

func TestNoBinaries(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()

	_, findErr := devdb.FindBinaries(empty)
	_, startErr := devdb.Start(testContext(t), devdb.Options{DataDir: filepath.Join(t.TempDir(), "pg"), BinDir: empty})
	for name, err := range map[string]error{"FindBinaries": findErr, "Start": startErr} {
		if !errors.Is(err, devdb.ErrNoBinaries) {
			t.Errorf("%s error = %v, want one wrapping ErrNoBinaries", name, err)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("%s error spans lines: %q", name, msg)
		}
		for _, want := range []string{"apt-get install postgresql", "DATABASE_URL"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s error %q does not mention %q", name, msg, want)
			}
		}
	}
	if msg := devdb.ErrNoBinaries.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "apt-get install postgresql") || !strings.Contains(msg, "DATABASE_URL") {
		t.Errorf("ErrNoBinaries = %q, want one line naming apt-get install postgresql and DATABASE_URL", msg)
	}
}

func TestFindBinariesFindsInstalledServer(t *testing.T) {
	t.Parallel()
	dir, err := devdb.FindBinaries("")
	if err != nil {
		t.Fatalf("FindBinaries: %v", err)
	}
	for _, name := range []string{"postgres", "initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("FindBinaries = %s, which lacks %s: %v", dir, name, err)
		}
	}
}

func TestSecondStartReusesWithoutOwning(t *testing.T) {
	t.Parallel()
	dataDir := MustDataDir(t)
	ctx := testContext(t)

	owner := MustStart(t, dataDir)
	guest := MustStart(t, dataDir)
	if !owner.Owned() {
		t.Fatal("first Start: Owned() = false, want true")
	}
	if guest.Owned() {
		t.Fatal("second Start on a running data dir: Owned() = true, want false")
	}
	if owner.URL("app") != guest.URL("app") {
		t.Fatalf("second Start URL = %q, want the running server's %q", guest.URL("app"), owner.URL("app"))
	}
	postmaster := MustPostmasterPID(t, dataDir)

	if err := guest.Stop(ctx); err != nil {
		t.Fatalf("guest Stop: %v", err)
	}
	if err := ping(ctx, owner.URL("postgres")); err != nil {
		t.Fatalf("after the non-owner's Stop the server must keep running: %v", err)
	}

	if err := owner.Stop(ctx); err != nil {
		t.Fatalf("owner Stop: %v", err)
	}
	if err := owner.Stop(ctx); err != nil {
		t.Fatalf("second owner Stop: %v, want nil (idempotent)", err)
	}
	if err := ping(ctx, owner.URL("postgres")); err == nil {
		t.Fatal("after the owner's Stop the server still accepts connections")
	}
	if pids := serverProcesses(t, postmaster); len(pids) > 0 {
		t.Fatalf("after the owner's Stop, postgres processes %v remain", pids)
	}
}

func TestConcurrentStartsShareOneServer(t *testing.T) {
	t.Parallel()
	dataDir := MustDataDir(t)

	// Both race through initdb and start; the start lock must serialise them.
	servers := make([]*devdb.Server, 2)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() {
			srv, err := devdb.Start(testContext(t), devdb.Options{DataDir: dataDir, Fast: true})
			if err != nil {
				t.Errorf("Start %d: %v", i, err)
				return
			}
			servers[i] = srv
		})
	}
	wg.Wait()
	for _, srv := range servers {
		if srv != nil {
			defer func() {
				if err := srv.Stop(context.Background()); err != nil {
					t.Errorf("Stop: %v", err)
				}
			}()
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if servers[0].Owned() == servers[1].Owned() {
		t.Fatalf("Owned() = %v and %v, want exactly one owner", servers[0].Owned(), servers[1].Owned())
	}
	if servers[0].URL("x") != servers[1].URL("x") {
		t.Fatalf("URLs differ: %q and %q", servers[0].URL("x"), servers[1].URL("x"))
	}
}

func TestOrphanedServerIsAdopted(t *testing.T) {
	t.Parallel()
	dataDir := MustDataDir(t)
	ctx := testContext(t)

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), orphanEnv+"="+dataDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper process: %v: %s", err, out)
	}
	orphan := MustPostmasterPID(t, dataDir)
	if !processRunning(t, orphan) {
		t.Fatal("the helper's server is not running after the helper exited")
	}
	srv := MustStart(t, dataDir)
	if !srv.Owned() {
		t.Fatal("Start on a server whose owner has exited: Owned() = false, want true (adopted)")
	}
	if got := MustPostmasterPID(t, dataDir); got != orphan {
		t.Fatalf("postmaster pid = %d, want the orphan %d reused", got, orphan)
	}
	if err := srv.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if pids := serverProcesses(t, orphan); len(pids) > 0 {
		t.Fatalf("after Stop, postgres processes %v remain", pids)
	}
}

func TestEnsureDatabaseIsIdempotent(t *testing.T) {
	t.Parallel()
	srv := MustStart(t, MustDataDir(t))
	ctx := testContext(t)

	const name = "careers_ensure"
	for i := range 2 {
		if err := srv.EnsureDatabase(ctx, name); err != nil {
			t.Fatalf("EnsureDatabase call %d: %v", i+1, err)
		}
	}
	// Racing callers must all succeed too.
	const racer = "careers-race" // needs quoting, which CREATE DATABASE must handle
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := srv.EnsureDatabase(ctx, racer); err != nil {
				t.Errorf("concurrent EnsureDatabase: %v", err)
			}
		})
	}
	wg.Wait()

	for _, db := range []string{name, racer} {
		if err := ping(ctx, srv.URL(db)); err != nil {
			t.Errorf("connect to %s after EnsureDatabase: %v", db, err)
		}
	}
}

func ping(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

// The private server has production's two roles. A database made before
// they existed (everything owned by the superuser) is handed to the owner
// role, so it can go on migrating it; the service role owns nothing and is
// no superuser. Calling it again, or from racing callers, is harmless.
func TestEnsureRolesHandsAnOldDatabaseToTheOwner(t *testing.T) {
	t.Parallel()
	srv := MustStart(t, MustDataDir(t))
	ctx := testContext(t)
	const name = "careers_roles"
	if err := srv.EnsureDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	old := MustConnect(t, srv, name)
	for _, sql := range []string{
		`CREATE TYPE old_state AS ENUM ('a', 'b')`,
		`CREATE TABLE old_table (id bigserial PRIMARY KEY, state old_state)`,
		`CREATE SEQUENCE old_free_sequence`,
		`CREATE FUNCTION old_function() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
	} {
		if _, err := old.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := srv.EnsureRoles(ctx, name); err != nil {
				t.Errorf("EnsureRoles: %v", err)
			}
		})
	}
	wg.Wait()
	var notOwned int
	if err := old.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		        WHERE n.nspname = 'public' AND c.relowner <> $1::regrole)
		     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		        WHERE n.nspname = 'public' AND p.proowner <> $1::regrole)
		     + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
		        WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd') AND t.typowner <> $1::regrole)
		     + (SELECT count(*) FROM pg_database WHERE datname = current_database() AND datdba <> $1::regrole)`,
		devdb.OwnerRole).Scan(&notOwned); err != nil {
		t.Fatal(err)
	}
	if notOwned != 0 {
		t.Errorf("%d objects are not owned by %s", notOwned, devdb.OwnerRole)
	}
	var super bool
	if err := old.QueryRow(ctx, `SELECT bool_or(rolsuper OR rolcreatedb OR rolcreaterole) FROM pg_roles WHERE rolname IN ($1, $2)`,
		devdb.OwnerRole, devdb.ServiceRole).Scan(&super); err != nil || super {
		t.Errorf("the roles may create databases or roles, or are superusers (%v)", err)
	}
	// Both roles sign in without a password, as the superuser does.
	for _, role := range []string{devdb.OwnerRole, devdb.ServiceRole} {
		if err := ping(ctx, srv.URLAs(role, name)); err != nil {
			t.Errorf("connect as %s: %v", role, err)
		}
	}
}
