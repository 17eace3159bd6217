package server

import (
	"bytes"
	"cmp"
	"context"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"careers/internal/referral"
	"careers/internal/reports"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

const reportsPath = "/staff/reports"

// reportPeriod reads the period from the query string: none given means
// the last full quarter. It returns the values as typed (to show again)
// and the form's errors.
func (s *Server) reportPeriod(q url.Values) (p reports.Period, from, to string, errs web.Errors) {
	from, to = q.Get("from"), q.Get("to")
	if !q.Has("from") && !q.Has("to") {
		p = reports.LastQuarter(s.now().In(londonTZ))
		return p, p.FromText(), p.ToText(), nil
	}
	p, fromErr, toErr := reports.ParsePeriod(from, to)
	if fromErr != nil {
		errs.Add("from", fromErr.Error())
	}
	if toErr != nil {
		errs.Add("to", toErr.Error())
	}
	return p, from, to, errs
}

// reportURL is a page or download of the reports for period p.
func reportURL(path string, p reports.Period) string {
	return path + "?" + url.Values{"from": {p.FromText()}, "to": {p.ToText()}}.Encode()
}

// periodWords says a period in words, such as "1 July 2026 to 30 September 2026".
func periodWords(p reports.Period) string {
	return p.From.Format("2 January 2006") + " to " + p.To.Format("2 January 2006")
}

// reportsPage shows the figures for the period asked for, or the form with
// its errors (422) when the dates are wrong.
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	p, from, to, errs := s.reportPeriod(r.URL.Query())
	today := s.now().In(londonTZ)
	props := web.ReportsProps{From: from, To: to, Errors: errs}
	for _, q := range []struct {
		text string
		p    reports.Period
	}{
		{"Last full quarter", reports.LastQuarter(today)},
		{"This quarter so far", reports.ThisQuarter(today)},
		{"Last 12 months", reports.Last12Months(today)},
	} {
		props.Quick = append(props.Quick, web.NavItem{Href: reportURL(reportsPath, q.p),
			Text: q.text + " (" + periodWords(q.p) + ")", Current: !errs.Any() && q.p.FromText() == p.FromText() && q.p.ToText() == p.ToText()})
	}
	status := http.StatusOK
	detail := "period " + from + " to " + to
	if errs.Any() {
		status = http.StatusUnprocessableEntity
		detail = "invalid period"
	} else {
		tables, err := s.reportTables(r.Context(), p)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		props.Period = periodWords(p)
		props.Sections = reportSections(tables, p)
	}
	// Reports hold no one's details, but who looked at the unit's figures,
	// and for when, is worth knowing; the detail is the period only.
	if err := s.audit(r.Context(), s.store, "view", "report", "reports", store.OutcomeSuccess, detail); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.ReportsPage(s.layout(r, ""), props))
}

// reportCSV downloads one table of the reports as CSV.
func (s *Server) reportCSV(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "table")
	if !slices.Contains(reportTableNames, name) {
		s.renderNotFound(w, r)
		return
	}
	p, _, _, errs := s.reportPeriod(r.URL.Query())
	if errs.Any() {
		// A download link with bad dates was typed or edited by hand: show
		// the form with the problem rather than a file.
		s.reportsPage(w, r)
		return
	}
	tables, err := s.reportTables(r.Context(), p)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var t reports.Table
	for _, x := range tables {
		if x.Name == name {
			t = x
		}
	}
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, t); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.audit(r.Context(), s.store, "download", "report", name, store.OutcomeSuccess,
		"period "+p.FromText()+" to "+p.ToText()); err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": reports.Filename(name, p.FromText(), p.ToText())}))
	h.Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// The report's tables, by their CSV names.
const (
	tableRoute     = "received-by-route"
	tableRegion    = "received-by-region"
	tableGroup     = "received-by-professional-group"
	tableReason    = "received-by-reason"
	tableResponses = "response-times"
	tableWaits     = "wait-for-first-session"
	tableSessions  = "sessions-and-extensions"
	tableOutcomes  = "outcomes-by-reason"
	tableCaseloads = "coach-caseloads"
)

var reportTableNames = append([]string{tableRoute, tableRegion, tableGroup, tableReason, tableResponses, tableWaits,
	tableSessions, tableOutcomes, tableCaseloads}, append(outcomeTableNames, workshopTableNames...)...)

// keyed is one category of a breakdown: its stored value and its label.
type keyed struct{ key, label string }

// categories lists a vocabulary's values in its order, then any other value
// the data holds (an old value, or none recorded), so nothing counted is
// left out of a table.
func categories(known []keyed, counts map[string]int) []keyed {
	out := slices.Clone(known)
	var extra []string
	for k := range counts {
		if !slices.ContainsFunc(known, func(c keyed) bool { return c.key == k }) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		label := k
		if k == "" {
			label = "Not recorded"
		}
		out = append(out, keyed{k, label})
	}
	return out
}

func vocab[T ~string](opts []referral.Option[T]) []keyed {
	out := make([]keyed, len(opts))
	for i, o := range opts {
		out[i] = keyed{string(o.Value), o.Label}
	}
	return out
}

// breakdown is a one-column table of counts under the small-number rule.
func breakdown(name, caption, what string, cats []keyed, counts map[string]int) (reports.Table, bool) {
	t := reports.Table{Name: name, Caption: caption, Columns: []string{what, "Referrals"}}
	cs := categories(cats, counts)
	ns := make([]int, len(cs))
	for i, c := range cs {
		ns[i] = counts[c.key]
	}
	shown, safe := reports.Breakdown(ns)
	for i, v := range shown {
		t.Rows = append(t.Rows, []string{cs[i].label, v})
	}
	return t, safe
}

// reasonHeadings are short column headings for the reasons for referral.
var reasonHeadings = map[string]string{
	string(referral.ReasonUncertainDirection):  "Direction or specialty",
	string(referral.ReasonOutsideMedicine):     "Outside medicine",
	string(referral.ReasonExploreInConfidence): "Options in confidence",
	string(referral.ReasonLackOfProgress):      "Lack of progress",
	string(referral.ReasonIllHealth):           "Ill health",
	string(referral.ReasonOther):               "Other",
}

// reasonHeadingsNote spells out the short headings.
func reasonHeadingsNote() string {
	var out []string
	for _, r := range referral.Reasons {
		if h := reasonHeadings[string(r.Value)]; h != "" {
			out = append(out, h+": "+r.Label)
		}
	}
	return "The columns in full. " + strings.Join(out, ". ") + "."
}

// reportTables runs the report's queries for a period and lays out every
// table. The page, its charts and the CSV downloads all come from these.
func (s *Server) reportTables(ctx context.Context, p reports.Period) ([]reports.Table, error) {
	from, to := p.Bounds(londonTZ)
	rec, err := s.store.ReportReceived(ctx, from, to)
	if err != nil {
		return nil, err
	}
	resp, err := s.store.ReportResponses(ctx, from, to, triage.ResponseDays, s.now().In(londonTZ))
	if err != nil {
		return nil, err
	}
	waits, err := s.store.ReportWaits(ctx, from, to)
	if err != nil {
		return nil, err
	}
	ses, err := s.store.ReportSessions(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out, err := s.store.ReportOutcomes(ctx, from, to)
	if err != nil {
		return nil, err
	}
	coaches, err := s.store.CoachesWithLoad(ctx)
	if err != nil {
		return nil, err
	}

	routes := make([]keyed, len(queueRoutes))
	for i, rt := range queueRoutes {
		routes[i] = keyed{rt, web.RouteLabel(rt)}
	}
	reasons := vocab(referral.Reasons)
	byRoute, safeRoute := breakdown(tableRoute, "Referrals received by route", "Route", routes, rec.ByRoute)
	byRegion, safeRegion := breakdown(tableRegion, "Referrals received by region", "Region", vocab(referral.Regions), rec.ByRegion)
	byGroup, safeGroup := breakdown(tableGroup, "Referrals received by professional group", "Professional group", vocab(referral.ProfessionalGroups), rec.ByGroup)
	// The reasons do not add up to the total (a referral may give several),
	// so only the small counts are withheld there.
	reasonTable := reports.Table{Name: tableReason, Caption: "Referrals received by reason for referral", Columns: []string{"Reason for referral", "Referrals"}}
	for _, c := range categories(reasons, rec.ByReason) {
		reasonTable.Rows = append(reasonTable.Rows, []string{c.label, reports.Count(rec.ByReason[c.key])})
	}
	tables := []reports.Table{byRoute, byRegion, byGroup, reasonTable}
	// The total is what each breakdown adds up to: when one of them cannot
	// be protected any other way, the total goes too.
	total := reports.Count(rec.Total)
	if !safeRoute || !safeRegion || !safeGroup {
		total = reports.Hidden
	}
	tables[0].Rows = append(tables[0].Rows, []string{"All referrals received", total})

	// The service figures: how quickly the unit answers and how long people
	// wait. They describe the unit's own performance, not people by their
	// characteristics, so they are exact (docs/reports.md): a 14-day share
	// withheld for a quarter of 35 referrals would hide what the unit is
	// measured on. Nothing else on the page adds up to or from them.
	due := reports.Total(resp.Answered) + resp.Overdue
	onTime := resp.OnTime(triage.ResponseDays)
	tables = append(tables, reports.Table{Name: tableResponses, Caption: "First response within 14 days",
		Columns: []string{"Measure", "Figure"}, Rows: [][]string{
			{"Referrals whose response clock started in the period and whose response was due or made", reports.Exact(due)},
			{"Answered by the due day", reports.Exact(onTime)},
			{"Answered after the due day, or not yet answered and overdue", reports.Exact(due - onTime)},
			{"Share answered within 14 days", reports.ExactPercent(onTime, due)},
			{"Median days from the clock starting to the first response", reports.ExactMedianDays(resp.Answered)},
		}})

	seen := reports.Total(waits.Seen)
	tables = append(tables, reports.Table{Name: tableWaits, Caption: "Wait from allocation to the first session",
		Columns: []string{"Measure", "Figure"}, Rows: [][]string{
			{"Referrals allocated a coach and sessions in the period", reports.Exact(seen + waits.Waiting)},
			{"With a first session booked or held", reports.Exact(seen)},
			{"No session booked yet", reports.Exact(waits.Waiting)},
			{"Median days from allocation to the first session", reports.ExactMedianDays(waits.Seen)},
		}})

	sessions := reports.Table{Name: tableSessions, Caption: "Sessions and requests for extra sessions",
		Columns: []string{"Measure", "Sessions or requests"}}
	for _, k := range sessionKinds {
		sessions.Rows = append(sessions.Rows, []string{k.label, reports.Count(ses.Sessions[k.key])})
	}
	sessions.Rows = append(sessions.Rows,
		[]string{"Requests for extra sessions made", reports.Count(ses.ExtensionsAsked)},
		[]string{"Requests for extra sessions approved", reports.Count(ses.ExtensionsApproved)})
	tables = append(tables, sessions)

	outcomes := make([]keyed, len(triage.Outcomes))
	for i, o := range triage.Outcomes {
		outcomes[i] = keyed{string(o), o.Label()}
	}
	oc := reports.Table{Name: tableOutcomes, Caption: "Outcomes at closure by reason for referral",
		Columns: []string{"Outcome", "Referrals closed"}}
	byReason := map[string]int{}
	for k, n := range out.ByOutcomeReason {
		byReason[k[1]] += n
	}
	reasonCols := categories(reasons, byReason)
	for _, c := range reasonCols {
		// Short headings keep the table readable; the page's note gives them whole.
		oc.Columns = append(oc.Columns, cmp.Or(reasonHeadings[c.key], c.label))
	}
	for _, o := range categories(outcomes, out.ByOutcome) {
		label := o.label
		if o.key == "" {
			label = "No outcome recorded (declined, or closed before the trainee confirmed)"
		}
		row := []string{label, reports.Count(out.ByOutcome[o.key])}
		for _, c := range reasonCols {
			row = append(row, reports.Count(out.ByOutcomeReason[[2]string{o.key, c.key}]))
		}
		oc.Rows = append(oc.Rows, row)
	}
	tables = append(tables, oc)

	cl := reports.Table{Name: tableCaseloads, Caption: "Coaches' caseloads now",
		Columns: []string{"Coach", "Open referrals (allocated or active)", "Capacity", "Places left"}}
	for _, c := range coaches {
		left := reports.Exact(max(0, c.Capacity-c.Active))
		if c.Active > c.Capacity {
			left += " (over by " + strconv.Itoa(c.Active-c.Capacity) + ")"
		}
		cl.Rows = append(cl.Rows, []string{c.Name, reports.Exact(c.Active), reports.Exact(c.Capacity), left})
	}
	tables = append(tables, cl)
	oq, err := s.outcomeTables(ctx, from, to)
	if err != nil {
		return nil, err
	}
	tables = append(tables, oq...)
	// ws-after (issue 16): the workshops' tables.
	wt, err := s.workshopTables(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return append(tables, wt...), nil
}

// sessionKinds are the ledger movements the report counts, in its order.
var sessionKinds = []keyed{
	{"granted", "Sessions granted at allocation"},
	{"extended", "Sessions added by approved extensions"},
	{"attended", "Sessions attended"},
	{"forfeited", "Sessions forfeited (late cancellation or not attended)"},
	{"waived", "Forfeits waived"},
}

// chartOf draws a chart of the first n rows of a one-figure table. The
// table's cells are already under the small-number rule, so the chart
// reads its counts back from them: a withheld count draws no bar.
func chartOf(id string, t reports.Table, n int) *web.ReportChart {
	items := make([]reports.Item, 0, n)
	for _, row := range t.Rows[:n] {
		v, err := strconv.Atoi(row[1])
		if err != nil {
			v = 1 // withheld: no bar, and the words as the table has them
		}
		items = append(items, reports.Item{Label: row[0], N: v, Shown: row[1]})
	}
	c := reports.BarChart(items)
	wc := &web.ReportChart{ID: id, Title: "Bar chart: " + t.Caption, Desc: c.Desc(), Width: reports.ChartWidth, Height: c.Height}
	for _, b := range c.Bars {
		wc.Bars = append(wc.Bars, web.ReportBar{Label: b.Label, Value: b.Value, LabelY: b.LabelY, BarY: b.BarY,
			Width: b.Width, TextX: b.TextX, TextY: b.TextY})
	}
	return wc
}

// reportSections groups the tables under the page's headings.
func reportSections(tables []reports.Table, p reports.Period) []web.ReportSection {
	byName := map[string]reports.Table{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	table := func(name string, chart bool, chartRows int, note string) web.ReportTable {
		t := byName[name]
		wt := web.ReportTable{Caption: t.Caption, Columns: t.Columns, Rows: t.Rows, Note: note,
			CSV: reportURL(reportsPath+"/"+name+".csv", p)}
		if chart {
			if chartRows == 0 {
				chartRows = len(t.Rows)
			}
			wt.Chart = chartOf("chart-"+name, t, chartRows)
		}
		return wt
	}
	sections := []web.ReportSection{
		{ID: "received", Title: "Referrals received",
			Intro: "Referrals submitted in the period, by any route, including those still waiting for the trainee to confirm. A referral can give several reasons, so the reasons add up to more than the referrals.",
			Tables: []web.ReportTable{
				table(tableRoute, true, len(queueRoutes), ""),
				table(tableRegion, true, 0, ""),
				table(tableGroup, true, 0, ""),
				table(tableReason, true, 0, ""),
			}},
		{ID: "response", Title: "Responding within 14 days",
			Intro:  "Referrals whose 14-day clock started in the period: at submission for self-referrals, when the trainee confirmed for the other routes. A referral counts once it has had its first response or its due day has passed. Days are calendar days in UK time.",
			Tables: []web.ReportTable{table(tableResponses, false, 0, serviceFiguresNote)}},
		{ID: "waits", Title: "Waiting for the first session",
			Intro:  "Referrals allocated a coach and sessions in the period, and the day of their first session that was not cancelled.",
			Tables: []web.ReportTable{table(tableWaits, false, 0, serviceFiguresNote)}},
		{ID: "sessions", Title: "Sessions",
			Intro:  "Movements in the sessions allowance recorded in the period, and requests for extra sessions made or approved in it.",
			Tables: []web.ReportTable{table(tableSessions, true, len(sessionKinds), "")}},
		{ID: "outcomes", Title: "Outcomes at closure",
			Intro:  "Referrals closed or withdrawn in the period by their recorded outcome, and by the reasons they gave for the referral. A referral with several reasons counts under each.",
			Tables: []web.ReportTable{table(tableOutcomes, false, 0, reasonHeadingsNote())}},
		{ID: "caseloads", Title: "Coaches' caseloads",
			Intro: "A snapshot as of now, whatever the period: each active coach's open allocated or active referrals against the capacity set in their profile.",
			Tables: []web.ReportTable{table(tableCaseloads, false, 0,
				"These are exact numbers: they describe the unit's own staff and their work, not trainees, so the small-number rule does not apply.")}},
	}
	sections = append(sections, outcomeSections(byName, p)...)
	// ws-after (issue 16): workshops and webinars.
	return append(sections, workshopSections(byName, p)...)
}

// serviceFiguresNote says under the service figures why they are exact.
const serviceFiguresNote = "These are exact numbers: they measure the unit's own service (how quickly it answers, how long people wait), not people by their characteristics, so the small-number rule does not apply."
