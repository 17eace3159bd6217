package triage_test

import (
	"slices"
	"strings"
	"testing"

	"careers/internal/triage"
)

func TestOutcomes(t *testing.T) {
	want := []triage.Outcome{
		"stay_adjusted", "change_specialty", "less_than_full_time", "time_out",
		"outside_medicine", "still_deciding", "withdrew", "did_not_engage", "declined_by_trainee",
	}
	if !slices.Equal(triage.Outcomes, want) {
		t.Fatalf("Outcomes = %q, want %q", triage.Outcomes, want)
	}
	// Only the trainee's own "No thanks" records their decline: the
	// closing form offers every other outcome.
	for _, o := range triage.Outcomes {
		if o.Chosen() != (o != triage.OutcomeTraineeDeclined) {
			t.Errorf("Outcome(%q).Chosen() = %v", o, o.Chosen())
		}
	}
	seen := map[string]bool{}
	for _, o := range triage.Outcomes {
		if !o.Valid() || o.Label() == string(o) || o.Label() == "" || seen[o.Label()] {
			t.Errorf("outcome %q: Valid %v, label %q (want valid, a distinct label of its own)", o, o.Valid(), o.Label())
		}
		seen[o.Label()] = true
	}
	for _, bad := range []triage.Outcome{"", "declined", "STAY_ADJUSTED"} {
		if bad.Valid() {
			t.Errorf("Outcome(%q).Valid() = true", bad)
		}
	}
	if got := triage.Outcome("retired_value").Label(); got != "retired_value" {
		t.Errorf("unknown outcome label = %q, want the value itself", got)
	}
}

func TestDeclineSignposts(t *testing.T) {
	keys := map[string]bool{}
	for _, s := range triage.DeclineSignposts {
		if s.Key == "" || keys[s.Key] || s.Label == "" || len(s.Text) < 80 {
			t.Errorf("signpost %+v: want a unique key, a label and a message", s)
		}
		keys[s.Key] = true
		got, ok := triage.DeclineSignpost(s.Key)
		if !ok || got != s {
			t.Errorf("DeclineSignpost(%q) = %+v, %v", s.Key, got, ok)
		}
	}
	for _, k := range []string{"other_region", "kss_foundation", "non_training"} {
		if !keys[k] {
			t.Errorf("no signpost %q", k)
		}
	}
	kss, _ := triage.DeclineSignpost("kss_foundation")
	if !strings.Contains(kss.Text, "Professional Support and Wellbeing Service") {
		t.Errorf("the KSS Foundation signpost does not name the service: %q", kss.Text)
	}
	if _, ok := triage.DeclineSignpost("nope"); ok {
		t.Error("DeclineSignpost found an unknown key")
	}
}
