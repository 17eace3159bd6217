// Command careers runs the careers-support referral service.
//
//	careers [serve]                 run the web service (the default)
//	careers worker                  run the background workers on their own
//	careers migrate up|down|status  manage the database schema
//	careers seed                    load demo data (development only)
//	careers user create ...         create a staff account (the first admin)
//	careers devdb [-- CMD ARGS...]  run the private PostgreSQL (for tests and psql)
//	careers healthcheck             probe /healthz (the container's HEALTHCHECK)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(os.Stderr, "careers: "+line)
		}
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}

// exitError carries a child command's exit status through run.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }

const usage = `usage: careers [command]

commands:
  serve                 run the web service (default)
  worker                run the background workers (email, periodic jobs)
                        without the web service
  migrate up            apply pending database migrations
  migrate down          roll back the latest migration
  migrate status        list migrations and whether each is applied
  seed                  load demo data (development only)
  user create --email E --name N --role R
                        create a staff account and print its set-password link
  devdb [-- CMD ARGS]   start the private PostgreSQL; with CMD, run it with
                        TEST_DATABASE_URL set and stop the server afterwards
  healthcheck           exit 0 if the service on ADDR answers /healthz
  help                  show this text

Configuration comes from the environment: see README.md.`

// run is main without the process: tests call it with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, getenv, stdout)
	case "migrate":
		return cmdMigrate(ctx, args, getenv, stdout)
	case "seed":
		return cmdSeed(ctx, getenv, stdout)
	case "devdb":
		return cmdDevDB(ctx, args, getenv, stdout, stderr)
	case "worker":
		return cmdWorker(ctx, getenv, stdout)
	case "user":
		return cmdUser(ctx, args, getenv, stdout, stderr)
	case "healthcheck":
		return cmdHealthcheck(ctx, getenv)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q (try: careers help)", cmd)
	}
}

// newLogger writes JSON lines, the format operators' tools read.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// captureStandardLog sends what libraries write to Go's standard logger
// (the session store's cleanup when the database is down, for one) into
// the JSON log at WARN, so no line appears outside it.
func captureStandardLog(l *slog.Logger) {
	stdlog.SetFlags(0)
	stdlog.SetOutput(standardLog{l})
}

type standardLog struct{ l *slog.Logger }

func (s standardLog) Write(p []byte) (int, error) {
	s.l.Warn(strings.TrimRight(string(p), "\n"), "source", "library")
	return len(p), nil
}
