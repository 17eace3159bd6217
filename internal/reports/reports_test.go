package reports_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"careers/internal/reports"
)

func TestCountSmallNumberRule(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "0"}, {1, reports.Few}, {2, reports.Few}, {4, reports.Few}, {5, "5"}, {6, "6"}, {1234, "1234"},
	} {
		if got := reports.Count(c.n); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
		if got := reports.Exact(c.n); got != strings.TrimSpace(got) || (c.n > 0 && got == reports.Few) {
			t.Errorf("Exact(%d) = %q", c.n, got)
		}
	}
	if reports.Few != "fewer than 5" {
		t.Errorf("Few = %q", reports.Few)
	}
}

// The total minus the shown counts is the sum of the withheld ones: the
// rule withholds more until that sum gives no small count away.
func TestBreakdownCannotBeUndoneBySubtraction(t *testing.T) {
	t.Parallel()
	F, H := reports.Few, reports.Hidden
	for _, c := range []struct {
		name string
		in   []int
		want []string
		safe bool
	}{
		{"nothing small", []int{12, 7, 0}, []string{"12", "7", "0"}, true},
		{"one small: the next smallest goes too", []int{12, 3, 7, 0, 9}, []string{"12", F, H, "0", "9"}, true},
		// 56 - 50 = 6 = 5 + 1 would give both away: the 50 goes too.
		{"the next smallest is not enough", []int{50, 5, 1}, []string{H, H, F}, true},
		// Two small cells summing to 2 are both 1: one more goes.
		// 1 + 1 + 7 = 9 still says each small one is at most 3: the 12 goes.
		{"two small ones do not protect each other", []int{12, 1, 1, 7}, []string{H, F, F, H}, true},
		{"ties: the first smallest", []int{6, 4, 6}, []string{H, F, "6"}, true},
		{"one small and only zeros beside it", []int{3, 0, 0}, []string{F, "0", "0"}, false},
		// 5 + 1 = 6 with nothing else to hide: only hiding the total helps.
		{"nothing left to hide", []int{5, 1}, []string{H, F}, false},
		{"empty", nil, []string{}, true},
	} {
		got, safe := reports.Breakdown(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") || safe != c.safe {
			t.Errorf("%s: Breakdown(%v) = %q, %v; want %q, %v", c.name, c.in, got, safe, c.want, c.safe)
		}
	}
	// Whatever the counts, the withheld ones' sum must leave every small
	// one anywhere from 1 to 4 (when the breakdown says it is safe).
	for a := 0; a < 12; a++ {
		for b := 0; b < 12; b++ {
			for c := 0; c < 12; c++ {
				in := []int{a, b, c}
				shown, safe := reports.Breakdown(in)
				if !safe {
					continue
				}
				sum, small, hidden := 0, 0, 0
				for i, v := range shown {
					switch v {
					case F:
						small++
						sum += in[i]
					case H:
						hidden++
						sum += in[i]
					}
				}
				if small > 0 && (hidden == 0 || sum-reports.Threshold*hidden-(small-1) < 4) {
					t.Errorf("Breakdown(%v) = %q: the withheld sum %d narrows a small count", in, shown, sum)
				}
			}
		}
	}
}

func TestPercent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		num, den int
		want     string
	}{
		{0, 0, "none to count"},
		{1, 1, reports.Withheld},
		{4, 4, reports.Withheld},
		{0, 5, "0%"},
		{5, 5, "100%"},
		// With the denominator shown, a rate gives a small part away: 4 of
		// 5, 2 of 6, 1 of 8, or 7 of 9 (2 not), so none of them is shown.
		{4, 5, reports.Withheld},
		{2, 6, reports.Withheld},
		{1, 8, reports.Withheld},
		{7, 9, reports.Withheld},
		{5, 10, "50%"},
		{10, 15, "67%"}, // 66.67 rounds up
		{5, 40, "13%"},  // 12.5 rounds half up
		{7, 12, "58%"},
	} {
		if got := reports.Percent(c.num, c.den); got != c.want {
			t.Errorf("Percent(%d, %d) = %q, want %q", c.num, c.den, got, c.want)
		}
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	b := func(v, n int) reports.Bin { return reports.Bin{Value: v, N: n} }
	for _, c := range []struct {
		name string
		bins []reports.Bin
		want float64
		n    int
		ok   bool
	}{
		{"empty", nil, 0, 0, false},
		{"only empty bins", []reports.Bin{b(3, 0)}, 0, 0, false},
		{"one", []reports.Bin{b(7, 1)}, 7, 1, true},
		{"odd count", []reports.Bin{b(1, 1), b(2, 1), b(10, 1)}, 2, 3, true},
		{"even count: mean of the middle two", []reports.Bin{b(1, 1), b(2, 1), b(4, 1), b(10, 1)}, 3, 4, true},
		{"even count, halves in different bins", []reports.Bin{b(14, 2), b(15, 2)}, 14.5, 4, true},
		{"unsorted bins", []reports.Bin{b(20, 1), b(0, 2), b(5, 2)}, 5, 5, true},
		{"one bin holds both middles", []reports.Bin{b(0, 1), b(6, 4), b(30, 1)}, 6, 6, true},
		{"zero-count bins ignored", []reports.Bin{b(100, 0), b(3, 3)}, 3, 3, true},
	} {
		got, n, ok := reports.Median(c.bins)
		if got != c.want || n != c.n || ok != c.ok {
			t.Errorf("%s: Median = %v, %d, %v; want %v, %d, %v", c.name, got, n, ok, c.want, c.n, c.ok)
		}
	}
}

func TestMedianDaysWithheldUnderFive(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		bins []reports.Bin
		want string
	}{
		{nil, "none to count"},
		{[]reports.Bin{{Value: 3, N: 4}}, reports.Withheld},
		{[]reports.Bin{{Value: 3, N: 5}}, "3 days"},
		{[]reports.Bin{{Value: 1, N: 5}}, "1 day"},
		{[]reports.Bin{{Value: 2, N: 3}, {Value: 3, N: 3}}, "2.5 days"},
	} {
		if got := reports.MedianDays(c.bins); got != c.want {
			t.Errorf("MedianDays(%v) = %q, want %q", c.bins, got, c.want)
		}
	}
}

func TestNeutralise(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"London", "London"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=1", "a=1"},
		{" =1", " =1"},
		{"12", "12"},
		{reports.Few, reports.Few},
	} {
		if got := reports.Neutralise(c.in); got != c.want {
			t.Errorf("Neutralise(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tbl := reports.Table{Name: "coaches", Columns: []string{"Coach", "=Cases"},
		Rows: [][]string{{"=cmd|' /C calc'!A0", "3"}, {"Ann, \"Jo\"", reports.Few}, {"@x", "-1"}}}
	if err := reports.WriteCSV(&buf, tbl); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(buf.String(), "\r\n") {
		t.Error("CSV lines do not end with CRLF")
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Coach", "'=Cases"}, {"'=cmd|' /C calc'!A0", "3"}, {"Ann, \"Jo\"", "fewer than 5"}, {"'@x", "'-1"}}
	if len(rows) != len(want) {
		t.Fatalf("rows %q, want %q", rows, want)
	}
	for i := range want {
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Errorf("cell %d,%d = %q, want %q", i, j, rows[i][j], want[i][j])
			}
		}
	}
}

func TestFilename(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, from, to, want string }{
		{"by-route", "2026-07-01", "2026-09-30", "careers-by-route-2026-07-01-to-2026-09-30.csv"},
		{"../../etc/passwd", "2026\"; x=1", "a\r\nb", "careers-etcpasswd-2026x1-to-ab.csv"},
	} {
		if got := reports.Filename(c.name, c.from, c.to); got != c.want {
			t.Errorf("Filename(%q, %q, %q) = %q, want %q", c.name, c.from, c.to, got, c.want)
		}
	}
}

func day(s string) time.Time {
	t, err := time.Parse(reports.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestQuickPeriods(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		today              string
		last, this, twelve [2]string
	}{
		{"2026-11-28", [2]string{"2026-07-01", "2026-09-30"}, [2]string{"2026-10-01", "2026-11-28"}, [2]string{"2025-11-29", "2026-11-28"}},
		{"2026-01-01", [2]string{"2025-10-01", "2025-12-31"}, [2]string{"2026-01-01", "2026-01-01"}, [2]string{"2025-01-02", "2026-01-01"}},
		{"2026-04-01", [2]string{"2026-01-01", "2026-03-31"}, [2]string{"2026-04-01", "2026-04-01"}, [2]string{"2025-04-02", "2026-04-01"}},
		{"2024-03-31", [2]string{"2023-10-01", "2023-12-31"}, [2]string{"2024-01-01", "2024-03-31"}, [2]string{"2023-04-01", "2024-03-31"}},
	} {
		today := day(c.today)
		for name, got := range map[string]struct {
			p    reports.Period
			want [2]string
		}{
			"last quarter": {reports.LastQuarter(today), c.last}, "this quarter": {reports.ThisQuarter(today), c.this},
			"last 12 months": {reports.Last12Months(today), c.twelve},
		} {
			if got.p.FromText() != got.want[0] || got.p.ToText() != got.want[1] {
				t.Errorf("%s on %s: %s to %s, want %s to %s", name, c.today, got.p.FromText(), got.p.ToText(), got.want[0], got.want[1])
			}
		}
	}
}

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		from, to       string
		fromErr, toErr error
	}{
		{"2026-07-01", "2026-09-30", nil, nil},
		{"2026-07-01", "2026-07-01", nil, nil},
		{"", "", reports.ErrFromMissing, reports.ErrToMissing},
		{"2026-13-01", "2026-09-31", reports.ErrFromInvalid, reports.ErrToInvalid},
		{"01/07/2026", "2026-09-30", reports.ErrFromInvalid, nil},
		{"2026-07-02", "2026-07-01", nil, reports.ErrToBefore},
		{"2020-01-01", "2026-01-01", nil, reports.ErrTooLong},
		{"1999-12-31", "2000-01-01", reports.ErrFromInvalid, nil},
	} {
		_, fe, te := reports.ParsePeriod(c.from, c.to)
		if !errors.Is(fe, c.fromErr) || !errors.Is(te, c.toErr) {
			t.Errorf("ParsePeriod(%q, %q) = %v, %v; want %v, %v", c.from, c.to, fe, te, c.fromErr, c.toErr)
		}
	}
}

// A period covers whole London days, across the October clock change.
func TestBounds(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	p, _, _ := reports.ParsePeriod("2026-10-01", "2026-10-31")
	start, end := p.Bounds(london)
	if want := time.Date(2026, 9, 30, 23, 0, 0, 0, time.UTC); !start.Equal(want) {
		t.Errorf("start %v, want %v", start, want)
	}
	if want := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC); !end.Equal(want) {
		t.Errorf("end %v, want %v", end, want)
	}
}

func TestBarChart(t *testing.T) {
	t.Parallel()
	c := reports.BarChart([]reports.Item{{Label: "A", N: 49}, {Label: "B", N: 3}, {Label: "C", N: 0}, {Label: "D", N: 98}, {Label: "E", N: 5}})
	if c.Height != 5*56+8 {
		t.Errorf("height %d", c.Height)
	}
	wantWidth := []int{245, 0, 0, 490, 25}
	wantValue := []string{"49", reports.Few, "0", "98", "5"}
	for i, b := range c.Bars {
		if b.Width != wantWidth[i] || b.Value != wantValue[i] {
			t.Errorf("bar %d: width %d value %q, want %d %q", i, b.Width, b.Value, wantWidth[i], wantValue[i])
		}
		if b.TextX != b.Width+8 || b.BarY != i*56+26 || b.LabelY != i*56+18 || b.TextY != b.BarY+15 {
			t.Errorf("bar %d misplaced: %+v", i, b)
		}
		if b.TextX+len(b.Value)*9 > reports.ChartWidth {
			t.Errorf("bar %d: its figure runs off the chart", i)
		}
	}
	if got, want := c.Desc(), "A: 49; B: fewer than 5; C: 0; D: 98; E: 5."; got != want {
		t.Errorf("desc %q, want %q", got, want)
	}
	// Only withheld counts: no bar at all, nothing to scale by.
	for _, b := range reports.BarChart([]reports.Item{{Label: "A", N: 2}, {Label: "B", N: 0}}).Bars {
		if b.Width != 0 {
			t.Errorf("a withheld or zero count drew a bar: %+v", b)
		}
	}
	// A count withheld to protect a small one: its words, and no bar.
	hidden := reports.BarChart([]reports.Item{{Label: "A", N: 40}, {Label: "B", N: 7, Shown: reports.Hidden}, {Label: "C", N: 3, Shown: reports.Few}})
	if b := hidden.Bars[1]; b.Width != 0 || b.Value != reports.Hidden {
		t.Errorf("a hidden count: %+v", b)
	}
	if b := hidden.Bars[0]; b.Width != reports.ChartWidth-150 {
		t.Errorf("the largest shown bar should take the width: %+v", b)
	}
	// A tiny count next to a huge one still shows.
	if b := reports.BarChart([]reports.Item{{Label: "A", N: 100000}, {Label: "B", N: 5}}).Bars[1]; b.Width != 2 {
		t.Errorf("smallest shown bar width %d, want 2", b.Width)
	}
}

// The unit's service figures are exact, however few: the small-number
// rule is for people in breakdowns, not for how quickly the unit answers.
func TestServiceFiguresAreExact(t *testing.T) {
	for _, c := range []struct {
		num, den int
		want     string
	}{
		{0, 0, "none to count"}, {1, 1, "100%"}, {1, 3, "33%"}, {2, 3, "67%"}, {5, 6, "83%"}, {29, 35, "83%"}, {0, 4, "0%"},
	} {
		if got := reports.ExactPercent(c.num, c.den); got != c.want {
			t.Errorf("ExactPercent(%d, %d) = %q, want %q", c.num, c.den, got, c.want)
		}
		// The same figures under the rule are withheld when small.
		if c.den > 0 && c.den < reports.Threshold && reports.Percent(c.num, c.den) != reports.Withheld {
			t.Errorf("Percent(%d, %d) is not withheld", c.num, c.den)
		}
	}
	for _, c := range []struct {
		bins []reports.Bin
		want string
	}{
		{nil, "none to count"},
		{[]reports.Bin{{Value: 1, N: 1}}, "1 day"},
		{[]reports.Bin{{Value: 3, N: 2}, {Value: 10, N: 1}}, "3 days"},
		{[]reports.Bin{{Value: 2, N: 1}, {Value: 5, N: 1}}, "3.5 days"},
	} {
		if got := reports.ExactMedianDays(c.bins); got != c.want {
			t.Errorf("ExactMedianDays(%v) = %q, want %q", c.bins, got, c.want)
		}
	}
}

func TestSuppressOneLineIsBreakdown(t *testing.T) {
	t.Parallel()
	for a := 0; a < 12; a++ {
		for b := 0; b < 12; b++ {
			for c := 0; c < 12; c++ {
				in := []int{a, b, c}
				want, safe := reports.Breakdown(in)
				total := reports.Count(a + b + c)
				if !safe && !reports.Small(a+b+c) {
					total = reports.Hidden // a small total reads Few: withheld all the same
				}
				got := reports.Suppress([]int{a, b, c, a + b + c}, []reports.Line{{Parts: []int{0, 1, 2}, Total: 3}})
				if strings.Join(got, "|") != strings.Join(append(want, total), "|") {
					t.Errorf("Suppress(%v) = %q; Breakdown gives %q, total %q", in, got, want, total)
				}
			}
		}
	}
}

// A cross-table's rows and columns both add up to totals the reader sees:
// a count hidden for its row must not be given away by its column.
func TestSuppressCrossTable(t *testing.T) {
	t.Parallel()
	F, H := reports.Few, reports.Hidden
	// Rows A and B, columns x and y, with the row totals (cells 4, 5), the
	// column totals (6, 7) and the grand total (8):
	//        x   y | all
	//   A    3   9 |  12
	//   B    8  10 |  18
	//   all 11  19 |  30
	counts := []int{3, 9, 8, 10, 12, 18, 11, 19, 30}
	lines := []reports.Line{
		{Parts: []int{0, 1}, Total: 4}, {Parts: []int{2, 3}, Total: 5},
		{Parts: []int{0, 2}, Total: 6}, {Parts: []int{1, 3}, Total: 7},
		{Parts: []int{4, 5}, Total: 8}, {Parts: []int{6, 7}, Total: 8},
	}
	// Row A hides its 9 beside the 3; column y then holds one hidden count,
	// which its total would give away, so the 10 goes; column x hides the 8
	// beside the 3. Every line now withholds at least two counts.
	want := []string{F, H, H, H, "12", "18", "11", "19", "30"}
	if got := reports.Suppress(counts, lines); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Suppress = %q; want %q", got, want)
	}
	// All of a row small: nothing beside it can protect it, so its total
	// goes, and then row B's total so that the grand total does not give it.
	// Column x: 2 + 6 = 8 would say the small one is at most 3 with the 6
	// hidden, so its total goes too, and then column y's beside it.
	//        x   y | all
	//   A    2   3 |   5
	//   B    6   7 |  13
	//   all  8  10 |  18
	counts = []int{2, 3, 6, 7, 5, 13, 8, 10, 18}
	want = []string{F, F, H, H, H, H, H, H, "18"}
	if got := reports.Suppress(counts, lines); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Suppress = %q; want %q", got, want)
	}
}

// One total, two lines: when the second line cannot be protected its
// total is withheld, and the first line, all of its parts shown, would add
// up to it again (8 = 8), giving the two small counts of the second away
// (8 = 4 + 4): one of the first line's parts is withheld too.
func TestSuppressWithheldTotalIsNotTheSumOfShownParts(t *testing.T) {
	t.Parallel()
	F, H := reports.Few, reports.Hidden
	// Cells: answers 8 and 0, routes 4 and 4, the total 8.
	counts := []int{8, 0, 4, 4, 8}
	lines := []reports.Line{{Parts: []int{0, 1}, Total: 4}, {Parts: []int{2, 3}, Total: 4}}
	got := reports.Suppress(counts, lines)
	if want := []string{H, "0", F, F, H}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Suppress = %q; want %q", got, want)
	}
}

// A total of "fewer than 5" with four parts of "fewer than 5" could only
// be 4, each part 1: the total reads as withheld to protect them, which
// leaves it anywhere from 4 up.
func TestSuppressSmallTotalOfFourSmallParts(t *testing.T) {
	t.Parallel()
	got := reports.Suppress([]int{1, 1, 1, 1, 0, 4}, []reports.Line{{Parts: []int{0, 1, 2, 3, 4}, Total: 5}})
	if got[5] != reports.Hidden || got[0] != reports.Few || got[4] != "0" {
		t.Errorf("four 1s under a total of 4: %q, want the parts fewer than 5 and the total withheld", got)
	}
	// Three small parts leave the total 3 or 4: it reads Few as before.
	got = reports.Suppress([]int{1, 1, 2, 0, 4}, []reports.Line{{Parts: []int{0, 1, 2, 3}, Total: 4}})
	if got[4] != reports.Few {
		t.Errorf("three small parts under a total of 4: %q, want the total fewer than 5", got)
	}
}
