package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"careers/internal/pagegz"
	"careers/web"
)

// calendarProps is a coach's busy week: six sessions a day, Monday to
// Friday, some booked, the past ones read-only, and a morning off.
func calendarProps() web.CalendarProps {
	london, _ := time.LoadLocation("Europe/London")
	monday := time.Date(2026, 3, 2, 0, 0, 0, 0, london)
	p := web.CalendarProps{Title: "Week of Monday 2 March 2026", Prev: "/staff/calendar?from=2026-02-23",
		Next: "/staff/calendar?from=2026-03-09", Switch: "/staff/calendar?view=month", AnyOff: true}
	for d := range 7 {
		day := web.CalendarDay{Date: monday.AddDate(0, 0, d)}
		if d == 2 {
			day.TimeOff = []web.TimeOffEntry{{ID: 9, Start: day.Date.Add(9 * time.Hour), End: day.Date.Add(12 * time.Hour), Note: "Leave"}}
		}
		for h := 0; d < 5 && h < 6; h++ {
			start := day.Date.Add(time.Duration(9+h) * time.Hour)
			e := web.CalendarEntry{ID: int64(d*10 + h), Start: start, End: start.Add(time.Hour), Mode: "virtual", Past: d == 0}
			switch h % 3 {
			case 0:
				e.Booked, e.Appointment, e.Trainee, e.Reference, e.Status, e.CanOpen = true, int64(100+d*10+h), "Priya Patel", "CR-7K4M-2Q"+strconv.Itoa(d*10+h), "booked", true
			default:
				e.CanRemove = !e.Past
			}
			day.Slots = append(day.Slots, e)
		}
		p.Days = append(p.Days, day)
	}
	for h := 9; h <= 17; h++ {
		p.Hours = append(p.Hours, monday.Add(time.Duration(h)*time.Hour))
	}
	for i, d := range p.Days {
		p.Days[i].ByHour = make([][]web.CalendarEntry, len(p.Hours))
		for _, e := range d.Slots {
			p.Days[i].ByHour[e.Start.Hour()-9] = append(p.Days[i].ByHour[e.Start.Hour()-9], e)
		}
	}
	return p
}

// BenchmarkCalendarWeek renders the coach's week and compresses it as the
// service does (pagegz; the stateless deflate it replaced beside it): the
// CPU a request for the page costs besides its one statement and the
// session.
func BenchmarkCalendarWeek(b *testing.B) {
	l := benchLayout(b, "/staff/calendar")
	var buf bytes.Buffer
	ctx := context.Background()
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		p := calendarProps()
		defer reportCPU(b)()
		for b.Loop() {
			buf.Reset()
			if err := web.CalendarPage(l, p).Render(ctx, &buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "bytes/page")
	})
	b.Run("gzip", func(b *testing.B) {
		dst := make([]byte, 0, 64<<10)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			dst = pagegz.Append(dst[:0], buf.Bytes())
		}
		b.ReportMetric(float64(len(dst)), "out-bytes")
	})
	gz, _ := kgzip.NewWriterLevel(io.Discard, kgzip.StatelessCompression)
	b.Run("gzip-stateless", func(b *testing.B) { benchGzip(b, buf.Bytes(), gz) })
}

// BenchmarkLayout is the NHS layout every page is rendered in, around a
// page with next to nothing in it.
func BenchmarkLayout(b *testing.B) {
	l := benchLayout(b, "/staff/x")
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		buf.Reset()
		if err := web.NotFoundPage(l).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}

// BenchmarkGzipSmallPage compresses a short page (the layout around a
// line of text) at the service's level, Huffman only, stateless, and with
// the standard library's fastest level.
func BenchmarkGzipSmallPage(b *testing.B) {
	var buf bytes.Buffer
	if err := web.NotFoundPage(benchLayout(b, "/staff/x")).Render(context.Background(), &buf); err != nil {
		b.Fatal(err)
	}
	for _, level := range []int{kgzip.BestSpeed, kgzip.HuffmanOnly, kgzip.StatelessCompression} {
		gz, _ := kgzip.NewWriterLevel(io.Discard, level)
		b.Run(strconv.Itoa(level), func(b *testing.B) { benchGzip(b, buf.Bytes(), gz) })
	}
	gz, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	b.Run("stdlib-1", func(b *testing.B) { benchGzip(b, buf.Bytes(), gz) })
}

// benchLayout is a signed-in coach's layout for a page at path.
func benchLayout(b testing.TB, path string) web.Layout {
	assets, err := web.NewAssets()
	if err != nil {
		b.Fatal(err)
	}
	return web.Layout{Nonce: "bm9uY2U", Assets: assets, Path: path,
		Account: &web.Account{Name: "Kofi Coach", SignOut: "/staff/sign-out"},
		Nav:     []web.NavItem{{Href: "/staff", Text: "Home"}, {Href: "/staff/calendar", Text: "Calendar", Current: path == "/staff/calendar"}}}
}

// gzipper is a gzip writer that can be reused (klauspost's or the
// standard library's).
type gzipper interface {
	io.WriteCloser
	Reset(io.Writer)
}

// benchGzip compresses page with gz again and again, as the service does
// for each answer.
func benchGzip(b *testing.B, page []byte, gz gzipper) {
	var out bytes.Buffer
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		out.Reset()
		gz.Reset(&out)
		_, _ = gz.Write(page)
		_ = gz.Close()
	}
	b.ReportMetric(float64(len(page)), "in-bytes")
	b.ReportMetric(float64(out.Len()), "out-bytes")
}

// reportCPU reports the process's CPU time per operation (user and system,
// all threads, the collector's included) beside the wall-clock time, which
// on a shared machine counts the time other processes ran too.
func reportCPU(b *testing.B) func() {
	before := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-before).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
