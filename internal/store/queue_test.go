package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"careers/internal/store"
	"careers/internal/testdb"
	"careers/internal/triage"
)

var queueTZ = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}()

// queueNow is the moment the queue tests judge deadlines at: noon in
// February, well clear of the clock changes.
var queueNow = time.Date(2026, 2, 20, 12, 0, 0, 0, queueTZ)

// queueDaysAgo is noon in London, n calendar days before queueNow.
func queueDaysAgo(n int) time.Time { return time.Date(2026, 2, 20-n, 12, 0, 0, 0, queueTZ) }

// queueReferral is a referral row for the queue tests; zero values take a
// default and zero times are NULL.
type queueReferral struct {
	Ref, Route, Status, Name, Email, ReferrerEmail, Region, Registration, Eligibility, Override string
	Coach                                                                                       int64
	Submitted, Confirmed, Responded                                                             time.Time
}

func queueNullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func mustQueueReferral(tb testing.TB, pool *pgxpool.Pool, r queueReferral) int64 {
	tb.Helper()
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&r.Route, "self")
	def(&r.Status, "new")
	def(&r.Name, "Test Trainee")
	def(&r.Email, strings.ToLower(strings.ReplaceAll(r.Ref, " ", ""))+"@example.org")
	def(&r.Region, "london")
	def(&r.Eligibility, "eligible")
	if r.Submitted.IsZero() {
		r.Submitted = queueDaysAgo(1)
	}
	var id int64
	err := pool.QueryRow(context.Background(), `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email,
			referrer_email, region, registration_number, eligibility, eligibility_override, coach_id, submitted_at, confirmed_at, first_response_at)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8, $9, nullif($10, ''), nullif($11, 0), $12, $13, $14) RETURNING id`,
		r.Ref, r.Route, r.Status, r.Name, r.Email, r.ReferrerEmail, r.Region, r.Registration, r.Eligibility, r.Override,
		r.Coach, r.Submitted, queueNullTime(r.Confirmed), queueNullTime(r.Responded)).Scan(&id)
	if err != nil {
		tb.Fatalf("insert %s: %v", r.Ref, err)
	}
	return id
}

func mustQueueCoach(tb testing.TB, pool *pgxpool.Pool, name string, active bool) int64 {
	tb.Helper()
	var id int64
	err := pool.QueryRow(context.Background(), `INSERT INTO staff_users (email, name, roles, active)
		VALUES ($1, $2, '{coach}', $3) RETURNING id`, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@example.nhs.uk", name, active).Scan(&id)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// queueRefs runs q and returns the references on the first page, in order.
func queueRefs(tb testing.TB, st *store.Store, q store.QueueQuery) []string {
	tb.Helper()
	if q.Now.IsZero() {
		q.Now = queueNow
	}
	p, err := st.Queue(context.Background(), q)
	if err != nil {
		tb.Fatalf("queue %+v: %v", q, err)
	}
	refs := make([]string, len(p.Rows))
	for i, r := range p.Rows {
		refs[i] = r.Reference
	}
	return refs
}

func queueSameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestQueueFilters(t *testing.T) {
	t.Parallel()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	ann := mustQueueCoach(t, pool, "Ann Coach", true)
	bob := mustQueueCoach(t, pool, "Bob Coach", true)
	for _, r := range []queueReferral{
		{Ref: "A-NEW", Status: "new", Region: "london", Eligibility: "eligible"},
		{Ref: "A-WAIT", Route: "supervisor", Status: "awaiting_trainee", Region: "kss", Eligibility: "needs_review"},
		{Ref: "A-INFO", Route: "case_manager", Status: "info_requested", Region: "elsewhere", Eligibility: "not_eligible",
			Confirmed: queueDaysAgo(1), Responded: queueDaysAgo(0)},
		{Ref: "A-ALLOC", Status: "allocated", Coach: ann, Eligibility: "not_eligible", Override: "eligible", Responded: queueDaysAgo(0)},
		{Ref: "A-ACTIVE", Route: "supervisor", Status: "active", Coach: bob, Region: "kss", Confirmed: queueDaysAgo(1), Responded: queueDaysAgo(0)},
		{Ref: "A-CLOSED", Status: "closed", Eligibility: "eligible", Override: "not_eligible", Responded: queueDaysAgo(0)},
		{Ref: "A-WITHDRAWN", Status: "withdrawn", Region: "elsewhere"},
		{Ref: "A-OVERDUE", Status: "new", Submitted: queueDaysAgo(15)},
		{Ref: "A-SOON", Status: "new", Submitted: queueDaysAgo(11)},
	} {
		mustQueueReferral(t, pool, r)
	}
	open := []string{"A-NEW", "A-WAIT", "A-INFO", "A-ALLOC", "A-ACTIVE", "A-OVERDUE", "A-SOON"}
	all := append(slices.Clone(open), "A-CLOSED", "A-WITHDRAWN")
	needs := []string{"A-NEW", "A-OVERDUE", "A-SOON"}
	o := store.QueueOpen
	for _, c := range []struct {
		name string
		q    store.QueueQuery
		want []string
	}{
		{"default: the ones that need a coordinator", store.QueueQuery{}, needs},
		{"needs a coordinator", store.QueueQuery{Status: store.QueueNeeds}, needs},
		{"waiting for the trainee", store.QueueQuery{Status: store.QueueWaiting}, []string{"A-WAIT", "A-INFO"}},
		{"allocated or active", store.QueueQuery{Status: store.QueueUnderway}, []string{"A-ALLOC", "A-ACTIVE"}},
		{"open", store.QueueQuery{Status: store.QueueOpen}, open},
		{"all", store.QueueQuery{Status: store.QueueAll}, all},
		{"unknown status is the default", store.QueueQuery{Status: "nonsense"}, needs},
		{"status new", store.QueueQuery{Status: "new"}, []string{"A-NEW", "A-OVERDUE", "A-SOON"}},
		{"status closed", store.QueueQuery{Status: "closed"}, []string{"A-CLOSED"}},
		{"status withdrawn", store.QueueQuery{Status: "withdrawn"}, []string{"A-WITHDRAWN"}},
		{"route supervisor", store.QueueQuery{Status: o, Route: "supervisor"}, []string{"A-WAIT", "A-ACTIVE"}},
		{"route case manager", store.QueueQuery{Status: o, Route: "case_manager"}, []string{"A-INFO"}},
		{"region kss", store.QueueQuery{Status: o, Region: "kss"}, []string{"A-WAIT", "A-ACTIVE"}},
		{"region elsewhere, any status", store.QueueQuery{Status: store.QueueAll, Region: "elsewhere"}, []string{"A-INFO", "A-WITHDRAWN"}},
		{"eligible: the override wins", store.QueueQuery{Status: store.QueueAll, Eligibility: "eligible"},
			[]string{"A-NEW", "A-ALLOC", "A-ACTIVE", "A-WITHDRAWN", "A-OVERDUE", "A-SOON"}},
		{"not eligible: the override wins", store.QueueQuery{Status: store.QueueAll, Eligibility: "not_eligible"}, []string{"A-INFO", "A-CLOSED"}},
		{"needs review", store.QueueQuery{Status: o, Eligibility: "needs_review"}, []string{"A-WAIT"}},
		{"coach", store.QueueQuery{Status: o, CoachID: ann}, []string{"A-ALLOC"}},
		{"unallocated", store.QueueQuery{Status: o, CoachID: store.CoachUnallocated},
			[]string{"A-NEW", "A-WAIT", "A-INFO", "A-OVERDUE", "A-SOON"}},
		{"overdue", store.QueueQuery{Status: o, Deadline: store.DeadlineOverdue}, []string{"A-OVERDUE"}},
		{"due soon", store.QueueQuery{Status: o, Deadline: store.DeadlineSoon}, []string{"A-SOON"}},
		{"no clock: waiting for the trainee", store.QueueQuery{Status: o, Deadline: store.DeadlineWaiting}, []string{"A-WAIT"}},
		{"due: overdue or soon", store.QueueQuery{Deadline: store.DeadlineDue}, []string{"A-OVERDUE", "A-SOON"}},
		{"responded", store.QueueQuery{Status: o, Deadline: store.DeadlineResponded}, []string{"A-INFO", "A-ALLOC", "A-ACTIVE"}},
		{"filters combine", store.QueueQuery{Status: o, Route: "supervisor", Region: "kss", CoachID: bob}, []string{"A-ACTIVE"}},
		{"filters combine to nothing", store.QueueQuery{Status: o, Route: "self", Region: "kss"}, nil},
	} {
		if got := queueRefs(t, st, c.q); !queueSameSet(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}

	// Coach names are joined in; an unallocated row has none.
	p, err := st.Queue(context.Background(), store.QueueQuery{Status: store.QueueAll, Now: queueNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rows {
		switch r.Reference {
		case "A-ALLOC":
			if r.CoachID != ann || r.CoachName != "Ann Coach" || r.Eligibility != "eligible" {
				t.Errorf("A-ALLOC row: %+v", r)
			}
		case "A-NEW":
			if r.CoachID != 0 || r.CoachName != "" {
				t.Errorf("A-NEW has a coach: %+v", r)
			}
		}
	}

	// The coach list for the filter: active coaches, by name.
	mustQueueCoach(t, pool, "Zed Gone", false)
	coaches, err := st.QueueCoaches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(coaches) != 2 || coaches[0].Name != "Ann Coach" || coaches[1].ID != bob {
		t.Errorf("coaches: %+v", coaches)
	}
}

// The deadline filters agree with triage.ResponseDeadline at the edges:
// 4 days left is on track, 3 is soon, the due day itself is soon, the day
// after is overdue.
func TestQueueDeadlineFiltersMatchTheRule(t *testing.T) {
	t.Parallel()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	for _, r := range []queueReferral{
		{Ref: "LEFT-4", Submitted: queueDaysAgo(10)},
		{Ref: "LEFT-3", Submitted: queueDaysAgo(11)},
		{Ref: "LEFT-3-LATE", Submitted: time.Date(2026, 2, 9, 23, 59, 0, 0, queueTZ)},
		{Ref: "LEFT-0", Submitted: queueDaysAgo(14)},
		{Ref: "LEFT-0-EARLY", Submitted: time.Date(2026, 2, 6, 0, 0, 0, 0, queueTZ)},
		{Ref: "LEFT-MINUS-1", Submitted: time.Date(2026, 2, 5, 23, 59, 59, 0, queueTZ)},
		{Ref: "CONFIRMED-LATE", Route: "supervisor", Submitted: queueDaysAgo(30), Confirmed: queueDaysAgo(12)},
		{Ref: "RESPONDED-LATE", Submitted: queueDaysAgo(20), Responded: queueDaysAgo(2)},
		{Ref: "WAITING", Route: "case_manager", Status: "awaiting_trainee", Submitted: queueDaysAgo(40)},
	} {
		mustQueueReferral(t, pool, r)
	}
	flags := map[string]triage.Flag{
		store.DeadlineOverdue: triage.FlagOverdue, store.DeadlineSoon: triage.FlagSoon,
		store.DeadlineWaiting: triage.FlagWaiting, store.DeadlineResponded: triage.FlagMet,
	}
	wants := map[string][]string{
		store.DeadlineOverdue:   {"LEFT-MINUS-1"},
		store.DeadlineSoon:      {"LEFT-3", "LEFT-3-LATE", "LEFT-0", "LEFT-0-EARLY", "CONFIRMED-LATE"},
		store.DeadlineWaiting:   {"WAITING"},
		store.DeadlineResponded: {"RESPONDED-LATE"},
	}
	for state, flag := range flags {
		p, err := st.Queue(context.Background(), store.QueueQuery{Status: store.QueueOpen, Deadline: state, Now: queueNow})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range p.Rows {
			got = append(got, r.Reference)
			if f := triage.ResponseDeadline(r.ClockStart, r.FirstResponseAt, queueNow).Flag; f != flag {
				t.Errorf("%s is in the %s filter but the rule says %s", r.Reference, state, f)
			}
		}
		if !queueSameSet(got, wants[state]) {
			t.Errorf("%s: got %v, want %v", state, got, wants[state])
		}
	}
	// And the rule agrees with the names.
	p, err := st.Queue(context.Background(), store.QueueQuery{Status: store.QueueOpen, Now: queueNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rows {
		d := triage.ResponseDeadline(r.ClockStart, r.FirstResponseAt, queueNow)
		want := map[string]int{"LEFT-4": 4, "LEFT-3": 3, "LEFT-3-LATE": 3, "LEFT-0": 0, "LEFT-0-EARLY": 0, "LEFT-MINUS-1": -1, "CONFIRMED-LATE": 2}
		if n, ok := want[r.Reference]; ok && d.DaysLeft != n {
			t.Errorf("%s: %d days left, want %d", r.Reference, d.DaysLeft, n)
		}
	}
}

func TestQueueSearch(t *testing.T) {
	t.Parallel()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	for _, r := range []queueReferral{
		{Ref: "CR-7K4M-2Q9X", Name: "Priya Shah", Email: "priya@example.org"},
		{Ref: "CR-AAAA-BBBB", Name: "alexandra Jones", Email: "ajones@example.org", Registration: "12A3456B"},
		{Ref: "CR-CCCC-DDDD", Name: "Alex Smith", Email: "alex@example.org", Registration: "1234567", Status: "closed"},
		{Ref: "CR-EEEE-FFFF", Name: "Sam Alexander", Email: "sam@example.org", ReferrerEmail: "boss@example.nhs.uk", Route: "supervisor",
			Confirmed: queueDaysAgo(1)},
		{Ref: "CR-GGGG-HHHH", Name: "Al_ex O'Neil", Email: "oneil@example.org"},
		{Ref: "CR-JJJJ-KKKK", Name: "Ålex Ørsted", Email: "orsted@example.org"},
	} {
		mustQueueReferral(t, pool, r)
	}
	for _, c := range []struct {
		text string
		kind string
		want []string
	}{
		{"cr 7k4m 2q9x", store.SearchReference, []string{"CR-7K4M-2Q9X"}},
		{"CR7K4M2Q9X", store.SearchReference, []string{"CR-7K4M-2Q9X"}},
		{" cr-7k4m-2q9x ", store.SearchReference, []string{"CR-7K4M-2Q9X"}},
		{"CR-7K4M-2Q9Y", store.SearchReference, nil},
		// Anywhere in the name: a surname too (issue 14).
		{"ALEX", store.SearchName, []string{"CR-AAAA-BBBB", "CR-CCCC-DDDD", "CR-EEEE-FFFF"}},
		{"Shah", store.SearchName, []string{"CR-7K4M-2Q9X"}},
		{"priya sh", store.SearchName, []string{"CR-7K4M-2Q9X"}},
		{"jones", store.SearchName, []string{"CR-AAAA-BBBB"}}, // a surname
		// Fewer than three characters: the start of the name.
		{"Al", store.SearchName, []string{"CR-AAAA-BBBB", "CR-CCCC-DDDD", "CR-GGGG-HHHH"}},
		{"alex s", store.SearchName, []string{"CR-CCCC-DDDD"}},
		{"  Alex   Smith ", store.SearchName, []string{"CR-CCCC-DDDD"}},
		{"Alexander", store.SearchName, []string{"CR-EEEE-FFFF"}},
		{"al_", store.SearchName, []string{"CR-GGGG-HHHH"}},
		{"al%", store.SearchName, nil},
		{"ålex", store.SearchName, []string{"CR-JJJJ-KKKK"}},
		{"Priya@Example.org", store.SearchEmail, []string{"CR-7K4M-2Q9X"}},
		{"boss@example.nhs.uk", store.SearchEmail, []string{"CR-EEEE-FFFF"}},
		{"priya@example", store.SearchEmail, []string{"CR-7K4M-2Q9X"}}, // part of an address
		{"@example.nhs", store.SearchEmail, []string{"CR-EEEE-FFFF"}},
		// Part of a reference, with or without its hyphen.
		{"7k4m", store.SearchRegistration, []string{"CR-7K4M-2Q9X"}},
		{"K4M-2Q", store.SearchRegistration, []string{"CR-7K4M-2Q9X"}},
		{"k4m2q", store.SearchRegistration, []string{"CR-7K4M-2Q9X"}},
		{"12a 3456b", store.SearchRegistration, []string{"CR-AAAA-BBBB"}},
		{"1234567", store.SearchRegistration, []string{"CR-CCCC-DDDD"}},
		{"123456", store.SearchRegistration, []string{"CR-CCCC-DDDD"}}, // part of a number
		{"3456b", store.SearchRegistration, []string{"CR-AAAA-BBBB"}},
		{"9999", store.SearchRegistration, nil},
	} {
		if k := store.ParseQueueSearch(c.text).Kind; k != c.kind {
			t.Errorf("%q is a %s search, want %s", c.text, k, c.kind)
		}
		if got := queueRefs(t, st, store.QueueQuery{Status: store.QueueAll, Search: c.text}); !queueSameSet(got, c.want) {
			t.Errorf("search %q: got %v, want %v", c.text, got, c.want)
		}
	}
	// Search and filters combine.
	if got := queueRefs(t, st, store.QueueQuery{Status: store.QueueOpen, Search: "alex"}); !queueSameSet(got, []string{"CR-AAAA-BBBB", "CR-EEEE-FFFF"}) {
		t.Errorf("open referrals named alex: %v", got)
	}
}

// walk pages through the whole queue forwards, then back again from the
// last page, and returns the ids in each direction.
func queueWalk(tb testing.TB, st *store.Store, q store.QueueQuery) (forwards, backwards [][]int64) {
	tb.Helper()
	ctx := context.Background()
	q.Now, q.Limit = queueNow, 50
	var last store.QueuePage
	for i := 0; ; i++ {
		p, err := st.Queue(ctx, q)
		if err != nil {
			tb.Fatal(err)
		}
		if (i == 0) != (p.Prev == nil) {
			tb.Fatalf("page %d: Prev = %v", i, p.Prev)
		}
		forwards = append(forwards, queueIDs(p))
		last = p
		if p.Next == nil {
			break
		}
		if i > 100 {
			tb.Fatal("paging does not end")
		}
		q.After, q.Before = p.Next, nil
	}
	backwards = append(backwards, queueIDs(last))
	p := last
	for p.Prev != nil {
		q.After, q.Before = nil, p.Prev
		var err error
		if p, err = st.Queue(ctx, q); err != nil {
			tb.Fatal(err)
		}
		if p.Next == nil {
			tb.Fatal("a page reached backwards has no Next")
		}
		backwards = append(backwards, queueIDs(p))
		if len(backwards) > 100 {
			tb.Fatal("paging back does not end")
		}
	}
	slices.Reverse(backwards)
	return forwards, backwards
}

func queueIDs(p store.QueuePage) []int64 {
	out := make([]int64, len(p.Rows))
	for i, r := range p.Rows {
		out[i] = r.ID
	}
	return out
}

// Pages stay stable when many rows share a sort key: every row is visited
// exactly once, in both sorts, forwards and back.
func TestQueueKeysetPagination(t *testing.T) {
	t.Parallel()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	ctx := context.Background()
	same := queueDaysAgo(5)
	// 120 self-referrals received at the same instant (the same deadline),
	// 35 waiting for their trainee (no clock) received at that instant too,
	// a few either side, and closed ones that the default view leaves out.
	_, err := pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, submitted_at)
		SELECT 'SAME-' || g, 'self', 'new', 'Same ' || g, 'same' || g || '@example.org', $1 FROM generate_series(1, 120) g`, same)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, submitted_at)
		SELECT 'WAIT-' || g, 'supervisor', 'awaiting_trainee', 'Wait ' || g, 'wait' || g || '@example.org', $1 FROM generate_series(1, 35) g`, same)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, submitted_at)
		SELECT 'OLD-' || g, 'self', 'closed', 'Old ' || g, 'old' || g || '@example.org', $1 FROM generate_series(1, 40) g`, same)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range []int{9, 2, 7, 1} {
		mustQueueReferral(t, pool, queueReferral{Ref: fmt.Sprintf("OTHER-%d", i), Submitted: queueDaysAgo(d)})
	}
	const open = 120 + 35 + 4
	for _, sort := range []string{store.SortDeadline, store.SortReceived} {
		t.Run(sort, func(t *testing.T) {
			q := store.QueueQuery{Status: store.QueueOpen, Sort: sort}
			forwards, backwards := queueWalk(t, st, q)
			if len(forwards) != 4 {
				t.Errorf("%d pages of 50 for %d rows", len(forwards), open)
			}
			seen := map[int64]int{}
			var all []int64
			for _, page := range forwards {
				for _, id := range page {
					seen[id]++
					all = append(all, id)
				}
			}
			if len(seen) != open || len(all) != open {
				t.Errorf("visited %d distinct rows in %d, want %d", len(seen), len(all), open)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("row %d visited %d times", id, n)
				}
			}
			if !slices.EqualFunc(forwards, backwards, slices.Equal) {
				t.Errorf("pages differ going back:\nforwards  %v\nbackwards %v", forwards, backwards)
			}
			// The order of the whole walk is the order of one big page.
			q.Limit, q.Now = 200, queueNow
			p, err := st.Queue(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(all, queueIDs(p)) {
				t.Error("the pages together are not in the order of one query")
			}
		})
	}
}

// By deadline: earliest clock start first, whatever the route; referrals
// with no clock last; ties broken by id. By received: newest first.
func TestQueueSortOrder(t *testing.T) {
	t.Parallel()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	for _, r := range []queueReferral{
		{Ref: "SELF-5", Submitted: queueDaysAgo(5)},
		// Sent 20 days ago, but confirmed only 2 days ago: its clock is later.
		{Ref: "SUPERVISOR-CONFIRMED-2", Route: "supervisor", Submitted: queueDaysAgo(20), Confirmed: queueDaysAgo(2)},
		{Ref: "WAITING-30", Route: "case_manager", Status: "awaiting_trainee", Submitted: queueDaysAgo(30)},
		{Ref: "SELF-8", Submitted: queueDaysAgo(8), Responded: queueDaysAgo(1)},
		{Ref: "WAITING-1", Route: "supervisor", Status: "awaiting_trainee", Submitted: queueDaysAgo(1)},
		{Ref: "CM-CONFIRMED-3", Route: "case_manager", Status: "accepted", Submitted: queueDaysAgo(4), Confirmed: queueDaysAgo(3)},
	} {
		mustQueueReferral(t, pool, r)
	}
	want := []string{"SELF-8", "SELF-5", "CM-CONFIRMED-3", "SUPERVISOR-CONFIRMED-2", "WAITING-30", "WAITING-1"}
	if got := queueRefs(t, st, store.QueueQuery{Status: store.QueueOpen, Sort: store.SortDeadline}); !slices.Equal(got, want) {
		t.Errorf("by deadline: %v\nwant %v", got, want)
	}
	if got := queueRefs(t, st, store.QueueQuery{Status: store.QueueOpen}); !slices.Equal(got, want) {
		t.Errorf("the default sort is not by deadline: %v", got)
	}
	want = []string{"WAITING-1", "CM-CONFIRMED-3", "SELF-5", "SELF-8", "SUPERVISOR-CONFIRMED-2", "WAITING-30"}
	if got := queueRefs(t, st, store.QueueQuery{Status: store.QueueOpen, Sort: store.SortReceived}); !slices.Equal(got, want) {
		t.Errorf("by received: %v\nwant %v", got, want)
	}
}

func TestQueueCursorRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 2, 20, 12, 34, 56, 123456000, time.UTC)
	for _, c := range []store.QueueCursor{{Key: at, ID: 42}, {ID: 7}} {
		got, ok := store.ParseQueueCursor(c.String())
		if !ok || !got.Key.Equal(c.Key) || got.ID != c.ID {
			t.Errorf("%v came back as %v (%v)", c, got, ok)
		}
	}
	for _, bad := range []string{"", "x", "1.x", "x.1", "1.0", "1.-5", "none"} {
		if _, ok := store.ParseQueueCursor(bad); ok {
			t.Errorf("%q parsed as a cursor", bad)
		}
	}
}

// With many referrals, mostly closed, the queue's default view and the
// received sort read indexes, never the whole table.
func TestQueuePlansUseIndexes(t *testing.T) {
	t.Parallel()
	// The service's role reads; the owner loads the fixture and analyses
	// it (VACUUM is the owner's).
	pool, owner := testdb.NewPools(t)
	st := store.New(pool)
	ctx := context.Background()
	coach := mustQueueCoach(t, pool, "Ann Coach", true)
	_, err := owner.Exec(ctx, `INSERT INTO referrals (reference, route, status, trainee_name, trainee_email, submitted_at,
			confirmed_at, first_response_at, coach_id, region, registration_number)
		SELECT 'P-' || g, (ARRAY['self','supervisor','case_manager'])[1 + g % 3], s,
			'Trainee ' || md5(g::text), 't' || g || '@example.org', $1::timestamptz - g * interval '7 minutes',
			CASE WHEN g % 3 <> 0 AND s <> 'awaiting_trainee' THEN $1::timestamptz - g * interval '7 minutes' + interval '1 day' END,
			CASE WHEN s NOT IN ('new', 'awaiting_trainee') THEN $1::timestamptz - g * interval '7 minutes' + interval '3 days' END,
			CASE WHEN s IN ('allocated', 'active', 'closed') THEN $2::bigint END,
			(ARRAY['london','kss','elsewhere'])[1 + g % 3], lpad(g::text, 7, '0')
		FROM (SELECT g, CASE WHEN g <= 2000 THEN (ARRAY['awaiting_trainee','new','info_requested','accepted','allocated','active'])[1 + g % 6]
			ELSE (ARRAY['closed','withdrawn'])[1 + g % 2] END AS s FROM generate_series(1, 30000) g) x`, queueNow, coach)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `VACUUM ANALYZE referrals`); err != nil {
		t.Fatal(err)
	}
	// A cursor in the middle of the open referrals, for each sort.
	mid := func(status, sort string) *store.QueueCursor {
		p, err := st.Queue(ctx, store.QueueQuery{Status: status, Sort: sort, Limit: 200, Now: queueNow})
		if err != nil || p.Next == nil {
			t.Fatalf("first page: %v", err)
		}
		return p.Next
	}
	open := store.QueueOpen
	dl, rc := mid(open, store.SortDeadline), mid(open, store.SortReceived)
	ndl, nrc := mid(store.QueueNeeds, store.SortDeadline), mid(store.QueueNeeds, store.SortReceived)
	// ordered: the page is read off an index in order (no sort), as the
	// budget asks of the default view and the received sort. The rest may
	// sort the few rows an index found, but never scan the table.
	for _, c := range []struct {
		name    string
		q       store.QueueQuery
		ordered bool
	}{
		{"default: needs a coordinator", store.QueueQuery{}, true},
		{"default, newest first", store.QueueQuery{Sort: store.SortReceived}, true},
		// The list that needs a coordinator holds the unit's current work
		// (new and accepted referrals, a few hundred at most, whatever the
		// years of history), so PostgreSQL may sort the rows its partial
		// index finds for a later page; never more.
		{"default, next page", store.QueueQuery{After: ndl}, false},
		{"default, previous page", store.QueueQuery{Before: ndl}, false},
		{"default newest first, next page", store.QueueQuery{Sort: store.SortReceived, After: nrc}, false},
		{"default newest first, previous page", store.QueueQuery{Sort: store.SortReceived, Before: nrc}, false},
		{"waiting for the trainee", store.QueueQuery{Status: store.QueueWaiting}, true},
		{"allocated or active", store.QueueQuery{Status: store.QueueUnderway}, true},
		{"the trainee answered", store.QueueQuery{Status: store.QueueAnswered}, false},
		{"waiting long", store.QueueQuery{Status: store.QueueChase}, false},
		{"lost sessions", store.QueueQuery{Status: store.QueueForfeits}, false},
		{"sessions not confirmed", store.QueueQuery{Status: store.QueueUnconfirmed}, false},
		{"overdue or due soon", store.QueueQuery{Deadline: store.DeadlineDue}, false},
		{"search anywhere in the name", store.QueueQuery{Search: "d3b07", Status: store.QueueAll}, false},
		{"search anywhere, in the default list", store.QueueQuery{Search: "d3b07"}, false},
		{"search for part of an email address", store.QueueQuery{Search: "t77@example", Status: store.QueueAll}, false},
		{"search for part of a reference", store.QueueQuery{Search: "P-2999", Status: store.QueueAll}, false},
		// Open referrals (the default before issue 14) grow with the
		// unit: read in order off the index, every page.
		{"open", store.QueueQuery{Status: open}, true},
		{"open, next page", store.QueueQuery{Status: open, After: dl}, true},
		{"open, previous page", store.QueueQuery{Status: open, Before: dl}, true},
		{"received", store.QueueQuery{Status: open, Sort: store.SortReceived}, true},
		{"received, next page", store.QueueQuery{Status: open, Sort: store.SortReceived, After: rc}, true},
		{"received, previous page", store.QueueQuery{Status: open, Sort: store.SortReceived, Before: rc}, true},
		{"one status by deadline", store.QueueQuery{Status: "new"}, true},
		{"one status by received", store.QueueQuery{Status: "new", Sort: store.SortReceived}, true},
		{"any status by deadline", store.QueueQuery{Status: store.QueueAll}, true},
		{"any status by received", store.QueueQuery{Status: store.QueueAll, Sort: store.SortReceived}, true},
		{"overdue", store.QueueQuery{Deadline: store.DeadlineOverdue}, false},
		{"overdue, open", store.QueueQuery{Status: open, Deadline: store.DeadlineOverdue}, false},
		{"filters", store.QueueQuery{Status: open, Route: "self", Region: "london", Eligibility: "needs_review", CoachID: store.CoachUnallocated}, false},
		{"a coach's referrals", store.QueueQuery{CoachID: coach, Status: store.QueueAll}, false},
		{"search by name", store.QueueQuery{Search: "trainee a", Status: store.QueueAll}, false},
		{"search by email", store.QueueQuery{Search: "T77@example.org", Status: store.QueueAll}, false},
		{"search by registration", store.QueueQuery{Search: "0000077", Status: store.QueueAll}, false},
		{"search by reference", store.QueueQuery{Search: "CR-7K4M-2Q9X", Status: store.QueueAll}, false},
		{"search and filter", store.QueueQuery{Search: "trainee b", Route: "supervisor"}, false},
		{"search and filter, open", store.QueueQuery{Status: open, Search: "trainee b", Route: "supervisor"}, false},
	} {
		name, q := c.name, c.q
		q.Now = queueNow
		sql, args := store.QueueSQL(q)
		rows, err := pool.Query(ctx, "EXPLAIN "+sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "\n")
		if strings.Contains(text, "Seq Scan on referrals") || (c.ordered && strings.Contains(text, "Sort")) {
			t.Errorf("%s: the plan reads the whole table or sorts:\n%s\n%s", name, sql, text)
		}
	}
}
