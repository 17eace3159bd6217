package store_test

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
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
	vals9 := vals[9]
	a, err = store.RawTextArrayOf(vals9)
	if err != nil || len(a) != 0 || len(want.none) != 0 {
		t.Errorf("empty array: decoded %#v (%v), pgx %#v", a, err, want.none)
	}
	a, err = store.RawTextArrayOf(vals[10])
	check("odd texts", a, want.odd, err)

	// What the decoders refuse: NULL where a value is expected, infinity,
	// arrays of two dimensions or with a NULL (pgx would read some of
	// these into a Go value; no column read by hand holds them), a value of
	// the wrong length.
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
	if _, err := store.RawTextArrayOf(append(vals9[:12:12], 0)); err == nil {
		t.Error("an empty array with a byte after its header was read")
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
	// refused for the binary types, and text is still text.
	rows, err := pool.Query(ctx, `SELECT 1::bigint, '{a}'::text[], 'x'::text`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	fds := rows.FieldDescriptions()
	if err := store.RawColumns(fds[:1], store.RawInt8); err == nil {
		t.Error("a bigint sent as text was taken as binary")
	}
	if err := store.RawColumns(fds[1:2], store.RawTextArray); err == nil {
		t.Error("a text[] sent as text was taken as binary")
	}
	if err := store.RawColumns(fds[2:], store.RawText); err != nil {
		t.Errorf("text sent as text: %v", err)
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

// TestHandReadersMatchTheirStatements: the session's and the week's
// statements (the week's alone and with the session) return exactly the
// columns their readers decode by hand, in binary, on a pool in pgx's
// default mode, as the service's. (Should one change, the
// reader would fall back to pgx's Scan without failing: this is what
// says so.)
func TestHandReadersMatchTheirStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.NewPool(t)
	check := func(what, sql string, want []store.RawType, args ...any) {
		t.Helper()
		rows, err := pool.Query(ctx, sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if err := store.RawColumns(rows.FieldDescriptions(), want...); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	now := time.Now()
	check("the week", store.CoachWeekSQL, store.WeekColumns, int64(1), now, now.Add(time.Hour))
	check("the week with the session", store.CoachWeekSessionSQL, store.WeekColumns, []byte("key"), now, now.Add(time.Hour))
	check("the session", store.SessionSQL, store.SessionColumns, []byte("key"))
}

// TestHandReadersAgreeWithScan reads one rich week, alone and with its
// coach's session in one batch, and a session with no account, twice: on
// a pool that reads in binary (decoded by hand) and on one that asks for
// the simple protocol (text rows, read through pgx's Scan), and compares
// them field by field. The session's bytes are compared with what is
// stored after a longer answer has come through the same connection.
func TestHandReadersAgreeWithScan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	// One connection, so a later answer on it lands in the buffer the
	// session's bytes arrived in.
	binary := testdb.MustPool(t, db.URL+"&pool_max_conns=1")
	text := testdb.MustPool(t, db.URL+"&default_query_exec_mode=simple_protocol")
	st := store.New(binary)

	// The coach has every kind of account detail, so the session read with
	// their week compares them all.
	now := time.Now()
	full, err := st.CreateStaffUser(ctx, store.NewStaffUser{Email: "agree.full@example.nhs.uk", Name: "Ffion Ní Bhriain",
		Roles: []policy.Role{policy.Coordinator, policy.Coach}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.EnrolTOTP(ctx, full.ID, "sealed", 987654321, nil, now); err != nil {
		t.Fatal(err)
	}
	coach := full.ID
	other := mustCoach(t, st, "agree.other@example.nhs.uk")
	mine := mustReferralID(t, st, "CR-AGREE-MINE")
	theirs := mustReferralID(t, st, "CR-AGREE-THEIRS")
	for id, c := range map[int64]int64{mine: coach, theirs: other} {
		if _, err := binary.Exec(ctx, `UPDATE referrals SET coach_id = $2, trainee_name = 'Siân O''Neill' WHERE id = $1`, id, c); err != nil {
			t.Fatal(err)
		}
		if err := st.AddAllowance(ctx, id, "granted", 3, 0, "", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	day := time.Now().Add(72 * time.Hour).Truncate(24 * time.Hour)
	from, to := day, day.Add(7*24*time.Hour)
	at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
	if _, err := st.AddSlots(ctx, coach, []store.NewSlot{
		{Start: at(9), End: at(10), Mode: "virtual", Place: "https://meet.example.org/a"},
		{Start: at(10), End: at(11), Mode: "telephone"},
		{Start: at(11), End: at(12), Mode: "in_person", Place: "Room 2, Deanery House"},
		{Start: at(12), End: at(13), Mode: "virtual", Blocked: true},
		{Start: at(13), End: at(14), Mode: "virtual"},
	}); err != nil {
		t.Fatal(err)
	}
	ids := slotIDs(t, st, coach)
	if err := book(ctx, st, mine, ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := book(ctx, st, theirs, ids[1]); err != nil { // their trainee now, not this coach's
		t.Fatal(err)
	}
	if err := book(ctx, st, mine, ids[4]); err != nil {
		t.Fatal(err)
	}
	var cancel int64
	if err := binary.QueryRow(ctx, `SELECT id FROM appointments WHERE slot_id = $1`, ids[4]).Scan(&cancel); err != nil {
		t.Fatal(err)
	}
	if err := st.CancelAppointment(ctx, cancel, "coach", "", false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AddTimeOff(ctx, coach, at(48), at(56), "Leave – study day", time.Now()); err != nil {
		t.Fatal(err)
	}

	slotsB, offB, err := st.CoachWeek(ctx, coach, from, to)
	if err != nil {
		t.Fatal(err)
	}
	slotsT, offT, err := store.New(text).CoachWeek(ctx, coach, from, to)
	if err != nil {
		t.Fatal(err)
	}
	utc := func(v any) any { return utcTimes(reflect.ValueOf(v)).Interface() }
	if !reflect.DeepEqual(utc(slotsB), utc(slotsT)) || !reflect.DeepEqual(utc(offB), utc(offT)) {
		t.Fatalf("the week by hand:\n%+v\n%+v\nthrough Scan:\n%+v\n%+v", slotsB, offB, slotsT, offT)
	}
	// The week has every kind of row, so the comparison compared them.
	var own, foreign, everBooked, blocked, placed int
	for _, s := range slotsB {
		switch {
		case s.OwnClient && s.Appointment != 0 && s.TraineeName == "Siân O'Neill" && s.Reference == "CR-AGREE-MINE" && s.Status == "booked":
			own++
		case !s.OwnClient && s.Appointment != 0 && s.Reference == "CR-AGREE-THEIRS":
			foreign++
		case s.EverBooked && s.Appointment == 0:
			everBooked++
		case s.Blocked:
			blocked++
		}
		if s.Place == "Room 2, Deanery House" && s.Mode == "in_person" {
			placed++
		}
	}
	if own != 1 || foreign != 1 || everBooked != 1 || blocked != 1 || placed != 1 || len(offB) != 1 || offB[0].Note != "Leave – study day" {
		t.Fatalf("the week lacks a kind of row: %d %d %d %d %d %+v", own, foreign, everBooked, blocked, placed, offB)
	}

	// Sessions: the coach's, read with their week in one batch, and one
	// with no account.
	ssB := store.NewSessionStore(binary, "staff_id", "public_email", time.Hour)
	t.Cleanup(ssB.StopCleanup)
	ssT := store.NewSessionStore(text, "staff_id", "public_email", time.Hour)
	t.Cleanup(ssT.StopCleanup)
	saveSession(t, ssB, "agree-full", map[string]any{"staff_id": coach, "note": strings.Repeat("bytes that must survive ", 40)}, now.Add(time.Hour))
	saveSession(t, ssB, "agree-none", map[string]any{"public_email": "trainee@example.org"}, now.Add(time.Hour))
	for _, token := range []string{"agree-full", "agree-none"} {
		var stored []byte
		if err := binary.QueryRow(ctx, `SELECT data FROM sessions WHERE token_hash = $1`, sha256Of(token)).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		var reads [2]*store.SessionRead
		var data [2][]byte
		var weeks [2][]store.CalendarSlot
		var offs [2][]store.TimeOff
		for i, ss := range []*store.SessionStore{ssB, ssT} {
			req := store.WithSessionRead(ctx)
			store.SessionReadFrom(req).Prefetch = store.CoachWeekPrefetch(from, to)
			d, found, err := ss.FindCtx(req, token)
			if err != nil || !found || len(d) == 0 {
				t.Fatalf("session %s, pool %d: %v %v %d bytes", token, i, found, err, len(d))
			}
			// A longer answer on the same connection, then the bytes.
			var filler string
			if err := binary.QueryRow(ctx, `SELECT repeat('x', 16000)`).Scan(&filler); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(d, stored) {
				t.Errorf("session %s, pool %d: its data is not what is stored", token, i)
			}
			reads[i], data[i] = store.SessionReadFrom(req), d
			if token == "agree-full" {
				var ok bool
				if weeks[i], offs[i], ok = store.PrefetchedWeek(req, coach, from, to); !ok {
					t.Fatalf("pool %d: the week was not read with the session", i)
				}
			}
		}
		if (reads[0].Staff == nil) != (reads[1].Staff == nil) ||
			reads[0].Staff != nil && !reflect.DeepEqual(utc(*reads[0].Staff), utc(*reads[1].Staff)) {
			t.Errorf("session %s: account by hand %+v, through Scan %+v", token, reads[0].Staff, reads[1].Staff)
		}
		if token == "agree-full" && (!reflect.DeepEqual(utc(weeks[0]), utc(slotsB)) || !reflect.DeepEqual(utc(weeks[1]), utc(slotsB)) ||
			!reflect.DeepEqual(utc(offs[0]), utc(offB)) || !reflect.DeepEqual(utc(offs[1]), utc(offB))) {
			t.Errorf("the week read with the session differs from the week read alone:\n%+v\n%+v", weeks, slotsB)
		}
	}
	if u := store.SessionReadFrom(readSessionWith(t, ssB, "agree-full", nil)).Staff; u == nil || u.ID != coach || len(u.Roles) != 2 || u.TOTPEnrolledAt == nil || !u.Active {
		t.Errorf("the coach's account was not read whole: %+v", u)
	}
}

// utcTimes is a copy of v with every time.Time in it (in structs, slices
// and pointers) in UTC, so values read in two ways compare by instant.
func utcTimes(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return reflect.ValueOf(t.UTC())
		}
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			out.Field(i).Set(utcTimes(v.Field(i)))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(utcTimes(v.Index(i)))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(utcTimes(v.Elem()))
		return out
	}
	return v
}
