package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
)

// TestWebhookServerShutdown runs the webhook server alone, with handlers
// that tell what their request's context saw, and checks each step of its
// shutdown.
func TestWebhookServerShutdown(t *testing.T) {
	t.Run("a review in flight outlives the manager's stop", func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		ws := startWebhookServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(entered)
			<-release
			_, _ = fmt.Fprint(w, contextState(r.Context()))
		}))

		answer := make(chan string, 1)
		go func() { answer <- ws.get(t, "/review") }()
		<-entered
		ws.stop() // the manager stops the server: Server.Start did not drain it
		require.Eventually(t, ws.refused, waitFor, 10*time.Millisecond, "the listener stays open")
		close(release)
		assert.Equal(t, "200 alive", <-answer)
		require.NoError(t, ws.wait())
	})

	t.Run("a review's own timeout bounds it", func(t *testing.T) {
		ws := startWebhookServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if deadline, ok := r.Context().Deadline(); ok {
				_, _ = fmt.Fprint(w, time.Until(deadline).Round(time.Second))
			}
		}))

		assert.Equal(t, "200 2s", ws.get(t, "/review?timeout=2s"))
		assert.Equal(t, "200 30s", ws.get(t, "/review"), "the longest timeout a webhook configuration allows")
		assert.Equal(t, "200 30s", ws.get(t, "/review?timeout=5m"))
		assert.Equal(t, "200 30s", ws.get(t, "/review?timeout=soon"))
	})

	t.Run("draining answers close their connection", func(t *testing.T) {
		ws := startWebhookServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		conn := ws.dial(t)

		assert.Equal(t, "200 keep-alive", ws.roundTrip(t, conn, "/review"))
		ws.drain()
		assert.Equal(t, "200 close", ws.roundTrip(t, conn, "/review"))
		_, err := conn.Read(make([]byte, 1))
		assert.ErrorIs(t, err, io.EOF, "the connection stays open")
	})

	t.Run("a connection accepted before the close gets its first request answered", func(t *testing.T) {
		ws := startWebhookServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = fmt.Fprint(w, contextState(r.Context()))
		}))
		conn := ws.dial(t) // accepted, no request yet
		ws.drain()

		shutdown := make(chan error, 1)
		go func() { shutdown <- ws.shutdown(t.Context()) }()
		require.Eventually(t, ws.refused, waitFor, 10*time.Millisecond, "the listener stays open")
		// Go's http.Server.Shutdown alone closes this connection unanswered.
		assert.Equal(t, "200 close alive", ws.roundTrip(t, conn, "/review"))
		require.NoError(t, <-shutdown)
		require.NoError(t, ws.wait())
	})

	t.Run("a connection that sends nothing is closed after the grace", func(t *testing.T) {
		ws := startWebhookServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		conn := ws.dial(t)

		start := time.Now()
		require.NoError(t, ws.shutdown(t.Context()))
		assert.GreaterOrEqual(t, time.Since(start), newConnGrace)
		assert.Less(t, time.Since(start), newConnGrace+2*time.Second, "Go's own wait for a new connection is 5 s")
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(waitFor)))
		_, err := conn.Read(make([]byte, 1))
		require.Error(t, err, "the connection stays open")
	})

	t.Run("shutdown cuts off the reviews past its deadline", func(t *testing.T) {
		entered, ended := make(chan struct{}), make(chan struct{})
		ws := startWebhookServer(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			close(entered)
			<-r.Context().Done()
			close(ended)
		}))

		answer := make(chan string, 1)
		go func() { answer <- ws.get(t, "/review") }()
		<-entered
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, ws.shutdown(ctx), context.DeadlineExceeded)
		<-ended
		assert.True(t, strings.HasPrefix(<-answer, "error"))
	})

	t.Run("shutdown before start", func(t *testing.T) {
		ws := newWebhookServer("127.0.0.1", 1, nil, time.Second, testr.New(t))
		require.NoError(t, ws.shutdown(t.Context()))
		require.NoError(t, ws.Start(t.Context()), "Start after shutdown returns at once")
	})
}

// waitFor bounds every wait in these tests.
const waitFor = 10 * time.Second

// testWebhookServer is a webhook server started by startWebhookServer.
type testWebhookServer struct {
	*webhookServer
	client *http.Client
	tls    *tls.Config
	stop   context.CancelFunc // the manager's stop
	done   chan error
}

// startWebhookServer starts a webhook server on a free port with handler at
// /review, and waits until it is ready. It stops when the test ends.
func startWebhookServer(t *testing.T, handler http.Handler) *testWebhookServer {
	t.Helper()
	dir := t.TempDir()
	ca, err := servingcert.NewCA()
	require.NoError(t, err)
	_, err = ca.Install(dir, "127.0.0.1")
	require.NoError(t, err)
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, servingcert.CertFile), filepath.Join(dir, servingcert.KeyFile))
	require.NoError(t, err)
	addr, err := netutil.FreeAddr("127.0.0.1")
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	portNum, err := strconv.Atoi(port)
	require.NoError(t, err)

	ws := &testWebhookServer{
		webhookServer: newWebhookServer(host, portNum, []func(*tls.Config){func(c *tls.Config) {
			c.Certificates = []tls.Certificate{cert}
			c.NextProtos = []string{"http/1.1"}
		}}, 5*time.Second, testr.New(t)),
		tls:  &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12},
		done: make(chan error, 1),
	}
	ws.client = &http.Client{Transport: &http.Transport{TLSClientConfig: ws.tls, DisableKeepAlives: true}, Timeout: waitFor}
	ws.Register("/review", handler)
	ctx, cancel := context.WithCancel(t.Context())
	ws.stop = cancel
	go func() { ws.done <- ws.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, ws.wait())
	})

	check := ws.StartedChecker()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "/readyz", http.NoBody)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return check(req) == nil }, waitFor, 10*time.Millisecond, "the server never starts")
	return ws
}

// wait waits for Start to return and returns its error; it may be called
// more than once.
func (s *testWebhookServer) wait() error {
	err := <-s.done
	s.done <- err
	return err
}

// refused tells whether the server refuses new connections.
func (s *testWebhookServer) refused() bool {
	c, err := net.DialTimeout("tcp", s.addr, time.Second)
	if err == nil {
		_ = c.Close()
	}
	return err != nil
}

// get GETs path on a new connection and returns "<status code> <body>",
// or "error: ..." when the request fails. It asserts nothing, so that it
// may run in a goroutine of its own.
func (s *testWebhookServer) get(t *testing.T, path string) string {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://"+s.addr+path, http.NoBody)
	if err != nil {
		return "error: " + err.Error()
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "error: " + err.Error()
	}
	return strconv.Itoa(resp.StatusCode) + " " + string(body)
}

// dial opens a connection to the server and completes the TLS handshake,
// so that the server has accepted it.
func (s *testWebhookServer) dial(t *testing.T) *tls.Conn {
	t.Helper()
	conn, err := tls.Dial("tcp", s.addr, s.tls)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// roundTrip sends a GET of path on conn and returns "<status code>
// <close or keep-alive> <body>": whether the answer closes the connection.
func (s *testWebhookServer) roundTrip(t *testing.T, conn net.Conn, path string) string {
	t.Helper()
	_, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, s.addr)
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(waitFor)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "no answer")
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	connection := "keep-alive"
	if resp.Close { // ReadResponse takes "close" out of the header
		connection = "close"
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s %s", resp.StatusCode, connection, body))
}

// contextState says whether ctx has ended.
func contextState(ctx context.Context) string {
	if err := ctx.Err(); err != nil {
		return err.Error()
	}
	return "alive"
}
