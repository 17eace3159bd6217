package commonpasswords

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Without the built file there is no list, and the error says how to make
// it; a damaged or empty file is an error too, never an empty list that
// lets every password through.
func TestReadRefusesAMissingOrDamagedList(t *testing.T) {
	_, err := read(fstest.MapFS{"data/.keep": {}})
	if !errors.Is(err, ErrMissing) || err.Error() != "the common-password list is missing: run make assets" {
		t.Errorf("missing: err = %v", err)
	}
	for name, content := range map[string][]byte{
		"not gzip":  []byte("password\n"),
		"empty":     gzipped(t, ""),
		"truncated": gzipped(t, strings.Repeat("password\n", 1000))[:40],
	} {
		if _, err := read(fstest.MapFS{file: {Data: content}}); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("%s: err = %v, want it damaged", name, err)
		}
	}
	l, err := read(fstest.MapFS{file: {Data: gzipped(t, "123456\nletmein\npassword\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.offsets) != 3 || !l.contains("letmein") || !l.contains("password") || l.contains("pass") || l.contains("") {
		t.Errorf("list = %+v", l)
	}
}
