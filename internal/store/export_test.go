package store

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
