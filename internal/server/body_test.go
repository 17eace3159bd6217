package server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"careers/internal/policy"
	"careers/internal/server"
	"careers/internal/testdb"
)

// serveReal serves ts's handler through server.Serve (the service's own
// http.Server and its timeouts) on a fresh port, logging to ts.logs.
func serveReal(t *testing.T, ts *testServer, extra func(chi.Router)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = server.Serve(ctx, ln, ts.srv.HandlerWith(extra), 30*time.Second, time.Second, slog.New(slog.NewJSONHandler(ts.logs, nil)))
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// rawRequest opens a TCP connection and sends head (the request line and
// headers, without the blank line) and then the start of a body.
func rawRequest(t *testing.T, addr, head string, body []byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// A browser names the server as it reached it: host and port (the
	// development server answers only for its own address).
	head = strings.Replace(head, "\nHost: localhost", "\nHost: "+addr, 1)
	if _, err := io.WriteString(c, strings.ReplaceAll(head, "\n", "\r\n")+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if len(body) > 0 {
		if _, err := c.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// readAnswer reads one response from c within wait, and reports whether
// the server then closed the connection.
func readAnswer(t *testing.T, c net.Conn, wait time.Duration) (*http.Response, string, bool) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer within %v: %v", wait, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	// Closed: an end of stream, or a reset if the client's unsent body
	// was still on its way.
	_, err = br.ReadByte()
	return resp, string(body), err == io.EOF || errors.Is(err, syscall.ECONNRESET)
}

// noErrorLines checks that every log line is JSON and none is at ERROR.
func noErrorLines(t *testing.T, ts *testServer) {
	t.Helper()
	for _, l := range ts.logs.Lines(t) {
		if l["level"] == "ERROR" {
			t.Errorf("ERROR log line: %v", l)
		}
		if st, ok := l["status"].(float64); ok && st >= 500 {
			t.Errorf("request logged as a server error: %v", l)
		}
	}
}

// waitForLog waits for a request line matching ok.
func waitForLog(t *testing.T, ts *testServer, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range ts.logs.Lines(t) {
			if ok(l) {
				return l
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no such log line:\n%s", ts.logs.String())
	return nil
}

// A form whose body stops arriving gets 408 and the connection is closed:
// not a server error, no ERROR line. The same for a chunked body.
func TestStalledBodyGets408(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.srv.SetBodyWindows(300 * time.Millisecond)
	addr := serveReal(t, ts, nil)

	for _, c := range []struct{ name, head, body string }{
		{"declared length", "POST /sign-in HTTP/1.1\nHost: localhost\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 100", "email=jo"},
		{"chunked", "POST /staff/sign-in HTTP/1.1\nHost: localhost\nContent-Type: application/x-www-form-urlencoded\nTransfer-Encoding: chunked", "8\r\nemail=jo\r\n"},
	} {
		start := time.Now()
		conn := rawRequest(t, addr, c.head, []byte(c.body))
		resp, body, closed := readAnswer(t, conn, 10*time.Second)
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("%s: status %d, want 408", c.name, resp.StatusCode)
		}
		if !strings.Contains(body, "What you sent did not arrive in time") || !strings.Contains(body, "nhsuk") {
			t.Errorf("%s: not the styled 408 page:\n%.600s", c.name, body)
		}
		if !closed {
			t.Errorf("%s: the connection stayed open after the 408", c.name)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: 408 took %v", c.name, d)
		}
	}
	noErrorLines(t, ts)
}

// The window a body has to arrive in bounds the body's arrival, not the
// request: a page without a body, or a post whose body has arrived, that
// takes longer than the window (a long report) is not ended half way by
// its connection's read deadline.
func TestLongPageOutlastsTheBodyWindow(t *testing.T) {
	t.Parallel()
	extra := func(r chi.Router) {
		long := func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.ReadAll(r.Body); err != nil {
				w.WriteHeader(http.StatusRequestTimeout)
				return
			}
			select {
			case <-time.After(2600 * time.Millisecond): // past inFlightWait (2 s) and the window
				_, _ = io.WriteString(w, "done")
			case <-r.Context().Done():
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, "cut short: "+context.Cause(r.Context()).Error())
			}
		}
		r.Get("/long-page", long)
		r.Post("/long-post", long)
	}
	ts := MustServer(t, nil, extra, nil)
	ts.srv.SetBodyWindows(300 * time.Millisecond)
	addr := serveReal(t, ts, extra)
	conn := rawRequest(t, addr, "GET /long-page HTTP/1.1\nHost: localhost\nConnection: close", nil)
	resp, body, _ := readAnswer(t, conn, 10*time.Second)
	if resp.StatusCode != http.StatusOK || body != "done" {
		t.Errorf("a page longer than the body window: %d %q", resp.StatusCode, body)
	}
	// A post whose body arrived in time, handled for longer than the
	// window: the window ended when the body did (net/http takes the
	// deadline away as it starts watching the connection, at the body's
	// end; for a request without a body it starts watching before the
	// middleware runs, which is why the window is not set for those).
	conn = rawRequest(t, addr, "POST /long-post HTTP/1.1\nHost: localhost\nConnection: close\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 5", []byte("a=b&c"))
	resp, body, _ = readAnswer(t, conn, 10*time.Second)
	if resp.StatusCode != http.StatusOK || body != "done" {
		t.Errorf("a post handled for longer than the body window: %d %q", resp.StatusCode, body)
	}
}

// A client that leaves part way through sending its form, or while its
// request is being handled, is logged at info with status 499: no 500, no
// ERROR line.
func TestClientThatLeavesIsNotAServerError(t *testing.T) {
	t.Parallel()
	var srv *server.Server
	started := make(chan struct{}, 1)
	pool := testdb.NewPool(t)
	extra := func(r chi.Router) {
		r.Get("/slow-query", func(w http.ResponseWriter, r *http.Request) {
			started <- struct{}{}
			var x int
			if err := pool.QueryRow(r.Context(), "SELECT 1 FROM pg_sleep(5)").Scan(&x); err != nil {
				srv.ServerError(w, r, err)
				return
			}
			_, _ = io.WriteString(w, "done")
		})
	}
	ts := MustServer(t, pool, extra, nil)
	srv = ts.srv
	addr := serveReal(t, ts, extra)

	// Mid-body: headers and part of the form, then the connection closes.
	conn := rawRequest(t, addr, "POST /sign-in HTTP/1.1\nHost: localhost\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 100", []byte("email=jo"))
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	waitForLog(t, ts, func(l map[string]any) bool { return l["route"] == "/sign-in" && l["status"] == float64(499) })

	// Mid-request: the handler is waiting on the database when the client goes.
	conn = rawRequest(t, addr, "GET /slow-query HTTP/1.1\nHost: localhost", nil)
	<-started
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	waitForLog(t, ts, func(l map[string]any) bool { return l["route"] == "/slow-query" && l["status"] == float64(499) })
	noErrorLines(t, ts)
}

// An upload that declares more than the limit is refused at once with the
// 413 page (the limit in words), without the client sending the rest, and
// the connection is closed. So is a form on any other route.
func TestOversizedBodyIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "cm@example.nhs.uk", "")
	cookie := sessionCookie(t, b)
	addr := serveReal(t, ts, nil)

	const boundary = "XyZboundary"
	start := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"form_c\"; filename=\"form-c.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
	begin := time.Now()
	conn := rawRequest(t, addr, "POST /staff/referrals/new/form-c HTTP/1.1\nHost: localhost\nCookie: "+cookie+
		"\nContent-Type: multipart/form-data; boundary="+boundary+"\nContent-Length: 52428800", append([]byte(start), bytes.Repeat([]byte("x"), 32<<10)...))
	resp, body, closed := readAnswer(t, conn, 5*time.Second)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("declared 50 MB upload: status %d, want 413\n%.800s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "must be smaller than 10 MB") || !strings.Contains(body, "nhsuk-error-summary") {
		t.Errorf("declared 50 MB upload: not the form with the limit in words:\n%.800s", body)
	}
	if !closed {
		t.Error("declared 50 MB upload: connection left open")
	}

	conn = rawRequest(t, addr, "POST /sign-in HTTP/1.1\nHost: localhost\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 5242880", []byte("email=jo"))
	resp, body, closed = readAnswer(t, conn, 5*time.Second)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "up to 1 MB") || !strings.Contains(body, "nhsuk") || !closed {
		t.Errorf("declared 5 MB form: status %d, closed %v, want the styled 413 page:\n%.600s", resp.StatusCode, closed, body)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("refusals took %v", d)
	}
	noErrorLines(t, ts)
}

// A chunked upload (no declared length) is cut off as soon as it passes the
// limit: the 413 arrives while the client is still sending, without it
// sending the rest, and the connection is closed.
func TestChunkedUploadIsCutOffAtTheLimit(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	ts.MustStaff(t, "cm@example.nhs.uk", policy.CaseManager)
	b := ts.NewBrowser(t)
	b.SignInStaff(t, "cm@example.nhs.uk", "")
	cookie := sessionCookie(t, b)
	addr := serveReal(t, ts, nil)

	const boundary = "XyZboundary"
	conn := rawRequest(t, addr, "POST /staff/referrals/new/form-c HTTP/1.1\nHost: localhost\nCookie: "+cookie+
		"\nContent-Type: multipart/form-data; boundary="+boundary+"\nTransfer-Encoding: chunked", nil)
	// A little over 10 MB of file in 64 KB chunks, then nothing more: the
	// body never ends.
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		w := bufio.NewWriter(conn)
		head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"form_c\"; filename=\"form-c.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
		fmt.Fprintf(w, "%x\r\n%s\r\n", len(head), head)
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for i := 0; i < 10*16+2; i++ {
			fmt.Fprintf(w, "%x\r\n", len(chunk))
			w.Write(chunk)
			if _, err := io.WriteString(w, "\r\n"); err != nil {
				return
			}
		}
		_ = w.Flush()
	}()
	resp, body, closed := readAnswer(t, conn, 10*time.Second)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "must be smaller than 10 MB") {
		t.Errorf("chunked upload: status %d, want 413 with the form:\n%.800s", resp.StatusCode, body)
	}
	if !closed {
		t.Error("chunked upload: connection left open")
	}
	<-sent
	noErrorLines(t, ts)
}

// sessionCookie is the browser's session cookie as a Cookie header value.
func sessionCookie(t *testing.T, b *browser) string {
	t.Helper()
	u, _ := http.NewRequest("GET", b.ts.URL+"/", nil)
	var parts []string
	for _, c := range b.c.Jar.Cookies(u.URL) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		t.Fatal("the browser holds no session cookie")
	}
	return strings.Join(parts, "; ")
}
