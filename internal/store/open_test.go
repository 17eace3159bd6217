package store_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"careers/internal/store"
	"careers/internal/testdb"
)

// withParam is dsn with one more connection parameter.
func withParam(tb testing.TB, dsn, name, value string) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestOpenPlansForSolidStateStorage: connections plan with the random page
// cost of solid-state storage, so a small table is read through its key
// rather than whole, unless something else set the cost: the connection
// string, the database (or the role, or the server's configuration).
func TestOpenPlansForSolidStateStorage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	owner := testdb.MustPool(t, db.OwnerURL)
	// on runs f on a connection of a pool opened as the service opens it.
	on := func(dsn string, f func(c *pgx.Conn) string) string {
		t.Helper()
		pool, err := store.Open(ctx, dsn, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		return f(c.Conn())
	}
	show := func(c *pgx.Conn) string {
		var v string
		if err := c.QueryRow(ctx, `SHOW random_page_cost`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := on(db.URL, show); got != store.RandomPageCost {
		t.Errorf("random_page_cost = %s, want %s", got, store.RandomPageCost)
	}
	spinning := withParam(t, db.URL, "random_page_cost", "4")
	if got := on(spinning, show); got != "4" {
		t.Errorf("with random_page_cost=4 in the connection string: %s, want 4", got)
	}
	if _, err := owner.Exec(ctx, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET random_page_cost = 2', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
	if got := on(db.URL, show); got != "2" {
		t.Errorf("with random_page_cost set on the database: %s, want 2", got)
	}
	if _, err := owner.Exec(ctx, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET random_page_cost', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}

	// A few dozen sessions of the usual size fill a few pages: with
	// PostgreSQL's default cost the table is read whole, with this one
	// through its key.
	if _, err := owner.Exec(ctx, `INSERT INTO sessions (token_hash, data, expiry)
		SELECT sha256(i::text::bytea), decode(repeat('00', 300), 'hex'), now() + interval '1 day'
		FROM generate_series(1, 80) i`); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `ANALYZE sessions`); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := owner.QueryRow(ctx, `SELECT relpages FROM pg_class WHERE relname = 'sessions'`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages < 2 {
		t.Fatalf("the sessions fixture is %d page(s): too small to tell the plans apart", pages)
	}
	plan := func(c *pgx.Conn) string {
		var p string
		if err := c.QueryRow(ctx, `EXPLAIN (COSTS OFF) SELECT data FROM sessions WHERE token_hash = sha256('7'::bytea)`).Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := on(db.URL, plan); !strings.HasPrefix(p, "Index Scan") {
		t.Errorf("a session is read with %q, want an index scan", p)
	}
	if p := on(spinning, plan); !strings.HasPrefix(p, "Seq Scan") {
		t.Errorf("with PostgreSQL's default cost a session is read with %q: this test no longer shows what the setting is for", p)
	}
}
