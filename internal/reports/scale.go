package reports

// ScaleItem is one bar on a 0-to-Max scale (an average rating): a label,
// the value, and how it reads. A value not shown (Shown is not a number,
// such as Withheld) gets no bar, as a withheld count gets none.
type ScaleItem struct {
	Label string
	Value float64
	Shown string
	Drawn bool
}

// ScaleChart lays items out like BarChart, each bar's length its value
// out of max (5 for a rating) rather than out of the largest item, so
// bars of averages compare with the scale they were given on.
func ScaleChart(items []ScaleItem, max float64) Chart {
	c := Chart{Height: len(items)*rowHeight + 8}
	for i, it := range items {
		top := i * rowHeight
		b := Bar{Label: it.Label, Value: it.Shown, LabelY: top + labelBase, BarY: top + barTop, TextY: top + barTop + 15}
		if it.Drawn && max > 0 && it.Value > 0 {
			b.Width = int(it.Value / max * float64(ChartWidth-valueRoom))
			if b.Width < minBarWidth {
				b.Width = minBarWidth
			}
		}
		b.TextX = b.Width + 8
		c.Bars = append(c.Bars, b)
	}
	return c
}
