package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"careers/internal/referral"
	"careers/internal/triage"
)

// The coordinators' queue: every referral, filtered, searched and sorted,
// one page at a time with keyset pagination (no OFFSET), so a page costs
// the same on the first page as on the thousandth. The sort keys match the
// indexes of migrations 00007 and 00008.

// Queue status selections besides a single status: the queue's lists.
const (
	QueueOpen = "open" // every status but closed and withdrawn
	QueueAll  = "all"  // every status
	// QueueNeeds is the default list: referrals that need a coordinator's
	// decision (new, or accepted and waiting for a coach).
	QueueNeeds = "needs"
	// QueueWaiting: waiting for the trainee (to confirm, or to answer).
	QueueWaiting = "waiting"
	// QueueUnderway: allocated to a coach, or with sessions begun.
	QueueUnderway = "underway"
	// QueueAnswered: new again because the trainee answered a question.
	QueueAnswered = "answered"
	// QueueChase: waiting for the trainee for more than
	// triage.ChaseAfterDays days.
	QueueChase = "chase"
	// QueueForfeits: open referrals with a lost session from the last
	// triage.WaiveWindowDays days not given back (a waive decision).
	QueueForfeits = "forfeits"
	// QueueUnconfirmed: referrals with a session held more than
	// triage.ConfirmWithinDays days ago that its coach has not confirmed.
	QueueUnconfirmed = "unconfirmed"
)

// QueueLists are the named lists besides QueueOpen and QueueAll, in the
// order the queue offers them.
var QueueLists = []string{QueueNeeds, QueueWaiting, QueueUnderway, QueueAnswered, QueueChase, QueueForfeits, QueueUnconfirmed}

// queueListWhere is each list's condition. Status sets are written as
// literals (never parameters) so the planner matches the partial indexes
// of migration 00018; the bounds come from worklistBounds.
func queueListWhere(list string, arg func(any) string, now time.Time) string {
	b := worklistBoundsAt(now)
	switch list {
	case QueueNeeds:
		return `r.status IN ('new', 'accepted')`
	case QueueWaiting:
		return `r.status IN ('awaiting_trainee', 'info_requested')`
	case QueueUnderway:
		return `r.status IN ('allocated', 'active')`
	case QueueAnswered:
		return `r.status = 'new' AND EXISTS (SELECT 1 FROM info_requests i WHERE i.referral_id = r.id AND i.answered_at IS NOT NULL)`
	case QueueChase:
		p := arg(b.chase)
		return `((r.status = 'awaiting_trainee' AND r.submitted_at < ` + p + `)
		OR (r.status = 'info_requested' AND EXISTS (SELECT 1 FROM info_requests i
			WHERE i.referral_id = r.id AND i.answered_at IS NULL AND i.asked_at < ` + p + `)))`
	case QueueForfeits:
		return queueOpenStatus + ` AND EXISTS (SELECT 1 FROM appointments a WHERE a.referral_id = r.id
			AND a.waived_at IS NULL AND (a.late OR a.status = 'not_attended') AND a.starts_at >= ` + arg(b.waiveFrom) + `)`
	case QueueUnconfirmed:
		return `EXISTS (SELECT 1 FROM appointments a WHERE a.referral_id = r.id
			AND a.status = 'attended' AND a.meeting_confirmed_at IS NULL AND a.ends_at < ` + arg(b.confirmBefore) + `)`
	}
	return ""
}

// worklistBounds are the moments the waiting lists count from.
type worklistBounds struct {
	chase         time.Time // waiting since before this: chase
	waiveFrom     time.Time // lost sessions from this on wait for a decision
	confirmBefore time.Time // sessions ended before this should be confirmed
}

func worklistBoundsAt(now time.Time) worklistBounds {
	return worklistBounds{
		chase:         now.AddDate(0, 0, -triage.ChaseAfterDays),
		waiveFrom:     now.AddDate(0, 0, -triage.WaiveWindowDays),
		confirmBefore: now.AddDate(0, 0, -triage.ConfirmWithinDays),
	}
}

// QueueStatuses are the referral states in the order the queue shows them.
var QueueStatuses = []string{"awaiting_trainee", "new", "info_requested", "accepted", "allocated", "active", "closed", "withdrawn"}

// The queue's sort orders.
const (
	// SortDeadline: earliest response deadline first; referrals whose
	// clock has not started (waiting for the trainee) last.
	SortDeadline = "deadline"
	// SortReceived: newest first.
	SortReceived = "received"
)

// The deadline states the queue filters by; they agree with the flags of
// triage.ResponseDeadline.
const (
	DeadlineOverdue   = "overdue"   // no response, the due day has passed
	DeadlineSoon      = "soon"      // no response, triage.SoonDays days or fewer left
	DeadlineWaiting   = "waiting"   // no clock yet: the trainee has not confirmed
	DeadlineResponded = "responded" // the first response has been made
	// DeadlineDue: no response, overdue or due within triage.SoonDays
	// days: the coordinator's most urgent work.
	DeadlineDue = "due"
)

// CoachUnallocated as QueueQuery.CoachID selects referrals with no coach.
const CoachUnallocated = -1

// QueueQuery selects a page of the queue. Empty fields do not filter.
type QueueQuery struct {
	// Status is a list (QueueNeeds, also when empty; one of QueueLists),
	// QueueOpen, QueueAll, or one status.
	Status      string
	Route       string
	Region      string
	Eligibility string // the coordinator's override when set, else the check
	// CoachID is a coach's id, CoachUnallocated, or 0 for any.
	CoachID  int64
	Deadline string // one of the Deadline* states
	// Search is what a coordinator typed: see ParseQueueSearch.
	Search string
	Sort   string // SortDeadline (also when empty) or SortReceived
	// After asks for the page after this row; Before for the page before
	// it. Neither: the first page.
	After, Before *QueueCursor
	Limit         int // rows a page; 50 when 0
	// Export asks for every row of the selection (up to QueueExportMost),
	// for the CSV download, instead of a page.
	Export bool
	// Now is the moment deadline states are judged at.
	Now time.Time
}

// QueueCursor is where a page starts or ends: the sort key of a row and
// its id, which breaks ties so pages stay stable when many rows share a key.
type QueueCursor struct {
	// Key is the row's clock start (deadline sort; zero when the clock has
	// not started) or when it was received (received sort).
	Key time.Time
	ID  int64
}

// String encodes the cursor for a URL: microseconds since 1970 (or "none"
// for a row with no clock) and the id.
func (c QueueCursor) String() string {
	k := "none"
	if !c.Key.IsZero() {
		k = strconv.FormatInt(c.Key.UnixMicro(), 10)
	}
	return k + "." + strconv.FormatInt(c.ID, 10)
}

// ParseQueueCursor reads a cursor written by String.
func ParseQueueCursor(s string) (QueueCursor, bool) {
	k, id, ok := strings.Cut(s, ".")
	if !ok {
		return QueueCursor{}, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return QueueCursor{}, false
	}
	c := QueueCursor{ID: n}
	if k != "none" {
		us, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return QueueCursor{}, false
		}
		c.Key = time.UnixMicro(us).UTC()
	}
	return c, true
}

// QueueRow is one referral in the queue.
type QueueRow struct {
	ID          int64
	Reference   string
	TraineeName string
	Route       string
	Status      string
	Eligibility string // the override when set, else the check
	CoachID     int64  // 0 when unallocated
	CoachName   string
	SubmittedAt time.Time
	// ClockStart is when the response clock started (zero while the
	// trainee has not confirmed); FirstResponseAt stops it (zero if none).
	ClockStart      time.Time
	FirstResponseAt time.Time
}

// cursor is the row's position in sort.
func (r QueueRow) cursor(sort string) QueueCursor {
	if sort == SortReceived {
		return QueueCursor{Key: r.SubmittedAt, ID: r.ID}
	}
	return QueueCursor{Key: r.ClockStart, ID: r.ID}
}

// QueuePage is one page of the queue, with the cursors of its neighbours
// (nil when there is no such page).
type QueuePage struct {
	Rows []QueueRow
	// Prev is the first row of this page (ask for the page Before it);
	// Next the last (ask for the page After it).
	Prev, Next *QueueCursor
}

// QueueExportMost is the most rows one CSV download of the queue holds.
const QueueExportMost = 5000

// Search kinds, as ParseQueueSearch detects them.
const (
	SearchNone         = ""
	SearchReference    = "reference"
	SearchEmail        = "email"
	SearchRegistration = "registration"
	SearchName         = "name"
)

// SearchShortest is the fewest characters a search looks for anywhere in
// a name, reference, address or number (the trigram index needs three);
// a shorter search matches the start of the trainee's name.
const SearchShortest = 3

// QueueSearch is a search box's text, understood.
type QueueSearch struct {
	Kind  string
	Value string // normalised for its kind
}

// ParseQueueSearch decides what one search box holds: an email address
// (it has an @), a referral reference (case, spaces and hyphens ignored),
// a registration number (it has a digit: names do not), or else the start
// of a trainee's name.
func ParseQueueSearch(text string) QueueSearch {
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		return QueueSearch{}
	case strings.Contains(t, "@"):
		return QueueSearch{SearchEmail, NormaliseEmail(t)}
	}
	if ref, ok := referral.NormaliseReference(t); ok {
		return QueueSearch{SearchReference, ref}
	}
	if strings.ContainsFunc(t, unicode.IsDigit) {
		return QueueSearch{SearchRegistration, strings.ToUpper(strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, t))}
	}
	return QueueSearch{SearchName, strings.Join(strings.Fields(t), " ")}
}

// queueClock is when a referral's response clock started, the start that
// triage.ResponseDeadline counts from: submission for self-referrals, the
// trainee's confirmation for the other routes (NULL until then).
const queueClock = `CASE WHEN r.route = 'self' THEN r.submitted_at ELSE r.confirmed_at END`

// queueDeadlineKey orders by deadline with no-clock rows last. It is the
// expression of the referrals_queue_deadline_* indexes, written the same way.
const queueDeadlineKey = `coalesce(` + queueClock + `, 'infinity')`

const queueColumns = `r.id, r.reference, r.trainee_name, r.route, r.status,
	coalesce(r.eligibility_override, r.eligibility), coalesce(r.coach_id, 0), coalesce(c.name, ''),
	r.submitted_at, ` + queueClock + `, r.first_response_at`

// queueOpenStatus is written as a literal (never a parameter) so the
// planner can match the partial indexes whose predicate it is.
const queueOpenStatus = `r.status NOT IN ('closed', 'withdrawn')`

// london is where the store counts calendar days (the queue's deadline
// filters, as triage does; retention's due dates).
var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("store: time zone Europe/London missing: " + err.Error())
	}
	return loc
}()

// deadlineBounds turns the deadline rule around for the filters: a clock
// that started before overdueBefore has passed its due day by now; one
// that started at or after overdueBefore and before soonBefore is due
// within triage.SoonDays days (the due day counting). Both are midnights
// in London, since the rule counts London calendar days.
func deadlineBounds(now time.Time) (overdueBefore, soonBefore time.Time) {
	y, m, d := now.In(london).Date()
	overdueBefore = time.Date(y, m, d-triage.ResponseDays, 0, 0, 0, 0, london)
	soonBefore = time.Date(y, m, d-triage.ResponseDays+triage.SoonDays+1, 0, 0, 0, 0, london)
	return overdueBefore, soonBefore
}

// QueueSQL builds the statement Queue runs for one page, with its
// arguments; it fetches one row more than the page to learn whether
// another page follows. It is exported so the plan can be checked and the
// benchmark can run the very same SQL.
func QueueSQL(q QueueQuery) (string, []any) {
	q = q.normalised()
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }

	switch {
	case q.Status == QueueAll:
	case q.Status == QueueOpen:
		where = append(where, queueOpenStatus)
	case slices.Contains(QueueLists, q.Status):
		where = append(where, queueListWhere(q.Status, arg, q.Now))
	default:
		where = append(where, "r.status = "+arg(q.Status))
	}
	if q.Route != "" {
		where = append(where, "r.route = "+arg(q.Route))
	}
	if q.Region != "" {
		where = append(where, "r.region = "+arg(q.Region))
	}
	if q.Eligibility != "" {
		where = append(where, "coalesce(r.eligibility_override, r.eligibility) = "+arg(q.Eligibility))
	}
	switch {
	case q.CoachID == CoachUnallocated:
		where = append(where, "r.coach_id IS NULL")
	case q.CoachID > 0:
		where = append(where, "r.coach_id = "+arg(q.CoachID))
	}
	overdueBefore, soonBefore := deadlineBounds(q.Now)
	switch q.Deadline {
	case DeadlineOverdue:
		where = append(where, "r.first_response_at IS NULL", queueDeadlineKey+" < "+arg(overdueBefore))
	case DeadlineSoon:
		where = append(where, "r.first_response_at IS NULL",
			queueDeadlineKey+" >= "+arg(overdueBefore), queueDeadlineKey+" < "+arg(soonBefore))
	case DeadlineDue:
		where = append(where, "r.first_response_at IS NULL", queueDeadlineKey+" < "+arg(soonBefore))
	case DeadlineWaiting:
		where = append(where, "r.first_response_at IS NULL", queueDeadlineKey+" = 'infinity'")
	case DeadlineResponded:
		where = append(where, "r.first_response_at IS NOT NULL")
	}
	switch s := ParseQueueSearch(q.Search); {
	case s.Kind == SearchNone:
	case s.Kind == SearchReference:
		where = append(where, "r.reference = "+arg(s.Value))
	case utf8.RuneCountInString(s.Value) >= SearchShortest:
		// Anywhere in the name, reference, addresses or registration
		// number: the trigram index of migration 00018 on search_text.
		// lower() on both sides, so the database's idea of case applies
		// to the text and the term alike.
		where = append(where, "r.search_text LIKE '%' || lower("+arg(likeEscape(s.Value))+") || '%'")
	default:
		// A range on the text_pattern_ops index (byte order: every string
		// with the prefix sorts between the prefix and the prefix followed
		// by the highest code point), which works with any plan; then
		// starts_with for exactness.
		p := arg(s.Value)
		where = append(where,
			"lower(r.trainee_name) ~>=~ lower("+p+")",
			"lower(r.trainee_name) ~<~ (lower("+p+") || chr(1114111))",
			"starts_with(lower(r.trainee_name), lower("+p+"))")
	}

	// Forwards is the sort's own direction; a Before cursor reads
	// backwards from it and the rows are turned round afterwards.
	backwards := q.Before != nil
	cur := q.After
	if backwards {
		cur = q.Before
	}
	var order string
	if q.Sort == SortReceived {
		order = "r.submitted_at DESC, r.id DESC"
		if backwards {
			order = "r.submitted_at, r.id"
		}
		if cur != nil {
			op := "<"
			if backwards {
				op = ">"
			}
			where = append(where, fmt.Sprintf("(r.submitted_at, r.id) %s (%s, %s)", op, arg(cur.Key), arg(cur.ID)))
		}
	} else {
		order = queueDeadlineKey + ", r.id"
		if backwards {
			order = queueDeadlineKey + " DESC, r.id DESC"
		}
		if cur != nil {
			op := ">"
			if backwards {
				op = "<"
			}
			// A zero key is a row with no clock: NULL here, 'infinity' there.
			var k *time.Time
			if !cur.Key.IsZero() {
				k = &cur.Key
			}
			where = append(where, fmt.Sprintf("(%s, r.id) %s (coalesce(%s::timestamptz, 'infinity'), %s)", queueDeadlineKey, op, arg(k), arg(cur.ID)))
		}
	}

	sql := `SELECT ` + queueColumns + ` FROM referrals r LEFT JOIN staff_users c ON c.id = r.coach_id`
	if len(where) > 0 {
		sql += "\n\tWHERE " + strings.Join(where, "\n\tAND ")
	}
	sql += "\n\tORDER BY " + order + " LIMIT " + arg(q.Limit+1)
	return sql, args
}

// normalised fills in the defaults and drops values that are not allowed,
// so nothing unexpected reaches the SQL.
func (q QueueQuery) normalised() QueueQuery {
	if q.Status != QueueAll && q.Status != QueueOpen && !slices.Contains(QueueLists, q.Status) && !slices.Contains(QueueStatuses, q.Status) {
		q.Status = QueueNeeds
	}
	if q.Sort != SortReceived {
		q.Sort = SortDeadline
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	if q.Export {
		q.Limit = QueueExportMost
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	if q.After != nil && q.Before != nil {
		q.Before = nil
	}
	return q
}

// Queue returns one page of the queue in a single query, coach names
// joined in.
func (s *Store) Queue(ctx context.Context, q QueueQuery) (QueuePage, error) {
	q = q.normalised()
	rows, err := s.queueRows(ctx, q)
	if err != nil {
		return QueuePage{}, err
	}
	p, again := q.page(rows)
	if again {
		q.Before = nil
		return s.Queue(ctx, q)
	}
	return p, nil
}

// QueueView is what the coordinators' queue page shows: the counts by
// status, the coaches to filter by and one page of rows.
type QueueView struct {
	Counts  map[string]int
	Coaches []QueueCoach
	Page    QueuePage
}

// QueueView reads the queue page in one round trip once the view is
// allowed: it writes e (the view's audit row), then reads the counts by
// status, the coaches and one page of q. The four statements are one
// pipeline with one Sync, so PostgreSQL runs them as one implicit
// transaction: nothing is read unless the view's row is written, and a
// statement that fails takes the row back with it.
func (s *Store) QueueView(ctx context.Context, e AuditEntry, q QueueQuery) (QueueView, error) {
	q = q.normalised()
	sql, args := QueueSQL(q)
	b := &pgx.Batch{}
	b.Queue(auditInsertSQL, e.insertArgs()...)
	b.Queue(referralCountsSQL)
	b.Queue(queueCoachesSQL)
	b.Queue(sql, args...)
	res := sendBatch(ctx, s.db, b)
	defer res.Close()
	var v QueueView
	if _, err := res.Exec(); err != nil {
		return v, fmt.Errorf("audit: %w", mapErr(err))
	}
	rows, err := res.Query()
	if err == nil {
		v.Counts, err = collectReferralCounts(rows)
	}
	if err != nil {
		return v, fmt.Errorf("referral counts: %w", err)
	}
	if rows, err = res.Query(); err == nil {
		v.Coaches, err = pgx.CollectRows(rows, pgx.RowToStructByPos[QueueCoach])
	}
	if err != nil {
		return v, fmt.Errorf("queue coaches: %w", err)
	}
	var found []QueueRow
	if rows, err = res.Query(); err == nil {
		found, err = collectQueueRows(rows)
	}
	if err != nil {
		return v, fmt.Errorf("queue: %w", err)
	}
	if err := res.Close(); err != nil {
		return v, fmt.Errorf("queue page: %w", mapErr(err))
	}
	var again bool
	if v.Page, again = q.page(found); again {
		q.Before = nil
		v.Page, err = s.Queue(ctx, q)
	}
	return v, err
}

// page makes a page of the rows q read (one more than its limit when a
// page follows). again says to read the first page instead: reading
// backwards came to the start with fewer rows than a page.
func (q QueueQuery) page(rows []QueueRow) (p QueuePage, again bool) {
	more := len(rows) > q.Limit
	if more {
		rows = rows[:q.Limit]
	}
	switch {
	case q.Before != nil:
		// Read backwards: turn the rows round.
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
		if !more && len(rows) < q.Limit {
			// Back at the start, with rows gone since the page was made:
			// show a full first page rather than a short one.
			return QueuePage{}, true
		}
		if more {
			c := rows[0].cursor(q.Sort)
			p.Prev = &c
		}
		if len(rows) > 0 {
			c := rows[len(rows)-1].cursor(q.Sort)
			p.Next = &c
		}
	default:
		if q.After != nil && len(rows) > 0 {
			c := rows[0].cursor(q.Sort)
			p.Prev = &c
		}
		if more {
			c := rows[len(rows)-1].cursor(q.Sort)
			p.Next = &c
		}
	}
	p.Rows = rows
	return p, false
}

func (s *Store) queueRows(ctx context.Context, q QueueQuery) ([]QueueRow, error) {
	sql, args := QueueSQL(q)
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	out, err := collectQueueRows(rows)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return out, nil
}

// collectQueueRows reads the rows of QueueSQL's statement.
func collectQueueRows(rows pgx.Rows) ([]QueueRow, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (QueueRow, error) {
		var r QueueRow
		var clock, responded *time.Time
		err := row.Scan(&r.ID, &r.Reference, &r.TraineeName, &r.Route, &r.Status, &r.Eligibility,
			&r.CoachID, &r.CoachName, &r.SubmittedAt, &clock, &responded)
		if clock != nil {
			r.ClockStart = *clock
		}
		if responded != nil {
			r.FirstResponseAt = *responded
		}
		return r, err
	})
}

// QueueCoach is a coach to filter the queue by.
type QueueCoach struct {
	ID   int64
	Name string
}

// QueueCoaches lists the active coaches by name.
func (s *Store) QueueCoaches(ctx context.Context) ([]QueueCoach, error) {
	rows, err := s.db.Query(ctx, queueCoachesSQL)
	if err != nil {
		return nil, fmt.Errorf("queue coaches: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[QueueCoach])
	if err != nil {
		return nil, fmt.Errorf("queue coaches: %w", err)
	}
	return out, nil
}

const queueCoachesSQL = `SELECT id, name FROM staff_users
		WHERE active AND roles @> ARRAY['coach'] ORDER BY lower(name), id`

// likeEscape makes text match itself in a LIKE pattern (backslash is
// LIKE's default escape character).
func likeEscape(s string) string { return likeEscaper.Replace(s) }

// likeEscaper is built once: a Replacer builds its tables on first use.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// QueueExport returns every row of the queue's current selection (its
// list, filters, search and sort; no cursor), up to QueueExportMost, for
// the coordinators' CSV download; more reports whether rows were left out.
func (s *Store) QueueExport(ctx context.Context, q QueueQuery) (rows []QueueRow, more bool, err error) {
	q.Export, q.After, q.Before = true, nil, nil
	q = q.normalised()
	rows, err = s.queueRows(ctx, q)
	if err != nil {
		return nil, false, err
	}
	if len(rows) > q.Limit {
		return rows[:q.Limit], true, nil
	}
	return rows, false, nil
}

// QueueNext is the referral after id in the queue's selection and order
// (q's list, filters, search and sort), for "accept and open the next":
// ErrNotFound when id is the last, or is no referral.
func (s *Store) QueueNext(ctx context.Context, q QueueQuery, id int64) (string, error) {
	var clock *time.Time
	var submitted time.Time
	err := s.db.QueryRow(ctx, `SELECT `+queueClock+`, r.submitted_at FROM referrals r WHERE r.id = $1`, id).Scan(&clock, &submitted)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("queue next: %w", err)
	}
	q = q.normalised()
	c := QueueCursor{ID: id, Key: submitted}
	if q.Sort != SortReceived {
		c.Key = time.Time{}
		if clock != nil {
			c.Key = *clock
		}
	}
	q.After, q.Before, q.Limit = &c, nil, 1
	rows, err := s.queueRows(ctx, q)
	if err != nil {
		return "", fmt.Errorf("queue next: %w", err)
	}
	if len(rows) == 0 {
		return "", ErrNotFound
	}
	return rows[0].Reference, nil
}
