package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/testutil/measure"
)

// rnd is a round of the given ns/op, with B/op and allocs/op of their own
// for each side.
func rnd(handlerNs, floorNs float64) round {
	return round{
		handler: result{nsPerOp: handlerNs, bytesPerOp: 25000, allocsPerOp: 300},
		floor:   result{nsPerOp: floorNs, bytesPerOp: 9000, allocsPerOp: 110},
	}
}

func TestSummarize(t *testing.T) {
	tests := map[string]struct {
		rounds []round
		want   summary
	}{
		"one round": {
			rounds: []round{rnd(150, 100)},
			want: summary{
				ratio: measure.Summary[float64]{Median: 1.5, Min: 1.5, Max: 1.5}, extra: 50, handlerNs: 150, floorNs: 100,
				handlerBytes: 25000, handlerAllocs: 300, floorBytes: 9000, floorAllocs: 110,
			},
		},
		"the median of the ratios, not the ratio of the medians": {
			// Ratios 2, 1.2 and 1.5; medians of the sides 200 and 100.
			rounds: []round{rnd(200, 100), rnd(120, 100), rnd(300, 200)},
			want: summary{
				ratio: measure.Summary[float64]{Median: 1.5, Min: 1.2, Max: 2}, extra: 100, handlerNs: 200, floorNs: 100,
				handlerBytes: 25000, handlerAllocs: 300, floorBytes: 9000, floorAllocs: 110,
			},
		},
		"a noisy round moves both sides of its ratio": {
			rounds: []round{rnd(150, 100), rnd(600, 400), rnd(160, 100)},
			want: summary{
				ratio: measure.Summary[float64]{Median: 1.5, Min: 1.5, Max: 1.6}, extra: 60, handlerNs: 160, floorNs: 100,
				handlerBytes: 25000, handlerAllocs: 300, floorBytes: 9000, floorAllocs: 110,
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := summarize(tc.rounds)
			assert.InDelta(t, tc.want.ratio.Median, got.ratio.Median, 1e-9)
			assert.InDelta(t, tc.want.ratio.Min, got.ratio.Min, 1e-9)
			assert.InDelta(t, tc.want.ratio.Max, got.ratio.Max, 1e-9)
			got.ratio = tc.want.ratio
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPrintTable(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, printTable(&buf, []pair{{label: "Pod"}, {label: "Deployment"}},
		[][]round{{rnd(150000, 100000)}, {rnd(240000, 60000), rnd(250000, 50000)}}))
	assert.Equal(t, ""+
		"review      ratio (median)  ratio (range)  handler µs/op  floor µs/op  handler − floor µs  handler B/op  allocs/op  floor B/op  allocs/op\n"+
		"Pod         1.50            1.50–1.50      150.0          100.0        50.0                25000         300        9000        110\n"+
		"Deployment  4.00            4.00–5.00      240.0          50.0         180.0               25000         300        9000        110\n",
		buf.String())
}

func TestBenchPattern(t *testing.T) {
	tests := map[string]string{
		"BenchmarkMutatePod":     "^BenchmarkMutatePod$",
		"BenchmarkBareFloor/pod": "^BenchmarkBareFloor$/^pod$",
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, want, benchPattern(name))
		})
	}
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, (&config{rounds: 1, benchtime: "2000x"}).validate())
	err := (&config{rounds: 0, benchtime: "2s"}).validate()
	assert.ErrorContains(t, err, "-rounds")
	assert.ErrorContains(t, err, "-benchtime")
}
