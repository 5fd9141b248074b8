package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatus(t *testing.T) {
	m, err := parseStatus([]byte("Name:\tload\nVmPeak:\t 2000000 kB\nVmHWM:\t   102400 kB\nVmRSS:\t    51200 kB\nThreads:\t12\n"))
	require.NoError(t, err)
	assert.Equal(t, memory{rss: 50 << 20, peak: 100 << 20}, m)

	_, err = parseStatus([]byte("Name:\tload\n"))
	require.Error(t, err)
}

func TestConfigValidate(t *testing.T) {
	good := config{kind: kindPod, concurrency: 1, requests: 1, duration: time.Second, namespaces: 1}
	require.NoError(t, good.validate())
	assert.ErrorContains(t, (&config{kind: kindPod, concurrency: 1, requests: 1, duration: time.Second, namespaces: 1, cpuRounds: 1}).validate(), "-cpu-requests")

	bad := config{kind: "service", duration: -time.Second, warmup: -1, cpuRounds: -1, generate: "127.0.0.1:1"}
	err := bad.validate()
	for _, want := range []string{"-kind", "-concurrency", "-requests", "-duration", "-warmup", "-namespaces", "-cpu-rounds", "-generate needs -ca"} {
		assert.ErrorContains(t, err, want)
	}
}
