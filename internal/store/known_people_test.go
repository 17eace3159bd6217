package store

import (
	"fmt"
	"testing"
	"time"
)

// knownPeople is a hint with bounds: a session is remembered until its
// expiry and no longer, a session of no one or signed out is forgotten,
// the expired ones go in a sweep, and the map never grows past its cap.
func TestKnownPeopleBounds(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	k := &knownPeople{by: map[[32]byte]knownPerson{}}
	coach := sessionPerson{staffID: 7}
	trainee := sessionPerson{email: "ada@example.nhs.uk"}
	a, b := sessionKey("token-a"), sessionKey("token-b")

	k.set(a, coach, now.Add(30*time.Minute), now)
	k.set(b, trainee, now.Add(5*time.Minute), now)
	if p, ok := k.get(a, now); !ok || p != coach {
		t.Errorf("a remembered session: %+v %v", p, ok)
	}
	if p, ok := k.get(b, now.Add(5*time.Minute)); ok {
		t.Errorf("a session at its expiry is still known as %+v", p)
	}
	if _, ok := k.get([]byte("short"), now); ok {
		t.Error("a key of the wrong length was found")
	}

	// Someone else now: the hint follows the row.
	k.set(a, trainee, now.Add(30*time.Minute), now)
	if p, _ := k.get(a, now); p != trainee {
		t.Errorf("a session read again as someone else is still %+v", p)
	}
	// No one (signed out, or not signed in yet): forgotten.
	k.set(a, sessionPerson{}, now.Add(30*time.Minute), now)
	if _, ok := k.get(a, now); ok {
		t.Error("a session of no one is still known")
	}
	k.set(a, coach, now.Add(30*time.Minute), now)
	k.forget(a)
	if _, ok := k.get(a, now); ok {
		t.Error("a forgotten session is still known")
	}

	// The sweep: the first write after sweepKnownPeople lets the expired
	// go (b expired at +5 minutes), not the live.
	k.set(a, coach, now.Add(time.Hour), now)
	later := now.Add(sweepKnownPeople + time.Second)
	k.set(sessionKey("token-c"), coach, later.Add(time.Hour), later)
	if n := len(k.by); n != 2 {
		t.Errorf("%d sessions after the sweep, want 2 (a and c; b expired)", n)
	}
	if _, ok := k.by[[32]byte(b)]; ok {
		t.Error("the expired session survived the sweep")
	}
	// No sweep again until sweepKnownPeople has passed.
	k.set(b, trainee, later.Add(time.Minute), later)
	k.set(sessionKey("token-d"), coach, later.Add(time.Hour), later.Add(2*time.Minute))
	if _, ok := k.by[[32]byte(b)]; !ok {
		t.Error("a sweep ran before its time")
	}

	// The cap: at maxKnownPeople the map starts again.
	k = &knownPeople{by: map[[32]byte]knownPerson{}, swept: now}
	for i := range maxKnownPeople {
		k.set(sessionKey(fmt.Sprint("cap-", i)), coach, now.Add(time.Hour), now)
	}
	if n := len(k.by); n != maxKnownPeople {
		t.Fatalf("%d sessions remembered, want %d", n, maxKnownPeople)
	}
	k.set(a, trainee, now.Add(time.Hour), now)
	if n := len(k.by); n != 1 {
		t.Errorf("%d sessions after one past the cap, want 1 (the map started again)", n)
	}
	if p, _ := k.get(a, now); p != trainee {
		t.Errorf("the session written past the cap: %+v", p)
	}

	// A nil knownPeople (a store without one) remembers nothing, safely.
	var none *knownPeople
	none.set(a, coach, now.Add(time.Hour), now)
	none.forget(a)
	if _, ok := none.get(a, now); ok {
		t.Error("a nil knownPeople knew someone")
	}
}
