package triage

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// Coach is what the suggestion knows about a coach.
type Coach struct {
	ID          int64
	Name        string
	Active      int      // open referrals allocated to them now
	Capacity    int      // how many they can take at once
	Modes       []string // "virtual", "in_person", "telephone"
	Specialisms []string // free text, e.g. "surgery", "leaving medicine"
	IsActive    bool     // the staff account is active
}

// Need is what the trainee asked for: their preferred mode ("virtual",
// "in_person", "telephone"; "" for no preference), their reasons for
// referral (the values of package referral, e.g. "outside_medicine") and
// their specialty as they typed it.
type Need struct {
	Mode      string
	Reasons   []string
	Specialty string
}

// Ranked is one coach with how well they fit a need.
type Ranked struct {
	Coach Coach
	// Fits says in plain English why the coach fits, and where they do not
	// offer the trainee's mode, says that too.
	Fits []string
	// Full is true when the coach is at or over capacity.
	Full bool
	// Score is the fit Rank orders by before load: 4 for having room, 2 for
	// offering the mode, 1 for a specialism that matches.
	Score int
}

// The parts of Score.
const (
	scoreRoom       = 4
	scoreMode       = 2
	scoreSpecialism = 1
)

// modeWords is each mode as it reads after "offers".
var modeWords = map[string]string{
	"virtual":   "video calls",
	"in_person": "in-person sessions",
	"telephone": "telephone sessions",
}

// reasonKeywords are phrases that, found in a coach's specialism, show it
// suits a reason for referral. Matching is by whole words, ignoring case and
// punctuation ("non-clinical" is "non clinical").
var reasonKeywords = map[string][]string{
	"uncertain_direction": {"specialty choice", "choosing a specialty", "career direction", "career choice", "career planning"},
	"outside_medicine":    {"leaving medicine", "outside medicine", "alternative careers", "career change", "non clinical"},
	"explore_in_confidence": {
		"career exploration", "exploring options", "career options",
	},
	"lack_of_progress": {"lack of progress", "progression", "arcp", "remediation", "training difficulties", "exam failure"},
	"ill_health":       {"ill health", "disability", "long term condition", "long term conditions", "reasonable adjustments", "health and career"},
}

// Rank orders the active coaches for a need, best first: coaches with room
// before full ones, then those who offer the trainee's mode, then those with
// a matching specialism (by Score), then the lightest load (Active over
// Capacity), then by name and ID so the order is stable. Inactive coaches
// are left out; full ones are listed last so the coordinator can still
// choose them knowingly.
func Rank(coaches []Coach, n Need) []Ranked {
	need := needWords(n)
	out := make([]Ranked, 0, len(coaches))
	for _, c := range coaches {
		if !c.IsActive {
			continue
		}
		r := Ranked{Coach: c, Full: c.Active >= c.Capacity}
		if !r.Full {
			r.Score += scoreRoom
		}
		switch {
		case n.Mode == "":
			r.Score += scoreMode
		case slices.Contains(c.Modes, n.Mode):
			r.Score += scoreMode
			r.Fits = append(r.Fits, "Offers "+modeWord(n.Mode))
		default:
			r.Fits = append(r.Fits, "Does not offer "+modeWord(n.Mode))
		}
		matched := false
		for _, s := range c.Specialisms {
			if specialismFits(words(s), need) {
				matched = true
				r.Fits = append(r.Fits, "Specialism: "+strings.TrimSpace(s))
			}
		}
		if matched {
			r.Score += scoreSpecialism
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Ranked) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := compareLoad(a.Coach, b.Coach); c != 0 {
			return c
		}
		if c := cmp.Compare(strings.ToLower(a.Coach.Name), strings.ToLower(b.Coach.Name)); c != 0 {
			return c
		}
		return cmp.Compare(a.Coach.ID, b.Coach.ID)
	})
	return out
}

// Suggest is the coach to offer first: the best-ranked coach with room, who
// offers the trainee's mode where any coach with room does (if none does,
// the suggestion says so in Fits). It is false when no active coach has room.
func Suggest(coaches []Coach, n Need) (Ranked, bool) {
	ranked := Rank(coaches, n)
	if len(ranked) == 0 || ranked[0].Full {
		return Ranked{}, false
	}
	best := ranked[0]
	if best.Score&scoreMode == 0 {
		best.Fits = append(best.Fits, "No coach with room offers "+modeWord(n.Mode))
	}
	return best, true
}

// compareLoad orders a before b when a's caseload is the smaller share of
// their capacity, without floating point; no capacity counts as fullest.
func compareLoad(a, b Coach) int {
	switch {
	case a.Capacity <= 0 && b.Capacity <= 0:
		return cmp.Compare(a.Active, b.Active)
	case a.Capacity <= 0:
		return 1
	case b.Capacity <= 0:
		return -1
	}
	return cmp.Compare(int64(a.Active)*int64(b.Capacity), int64(b.Active)*int64(a.Capacity))
}

// modeWord is the mode as it reads after "offers".
func modeWord(mode string) string {
	if w, ok := modeWords[mode]; ok {
		return w
	}
	return strings.ReplaceAll(mode, "_", " ")
}

// need is a Need as phrases a specialism may match: the specialty text, and
// the keywords of each reason.
type need struct {
	specialty []string
	keywords  [][]string
}

// needWords splits n into the phrases a specialism may match.
func needWords(n Need) need {
	nw := need{specialty: words(n.Specialty)}
	for _, r := range n.Reasons {
		for _, k := range reasonKeywords[r] {
			nw.keywords = append(nw.keywords, words(k))
		}
	}
	return nw
}

// specialismFits reports whether a specialism (as words) matches the need:
// the specialism appears as whole words in the specialty ("surgery" in
// "General surgery, ST4") or the specialty in the specialism ("paediatrics"
// in "paediatrics and child health"), or a reason's keyword appears in the
// specialism ("leaving medicine" for outside_medicine).
func specialismFits(spec []string, n need) bool {
	if len(spec) == 0 {
		return false
	}
	if containsPhrase(n.specialty, spec) || containsPhrase(spec, n.specialty) {
		return true
	}
	return slices.ContainsFunc(n.keywords, func(k []string) bool { return containsPhrase(spec, k) })
}

// words splits s into lower-case words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// containsPhrase reports whether phrase occurs in text as consecutive whole
// words; an empty phrase occurs nowhere.
func containsPhrase(text, phrase []string) bool {
	if len(phrase) == 0 {
		return false
	}
	for i := 0; i+len(phrase) <= len(text); i++ {
		if slices.Equal(text[i:i+len(phrase)], phrase) {
			return true
		}
	}
	return false
}
