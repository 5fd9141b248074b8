package netutil_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/testutil/netutil"
)

const loopback = "127.0.0.1"

func TestFreeAddr(t *testing.T) {
	addr, err := netutil.FreeAddr(loopback)
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	assert.Equal(t, loopback, host)
	assert.NotEqual(t, "0", port)

	l, err := net.Listen("tcp", addr)
	require.NoError(t, err, "the address is free to listen on")
	require.NoError(t, l.Close())
}

func TestFreePort(t *testing.T) {
	port, err := netutil.FreePort(loopback)
	require.NoError(t, err)
	assert.Positive(t, port)

	l, err := net.Listen("tcp", net.JoinHostPort(loopback, strconv.Itoa(port)))
	require.NoError(t, err, "the port is free to listen on")
	require.NoError(t, l.Close())
}

func TestFreeAddrForeignHost(t *testing.T) {
	// 192.0.2.1 is TEST-NET-1 (RFC 5737): no address of this machine.
	_, err := netutil.FreeAddr("192.0.2.1")
	require.ErrorContains(t, err, "finding a free port on 192.0.2.1")
}

func TestWaitReady(t *testing.T) {
	t.Run("returns once the endpoint answers 200", func(t *testing.T) {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if calls.Add(1) < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}))
		defer srv.Close()
		require.NoError(t, netutil.WaitReady(t.Context(), srv.URL+"/readyz", nil))
		assert.Equal(t, int32(3), calls.Load(), "asks until the answer is 200")
	})

	t.Run("returns ErrStopped once stopped is closed", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		defer srv.Close()
		stopped := make(chan struct{})
		close(stopped)
		require.ErrorIs(t, netutil.WaitReady(t.Context(), srv.URL, stopped), netutil.ErrStopped)
	})

	t.Run("gives up when the context ends, with the last answer", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		err := netutil.WaitReady(ctx, srv.URL, nil)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorContains(t, err, "503 Service Unavailable")
	})
}
