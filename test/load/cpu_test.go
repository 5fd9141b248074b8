package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCPUBatchPerReview(t *testing.T) {
	tests := map[string]struct {
		batch cpuBatch
		d     time.Duration
		want  time.Duration
	}{
		"server":          {cpuBatch{reviews: 5000, server: time.Second}, time.Second, 200 * time.Microsecond},
		"generator":       {cpuBatch{reviews: 4, generator: 10 * time.Microsecond}, 10 * time.Microsecond, 2500 * time.Nanosecond},
		"an empty batch":  {cpuBatch{}, time.Second, 0},
		"no CPU recorded": {cpuBatch{reviews: 10}, 0, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.batch.perReview(tc.d))
		})
	}
}

// batch is a batch of 1000 reviews that cost the server and the generator
// the given µs per review.
func batch(server, generator int) cpuBatch {
	return cpuBatch{reviews: 1000, server: time.Duration(server) * time.Millisecond, generator: time.Duration(generator) * time.Millisecond}
}

func TestPrintCPU(t *testing.T) {
	var buf bytes.Buffer
	// Ratios 2, 1.5 and 1.8: the median is 1.8, from the third round,
	// whatever the medians of each side.
	require.NoError(t, printCPU(&buf, []cpuRound{
		{ballast: batch(200, 90), floor: batch(100, 80)},
		{ballast: batch(300, 95), floor: batch(200, 85)},
		{ballast: batch(180, 100), floor: batch(100, 70)},
	}))
	assert.Equal(t, ""+
		"server CPU per review    median    range\n"+
		"Ballast                  200.0 µs  180.0 µs–300.0 µs\n"+
		"floor                    100.0 µs  100.0 µs–200.0 µs\n"+
		"Ballast − floor          100.0 µs  80.0 µs–100.0 µs\n"+
		"generator, to Ballast    95.0 µs   90.0 µs–100.0 µs\n"+
		"generator, to the floor  80.0 µs   70.0 µs–85.0 µs\n"+
		"ratio Ballast/floor      1.80      1.50–2.00\n",
		buf.String())
}

func TestProcessCPU(t *testing.T) {
	before, err := processCPU()
	require.NoError(t, err)
	x := 0
	for i := range 10_000_000 {
		x += i
	}
	after, err := processCPU()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, after, before, "CPU time never goes back (%d)", x)
}
