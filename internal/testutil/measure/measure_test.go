package measure

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPercentile(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	tests := map[string]struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		"median of 1..100":      {sorted, 0.50, 50 * time.Millisecond},
		"p99 of 1..100":         {sorted, 0.99, 99 * time.Millisecond},
		"max":                   {sorted, 1, 100 * time.Millisecond},
		"p99 of a single value": {sorted[:1], 0.99, time.Millisecond},
		"empty":                 {nil, 0.5, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, Percentile(tc.in, tc.p))
		})
	}
}

func TestSummarize(t *testing.T) {
	tests := map[string]struct {
		in   []float64
		want Summary[float64]
	}{
		"odd count, unsorted":       {[]float64{1.9, 1.2, 2.5, 1.4, 1.6}, Summary[float64]{Median: 1.6, Min: 1.2, Max: 2.5}},
		"even count: the lower one": {[]float64{4, 1, 3, 2}, Summary[float64]{Median: 2, Min: 1, Max: 4}},
		"one value":                 {[]float64{1.3}, Summary[float64]{Median: 1.3, Min: 1.3, Max: 1.3}},
		"empty":                     {nil, Summary[float64]{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := append([]float64(nil), tc.in...)
			assert.Equal(t, tc.want, Summarize(in))
			assert.Equal(t, tc.in, in, "the values are left as they were")
		})
	}
}
