package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// output is what the test binary prints for one benchmark run.
const output = `goos: linux
goarch: amd64
pkg: github.com/ballast-dev/ballast/webhook
cpu: AMD EPYC 7B13
BenchmarkBareFloor/pod-2         	    2000	     71557 ns/op	  27.75 MB/s	    9297 B/op	     110 allocs/op
BenchmarkBareFloor/podlike-2     	    2000	         1.5 ns/op	       0 B/op	       0 allocs/op
BenchmarkMutatePod               	    2000	    124912 ns/op	   24709 B/op	     343 allocs/op
BenchmarkBrokenA-2               	    2000	     1000 ns/op
BenchmarkBrokenB-2               	    2000	     1e3x ns/op	 1 B/op	 1 allocs/op
PASS
ok  	github.com/ballast-dev/ballast/webhook	0.421s
`

func TestParseResult(t *testing.T) {
	tests := map[string]struct {
		name    string
		want    result
		wantErr string
	}{
		"with the GOMAXPROCS suffix and MB/s": {name: "BenchmarkBareFloor/pod", want: result{nsPerOp: 71557, bytesPerOp: 9297, allocsPerOp: 110}},
		"a longer name is not a match":        {name: "BenchmarkBareFloor/podlike", want: result{nsPerOp: 1.5}},
		"without the suffix (-test.cpu 1)":    {name: "BenchmarkMutatePod", want: result{nsPerOp: 124912, bytesPerOp: 24709, allocsPerOp: 343}},
		"without -benchmem":                   {name: "BenchmarkBrokenA", wantErr: "want ns/op, B/op and allocs/op"},
		"a value that is no number":           {name: "BenchmarkBrokenB", wantErr: "parsing 1e3x ns/op"},
		"absent":                              {name: "BenchmarkBareFloor", wantErr: "no result for BenchmarkBareFloor"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseResult([]byte(output), tc.name)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
