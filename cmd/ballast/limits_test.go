package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGoMemoryLimit(t *testing.T) {
	noEnv := func(string) string { return "" }
	tests := map[string]struct {
		limit  int64
		getenv func(string) string
		want   int64
		why    string
	}{
		"90% of the container's limit": {limit: 256 << 20, getenv: noEnv, want: 241591910},
		"no limit, none":               {getenv: noEnv, why: "no --memory-limit"},
		"an explicit GOMEMLIMIT wins": {
			limit: 256 << 20, why: "GOMEMLIMIT is set",
			getenv: func(k string) string {
				if k == "GOMEMLIMIT" {
					return "100MiB"
				}
				return ""
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, why := goMemoryLimit(tc.limit, tc.getenv)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.why, why)
		})
	}
}

func TestBytesFlag(t *testing.T) {
	var n int64
	f := bytesFlag{&n}
	for in, want := range map[string]int64{"268435456": 256 << 20, "256Mi": 256 << 20, "7Mi": 7 << 20, "1G": 1e9, "": 0} {
		require.NoError(t, f.Set(in), in)
		assert.Equal(t, want, n, in)
	}
	n = 7 << 20
	assert.Equal(t, "7Mi", f.String())
	assert.ErrorContains(t, f.Set("-1Mi"), "must not be negative")
	assert.ErrorContains(t, f.Set("seven"), "not a quantity of bytes")
}
