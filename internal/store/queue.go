package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"careers/internal/referral"
	"careers/internal/triage"
)

// The coordinators' queue: every referral, filtered, searched and sorted,
// one page at a time with keyset pagination (no OFFSET), so a page costs
// the same on the first page as on the thousandth. The sort keys match the
// indexes of migrations 00007 and 00008.

// Queue status selections besides a single status.
const (
	QueueOpen = "open" // every status but closed and withdrawn
	QueueAll  = "all"  // every status
)

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
)

// CoachUnallocated as QueueQuery.CoachID selects referrals with no coach.
const CoachUnallocated = -1

// QueueQuery selects a page of the queue. Empty fields do not filter.
type QueueQuery struct {
	// Status is QueueOpen (also when empty), QueueAll, or one status.
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

// Search kinds, as ParseQueueSearch detects them.
const (
	SearchNone         = ""
	SearchReference    = "reference"
	SearchEmail        = "email"
	SearchRegistration = "registration"
	SearchName         = "name"
)

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

	switch q.Status {
	case QueueAll:
	case QueueOpen:
		where = append(where, queueOpenStatus)
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
	case DeadlineWaiting:
		where = append(where, "r.first_response_at IS NULL", queueDeadlineKey+" = 'infinity'")
	case DeadlineResponded:
		where = append(where, "r.first_response_at IS NOT NULL")
	}
	switch s := ParseQueueSearch(q.Search); s.Kind {
	case SearchReference:
		where = append(where, "r.reference = "+arg(s.Value))
	case SearchEmail:
		p := arg(s.Value)
		where = append(where, "(r.trainee_email = "+p+" OR r.referrer_email = "+p+")")
	case SearchRegistration:
		// The literal <> '' lets the planner use the partial index.
		where = append(where, "r.registration_number = "+arg(s.Value), "r.registration_number <> ''")
	case SearchName:
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
	if q.Status == "" || (q.Status != QueueAll && !slices.Contains(QueueStatuses, q.Status)) {
		q.Status = QueueOpen
	}
	if q.Sort != SortReceived {
		q.Sort = SortDeadline
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
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
	var p QueuePage
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
			q.Before = nil
			return s.Queue(ctx, q)
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
	return p, nil
}

func (s *Store) queueRows(ctx context.Context, q QueueQuery) ([]QueueRow, error) {
	sql, args := QueueSQL(q)
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (QueueRow, error) {
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
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return out, nil
}

// QueueCoach is a coach to filter the queue by.
type QueueCoach struct {
	ID   int64
	Name string
}

// QueueCoaches lists the active coaches by name.
func (s *Store) QueueCoaches(ctx context.Context) ([]QueueCoach, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name FROM staff_users
		WHERE active AND roles @> ARRAY['coach'] ORDER BY lower(name), id`)
	if err != nil {
		return nil, fmt.Errorf("queue coaches: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[QueueCoach])
	if err != nil {
		return nil, fmt.Errorf("queue coaches: %w", err)
	}
	return out, nil
}
