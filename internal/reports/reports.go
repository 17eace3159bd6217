// Package reports holds the pure parts of the unit's reports: the
// small-number rule, medians, the reporting period, CSV writing that a
// spreadsheet cannot turn into a formula, and the geometry of the bar
// charts. It does no I/O and imports nothing of ours.
package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// Threshold is the smallest count shown as itself: a count from 1 to
// Threshold-1 could point to a person, so it is shown as Few.
const Threshold = 5

// Few is how a withheld small count reads, in tables, charts and CSV alike.
const Few = "fewer than 5"

// Withheld is how a rate or median reads when fewer than Threshold
// referrals lie behind it.
const Withheld = "not shown (fewer than 5 referrals)"

// Small reports whether n must be withheld under the small-number rule.
func Small(n int) bool { return n > 0 && n < Threshold }

// Count is n as a report shows it: 0 stays 0, 1 to 4 is Few.
func Count(n int) string {
	if Small(n) {
		return Few
	}
	return strconv.Itoa(n)
}

// Hidden is how a count reads when it is withheld only so that a small
// one beside it cannot be worked out from the total.
const Hidden = "not shown (to protect a small number)"

// Breakdown shows the counts of one breakdown whose parts add up to a total
// the reader can see (referrals by route, region or professional group;
// answered on time and late). Small counts read Few. Then, since the total
// minus the shown counts gives the sum of the withheld ones, more counts are
// withheld (Hidden, the smallest first) until that sum says nothing more
// about any small one than that it is from 1 to 4: with s small counts and
// h hidden ones (each at least Threshold), their sum must be at least
// Threshold*h + s + 3, and h at least 1. safe is false when even withholding
// every count cannot achieve that (every part is small, or nearly): then
// the caller must withhold the total as well, if it can.
func Breakdown(counts []int) (shown []string, safe bool) {
	shown = make([]string, len(counts))
	hidden := make([]bool, len(counts))
	small, extra, sum := 0, 0, 0
	for i, n := range counts {
		shown[i] = Count(n)
		if Small(n) {
			hidden[i] = true
			small++
			sum += n
		}
	}
	enough := func() bool { return small == 0 || (extra >= 1 && sum >= Threshold*extra+small+3) }
	for !enough() {
		next := -1
		for i, n := range counts {
			if !hidden[i] && n >= Threshold && (next < 0 || n < counts[next]) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		hidden[next] = true
		shown[next] = Hidden
		extra++
		sum += counts[next]
	}
	return shown, enough()
}

// Exact is n as itself, for operational figures the rule does not cover
// (the coaches' caseloads).
func Exact(n int) string { return strconv.Itoa(n) }

// Percent is num out of den as a whole percentage, withheld when den is
// below Threshold (a rate over so few people could point to one of them),
// or when num or den-num is small (with den shown, the rate would give the
// small count away). With den 0 there is nothing to show.
func Percent(num, den int) string {
	switch {
	case den == 0:
		return "none to count"
	case den < Threshold || Small(num) || Small(den-num):
		return Withheld
	}
	// Round half up, in integers: 2 of 3 is 67%.
	return strconv.Itoa((200*num+den)/(2*den)) + "%"
}

// ExactPercent is num out of den as a whole percentage, never withheld:
// for the unit's own service figures (how quickly it answers, how long
// people wait), which describe the unit's performance rather than people
// by their characteristics. With den 0 there is nothing to show.
func ExactPercent(num, den int) string {
	if den == 0 {
		return "none to count"
	}
	return strconv.Itoa((200*num+den)/(2*den)) + "%"
}

// ExactMedianDays is MedianDays without the small-number rule, for the
// service figures (see ExactPercent).
func ExactMedianDays(bins []Bin) string {
	m, _, ok := Median(bins)
	if !ok {
		return "none to count"
	}
	s := strconv.FormatFloat(m, 'f', -1, 64)
	if m == 1 {
		return s + " day"
	}
	return s + " days"
}

// Bin is how many (N) have one value (Value), such as 7 referrals answered
// in 3 days: the database sends histograms, not one row per person.
type Bin struct {
	Value int
	N     int
}

// Total is how many the bins hold.
func Total(bins []Bin) int {
	n := 0
	for _, b := range bins {
		n += b.N
	}
	return n
}

// Median is the median value of the bins (the mean of the two middle
// values when their total is even) and how many it was taken over; ok is
// false when the bins are empty. Bins need not be sorted.
func Median(bins []Bin) (median float64, n int, ok bool) {
	sorted := make([]Bin, 0, len(bins))
	for _, b := range bins {
		if b.N > 0 {
			sorted = append(sorted, b)
		}
	}
	// Insertion sort: a histogram has a few dozen bins at most.
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].Value < sorted[j-1].Value; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	n = Total(sorted)
	if n == 0 {
		return 0, 0, false
	}
	// The values at positions lo and hi (0-based) of the sorted list.
	lo, hi := (n-1)/2, n/2
	var a, b int
	seen := 0
	for _, bin := range sorted {
		if lo >= seen && lo < seen+bin.N {
			a = bin.Value
		}
		if hi >= seen && hi < seen+bin.N {
			b = bin.Value
			break
		}
		seen += bin.N
	}
	return float64(a+b) / 2, n, true
}

// MedianDays is the median of bins counted in days, as a report shows it:
// withheld when fewer than Threshold referrals lie behind it.
func MedianDays(bins []Bin) string {
	m, n, ok := Median(bins)
	switch {
	case !ok:
		return "none to count"
	case n < Threshold:
		return Withheld
	}
	s := strconv.FormatFloat(m, 'f', -1, 64)
	if m == 1 {
		return s + " day"
	}
	return s + " days"
}

// Table is one report table as the page, its chart and its CSV show it:
// the cells are already words (counts after the small-number rule), so the
// three cannot disagree.
type Table struct {
	// Name is the table's part of its CSV address: lower case and hyphens.
	Name    string
	Caption string
	Columns []string
	Rows    [][]string
}

// Filename is a safe download name for the table over a period given as
// two ISO dates: only letters, digits and hyphens survive.
func Filename(name, from, to string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return -1
		}, s)
	}
	return fmt.Sprintf("careers-%s-%s-to-%s.csv", clean(name), clean(from), clean(to))
}

// Line is one sum a set of tables lets the reader check: the counts at
// Parts (indexes into the counts given to Suppress) add up to the count at
// Total.
type Line struct {
	Parts []int
	Total int
}

// Set is counts that several tables show and that add up along lines,
// gathered for Suppress to withhold together.
type Set struct {
	Counts []int
	Lines  []Line
}

// Add puts n in the set and returns its index.
func (s *Set) Add(n int) int {
	s.Counts = append(s.Counts, n)
	return len(s.Counts) - 1
}

// Sum records that the counts at parts add up to the count at total.
func (s *Set) Sum(total int, parts ...int) {
	s.Lines = append(s.Lines, Line{Parts: parts, Total: total})
}

// Shown is each count as Suppress lets the tables show it.
func (s *Set) Shown() []string { return Suppress(s.Counts, s.Lines) }

// Suppress applies the small-number rule to counts that several tables
// show and that add up along lines (a cross-table's rows and columns, its
// margins, and the one-way tables beside it). Small counts read Few. Then,
// line by line until nothing changes, Breakdown's rule holds on every line
// whose total is shown: if its withheld parts' sum could narrow a small one
// (or single out a hidden one), its smallest shown part of at least
// Threshold is withheld (Hidden), and when there is none the total is
// withheld instead, which can in turn make another line withhold more; and
// a withheld total whose line shows every part withholds the largest. A
// count shared by several tables has one index, so it reads the same in
// each. With a single line it gives what Breakdown gives, the total Hidden
// when Breakdown says it is not safe.
func Suppress(counts []int, lines []Line) []string {
	withheld := make([]bool, len(counts))
	for i, n := range counts {
		withheld[i] = Small(n)
	}
	ok := func(l Line) bool {
		small, hidden, sum := 0, 0, 0
		for _, p := range l.Parts {
			if !withheld[p] {
				continue
			}
			sum += counts[p]
			if Small(counts[p]) {
				small++
			} else {
				hidden++
			}
		}
		switch {
		case small == 0:
			return hidden != 1 // one hidden part alone is the total minus the rest
		default:
			return hidden >= 1 && sum >= Threshold*hidden+small+3
		}
	}
	for changed := true; changed; {
		changed = false
		for _, l := range lines {
			// A withheld total is still the sum of a line whose parts are
			// all shown (another line's sum may have withheld it): its
			// largest part goes too, which its own lines then protect in
			// turn.
			if withheld[l.Total] {
				largest := -1
				for _, p := range l.Parts {
					if withheld[p] {
						largest = -1
						break
					}
					if counts[p] > 0 && (largest < 0 || counts[p] > counts[largest]) {
						largest = p
					}
				}
				if largest >= 0 {
					withheld[largest] = true
					changed = true
				}
			}
			for !withheld[l.Total] && !ok(l) {
				next := -1
				for _, p := range l.Parts {
					if !withheld[p] && counts[p] >= Threshold && (next < 0 || counts[p] < counts[next]) {
						next = p
					}
				}
				if next < 0 {
					next = l.Total
				}
				withheld[next] = true
				changed = true
			}
		}
	}
	// A small total reads Few, but with Threshold-1 parts that read Few
	// beside it, it can only be their least sum, each part 1 (four Few
	// parts under a Few total are 1 each): such a total reads Hidden.
	pinned := make([]bool, len(counts))
	for _, l := range lines {
		if !Small(counts[l.Total]) {
			continue
		}
		few := 0
		for _, p := range l.Parts {
			if Small(counts[p]) {
				few++
			}
		}
		pinned[l.Total] = pinned[l.Total] || few >= Threshold-1
	}
	shown := make([]string, len(counts))
	for i, n := range counts {
		switch {
		case pinned[i]:
			shown[i] = Hidden
		case Small(n):
			shown[i] = Few
		case withheld[i]:
			shown[i] = Hidden
		default:
			shown[i] = Count(n)
		}
	}
	return shown
}
