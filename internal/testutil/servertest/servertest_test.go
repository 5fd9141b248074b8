package servertest_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/testutil/logbuf"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servertest"
)

// slowServer serves /readyz, which answers 503 until ready is set, and
// records that it stopped.
type slowServer struct {
	addr    string
	ready   atomic.Bool
	stopped atomic.Bool
}

func (s *slowServer) Start(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	srv := &http.Server{Addr: s.addr, Handler: mux, ReadHeaderTimeout: time.Second}
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	time.AfterFunc(200*time.Millisecond, func() { s.ready.Store(true) })
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.stopped.Store(true)
	return nil
}

func TestStart(t *testing.T) {
	addr, err := netutil.FreeAddr("127.0.0.1")
	require.NoError(t, err)
	srv := &slowServer{addr: addr}

	t.Run("returns once the server is ready", func(t *testing.T) {
		servertest.Start(t, srv, "http://"+addr+"/readyz", 10*time.Second, &logbuf.Buffer{})
		assert.True(t, srv.ready.Load())
		assert.False(t, srv.stopped.Load(), "runs while the test runs")
	})
	assert.True(t, srv.stopped.Load(), "stopped when the test ended")
}
