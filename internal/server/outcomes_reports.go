package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"careers/internal/outcomes"
	"careers/internal/referral"
	"careers/internal/reports"
	"careers/internal/store"
	"careers/internal/triage"
	"careers/web"
)

// The outcome questionnaire's tables on /staff/reports (docs/reports.md,
// "Outcomes"): figures only, under the small-number rule, and comments
// without the trainee's name unless they agreed to be quoted.
const (
	tableOQChange         = "outcomes-change"
	tableOQChangeRoute    = "outcomes-change-by-route"
	tableOQChangeGroup    = "outcomes-change-by-professional-group"
	tableOQChangeReason   = "outcomes-change-by-reason"
	tableOQFFT            = "outcomes-friends-and-family-test"
	tableOQFeedbackRoute  = "outcomes-feedback-by-route"
	tableOQFeedbackGroup  = "outcomes-feedback-by-professional-group"
	tableOQFeedbackReason = "outcomes-feedback-by-reason"
	tableOQDestinations   = "outcomes-six-month-destinations"
	tableOQDestRoute      = "outcomes-destinations-by-route"
	tableOQDestGroup      = "outcomes-destinations-by-professional-group"
	tableOQDestReason     = "outcomes-destinations-by-reason"
	tableOQComments       = "outcomes-comments"
)

var outcomeTableNames = []string{tableOQChange, tableOQChangeRoute, tableOQChangeGroup, tableOQChangeReason, tableOQFFT,
	tableOQFeedbackRoute, tableOQFeedbackGroup, tableOQFeedbackReason, tableOQDestinations,
	tableOQDestRoute, tableOQDestGroup, tableOQDestReason, tableOQComments}

// sumFFTAnswers records in set that the positive answers (at pos) are the
// sum of the positive ones of the six answers (at[i] for
// outcomes.FFTAnswers[i]) and the rest (at rest) of the others.
func sumFFTAnswers(set *reports.Set, pos, rest int, at []int) {
	var posParts, restParts []int
	for i, a := range outcomes.FFTAnswers {
		if a.Positive {
			posParts = append(posParts, at[i])
		} else {
			restParts = append(restParts, at[i])
		}
	}
	set.Sum(pos, posParts...)
	set.Sum(rest, restParts...)
}

// fftPositiveNote states the convention the share positive follows.
const fftPositiveNote = `Share positive is the "very good" and "good" answers out of all answers to the question, "don't know" included, as NHS England counts the Friends and Family Test.`

// destinationsNote says how the destination tables are withheld together.
const destinationsNote = "The destinations are also shown by route, professional group and reason for referral below. These tables add up to one another, so a count is withheld (not shown, to protect a small number) wherever it, with the totals shown, would give a count of fewer than 5 away."

// pairedNote says how the change is worked out.
const pairedNote = "Each change is worked out only over the trainees who answered that question both before their first session and at closure (a pair); someone who skipped a question counts for the others. Averages and shares over fewer than 5 pairs are not shown."

func pairsOf(ps []store.OutcomePair) []outcomes.Pair {
	out := make([]outcomes.Pair, len(ps))
	for i, p := range ps {
		out[i] = outcomes.Pair{Before: p.Before, After: p.After}
	}
	return out
}

// pairedTrainees counts the trainees with at least one question answered
// both times.
func pairedTrainees(ps []outcomes.Pair) int {
	n := 0
	for _, p := range ps {
		for i := range p.Before {
			if p.Before[i] != 0 && p.After[i] != 0 {
				n++
				break
			}
		}
	}
	return n
}

// changeCells are an item's average before, after and change as the
// report shows them.
func changeCells(c outcomes.Change) (before, after, change string) {
	switch {
	case c.Pairs == 0:
		return "none to count", "none to count", "none to count"
	case c.Pairs < reports.Threshold:
		return reports.Withheld, reports.Withheld, reports.Withheld
	}
	return outcomes.OneDecimal(c.MeanBefore, false), outcomes.OneDecimal(c.MeanAfter, false), outcomes.OneDecimal(c.MeanChange(), true)
}

// dimension is one way the report breaks the answers down.
type dimension struct {
	what string
	cats []keyed
	of   func(route, group string, reasons []string) []string
	// partition: every answer falls under exactly one category, so the
	// categories add up to the whole (not so the reasons).
	partition bool
}

func outcomeDimensions() []dimension {
	routes := make([]keyed, len(queueRoutes))
	for i, rt := range queueRoutes {
		routes[i] = keyed{rt, web.RouteLabel(rt)}
	}
	return []dimension{
		{"Route", routes, func(r, _ string, _ []string) []string { return []string{r} }, true},
		{"Professional group", vocab(referral.ProfessionalGroups), func(_, g string, _ []string) []string { return []string{g} }, true},
		{"Reason for referral", vocab(referral.Reasons), func(_, _ string, rs []string) []string { return rs }, false},
	}
}

// outcomeTables lays out the questionnaire tables for [from, to).
func (s *Server) outcomeTables(ctx context.Context, from, to time.Time) ([]reports.Table, error) {
	q, err := s.store.ReportQuestionnaires(ctx, from, to)
	if err != nil {
		return nil, err
	}
	all := pairsOf(q.Pairs)
	changes := outcomes.Changes(all)
	main := reports.Table{Name: tableOQChange, Caption: "Change from before the first session to closure, in the trainees' own ratings (1 to 5)",
		Columns: []string{"Question", "Pairs", "Average before", "Average at closure", "Change", "Share who rated higher at closure"}}
	for _, c := range changes {
		b, a, ch := changeCells(c)
		main.Rows = append(main.Rows, []string{c.Item.Short, reports.Count(c.Pairs), b, a, ch, reports.Percent(c.Improved, c.Pairs)})
	}
	main.Rows = append(main.Rows, []string{"Trainees with at least one pair", reports.Count(pairedTrainees(all)), "", "", "", ""})
	tables := []reports.Table{main}

	// The six-month answers are counted overall and by each dimension; the
	// counts add up to one another (a route's row to its total, a
	// destination's routes to its overall count), so they are withheld
	// together, as one set of counts with the sums the reader can check.
	destCounts, helps := map[string]int{}, 0
	for _, f := range q.FollowUps {
		destCounts[f.Destination]++
		if f.StillHelps >= 4 {
			helps++
		}
	}
	var dests []keyed
	for _, o := range destinationOptions {
		dests = append(dests, keyed{o.Value, triage.Outcome(o.Value).Label()})
	}
	dcats := categories(dests, destCounts)
	var dset reports.Set
	cell := dset.Add
	grand := cell(len(q.FollowUps))
	destAt := make([]int, len(dcats))
	for j, c := range dcats {
		destAt[j] = cell(destCounts[c.key])
	}
	dset.Sum(grand, destAt...)
	// The share saying the support still helps gives away, with the answers
	// it is out of, how many said so and how many did not: counts of the
	// set too, adding up to the answers overall and in each category, and,
	// for route and professional group, each from its categories' counts.
	helpsAt, notAt := cell(helps), cell(len(q.FollowUps)-helps)
	dset.Sum(grand, helpsAt, notAt)
	// crosses are the destinations by each dimension: the row categories
	// and, per row, where its counts and its total are in dset.
	type cross struct {
		d       dimension
		rows    []keyed
		at      [][]int
		totalAt []int
		// helpsAt and notAt are, per row, where its six-month answers saying
		// the support still helps, and the others, are in dset.
		helpsAt, notAt []int
	}
	var crosses []cross

	// The Friends and Family Test answers are counted overall, by answer
	// and by each dimension; like the six-month answers, they add up to
	// one another (the answers to the total, a route's count with the
	// others' to the total), so they are withheld together.
	fftCounts := map[string]int{}
	for _, p := range q.Pairs {
		if p.FFT != "" {
			fftCounts[p.FFT]++
		}
	}
	var fset reports.Set
	fcell := fset.Add
	pos, n := outcomes.FFTPositive(fftCounts)
	fftGrand := fcell(n)
	fftAt := make([]int, len(outcomes.FFTAnswers))
	for i, a := range outcomes.FFTAnswers {
		fftAt[i] = fcell(fftCounts[a.Value])
	}
	fset.Sum(fftGrand, fftAt...)
	// The share positive gives away, with its count, how many answered
	// positively and how many did not: those two are counts of the set as
	// well, adding up from the answers and to the total.
	posAt, negAt := fcell(pos), fcell(n-pos)
	sumFFTAnswers(&fset, posAt, negAt, fftAt)
	fset.Sum(fftGrand, posAt, negAt)
	// fftCat is where a category's counts are in fset: its answers, and of
	// them the positive and the others (filled in once withheld).
	type fftCat struct{ n, pos, neg int }
	var fftByCategory [][]fftCat

	names := [][2]string{{tableOQChangeRoute, tableOQFeedbackRoute}, {tableOQChangeGroup, tableOQFeedbackGroup}, {tableOQChangeReason, tableOQFeedbackReason}}
	var feedback []reports.Table
	for i, d := range outcomeDimensions() {
		byPairs := map[string][]outcomes.Pair{}
		ffts := map[string]map[string]int{}
		for _, p := range q.Pairs {
			for _, k := range d.of(p.Route, p.Group, p.Reasons) {
				byPairs[k] = append(byPairs[k], outcomes.Pair{Before: p.Before, After: p.After})
				if p.FFT != "" {
					if ffts[k] == nil {
						ffts[k] = map[string]int{}
					}
					ffts[k][p.FFT]++
				}
			}
		}
		follow, helps := map[string]int{}, map[string]int{}
		byDest := map[[2]string]int{}
		for _, f := range q.FollowUps {
			for _, k := range d.of(f.Route, f.Group, f.Reasons) {
				follow[k]++
				byDest[[2]string{k, f.Destination}]++
				if f.StillHelps >= 4 {
					helps[k]++
				}
			}
		}
		seen := map[string]int{}
		for k, v := range byPairs {
			seen[k] = len(v)
		}
		for k, v := range follow {
			seen[k] += v
		}
		ct := reports.Table{Name: names[i][0], Caption: "Change in the trainees' own ratings by " + lowerFirst(d.what), Columns: []string{d.what, "Trainees with a pair"}}
		for _, it := range outcomes.Items {
			ct.Columns = append(ct.Columns, "Change: "+lowerFirst(it.Short))
		}
		ft := reports.Table{Name: names[i][1], Caption: "Feedback and six-month answers by " + lowerFirst(d.what),
			Columns: []string{d.what, "Friends and Family Test answers", "Share positive", "Six-month answers", "Share saying the support still helps (4 or 5)"}}
		x := cross{d: d, rows: categories(d.cats, seen)}
		for _, c := range x.rows {
			total := cell(follow[c.key])
			at := make([]int, len(dcats))
			for j, dc := range dcats {
				at[j] = cell(byDest[[2]string{c.key, dc.key}])
			}
			x.at, x.totalAt = append(x.at, at), append(x.totalAt, total)
			dset.Sum(total, at...)
			h, n := cell(helps[c.key]), cell(follow[c.key]-helps[c.key])
			x.helpsAt, x.notAt = append(x.helpsAt, h), append(x.notAt, n)
			dset.Sum(total, h, n)
		}
		if d.partition {
			for j := range dcats {
				col := make([]int, len(x.rows))
				for r := range x.rows {
					col[r] = x.at[r][j]
				}
				dset.Sum(destAt[j], col...)
			}
			dset.Sum(grand, x.totalAt...)
			dset.Sum(helpsAt, x.helpsAt...)
			dset.Sum(notAt, x.notAt...)
		}
		crosses = append(crosses, x)
		var fat []fftCat
		for _, c := range x.rows {
			ps := byPairs[c.key]
			row := []string{c.label, reports.Count(pairedTrainees(ps))}
			for _, ch := range outcomes.Changes(ps) {
				_, _, cx := changeCells(ch)
				row = append(row, cx)
			}
			ct.Rows = append(ct.Rows, row)
			pos, n := outcomes.FFTPositive(ffts[c.key])
			// The counts and shares are filled in below, once withheld with
			// the others they add up with.
			ft.Rows = append(ft.Rows, []string{c.label, "", "", "", ""})
			fc := fftCat{n: fcell(n), pos: fcell(pos), neg: fcell(n - pos)}
			fset.Sum(fc.n, fc.pos, fc.neg)
			fat = append(fat, fc)
		}
		if d.partition {
			var ns, ps, gs []int
			for _, fc := range fat {
				ns, ps, gs = append(ns, fc.n), append(ps, fc.pos), append(gs, fc.neg)
			}
			fset.Sum(fftGrand, ns...)
			fset.Sum(posAt, ps...)
			fset.Sum(negAt, gs...)
		}
		fftByCategory = append(fftByCategory, fat)
		tables = append(tables, ct)
		feedback = append(feedback, ft)
	}

	dshown, fshown := dset.Shown(), fset.Shown()
	// A share is shown only where the two counts it gives away (those
	// counted, at numAt, and the rest, at restAt, of the set) are shown.
	shareOf := func(set *reports.Set, shown []string, numAt, restAt int) string {
		num, rest := set.Counts[numAt], set.Counts[restAt]
		if shown[numAt] != reports.Count(num) || shown[restAt] != reports.Count(rest) {
			return reports.Hidden
		}
		return reports.Percent(num, num+rest)
	}
	fft := reports.Table{Name: tableOQFFT, Caption: "Friends and Family Test at closure: " + outcomes.FFTQuestion, Columns: []string{"Answer", "Trainees"}}
	for i, a := range outcomes.FFTAnswers {
		fft.Rows = append(fft.Rows, []string{a.Label, fshown[fftAt[i]]})
	}
	fft.Rows = append(fft.Rows, []string{"All answers", fshown[fftGrand]}, []string{"Share positive (very good or good)", shareOf(&fset, fshown, posAt, negAt)})
	tables = append(tables, fft)
	for i, x := range crosses {
		for r := range x.rows {
			fc := fftByCategory[i][r]
			feedback[i].Rows[r][1] = fshown[fc.n]
			feedback[i].Rows[r][2] = shareOf(&fset, fshown, fc.pos, fc.neg)
			feedback[i].Rows[r][3] = dshown[x.totalAt[r]]
			feedback[i].Rows[r][4] = shareOf(&dset, dshown, x.helpsAt[r], x.notAt[r])
		}
	}
	tables = append(tables, feedback...)

	dt := reports.Table{Name: tableOQDestinations, Caption: "Where trainees are six months after closure, in their own words", Columns: []string{"Where they are", "Trainees"}}
	for j, c := range dcats {
		dt.Rows = append(dt.Rows, []string{destLabel(c), dshown[destAt[j]]})
	}
	dt.Rows = append(dt.Rows, []string{"All six-month answers", dshown[grand]},
		[]string{"Share saying the support still helps (4 or 5 out of 5)", shareOf(&dset, dshown, helpsAt, notAt)})
	tables = append(tables, dt)
	for i, x := range crosses {
		t := reports.Table{Name: []string{tableOQDestRoute, tableOQDestGroup, tableOQDestReason}[i],
			Caption: "Where trainees are six months after closure, by " + lowerFirst(x.d.what), Columns: []string{x.d.what}}
		for _, c := range dcats {
			t.Columns = append(t.Columns, destLabel(c))
		}
		t.Columns = append(t.Columns, "All six-month answers")
		for r, c := range x.rows {
			row := []string{c.label}
			for _, at := range x.at[r] {
				row = append(row, dshown[at])
			}
			t.Rows = append(t.Rows, append(row, dshown[x.totalAt[r]]))
		}
		tables = append(tables, t)
	}

	cm := reports.Table{Name: tableOQComments, Caption: "What trainees said at closure",
		Columns: []string{"Answered", "Friends and Family Test answer", "Comment", "Name"}}
	for _, c := range q.Comments {
		name := c.Name
		if name == "" {
			name = "Not shared (the trainee did not agree to be quoted)"
		}
		fftLabel := outcomes.FFTLabel(c.FFT)
		if fftLabel == "" {
			fftLabel = "Not answered"
		}
		cm.Rows = append(cm.Rows, []string{web.Date(c.At), fftLabel, c.Comment, name})
	}
	tables = append(tables, cm)
	return tables, nil
}

// destLabel is how the report names a six-month destination.
func destLabel(c keyed) string {
	if c.key == "" {
		return "Did not say"
	}
	return c.label
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	if s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

// outcomeSections are the report page's outcome headings.
func outcomeSections(byName map[string]reports.Table, p reports.Period) []web.ReportSection {
	table := func(name, note string) web.ReportTable {
		t := byName[name]
		return web.ReportTable{Caption: t.Caption, Columns: t.Columns, Rows: t.Rows, Note: note, CSV: reportURL(reportsPath+"/"+name+".csv", p)}
	}
	ch := table(tableOQChange, pairedNote)
	ch.Chart = outcomeChart(byName[tableOQChange])
	comments := table(tableOQComments, "Comments are shown as the trainee wrote them. The name is shown only where the trainee agreed to be quoted.")
	if len(comments.Rows) == 0 {
		comments.Note = "No comments for this period."
	}
	return []web.ReportSection{
		{ID: "questionnaire", Title: "Does careers support help?",
			Intro: "The trainees' own ratings on the unit's four stages and their confidence, before their first session and at closure, for referrals closed in the period. Answering is never compulsory, so these are the trainees who chose to answer.",
			Link:  reportURL(reportsPath+"/outcomes/summary", p), LinkText: "A one-page outcome summary for this period, to print",
			Tables: []web.ReportTable{ch, table(tableOQChangeRoute, ""), table(tableOQChangeGroup, ""), table(tableOQChangeReason, "A referral with several reasons counts under each.")}},
		{ID: "feedback", Title: "Feedback and six months on",
			Intro: "The Friends and Family Test answers given at closure (referrals closed in the period), and the answers to the six-month follow-up given in the period.",
			Tables: []web.ReportTable{table(tableOQFFT, fftPositiveNote), table(tableOQFeedbackRoute, ""), table(tableOQFeedbackGroup, ""),
				table(tableOQFeedbackReason, "A referral with several reasons counts under each."), table(tableOQDestinations, destinationsNote),
				table(tableOQDestRoute, ""), table(tableOQDestGroup, ""),
				table(tableOQDestReason, "A referral with several reasons counts under each, so the rows add up to more than the answers."), comments}},
	}
}

// outcomeChart draws the average before and at closure of each question,
// on the 1-to-5 scale, from the change table's cells (a withheld average
// draws no bar).
func outcomeChart(t reports.Table) *web.ReportChart {
	var items []reports.ScaleItem
	for _, row := range t.Rows {
		if len(row) < 4 || row[2] == "" {
			continue
		}
		for _, x := range []struct{ label, v string }{{row[0] + ": before", row[2]}, {row[0] + ": at closure", row[3]}} {
			v, err := strconv.ParseFloat(x.v, 64)
			items = append(items, reports.ScaleItem{Label: x.label, Value: v, Shown: x.v, Drawn: err == nil})
		}
	}
	c := reports.ScaleChart(items, 5)
	wc := &web.ReportChart{ID: "chart-" + t.Name, Title: "Bar chart: average self-rating out of 5, before the first session and at closure",
		Desc: c.Desc(), Width: reports.ChartWidth, Height: c.Height}
	for _, b := range c.Bars {
		wc.Bars = append(wc.Bars, web.ReportBar{Label: b.Label, Value: b.Value, LabelY: b.LabelY, BarY: b.BarY, Width: b.Width, TextX: b.TextX, TextY: b.TextY})
	}
	return wc
}

// outcomeSummary is the one-page printable outcome summary for a period.
func (s *Server) outcomeSummary(w http.ResponseWriter, r *http.Request) {
	p, from, to, errs := s.reportPeriod(r.URL.Query())
	props := web.OutcomeSummaryProps{From: from, To: to, Errors: errs, Back: reportsPath}
	status := http.StatusOK
	detail := "outcome summary " + from + " to " + to
	if errs.Any() {
		status = http.StatusUnprocessableEntity
		detail = "invalid period"
	} else {
		props.Back = reportURL(reportsPath, p) + "#questionnaire"
		start, end := p.Bounds(londonTZ)
		tables, err := s.outcomeTables(r.Context(), start, end)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		byName := map[string]reports.Table{}
		for _, t := range tables {
			byName[t.Name] = t
		}
		props.Period = periodWords(p)
		ch := byName[tableOQChange]
		props.Chart = outcomeChart(ch)
		conf := ch.Rows[len(outcomes.Items)-1]
		last := ch.Rows[len(ch.Rows)-1]
		props.Points = append(props.Points, "Trainees who answered the same question before their first session and at closure: "+last[1]+".")
		if _, err := strconv.ParseFloat(conf[2], 64); err == nil {
			props.Points = append(props.Points, "Confidence about their career went from "+conf[2]+" to "+conf[3]+" out of 5 on average ("+conf[4]+"), over "+conf[1]+" pairs; "+conf[5]+" rated it higher at closure.")
		} else {
			props.Points = append(props.Points, "Change in confidence: "+conf[2]+".")
		}
		fft := byName[tableOQFFT]
		share, all := fft.Rows[len(fft.Rows)-1][1], fft.Rows[len(fft.Rows)-2][1]
		if strings.HasSuffix(share, "%") {
			props.Points = append(props.Points, "Friends and Family Test: "+share+" positive, of "+all+" answers.")
		} else {
			props.Points = append(props.Points, "Friends and Family Test: "+all+" answers; the share positive is "+share+".")
		}
		dt := byName[tableOQDestinations]
		props.Points = append(props.Points, "Six months on: "+dt.Rows[len(dt.Rows)-2][1]+" answers; share saying the support still helps: "+dt.Rows[len(dt.Rows)-1][1]+".")
		for _, name := range []string{tableOQChange, tableOQFFT, tableOQDestinations} {
			t := byName[name]
			props.Tables = append(props.Tables, web.ReportTable{Caption: t.Caption, Columns: t.Columns, Rows: t.Rows,
				CSV: reportURL(reportsPath+"/"+name+".csv", p)})
		}
	}
	if err := s.audit(r.Context(), s.store, "view", "report", "outcome-summary", store.OutcomeSuccess, detail); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.OutcomeSummaryPage(s.layout(r, ""), props))
}
