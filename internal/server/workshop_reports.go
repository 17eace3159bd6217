package server

import (
	"context"
	"strconv"
	"time"

	"careers/internal/outcomes"
	"careers/internal/reports"
	"careers/web"
)

// The workshops' tables on /staff/reports (issue 16; ws-after;
// docs/reports.md, "Workshops"): per event and over the period,
// registrations, places, attendance, no-shows, the waiting list's
// conversion and the Friends and Family Test, all under the small-number
// rule, withheld together since the events' counts add up to the period's.
const (
	tableWSEvents   = "workshops-by-event"
	tableWSTotals   = "workshops-totals"
	tableWSMonths   = "workshops-by-month"
	tableWSFFT      = "workshops-friends-and-family-test"
	tableWSComments = "workshops-comments"
	// tableWSCommentsAll is the page's comments table: every comment, for
	// the coordinators and leads who read the page. It has no CSV (it is
	// not in reportTableNames): the CSV leaves out the comments of events
	// with fewer than 5 answers.
	tableWSCommentsAll = "workshops-comments-all"
)

var workshopTableNames = []string{tableWSEvents, tableWSTotals, tableWSMonths, tableWSFFT, tableWSComments}

// numeric reports whether a shown count is a number (not withheld).
func numeric(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// WorkshopWithheld is how a rate over too few people, or beside a
// withheld count, reads in the workshop tables.
const WorkshopWithheld = "not shown (fewer than 5 people, or a count withheld)"

// rateOf is num out of den as reports.Percent gives it, withheld also when
// either count is withheld (a rate beside a withheld count could give it
// away).
func rateOf(num, den int, numShown, denShown string) string {
	if den > 0 && (!numeric(numShown) || !numeric(denShown)) {
		return WorkshopWithheld
	}
	if r := reports.Percent(num, den); r != reports.Withheld {
		return r
	}
	return WorkshopWithheld
}

// workshopTables lays out the workshop tables for the events starting in
// [from, to).
func (s *Server) workshopTables(ctx context.Context, from, to time.Time) ([]reports.Table, error) {
	rep, err := s.store.ReportWorkshops(ctx, from, to)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var set reports.Set
	cell := set.Add
	type eventCells struct {
		reg, places, att, noshow, waited, conv, fb int // indexes into counts; -1 when not counted
		pos, rest                                  int // indexes: the positive answers and the others
		ended                                      bool
	}
	var cancelled int
	var evs []eventCells
	var held []int // indexes into rep.Workshops of the events shown
	fftCounts := map[string]int{}
	var sums struct{ reg, places, placesEnded, att, noshow, waited, conv, fb, pos, rest []int }
	answered := map[int64]int{}
	for i, w := range rep.Workshops {
		if w.Cancelled {
			cancelled++
			continue
		}
		e := eventCells{ended: !now.Before(w.EndsAt), att: -1, noshow: -1}
		e.reg, e.places = cell(w.Registrations), cell(w.Places)
		e.waited, e.conv = cell(w.Waited), cell(w.Converted)
		if e.ended {
			e.att, e.noshow = cell(w.Attended), cell(w.Places-w.Attended)
			set.Sum(e.places, e.att, e.noshow)
			sums.placesEnded = append(sums.placesEnded, e.places)
			sums.att, sums.noshow = append(sums.att, e.att), append(sums.noshow, e.noshow)
		}
		pos, answers := outcomes.FFTPositive(w.FFT)
		e.fb, e.pos, e.rest = cell(answers), cell(pos), cell(answers-pos)
		set.Sum(e.fb, e.pos, e.rest)
		sums.pos, sums.rest = append(sums.pos, e.pos), append(sums.rest, e.rest)
		answered[w.ID] = answers
		for k, n := range w.FFT {
			fftCounts[k] += n
		}
		sums.reg, sums.places = append(sums.reg, e.reg), append(sums.places, e.places)
		sums.waited, sums.conv, sums.fb = append(sums.waited, e.waited), append(sums.conv, e.conv), append(sums.fb, e.fb)
		evs = append(evs, e)
		held = append(held, i)
	}
	// sum adds up the counts at parts; total puts their sum in the set as
	// the line's total.
	sum := func(parts []int) int {
		n := 0
		for _, p := range parts {
			n += set.Counts[p]
		}
		return n
	}
	total := func(parts []int) int {
		at := cell(sum(parts))
		set.Sum(at, parts...)
		return at
	}
	tReg, tPlaces, tPlacesEnded := total(sums.reg), total(sums.places), total(sums.placesEnded)
	tAtt, tNoshow := total(sums.att), total(sums.noshow)
	tWaited, tConv, tFB := total(sums.waited), total(sums.conv), total(sums.fb)
	set.Sum(tPlacesEnded, tAtt, tNoshow)
	ansAt := make([]int, len(outcomes.FFTAnswers))
	for i, a := range outcomes.FFTAnswers {
		ansAt[i] = cell(fftCounts[a.Value])
	}
	set.Sum(tFB, ansAt...)
	// The share positive gives away, with the answers it is out of, how
	// many answered positively and how many did not: counts of the set as
	// well, adding up from the answers and to the total.
	tPos, tRest := total(sums.pos), total(sums.rest)
	set.Sum(tFB, tPos, tRest)
	sumFFTAnswers(&set, tPos, tRest, ansAt)

	// Month by month (UK time, by the start): the events held, their
	// places, attendance and feedback, each month the sum of its events
	// and the months the sum of the period.
	type monthCells struct {
		label                              string
		events                             int
		places, att, noshow, fb, pos, rest int // indexes into counts
		attN, placesN                      int
	}
	var months []*monthCells
	byMonth := map[string]*monthCells{}
	var mParts struct{ places, att, noshow, fb, pos, rest [][]int }
	for j, e := range evs {
		w := rep.Workshops[held[j]]
		key := w.StartsAt.In(londonTZ).Format("2006-01")
		m := byMonth[key]
		if m == nil {
			m = &monthCells{label: w.StartsAt.In(londonTZ).Format("January 2006")}
			byMonth[key] = m
			months = append(months, m)
			mParts.places, mParts.att = append(mParts.places, nil), append(mParts.att, nil)
			mParts.noshow, mParts.fb = append(mParts.noshow, nil), append(mParts.fb, nil)
			mParts.pos, mParts.rest = append(mParts.pos, nil), append(mParts.rest, nil)
		}
		k := len(months) - 1
		for i := range months {
			if months[i] == m {
				k = i
			}
		}
		m.events++
		if e.ended {
			mParts.places[k] = append(mParts.places[k], e.places)
			mParts.att[k], mParts.noshow[k] = append(mParts.att[k], e.att), append(mParts.noshow[k], e.noshow)
			m.attN += w.Attended
			m.placesN += w.Places
		}
		mParts.fb[k] = append(mParts.fb[k], e.fb)
		mParts.pos[k], mParts.rest[k] = append(mParts.pos[k], e.pos), append(mParts.rest[k], e.rest)
	}
	var monthPlaces, monthAtt, monthNoshow, monthFB, monthPos, monthRest []int
	for k, m := range months {
		m.places, m.att, m.noshow, m.fb = total(mParts.places[k]), total(mParts.att[k]), total(mParts.noshow[k]), total(mParts.fb[k])
		m.pos, m.rest = total(mParts.pos[k]), total(mParts.rest[k])
		set.Sum(m.places, m.att, m.noshow)
		set.Sum(m.fb, m.pos, m.rest)
		monthPlaces, monthAtt = append(monthPlaces, m.places), append(monthAtt, m.att)
		monthNoshow, monthFB = append(monthNoshow, m.noshow), append(monthFB, m.fb)
		monthPos, monthRest = append(monthPos, m.pos), append(monthRest, m.rest)
	}
	set.Sum(tPlacesEnded, monthPlaces...)
	set.Sum(tAtt, monthAtt...)
	set.Sum(tNoshow, monthNoshow...)
	set.Sum(tFB, monthFB...)
	set.Sum(tPos, monthPos...)
	set.Sum(tRest, monthRest...)
	shown := set.Shown()
	// sharePositive is shown only where the positive answers and the rest,
	// the two counts it gives away, are shown (rateOf's rule).
	sharePositive := func(pos, rest int) string {
		return rateOf(set.Counts[pos], set.Counts[pos]+set.Counts[rest], shown[pos], shown[rest])
	}
	mt := reports.Table{Name: tableWSMonths, Caption: "Workshops and webinars month by month",
		Columns: []string{"Month", "Events", "Places (events that have ended)", "Attended", "No-shows", "Attendance rate", "Feedback answers", "Share positive"}}
	for _, m := range months {
		mt.Rows = append(mt.Rows, []string{m.label, reports.Exact(m.events), shown[m.places], shown[m.att], shown[m.noshow],
			rateOf(m.attN, m.placesN, shown[m.att], shown[m.places]), shown[m.fb], sharePositive(m.pos, m.rest)})
	}

	notYet := "not yet (the event has not ended)"
	et := reports.Table{Name: tableWSEvents, Caption: "Workshops and webinars in the period, event by event",
		Columns: []string{"Event", "Date", "Registrations", "Places", "Attended", "No-shows", "Attendance rate",
			"Joined the waiting list", "Got a place from it", "Waiting-list conversion", "Feedback answers", "Share positive"}}
	for j, e := range evs {
		w := rep.Workshops[held[j]]
		date := web.Date(w.StartsAt)
		if w.Destroyed {
			date += " (registrations destroyed after the retention period)"
		}
		att, noshow, rate := notYet, notYet, notYet
		if e.ended {
			att, noshow = shown[e.att], shown[e.noshow]
			rate = rateOf(w.Attended, w.Places, att, shown[e.places])
		}
		et.Rows = append(et.Rows, []string{w.Title, date, shown[e.reg], shown[e.places], att, noshow, rate,
			shown[e.waited], shown[e.conv], rateOf(w.Converted, w.Waited, shown[e.conv], shown[e.waited]),
			shown[e.fb], sharePositive(e.pos, e.rest)})
	}

	tt := reports.Table{Name: tableWSTotals, Caption: "Workshops and webinars over the period", Columns: []string{"Measure", "Figure"},
		Rows: [][]string{
			{"Events held or coming (not cancelled)", reports.Exact(len(evs))},
			{"Events cancelled", reports.Exact(cancelled)},
			{"Registrations (confirmed)", shown[tReg]},
			{"Places taken", shown[tPlaces]},
			{"Places at events that have ended", shown[tPlacesEnded]},
			{"Attended", shown[tAtt]},
			{"No-shows (a place, not attended)", shown[tNoshow]},
			{"Attendance rate (attended out of places, events that have ended)", rateOf(sum(sums.att), sum(sums.placesEnded), shown[tAtt], shown[tPlacesEnded])},
			{"Joined the waiting list", shown[tWaited]},
			{"Got a place from the waiting list", shown[tConv]},
			{"Waiting-list conversion (got a place out of all who waited)", rateOf(sum(sums.conv), sum(sums.waited), shown[tConv], shown[tWaited])},
			{"Feedback answers", shown[tFB]},
			{"Share positive (very good or good)", sharePositive(tPos, tRest)},
		}}

	ft := reports.Table{Name: tableWSFFT, Caption: "Workshop feedback: " + outcomes.FFTQuestion, Columns: []string{"Answer", "Attendees"}}
	for i, a := range outcomes.FFTAnswers {
		ft.Rows = append(ft.Rows, []string{a.Label, shown[ansAt[i]]})
	}
	ft.Rows = append(ft.Rows, []string{"All answers", shown[tFB]}, []string{"Share positive (very good or good)", sharePositive(tPos, tRest)})

	titles := map[int64]string{}
	for _, w := range rep.Workshops {
		titles[w.ID] = w.Title + ", " + web.Date(w.StartsAt)
	}
	cols := []string{"Event", "Answered", "Friends and Family Test answer", "What could we do better?"}
	csvC := reports.Table{Name: tableWSComments, Caption: "What attendees said could be better", Columns: cols}
	pageC := reports.Table{Name: tableWSCommentsAll, Caption: "What attendees said could be better", Columns: cols}
	for _, c := range rep.Comments {
		small := answered[c.WorkshopID] < reports.Threshold
		fft := outcomes.FFTLabel(c.FFT)
		if small {
			// With so few answers, the answer beside a comment could say
			// whose it is: the comment only, on the page only.
			fft = "not shown (fewer than 5 answers)"
		}
		row := []string{titles[c.WorkshopID], web.Date(c.At), fft, c.Comment}
		pageC.Rows = append(pageC.Rows, row)
		if !small {
			csvC.Rows = append(csvC.Rows, row)
		}
	}
	return []reports.Table{et, tt, mt, ft, csvC, pageC}, nil
}

// workshopSections is the report page's "Workshops" heading.
func workshopSections(byName map[string]reports.Table, p reports.Period) []web.ReportSection {
	table := func(name, note string) web.ReportTable {
		t := byName[name]
		return web.ReportTable{Caption: t.Caption, Columns: t.Columns, Rows: t.Rows, Note: note, CSV: reportURL(reportsPath+"/"+name+".csv", p)}
	}
	comments := table(tableWSCommentsAll, "Comments are shown as the attendee wrote them, without their name, only to coordinators and PSU leads. "+
		"The download leaves out the comments of events with fewer than 5 feedback answers.")
	comments.CSV = reportURL(reportsPath+"/"+tableWSComments+".csv", p)
	if len(comments.Rows) == 0 {
		comments.Note = "No comments for this period."
	}
	return []web.ReportSection{{ID: "workshops", Title: "Workshops and webinars",
		Intro: "Events starting in the period. Registrations are confirmed ones; places are those held now (at an event that has ended, at its end); a no-show had a place and was not marked as attending. " +
			"Someone joined the waiting list when they did not get a place straight away; the conversion is how many of them got one. " +
			"The events' counts add up to the period's, so a count is withheld wherever it, with the totals shown, would give a count of fewer than 5 away.",
		Tables: []web.ReportTable{table(tableWSTotals, ""), table(tableWSMonths, ""), table(tableWSEvents, ""), table(tableWSFFT, fftPositiveNote), comments}}}
}
