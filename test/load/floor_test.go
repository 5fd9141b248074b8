package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
)

// TestFloor sends the load test's reviews of both kinds to the floor over
// TLS: each is answered allowed, for its UID.
func TestFloor(t *testing.T) {
	dir := t.TempDir()
	ca, err := servingcert.NewCA()
	require.NoError(t, err)
	_, err = ca.Install(dir, chart.LoopbackHost)
	require.NoError(t, err)
	f, err := startFloor(chart.LoopbackHost, dir)
	require.NoError(t, err)
	defer func() { assert.NoError(t, f.stop()) }()

	for _, kind := range []string{kindPod, kindDeployment} {
		t.Run(kind, func(t *testing.T) {
			reviews, err := newReviews(kind, 2)
			require.NoError(t, err)
			for i := range reviews {
				reviews[i].check = allowed
			}
			client := newClient(ca.Pool())
			defer client.CloseIdleConnections()
			l := &loader{addr: f.addr, client: client, reviews: reviews, concurrency: 2}
			res := l.send(t.Context(), 10, 10*time.Second)
			require.NoError(t, res.firstErr)
			assert.Equal(t, 10, res.count())
		})
	}
}
