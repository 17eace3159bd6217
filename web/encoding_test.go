package web

import "testing"

// Accept-Encoding as the static files and the pages read it.
func TestAcceptsGzip(t *testing.T) {
	for _, c := range []struct {
		values []string
		want   bool
	}{
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br, zstd"}, true},
		{[]string{"deflate, gzip;q=0.5"}, true},
		{[]string{"br", "gzip"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.0, deflate"}, false},
		{[]string{"gzip;q=nonsense"}, false},
		{[]string{"gzipped"}, false},
		{[]string{"deflate, br"}, false},
		{nil, false},
	} {
		if got := AcceptsGzip(c.values); got != c.want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", c.values, got, c.want)
		}
	}
}
