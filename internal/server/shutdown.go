package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// errShuttingDown fails the readiness check "shutdown" from the moment the
// server is asked to stop.
var errShuttingDown = errors.New("shutting down: the endpoints are to drop this replica")

// run runs the manager until ctx is done, then shuts down in the order a
// webhook behind a Service needs, within the graceful shutdown timeout:
//
//  1. /readyz fails, and every answer closes its connection (clients that
//     keep connections alive, such as the API server, open new ones, which
//     reach other replicas once the endpoints have dropped this one).
//  2. For the shutdown delay the webhooks serve on, new connections
//     included, while the endpoints drop the replica.
//  3. The webhook server closes its listener and answers every review in
//     flight in full: their contexts do not end with ctx, and the manager
//     (the caches, the live client) is still running.
//  4. The manager stops, the caches, the leader's work and the health
//     probes with it.
//
// The manager gets a context of its own, so that ctx stops none of it
// before step 4. A manager that fails on its own returns its error at
// once: it has stopped everything, the webhook server included.
func (s *Server) run(ctx context.Context) error {
	mgrCtx, stopManager := context.WithCancel(context.WithoutCancel(ctx))
	defer stopManager()
	stopped := make(chan error, 1)
	go func() { stopped <- s.mgr.Start(mgrCtx) }()

	select {
	case err := <-stopped:
		return managerError(err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdownTimeout)
	defer cancel()

	s.shuttingDown.Store(true)
	s.webhooks.drain()
	s.log.Info("Shutting down: not ready, serving on for the shutdown delay",
		"shutdownDelay", s.shutdownDelay, "gracefulShutdownTimeout", s.shutdownTimeout)
	delay := time.NewTimer(s.shutdownDelay)
	select {
	case <-delay.C:
	case err := <-stopped:
		delay.Stop()
		return managerError(err)
	}

	s.log.Info("Closing the webhook listener; answering the reviews in flight")
	webhookErr := s.webhooks.shutdown(shutdownCtx)

	s.log.Info("Stopping the manager")
	stopManager()
	select {
	case err := <-stopped:
		return errors.Join(webhookErr, managerError(err))
	case <-shutdownCtx.Done():
		return errors.Join(webhookErr,
			fmt.Errorf("the manager did not stop within the graceful shutdown timeout of %s", s.shutdownTimeout))
	}
}

// shutdownChecker is the readiness check "shutdown": it fails once the
// server is asked to stop, before the webhook server closes its listener.
func (s *Server) shutdownChecker(*http.Request) error {
	if s.shuttingDown.Load() {
		return errShuttingDown
	}
	return nil
}

// managerError wraps an error of the manager's Start.
func managerError(err error) error {
	if err != nil {
		return fmt.Errorf("running the manager: %w", err)
	}
	return nil
}
