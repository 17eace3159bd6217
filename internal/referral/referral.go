// Package referral is the vocabulary of a careers-support referral: the
// answers the intake forms offer (each with its label for people, in the
// order forms show them), reference codes, and the checks on what people
// type. It has no I/O and imports nothing of ours, so forms, the store and
// the eligibility rules can all agree on one set of values.
package referral

import "slices"

// Option is one answer a form offers: the value stored and sent in forms,
// and the label people read.
type Option[T ~string] struct {
	Value T
	Label string
}

// label returns v's label in opts, or v itself when opts does not hold it, so
// a value retired from a list still shows as something on old records.
func label[T ~string](opts []Option[T], v T) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return string(v)
}

// valid reports whether opts holds v.
func valid[T ~string](opts []Option[T], v T) bool {
	return slices.ContainsFunc(opts, func(o Option[T]) bool { return o.Value == v })
}
