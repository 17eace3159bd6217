package triage

import "slices"

// LedgerKind is the kind of an allowance event; the values are the ones the
// allowance_events.kind column allows.
type LedgerKind string

// The ledger event kinds.
const (
	KindGranted   LedgerKind = "granted"   // the initial allowance, set at allocation
	KindExtended  LedgerKind = "extended"  // an extension a PSU lead approved
	KindBooked    LedgerKind = "booked"    // an appointment booked: uses a session
	KindReleased  LedgerKind = "released"  // a booking cancelled in time, or by the coach: gives it back
	KindAttended  LedgerKind = "attended"  // a booked session took place: informational only
	KindForfeited LedgerKind = "forfeited" // lost to a late cancellation or non-attendance
	KindWaived    LedgerKind = "waived"    // a forfeit (or no-show) a coordinator or lead let off: gives it back
)

// LedgerKinds lists every ledger event kind.
var LedgerKinds = []LedgerKind{
	KindGranted, KindExtended, KindBooked, KindReleased, KindAttended, KindForfeited, KindWaived,
}

var ledgerKindLabels = map[LedgerKind]string{
	KindGranted:   "Sessions granted",
	KindExtended:  "Extension approved",
	KindBooked:    "Session booked",
	KindReleased:  "Booking released",
	KindAttended:  "Session attended",
	KindForfeited: "Session forfeited",
	KindWaived:    "Forfeit waived",
}

// Label is the kind as the referral's ledger shows it.
func (k LedgerKind) Label() string {
	if l, ok := ledgerKindLabels[k]; ok {
		return l
	}
	return string(k)
}

// Valid reports whether k is a known kind.
func (k LedgerKind) Valid() bool { return slices.Contains(LedgerKinds, k) }

// LedgerEvent is one recorded change to a referral's allowance.
type LedgerEvent struct {
	Kind     LedgerKind
	Sessions int
}

// Ledger is a referral's allowance derived from its events: a total per kind
// and the three figures people care about.
type Ledger struct {
	Granted, Extended, Booked, Released, Attended, Forfeited, Waived int
	Allowance, Used, Remaining                                       int
}

// Tally adds up events exactly as the database trigger allowance_apply does:
// the allowance is granted + extended; used is booked + forfeited − released
// − waived; remaining is allowance − used. Attended is counted but changes
// nothing, because the session it records was already used when it was
// booked. Events of unknown kinds are ignored, as the database refuses them.
func Tally(events []LedgerEvent) Ledger {
	var l Ledger
	for _, e := range events {
		switch e.Kind {
		case KindGranted:
			l.Granted += e.Sessions
		case KindExtended:
			l.Extended += e.Sessions
		case KindBooked:
			l.Booked += e.Sessions
		case KindReleased:
			l.Released += e.Sessions
		case KindAttended:
			l.Attended += e.Sessions
		case KindForfeited:
			l.Forfeited += e.Sessions
		case KindWaived:
			l.Waived += e.Sessions
		}
	}
	l.Allowance = l.Granted + l.Extended
	l.Used = l.Booked + l.Forfeited - l.Released - l.Waived
	l.Remaining = l.Allowance - l.Used
	return l
}

// CanUse reports whether n more sessions (n ≥ 1) fit in what remains of l;
// the database refuses the same event if it would not.
func CanUse(l Ledger, n int) bool { return n >= 1 && n <= l.Remaining }

// The bounds of the initial allowance set at allocation.
const (
	MinInitial = 1
	MaxInitial = 3
)

// ValidInitial reports whether n sessions is an allowed initial allowance.
func ValidInitial(n int) bool { return n >= MinInitial && n <= MaxInitial }
