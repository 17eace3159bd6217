package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"careers/internal/server"
)

// After SIGTERM a request already in flight completes, and new connections
// are refused.
func TestShutdownDrainsInFlightRequestsAndRefusesNewOnes(t *testing.T) {
	// Not parallel: it sends SIGTERM to the test process (caught below).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()

	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			time.Sleep(1500 * time.Millisecond)
		}
		_, _ = io.WriteString(w, "done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	served := make(chan error, 1)
	go func() {
		served <- server.Serve(ctx, ln, h, 10*time.Second, 10*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()

	type result struct {
		body string
		err  error
	}
	slow := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- result{string(b), err}
	}()
	<-started

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	// Shutdown closes the listener straight away; give it a moment.
	deadline := time.Now().Add(time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break // refused: what we want
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("new connections are still accepted after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}

	r := <-slow
	if r.err != nil || r.body != "done" {
		t.Fatalf("in-flight request after SIGTERM: body %q, err %v", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve returned %v after a clean shutdown", err)
	}
}

// A request that outlives the grace period is cut off and Serve says so.
func TestShutdownGraceIsBounded(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(5 * time.Second)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() {
		served <- server.Serve(ctx, ln, h, 10*time.Second, 200*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	begin := time.Now()
	cancel()
	select {
	case err := <-served:
		if err == nil {
			t.Error("Serve reported a clean shutdown although a request was cut off")
		}
		if d := time.Since(begin); d > 2*time.Second {
			t.Errorf("shutdown took %v with a 200ms grace", d)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("Serve did not return after its grace period")
	}
}
