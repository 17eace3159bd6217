package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"careers/internal/devdb"
)

// cmdDevDB runs the private PostgreSQL outside the service: `make test` uses
// it to start one server for the whole test run, and a developer can use it
// to get a URL for psql.
func cmdDevDB(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devdb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "", "data folder (default: DATA_DIR/postgres)")
	fast := fs.Bool("fast", false, "turn durability off (for throwaway test data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataDir == "" {
		base := getenv("DATA_DIR")
		if base == "" {
			base = ".data"
		}
		*dataDir = filepath.Join(base, "postgres")
	}
	log := newLogger(stderr, 0)
	pg, err := devdb.Start(ctx, devdb.Options{DataDir: *dataDir, Fast: *fast, Logger: log})
	if err != nil {
		return err
	}
	defer func() { _ = pg.Stop(context.WithoutCancel(ctx)) }()
	url := pg.URL("postgres")

	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprintln(stdout, url)
		fmt.Fprintln(stderr, "PostgreSQL is running; press Ctrl-C to stop it.")
		<-ctx.Done()
		return nil
	}
	c := exec.CommandContext(context.WithoutCancel(ctx), rest[0], rest[1:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, stdout, stderr
	c.Env = append(os.Environ(), "TEST_DATABASE_URL="+url)
	err = c.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return exitError{code: ee.ExitCode(), err: fmt.Errorf("%s exited with status %d", rest[0], ee.ExitCode())}
	}
	return err
}
