// Package devdb runs a private PostgreSQL server from the locally installed binaries, for
// development (`make run`) and tests (`make test`) when DATABASE_URL is unset.
//
// Options.DataDir holds everything (it may be a symlink to a fallback directory, see Start):
//
//	pgdata/       the cluster (PGDATA), made by initdb on first use
//	postgres.log  the server log
//	start.lock    held exclusively while a process starts or stops the server
//	owner.lock    held for its lifetime by the process that owns (and will stop) the server
package devdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgCtlTimeout bounds pg_ctl's own wait for the server to start or stop.
const pgCtlTimeout = 60 * time.Second

// pingTimeout bounds the wait for a started or reused server to accept connections.
const pingTimeout = 30 * time.Second

// Options configures Start.
type Options struct {
	DataDir string       // required; created if missing
	BinDir  string       // optional: if set, only this directory is searched for binaries
	Fast    bool         // durability off (fsync, synchronous_commit, full_page_writes) — for throwaway test clusters
	Logger  *slog.Logger // optional; nil means discard
}

// Server is a running private PostgreSQL server, owned by this process or reused from another.
type Server struct {
	root    string // real directory behind Options.DataDir
	pgdata  string
	logPath string
	binDir  string
	user    runUser
	logger  *slog.Logger
	port    int
	owned   bool

	mu        sync.Mutex
	ownerLock *os.File // held while we own a running server
	stopped   bool
}

// Start starts (or reuses) the private server for opts.DataDir and waits until it accepts connections.
//
// If another live process already runs the server for that directory, Start reuses it without
// owning it; a server left behind by a crashed process is adopted and owned.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.DataDir == "" {
		return nil, errors.New("devdb: Options.DataDir is required")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	binDir, err := FindBinaries(opts.BinDir)
	if err != nil {
		return nil, fmt.Errorf("devdb: %w", err)
	}
	u, err := serverUser()
	if err != nil {
		return nil, fmt.Errorf("devdb: %w", err)
	}
	root, err := prepareRoot(opts.DataDir, u, logger)
	if err != nil {
		return nil, fmt.Errorf("devdb: data dir: %w", err)
	}
	s := &Server{
		root:    root,
		pgdata:  filepath.Join(root, "pgdata"),
		logPath: filepath.Join(root, "postgres.log"),
		binDir:  binDir,
		user:    u,
		logger:  logger.With("data_dir", opts.DataDir),
	}

	// Two processes starting on one DataDir at once would otherwise both run initdb or pg_ctl.
	startLock, err := lockWait(ctx, filepath.Join(root, "start.lock"))
	if err != nil {
		return nil, fmt.Errorf("devdb: %w", err)
	}
	defer startLock.Close()

	if err := s.initOnce(ctx, opts.Fast); err != nil {
		return nil, err
	}
	if err := s.attachOrStart(ctx, opts.Fast); err != nil {
		return nil, err
	}
	if err := s.ping(ctx); err != nil {
		if s.owned {
			if stopErr := s.stopServer(context.WithoutCancel(ctx)); stopErr != nil {
				s.logger.Warn("devdb: could not stop the server after a failed start", "err", stopErr)
			}
			s.releaseOwnership()
		}
		return nil, err
	}
	return s, nil
}

// The roles EnsureRoles makes, as a production database has them
// (docs/operations.md, "Database roles"): the owner of the schema, which
// migrates, and the restricted role the service runs as.
const (
	OwnerRole   = "careers_owner"
	ServiceRole = "careers_app"
)

// URL returns the connection URL for database on this server, as the
// superuser.
func (s *Server) URL(database string) string { return s.URLAs("postgres", database) }

// URLAs returns the connection URL for database on this server as role
// (the server trusts local connections, so no password).
func (s *Server) URLAs(role, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(role),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Owned reports whether this process owns the server, and so stops it in Stop.
func (s *Server) Owned() bool { return s.owned }

// EnsureDatabase creates database name if it does not exist; concurrent callers are safe.
func (s *Server) EnsureDatabase(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("devdb: ensure database: empty name")
	}
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("devdb: ensure database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("devdb: ensure database: %w", err)
	}
	if exists {
		return nil
	}
	// CREATE DATABASE cannot take parameters, hence the quoted identifier.
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
		// Another caller created it between our check and our CREATE: duplicate_database,
		// or a unique_violation on pg_database when both CREATEs ran at the same moment.
		return nil
	}
	if err != nil {
		return fmt.Errorf("devdb: create database: %w", err)
	}
	return nil
}

// EnsureRoles creates OwnerRole and ServiceRole unless they exist (plain
// login roles: no superuser, no CREATEDB or CREATEROLE) and makes OwnerRole
// the owner of database and of everything in its public schema, which a
// database made before the roles existed has owned by the superuser. The
// service role's privileges are granted after migrating
// (store.GrantService). Concurrent callers are safe.
func (s *Server) EnsureRoles(ctx context.Context, database string) error {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("devdb: ensure roles: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// One caller at a time (two instances starting together): concurrent
	// ALTER ... OWNER of the same catalogue row fails with "tuple
	// concurrently updated". The lock is this connection's, held until it
	// closes, after the schema below is handed over.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('careers devdb: ensure roles'))`); err != nil {
		return fmt.Errorf("devdb: ensure roles: %w", err)
	}
	for _, role := range []string{OwnerRole, ServiceRole} {
		_, err := conn.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505") {
			continue // exists (or another caller made it just now)
		}
		if err != nil {
			return fmt.Errorf("devdb: create role %s: %w", role, err)
		}
	}
	owner := pgx.Identifier{OwnerRole}.Sanitize()
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{database}.Sanitize()+" OWNER TO "+owner); err != nil {
		return fmt.Errorf("devdb: database owner: %w", err)
	}
	db, err := pgx.Connect(ctx, s.URL(database))
	if err != nil {
		return fmt.Errorf("devdb: ensure roles: %w", err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	// Tables (with their indexes, and the sequences their columns own),
	// then any other sequences, functions and types. An extension's
	// functions (pg_trgm, migration 00018) stay with the extension's owner.
	_, err = db.Exec(ctx, `
		DO $$
		DECLARE r record;
		BEGIN
			FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relowner <> '`+OwnerRole+`'::regrole
			LOOP
				EXECUTE format('ALTER TABLE %s OWNER TO `+OwnerRole+`', r.name);
			END LOOP;
			FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relowner <> '`+OwnerRole+`'::regrole
			LOOP
				EXECUTE format('ALTER SEQUENCE %s OWNER TO `+OwnerRole+`', r.name);
			END LOOP;
			FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
				WHERE n.nspname = 'public' AND p.proowner <> '`+OwnerRole+`'::regrole
					AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
			LOOP
				EXECUTE format('ALTER ROUTINE %s OWNER TO `+OwnerRole+`', r.name);
			END LOOP;
			FOR r IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
				WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd') AND t.typowner <> '`+OwnerRole+`'::regrole
			LOOP
				EXECUTE format('ALTER TYPE %s OWNER TO `+OwnerRole+`', r.name);
			END LOOP;
		END $$`)
	if err != nil {
		return fmt.Errorf("devdb: hand the schema to %s: %w", OwnerRole, err)
	}
	return nil
}

// Stop stops the server if this process owns it; it is idempotent and safe for concurrent use.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	if !s.owned {
		s.stopped = true
		return nil
	}
	// Serialise with a Start on the same DataDir, which must not see a half-stopped server.
	startLock, err := lockWait(ctx, filepath.Join(s.root, "start.lock"))
	if err != nil {
		return fmt.Errorf("devdb: stop: %w", err)
	}
	defer startLock.Close()
	if err := s.stopServer(ctx); err != nil {
		return fmt.Errorf("devdb: stop: %w", err)
	}
	s.releaseOwnership()
	s.stopped = true
	s.logger.Info("devdb: stopped PostgreSQL")
	return nil
}

// initOnce runs initdb unless the cluster exists.
func (s *Server) initOnce(ctx context.Context, fast bool) error {
	if _, err := os.Stat(filepath.Join(s.pgdata, "PG_VERSION")); err == nil {
		return nil
	}
	if _, err := os.Lstat(s.pgdata); err == nil {
		return fmt.Errorf("devdb: %s exists but is not a PostgreSQL cluster (no PG_VERSION); remove it to start afresh", s.pgdata)
	}
	// initdb into a scratch directory and rename it into place, so an interrupted initdb
	// never leaves a half-made pgdata that would look like a cluster.
	tmp := filepath.Join(s.root, "pgdata.initdb")
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("devdb: initdb: %w", err)
	}
	var err error
	// C.UTF-8 gives Unicode-aware lower()/upper(); plain C exists everywhere.
	for _, locale := range []string{"C.UTF-8", "C"} {
		args := []string{"-D", tmp, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=" + locale}
		if fast {
			args = append(args, "--no-sync")
		}
		if err = s.run(ctx, "initdb", args...); err == nil {
			break
		}
		s.logger.Debug("devdb: initdb failed", "locale", locale, "err", err)
		if rmErr := os.RemoveAll(tmp); rmErr != nil {
			return fmt.Errorf("devdb: initdb: %w", rmErr)
		}
	}
	if err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	if err := os.Rename(tmp, s.pgdata); err != nil {
		return fmt.Errorf("devdb: initdb: %w", err)
	}
	s.logger.Info("devdb: created PostgreSQL cluster", "pgdata", s.pgdata)
	return nil
}

// attachOrStart reuses or adopts a running server, or starts one. The caller holds start.lock.
func (s *Server) attachOrStart(ctx context.Context, fast bool) error {
	info, err := readPostmasterPID(s.pgdata)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("devdb: read postmaster.pid: %w", err)
	case postmasterAlive(info.pid):
		owner, err := openLockFile(filepath.Join(s.root, "owner.lock"))
		if err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
		ok, err := tryLock(owner)
		if err != nil {
			owner.Close()
			return fmt.Errorf("devdb: %w", err)
		}
		s.port = info.port
		if !ok {
			owner.Close()
			s.logger.Info("devdb: reusing PostgreSQL run by another process", "port", s.port)
			return nil
		}
		s.ownerLock, s.owned = owner, true
		s.logger.Info("devdb: adopted PostgreSQL left running by an earlier process", "port", s.port)
		return nil
	default:
		// The pid may since belong to another program, which would make PostgreSQL refuse to
		// start; we hold start.lock and know no postmaster uses the file, so it can go.
		s.logger.Debug("devdb: removing stale postmaster.pid", "pid", info.pid)
		if err := os.Remove(filepath.Join(s.pgdata, "postmaster.pid")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("devdb: remove stale postmaster.pid: %w", err)
		}
	}

	owner, err := openLockFile(filepath.Join(s.root, "owner.lock"))
	if err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	ok, err := tryLock(owner)
	if err != nil || !ok {
		owner.Close()
		if err == nil {
			err = errors.New("the server is not running but another live process still owns it; stop that process and retry")
		}
		return fmt.Errorf("devdb: %w", err)
	}
	s.ownerLock, s.owned = owner, true
	if err := s.startServer(ctx, fast); err != nil {
		s.releaseOwnership()
		return err
	}
	return nil
}

// startServer runs pg_ctl start on a free loopback port.
func (s *Server) startServer(ctx context.Context, fast bool) error {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return fmt.Errorf("devdb: free port: %w", err)
		}
		// No Unix socket: it would need a directory the server user can write, and TCP suffices.
		opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", port)
		if fast {
			opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
		}
		logStart := fileSize(s.logPath)
		err = s.run(ctx, "pg_ctl", "start", "-w", "-t", strconv.Itoa(int(pgCtlTimeout.Seconds())),
			"-D", s.pgdata, "-l", s.logPath, "-o", opts)
		if err == nil {
			s.port = port
			break
		}
		tail := logTail(s.logPath, logStart)
		// Another program may take the port between our probe and the server binding it.
		if attempt < attempts && strings.Contains(tail, "Address already in use") {
			continue
		}
		return fmt.Errorf("devdb: %w (server log %s: %s)", err, s.logPath, tail)
	}
	if info, err := readPostmasterPID(s.pgdata); err == nil && info.port != 0 {
		s.port = info.port
	}
	s.logger.Info("devdb: started PostgreSQL", "port", s.port, "bin_dir", s.binDir, "run_as", s.user.name)
	return nil
}

// stopServer runs pg_ctl stop unless the server is already gone.
func (s *Server) stopServer(ctx context.Context) error {
	info, err := readPostmasterPID(s.pgdata)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !postmasterAlive(info.pid)) {
		return nil
	}
	if err := s.run(ctx, "pg_ctl", "stop", "-D", s.pgdata, "-m", "fast", "-w",
		"-t", strconv.Itoa(int(pgCtlTimeout.Seconds()))); err != nil {
		return err
	}
	// pg_ctl returns once the pid file is gone, a moment before the
	// postmaster itself has exited: wait for that, so "stopped" means no
	// process is left.
	deadline := time.Now().Add(pgCtlTimeout)
	for postmasterAlive(info.pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("devdb: postmaster %d still running after stop", info.pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// releaseOwnership drops the owner lock, so a later Start treats a live server as an orphan.
func (s *Server) releaseOwnership() {
	if s.ownerLock != nil {
		s.ownerLock.Close()
		s.ownerLock = nil
	}
}

// ping waits until the server accepts a connection.
func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	for {
		err := pingOnce(ctx, s.URL("postgres"))
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devdb: ping: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func pingOnce(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return conn.Ping(ctx)
}

// run runs one of the PostgreSQL programs as the server user and returns its output in any error.
func (s *Server) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.binDir, name), args...)
	// The server user may not be able to enter our working directory.
	cmd.Dir = s.root
	cmd.Env = childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group: Ctrl-C in a terminal reaches only us, and we stop PostgreSQL cleanly.
		Setpgid:    true,
		Credential: s.user.credential(),
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Should the server ever keep our output pipe open, don't wait on it forever.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, oneLine(out.String()))
	}
	return nil
}

// childEnv is our environment without settings that would redirect or reconfigure PostgreSQL
// (PGDATA, PGPORT, ...) or name locales that may not be installed.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logTail returns the last few lines written to the log after offset, on one line.
func logTail(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "no log"
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "unreadable log"
	}
	b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return oneLine(strings.Join(lines, "\n"))
}

// oneLine joins output lines with " | " so errors stay on one line.
func oneLine(s string) string {
	var parts []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, " | ")
}
