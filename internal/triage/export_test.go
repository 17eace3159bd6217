package triage

// ReasonKeywords and ModeWords let the tests keep these maps' keys in step
// with package referral's reasons and appointment modes.
var (
	ReasonKeywords = reasonKeywords
	ModeWords      = modeWords
)
