package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/testutil/netutil"
)

// listening reports whether something accepts connections at addr.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// TestRun checks the app's start and shutdown: when it listens, and that
// it stops listening at SIGTERM (the context's end), or after -drain.
func TestRun(t *testing.T) {
	tests := map[string]struct {
		startupDelay, drain time.Duration
		peers               int // peers already announced, besides this one
	}{
		"stops listening at once":          {},
		"listens after the start-up delay": {startupDelay: 500 * time.Millisecond},
		"serves on for the drain":          {drain: 500 * time.Millisecond},
		"listens once its peers are there": {peers: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			addr, err := netutil.FreeAddr("127.0.0.1")
			require.NoError(t, err)
			peersDir, peers := "", 0
			if tc.peers > 0 {
				peersDir, peers = t.TempDir(), tc.peers+1
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- run(ctx, addr, tc.startupDelay, tc.drain, peersDir, peers) }()

			time.Sleep(tc.startupDelay / 2)
			if tc.startupDelay > 0 || tc.peers > 0 {
				assert.False(t, listening(addr), "not listening yet")
			}
			for i := range tc.peers {
				require.NoError(t, os.WriteFile(filepath.Join(peersDir, "peer-"+string(rune('a'+i))), nil, 0o644))
			}
			require.Eventually(t, func() bool { return listening(addr) }, 5*time.Second, 50*time.Millisecond)

			cancel() // SIGTERM
			if tc.drain > 0 {
				time.Sleep(tc.drain / 2)
				assert.True(t, listening(addr), "still serving during the drain")
			}
			require.NoError(t, <-done)
			assert.False(t, listening(addr), "stopped listening")
		})
	}
}
