package store_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"careers/internal/store"
)

// The session codec stores gob's bytes (older instances read them, and it
// reads theirs), hands out maps the caller may change, and encodes values
// it has seen to the very bytes they came from, so an unchanged session is
// recognised without decoding.
func TestSessionCodec(t *testing.T) {
	t.Parallel()
	deadline := time.Now().Add(12 * time.Hour).UTC()
	values := map[string]any{"staff_id": int64(7), "staff_epoch": 2, "staff_roles": "coach", "flash": "", "flag": true}
	old, err := (scs.GobCodec{}).Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	c := store.NewSessionCodec()

	// It reads what plain gob wrote, twice over (the second from memory).
	for range 2 {
		d, v, err := c.Decode(old)
		if err != nil || !d.Equal(deadline) || !reflect.DeepEqual(v, values) {
			t.Fatalf("decode: %v %v %v", d, v, err)
		}
		v["flash"] = "changed by the request" // must not reach the next reader
	}
	_, v, _ := c.Decode(old)
	if v["flash"] != "" {
		t.Fatalf("a decoded map was shared between requests: %v", v)
	}

	// Unchanged values, in whatever map order, encode to the bytes read.
	same := map[string]any{"flag": true, "flash": "", "staff_roles": "coach", "staff_epoch": 2, "staff_id": int64(7)}
	b, err := c.Encode(deadline, same)
	if err != nil || !bytes.Equal(b, old) {
		t.Fatalf("unchanged session encoded to other bytes (err %v)", err)
	}
	// A changed value is a new encoding that plain gob reads as written.
	same["flash"] = "Saved"
	b, err = c.Encode(deadline, same)
	if err != nil || bytes.Equal(b, old) {
		t.Fatalf("a changed session encoded to the old bytes (err %v)", err)
	}
	d, back, err := (scs.GobCodec{}).Decode(b)
	if err != nil || !d.Equal(deadline) || !reflect.DeepEqual(back, same) {
		t.Fatalf("gob reads %v %v %v, want %v", d, back, err, same)
	}
	// The type counts: int 2 and int64 2 are different sessions.
	typed := map[string]any{"flag": true, "flash": "", "staff_roles": "coach", "staff_epoch": int64(2), "staff_id": int64(7)}
	b, err = c.Encode(deadline, typed)
	if err != nil || bytes.Equal(b, old) {
		t.Fatalf("int and int64 values confused (err %v)", err)
	}
	// Another deadline is another session.
	b, err = c.Encode(deadline.Add(time.Second), values)
	if err != nil || bytes.Equal(b, old) {
		t.Fatalf("deadline ignored (err %v)", err)
	}
	// A value of a kind it does not fingerprint still round-trips through gob.
	odd := map[string]any{"list": []string{"a", "b"}}
	b, err = c.Encode(deadline, odd)
	if err != nil {
		t.Fatal(err)
	}
	if _, v, err := c.Decode(b); err != nil || !reflect.DeepEqual(v, odd) {
		t.Fatalf("unknown kind: %v %v", v, err)
	}
}
