package store_test

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"careers/internal/policy"
	"careers/internal/store"
	"careers/internal/testdb"
)

// TestRawDecodersAgreeWithPgx reads values of every type the hand-written
// readers decode from a real PostgreSQL, and checks each decoder against
// what pgx's own Scan makes of the same bytes.
func TestRawDecodersAgreeWithPgx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)

	// Instants across the range a person could enter, with microseconds,
	// before and after 1970 and 2000 (PostgreSQL's epoch) and exactly on
	// them, in a zone with summer time.
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	times := []time.Time{
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Unix(0, 0),
		time.Unix(-1, 1000),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
		time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), // London's clocks go forward
		time.Date(2026, 10, 25, 1, 30, 0, 0, london),
	}
	rnd := rand.New(rand.NewPCG(7, 9))
	for range 500 {
		us := rnd.Int64N(2*300*365*86400*1_000_000) - 300*365*86400*1_000_000 // 1700 to 2300
		times = append(times, time.UnixMicro(946_684_800_000_000+us))
	}
	rows, err := pool.Query(ctx, `SELECT t FROM unnest($1::timestamptz[]) t`, times)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close() // before the pool closes, when a check stops the test
	n := 0
	for rows.Next() {
		if err := store.RawColumns(rows.FieldDescriptions(), store.RawTimestamptz); err != nil {
			t.Fatal(err)
		}
		raw := rows.RawValues()[0]
		var viaPgx time.Time
		if err := rows.Scan(&viaPgx); err != nil {
			t.Fatal(err)
		}
		got, err := store.RawTimeOf(raw)
		if err != nil || !got.Equal(viaPgx) || !got.Equal(times[n]) || got.Location() != viaPgx.Location() {
			t.Fatalf("time %d: decoded %v (%v), pgx %v, sent %v", n, got, err, viaPgx, times[n])
		}
		n++
	}
	if rows.Err() != nil || n != len(times) {
		t.Fatalf("read %d of %d times: %v", n, len(times), rows.Err())
	}

	// One row of everything else, then one of NULLs and infinity.
	var vals [][]byte
	var want struct {
		text, empty, accented string
		big, small            int64
		neg                   int32
		yes, no               bool
		roles, none, odd      []string
	}
	err = pool.QueryRow(ctx, `SELECT 'plain'::text, ''::text, 'Siân O''Connor, é'::varchar,
			9223372036854775807::bigint, '-9223372036854775808'::bigint, (-2147483648)::integer, true, false,
			ARRAY['coordinator','coach']::text[], '{}'::text[], ARRAY['a, b', '', '"q"', 'Ω']::text[]`).
		Scan(scanRaw(&vals, &want.text, &want.empty, &want.accented, &want.big, &want.small, &want.neg,
			&want.yes, &want.no, &want.roles, &want.none, &want.odd))
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got, wantV any, err error) {
		t.Helper()
		if err != nil || !reflect.DeepEqual(got, wantV) {
			t.Errorf("%s: decoded %#v (%v), pgx %#v", what, got, err, wantV)
		}
	}
	s, err := store.RawTextOf(vals[0])
	check("text", s, want.text, err)
	s, err = store.RawTextOf(vals[1])
	check("empty text", s, want.empty, err)
	s, err = store.RawTextOf(vals[2], "other", "Siân O'Connor, é")
	check("known varchar", s, want.accented, err)
	i, err := store.RawInt8Of(vals[3])
	check("largest bigint", i, want.big, err)
	i, err = store.RawInt8Of(vals[4])
	check("smallest bigint", i, want.small, err)
	i4, err := store.RawInt4Of(vals[5])
	check("smallest integer", i4, want.neg, err)
	b, err := store.RawBoolOf(vals[6])
	check("true", b, want.yes, err)
	b, err = store.RawBoolOf(vals[7])
	check("false", b, want.no, err)
	roles := vals[8]
	a, err := store.RawTextArrayOf(roles)
	check("roles", a, want.roles, err)
	a, err = store.RawTextArrayOf(vals[9])
	if err != nil || len(a) != 0 || len(want.none) != 0 {
		t.Errorf("empty array: decoded %#v (%v), pgx %#v", a, err, want.none)
	}
	a, err = store.RawTextArrayOf(vals[10])
	check("odd texts", a, want.odd, err)

	// What no reader accepts: NULL where a value is expected (pgx refuses
	// it too), infinity, arrays of two dimensions or with a NULL, a value
	// of the wrong length.
	err = pool.QueryRow(ctx, `SELECT NULL::text, NULL::bigint, NULL::timestamptz, 'infinity'::timestamptz,
			'-infinity'::timestamptz, '{{a},{b}}'::text[], ARRAY['a', NULL]::text[], NULL::text[]`).
		Scan(scanRaw(&vals, nil, nil, nil, nil, nil, nil, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.RawTextOf(vals[0]); err == nil {
		t.Error("NULL text was read as a value")
	}
	if _, err := store.RawInt8Of(vals[1]); err == nil {
		t.Error("NULL bigint was read as a value")
	}
	if _, err := store.RawTimeOf(vals[2]); err == nil {
		t.Error("NULL timestamptz was read as a value")
	}
	if p, err := store.RawTimePtrOf(vals[2]); err != nil || p != nil {
		t.Errorf("NULL timestamptz that may be NULL: %v, %v", p, err)
	}
	for _, v := range vals[3:5] {
		if _, err := store.RawTimeOf(v); err == nil {
			t.Error("an infinite timestamptz was read as an instant")
		}
	}
	for _, v := range vals[5:8] {
		if _, err := store.RawTextArrayOf(v); err == nil {
			t.Errorf("array %x was read", v)
		}
	}
	if _, err := store.RawInt8Of([]byte{1, 2, 3, 4}); err == nil {
		t.Error("four bytes were read as a bigint")
	}
	if _, err := store.RawTextArrayOf([]byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 'x'}); err == nil {
		t.Error("an array whose element runs past its end was read")
	}
	if _, err := store.RawTextArrayOf(append(roles, 0)); err == nil {
		t.Error("an array with a byte after its last element was read")
	}
}

// scanRaw returns a scanner that keeps the row's raw values in *vals and
// scans the row through pgx into dest (nil destinations skip the column).
func scanRaw(vals *[][]byte, dest ...any) pgx.RowScanner {
	return rawScanner{vals: vals, dest: dest}
}

type rawScanner struct {
	vals *[][]byte
	dest []any
}

func (s rawScanner) ScanRow(rows pgx.Rows) error {
	*s.vals = nil
	for _, v := range rows.RawValues() {
		var c []byte // NULL stays nil; an empty value stays empty, not NULL
		if v != nil {
			c = make([]byte, len(v))
			copy(c, v)
		}
		*s.vals = append(*s.vals, c)
	}
	for i, d := range s.dest {
		if d == nil {
			continue
		}
		if err := rows.Scan(onlyColumn(len(s.dest), i, d)...); err != nil {
			return err
		}
	}
	return nil
}

// onlyColumn is a Scan destination list that scans column i into d and
// skips the rest.
func onlyColumn(n, i int, d any) []any {
	out := make([]any, n)
	out[i] = d
	return out
}

// TestRawColumnsRefusesOtherShapes: a reader meets a statement that no
// longer returns what it decodes with an error, not a misreading.
func TestRawColumnsRefusesOtherShapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	cases := []struct {
		sql  string
		want []store.RawType
		ok   bool
	}{
		{`SELECT 1::bigint, 'x'::text, now()`, []store.RawType{store.RawInt8, store.RawText, store.RawTimestamptz}, true},
		{`SELECT 1::bigint`, []store.RawType{store.RawInt8, store.RawText}, false},
		{`SELECT 1::integer`, []store.RawType{store.RawInt8}, false},
		{`SELECT 1::bigint`, []store.RawType{store.RawInt4}, false},
		{`SELECT now()::timestamp`, []store.RawType{store.RawTimestamptz}, false},
		{`SELECT 'x'::bytea`, []store.RawType{store.RawText}, false},
		{`SELECT ARRAY[1]`, []store.RawType{store.RawTextArray}, false},
	}
	for _, c := range cases {
		rows, err := pool.Query(ctx, c.sql)
		if err != nil {
			t.Fatal(err)
		}
		err = store.RawColumns(rows.FieldDescriptions(), c.want...)
		rows.Close()
		if (err == nil) != c.ok {
			t.Errorf("%s as %v: %v", c.sql, c.want, err)
		}
	}
	// pgx asked for text instead of binary (the simple protocol) is
	// refused for the binary types.
	rows, err := pool.Query(ctx, `SELECT 1::bigint`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if err := store.RawColumns(rows.FieldDescriptions(), store.RawInt8); err == nil {
		t.Error("a bigint sent as text was taken as binary")
	}
}

// TestSessionReadAgreesWithStaffRead: the account read by hand with the
// session is the one the store reads through pgx (StaffUserByID), apart
// from the two secrets the session's read leaves out, for accounts with
// and without a second factor, roles and a deactivation.
func TestSessionReadAgreesWithStaffRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	st := store.New(pool)
	ss := store.NewSessionStore(pool, "staff_id", "public_email", time.Hour)
	t.Cleanup(ss.StopCleanup)
	now := time.Now()
	plain, err := st.CreateStaffUser(ctx, store.NewStaffUser{Email: "plain.read@example.nhs.uk", Name: "Plain"})
	if err != nil {
		t.Fatal(err)
	}
	full, err := st.CreateStaffUser(ctx, store.NewStaffUser{Email: "full.read@example.nhs.uk", Name: "Ffion Ní Bhriain",
		Roles: []policy.Role{policy.Coordinator, policy.Coach, policy.Admin}, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.EnrolTOTP(ctx, full.ID, "sealed-secret", 123456789, nil, now); err != nil {
		t.Fatal(err)
	}
	if err := st.SetStaffActive(ctx, full.ID, false, now); err != nil {
		t.Fatal(err)
	}
	for i, id := range []int64{plain.ID, full.ID} {
		token := "agree-tok-" + string(rune('a'+i))
		expiry := now.Add(time.Hour).Truncate(time.Microsecond)
		saveSession(t, ss, token, map[string]any{"staff_id": id, "n": math.Pi}, expiry)
		req := readSessionWith(t, ss, token, nil)
		got := store.SessionReadFrom(req).Staff
		want, err := st.StaffUserByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want.PasswordHash, want.TOTPSecret = "", ""
		if got == nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("account %d read with the session:\n%#v\nread alone:\n%#v", id, got, want)
		}
		data, found, err := ss.FindCtx(ctx, token)
		if err != nil || !found || len(data) == 0 {
			t.Errorf("session %s: %v %v %d bytes", token, found, err, len(data))
		}
	}
	// A session with no account reads with none.
	saveSession(t, ss, "no-account-tok", map[string]any{"public_email": "trainee@example.org"}, now.Add(time.Hour))
	if got := store.SessionReadFrom(readSessionWith(t, ss, "no-account-tok", nil)).Staff; got != nil {
		t.Errorf("a session without an account read one: %+v", got)
	}
}
