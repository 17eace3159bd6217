package logwriter

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an output that records each write it is given.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	writes  int
	ragged  int           // writes that did not end at the end of a line
	entered chan struct{} // when set, told as each write begins
	gate    chan struct{} // when set, each write waits for a value
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	if b.entered != nil {
		b.entered <- struct{}{}
	}
	if b.gate != nil {
		<-b.gate
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	if len(p) > 0 && p[len(p)-1] != '\n' {
		b.ragged++
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Writes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writes
}

// Lines from many goroutines arrive whole, each writer's in its order, in
// far fewer writes than lines; Close leaves nothing behind.
func TestLinesArriveWholeInOrderInBatches(t *testing.T) {
	var out syncBuffer
	w := New(&out, time.Hour, 0) // only size and Close flush
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				fmt.Fprintf(w, "{\"g\":%d,\"i\":%d,\"pad\":%q}\n", g, i, strings.Repeat("x", i%50))
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines written, want %d", len(got), writers*lines)
	}
	next := make([]int, writers)
	for _, l := range got {
		var g, i int
		if _, err := fmt.Sscanf(l, "{\"g\":%d,\"i\":%d,", &g, &i); err != nil {
			t.Fatalf("line not whole: %q", l)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d came when %d was due", g, i, next[g])
		}
		next[g]++
	}
	if n := out.Writes(); n >= writers*lines/10 {
		t.Errorf("%d writes for %d lines: not batched", n, writers*lines)
	}
	if out.ragged != 0 {
		t.Errorf("%d batches ended inside a line", out.ragged)
	}
}

// A line reaches the output within the interval without anyone flushing.
func TestIntervalFlushes(t *testing.T) {
	var out syncBuffer
	w := New(&out, 10*time.Millisecond, 0)
	defer w.Close()
	_, _ = w.Write([]byte("one\n"))
	deadline := time.Now().Add(2 * time.Second)
	for out.String() != "one\n" {
		if time.Now().After(deadline) {
			t.Fatal("the line was not written within 2s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A stalled output does not hold up writers until the buffer is full;
// then they wait, and nothing is lost.
func TestStalledOutputBackPressure(t *testing.T) {
	out := syncBuffer{gate: make(chan struct{}), entered: make(chan struct{}, 16)}
	w := New(&out, time.Millisecond, 100)
	line := []byte(strings.Repeat("a", 39) + "\n") // 40 bytes
	// The first batch goes to the output and sticks there.
	_, _ = w.Write(line)
	select {
	case <-out.entered:
	case <-time.After(2 * time.Second):
		t.Fatal("the first line never reached the output")
	}
	// Two more lines fit in the buffer while the output is stalled.
	done := make(chan struct{})
	go func() {
		_, _ = w.Write(line)
		_, _ = w.Write(line)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("a writer waited on a stalled output with room in the buffer")
	}
	// The third would pass the limit: it waits.
	third := make(chan struct{})
	go func() {
		_, _ = w.Write(line)
		close(third)
	}()
	select {
	case <-third:
		t.Fatal("a write past the limit did not wait for room")
	case <-time.After(50 * time.Millisecond):
	}
	close(out.gate) // the output recovers
	select {
	case <-third:
	case <-time.After(2 * time.Second):
		t.Fatal("the waiting writer was not let through once there was room")
	}
	_ = w.Close()
	if got, want := out.String(), strings.Repeat(string(line), 4); got != want {
		t.Fatalf("written %d bytes, want %d", len(got), len(want))
	}
}

// After Close, writes go straight through, after anything still waiting.
func TestWriteAfterClose(t *testing.T) {
	var out syncBuffer
	w := New(&out, time.Hour, 0)
	_, _ = w.Write([]byte("before\n"))
	_ = w.Close()
	_ = w.Close()
	_, _ = w.Write([]byte("after\n"))
	if got := out.String(); got != "before\nafter\n" {
		t.Fatalf("got %q", got)
	}
}
