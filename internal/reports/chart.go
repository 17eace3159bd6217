package reports

// The bar charts' geometry, in the SVG's own units (the picture scales to
// the width of the page). Each bar has its label above it and its figure
// written after it, so nothing depends on colour or on reading a scale.
const (
	ChartWidth  = 640
	rowHeight   = 56
	labelBase   = 18 // the label's baseline within its row
	barTop      = 26 // the bar's top within its row
	barHeight   = 20
	valueRoom   = 150 // room kept to the right of the longest bar for its figure
	minBarWidth = 2   // a count too small for a pixel still shows as a sliver
)

// Item is one bar to draw: a label and its count. Shown, when set, is how
// the count reads after the rules (Breakdown's Hidden); a count shown any
// way but as itself gets no bar.
type Item struct {
	Label string
	N     int
	Shown string
}

// Bar is one drawn bar: where its label, bar and figure go.
type Bar struct {
	Label  string
	Value  string // the count after the small-number rule
	LabelY int
	BarY   int
	Width  int // 0 for a count of 0 or one withheld: no bar is drawn
	TextX  int // where the figure starts
	TextY  int
}

// Chart is a horizontal bar chart laid out for an SVG of ChartWidth by
// Height.
type Chart struct {
	Height int
	Bars   []Bar
}

// Desc is the chart's figures as one sentence, for the SVG's <desc>.
func (c Chart) Desc() string {
	s := ""
	for i, b := range c.Bars {
		if i > 0 {
			s += "; "
		}
		s += b.Label + ": " + b.Value
	}
	return s + "."
}

// BarChart lays items out one under another, longest bar the full width
// less room for its figure. A withheld count (1 to 4) gets no bar at all:
// a bar's length would give away the number the words hide.
func BarChart(items []Item) Chart {
	most := 0
	drawn := func(it Item) bool { return !Small(it.N) && it.N > 0 && (it.Shown == "" || it.Shown == Count(it.N)) }
	for _, it := range items {
		if drawn(it) && it.N > most {
			most = it.N
		}
	}
	c := Chart{Height: len(items)*rowHeight + 8}
	for i, it := range items {
		top := i * rowHeight
		b := Bar{Label: it.Label, Value: Count(it.N), LabelY: top + labelBase, BarY: top + barTop, TextY: top + barTop + 15}
		if it.Shown != "" {
			b.Value = it.Shown
		}
		if drawn(it) && most > 0 {
			b.Width = max(minBarWidth, it.N*(ChartWidth-valueRoom)/most)
		}
		b.TextX = b.Width + 8
		c.Bars = append(c.Bars, b)
	}
	return c
}
