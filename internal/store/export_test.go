package store

import (
	"context"
	"time"
)

// The hand-written row decoders (rawrow.go), for the external tests that
// check them against pgx on a real database.
var (
	RawColumns     = rawColumns
	RawTextOf      = rawTextOf
	RawInt8Of      = rawInt8Of
	RawInt4Of      = rawInt4Of
	RawBoolOf      = rawBoolOf
	RawTimeOf      = rawTimeOf
	RawTimePtrOf   = rawTimePtrOf
	RawTextArrayOf = rawTextArrayOf
)

type RawType = rawType

const (
	RawText        = rawText
	RawInt8        = rawInt8
	RawInt4        = rawInt4
	RawBool        = rawBool
	RawTimestamptz = rawTimestamptz
	RawBytea       = rawBytea
	RawTextArray   = rawTextArray
)

// The hand readers' statements and the columns they decode.
var (
	SessionSQL          = sessionSQL
	CoachWeekSessionSQL = coachWeekSessionSQL
	SessionColumns      = sessionColumns
	WeekColumns         = weekColumns
)

// PrefetchAsked is who the request's prefetch was asked for by id or
// address (zero values: it read the person from the session row).
func PrefetchAsked(req context.Context) (staffID int64, email string) {
	a := SessionReadFrom(req).asked
	return a.staffID, a.email
}

// Teach makes the store believe the session under token is the staff
// member id or the address email, right or not, for an hour.
func (s *SessionStore) Teach(token string, id int64, email string) {
	s.TeachUntil(token, id, email, time.Now().Add(time.Hour))
}

// TeachUntil is Teach with the session's expiry.
func (s *SessionStore) TeachUntil(token string, id int64, email string, expiry time.Time) {
	s.known.set(sessionKey(token), sessionPerson{staffID: id, email: email}, expiry, time.Now())
}

// KnownPeople is how many sessions the store remembers the person of.
func (s *SessionStore) KnownPeople() int {
	s.known.mu.RLock()
	defer s.known.mu.RUnlock()
	return len(s.known.by)
}
