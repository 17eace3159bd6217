package triage_test

import (
	"slices"
	"testing"

	"careers/internal/referral"
	"careers/internal/triage"
)

// coach builds an active coach; modes default to video only.
func coach(id int64, name string, active, capacity int, modes []string, specialisms ...string) triage.Coach {
	if modes == nil {
		modes = []string{"virtual"}
	}
	return triage.Coach{ID: id, Name: name, Active: active, Capacity: capacity, Modes: modes, Specialisms: specialisms, IsActive: true}
}

func ids(rs []triage.Ranked) []int64 {
	out := make([]int64, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Coach.ID)
	}
	return out
}

var (
	videoOnly = []string{"virtual"}
	allModes  = []string{"virtual", "in_person", "telephone"}
	phone     = []string{"telephone"}
)

func TestRank(t *testing.T) {
	cases := []struct {
		name    string
		coaches []triage.Coach
		need    triage.Need
		want    []int64
	}{
		{"lowest load first",
			[]triage.Coach{coach(1, "Ash", 5, 10, nil), coach(2, "Birch", 2, 10, nil), coach(3, "Cedar", 4, 10, nil)},
			triage.Need{Mode: "virtual"}, []int64{2, 3, 1}},
		{"load is a ratio, not a count",
			[]triage.Coach{coach(1, "Ash", 3, 4, nil), coach(2, "Birch", 5, 20, nil)},
			triage.Need{Mode: "virtual"}, []int64{2, 1}},
		{"equal load: by name, ignoring case, then ID",
			[]triage.Coach{coach(3, "ash", 1, 5, nil), coach(2, "Birch", 2, 10, nil), coach(1, "Birch", 1, 5, nil)},
			triage.Need{Mode: "virtual"}, []int64{3, 1, 2}},
		{"inactive coaches are left out",
			[]triage.Coach{coach(1, "Ash", 0, 10, nil), {ID: 2, Name: "Birch", Capacity: 10, Modes: videoOnly}},
			triage.Need{Mode: "virtual"}, []int64{1}},
		{"full coaches last, even with everything else in their favour",
			[]triage.Coach{coach(1, "Ash", 10, 10, allModes, "surgery"), coach(2, "Birch", 9, 10, videoOnly), coach(3, "Cedar", 12, 10, nil)},
			triage.Need{Mode: "telephone", Specialty: "Surgery"}, []int64{2, 1, 3}},
		{"zero capacity is full",
			[]triage.Coach{coach(1, "Ash", 0, 0, nil), coach(2, "Birch", 3, 3, nil)},
			triage.Need{Mode: "virtual"}, []int64{2, 1}},
		{"mode before load",
			[]triage.Coach{coach(1, "Ash", 0, 10, videoOnly), coach(2, "Birch", 8, 10, phone)},
			triage.Need{Mode: "telephone"}, []int64{2, 1}},
		{"specialism before load",
			[]triage.Coach{coach(1, "Ash", 0, 10, nil), coach(2, "Birch", 8, 10, nil, "Surgery")},
			triage.Need{Mode: "virtual", Specialty: "General surgery (ST4)"}, []int64{2, 1}},
		{"mode before specialism",
			[]triage.Coach{coach(1, "Ash", 0, 10, videoOnly, "surgery"), coach(2, "Birch", 8, 10, allModes)},
			triage.Need{Mode: "in_person", Specialty: "surgery"}, []int64{2, 1}},
		{"no preferred mode: everyone matches",
			[]triage.Coach{coach(1, "Ash", 5, 10, phone), coach(2, "Birch", 2, 10, videoOnly)},
			triage.Need{}, []int64{2, 1}},
		{"nobody", nil, triage.Need{Mode: "virtual"}, []int64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(triage.Rank(c.coaches, c.need)); !slices.Equal(got, c.want) {
				t.Fatalf("Rank = %v, want %v", got, c.want)
			}
		})
	}
}

func TestRankFits(t *testing.T) {
	cases := []struct {
		name  string
		c     triage.Coach
		need  triage.Need
		fits  []string
		full  bool
		score int
	}{
		{"mode and specialty",
			coach(1, "Ash", 1, 10, allModes, "Surgery", "Anaesthetics"),
			triage.Need{Mode: "telephone", Specialty: "general surgery"},
			[]string{"Offers telephone sessions", "Specialism: Surgery"}, false, 7},
		{"specialty inside the specialism",
			coach(1, "Ash", 1, 10, nil, "paediatrics and child health"),
			triage.Need{Mode: "virtual", Specialty: "Paediatrics"},
			[]string{"Offers video calls", "Specialism: paediatrics and child health"}, false, 7},
		{"reason keyword",
			coach(1, "Ash", 1, 10, nil, "Leaving medicine"),
			triage.Need{Mode: "virtual", Reasons: []string{"outside_medicine"}},
			[]string{"Offers video calls", "Specialism: Leaving medicine"}, false, 7},
		{"reason keyword across punctuation",
			coach(1, "Ash", 1, 10, nil, "Non-clinical careers"),
			triage.Need{Mode: "virtual", Reasons: []string{"uncertain_direction", "outside_medicine"}},
			[]string{"Offers video calls", "Specialism: Non-clinical careers"}, false, 7},
		{"whole words only",
			coach(1, "Ash", 1, 10, nil, "surgery"),
			triage.Need{Mode: "virtual", Specialty: "Neurosurgery"},
			[]string{"Offers video calls"}, false, 6},
		{"a reason with no keywords matches nothing",
			coach(1, "Ash", 1, 10, nil, "other"),
			triage.Need{Mode: "virtual", Reasons: []string{"other"}},
			[]string{"Offers video calls"}, false, 6},
		{"a shared word is not enough",
			coach(1, "Ash", 1, 10, nil, "general practice"),
			triage.Need{Mode: "virtual", Specialty: "General surgery"},
			[]string{"Offers video calls"}, false, 6},
		{"wrong mode, full",
			coach(1, "Ash", 10, 10, videoOnly, "surgery"),
			triage.Need{Mode: "in_person", Specialty: "Surgery"},
			[]string{"Does not offer in-person sessions", "Specialism: surgery"}, true, 1},
		{"several specialisms match",
			coach(1, "Ash", 0, 10, nil, "Surgery", "career change", "ARCP and progression"),
			triage.Need{Mode: "virtual", Specialty: "Surgery", Reasons: []string{"outside_medicine", "lack_of_progress"}},
			[]string{"Offers video calls", "Specialism: Surgery", "Specialism: career change", "Specialism: ARCP and progression"}, false, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := triage.Rank([]triage.Coach{c.c}, c.need)
			if len(got) != 1 {
				t.Fatalf("Rank returned %d coaches, want 1", len(got))
			}
			r := got[0]
			if !slices.Equal(r.Fits, c.fits) || r.Full != c.full || r.Score != c.score {
				t.Fatalf("Fits %q Full %v Score %d; want %q %v %d", r.Fits, r.Full, r.Score, c.fits, c.full, c.score)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	cases := []struct {
		name     string
		coaches  []triage.Coach
		need     triage.Need
		want     int64 // 0: no suggestion
		lastFits string
	}{
		{"least loaded who offers the mode",
			[]triage.Coach{coach(1, "Ash", 1, 10, videoOnly), coach(2, "Birch", 6, 10, phone), coach(3, "Cedar", 4, 10, allModes)},
			triage.Need{Mode: "telephone"}, 3, "Offers telephone sessions"},
		{"a specialism match beats a lighter load",
			[]triage.Coach{coach(1, "Ash", 1, 10, nil), coach(2, "Birch", 6, 10, nil, "Leaving medicine")},
			triage.Need{Mode: "virtual", Reasons: []string{"outside_medicine"}}, 2, "Specialism: Leaving medicine"},
		{"the only coach with the mode is full: fall back, and say so",
			[]triage.Coach{coach(1, "Ash", 5, 5, phone), coach(2, "Birch", 6, 10, videoOnly), coach(3, "Cedar", 2, 10, videoOnly)},
			triage.Need{Mode: "telephone"}, 3, "No coach with room offers telephone sessions"},
		{"nobody offers the mode: fall back to anyone with room",
			[]triage.Coach{coach(1, "Ash", 3, 10, videoOnly), coach(2, "Birch", 1, 10, videoOnly)},
			triage.Need{Mode: "in_person"}, 2, "No coach with room offers in-person sessions"},
		{"everyone full", []triage.Coach{coach(1, "Ash", 5, 5, nil), coach(2, "Birch", 0, 0, nil)}, triage.Need{Mode: "virtual"}, 0, ""},
		{"only inactive coaches have room",
			[]triage.Coach{coach(1, "Ash", 5, 5, nil), {ID: 2, Name: "Birch", Capacity: 10, Modes: videoOnly}},
			triage.Need{Mode: "virtual"}, 0, ""},
		{"no coaches", nil, triage.Need{Mode: "virtual"}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := triage.Suggest(c.coaches, c.need)
			if c.want == 0 {
				if ok {
					t.Fatalf("Suggest = coach %d, want none", got.Coach.ID)
				}
				return
			}
			if !ok || got.Coach.ID != c.want || got.Full {
				t.Fatalf("Suggest = coach %d (ok %v, full %v), want %d", got.Coach.ID, ok, got.Full, c.want)
			}
			if len(got.Fits) == 0 || got.Fits[len(got.Fits)-1] != c.lastFits {
				t.Errorf("Fits = %q, want it to end %q", got.Fits, c.lastFits)
			}
		})
	}
}

// TestVocabularyInStep: the reasons and modes the suggestion knows are the
// ones the intake forms offer, and every reason but "other" has keywords.
func TestVocabularyInStep(t *testing.T) {
	for r := range triage.ReasonKeywords {
		if !referral.Reason(r).Valid() {
			t.Errorf("keywords for unknown reason %q", r)
		}
	}
	for _, o := range referral.Reasons {
		if o.Value != referral.ReasonOther && len(triage.ReasonKeywords[string(o.Value)]) == 0 {
			t.Errorf("reason %q has no keywords", o.Value)
		}
	}
	if len(triage.ModeWords) != len(referral.AppointmentModes) {
		t.Errorf("%d mode words for %d modes", len(triage.ModeWords), len(referral.AppointmentModes))
	}
	for _, o := range referral.AppointmentModes {
		if triage.ModeWords[string(o.Value)] == "" {
			t.Errorf("no words for mode %q", o.Value)
		}
	}
}
