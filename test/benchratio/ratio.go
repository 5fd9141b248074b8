package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/ballast-dev/ballast/internal/testutil/measure"
)

// pair is a handler's benchmark and the bare floor's for the same review.
type pair struct {
	label   string // what the review is: "Pod", "Deployment"
	handler string // the benchmark of Ballast's handler, as go test names it
	floor   string // the benchmark of the floor
}

// round is what one run of a pair's two benchmarks measured.
type round struct {
	handler, floor result
}

// ratio is the handler's time per review over the floor's.
func (r round) ratio() float64 {
	return r.handler.nsPerOp / r.floor.nsPerOp
}

// extra is what the handler spends per review beyond the floor, in ns.
func (r round) extra() float64 {
	return r.handler.nsPerOp - r.floor.nsPerOp
}

// summary is what the rounds of a pair measured, each figure's median
// and, for the ratio, its range.
type summary struct {
	ratio                       measure.Summary[float64]
	extra, handlerNs, floorNs   float64
	handlerBytes, handlerAllocs int64
	floorBytes, floorAllocs     int64
}

// summarize takes the median of each figure over rounds, each on its own:
// the ratio's median is that of the per-round ratios, not the ratio of the
// medians, so that a noisy round moves both sides of one ratio together.
func summarize(rounds []round) summary {
	pick := func(f func(round) float64) []float64 {
		out := make([]float64, len(rounds))
		for i, r := range rounds {
			out[i] = f(r)
		}
		return out
	}
	pickInt := func(f func(round) int64) int64 {
		out := make([]int64, len(rounds))
		for i, r := range rounds {
			out[i] = f(r)
		}
		return measure.Summarize(out).Median
	}
	return summary{
		ratio:         measure.Summarize(pick(round.ratio)),
		extra:         measure.Summarize(pick(round.extra)).Median,
		handlerNs:     measure.Summarize(pick(func(r round) float64 { return r.handler.nsPerOp })).Median,
		floorNs:       measure.Summarize(pick(func(r round) float64 { return r.floor.nsPerOp })).Median,
		handlerBytes:  pickInt(func(r round) int64 { return r.handler.bytesPerOp }),
		handlerAllocs: pickInt(func(r round) int64 { return r.handler.allocsPerOp }),
		floorBytes:    pickInt(func(r round) int64 { return r.floor.bytesPerOp }),
		floorAllocs:   pickInt(func(r round) int64 { return r.floor.allocsPerOp }),
	}
}

// printTable writes one line per pair: the median ratio and its range,
// the median µs/op of each side and of their difference, B/op and
// allocs/op.
func printTable(w io.Writer, pairs []pair, rounds [][]round) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "review\tratio (median)\tratio (range)\thandler µs/op\tfloor µs/op\thandler − floor µs\thandler B/op\tallocs/op\tfloor B/op\tallocs/op")
	for i, p := range pairs {
		s := summarize(rounds[i])
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f–%.2f\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n",
			p.label, s.ratio.Median, s.ratio.Min, s.ratio.Max,
			micros(s.handlerNs), micros(s.floorNs), micros(s.extra),
			s.handlerBytes, s.handlerAllocs, s.floorBytes, s.floorAllocs)
	}
	return tw.Flush()
}

// micros formats ns as µs with one decimal.
func micros(ns float64) string {
	return strconv.FormatFloat(ns/1e3, 'f', 1, 64)
}
