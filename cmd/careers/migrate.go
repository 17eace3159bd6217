package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/store"
)

// cmdMigrate runs the migrations as the schema's owner: MIGRATE_DATABASE_URL,
// or the private PostgreSQL's owner role in development. `up` applies the
// goose migrations and River's, and `up` and `down` then grant the
// DATABASE_URL role exactly its privileges (store.GrantService). Without
// MIGRATE_DATABASE_URL it connects with DATABASE_URL: one role that owns
// and uses the schema, refused by serve in production.
func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: careers migrate up|down|status")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(io.Discard, cfg.LogLevel)
	ep, err := resolveDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer ep.stop(context.WithoutCancel(ctx))
	owner, err := ep.openOwner(ctx)
	if err != nil {
		return err
	}
	defer owner.Close()
	grant := ep.ownerURL != ""

	switch args[0] {
	case "up":
		n, err := migrateAll(ctx, owner, grant, ep.serviceRole, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
		if grant {
			fmt.Fprintf(stdout, "granted the service role %q its privileges\n", ep.serviceRole)
		}
	case "down":
		m, err := store.NewMigrator(owner, log)
		if err != nil {
			return err
		}
		defer m.Close()
		if err := m.Down(ctx); err != nil {
			return err
		}
		if grant {
			if err := store.GrantService(ctx, owner, ep.serviceRole); err != nil {
				return err
			}
		}
		fmt.Fprintln(stdout, "rolled back the latest migration")
	case "status":
		m, err := store.NewMigrator(owner, log)
		if err != nil {
			return err
		}
		defer m.Close()
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
		current, err := jobs.Current(ctx, owner)
		if err != nil {
			return err
		}
		if current {
			fmt.Fprintln(stdout, "applied  River's job tables")
		} else {
			fmt.Fprintln(stdout, "pending  River's job tables")
		}
	default:
		return fmt.Errorf("unknown migrate command %q: use up, down or status", args[0])
	}
	return nil
}
