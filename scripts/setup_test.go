package scripts

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// machine is a made-up computer for setup.sh: bin is its whole PATH (the
// shell tools the script uses, linked to the real ones, plus fake programs),
// root stands for / (SETUP_ROOT), and the fake apt-get writes each call to
// aptLog and "installs" a package by making the files the script probes.
type machine struct {
	t         *testing.T
	bin, root string
	aptLog    string
	env       map[string]string
}

// goModVersion is the Go version go.mod asks for, read the way the script does.
func goModVersion(t *testing.T) string {
	t.Helper()
	f, err := os.Open("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "go" {
			return fields[1]
		}
	}
	t.Fatal("go.mod has no go line")
	return ""
}

func newMachine(t *testing.T) *machine {
	t.Helper()
	dir := t.TempDir()
	m := &machine{t: t, bin: filepath.Join(dir, "bin"), root: filepath.Join(dir, "root"), aptLog: filepath.Join(dir, "apt.log"),
		env: map[string]string{"SETUP_UID": "0"}}
	if err := os.MkdirAll(m.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// The tools setup.sh itself runs.
	for _, tool := range []string{"bash", "sh", "dirname", "awk", "sort", "head", "id", "getent", "mkdir", "touch", "chmod", "cat"} {
		real, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
		if err := os.Symlink(real, filepath.Join(m.bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	m.script("apt-get", `echo "$*" >> `+m.aptLog+`
[ "$1" = install ] || exit 0
for p in "$@"; do
	case $p in
	nodejs) printf '#!/bin/sh\necho v20.20.2\n' > `+m.bin+`/node; chmod +x `+m.bin+`/node ;;
	npm|make|git) printf '#!/bin/sh\n' > `+m.bin+`/$p; chmod +x `+m.bin+`/$p ;;
	chromium) mkdir -p `+m.root+`/usr/bin; printf '#!/bin/sh\n' > `+m.root+`/usr/bin/chromium; chmod +x `+m.root+`/usr/bin/chromium ;;
	fonts-liberation) mkdir -p `+m.root+`/usr/share/fonts/truetype/liberation ;;
	postgresql) d=`+m.root+`/usr/lib/postgresql/15/bin; mkdir -p $d; for b in postgres initdb pg_ctl; do printf '#!/bin/sh\n' > $d/$b; chmod +x $d/$b; done ;;
	esac
done`)
	m.script("apt-cache", `echo "nodejs:"; echo "  Installed: (none)"; echo "  Candidate: ${FAKE_NODE_CANDIDATE:-20.19.2+dfsg-1}"`)
	m.goVersion("go" + goModVersion(t))
	return m
}

// script writes an executable shell script named name into bin.
func (m *machine) script(name, body string) { m.file(filepath.Join(m.bin, name), body) }

func (m *machine) file(path, body string) {
	m.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		m.t.Fatal(err)
	}
}

func (m *machine) remove(name string) {
	m.t.Helper()
	if err := os.Remove(filepath.Join(m.bin, name)); err != nil {
		m.t.Fatal(err)
	}
}

func (m *machine) goVersion(v string) { m.script("go", `echo `+v) }
func (m *machine) node(v string)      { m.script("node", `echo `+v) }

// everything gives the machine all that `ci` needs.
func (m *machine) everything() {
	m.node("v20.20.2")
	m.script("npm", "")
	m.script("make", "")
	m.script("git", "")
	for _, b := range []string{"postgres", "initdb", "pg_ctl"} {
		m.file(filepath.Join(m.root, "usr/lib/postgresql/16/bin", b), "")
	}
	m.file(filepath.Join(m.root, "usr/bin/chromium"), "")
	if err := os.MkdirAll(filepath.Join(m.root, "usr/share/fonts/truetype/liberation"), 0o755); err != nil {
		m.t.Fatal(err)
	}
}

// run runs setup.sh with args and returns its output and exit status.
func (m *machine) run(args ...string) (string, int) {
	m.t.Helper()
	script, err := filepath.Abs("setup.sh")
	if err != nil {
		m.t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(m.bin, "bash"), append([]string{script}, args...)...)
	cmd.Env = []string{"PATH=" + m.bin, "SETUP_ROOT=" + m.root}
	for k, v := range m.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		m.t.Fatalf("setup.sh %v: %v", args, err)
	}
	return string(out), code
}

// apt is what apt-get was asked, one call a line.
func (m *machine) apt() string {
	b, err := os.ReadFile(m.aptLog)
	if os.IsNotExist(err) {
		return ""
	} else if err != nil {
		m.t.Fatal(err)
	}
	return string(b)
}

// installLine is the check mode's "install:" line, "" when it has none.
func installLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(l, "install: "); ok {
			return p
		}
	}
	return ""
}

func TestSetupInstallsOnlyWhatIsMissing(t *testing.T) {
	m := newMachine(t) // Go only: a bare Debian machine with Go from go.dev
	out, code := m.run("test")
	if code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	want := "update -qq\ninstall -y --no-install-recommends -qq nodejs npm postgresql chromium fonts-liberation\n"
	if got := m.apt(); got != want {
		t.Fatalf("apt-get calls:\n%s\nwant:\n%s", got, want)
	}
	// The second run finds everything and installs nothing.
	if out, code := m.run("test"); code != 0 || out != "" {
		t.Fatalf("second run: exit %d, said %q; want 0 and nothing", code, out)
	}
	if got := m.apt(); got != want {
		t.Fatalf("the second run called apt-get again:\n%s", got)
	}
	// ci needs make and git as well, and only those are installed.
	if out, code := m.run("ci"); code != 0 {
		t.Fatalf("ci: exit %d\n%s", code, out)
	}
	if got := strings.TrimPrefix(m.apt(), want); got != "update -qq\ninstall -y --no-install-recommends -qq make git\n" {
		t.Fatalf("ci's apt-get calls: %q", got)
	}
}

func TestSetupDecisions(t *testing.T) {
	goWant := goModVersion(t)
	tests := []struct {
		name    string
		prepare func(m *machine)
		args    []string
		install string   // the check's install line
		says    []string // in the output
		code    int      // exit status
	}{
		{name: "everything present", prepare: (*machine).everything, args: []string{"--check", "ci"}},
		{name: "bare machine, run needs no browser", args: []string{"--check", "run"}, install: "nodejs npm postgresql", code: 1,
			says: []string{"would: apt-get update && apt-get install -y --no-install-recommends nodejs npm postgresql"}},
		{name: "bare machine, test", args: []string{"--check", "test"}, install: "nodejs npm postgresql chromium fonts-liberation", code: 1},
		{name: "bare machine, ci", args: []string{"--check", "ci"}, install: "nodejs npm postgresql chromium fonts-liberation make git", code: 1},
		{name: "run with DATABASE_URL needs no PostgreSQL", args: []string{"--check", "run"}, install: "nodejs npm", code: 1,
			prepare: func(m *machine) { m.env["DATABASE_URL"] = "postgres://me@db/careers" }},
		{name: "test with TEST_DATABASE_URL needs no PostgreSQL", args: []string{"--check", "test"}, install: "chromium fonts-liberation", code: 1,
			prepare: func(m *machine) {
				m.everything()
				m.env["TEST_DATABASE_URL"] = "postgres://me@db/postgres"
				_ = os.RemoveAll(filepath.Join(m.root, "usr/lib"))
				_ = os.RemoveAll(filepath.Join(m.root, "usr/bin"))
				_ = os.RemoveAll(filepath.Join(m.root, "usr/share"))
			}},
		{name: "ci needs PostgreSQL whatever TEST_DATABASE_URL says", args: []string{"--check", "ci"}, install: "postgresql", code: 1,
			prepare: func(m *machine) {
				m.everything()
				m.env["TEST_DATABASE_URL"] = "postgres://me@db/postgres"
				_ = os.RemoveAll(filepath.Join(m.root, "usr/lib"))
			}},
		{name: "PostgreSQL beside postgres on PATH", args: []string{"--check", "test"},
			prepare: func(m *machine) {
				m.everything()
				_ = os.RemoveAll(filepath.Join(m.root, "usr/lib"))
				for _, b := range []string{"postgres", "initdb", "pg_ctl"} {
					m.script(b, "")
				}
			}},
		{name: "pg_ctl without initdb is not PostgreSQL", args: []string{"--check", "test"}, install: "postgresql", code: 1,
			prepare: func(m *machine) {
				m.everything()
				_ = os.Remove(filepath.Join(m.root, "usr/lib/postgresql/16/bin/initdb"))
			}},
		{name: "pg_config names the folder", args: []string{"--check", "test"},
			prepare: func(m *machine) {
				m.everything()
				_ = os.RemoveAll(filepath.Join(m.root, "usr/lib"))
				dir := filepath.Join(m.root, "opt/pg/bin")
				for _, b := range []string{"postgres", "initdb", "pg_ctl"} {
					m.file(filepath.Join(dir, b), "")
				}
				m.script("pg_config", "echo "+dir)
			}},
		{name: "a wrong PG_BIN_DIR is a stop, not an install", args: []string{"--check", "test"}, code: 1,
			says:    []string{"stop: PG_BIN_DIR=/nowhere does not hold postgres, initdb and pg_ctl"},
			prepare: func(m *machine) { m.everything(); m.env["PG_BIN_DIR"] = "/nowhere" }},
		{name: "Chromium by another name on PATH", args: []string{"--check", "test"},
			prepare: func(m *machine) {
				m.everything()
				_ = os.Remove(filepath.Join(m.root, "usr/bin/chromium"))
				m.script("chromium-browser", "")
			}},
		{name: "a wrong CHROMIUM_PATH is a stop", args: []string{"--check", "test"}, code: 1,
			says:    []string{"stop: CHROMIUM_PATH=/no/chrome is not a program"},
			prepare: func(m *machine) { m.everything(); m.env["CHROMIUM_PATH"] = "/no/chrome" }},
		{name: "fonts alone", args: []string{"--check", "test"}, install: "fonts-liberation", code: 1,
			prepare: func(m *machine) { m.everything(); _ = os.RemoveAll(filepath.Join(m.root, "usr/share")) }},
		{name: "fonts where other systems keep them", args: []string{"--check", "test"},
			prepare: func(m *machine) {
				m.everything()
				_ = os.RemoveAll(filepath.Join(m.root, "usr/share"))
				if err := os.MkdirAll(filepath.Join(m.root, "usr/share/fonts/liberation-sans"), 0o755); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "npm alone", args: []string{"--check", "run"}, install: "npm", code: 1,
			prepare: func(m *machine) { m.everything(); m.remove("npm") }},
		{name: "Node.js too old is a stop", args: []string{"--check", "run"}, code: 1,
			says:    []string{"stop: Node.js 18.20.4 is older than 20.19.0"},
			prepare: func(m *machine) { m.everything(); m.node("v18.20.4") }},
		{name: "Go missing", args: []string{"--check", "run"}, code: 1,
			says:    []string{"stop: Go is not installed: install Go " + goWant + " or later"},
			prepare: func(m *machine) { m.everything(); m.remove("go") }},
		{name: "Go off PATH", args: []string{"--check", "run"}, code: 1,
			says: []string{`stop: Go is in /usr/local/go/bin, which is not on PATH: export PATH="$PATH:/usr/local/go/bin"`},
			prepare: func(m *machine) {
				m.everything()
				m.remove("go")
				m.file(filepath.Join(m.root, "usr/local/go/bin/go"), "")
			}},
		{name: "Go older than go.mod", args: []string{"--check", "run"}, code: 1,
			says:    []string{"stop: Go 1.21.0 is older than go.mod's " + goWant, "GOTOOLCHAIN=go" + goWant + "+auto"},
			prepare: func(m *machine) { m.everything(); m.goVersion("go1.21.0") }},
		{name: "Go newer than go.mod", args: []string{"--check", "run"},
			prepare: func(m *machine) { m.everything(); m.goVersion("go1.99.1") }},
		{name: "not root: stops with the one command", args: []string{"test"}, code: 1,
			says: []string{"missing chromium fonts-liberation; install with:", "sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium fonts-liberation"},
			prepare: func(m *machine) {
				m.everything()
				m.env["SETUP_UID"] = "1000"
				_ = os.RemoveAll(filepath.Join(m.root, "usr/bin"))
				_ = os.RemoveAll(filepath.Join(m.root, "usr/share"))
			}},
		{name: "no apt-get: says to use the system's package manager", args: []string{"test"}, code: 1,
			says: []string{"missing chromium (Debian's package names). This is not a Debian-like system"},
			prepare: func(m *machine) {
				m.everything()
				m.remove("apt-get")
				_ = os.RemoveAll(filepath.Join(m.root, "usr/bin"))
			}},
		{name: "Debian 12's nodejs is too old: not installed, and a stop", args: []string{"run"}, code: 1,
			says: []string{"this system's nodejs package (18.20.4+dfsg-1~deb12u2) is older than 20.19.0"},
			prepare: func(m *machine) {
				m.env["FAKE_NODE_CANDIDATE"] = "18.20.4+dfsg-1~deb12u2"
			}},
	}
	onlyPackages := regexp.MustCompile(`^[a-z0-9 -]*$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine(t)
			if tt.prepare != nil {
				tt.prepare(m)
			}
			out, code := m.run(tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, out)
			}
			if got := installLine(out); got != tt.install || !onlyPackages.MatchString(got) {
				t.Errorf("install: %q, want %q\n%s", got, tt.install, out)
			}
			for _, s := range tt.says {
				if !strings.Contains(out, s) {
					t.Errorf("output does not say %q:\n%s", s, out)
				}
			}
			if tt.code == 0 && out != "" {
				t.Errorf("nothing to do, yet it said:\n%s", out)
			}
			apt := m.apt()
			if tt.args[0] == "--check" && apt != "" {
				t.Errorf("--check called apt-get:\n%s", apt)
			}
			if strings.Contains(tt.name, "not root") || strings.Contains(tt.name, "no apt-get") {
				if apt != "" {
					t.Errorf("apt-get was called:\n%s", apt)
				}
			}
			if strings.Contains(tt.name, "Debian 12") {
				if want := "update -qq\ninstall -y --no-install-recommends -qq postgresql\n"; apt != want {
					t.Errorf("apt-get calls:\n%s\nwant:\n%s", apt, want)
				}
			}
		})
	}
}
