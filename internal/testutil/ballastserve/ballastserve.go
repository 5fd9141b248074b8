// Package ballastserve runs `ballast serve` as a separate process, for the
// programs that run Ballast as in production against a local control plane
// (`make demo`, `make node-lab`): it waits for its readiness endpoint and
// stops it with SIGTERM, as the kubelet does.
//
//	s, err := ballastserve.Start(ctx, "bin/ballast", args, logFile, healthAddr)
//	err = s.Stop()
package ballastserve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/process"
)

const (
	// readyTimeout bounds the wait for Ballast's readiness.
	readyTimeout = time.Minute
	// stopTimeout is how long Ballast may take to exit after SIGTERM
	// before it is killed; its own graceful shutdown is shorter.
	stopTimeout = 20 * time.Second
)

// ShutdownFlag bounds Ballast's graceful shutdown: its default shutdown
// delay of 5 s (no kubelet runs a preStop sleep for it), then the reviews
// in flight and the connections the API server opened without sending a
// request yet, which get a second to send one. Pass it among the args.
const ShutdownFlag = "--graceful-shutdown-timeout=15s"

// Server is a running `ballast serve`.
type Server struct {
	proc *process.Process
}

// Start runs binary with args, its output to logFile, and waits until its
// readiness endpoint at healthAddr answers 200.
func Start(ctx context.Context, binary string, args []string, logFile, healthAddr string) (*Server, error) {
	out, err := os.Create(logFile)
	if err != nil {
		return nil, fmt.Errorf("creating Ballast's log file: %w", err)
	}
	defer func() { _ = out.Close() }() // the child has its own copy
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = out, out
	proc, err := process.Start(cmd)
	if err != nil {
		return nil, err
	}
	s := &Server{proc: proc}
	if err := s.waitReady(ctx, healthAddr); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

// Pid returns the process's ID.
func (s *Server) Pid() int { return s.proc.Pid() }

// waitReady polls the readiness endpoint until it answers 200.
func (s *Server) waitReady(ctx context.Context, healthAddr string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	switch err := netutil.WaitReady(ctx, "http://"+healthAddr+"/readyz", s.proc.Exited()); {
	case errors.Is(err, netutil.ErrStopped):
		return fmt.Errorf("ballast serve exited while starting: %w", s.proc.ExitError())
	case err != nil:
		return fmt.Errorf("waiting for Ballast to be ready: %w", err)
	}
	return nil
}

// Stop sends SIGTERM and waits for Ballast to finish its in-flight reviews
// and exit; after stopTimeout it kills it.
func (s *Server) Stop() error {
	if err := s.proc.Stop(stopTimeout); err != nil {
		return fmt.Errorf("ballast serve: %w", err)
	}
	return nil
}
