package store_test

import (
	"context"
	"testing"
	"time"

	"careers/internal/store"
	"careers/internal/testdb"
)

// A message is counted undelivered when it failed, or when it has waited
// ten minutes by the database's clock, which stamped it: an instance's
// clock a day ahead does not make a message queued a moment ago late.
func TestCoordinatorToDoUndeliveredByTheDatabasesClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	if _, err := pool.Exec(ctx, `INSERT INTO notifications (key, kind, recipients, subject, body_text, body_html, status, failed_at, sent_at, created_at)
		VALUES ('fresh', 'test', '[{"email": "a@example.org"}]', 'S', 'b', 'b', 'queued', NULL, NULL, now()),
		       ('sent', 'test', '[{"email": "b@example.org"}]', 'S', 'b', 'b', 'sent', NULL, now(), now() - interval '1 day')`); err != nil {
		t.Fatal(err)
	}
	count := func(now time.Time) int {
		t.Helper()
		todo, err := st.CoordinatorToDo(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		return todo.Undelivered
	}
	if n := count(time.Now().Add(24 * time.Hour)); n != 0 {
		t.Errorf("a message queued a moment ago, the instance's clock a day ahead: %d undelivered, want 0", n)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO notifications (key, kind, recipients, subject, body_text, body_html, status, failed_at, created_at)
		VALUES ('late', 'test', '[{"email": "c@example.org"}]', 'S', 'b', 'b', 'queued', NULL, now() - interval '11 minutes'),
		       ('failed', 'test', '[{"email": "d@example.org"}]', 'S', 'b', 'b', 'failed', now(), now())`); err != nil {
		t.Fatal(err)
	}
	if n := count(time.Now()); n != 2 {
		t.Errorf("one message waiting 11 minutes and one failed: %d undelivered, want 2", n)
	}
}
