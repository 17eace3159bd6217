package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/auth"
	"careers/internal/benchdata"
	"careers/internal/devdb"
	"careers/internal/jobs"
	"careers/internal/store"
)

// serviceMaxConns is the service's default pool size (DB_MAX_CONNS), which
// the baseline and the in-process server use too.
const serviceMaxConns = 10

// demoCoordinator is the staff member the benchmark signs in as: a demo
// user of `careers seed`, who may skip the second factor in development.
const demoCoordinator = "coordinator@demo.careers.nhs.uk"

// demoCoach is the coach whose calendar the benchmark opens; the dataset
// gives the demo coaches clients and a year of availability like the rest.
const demoCoach = "coach@demo.careers.nhs.uk"

// database is the benchmark's PostgreSQL: the private server, and a pool on
// the benchmark database for the harness's own work.
type database struct {
	pg   *devdb.Server
	url  string
	pool *pgxpool.Pool
}

// openDatabase starts (or reuses) the private server, makes sure the
// seeded database exists (migrated, seeded once and kept between runs), and
// gives this run a fresh copy of it, so whatever a run adds (referrals
// sent, drafts, sessions, audit rows) never reaches the next one.
func openDatabase(ctx context.Context, o options, log *slog.Logger) (*database, benchdata.Summary, error) {
	pg, err := devdb.Start(ctx, devdb.Options{DataDir: o.dataDir, Logger: log})
	if err != nil {
		return nil, benchdata.Summary{}, err
	}
	db := &database{pg: pg}
	fail := func(err error) (*database, benchdata.Summary, error) {
		db.close(ctx, o.keep)
		return nil, benchdata.Summary{}, err
	}
	name := "bench_" + strconv.Itoa(o.referrals)
	if o.seed != 1 {
		name += "_seed" + strconv.FormatUint(o.seed, 10)
	}
	admin, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		return fail(err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	drop := func(db string) error {
		_, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
		return err
	}
	if o.fresh {
		if err := drop(name); err != nil {
			return fail(err)
		}
	}
	if err := pg.EnsureDatabase(ctx, name); err != nil {
		return fail(err)
	}
	sum, err := seedDatabase(ctx, pg.URL(name), o, log)
	if errors.Is(err, benchdata.ErrOtherDataset) {
		// Seeded by an older harness (the data it generates has changed):
		// the database is the benchmark's own, so it is made again.
		log.Info("the dataset was made by another version of the seeder; seeding it again", "database", name)
		if err := drop(name); err != nil {
			return fail(err)
		}
		if err := pg.EnsureDatabase(ctx, name); err != nil {
			return fail(err)
		}
		sum, err = seedDatabase(ctx, pg.URL(name), o, log)
	}
	if err != nil {
		return fail(err)
	}
	// FILE_COPY copies the files instead of writing the whole database
	// through the WAL: a few seconds rather than a minute.
	run := name + "_run"
	began := time.Now()
	if err := drop(run); err != nil {
		return fail(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{run}.Sanitize()+" TEMPLATE "+pgx.Identifier{name}.Sanitize()+" STRATEGY FILE_COPY"); err != nil {
		return fail(fmt.Errorf("copying the dataset: %w", err))
	}
	log.Info("fresh copy of the dataset for this run", "database", run, "took", time.Since(began).Round(time.Millisecond))
	db.url = pg.URL(run)
	if db.pool, err = store.Open(ctx, db.url, 4); err != nil {
		return fail(err)
	}
	return db, sum, nil
}

// seedDatabase migrates the kept database and seeds it unless it was.
func seedDatabase(ctx context.Context, url string, o options, log *slog.Logger) (benchdata.Summary, error) {
	pool, err := store.Open(ctx, url, 4)
	if err != nil {
		return benchdata.Summary{}, err
	}
	defer pool.Close() // no connection may stay open on a database being copied
	m, err := store.NewMigrator(pool, nil)
	if err != nil {
		return benchdata.Summary{}, err
	}
	_, err = m.Up(ctx)
	_ = m.Close()
	if err != nil {
		return benchdata.Summary{}, err
	}
	if err := jobs.Migrate(ctx, pool); err != nil {
		return benchdata.Summary{}, err
	}
	hash, err := auth.NewHasher(1).Hash(ctx, store.DemoPassword)
	if err != nil {
		return benchdata.Summary{}, err
	}
	log.Info("seeding the dataset (or reusing it)", "referrals", o.referrals)
	sum, err := benchdata.Seed(ctx, pool, benchdata.Options{Referrals: o.referrals, Seed: o.seed, PasswordHash: hash})
	if err != nil {
		return benchdata.Summary{}, err
	}
	if sum.Reused {
		log.Info("reusing the seeded dataset", "seeded_at", sum.SeededAt.Format(time.DateOnly))
	} else {
		log.Info("seeded", "referrals", sum.Referrals, "events", sum.Events, "audit", sum.Audit, "emails", sum.Notifications,
			"took", sum.Took.Round(time.Millisecond))
	}
	return sum, nil
}

func (db *database) close(ctx context.Context, keep bool) {
	if db.pool != nil {
		db.pool.Close()
	}
	if !keep {
		_ = db.pg.Stop(context.WithoutCancel(ctx))
	}
}

// fixtures picks what the load asks for from the dataset: referrals of
// every state to open, trainees to sign in as, a cursor far into the
// queue, a name to search for.
func (db *database) fixtures(ctx context.Context, e *targetEnv, sessions int) (coordinatorID int64, err error) {
	st := store.New(db.pool)
	u, err := st.StaffUserByEmail(ctx, demoCoordinator)
	if err != nil {
		return 0, fmt.Errorf("the demo coordinator: %w", err)
	}
	coach, err := st.StaffUserByEmail(ctx, demoCoach)
	if err != nil {
		return 0, fmt.Errorf("the demo coach: %w", err)
	}
	e.coachID = coach.ID
	// A thousand referrals spread over the whole table and every state.
	rows, err := db.pool.Query(ctx, `SELECT reference FROM referrals TABLESAMPLE BERNOULLI (5) REPEATABLE (1) LIMIT 1000`)
	if err != nil {
		return 0, err
	}
	if e.refs, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return 0, err
	}
	rows, err = db.pool.Query(ctx, `SELECT trainee_email FROM referrals TABLESAMPLE BERNOULLI (5) REPEATABLE (2) GROUP BY 1 LIMIT $1`, sessions)
	if err != nil {
		return 0, err
	}
	if e.traineeEmails, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return 0, err
	}
	// Referrals whose trainee can book now, with the coach's free times in
	// the booking window: allocated or active, a session left, funding
	// approved where it is needed.
	rows, err = db.pool.Query(ctx, `SELECT r.reference, r.trainee_email FROM referrals r
		WHERE r.status IN ('allocated', 'active') AND r.coach_id IS NOT NULL AND r.sessions_used < r.sessions_granted
			AND (r.route <> 'case_manager' OR r.form_d_status = 'approved')
			AND EXISTS (SELECT 1 FROM availability_slots s WHERE s.coach_id = r.coach_id AND NOT s.blocked
				AND s.starts_at > now() + interval '1 day' AND s.starts_at < now() + interval '7 weeks')
		ORDER BY r.id LIMIT $1`, sessions)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var ref, email string
		if err := rows.Scan(&ref, &email); err != nil {
			rows.Close()
			return 0, err
		}
		e.bookRefs, e.bookEmails = append(e.bookRefs, ref), append(e.bookEmails, email)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(e.bookRefs) == 0 {
		return 0, fmt.Errorf("the dataset has no referral whose trainee can book")
	}
	if len(e.refs) == 0 || len(e.traineeEmails) == 0 {
		return 0, fmt.Errorf("the dataset has no referrals to ask for")
	}
	// Nine tenths of the way through every referral, by deadline: the
	// cursor a coordinator paging that far would hold.
	var total int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM referrals`).Scan(&total); err != nil {
		return 0, err
	}
	var key *time.Time
	var id int64
	err = db.pool.QueryRow(ctx, `SELECT CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END, id FROM referrals
		ORDER BY coalesce(CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END, 'infinity'), id OFFSET $1 LIMIT 1`, total*9/10).Scan(&key, &id)
	if err != nil {
		return 0, err
	}
	c := store.QueueCursor{ID: id}
	if key != nil {
		c.Key = key.UTC()
	}
	e.deepCursor = c.String()
	// The start of a common first name, as a coordinator would type it,
	// among closed referrals in London (the biggest slice of the data).
	e.searchText = "Sam"
	e.searchQuery = map[string][]string{"status": {"closed"}, "region": {"london"}}
	// A surname, found anywhere in the name (the trigram index).
	e.surnameText = "Shah"
	return u.ID, nil
}

// makeDrafts adds n complete self-referral drafts, as a trainee who has
// answered every page leaves them, and returns their tokens.
func (db *database) makeDrafts(ctx context.Context, seed uint64, first, n int) ([]string, error) {
	tokens := make([]string, n)
	rows := make([][]any, n)
	now := time.Now()
	for i := range n {
		v, err := benchdata.SelfReferral(seed, first+i, now)
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		token, hash := auth.NewToken()
		tokens[i] = token
		rows[i] = []any{hash, "self", string(raw)}
	}
	_, err := db.pool.CopyFrom(ctx, pgx.Identifier{"referral_drafts"}, []string{"token_hash", "route", "answers"}, pgx.CopyFromRows(rows))
	if err != nil {
		return nil, fmt.Errorf("drafts: %w", err)
	}
	return tokens, nil
}

// notificationCheck counts, for the drafts with these tokens, the
// referrals sent and their receipts recorded and delivered.
func (db *database) notificationCheck(ctx context.Context, tokens []string) (referrals, recorded, delivered int, err error) {
	hashes := make([][]byte, len(tokens))
	for i, t := range tokens {
		hashes[i] = auth.HashToken(t)
	}
	err = db.pool.QueryRow(ctx, `SELECT count(DISTINCT d.referral_id), count(n.id), count(n.id) FILTER (WHERE n.status = 'sent')
		FROM referral_drafts d LEFT JOIN notifications n ON n.referral_id = d.referral_id AND n.kind = 'referral_receipt'
		WHERE d.token_hash = ANY ($1) AND d.referral_id IS NOT NULL`, hashes).Scan(&referrals, &recorded, &delivered)
	return referrals, recorded, delivered, err
}

// datasetSize describes the database for the report.
func (db *database) datasetSize(ctx context.Context) (string, error) {
	var referrals, events, audit, notifications int64
	var size string
	err := db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM referrals), (SELECT count(*) FROM referral_events),
		(SELECT count(*) FROM audit_log), (SELECT count(*) FROM notifications), pg_size_pretty(pg_database_size(current_database()))`).
		Scan(&referrals, &events, &audit, &notifications, &size)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d referrals, %d timeline events, %d audit rows, %d emails; %s on disk", referrals, events, audit, notifications, size), nil
}
