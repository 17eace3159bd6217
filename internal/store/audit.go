package store

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorKind  string // staff, public, system, anonymous
	ActorID    int64
	ActorEmail string
	ActorName  string // filled when listing, from staff_users
	ActorRoles []string
	// RecordName is, when listing, the name of the staff account a
	// staff_user record is (so the log reads as people, not ids).
	RecordName string
	Action     string
	RecordType string
	RecordID   string
	ClientIP   string
	RequestID  string
	Outcome    string
	Detail     string
}

// Bounds on what one audit row holds. Some fields carry what a client sent
// (the address typed into a failed sign-in, a reason typed by an admin), so
// every field is cut to its bound here, in the one place rows are written:
// nothing a client sends can write kilobytes into the audit log.
const (
	auditNameBytes   = 64   // action, record type, outcome
	auditIDBytes     = 128  // record id
	auditEmailBytes  = 320  // actor email (a valid address is at most 254)
	auditDetailBytes = 4096 // detail
)

// auditText makes s fit a text column of at most n bytes: NUL bytes (which
// PostgreSQL refuses in text) are dropped, invalid UTF-8 becomes U+FFFD, and
// anything longer is cut at a character boundary and marked with "…".
func auditText(s string, n int) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	const more = "…"
	cut := n - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// Audit appends a row. Run it in the same transaction as the change it
// records, so the change and its record stand or fall together.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	_, err := s.db.Exec(ctx, auditInsertSQL, e.insertArgs()...)
	if err != nil {
		return fmt.Errorf("audit: %w", mapErr(err))
	}
	return nil
}

const auditInsertSQL = `
		INSERT INTO audit_log (at, actor_kind, actor_id, actor_email, action, record_type, record_id, client_ip, request_id, outcome, detail)
		VALUES ($1, $2, nullif($3, 0), nullif($4, ''), $5, $6, $7, $8, $9, $10, $11)`

// insertArgs are auditInsertSQL's values for e, each cut to its column's
// length.
func (e AuditEntry) insertArgs() []any {
	e.ActorEmail = auditText(e.ActorEmail, auditEmailBytes)
	e.Action = auditText(e.Action, auditNameBytes)
	e.RecordType = auditText(e.RecordType, auditNameBytes)
	e.RecordID = auditText(e.RecordID, auditIDBytes)
	e.RequestID = auditText(e.RequestID, auditNameBytes)
	e.Outcome = auditText(e.Outcome, auditNameBytes)
	e.Detail = auditText(e.Detail, auditDetailBytes)
	var ip *netip.Addr
	if a, err := netip.ParseAddr(e.ClientIP); err == nil {
		ip = &a
	}
	return []any{e.At, e.ActorKind, e.ActorID, e.ActorEmail, e.Action, e.RecordType, e.RecordID, ip, e.RequestID, e.Outcome, e.Detail}
}

// AuditQuery filters the audit log. Person matches a staff member's or a
// public person's email (exactly, ignoring case).
type AuditQuery struct {
	Person     string
	RecordType string
	RecordID   string
	From, To   time.Time // To is exclusive; zero means open
	// Keyset cursor: rows strictly older than (BeforeAt, BeforeID).
	BeforeAt time.Time
	BeforeID int64
	Limit    int
}

// SearchAudit lists matching rows, newest first, one page at a time. It
// returns one row more than Limit when there is a further page, which the
// caller uses as the next cursor.
func (s *Store) SearchAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }

	if p := NormaliseEmail(q.Person); p != "" {
		// Staff are found by id through their email, so rows written
		// before an email change still match.
		where = append(where, fmt.Sprintf("(a.actor_id = (SELECT id FROM staff_users WHERE email = %[1]s) OR a.actor_email = %[1]s)", arg(p)))
	}
	if q.RecordType != "" {
		where = append(where, "a.record_type = "+arg(q.RecordType))
	}
	if q.RecordID != "" {
		where = append(where, "a.record_id = "+arg(q.RecordID))
	}
	if !q.From.IsZero() {
		where = append(where, "a.at >= "+arg(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "a.at < "+arg(q.To))
	}
	if !q.BeforeAt.IsZero() {
		where = append(where, fmt.Sprintf("(a.at, a.id) < (%s, %s)", arg(q.BeforeAt), arg(q.BeforeID)))
	}
	sql := `SELECT a.id, a.at, a.actor_kind, coalesce(a.actor_id, 0), coalesce(a.actor_email, coalesce(u.email, '')),
		coalesce(u.name, ''), coalesce(u.roles, '{}'), a.action, a.record_type, a.record_id, coalesce(host(a.client_ip), ''), a.request_id, a.outcome, a.detail,
		coalesce(ru.name, '')
		FROM audit_log a LEFT JOIN staff_users u ON u.id = a.actor_id
		LEFT JOIN staff_users ru ON a.record_type = 'staff_user' AND ru.id = CASE WHEN a.record_id ~ '^[0-9]{1,18}$' THEN a.record_id::bigint END`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY a.at DESC, a.id DESC LIMIT " + arg(q.Limit+1)

	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("search audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.ActorKind, &e.ActorID, &e.ActorEmail, &e.ActorName, &e.ActorRoles, &e.Action,
			&e.RecordType, &e.RecordID, &e.ClientIP, &e.RequestID, &e.Outcome, &e.Detail, &e.RecordName); err != nil {
			return nil, fmt.Errorf("search audit: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
