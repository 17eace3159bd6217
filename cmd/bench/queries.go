package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"careers/internal/config"
	"careers/internal/jobs"
	"careers/internal/logwriter"
	"careers/internal/mail"
	"careers/internal/server"
	"careers/internal/store"
	"careers/web"
)

// SQL statements per request are counted in-process: the real server
// package, built as `careers serve` builds it, on a pool with a pgx query
// tracer, with requests made one at a time so every statement on the pool
// belongs to the request in flight. (The load runs against the real binary
// in its own process; this only counts.) The baseline's handler is counted
// the same way.

// statement is one statement a request ran.
type statement struct {
	SQL  string
	Took time.Duration
}

// tracer records the statements run on its pool, with how long each took.
type tracer struct {
	mu    sync.Mutex
	stmts []statement
}

type traceKey struct{}

type traceStart struct {
	sql   string
	began time.Time
}

func (t *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, traceKey{}, traceStart{d.SQL, time.Now()})
}

func (t *tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	s, _ := ctx.Value(traceKey{}).(traceStart)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stmts = append(t.stmts, statement{SQL: s.sql, Took: time.Since(s.began)})
}

// Statements sent together (a pgx batch, one round trip) count one each,
// as if sent alone; each is timed from the batch's start.
func (t *tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return context.WithValue(ctx, traceKey{}, traceStart{began: time.Now()})
}

func (t *tracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	s, _ := ctx.Value(traceKey{}).(traceStart)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stmts = append(t.stmts, statement{SQL: d.SQL, Took: time.Since(s.began)})
}

func (t *tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// take returns the statements recorded since the last take.
func (t *tracer) take() []statement {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.stmts
	t.stmts = nil
	return out
}

// queryCount is what one request of a route ran.
type queryCount struct {
	Statements []statement
	// Queries leaves out transaction control (BEGIN, COMMIT, ROLLBACK).
	Queries, Transactions int
	Status                int
	// Drift: statements the service ran that the baseline did not, or the
	// other way round, sessions aside.
	Drift []string
}

func count(stmts []statement, status int) queryCount {
	q := queryCount{Statements: stmts, Status: status}
	for _, s := range stmts {
		switch sql := strings.ToLower(strings.TrimSpace(s.SQL)); {
		case strings.HasPrefix(sql, "begin"):
			q.Transactions++
		case sql == "commit" || sql == "rollback":
		default:
			q.Queries++
		}
	}
	return q
}

// tracedPool opens a pool as careers serve does (store.Open), with t
// tracing it.
func tracedPool(ctx context.Context, url string, t pgx.QueryTracer) (*pgxpool.Pool, error) {
	return store.Open(ctx, url, serviceMaxConns, func(c *pgxpool.Config) {
		c.MinConns = serviceMaxConns // as careers serve's DB_MIN_CONNS default
		c.ConnConfig.Tracer = t
	})
}

// countQueries runs each route a few times in-process on the service and
// on the baseline and returns the statements of the last request of each
// (the first may differ: a session renewed, a statement prepared).
// inProcess starts the real server package, built as `careers serve`
// builds it, and the baseline handler, both on a pool traced by t, each
// behind an httptest server on loopback. The service logs its JSON lines to
// logs as `careers serve` does (batched, at info), or nowhere when logs is
// nil.
func inProcess(ctx context.Context, db *database, coordinatorID int64, t pgx.QueryTracer, logs io.Writer) (service, baseline string, stop func(), err error) {
	pool, err := tracedPool(ctx, db.url, t)
	if err != nil {
		return "", "", nil, err
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"ENV": "development", "DEMO_SKIP_SECOND_FACTOR": "true", "TRUSTED_PROXIES": "127.0.0.1/32",
			"DATABASE_URL": db.url, "SECRET_KEY": benchSecretKey()}[k]
	})
	if err != nil {
		pool.Close()
		return "", "", nil, err
	}
	assets, err := web.NewAssets()
	if err != nil {
		pool.Close()
		return "", "", nil, err
	}
	logger := slog.New(slog.DiscardHandler)
	closeLines := func() {}
	if logs != nil {
		lines := logwriter.New(logs, 0, 0)
		closeLines = func() { _ = lines.Close() }
		logger = slog.New(slog.NewJSONHandler(lines, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	srv, err := server.New(server.Deps{Config: cfg, Logger: logger, Store: store.New(pool), Assets: assets,
		Enqueue: func(ctx context.Context, tx pgx.Tx, key, kind string, referralID *int64, m mail.Message) error {
			_, err := jobs.Enqueue(ctx, tx, jobs.Notification{Key: key, Kind: kind, ReferralID: referralID, Message: m})
			return err
		}})
	if err != nil {
		pool.Close()
		closeLines()
		return "", "", nil, err
	}
	bst, err := baselineStore(pool, benchSecretKey())
	if err != nil {
		srv.Close()
		pool.Close()
		closeLines()
		return "", "", nil, err
	}
	svc := httptest.NewServer(srv.Handler())
	base := httptest.NewServer(baselineHandler(baselineDeps{pool: pool, st: bst, coordinatorID: coordinatorID}))
	return svc.URL, base.URL, func() {
		// Connections a load left open are closed, not waited for.
		svc.CloseClientConnections()
		base.CloseClientConnections()
		svc.Close()
		base.Close()
		srv.Close()
		pool.Close()
		closeLines()
	}, nil
}

// countQueries runs each route a few times in-process on the service and
// on the baseline and returns the statements of the request with the most
// (the referral page runs more for some referrals than others).
func countQueries(ctx context.Context, db *database, e targetEnv, rs []route, coordinatorID int64, log *slog.Logger) (service, baseline map[string]queryCount, err error) {
	t := &tracer{}
	svcURL, baseURL, stop, err := inProcess(ctx, db, coordinatorID, t, nil)
	if err != nil {
		return nil, nil, err
	}
	defer stop()
	e.service, e.baseline = svcURL, baseURL
	if e.coordinator, err = signInStaff(svcURL, 1); err != nil {
		return nil, nil, err
	}
	if e.search, err = withSearch(svcURL, e.coordinator, e.searchText, e.searchQuery); err != nil {
		return nil, nil, err
	}
	surnamers, err := signInStaff(svcURL, 1)
	if err != nil {
		return nil, nil, err
	}
	if e.surname, err = withSearch(svcURL, surnamers, e.surnameText, nil); err != nil {
		return nil, nil, err
	}
	if e.trainee, err = signInTrainees(ctx, store.New(db.pool), svcURL, e.traineeEmails[:1]); err != nil {
		return nil, nil, err
	}
	if e.coach, err = signInAs(svcURL, demoCoach, 1); err != nil {
		return nil, nil, err
	}
	e.bookRefs, e.bookEmails = e.bookRefs[:1], e.bookEmails[:1]
	if e.booker, err = signInTrainees(ctx, store.New(db.pool), svcURL, e.bookEmails); err != nil {
		return nil, nil, err
	}
	tokens, err := db.makeDrafts(ctx, e.seed, 900_000_000, 20)
	if err != nil {
		return nil, nil, err
	}
	e.drafts = &draftSupply{}
	e.drafts.set(tokens)
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(tg func(*targetEnv, uint64) vegeta.Target, i uint64) (int, error) {
		target := tg(&e, i)
		req, err := target.Request()
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	service, baseline = map[string]queryCount{}, map[string]queryCount{}
	// Five requests of each route, each on both: the report keeps the one
	// with the most statements (the referral page runs more for some
	// referrals than others), and checks the baseline still runs the
	// service's statements for the very same request.
	const runs = 5
	for _, r := range rs {
		drifted := map[string]bool{}
		for i := range uint64(runs) {
			var got [2]queryCount
			for k, tg := range []func(*targetEnv, uint64) vegeta.Target{r.service, r.baseline} {
				t.take()
				status, err := do(tg, i)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: %w", r.key, err)
				}
				// Statements finish before the answer is written; a moment
				// more lets a straggler show rather than spill into the next.
				time.Sleep(5 * time.Millisecond)
				got[k] = count(t.take(), status)
				if got[k].Status != r.expect {
					return nil, nil, fmt.Errorf("%s on the %s answered %d, want %d", r.key, []string{"service", "baseline"}[k], got[k].Status, r.expect)
				}
			}
			for _, d := range drift(got[0].Statements, got[1].Statements) {
				drifted[d] = true
			}
			// The most statements; of equals the latest (warm) request, whose
			// times are the steady state's.
			if i == 0 || got[0].Queries >= service[r.key].Queries {
				service[r.key], baseline[r.key] = got[0], got[1]
			}
		}
		q := service[r.key]
		q.Drift = slices.Sorted(maps.Keys(drifted))
		service[r.key] = q
		log.Info("counted SQL statements", "route", r.key, "service", service[r.key].Queries, "baseline", baseline[r.key].Queries)
	}
	return service, baseline, nil
}

// sessionSQL are the statements of sessions and of loading the signed-in
// person, which the baseline has no use for.
var sessionSQL = []string{"SELECT data FROM sessions ", "FROM sessions s LEFT JOIN staff_users u ", "INSERT INTO sessions ", "UPDATE sessions SET ", "DELETE FROM sessions ", "FROM staff_users WHERE id = $1"}

func isSessionSQL(sql string) bool {
	for _, s := range sessionSQL {
		if strings.Contains(sql, s) {
			return true
		}
	}
	return false
}

// riverHousekeeping are statements River's insert runs now and then, not
// on every insert (a version check once, a LISTEN/NOTIFY wake-up at most
// every so often), so one request may run them and the next not.
var riverHousekeeping = []string{"-- name: PGGetProductAndVersion", "-- name: PGNotifyMany"}

func isHousekeeping(sql string) bool {
	for _, s := range riverHousekeeping {
		if strings.HasPrefix(strings.TrimSpace(sql), s) {
			return true
		}
	}
	return false
}

// drift lists the statements one side ran and the other did not (sessions
// and River's housekeeping aside): the baseline is only a baseline while it
// runs the service's SQL.
func drift(service, baseline []statement) []string {
	counts := map[string]int{}
	for _, s := range service {
		if !isSessionSQL(s.SQL) && !isHousekeeping(s.SQL) {
			counts[shortSQL(s.SQL, 100)]++
		}
	}
	for _, s := range baseline {
		if !isHousekeeping(s.SQL) {
			counts[shortSQL(s.SQL, 100)]--
		}
	}
	var out []string
	for sql, n := range counts {
		switch {
		case n > 0:
			out = append(out, "only the service runs `"+sql+"`")
		case n < 0:
			out = append(out, "only the baseline runs `"+sql+"`")
		}
	}
	slices.Sort(out)
	return out
}

var spaces = regexp.MustCompile(`\s+`)

// shortSQL is a statement on one line, cut short.
func shortSQL(s string, n int) string {
	s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
