package servertest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/testutil/netutil"
)

// Runnable is what Start runs: Ballast's *server.Server, or any
// controller-runtime manager.Runnable. Start must block until ctx is done
// or the server fails.
type Runnable interface {
	Start(ctx context.Context) error
}

// Start runs srv in the background until the test ends, and returns once
// readyURL answers 200 OK (netutil.WaitReady). It fails the test when srv
// stops before it is ready, when it is not ready within timeout, and when
// srv.Start returns an error once the test has ended. logs, the server's
// log, is written to the test log when the test fails; it may be nil. stop
// stops the server before the test ends, as a crash or an outage would,
// and waits until it has stopped; calling it again does nothing.
func Start(t *testing.T, srv Runnable, readyURL string, timeout time.Duration, logs fmt.Stringer) (stop func()) {
	t.Helper()
	stopped := make(chan struct{})
	var srvErr error  // readable once stopped is closed
	var reported bool // srvErr failed the start-up already
	srvCtx, cancelSrv := context.WithCancel(t.Context())
	go func() {
		srvErr = srv.Start(srvCtx)
		close(stopped)
	}()
	stop = func() {
		cancelSrv()
		<-stopped
	}
	t.Cleanup(func() {
		// t.Context() is done by now, which stops the server.
		stop()
		if t.Failed() && logs != nil {
			t.Logf("the server's log:\n%s", logs)
		}
		if !reported {
			assert.NoError(t, srvErr, "the server stopped with an error")
		}
	})

	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	err := netutil.WaitReady(ctx, readyURL, stopped)
	if errors.Is(err, netutil.ErrStopped) {
		reported = true
		require.FailNow(t, "the server stopped during start-up", "%v", srvErr)
	}
	require.NoError(t, err, "the server never gets ready")
	return stop
}
