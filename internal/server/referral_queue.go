package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"careers/internal/eligibility"
	"careers/internal/policy"
	"careers/internal/referral"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// Session key for the queue's search text: it can be a name or an email
// address, which must not travel in a URL (browser history, proxy and
// server logs, Referer). Filters are not personal, so they stay in the URL
// where they can be bookmarked.
const sessQueueSearch = "queue_search"

const (
	queuePath       = "/staff/referrals"
	queuePageSize   = 50
	queueSearchMost = 100 // characters
)

// queueFilters are the queue's filters and sort as the URL carries them;
// every value is checked against its list, and anything else means "no
// filter".
type queueFilters struct {
	Status      string // "" (needs a coordinator, or any status while searching), a list, "open", "all" or a status
	Route       string
	Region      string
	Eligibility string
	Coach       string // "", "unallocated" or a coach's id
	Deadline    string
	Sort        string // "" (deadline) or "received"
}

var (
	queueRoutes      = []string{"self", "supervisor", "case_manager"}
	queueEligibility = []eligibility.Outcome{eligibility.Eligible, eligibility.NotEligible, eligibility.NeedsReview}
	queueDeadlines   = []struct{ value, label string }{
		{store.DeadlineDue, "Overdue or due within " + strconv.Itoa(triage.SoonDays) + " days"},
		{store.DeadlineOverdue, "Overdue"},
		{store.DeadlineSoon, "Due within " + strconv.Itoa(triage.SoonDays) + " days"},
		{store.DeadlineWaiting, "Waiting for trainee"},
		{store.DeadlineResponded, "Responded"},
	}
)

// readQueueFilters takes the filters from a query string or a posted form.
func readQueueFilters(v url.Values) queueFilters {
	pick := func(key string, ok func(string) bool) string {
		if x := v.Get(key); ok(x) {
			return x
		}
		return ""
	}
	in := func(list []string) func(string) bool {
		return func(x string) bool { return slices.Contains(list, x) }
	}
	return queueFilters{
		Status: pick("status", func(x string) bool {
			return x == store.QueueOpen || x == store.QueueAll || slices.Contains(store.QueueLists, x) || slices.Contains(store.QueueStatuses, x)
		}),
		Route:       pick("route", in(queueRoutes)),
		Region:      pick("region", func(x string) bool { return referral.Region(x).Valid() }),
		Eligibility: pick("eligibility", func(x string) bool { return eligibility.Outcome(x).Valid() }),
		Coach: pick("coach", func(x string) bool {
			n, err := strconv.ParseInt(x, 10, 64)
			return x == "unallocated" || (err == nil && n > 0)
		}),
		Deadline: pick("deadline", func(x string) bool {
			return slices.ContainsFunc(queueDeadlines, func(d struct{ value, label string }) bool { return d.value == x })
		}),
		Sort: pick("sort", func(x string) bool { return x == store.SortReceived }),
	}
}

// pairs lists the filters that are set, in a fixed order.
func (f queueFilters) pairs() [][2]string {
	var out [][2]string
	for _, kv := range [][2]string{
		{"status", f.Status}, {"route", f.Route}, {"region", f.Region}, {"eligibility", f.Eligibility},
		{"coach", f.Coach}, {"deadline", f.Deadline}, {"sort", f.Sort},
	} {
		if kv[1] != "" {
			out = append(out, kv)
		}
	}
	return out
}

// url is the queue with these filters, plus a cursor if given. It is the
// only way the page builds its links, and it has no room for the search.
func (f queueFilters) url(cursorKey string, c *store.QueueCursor) string {
	return f.urlAt(queuePath, cursorKey, c)
}

// values are the filters that are set, as a query.
func (f queueFilters) values() url.Values {
	v := url.Values{}
	for _, kv := range f.pairs() {
		v.Set(kv[0], kv[1])
	}
	return v
}

// urlAt is path with these filters, plus a cursor if given.
func (f queueFilters) urlAt(path, cursorKey string, c *store.QueueCursor) string {
	v := f.values()
	if c != nil {
		v.Set(cursorKey, c.String())
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// query is the store's query for these filters and search at now.
func (f queueFilters) query(search string, now time.Time) store.QueueQuery {
	q := store.QueueQuery{
		Status: f.Status, Route: f.Route, Region: f.Region, Eligibility: f.Eligibility,
		Deadline: f.Deadline, Search: search, Sort: f.Sort, Limit: queuePageSize, Now: now,
	}
	if q.Status == "" {
		// A search finds closed referrals too, unless a status is chosen:
		// someone phoning with their reference may have an old one.
		q.Status = store.QueueNeeds
		if search != "" {
			q.Status = store.QueueAll
		}
	}
	switch f.Coach {
	case "":
	case "unallocated":
		q.CoachID = store.CoachUnallocated
	default:
		q.CoachID, _ = strconv.ParseInt(f.Coach, 10, 64)
	}
	return q
}

// referralQueue shows the coordinators' queue: counts per status, filters,
// the search kept in the session, and one page of referrals.
func (s *Server) referralQueue(w http.ResponseWriter, r *http.Request) {
	f := readQueueFilters(r.URL.Query())
	search := s.sessions.GetString(r.Context(), sessQueueSearch)
	q := f.query(search, s.now())
	if c, ok := store.ParseQueueCursor(r.URL.Query().Get("after")); ok {
		q.After = &c
	} else if c, ok := store.ParseQueueCursor(r.URL.Query().Get("before")); ok {
		q.Before = &c
	}
	s.showQueue(w, r, http.StatusOK, f, q, search, nil)
}

// referralHref links a queue row to its referral with the list's filters
// (never the search, never a cursor), so the referral page's "accept and
// open the next" follows the list the coordinator came from. Filters are
// not personal; they carry no name.
func (f queueFilters) referralHref(reference string) string {
	return f.urlAt("/staff/referrals/"+reference, "", nil)
}

// referralQueueSearch keeps the search text in the session and goes back
// to the first page of the queue, with the filters the form carried.
func (s *Server) referralQueueSearch(w http.ResponseWriter, r *http.Request) {
	text := strings.TrimSpace(r.PostFormValue("q")) // parses the form
	f := readQueueFilters(r.PostForm)
	switch {
	case r.PostFormValue("clear") != "" || text == "":
		s.sessions.Remove(r.Context(), sessQueueSearch)
	case utf8.RuneCountInString(text) > queueSearchMost:
		var errs web.Errors
		errs.Add("q", "Search must be "+strconv.Itoa(queueSearchMost)+" characters or fewer")
		// The results of the search still in force, with what was typed
		// in the box to correct.
		search := s.sessions.GetString(r.Context(), sessQueueSearch)
		s.showQueue(w, r, http.StatusUnprocessableEntity, f, f.query(search, s.now()), text, errs)
		return
	default:
		s.sessions.Put(r.Context(), sessQueueSearch, text)
	}
	http.Redirect(w, r, f.url("", nil), http.StatusSeeOther)
}

// showQueue reads the page (its audit row, counts, coaches and the page of
// rows with coach names, in one round trip) and renders it. typed is the
// search box's text.
func (s *Server) showQueue(w http.ResponseWriter, r *http.Request, status int, f queueFilters, q store.QueueQuery, typed string, errs web.Errors) {
	ctx := r.Context()
	// The queue lists trainees by name: looking at it is audited, and
	// nothing is read unless the view's row is written.
	v, err := s.store.QueueView(ctx, s.auditEntry(ctx, "view", "referral_queue", "", store.OutcomeSuccess), q)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	counts, coaches, page := v.Counts, v.Coaches, v.Page
	now := q.Now // the moment the deadline filter used, so flags and filter agree
	searching := q.Search != ""
	p := web.QueueProps{
		Search:    typed,
		Searching: searching,
		Errors:    errs,
		Filters:   queueSelects(f, coaches, searching),
		Caption:   queueCaption(q),
		Lists:     queueListLinks(f),
	}
	if actorFrom(ctx).Has(policy.Coordinator) {
		p.Export = f.urlAt(queueExportPath, "", nil)
	}
	if searching {
		p.SearchKind = searchKindLabel(store.ParseQueueSearch(q.Search))
	}
	for _, kv := range f.pairs() {
		p.Hidden = append(p.Hidden, web.QueueHidden{Name: kv[0], Value: kv[1]})
	}
	if len(f.pairs()) > 0 {
		p.ClearFilters = queuePath
	}
	for _, st := range store.QueueStatuses {
		p.Counts = append(p.Counts, web.QueueCount{
			Label: web.StatusLabel(st), N: counts[st],
			Href: queueFilters{Status: st, Sort: f.Sort}.url("", nil), Current: f.Status == st,
		})
	}
	for _, row := range page.Rows {
		p.Rows = append(p.Rows, web.QueueRow{
			Href: f.referralHref(row.Reference), Reference: row.Reference, TraineeName: row.TraineeName, Route: row.Route, Status: row.Status,
			Eligibility: row.Eligibility, EligibilityLabel: eligibility.Outcome(row.Eligibility).Label(),
			Coach: row.CoachName, SubmittedAt: row.SubmittedAt, Deadline: deadlineCell(row, now),
		})
	}
	if page.Prev != nil {
		p.Prev = f.url("before", page.Prev)
		p.First = f.url("", nil)
	}
	if page.Next != nil {
		p.Next = f.url("after", page.Next)
	}
	s.render(w, r, status, web.QueuePage(s.layout(r, ""), p))
}

// deadlineCell shows a row's response deadline as the queue flags it:
// amber with triage.SoonDays days or fewer left, red once passed.
func deadlineCell(row store.QueueRow, now time.Time) web.QueueDeadline {
	if (row.Status == "closed" || row.Status == "withdrawn") && row.FirstResponseAt.IsZero() {
		return web.QueueDeadline{Text: "No response due"}
	}
	d := triage.ResponseDeadline(row.ClockStart, row.FirstResponseAt, now)
	switch d.Flag {
	case triage.FlagMet:
		return web.QueueDeadline{Text: "Responded", Tag: "nhsuk-tag--green"}
	case triage.FlagWaiting:
		return web.QueueDeadline{Text: "Waiting for trainee", Tag: "nhsuk-tag--grey"}
	case triage.FlagOverdue:
		return web.QueueDeadline{Text: plural(-d.DaysLeft, "day") + " overdue", Tag: "nhsuk-tag--red", Due: d.Due}
	case triage.FlagSoon:
		return web.QueueDeadline{Text: daysLeft(d.DaysLeft), Tag: "nhsuk-tag--orange", Due: d.Due}
	}
	return web.QueueDeadline{Text: daysLeft(d.DaysLeft), Due: d.Due}
}

func daysLeft(n int) string {
	if n == 0 {
		return "Due today"
	}
	return plural(n, "day") + " left"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// searchKindLabel says how the search was understood, after "Showing
// referrals that match the".
func searchKindLabel(s store.QueueSearch) string {
	switch {
	case s.Kind == store.SearchReference:
		return "reference you searched for"
	case utf8.RuneCountInString(s.Value) < store.SearchShortest:
		return "start of a name you searched for"
	}
	return "text you searched for, anywhere in a name, reference, email address or registration number"
}

// queueCaption says what the table holds, for the table's caption.
func queueCaption(q store.QueueQuery) string {
	var what string
	switch q.Status {
	case store.QueueNeeds, store.QueueWaiting, store.QueueUnderway, store.QueueAnswered, store.QueueChase,
		store.QueueForfeits, store.QueueUnconfirmed:
		what = queueListLabel(q.Status)
	case store.QueueOpen:
		what = "Open referrals"
	case store.QueueAll:
		what = "Referrals of any status"
	default:
		what = "Referrals with status " + strings.ToLower(web.StatusLabel(q.Status))
	}
	if q.Sort == store.SortReceived {
		return what + ", newest first"
	}
	return what + ", earliest response deadline first"
}

// queueSelects are the filter form's choices, the current ones selected.
func queueSelects(f queueFilters, coaches []store.QueueCoach, searching bool) []web.QueueSelect {
	opt := func(value, label, current string) web.Option {
		return web.Option{Value: value, Label: label, Checked: value == current}
	}
	status := web.QueueSelect{Name: "status", Label: "List or status"}
	if searching {
		status.Options = []web.Option{opt("", "Any status", f.Status), opt(store.QueueNeeds, queueListLabel(store.QueueNeeds), f.Status)}
	} else {
		status.Options = []web.Option{opt("", queueListLabel(store.QueueNeeds), f.Status), opt(store.QueueAll, "Any status", f.Status)}
	}
	status.Options = append(status.Options, opt(store.QueueOpen, "Open referrals", f.Status))
	for _, l := range store.QueueLists[1:] {
		status.Options = append(status.Options, opt(l, queueListLabel(l), f.Status))
	}
	for _, st := range store.QueueStatuses {
		status.Options = append(status.Options, opt(st, web.StatusLabel(st), f.Status))
	}
	route := web.QueueSelect{Name: "route", Label: "Route", Options: []web.Option{opt("", "Any route", f.Route)}}
	for _, rt := range queueRoutes {
		route.Options = append(route.Options, opt(rt, web.RouteLabel(rt), f.Route))
	}
	region := web.QueueSelect{Name: "region", Label: "Region", Options: []web.Option{opt("", "Any region", f.Region)}}
	for _, rg := range referral.Regions {
		region.Options = append(region.Options, opt(string(rg.Value), rg.Label, f.Region))
	}
	elig := web.QueueSelect{Name: "eligibility", Label: "Eligibility", Options: []web.Option{opt("", "Any result", f.Eligibility)}}
	for _, e := range queueEligibility {
		elig.Options = append(elig.Options, opt(string(e), e.Label(), f.Eligibility))
	}
	coach := web.QueueSelect{Name: "coach", Label: "Coach", Options: []web.Option{
		opt("", "Any coach", f.Coach), opt("unallocated", "Not allocated", f.Coach)}}
	for _, c := range coaches {
		coach.Options = append(coach.Options, opt(strconv.FormatInt(c.ID, 10), c.Name, f.Coach))
	}
	deadline := web.QueueSelect{Name: "deadline", Label: "Response deadline", Options: []web.Option{opt("", "Any", f.Deadline)}}
	for _, d := range queueDeadlines {
		deadline.Options = append(deadline.Options, opt(d.value, d.label, f.Deadline))
	}
	sort := web.QueueSelect{Name: "sort", Label: "Sort by", Options: []web.Option{
		opt("", "Deadline, earliest first", f.Sort), opt(store.SortReceived, "Received, newest first", f.Sort)}}
	return []web.QueueSelect{status, route, region, elig, coach, deadline, sort}
}

// queueListLabel names one of the queue's lists.
func queueListLabel(list string) string {
	switch list {
	case store.QueueNeeds:
		return "Needs a coordinator"
	case store.QueueWaiting:
		return "Waiting for the trainee"
	case store.QueueUnderway:
		return "Allocated or active"
	case store.QueueAnswered:
		return "The trainee answered a question"
	case store.QueueChase:
		return "Waiting for the trainee for more than " + strconv.Itoa(triage.ChaseAfterDays) + " days"
	case store.QueueForfeits:
		return "Lost sessions waiting for a decision to give back"
	case store.QueueUnconfirmed:
		return "Sessions held but not confirmed by the coach after " + plural(triage.ConfirmWithinDays, "day")
	}
	return list
}

// queueListLinks are the three main lists, one link each, the current one
// marked; the default list is the one that needs a coordinator.
func queueListLinks(f queueFilters) []web.QueueCount {
	var out []web.QueueCount
	for _, l := range []string{store.QueueNeeds, store.QueueWaiting, store.QueueUnderway} {
		g := queueFilters{Sort: f.Sort}
		if l != store.QueueNeeds {
			g.Status = l
		}
		cur := f.Status == l || (l == store.QueueNeeds && f.Status == "")
		out = append(out, web.QueueCount{Label: queueListLabel(l), Href: g.url("", nil), Current: cur})
	}
	return out
}
