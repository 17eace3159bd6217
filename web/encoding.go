package web

import (
	"iter"
	"strconv"
	"strings"
)

// AcceptsGzip reports whether Accept-Encoding (all its values) accepts
// gzip: named as gzip, x-gzip or "*", and not refused with q=0. The static
// files and the pages read it the same way.
func AcceptsGzip(values []string) bool {
	for c := range AcceptedEncodings(values) {
		if c == "gzip" || c == "x-gzip" || c == "*" {
			return true
		}
	}
	return false
}

// AcceptedEncodings yields the content codings that Accept-Encoding's
// values accept, in lower case: each one named, unless refused with q=0
// (or with a q that is not a number).
func AcceptedEncodings(values []string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, v := range values {
			for part := range strings.SplitSeq(v, ",") {
				name, params, _ := strings.Cut(part, ";")
				name = strings.ToLower(strings.TrimSpace(name))
				if name == "" || refused(params) {
					continue
				}
				if !yield(name) {
					return
				}
			}
		}
	}
}

// refused reports whether a coding's parameters give it q=0.
func refused(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, q, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			f, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
			return err != nil || !(f > 0) // NaN too
		}
	}
	return false
}
