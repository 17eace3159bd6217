package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// The two reads every signed-in request makes, the session with its
// account and (for a coach) the week, are decoded by hand from the row's
// bytes instead of through rows.Scan. pgx works out a scan plan for every
// column of every result (the session's fifteen columns cost it 7 µs a
// request) and then converts each value through an interface; the bytes
// themselves are simple. A reader first checks that the result's columns
// are of the types, and in the binary format, it decodes (rawColumns);
// when they are not (a connection string that asks pgx for the simple
// protocol, whose results are text) it reads through rows.Scan as before,
// and TestHandReadersMatchTheirStatements fails if a statement no longer
// returns what its reader decodes. Times come back as pgx gives them by
// default, in the local zone (no ScanLocation is set on the pool).
// docs/performance.md, eleventh look, has the measurements.

// rawType is a column type a hand-written reader decodes.
type rawType uint8

const (
	rawText        rawType = iota // text or varchar, either format (the bytes are the text)
	rawInt8                       // bigint, binary
	rawInt4                       // integer, binary
	rawBool                       // boolean, binary
	rawTimestamptz                // timestamp with time zone, binary
	rawBytea                      // bytea, binary
	rawTextArray                  // text[], binary
)

func (t rawType) String() string {
	return [...]string{"text", "bigint", "integer", "boolean", "timestamptz", "bytea", "text[]"}[t]
}

// is says whether a column of type oid is of type t.
func (t rawType) is(oid uint32) bool {
	switch t {
	case rawText:
		return oid == pgtype.TextOID || oid == pgtype.VarcharOID
	case rawInt8:
		return oid == pgtype.Int8OID
	case rawInt4:
		return oid == pgtype.Int4OID
	case rawBool:
		return oid == pgtype.BoolOID
	case rawTimestamptz:
		return oid == pgtype.TimestamptzOID
	case rawBytea:
		return oid == pgtype.ByteaOID
	case rawTextArray:
		return oid == pgtype.TextArrayOID
	}
	return false
}

// rawColumns checks a result's columns against what its reader decodes.
func rawColumns(fds []pgconn.FieldDescription, want ...rawType) error {
	if len(fds) != len(want) {
		return fmt.Errorf("reading by hand: %d columns, the reader decodes %d", len(fds), len(want))
	}
	for i, fd := range fds {
		ok := want[i].is(fd.DataTypeOID)
		if !ok || (want[i] != rawText && fd.Format != pgtype.BinaryFormatCode) {
			return fmt.Errorf("reading by hand: column %d (%s) is type %d in format %d, not %s in binary", i, fd.Name, fd.DataTypeOID, fd.Format, want[i])
		}
	}
	return nil
}

var (
	errRawNull         = errors.New("reading by hand: NULL where a value was expected")
	errRawNotTextArray = errors.New("reading by hand: not a one-dimensional text[] without NULLs")
	errRawShort        = errors.New("reading by hand: fewer values than columns")
)

// rawTextOf is a text column's value; known, if given, are values returned
// as they are, without allocating a string (a column of a few codes).
func rawTextOf(b []byte, known ...string) (string, error) {
	if b == nil {
		return "", errRawNull
	}
	for _, k := range known {
		if string(b) == k {
			return k, nil
		}
	}
	return string(b), nil
}

func rawInt8Of(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, rawLength(b, "bigint")
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

func rawInt4Of(b []byte) (int32, error) {
	if len(b) != 4 {
		return 0, rawLength(b, "integer")
	}
	return int32(binary.BigEndian.Uint32(b)), nil
}

func rawBoolOf(b []byte) (bool, error) {
	if len(b) != 1 {
		return false, rawLength(b, "boolean")
	}
	return b[0] == 1, nil
}

// postgresEpoch is where PostgreSQL counts its timestamps from, in seconds
// after Unix's: 2000-01-01 00:00 UTC.
const postgresEpoch = 946_684_800

// rawTimeOf is a timestamptz's instant, in the local zone as pgx gives it.
// Infinity is refused, as pgx refuses it for a time.Time.
func rawTimeOf(b []byte) (time.Time, error) {
	if len(b) != 8 {
		return time.Time{}, rawLength(b, "timestamptz")
	}
	us := int64(binary.BigEndian.Uint64(b))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return time.Time{}, errors.New("reading by hand: an infinite timestamptz")
	}
	// time.Unix carries a negative remainder (an instant before 2000)
	// into the seconds itself.
	return time.Unix(postgresEpoch+us/1_000_000, us%1_000_000*1000), nil
}

// rawTimePtrOf is a timestamptz that may be NULL.
func rawTimePtrOf(b []byte) (*time.Time, error) {
	if b == nil {
		return nil, nil
	}
	t, err := rawTimeOf(b)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// rawTextArrayOf is a one-dimensional text[] without NULLs (or an empty
// one), in PostgreSQL's binary array format: dimensions, a flag for NULLs,
// the element type, each dimension's length and lower bound, then each
// element's length and bytes.
func rawTextArrayOf(b []byte) ([]string, error) {
	if b == nil {
		return nil, errRawNull
	}
	if len(b) < 12 {
		return nil, errRawNotTextArray
	}
	dims := binary.BigEndian.Uint32(b)
	if dims == 0 && len(b) == 12 {
		return nil, nil
	}
	if dims != 1 || len(b) < 20 {
		return nil, errRawNotTextArray
	}
	if oid := binary.BigEndian.Uint32(b[8:]); oid != pgtype.TextOID && oid != pgtype.VarcharOID {
		return nil, errRawNotTextArray
	}
	n := int32(binary.BigEndian.Uint32(b[12:]))
	if n < 0 || int(n) > len(b) {
		return nil, errRawNotTextArray
	}
	out := make([]string, 0, n)
	rest := b[20:]
	for range n {
		if len(rest) < 4 {
			return nil, errRawNotTextArray
		}
		l := int32(binary.BigEndian.Uint32(rest))
		if l < 0 || int(l) > len(rest)-4 {
			return nil, errRawNotTextArray
		}
		out = append(out, string(rest[4:4+l]))
		rest = rest[4+l:]
	}
	if len(rest) != 0 {
		return nil, errRawNotTextArray
	}
	return out, nil
}

func rawLength(b []byte, what string) error {
	if b == nil {
		return errRawNull
	}
	return fmt.Errorf("reading by hand: %d bytes for a %s", len(b), what)
}

// rawReader decodes one row's values in order, keeping the first error.
type rawReader struct {
	vals [][]byte
	i    int
	err  error
}

func (r *rawReader) next() []byte {
	r.i++
	if r.i > len(r.vals) {
		r.keep(errRawShort)
		return nil
	}
	return r.vals[r.i-1]
}

func (r *rawReader) keep(err error) {
	if r.err == nil && err != nil {
		r.err = fmt.Errorf("column %d: %w", r.i-1, err)
	}
}

func (r *rawReader) text(known ...string) string {
	s, err := rawTextOf(r.next(), known...)
	r.keep(err)
	return s
}

func (r *rawReader) int8() int64 {
	v, err := rawInt8Of(r.next())
	r.keep(err)
	return v
}

func (r *rawReader) int4() int32 {
	v, err := rawInt4Of(r.next())
	r.keep(err)
	return v
}

func (r *rawReader) bool() bool {
	v, err := rawBoolOf(r.next())
	r.keep(err)
	return v
}

func (r *rawReader) time() time.Time {
	v, err := rawTimeOf(r.next())
	r.keep(err)
	return v
}

func (r *rawReader) timePtr() *time.Time {
	v, err := rawTimePtrOf(r.next())
	r.keep(err)
	return v
}

// bytes is a bytea's value, copied (the row's bytes are reused for the next).
func (r *rawReader) bytes() []byte {
	b := r.next()
	if b == nil {
		r.keep(errRawNull)
		return nil
	}
	return append([]byte(nil), b...)
}

func (r *rawReader) textArray() []string {
	v, err := rawTextArrayOf(r.next())
	r.keep(err)
	return v
}
