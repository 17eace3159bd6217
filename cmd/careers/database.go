package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/config"
	"careers/internal/devdb"
	"careers/internal/jobs"
	"careers/internal/store"
)

// database is an open pool as the service's role plus what the migrations
// need, and whatever must happen when it closes.
type database struct {
	pool *pgxpool.Pool
	endpoints
}

// endpoints says where the service and the migrations connect. The service
// runs as a restricted role (DATABASE_URL); migrations run as the schema's
// owner (MIGRATE_DATABASE_URL) and then grant the service role its
// privileges (docs/operations.md, "Database roles").
type endpoints struct {
	serviceURL string
	// ownerURL is the owner's URL: MIGRATE_DATABASE_URL, or the private
	// PostgreSQL's owner role. Empty when neither: see migrate.
	ownerURL string
	// serviceRole is the role serviceURL connects as.
	serviceRole string
	stop        func(context.Context)
}

// resolveDatabase works out the endpoints. In development with no
// DATABASE_URL it starts the private PostgreSQL under DATA_DIR/postgres
// (stopped by stop, if this process started it), with the same two roles a
// production database has: devdb.OwnerRole owns the schema and migrates,
// the service runs as devdb.ServiceRole.
func resolveDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*endpoints, error) {
	if cfg.DatabaseURL != "" {
		pc, err := pgx.ParseConfig(cfg.DatabaseURL)
		if err != nil {
			return nil, errors.New("DATABASE_URL: is not a valid PostgreSQL connection string")
		}
		return &endpoints{serviceURL: cfg.DatabaseURL, ownerURL: cfg.MigrateDatabaseURL, serviceRole: pc.User, stop: func(context.Context) {}}, nil
	}
	if !cfg.IsDevelopment() {
		return nil, fmt.Errorf("DATABASE_URL: is required in production")
	}
	if cfg.MigrateDatabaseURL != "" {
		return nil, errors.New("MIGRATE_DATABASE_URL: is set but DATABASE_URL is not; set both, or neither to use the private PostgreSQL")
	}
	pg, err := devdb.Start(ctx, devdb.Options{DataDir: filepath.Join(cfg.DataDir, "postgres"), BinDir: cfg.PGBinDir, Logger: log})
	if err != nil {
		return nil, err
	}
	stop := func(ctx context.Context) {
		if err := pg.Stop(ctx); err != nil {
			log.Error("stopping the private PostgreSQL", "error", err.Error())
		}
	}
	if err := pg.EnsureDatabase(ctx, "careers"); err != nil {
		stop(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := pg.EnsureRoles(ctx, "careers"); err != nil {
		stop(context.WithoutCancel(ctx))
		return nil, err
	}
	log.Info("using the private PostgreSQL", "data_dir", filepath.Join(cfg.DataDir, "postgres"), "owned", pg.Owned(),
		"service_role", devdb.ServiceRole, "owner_role", devdb.OwnerRole)
	return &endpoints{serviceURL: pg.URLAs(devdb.ServiceRole, "careers"), ownerURL: pg.URLAs(devdb.OwnerRole, "careers"),
		serviceRole: devdb.ServiceRole, stop: stop}, nil
}

// openDatabase resolves the endpoints and connects to the service's; each
// option adjusts the pool's configuration (the query tracer, when tracing).
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger, options ...func(*pgxpool.Config)) (*database, error) {
	ep, err := resolveDatabase(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	pool, err := store.Open(ctx, ep.serviceURL, cfg.DBMaxConns, options...)
	if err != nil {
		ep.stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return &database{pool: pool, endpoints: *ep}, nil
}

func (db *database) close(ctx context.Context) {
	db.pool.Close()
	db.stop(ctx)
}

// openOwner connects as the schema's owner (a small pool, for migrating
// and, in development, seeding). Without an owner URL it is the service's
// own URL: one role that does both (development only, see migrate).
func (ep *endpoints) openOwner(ctx context.Context) (*pgxpool.Pool, error) {
	u := ep.ownerURL
	if u == "" {
		u = ep.serviceURL
	}
	pool, err := store.Open(ctx, u, 2)
	if err != nil {
		if ep.ownerURL != "" {
			// store.Open names DATABASE_URL; this is the other one.
			return nil, fmt.Errorf("MIGRATE_DATABASE_URL: %w", err)
		}
		return nil, err
	}
	return pool, nil
}

// migrate brings the schema up to date before the service uses it, at the
// start of serve, worker, seed and user:
//
//   - with an owner URL (MIGRATE_DATABASE_URL, or the private PostgreSQL's
//     owner), it applies the goose migrations and River's as the owner,
//     then grants the service role its privileges (store.GrantService);
//   - without one, in development, the DATABASE_URL role migrates itself
//     (a one-role database such as the benchmark's);
//   - without one in production, it does not migrate: the service role
//     could not, and should not be able to. It checks that the schema is
//     current and stops otherwise, asking for `careers migrate up`.
//
// It returns how many goose migrations it applied.
func (db *database) migrate(ctx context.Context, cfg config.Config, log *slog.Logger) (int, error) {
	if db.ownerURL == "" && !cfg.IsDevelopment() {
		m, err := store.NewMigrator(db.pool, log)
		if err != nil {
			return 0, err
		}
		current, err := m.Current(ctx)
		_ = m.Close()
		if err != nil {
			return 0, err
		}
		riverCurrent, err := jobs.Current(ctx, db.pool)
		if err != nil {
			return 0, err
		}
		if !current || !riverCurrent {
			return 0, errors.New("MIGRATE_DATABASE_URL: the database schema is older than this version and the service does not migrate without it: " +
				"run `careers migrate up` with MIGRATE_DATABASE_URL (the owner role) first, or set it for serve (docs/operations.md)")
		}
		return 0, nil
	}
	owner, err := db.openOwner(ctx)
	if err != nil {
		return 0, err
	}
	defer owner.Close()
	return migrateAll(ctx, owner, db.ownerURL != "", db.serviceRole, log)
}

// migrateAll applies the goose migrations and River's on owner and, when
// grant is set, grants serviceRole its privileges.
func migrateAll(ctx context.Context, owner *pgxpool.Pool, grant bool, serviceRole string, log *slog.Logger) (int, error) {
	m, err := store.NewMigrator(owner, log)
	if err != nil {
		return 0, err
	}
	n, err := m.Up(ctx)
	_ = m.Close()
	if err != nil {
		return n, err
	}
	if err := jobs.Migrate(ctx, owner); err != nil {
		return n, err
	}
	if grant {
		if err := store.GrantService(ctx, owner, serviceRole); err != nil {
			return n, err
		}
	}
	return n, nil
}

// checkPrivileges refuses, in production, a service role that can do more
// than docs/operations.md allows (DDL, changing the audit log); in
// development it only warns (the benchmark runs as one role).
func (db *database) checkPrivileges(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	err := store.New(db.pool).CheckLeastPrivilege(ctx)
	if err == nil || !cfg.IsDevelopment() {
		return err
	}
	log.Warn("the service's database role has more privileges than it needs", "error", err.Error())
	return nil
}
