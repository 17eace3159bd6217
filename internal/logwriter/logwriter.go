// Package logwriter keeps the service's log lines off the request path.
//
// The service writes one JSON line per request. Written straight to
// standard output, each line is a write system call made while the log
// handler's lock is held, so every request in the process queues behind
// the slowest write: a file on a journalling file system stalls now and
// then (the inode's times are updated under the journal, which waits for
// its commit), and so does a pipe whose reader is busy. Under load those
// stalls were most of the signed-in pages' tail (docs/performance.md,
// issue 19). A Writer takes each line into memory and writes what has
// gathered from one goroutine of its own, a few times a second.
//
// Nothing is dropped: when the output cannot keep up and MaxBuffered bytes
// are waiting, writers wait for room, as they would have waited for the
// output itself. Close writes what is left; a process that is killed
// loses at most the last interval's lines.
package logwriter

import (
	"io"
	"sync"
	"time"
)

// Writer gathers log lines in memory and writes them out in batches. Each
// Write must hold whole lines (slog's handlers write one record per call),
// and lines leave in the order they came.
type Writer struct {
	out   io.Writer
	every time.Duration
	most  int

	mu      sync.Mutex
	room    *sync.Cond // signalled when a batch has been written
	pending []byte     // lines waiting to be written
	spare   []byte     // the last batch's buffer, reused
	closed  bool

	flushMu sync.Mutex // one batch written at a time, in order
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// Defaults: a batch leaves at least every Interval, or sooner once
// FlushAt bytes are waiting; writers wait when MaxBuffered are.
const (
	Interval    = 50 * time.Millisecond
	FlushAt     = 64 << 10
	MaxBuffered = 1 << 20
)

// New starts a Writer that writes to out every interval (Interval when
// zero) and holds at most maxBuffered bytes (MaxBuffered when zero).
// Close stops it.
func New(out io.Writer, interval time.Duration, maxBuffered int) *Writer {
	if interval <= 0 {
		interval = Interval
	}
	if maxBuffered <= 0 {
		maxBuffered = MaxBuffered
	}
	w := &Writer{out: out, every: interval, most: maxBuffered,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	w.room = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// Write takes a copy of p to be written with the next batch. It waits only
// when the output has fallen MaxBuffered bytes behind. After Close it
// writes p straight to the output.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	for !w.closed && len(w.pending) > 0 && len(w.pending)+len(p) > w.most {
		w.kick()
		w.room.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		w.Flush() // what came before goes first
		w.flushMu.Lock()
		defer w.flushMu.Unlock()
		return w.out.Write(p)
	}
	w.pending = append(w.pending, p...)
	full := len(w.pending) >= FlushAt
	w.mu.Unlock()
	if full {
		w.kick()
	}
	return len(p), nil
}

// kick asks the writing goroutine for a batch now.
func (w *Writer) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Writer) run() {
	defer close(w.done)
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-w.wake:
		case <-w.stop:
			w.Flush()
			return
		}
		w.Flush()
	}
}

// Flush writes whatever is waiting, and returns once it is written.
func (w *Writer) Flush() {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	batch := w.pending
	w.pending = w.spare[:0]
	w.spare = nil
	w.mu.Unlock()
	if len(batch) > 0 {
		// A failed write (standard output closed) has nowhere to be
		// reported; the lines are let go and the service goes on.
		_, _ = w.out.Write(batch)
	}
	w.mu.Lock()
	if cap(batch) <= 4*FlushAt {
		w.spare = batch[:0]
	}
	w.room.Broadcast()
	w.mu.Unlock()
}

// Close writes what is waiting and stops the writing goroutine; later
// writes go straight to the output. It is safe to call more than once.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.room.Broadcast()
	w.mu.Unlock()
	close(w.stop)
	<-w.done
	return nil
}
