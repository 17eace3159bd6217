package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"careers/internal/config"
	"careers/internal/policy"
	"careers/internal/server"
	"careers/internal/store"
	"careers/internal/telemetry"
	"careers/internal/testdb"
	"careers/web"
)

// tracedServer is the real service with tracing on, exporting to memory,
// over a pool whose queries are traced as production's are.
func tracedServer(t *testing.T) (*testServer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr := telemetry.NewTracingWith(sdktrace.NewSimpleSpanProcessor(exp), "careers-test", 1)
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	pool, err := store.Open(ctx, testdb.URL(t), 4, tr.DBTracing())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	cfg, err := config.Load(func(k string) string {
		if k == "SECRET_KEY" {
			return testdb.SecretKey
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	clock := &testClock{}
	mb := newMailbox(t, pool, cfg, clock.Now)
	st := store.New(pool)
	srv, err := server.New(server.Deps{
		Config: cfg, Logger: slog.New(slog.NewJSONHandler(logs, nil)), Store: st, Assets: assets,
		Now: clock.Now, Enqueue: mb.enqueue, Tracing: tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &testServer{Server: ts, logs: logs, srv: srv, pool: pool, store: st, clock: clock, mail: mb}, exp
}

// A traced request: one server span named after the route pattern, with
// the database's queries as its children, and the request's log line
// carrying the same trace ID. No span holds the path's or query string's
// values (a one-time token here), and a trace context sent by a client
// that is not a trusted proxy is not followed.
func TestRequestTracing(t *testing.T) {
	t.Parallel()
	ts, exp := tracedServer(t)
	const token = "secret-token-value-0123456789"
	const foreignTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	resp, _ := ts.Do(t, "GET", "/sign-in/link?token="+token, nil, map[string]string{
		"Traceparent": "00-" + foreignTrace + "-00f067aa0ba902b7-01",
		"User-Agent":  "a-browser-of-someone",
	})
	if resp.StatusCode != 404 {
		t.Fatalf("an unknown link: %d", resp.StatusCode)
	}

	spans := exp.GetSpans()
	var server *tracetest.SpanStub
	for i, s := range spans {
		if s.SpanKind.String() == "server" {
			if server != nil {
				t.Fatalf("two server spans: %q and %q", server.Name, s.Name)
			}
			server = &spans[i]
		}
	}
	if server == nil {
		t.Fatalf("no server span among %d spans", len(spans))
	}
	if server.Name != "GET /sign-in/link" || !hasAttr(server.Attributes, "http.route", "/sign-in/link") {
		t.Errorf("server span %q, attributes %v: want the route pattern as its name and http.route", server.Name, server.Attributes)
	}
	if server.SpanContext.TraceID().String() == foreignTrace || server.Parent.IsValid() {
		t.Error("the span follows a trace context sent by an untrusted client")
	}
	tokenQuery := false
	for _, s := range spans {
		if s.Parent.SpanID() == server.SpanContext.SpanID() && hasAttr(s.Attributes, "db.system.name", "postgresql") {
			tokenQuery = tokenQuery || strings.Contains(attrValue(s.Attributes, "db.query.text"), "FROM auth_tokens")
		}
	}
	if !tokenQuery {
		t.Errorf("no database span under the server span reads the token; spans: %v", spanNames(spans))
	}
	// The client's address, if recorded, is blanked (the server's own is
	// not personal).
	if v := attrValue(server.Attributes, "client.address"); v != "" && v != "redacted" {
		t.Errorf("server span records the client's address %q", v)
	}
	for _, s := range spans {
		for _, a := range s.Attributes {
			if v := a.Value.String(); strings.Contains(v, token) || strings.Contains(v, "someone") {
				t.Errorf("span %q attribute %s = %q", s.Name, a.Key, v)
			}
		}
	}

	var line map[string]any
	for _, l := range ts.logs.Lines(t) {
		if l["msg"] == "request" && l["route"] == "/sign-in/link" {
			line = l
		}
	}
	if line == nil {
		t.Fatalf("no request log line:\n%s", ts.logs.String())
	}
	if line["trace_id"] != server.SpanContext.TraceID().String() || line["span_id"] != server.SpanContext.SpanID().String() {
		t.Errorf("log line trace %v span %v, server span %s %s", line["trace_id"], line["span_id"],
			server.SpanContext.TraceID(), server.SpanContext.SpanID())
	}

	// The probes are not traced.
	exp.Reset()
	ts.Do(t, "GET", "/healthz", nil, nil)
	if n := len(exp.GetSpans()); n != 0 {
		t.Errorf("/healthz made %d spans", n)
	}
}

// With tracing off, the log lines carry no trace ID (and no wrapper runs).
func TestNoTracingNoTraceIDs(t *testing.T) {
	t.Parallel()
	ts := mustServer(t, nil, nil, nil)
	ts.Do(t, "GET", "/", nil, nil)
	for _, l := range ts.logs.Lines(t) {
		if _, ok := l["trace_id"]; ok {
			t.Fatalf("a log line has a trace ID with tracing off: %v", l)
		}
	}
}

func hasAttr(as []attribute.KeyValue, key, want string) bool { return attrValue(as, key) == want }

func attrValue(as []attribute.KeyValue, key string) string {
	v := ""
	for _, a := range as {
		if string(a.Key) == key {
			v = a.Value.String()
		}
	}
	return v
}

func spanNames(ss tracetest.SpanStubs) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

// Statements sent together (a batch, one round trip: the trainee's own
// page) make one database span under the request's, with an event per
// statement carrying its SQL text and never the values sent with it.
func TestBatchTracing(t *testing.T) {
	t.Parallel()
	ts, exp := tracedServer(t)
	tr := telemetry.NewTracingWith(sdktrace.NewSimpleSpanProcessor(exp), "careers-test", 1)
	ctx, parent := tr.Provider().Tracer("test").Start(t.Context(), "request")
	const email = "batch.traced@example.nhs.uk"
	if _, _, err := ts.store.ReferralCardsAndRegistrations(ctx, email); err != nil {
		t.Fatal(err)
	}
	parent.End()
	var batch *tracetest.SpanStub
	spans := exp.GetSpans()
	for i, s := range spans {
		if s.Name == "db BATCH" {
			batch = &spans[i]
		}
	}
	if batch == nil || batch.Parent.SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("no batch span under the request's; spans: %v", spanNames(spans))
	}
	var texts []string
	for _, e := range batch.Events {
		texts = append(texts, attrValue(e.Attributes, "db.query.text"))
	}
	if len(texts) != 2 || !strings.Contains(texts[0], "FROM referrals") || !strings.Contains(texts[1], "FROM workshop_registrations") {
		t.Errorf("batch events %q: want the two statements' SQL in order", texts)
	}
	for _, s := range spans {
		for _, a := range s.Attributes {
			if strings.Contains(a.Value.String(), "batch.traced") {
				t.Errorf("span %q attribute %s holds the address", s.Name, a.Key)
			}
		}
		for _, e := range s.Events {
			for _, a := range e.Attributes {
				if strings.Contains(a.Value.String(), "batch.traced") {
					t.Errorf("span %q event attribute %s holds the address", s.Name, a.Key)
				}
			}
		}
	}
}

// requestDBSpans are the database spans (one per round trip) of the last
// request whose server span is named route.
func requestDBSpans(t *testing.T, exp *tracetest.InMemoryExporter, route string) []tracetest.SpanStub {
	t.Helper()
	spans := exp.GetSpans()
	var server *tracetest.SpanStub
	for i, s := range spans {
		if s.SpanKind.String() == "server" && s.Name == route {
			server = &spans[i]
		}
	}
	if server == nil {
		t.Fatalf("no server span %q; spans: %v", route, spanNames(spans))
	}
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.Parent.SpanID() == server.SpanContext.SpanID() && hasAttr(s.Attributes, "db.system.name", "postgresql") {
			out = append(out, s)
		}
	}
	return out
}

// batchTexts are the statements of a batch's span.
func batchTexts(s tracetest.SpanStub) []string {
	var texts []string
	for _, e := range s.Events {
		texts = append(texts, attrValue(e.Attributes, "db.query.text"))
	}
	return texts
}

// The booking page (the trainee's and the coordinator's) reads the
// referral's card in the session's round trip, then the view's audit row,
// the booking state and the free times in a second: two round trips, as
// many as the bare handler that knows the trainee without a session.
func TestBookingPageReadsTheCardWithTheSession(t *testing.T) {
	t.Parallel()
	ts, exp := tracedServer(t)
	coach := ts.MustStaff(t, "card.coach@example.nhs.uk", policy.Coach)
	coord := ts.MustStaff(t, "card.coord@example.nhs.uk", policy.Coordinator)
	trainee, _ := allocated(t, ts, "CR-CRDS-2345", "cards@example.com", coach.ID, 2)
	addSlot(t, ts, coach.ID, ts.clock.Now().Add(72*time.Hour).Truncate(time.Hour), "virtual")
	trainee.Get(t, "/your-referrals") // the flash of signing in is shown and gone
	twoTrips := func(who, route string) {
		t.Helper()
		spans := requestDBSpans(t, exp, route)
		if len(spans) != 2 || spans[0].Name != "db BATCH" || spans[1].Name != "db BATCH" {
			t.Fatalf("%s: database spans %v, want two batches (two round trips)", who, spanNames(spans))
		}
		first, second := batchTexts(spans[0]), batchTexts(spans[1])
		if len(first) != 2 || !strings.Contains(first[0], "FROM sessions") || !strings.Contains(first[1], "FROM referrals WHERE reference") {
			t.Errorf("%s: first batch %q, want the session's statement and the referral's card", who, first)
		}
		if len(second) != 3 || !strings.Contains(second[0], "INSERT INTO audit_log") {
			t.Errorf("%s: second batch %q, want the view's audit row, the state and the free times", who, second)
		}
	}
	exp.Reset()
	if p := trainee.Get(t, "/your-referrals/CR-CRDS-2345/book"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Video call") {
		t.Fatalf("the trainee's booking page: %d", p.Status)
	}
	twoTrips("the trainee", "GET /your-referrals/{reference}/book")

	cb := ts.NewBrowser(t)
	cb.SignInStaff(t, coord.Email, "")
	cb.Get(t, "/staff")
	exp.Reset()
	if p := cb.Get(t, "/staff/referrals/CR-CRDS-2345/book"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Video call") {
		t.Fatalf("the coordinator's booking page: %d", p.Status)
	}
	twoTrips("the coordinator", "GET /staff/referrals/{reference}/book")

	// A reference with no referral: nothing handed out, and the page's own
	// read answers 404 as before.
	exp.Reset()
	if p := trainee.Get(t, "/your-referrals/CR-NONE-2345/book"); p.Status != http.StatusNotFound {
		t.Errorf("a booking page of no referral: %d, want 404", p.Status)
	}
}

// A trainee's own page is read in the session's round trip: one database
// span under the request's, the session's statement and the page's two.
// A session whose address has no column yet (saved before it was added)
// gets the same page from the page's own read.
func TestYourPageReadWithTheSession(t *testing.T) {
	t.Parallel()
	ts, exp := tracedServer(t)
	const email = "read.with.session@example.org"
	ts.MustReferral(t, "RWS-0001", email, "", 0, 0)
	b := ts.NewBrowser(t)
	b.SignInPublic(t, email)
	b.Get(t, "/your-referrals") // the flash of signing in is shown and gone
	dbSpans := func() []tracetest.SpanStub { return requestDBSpans(t, exp, "GET /your-referrals") }

	exp.Reset()
	if g := b.Get(t, "/your-referrals"); g.Status != http.StatusOK || !strings.Contains(g.Body, "RWS-0001") {
		t.Fatalf("the trainee's page: %d, lists the referral: %v", g.Status, strings.Contains(g.Body, "RWS-0001"))
	}
	spans := dbSpans()
	if len(spans) != 1 || spans[0].Name != "db BATCH" {
		t.Fatalf("database spans %v: want one batch (one round trip)", spanNames(spans))
	}
	texts := batchTexts(spans[0])
	if len(texts) != 3 || !strings.Contains(texts[0], "FROM sessions") || !strings.Contains(texts[1], "FROM referrals") ||
		!strings.Contains(texts[2], "FROM workshop_registrations") {
		t.Errorf("batch statements %q: want the session's, then the referrals' and registrations'", texts)
	}

	if _, err := ts.pool.Exec(t.Context(), `UPDATE sessions SET public_email = NULL`); err != nil {
		t.Fatal(err)
	}
	// The instance still knows the session as the address it read last
	// time, and asks for that address's rows with the session's read: one
	// round trip, the rows checked as the address the session's data holds.
	exp.Reset()
	if g := b.Get(t, "/your-referrals"); g.Status != http.StatusOK || !strings.Contains(g.Body, "RWS-0001") {
		t.Fatalf("the trainee's page of an older session: %d, lists the referral: %v", g.Status, strings.Contains(g.Body, "RWS-0001"))
	}
	if spans := dbSpans(); len(spans) != 1 {
		t.Errorf("an older session's page, its address known to the instance: database spans %v, want one batch", spanNames(spans))
	}
	// Its row names no one now, so the instance forgets it: the next
	// page's statements find no one through the session row, and the page
	// reads for itself.
	exp.Reset()
	if g := b.Get(t, "/your-referrals"); g.Status != http.StatusOK || !strings.Contains(g.Body, "RWS-0001") {
		t.Fatalf("the trainee's page of an older session: %d, lists the referral: %v", g.Status, strings.Contains(g.Body, "RWS-0001"))
	}
	if spans := dbSpans(); len(spans) != 2 {
		t.Errorf("an older session's page: database spans %v, want the session's read and the page's own", spanNames(spans))
	}
}
