package server

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"
	"time"

	"careers/internal/eligibility"
	"careers/internal/reports"
	"careers/internal/store"
	"careers/web"
)

// queueExportPath sits beside the queue, not under it, so it can never be
// taken for a referral's reference.
const queueExportPath = "/staff/referrals.csv"

// exportLondon is where the download's dates are written.
var exportLondon = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}()

// referralQueueExport downloads the queue's current list (its filters from
// the URL, its search from the session, as the page shows them; every row,
// up to store.QueueExportMost) as CSV for the coordinators' own records.
// Each download is audited with its filters, never the names it holds or
// the search text (which can be a name); the file is an attachment the
// browser must not keep in its cache.
func (s *Server) referralQueueExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := readQueueFilters(r.URL.Query())
	search := s.sessions.GetString(ctx, sessQueueSearch)
	q := f.query(search, s.now())
	rows, more, err := s.store.QueueExport(ctx, q)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	t := reports.Table{Name: "referrals", Columns: []string{"Reference", "Trainee", "Route", "Status", "Eligibility",
		"Coach", "Received", "Response", "Due"}}
	for _, row := range rows {
		d := deadlineCell(row, q.Now)
		coach := row.CoachName
		if coach == "" {
			coach = "Not allocated"
		}
		due := ""
		if !d.Due.IsZero() {
			due = d.Due.In(exportLondon).Format("2006-01-02")
		}
		t.Rows = append(t.Rows, []string{row.Reference, row.TraineeName, web.RouteLabel(row.Route), web.StatusLabel(row.Status),
			eligibility.Outcome(row.Eligibility).Label(), coach, row.SubmittedAt.In(exportLondon).Format("2006-01-02"), d.Text, due})
	}
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, t); err != nil {
		s.serverError(w, r, err)
		return
	}
	detail := "list " + q.Status
	if enc := f.values().Encode(); enc != "" {
		detail += "; filters " + enc
	}
	if search != "" {
		detail += "; with a search"
	}
	detail += "; " + strconv.Itoa(len(rows)) + " rows"
	if more {
		detail += " (the first " + strconv.Itoa(store.QueueExportMost) + ")"
	}
	if err := s.audit(ctx, s.store, "download", "referral_queue", "", store.OutcomeSuccess, detail); err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": "referrals-" + s.now().In(exportLondon).Format("2006-01-02") + ".csv"}))
	h.Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}
