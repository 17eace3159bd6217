package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"careers/internal/auth"
	"careers/internal/testdb"
)

// binary builds the real careers binary once for this package's tests.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "careers-bin-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "careers")
	b, err := exec.Command("go", "build", "-o", out, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, b)
	}
	return out, nil
})

func mustBinary(tb testing.TB) string {
	tb.Helper()
	p, err := binary()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is a running `careers serve` with its output captured.
type process struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	output strings.Builder
	done   chan error
}

func (p *process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

func startServe(tb testing.TB, env ...string) *process {
	tb.Helper()
	p := &process{addr: freeAddr(tb), done: make(chan error, 1)}
	p.cmd = exec.Command(mustBinary(tb), "serve")
	p.cmd.Env = append(os.Environ(), append([]string{"ADDR=" + p.addr, "DATABASE_URL=", "ENV=development"}, env...)...)
	r, w := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		s := bufio.NewScanner(r)
		for s.Scan() {
			p.mu.Lock()
			p.output.WriteString(s.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	go func() { p.done <- p.cmd.Wait(); w.Close() }()
	tb.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-p.done:
			case <-time.After(30 * time.Second):
				_ = p.cmd.Process.Kill()
			}
		}
	})
	return p
}

func (p *process) waitReady(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			tb.Fatalf("careers serve exited early (%v):\n%s", err, p.Output())
		default:
		}
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	tb.Fatalf("careers serve not ready after 90s:\n%s", p.Output())
}

func (p *process) interrupt(tb testing.TB) {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		tb.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			tb.Fatalf("careers serve exited with %v after Ctrl-C:\n%s", err, p.Output())
		}
	case <-time.After(60 * time.Second):
		tb.Fatalf("careers serve did not stop after Ctrl-C:\n%s", p.Output())
	}
}

// postgresRunningFor reports whether any postgres process serves dataDir.
func postgresRunningFor(tb testing.TB, dataDir string) bool {
	tb.Helper()
	real, err := filepath.EvalSymlinks(dataDir)
	if err != nil {
		real = dataDir
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range procs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		cmd := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(cmd, "postgres") && (strings.Contains(cmd, dataDir) || strings.Contains(cmd, real)) {
			return true
		}
	}
	return false
}

// The whole service from the binary: with no DATABASE_URL it starts its own
// PostgreSQL, serves the styled start page, and on Ctrl-C stops cleanly with
// no PostgreSQL left behind; a second run reuses the same data.
func TestServeWithPrivatePostgres(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	pgDir := filepath.Join(dataDir, "postgres")

	p := startServe(t, "DATA_DIR="+dataDir)
	p.waitReady(t)
	resp, err := http.Get("http://" + p.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "/assets/careers.") {
		t.Fatalf("start page: %d, stylesheet linked: %v", resp.StatusCode, strings.Contains(string(body), "/assets/careers."))
	}
	if !postgresRunningFor(t, pgDir) {
		t.Fatalf("no postgres process for %s while serving", pgDir)
	}
	if out := p.Output(); !strings.Contains(out, `"msg":"database migrated"`) || strings.Contains(out, `"applied":0`) {
		t.Errorf("the first run on an empty database applied no migrations:\n%s", out)
	}
	// It runs as the restricted role, which the start-up check accepts.
	if out := p.Output(); !strings.Contains(out, `"service_role":"careers_app"`) || strings.Contains(out, "more privileges than it needs") {
		t.Errorf("the service does not run as the restricted role:\n%s", out)
	}
	p.interrupt(t)
	if postgresRunningFor(t, pgDir) {
		t.Fatalf("a postgres process is left behind after Ctrl-C:\n%s", p.Output())
	}
	// Development made its secret key once, private to this user.
	keyFile := filepath.Join(dataDir, "secret-key")
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("development secret key: %v, mode %v", err, fi)
	}
	key, _ := os.ReadFile(keyFile)
	if _, err := auth.ParseSecretKey(string(key)); err != nil {
		t.Fatalf("development secret key: %v", err)
	}

	// Second run: same data, nothing left to migrate.
	p2 := startServe(t, "DATA_DIR="+dataDir)
	p2.waitReady(t)
	if !strings.Contains(p2.Output(), `"applied":0`) {
		t.Errorf("second run re-applied migrations (data not reused?):\n%s", p2.Output())
	}
	p2.interrupt(t)
	if again, _ := os.ReadFile(keyFile); string(again) != string(key) {
		t.Error("the second run made a new development key")
	}
	if postgresRunningFor(t, pgDir) {
		t.Fatal("a postgres process is left behind after the second run")
	}
}

// With no server binaries the service says, in one line, what to install.
func TestServeWithoutPostgresBinariesSaysWhatToInstall(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(mustBinary(t), "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL=", "ENV=development", "DATA_DIR="+t.TempDir(), "PG_BIN_DIR="+t.TempDir(), "ADDR="+freeAddr(t))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve started without PostgreSQL binaries:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "apt-get install postgresql") || !strings.Contains(lines[0], "DATABASE_URL") {
		t.Errorf("want one line naming the package and DATABASE_URL, got:\n%s", out)
	}
}

// A bad setting stops the service with one line naming it.
func TestServeRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ env, want string }{
		{"ADDR=nonsense", "careers: ADDR: "},
		{"ENV=production", "careers: BASE_URL: must use https"},
	} {
		cmd := exec.Command(mustBinary(t), "serve")
		cmd.Env = append(os.Environ(), "DATABASE_URL=", "ENV=", "BASE_URL=", tc.env)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: err=%v output=%q, want it to contain %q", tc.env, err, out, tc.want)
		}
	}
}

// A binary built without the common-password list (no `make assets`) does
// not start, rather than accept every password; the build drops the file
// with an overlay, so the real list stays where it is.
func TestServeRefusesWithoutCommonPasswordList(t *testing.T) {
	t.Parallel()
	list, err := filepath.Abs("../../internal/auth/commonpasswords/data/common-passwords.txt.gz")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	overlay := filepath.Join(dir, "overlay.json")
	b, _ := json.Marshal(map[string]map[string]string{"Replace": {list: ""}})
	if err := os.WriteFile(overlay, b, 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "careers")
	if out, err := exec.Command("go", "build", "-overlay", overlay, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A database that cannot be reached: a service that got past the check
	// fails there instead, with another message.
	cmd := exec.CommandContext(t.Context(), bin, "serve")
	cmd.WaitDelay = time.Minute
	cmd.Env = append(os.Environ(), "DATABASE_URL=postgres://careers@127.0.0.1:1/careers", "ENV=development", "ADDR=127.0.0.1:0", "DATA_DIR="+filepath.Join(dir, "data"))
	out, err := cmd.CombinedOutput()
	want := "careers: the common-password list is missing: run make assets"
	if err == nil || !strings.Contains(string(out), want) {
		t.Errorf("err=%v output=%q, want it to contain %q", err, out, want)
	}
}

// seed refuses to put demo data into a production database.
func TestSeedRefusesProduction(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(mustBinary(t), "seed")
	cmd.Env = append(os.Environ(), "ENV=production", "BASE_URL=https://careers.example.nhs.uk", "DATABASE_URL=postgres://x@127.0.0.1:1/careers")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "development") {
		t.Errorf("seed in production: err=%v output=%q", err, out)
	}
}

// seed loads the demo data once: running it again adds nothing, and the
// demo referrals carry real answers and eligibility results.
func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	// seed bulk-loads the demo history as the schema's owner, the rest
	// as the service's role.
	db := testdb.New(t)
	dbURL := db.URL
	run := func() string {
		cmd := exec.Command(mustBinary(t), "seed")
		cmd.Env = append(os.Environ(), "ENV=development", "DATABASE_URL="+dbURL, "MIGRATE_DATABASE_URL="+db.OwnerURL)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("seed: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := run(); !strings.Contains(out, "demo data ready") || strings.Contains(out, "(0 record") {
		t.Fatalf("first seed: %s", out)
	}
	if out := run(); !strings.Contains(out, "(0 record(s) added)") {
		t.Fatalf("second seed added records: %s", out)
	}
	pool := testdb.MustPool(t, dbURL)
	var staff, referrals, withAnswers int
	pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM staff_users WHERE demo), (SELECT count(*) FROM referrals),
		(SELECT count(*) FROM referrals WHERE answers ? 'hopes' AND jsonb_array_length(eligibility_reasons) > 0)`).Scan(&staff, &referrals, &withAnswers)
	if staff < 5 || referrals < 4 || withAnswers != referrals {
		t.Errorf("demo data: %d staff, %d referrals, %d with answers and eligibility", staff, referrals, withAnswers)
	}
	// Demo workshops (issue 16): coming and held, with a waiting list,
	// attendance and feedback.
	var coming, held, waiting, attended, feedback int
	pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM workshops WHERE starts_at > now()), (SELECT count(*) FROM workshops WHERE ends_at < now()),
		(SELECT count(*) FROM workshop_registrations WHERE status = 'waiting'), (SELECT count(*) FROM workshop_registrations WHERE attendance = 'attended'),
		(SELECT count(*) FROM workshop_feedback)`).Scan(&coming, &held, &waiting, &attended, &feedback)
	if coming < 2 || held < 2 || waiting == 0 || attended == 0 || feedback == 0 {
		t.Errorf("demo workshops: %d coming, %d held, %d waiting, %d attended, %d feedback", coming, held, waiting, attended, feedback)
	}
}

// Two roles from the binary, as production runs them: `careers migrate up`
// with MIGRATE_DATABASE_URL (the owner) applies every migration and grants
// the DATABASE_URL role its privileges; serve then runs as that role,
// which may use the tables but not change the audit log.
func TestMigrateAsOwnerThenServeAsService(t *testing.T) {
	t.Parallel()
	ownerURL := testdb.EmptyURL(t)
	serviceURL := testdb.AsService(t, ownerURL)
	cmd := exec.Command(mustBinary(t), "migrate", "up")
	cmd.Env = append(os.Environ(), "ENV=development", "DATABASE_URL="+serviceURL, "MIGRATE_DATABASE_URL="+ownerURL)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "applied ") || strings.Contains(string(out), "applied 0 ") ||
		!strings.Contains(string(out), `granted the service role "`+testdb.ServiceRole+`"`) {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	service := testdb.MustPool(t, serviceURL)
	if _, err := service.Exec(t.Context(), `INSERT INTO audit_log (actor_kind, action, outcome) VALUES ('system', 'test', 'success')`); err != nil {
		t.Fatalf("the service role cannot write the audit log: %v", err)
	}
	if _, err := service.Exec(t.Context(), `DELETE FROM audit_log`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("the service role may delete audit rows: %v", err)
	}

	p := startServe(t, "DATABASE_URL="+serviceURL)
	p.waitReady(t)
	if out := p.Output(); !strings.Contains(out, `"applied":0`) || strings.Contains(out, "more privileges than it needs") {
		t.Errorf("serve as the service role:\n%s", out)
	}
	p.interrupt(t)
}
