package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"careers/internal/store"
	"careers/internal/testdb"
)

// A queued link request is taken once (a job run twice sends nothing
// twice), and one left behind by a job that gave up is deleted after a day.
func TestLinkRequestsAreTakenOnceAndStaleOnesGo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.NewPool(t))
	now := time.Now()
	id, err := st.AddLinkRequest(ctx, store.LinkRequest{Purpose: store.PurposeSignIn, Email: " Someone@Example.com ", RequestedAt: now, ClientIP: "192.0.2.1", RequestID: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.TakeLinkRequest(ctx, id)
	if err != nil || r.Email != "someone@example.com" || r.Purpose != store.PurposeSignIn || r.ClientIP != "192.0.2.1" || r.RequestID != "r1" {
		t.Fatalf("take: %+v %v", r, err)
	}
	if _, err := st.TakeLinkRequest(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("taken twice: %v", err)
	}
	if _, err := st.AddLinkRequest(ctx, store.LinkRequest{Purpose: store.PurposeSignIn, Email: "old@example.com", RequestedAt: now.Add(-25 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fresh, err := st.AddLinkRequest(ctx, store.LinkRequest{Purpose: store.PurposeResetPassword, Email: "new@example.com", RequestedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := st.DeleteStaleLinkRequests(ctx, now.Add(-24*time.Hour), 100); err != nil || n != 1 {
		t.Fatalf("stale deleted: %d %v", n, err)
	}
	if _, err := st.TakeLinkRequest(ctx, fresh); err != nil {
		t.Errorf("a fresh request went with the stale one: %v", err)
	}
	if _, err := st.AddLinkRequest(ctx, store.LinkRequest{Purpose: "other", Email: "x@example.com", RequestedAt: now}); err == nil {
		t.Error("a request for an unknown purpose was recorded")
	}
}
