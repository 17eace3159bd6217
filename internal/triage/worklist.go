package triage

// The coordinator's to-do list (issue 14) counts some things only once they
// have waited a while; these are the waits.
const (
	// ChaseAfterDays: a referral waiting for the trainee (to confirm it,
	// or to answer a question) for more than this many days needs a
	// coordinator to chase them.
	ChaseAfterDays = 7
	// ConfirmWithinDays: a session recorded as held but not confirmed by
	// its coach this many days after it ended is listed for the
	// coordinator to follow up.
	ConfirmWithinDays = 2
	// WaiveWindowDays: a lost session (a late cancellation or a missed
	// session) from the last this many days that has not been given back
	// waits for a coordinator's decision; older ones are taken as decided.
	WaiveWindowDays = 28
)
