package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"careers/internal/config"
	"careers/internal/store"
)

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: careers migrate up|down|status")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(io.Discard, cfg.LogLevel)
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.close(context.WithoutCancel(ctx))
	m, err := store.NewMigrator(db.pool, log)
	if err != nil {
		return err
	}
	defer m.Close()

	switch args[0] {
	case "up":
		n, err := m.Up(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	case "down":
		if err := m.Down(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "rolled back the latest migration")
	case "status":
		sts, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range sts {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%-8s %05d %s\n", state, s.Version, s.Name)
		}
	default:
		return fmt.Errorf("unknown migrate command %q: use up, down or status", args[0])
	}
	return nil
}
