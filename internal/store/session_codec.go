package store

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

// SessionCodec is scs's gob codec with memory. Every signed-in request
// decodes its session, and (scs moving the idle deadline) encodes it again
// to see whether it changed; gob builds a fresh decoder for each message,
// so this was the costliest part of a cheap page after rendering and
// compression (docs/performance.md, issue 19). Decoding is a pure function
// of the bytes, so a decoded session is kept by its bytes; and encoding
// values already seen returns the bytes they were read from, so an
// unchanged session encodes to exactly what was stored and CommitCtx sees
// that without decoding anything.
//
// The bytes stored are gob's as before: an older instance reads them, and
// this one reads theirs, so rolling deploys and rollbacks are unaffected.
// Sessions are still read from the database on every request: a sign-out
// or a deactivation elsewhere counts at once. The memory holds at most
// sessionCodecEntries sessions' worth of each kind (a few hundred bytes
// each) and is emptied when full.
type SessionCodec struct {
	gob scs.GobCodec

	mu      sync.Mutex
	decoded map[string]decodedSession // by the encoded bytes
	encoded map[string][]byte         // by the values' fingerprint
}

type decodedSession struct {
	deadline time.Time
	values   map[string]any
}

const sessionCodecEntries = 4096

// NewSessionCodec makes an empty codec.
func NewSessionCodec() *SessionCodec {
	return &SessionCodec{decoded: map[string]decodedSession{}, encoded: map[string][]byte{}}
}

// Decode returns the session in b. The map is the caller's own: scs
// changes it in place.
func (c *SessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	c.mu.Lock()
	d, ok := c.decoded[string(b)]
	c.mu.Unlock()
	if ok {
		return d.deadline, cloneValues(d.values), nil
	}
	deadline, values, err := c.gob.Decode(b)
	if err != nil {
		return deadline, values, err
	}
	if fp, ok := fingerprint(deadline, values); ok {
		c.remember(b, fp, deadline, values)
	}
	return deadline, values, nil
}

// Encode returns the session's bytes: those it was read from when the
// values are the same, else gob's.
func (c *SessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	fp, ok := fingerprint(deadline, values)
	if ok {
		c.mu.Lock()
		b, hit := c.encoded[fp]
		c.mu.Unlock()
		if hit {
			return b, nil
		}
	}
	b, err := c.gob.Encode(deadline, values)
	if err != nil || !ok {
		return b, err
	}
	c.remember(b, fp, deadline, values)
	return b, nil
}

func (c *SessionCodec) remember(b []byte, fp string, deadline time.Time, values map[string]any) {
	key := string(b)
	kept := decodedSession{deadline: deadline, values: cloneValues(values)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.decoded) >= sessionCodecEntries || len(c.encoded) >= sessionCodecEntries {
		clear(c.decoded)
		clear(c.encoded)
	}
	c.decoded[key] = kept
	c.encoded[fp] = []byte(key)
}

func cloneValues(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, x := range v {
		out[k] = x
	}
	return out
}

// fingerprint writes the deadline and values in one fixed order, with each
// value's type, so two sessions have the same fingerprint exactly when gob
// would decode them to equal values. ok is false for a value of a kind it
// does not know (the session is then neither kept nor looked up).
func fingerprint(deadline time.Time, values map[string]any) (string, bool) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 128)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendVarint(b, int64(boolInt(deadline.IsZero())))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, k := range keys {
		str(k)
		switch x := values[k].(type) {
		case string:
			b = append(b, 's')
			str(x)
		case int:
			b = append(b, 'i')
			b = binary.AppendVarint(b, int64(x))
		case int64:
			b = append(b, 'l')
			b = binary.AppendVarint(b, x)
		case bool:
			b = append(b, 'b', byte(boolInt(x)))
		case float64:
			b = append(b, 'f')
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(x))
		case time.Time:
			b = append(b, 't')
			str(x.Format(time.RFC3339Nano) + "|" + strconv.FormatBool(x.IsZero()))
		default:
			return "", false
		}
	}
	return string(b), true
}
