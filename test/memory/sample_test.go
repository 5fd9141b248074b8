package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMetrics(t *testing.T) {
	got, err := parseMetrics(strings.NewReader(`# HELP go_memstats_heap_inuse_bytes Number of heap bytes that are in use.
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 5.1142656e+07
ballast_audit_violations{namespace="a",rule="replicas"} 1
ballast_audit_last_run_timestamp_seconds 1.7647e+09
`))
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{
		"go_memstats_heap_inuse_bytes":             5.1142656e+07,
		"ballast_audit_last_run_timestamp_seconds": 1.7647e+09,
	}, got)
}

func TestParseMetricsBadValue(t *testing.T) {
	_, err := parseMetrics(strings.NewReader("go_memstats_heap_inuse_bytes many\n"))
	assert.ErrorContains(t, err, "go_memstats_heap_inuse_bytes")
}

func TestStatusBytes(t *testing.T) {
	status := "Name:\tballast\nVmHWM:\t  132096 kB\nVmRSS:\t  128000 kB\n"
	for field, want := range map[string]float64{"VmHWM": 132096 * 1024, "VmRSS": 128000 * 1024} {
		got, err := statusBytes(status, field)
		require.NoError(t, err, field)
		assert.Equal(t, want, got, field)
	}
	_, err := statusBytes(status, "VmSwap")
	assert.ErrorContains(t, err, "VmSwap")
}
