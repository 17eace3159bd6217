// Package booking holds the rules of appointments: the 24-hour cancellation
// rule and what it writes to the allowance ledger, coaches' weekly
// availability patterns turned into slots, and calendar invitations.
//
// It is a domain package: plain types and rules, no I/O, no clock (callers
// pass "now"), and nothing imported from the rest of the module. Instants
// are time.Time and are returned in UTC, the form they are stored in; the
// unit works in Europe/London, so wall-clock things (a pattern's 14:00, a
// calendar week, an invitation's DTSTART) are defined there.
package booking
