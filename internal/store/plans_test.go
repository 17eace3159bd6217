package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/benchdata"
	"careers/internal/reports"
	"careers/internal/store"
	"careers/internal/testdb"
)

// largeTables are the tables that grow with the years: a page must never
// read one of them whole.
var largeTables = map[string]bool{
	"referrals": true, "audit_log": true, "notifications": true, "referral_events": true, "allowance_events": true,
	"availability_slots": true, "appointments": true,
}

// statementLog records the statements a store method runs, with their
// arguments, so the test can ask PostgreSQL how it would run each one.
type statementLog struct {
	mu    sync.Mutex
	stmts []loggedStatement
}

type loggedStatement struct {
	SQL  string
	Args []any
}

func (l *statementLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stmts = append(l.stmts, loggedStatement{SQL: d.SQL, Args: d.Args})
	return ctx
}

func (l *statementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Statements sent together in a batch are logged one by one.
func (l *statementLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (l *statementLog) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stmts = append(l.stmts, loggedStatement{SQL: d.SQL, Args: d.Args})
}

func (l *statementLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// take returns the statements logged since the last take.
func (l *statementLog) take() []loggedStatement {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.stmts
	l.stmts = nil
	return out
}

// planNode is the part of EXPLAIN (FORMAT JSON) the test reads.
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}

// seqScans lists the large tables a plan reads sequentially.
func seqScans(n planNode) []string {
	var out []string
	if n.NodeType == "Seq Scan" && largeTables[n.Relation] {
		out = append(out, n.Relation)
	}
	for _, c := range n.Plans {
		out = append(out, seqScans(c)...)
	}
	return out
}

// explain returns the plan of one statement and its text form (for the
// failure message). generic asks for the plan PostgreSQL caches for a
// prepared statement after its first few runs, made without the values: the
// service runs each statement thousands of times through pgx's prepared
// statements, so that is the plan most requests get.
func explain(tb testing.TB, pool *pgxpool.Pool, s loggedStatement, generic bool) (planNode, string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Release()
	stmt, args := s.SQL, s.Args
	if generic {
		// A generic plan does not depend on the values, so NULLs stand in.
		if _, err := conn.Exec(ctx, "PREPARE plan_check AS "+s.SQL); err != nil {
			tb.Fatalf("prepare %s: %v", s.SQL, err)
		}
		defer func() { _, _ = conn.Exec(ctx, "DEALLOCATE plan_check") }()
		nulls := strings.TrimSuffix(strings.Repeat("NULL, ", len(s.Args)), ", ")
		stmt, args = "EXECUTE plan_check", nil
		if nulls != "" {
			stmt += "(" + nulls + ")"
		}
		if _, err := conn.Exec(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
			tb.Fatal(err)
		}
		defer func() { _, _ = conn.Exec(ctx, "RESET plan_cache_mode") }()
	}
	var raw []byte
	if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+stmt, args...).Scan(&raw); err != nil {
		tb.Fatalf("explain %s: %v", s.SQL, err)
	}
	var top []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &top); err != nil || len(top) != 1 {
		tb.Fatalf("plan %s: %v", raw, err)
	}
	rows, err := conn.Query(ctx, "EXPLAIN "+stmt, args...)
	if err != nil {
		tb.Fatal(err)
	}
	text, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatal(err)
	}
	return top[0].Plan, strings.Join(text, "\n")
}

// On a realistic dataset (30,000 referrals over five years, with their
// timelines, ledgers, emails and audit trail), the queue's pages and
// searches and every query of the referral page and the trainee's page
// are answered from indexes: none reads a large table whole, whether
// PostgreSQL plans with the values (the first runs of a statement) or
// without them (its cached generic plan). TestQueuePlansUseIndexes covers
// the queue's filters and sorts on uniform data; this covers what it does
// not: deep pages of every referral, searches on realistic names and
// addresses, and the referral page's queries.
func TestPlansOnRealisticData(t *testing.T) {
	t.Parallel()
	// The owner bulk-loads the fixture (benchdata needs it); the queries
	// run as the service's role.
	db := testdb.New(t)
	owner := testdb.MustPool(t, db.OwnerURL)
	ctx := context.Background()
	open := func(dsn string, options ...func(*pgxpool.Config)) *pgxpool.Pool {
		t.Helper()
		p, err := store.Open(ctx, dsn, 0, options...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
	// The plans are checked as the service gets them (connections opened
	// by store.Open, random_page_cost 1.1) and as it would on a database
	// that keeps PostgreSQL's default cost of 4 (docs/operations.md).
	pool := open(db.URL)
	costs := []struct {
		name string
		pool *pgxpool.Pool
	}{{"random_page_cost " + store.RandomPageCost, pool}, {"random_page_cost 4", open(withParam(t, db.URL, "random_page_cost", "4"))}}
	now := time.Now()
	if _, err := benchdata.Seed(ctx, owner, benchdata.Options{Referrals: 30_000, CaseManagers: 60, Now: now}); err != nil {
		t.Fatal(err)
	}
	log := &statementLog{}
	traced := open(db.URL, func(c *pgxpool.Config) { c.ConnConfig.Tracer = log })
	st := store.New(traced)

	// Real values to search for and page from.
	var email, registration, namePrefix, surname string
	var referralID, coachID int64
	var reference string
	if err := pool.QueryRow(ctx, `SELECT trainee_email, registration_number, left(trainee_name, 3),
		split_part(trainee_name, ' ', array_length(string_to_array(trainee_name, ' '), 1)) FROM referrals
		WHERE registration_body = 'gmc' ORDER BY id LIMIT 1 OFFSET 1000`).Scan(&email, &registration, &namePrefix, &surname); err != nil {
		t.Fatal(err)
	}
	// The referral with the most to show: a coach, a ledger, a Form C.
	if err := pool.QueryRow(ctx, `SELECT id, reference FROM referrals WHERE route = 'case_manager' AND coach_id IS NOT NULL
		AND EXISTS (SELECT 1 FROM allowance_events a WHERE a.referral_id = referrals.id) ORDER BY id DESC LIMIT 1`).Scan(&referralID, &reference); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT coach_id FROM appointments GROUP BY coach_id ORDER BY count(*) DESC LIMIT 1`).Scan(&coachID); err != nil {
		t.Fatal(err)
	}
	// A cursor nine tenths of the way through every referral, by deadline
	// and by received.
	deep := func(sort string) *store.QueueCursor {
		q := store.QueueQuery{Status: store.QueueAll, Sort: sort, Limit: 200, Now: now}
		for range 135 {
			p, err := st.Queue(ctx, q)
			if err != nil || p.Next == nil {
				t.Fatalf("paging to the deep page (%s): %v", sort, err)
			}
			q.After = p.Next
		}
		log.take()
		return q.After
	}
	deepDeadline, deepReceived := deep(store.SortDeadline), deep(store.SortReceived)

	// The reports' default period (the last full quarter) and the current
	// quarter, as the page computes them. Longer periods are left out on
	// purpose: a year is a fifth of this dataset, and for that share of a
	// table reading it whole is the right plan.
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	quarter := reports.LastQuarter(now.In(london))
	quarterFrom, quarterTo := quarter.Bounds(london)
	thisFrom, thisTo := reports.ThisQuarter(now.In(london)).Bounds(london)

	queue := func(q store.QueueQuery) func() error {
		return func() error {
			q.Now = now
			sql, args := store.QueueSQL(q)
			log.mu.Lock()
			log.stmts = append(log.stmts, loggedStatement{SQL: sql, Args: args})
			log.mu.Unlock()
			return nil
		}
	}
	cases := []struct {
		name string
		run  func() error
	}{
		{"queue: first page", queue(store.QueueQuery{})},
		{"queue: deep page of every referral by deadline", queue(store.QueueQuery{Status: store.QueueAll, After: deepDeadline})},
		{"queue: deep page of every referral, newest first", queue(store.QueueQuery{Status: store.QueueAll, Sort: store.SortReceived, After: deepReceived})},
		{"queue: name search with status and region", queue(store.QueueQuery{Status: "closed", Region: "london", Search: namePrefix})},
		{"queue: name search", queue(store.QueueQuery{Status: store.QueueAll, Search: namePrefix})},
		{"queue: email search", queue(store.QueueQuery{Status: store.QueueAll, Search: strings.ToUpper(email)})},
		{"queue: registration number search", queue(store.QueueQuery{Status: store.QueueAll, Search: registration})},
		// Issue 14: the default list, the other lists, and searching
		// anywhere in a name, reference, address or number.
		{"queue: waiting for the trainee", queue(store.QueueQuery{Status: store.QueueWaiting})},
		{"queue: allocated or active", queue(store.QueueQuery{Status: store.QueueUnderway})},
		{"queue: the trainee answered", queue(store.QueueQuery{Status: store.QueueAnswered})},
		{"queue: waiting long for the trainee", queue(store.QueueQuery{Status: store.QueueChase})},
		{"queue: lost sessions to decide on", queue(store.QueueQuery{Status: store.QueueForfeits})},
		{"queue: sessions not confirmed", queue(store.QueueQuery{Status: store.QueueUnconfirmed})},
		{"queue: overdue or due soon", queue(store.QueueQuery{Deadline: store.DeadlineDue})},
		{"queue: surname search", queue(store.QueueQuery{Status: store.QueueAll, Search: surname})},
		{"queue: surname search in the default list", queue(store.QueueQuery{Search: surname})},
		{"queue: part of an email address", queue(store.QueueQuery{Status: store.QueueAll, Search: email[:strings.Index(email, "@")+2]})},
		{"queue: part of a reference", queue(store.QueueQuery{Status: store.QueueAll, Search: reference[3:9]})},
		{"queue: part of a registration number", queue(store.QueueQuery{Status: store.QueueAll, Search: registration[1:]})},
		{"queue: next referral after one", func() error {
			_, err := st.QueueNext(ctx, store.QueueQuery{Now: now}, referralID)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}},
		{"queue: CSV export of the default list", func() error {
			_, _, err := st.QueueExport(ctx, store.QueueQuery{Now: now})
			return err
		}},
		{"coordinator's home: CoordinatorToDo", func() error { _, err := st.CoordinatorToDo(ctx, now); return err }},
		{"lead's home: LeadRequests", func() error { _, err := st.LeadRequests(ctx); return err }},
		{"referral page: ReferralPageByReference, with the coaches", func() error { _, err := st.ReferralPageByReference(ctx, reference, true); return err }},
		{"referral page: ReferralPageByReference", func() error { _, err := st.ReferralPageByReference(ctx, reference, false); return err }},
		{"referral page: ReferralDetailByID", func() error { _, err := st.ReferralDetailByID(ctx, referralID); return err }},
		{"referral page: ReferralCardByReference", func() error { _, err := st.ReferralCardByReference(ctx, reference); return err }},
		{"referral page: ReferralStateByID", func() error { _, err := st.ReferralStateByID(ctx, referralID); return err }},
		{"referral page: ReferralNotifications", func() error { _, err := st.ReferralNotifications(ctx, referralID); return err }},
		{"referral page: Allowance", func() error { _, err := st.Allowance(ctx, referralID); return err }},
		{"referral page: InfoRequests", func() error { _, err := st.InfoRequests(ctx, referralID); return err }},
		{"referral page: CoachesWithLoad", func() error { _, err := st.CoachesWithLoad(ctx); return err }},
		{"referral page: ReferralAppointments", func() error { _, err := st.ReferralAppointments(ctx, referralID); return err }},
		{"coach's calendar: CoachCalendar", func() error {
			_, err := st.CoachCalendar(ctx, coachID, now.AddDate(0, 0, -7), now)
			return err
		}},
		{"metrics scrape: Operations", func() error { _, err := st.Operations(ctx, now.In(london)); return err }},
		{"metrics scrape: QueueDepth", func() error { _, err := st.QueueDepth(ctx, 200); return err }},
		{"coach's calendar: CoachWeek", func() error {
			_, _, err := st.CoachWeek(ctx, coachID, now.AddDate(0, 0, -7), now)
			return err
		}},
		{"coach's week read with the session: CoachWeekPrefetch", func() error {
			p := store.CoachWeekPrefetch(now.AddDate(0, 0, -7), now)
			log.mu.Lock()
			for _, sql := range p.SQL {
				log.stmts = append(log.stmts, loggedStatement{SQL: sql, Args: append([]any{make([]byte, 32)}, p.Args...)})
			}
			log.mu.Unlock()
			return nil
		}},
		{"coach's weekly patterns: CoachPatterns", func() error {
			_, err := st.CoachPatterns(ctx, coachID, now, now.Truncate(24*time.Hour))
			return err
		}},
		{"coach's calendar feed: CalendarFeed", func() error {
			_, _, err := st.CalendarFeed(ctx, make([]byte, 32), now.AddDate(0, 0, -90))
			return err
		}},
		{"booking page: BookingStateByID", func() error { _, err := st.BookingStateByID(ctx, referralID); return err }},
		{"booking page: FreeSlots", func() error { _, err := st.FreeSlots(ctx, coachID, now, now.Add(8*7*24*time.Hour)); return err }},
		{"coach's home: CoachAgenda", func() error {
			_, err := st.CoachAgenda(ctx, coachID, now, now.Add(-12*time.Hour), now.AddDate(0, 0, 7))
			return err
		}},
		{"coach's home: CoachClients", func() error { _, err := st.CoachClients(ctx, coachID, now); return err }},
		{"coach's home: CoachJoiningOf", func() error { _, err := st.CoachJoiningOf(ctx, coachID); return err }},
		{"reminders: DueAppointmentReminders", func() error {
			_, err := st.DueAppointmentReminders(ctx, now, []time.Duration{48 * time.Hour, 2 * time.Hour}, 200)
			return err
		}},
		{"attendance requests: DueAttendanceAsks", func() error { _, err := st.DueAttendanceAsks(ctx, now, 500); return err }},
		{"trainee's page: ReferralCardsAndRegistrations", func() error {
			_, _, err := st.ReferralCardsAndRegistrations(ctx, email)
			return err
		}},
		{"trainee's page read with the session: YourPagePrefetch", func() error {
			log.mu.Lock()
			for _, sql := range store.YourPagePrefetch().SQL {
				log.stmts = append(log.stmts, loggedStatement{SQL: sql, Args: []any{make([]byte, 32)}})
			}
			log.mu.Unlock()
			return nil
		}},
		{"trainee's page: EmailsSentTo", func() error { _, err := st.EmailsSentTo(ctx, referralID, email); return err }},
		{"trainee's page: SubmittedSummaries", func() error { _, err := st.SubmittedSummaries(ctx, referralID); return err }},
		{"jobs: DueSummaryReminders", func() error { _, err := st.DueSummaryReminders(ctx, time.Now(), 200); return err }},
		{"jobs: LeadRequestsWaiting", func() error { _, err := st.LeadRequestsWaiting(ctx); return err }},
		{"trainee's data: SubjectCountsFor", func() error { _, err := st.SubjectCountsFor(ctx, email); return err }},
		{"trainee's data: SubjectData", func() error { _, err := st.SubjectData(ctx, email, time.Now()); return err }},
		{"reports: ReportReceived, last quarter", func() error { _, err := st.ReportReceived(ctx, quarterFrom, quarterTo); return err }},
		{"reports: ReportReceived, this quarter", func() error { _, err := st.ReportReceived(ctx, thisFrom, thisTo); return err }},
		{"reports: ReportResponses", func() error {
			_, err := st.ReportResponses(ctx, quarterFrom, quarterTo, 14, now)
			return err
		}},
		{"reports: ReportResponses, this quarter", func() error {
			_, err := st.ReportResponses(ctx, thisFrom, thisTo, 14, now)
			return err
		}},
		{"reports: ReportWaits", func() error { _, err := st.ReportWaits(ctx, quarterFrom, quarterTo); return err }},
		{"reports: ReportWaits, this quarter", func() error { _, err := st.ReportWaits(ctx, thisFrom, thisTo); return err }},
		{"reports: ReportSessions", func() error { _, err := st.ReportSessions(ctx, quarterFrom, quarterTo); return err }},
		{"reports: ReportSessions, this quarter", func() error { _, err := st.ReportSessions(ctx, thisFrom, thisTo); return err }},
		{"reports: ReportOutcomes", func() error { _, err := st.ReportOutcomes(ctx, quarterFrom, quarterTo); return err }},
		{"reports: ReportOutcomes, this quarter", func() error { _, err := st.ReportOutcomes(ctx, thisFrom, thisTo); return err }},
	}
	for _, c := range cases {
		log.take()
		if err := c.run(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		stmts := log.take()
		if len(stmts) == 0 {
			t.Fatalf("%s ran no statement", c.name)
		}
		for _, s := range stmts {
			if sql := strings.ToLower(strings.TrimSpace(s.SQL)); strings.HasPrefix(sql, "begin") || sql == "commit" || sql == "rollback" {
				continue // transaction control has no plan
			}
			for _, cost := range costs {
				for _, generic := range []bool{false, true} {
					node, text := explain(t, cost.pool, s, generic)
					if scans := seqScans(node); len(scans) > 0 {
						mode := "with its values"
						if generic {
							mode = "as a generic (cached) plan"
						}
						t.Errorf("%s: planned %s (%s), it reads %s whole:\n%s\n%s", c.name, mode, cost.name, strings.Join(scans, ", "), s.SQL, text)
					}
				}
			}
		}
	}
}
