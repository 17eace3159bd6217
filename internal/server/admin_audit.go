package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"careers/internal/store"
	"careers/web"
)

// Session key for the audit filters: they can hold an email address, which
// must not travel in the URL.
const sessAuditFilter = "audit_filter"

const auditPageSize = 50

// auditSearch stores the filters in the session and shows the first page.
func (s *Server) auditSearch(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("clear") != "" {
		s.sessions.Remove(r.Context(), sessAuditFilter)
	} else {
		v := url.Values{}
		for _, k := range []string{"person", "record_type", "record_id", "from", "to"} {
			if x := strings.TrimSpace(r.PostFormValue(k)); x != "" {
				v.Set(k, x)
			}
		}
		s.sessions.Put(r.Context(), sessAuditFilter, v.Encode())
	}
	http.Redirect(w, r, "/staff/admin/audit", http.StatusSeeOther)
}

// auditLog lists entries newest first with keyset pagination: the cursor
// (time and id of the last entry shown) is all the URL carries.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	filter, _ := url.ParseQuery(s.sessions.GetString(r.Context(), sessAuditFilter))
	p := web.AuditProps{
		Person: filter.Get("person"), RecordType: filter.Get("record_type"), RecordID: filter.Get("record_id"),
		From: filter.Get("from"), To: filter.Get("to"), First: true,
	}
	q := store.AuditQuery{Person: p.Person, RecordType: p.RecordType, RecordID: p.RecordID, Limit: auditPageSize}
	if p.Person != "" && !validEmail(store.NormaliseEmail(p.Person)) {
		p.Errors.Add("person", "Enter the person's email address in the correct format")
	}
	var err error
	if p.From != "" {
		if q.From, err = time.ParseInLocation("2006-01-02", p.From, londonTZ); err != nil {
			p.Errors.Add("from", "Enter the from date as year-month-day, like 2026-03-01")
		}
	}
	if p.To != "" {
		if to, err := time.ParseInLocation("2006-01-02", p.To, londonTZ); err != nil {
			p.Errors.Add("to", "Enter the to date as year-month-day, like 2026-03-31")
		} else {
			q.To = to.AddDate(0, 0, 1)
		}
	}
	if at, id := r.URL.Query().Get("before"), r.URL.Query().Get("id"); at != "" {
		ns, err1 := strconv.ParseInt(at, 10, 64)
		n, err2 := strconv.ParseInt(id, 10, 64)
		if err1 == nil && err2 == nil {
			q.BeforeAt, q.BeforeID, p.First = time.Unix(0, ns).UTC(), n, false
		}
	}
	status := http.StatusOK
	if p.Errors.Any() {
		status = http.StatusUnprocessableEntity
	} else {
		rows, err := s.store.SearchAudit(r.Context(), q)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if len(rows) > auditPageSize {
			last := rows[auditPageSize-1]
			p.Next = "/staff/admin/audit?before=" + strconv.FormatInt(last.At.UnixNano(), 10) + "&id=" + strconv.FormatInt(last.ID, 10)
			rows = rows[:auditPageSize]
		}
		for _, e := range rows {
			p.Rows = append(p.Rows, auditRow(e))
		}
	}
	// Reading the audit log shows who looked at what, and people's
	// addresses: reading it is audited too.
	if err := s.auditView(r, "view", "audit_log", "", store.OutcomeSuccess); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.AuditPage(s.layout(r, ""), p))
}

func auditRow(e store.AuditEntry) web.AuditRow {
	return web.AuditRow{At: e.At, Actor: auditActor(e), Action: auditAction(e.Action), Record: auditRecord(e),
		Outcome: e.Outcome, ClientIP: e.ClientIP, Request: e.RequestID, Detail: e.Detail}
}
