package benchdata

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outcome questionnaires (migration 00023): most trainees with a coach
// answer before their first session, most of those with a session answer
// at closure (usually rating themselves higher), and some answer the
// six-month follow-up, so the reports' outcome tables show figures.

type outcomeRow struct {
	referral    int64
	stage       string
	at          time.Time
	skipped     bool
	ratings     [5]int
	fft         string
	comment     string
	mayQuote    bool
	destination string
	stillHelps  int
}

var demoComments = []string{
	"Having time to think aloud with someone outside my training programme.",
	"The exercises on what I value made the options much clearer.",
	"It helped to hear how others had moved into public health.",
	"More evening appointments would have helped around my rota.",
	"A clear plan with dates. I would have liked one more session.",
	"Being listened to without judgement about leaving medicine.",
}

var demoFFT = []struct {
	value  string
	weight int
}{{"very_good", 55}, {"good", 30}, {"neither", 7}, {"poor", 3}, {"very_poor", 2}, {"dont_know", 3}}

var demoDestinations = []string{"stay_adjusted", "change_specialty", "less_than_full_time", "time_out", "outside_medicine", "still_deciding"}

func clampRating(n int) int { return max(1, min(5, n)) }

// outcomeRows plans each referral's questionnaires from its own random
// stream.
func outcomeRows(plans []refPlan, o Options) []outcomeRow {
	var out []outcomeRow
	for i := range plans {
		p := &plans[i]
		if p.CoachID == 0 || len(p.Sessions) == 0 {
			continue
		}
		r := rand.New(rand.NewPCG(o.Seed, uint64(p.ID)+0x0a7c0e5))
		first := p.Sessions[0].At
		held := false
		for _, s := range p.Sessions {
			if s.At.Before(o.Now) && (s.Released.IsZero() || s.Released.After(s.At)) {
				held = true
			}
		}
		var before [5]int
		answeredBefore := false
		if at := first.Add(-time.Duration(1+r.IntN(72)) * time.Hour); at.Before(o.Now) && at.After(p.Submitted) {
			switch n := r.IntN(10); {
			case n < 7:
				for k := range before {
					before[k] = 1 + r.IntN(3)
				}
				answeredBefore = true
				out = append(out, outcomeRow{referral: p.ID, stage: "before", at: at, ratings: before})
			case n == 7:
				out = append(out, outcomeRow{referral: p.ID, stage: "before", at: at, skipped: true})
			}
		}
		if p.Status != "closed" || !held || p.Outcome == "withdrew" || p.Outcome == "did_not_engage" || p.Closed.IsZero() {
			continue
		}
		at := p.Closed.Add(time.Duration(2+r.IntN(96)) * time.Hour)
		if !at.Before(o.Now) || r.IntN(10) >= 7 {
			continue
		}
		a := outcomeRow{referral: p.ID, stage: "after", at: at}
		for k := range a.ratings {
			base := before[k]
			if !answeredBefore {
				base = 1 + r.IntN(3)
			}
			a.ratings[k] = clampRating(base + r.IntN(3) - map[bool]int{true: 1, false: 0}[r.IntN(8) == 0])
		}
		w := r.IntN(100)
		for _, f := range demoFFT {
			if w < f.weight {
				a.fft = f.value
				break
			}
			w -= f.weight
		}
		if r.IntN(10) < 3 {
			a.comment = demoComments[r.IntN(len(demoComments))]
			a.mayQuote = r.IntN(3) == 0
		}
		out = append(out, a)
		fu := p.Closed.AddDate(0, 6, 0).Add(time.Duration(r.IntN(240)) * time.Hour)
		if fu.Before(o.Now) && r.IntN(10) < 5 {
			d := p.Outcome
			if r.IntN(10) < 3 || d == "" {
				d = demoDestinations[r.IntN(len(demoDestinations))]
			}
			out = append(out, outcomeRow{referral: p.ID, stage: "followup", at: fu, destination: d, stillHelps: 3 + r.IntN(3)})
		}
	}
	return out
}

func copyOutcomes(ctx context.Context, tx pgx.Tx, plans []refPlan, o Options) (int, error) {
	rows := outcomeRows(plans, o)
	i := 0
	return copyRows(ctx, tx, "outcome_answers", []string{"referral_id", "stage", "answered_at", "skipped", "self_awareness", "options",
		"decision", "plan", "confidence", "fft", "comment", "may_quote", "destination", "still_helps"}, func() []any {
		if i == len(rows) {
			return nil
		}
		a := rows[i]
		i++
		rating := func(n int) any {
			if n == 0 {
				return nil
			}
			return int16(n)
		}
		return []any{a.referral, a.stage, a.at, a.skipped, rating(a.ratings[0]), rating(a.ratings[1]), rating(a.ratings[2]),
			rating(a.ratings[3]), rating(a.ratings[4]), nullString(a.fft), a.comment, a.mayQuote, nullString(a.destination), rating(a.stillHelps)}
	})
}
