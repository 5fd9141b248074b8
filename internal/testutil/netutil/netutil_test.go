package netutil_test

import (
	"net"
	"strconv"
	"testing"

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
