package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
)

// maxReviewTimeout bounds a review whose request names no timeout: the
// longest timeoutSeconds a webhook configuration allows.
const maxReviewTimeout = 30 * time.Second

// startedCheckTimeout bounds the readiness check's TLS handshake with the
// webhook server, well within a probe's own timeout.
const startedCheckTimeout = time.Second

// newConnGrace is how long a connection accepted before the listener
// closed may take to send its first request: a client sends it as soon as
// the TLS handshake is done, and one that sends none (a connection its
// pool keeps spare) is closed after that.
const newConnGrace = time.Second

// connPollInterval is how often shutdown looks at the connections.
const connPollInterval = 10 * time.Millisecond

// webhookServer is the manager's webhook server: controller-runtime's
// webhook.Server, serving the same handlers as its DefaultServer, with the
// shutdown a webhook behind a Service needs.
//
// DefaultServer derives every request's context from the context its
// Start is given, and shuts down when that context ends. So the manager's
// stop cancels every review in flight, the live read of a Namespace the
// cache misses included (the review is then admitted unchecked), at the
// moment it closes the listener and every idle kept-alive connection. This
// server differs in three ways:
//
//   - A request's context ends when its client goes away or its review's
//     timeout has passed (withReviewTimeout), never with the manager.
//   - After drain, every answer closes its connection, so that clients
//     that keep connections alive (the API server does) open new ones,
//     which reach other replicas once the endpoints have dropped this one,
//     while this one still answers.
//   - shutdown closes the listener, then serves on the connections it had
//     accepted until the reviews in flight are answered, or its context
//     ends and cuts them off. Go's http.Server.Shutdown alone would drop
//     (close unanswered) a request that it reads once it has begun, such
//     as the first one on a connection accepted a moment before.
//
// Server.Start calls drain and then shutdown itself, before it stops the
// manager and with it the caches that the reviews read. Should the manager
// stop first (a component failed), Start shuts down within grace.
//
// The handlers are registered on a DefaultServer that never starts: its
// mux records controller-runtime's webhook metrics for every path.
type webhookServer struct {
	registry ctrlwebhook.Server // Register and WebhookMux only
	addr     string
	tlsOpts  []func(*tls.Config)
	grace    time.Duration
	log      logr.Logger

	draining atomic.Bool
	conns    connTracker

	mu     sync.Mutex
	srv    *http.Server // set once Start listens
	ln     net.Listener // srv's
	closed bool         // shutdown has begun: Start must not listen any more

	shutdownOnce sync.Once
	drained      chan struct{} // closed once shutdown has finished
	shutdownErr  error         // readable once drained is closed
}

// newWebhookServer returns a webhook server that will listen on host:port
// with the TLS configuration of tlsOpts, and shut down within grace when
// the manager stops it.
func newWebhookServer(host string, port int, tlsOpts []func(*tls.Config), grace time.Duration, log logr.Logger) *webhookServer {
	return &webhookServer{
		registry: ctrlwebhook.NewServer(ctrlwebhook.Options{Host: host, Port: port}),
		addr:     net.JoinHostPort(host, strconv.Itoa(port)),
		tlsOpts:  tlsOpts,
		grace:    grace,
		log:      log,
		drained:  make(chan struct{}),
	}
}

var _ ctrlwebhook.Server = &webhookServer{}

// NeedLeaderElection is false: every replica serves the webhooks.
func (*webhookServer) NeedLeaderElection() bool { return false }

// Register serves hook at path. It panics when path is registered already.
func (s *webhookServer) Register(path string, hook http.Handler) { s.registry.Register(path, hook) }

// WebhookMux returns the mux of the registered handlers.
func (s *webhookServer) WebhookMux() *http.ServeMux { return s.registry.WebhookMux() }

// Start listens and serves until shutdown has finished, which the end of
// ctx (the manager's stop) starts unless Server.Start has already. It
// returns at once when shutdown began before it listened.
func (s *webhookServer) Start(ctx context.Context) error {
	cfg := &tls.Config{}
	for _, o := range s.tlsOpts {
		o(cfg)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	ln, err := tls.Listen("tcp", s.addr, cfg)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("listening for admission reviews on %s: %w", s.addr, err)
	}
	srv := &http.Server{
		Handler: s.closeWhenDraining(withReviewTimeout(s.WebhookMux())),
		// Not ctx itself: a review in flight is answered in full however
		// the manager stops.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnState:   s.conns.track,
		// controller-runtime's settings.
		MaxHeaderBytes:    1 << 20,
		IdleTimeout:       90 * time.Second,
		ReadHeaderTimeout: 32 * time.Second,
	}
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	s.log.Info("Serving webhooks", "address", ln.Addr().String())

	stop := context.AfterFunc(ctx, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.grace)
		defer cancel()
		if err := s.shutdown(ctx); err != nil {
			s.log.Error(err, "Shutting down the webhook server")
		}
	})
	defer stop()
	err = srv.Serve(ln)
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed && (errors.Is(err, net.ErrClosed) || errors.Is(err, http.ErrServerClosed)) {
		// Serve returns once shutdown has closed the listener; the
		// reviews in flight may not be answered yet.
		<-s.drained
		return nil
	}
	return fmt.Errorf("serving admission reviews: %w", err)
}

// drain makes every answer from now on close its connection.
func (s *webhookServer) drain() { s.draining.Store(true) }

// shutdown closes the listener and waits for the reviews in flight to be
// answered, or for ctx to end, after which it closes their connections and
// returns an error. A connection accepted before the close gets
// newConnGrace to send its first request, which is answered; idle
// connections are closed once no review is in flight. After the first
// call, shutdown waits for the first to finish and returns its result.
func (s *webhookServer) shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		defer close(s.drained)
		s.mu.Lock()
		srv, ln := s.srv, s.ln
		s.closed = true
		s.mu.Unlock()
		if srv == nil {
			return
		}
		// Not srv.Shutdown yet, which would drop the requests it reads
		// from now on: the server answers on the connections it has.
		_ = ln.Close()
		s.conns.settle(ctx, newConnGrace)
		// Closes the idle connections, and waits for any review that
		// arrived on one meanwhile. It closes the listener again, which
		// fails when Serve has not returned yet: not an error here.
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
			_ = srv.Close() // closes the connections
			s.shutdownErr = fmt.Errorf("answering the admission reviews in flight: %w", err)
		}
	})
	<-s.drained
	return s.shutdownErr
}

// StartedChecker passes once the server listens and completes a TLS
// handshake, so a certificate is loaded.
func (s *webhookServer) StartedChecker() healthz.Checker {
	return func(req *http.Request) error {
		s.mu.Lock()
		started := s.srv != nil
		s.mu.Unlock()
		if !started {
			return errors.New("the webhook server has not started yet")
		}
		ctx, cancel := context.WithTimeout(req.Context(), startedCheckTimeout)
		defer cancel()
		d := tls.Dialer{Config: &tls.Config{
			// A handshake with itself, to see that it serves a
			// certificate; whether clients trust it is theirs to say.
			InsecureSkipVerify: true,
		}}
		conn, err := d.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return fmt.Errorf("the webhook server is not reachable: %w", err)
		}
		return conn.Close()
	}
}

// closeWhenDraining makes next's answers close their connection once the
// server drains.
func (s *webhookServer) closeWhenDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() {
			// Go's server closes the connection after this answer; over
			// HTTP/2 it sends GOAWAY.
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// withReviewTimeout ends a request's context once its review's timeout
// has passed: the API server sends the webhook's timeoutSeconds as the
// query parameter timeout (such as "3s") and stops waiting then. A request
// without one gets maxReviewTimeout.
func withReviewTimeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timeout := maxReviewTimeout
		if d, err := time.ParseDuration(r.URL.Query().Get("timeout")); err == nil && d > 0 && d < timeout {
			timeout = d
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// connTracker follows the webhook server's connections through their
// states (http.Server.ConnState).
type connTracker struct {
	mu    sync.Mutex
	conns map[net.Conn]trackedConn
}

// trackedConn is a connection's state, and since when it has been open.
type trackedConn struct {
	state    http.ConnState
	accepted time.Time
}

// track records that c has entered state.
func (t *connTracker) track(c net.Conn, state http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch state {
	case http.StateNew:
		if t.conns == nil {
			t.conns = map[net.Conn]trackedConn{}
		}
		t.conns[c] = trackedConn{state: state, accepted: time.Now()}
	case http.StateActive, http.StateIdle:
		if tc, ok := t.conns[c]; ok {
			tc.state = state
			t.conns[c] = tc
		}
	case http.StateClosed, http.StateHijacked:
		delete(t.conns, c)
	}
}

// settle waits until no connection has a request in flight and none waits
// for its first request, or until ctx ends. It closes the connections that
// have sent no request within grace of their accept.
func (t *connTracker) settle(ctx context.Context, grace time.Duration) {
	tick := time.NewTicker(connPollInterval)
	defer tick.Stop()
	for t.busy(grace) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// busy closes the connections that have waited grace for their first
// request, and tells whether any connection has a request in flight or
// waits for its first.
func (t *connTracker) busy(grace time.Duration) bool {
	var busy bool
	var unused []net.Conn
	t.mu.Lock()
	for c, tc := range t.conns {
		switch {
		case tc.state == http.StateActive:
			busy = true
		case tc.state == http.StateNew && time.Since(tc.accepted) < grace:
			busy = true
		case tc.state == http.StateNew:
			unused = append(unused, c)
			delete(t.conns, c)
		}
	}
	t.mu.Unlock()
	for _, c := range unused {
		_ = c.Close() // its goroutine in the server reports StateClosed, which takes t.mu
	}
	return busy
}
