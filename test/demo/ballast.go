package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/ballast-dev/ballast/internal/testutil/netutil"
)

const (
	// ballastReadyTimeout bounds the wait for Ballast's readiness.
	ballastReadyTimeout = time.Minute
	// ballastStopTimeout is how long Ballast may take to exit after
	// SIGTERM before it is killed; its own graceful shutdown is shorter.
	ballastStopTimeout = 20 * time.Second
	// ballastShutdownFlag bounds Ballast's graceful shutdown: its default
	// shutdown delay of 5 s (no kubelet runs a preStop sleep here), then
	// the reviews in flight and the connections the API server opened
	// without sending a request yet, which get a second to send one.
	ballastShutdownFlag = "--graceful-shutdown-timeout=15s"
)

// ballastProcess is a running `ballast serve`.
type ballastProcess struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once Wait has returned
	err    error         // Wait's result, readable once exited is closed
}

// startBallast runs binary with args, its output to logFile, and waits until
// its readiness endpoint at healthAddr answers 200.
func startBallast(ctx context.Context, binary string, args []string, logFile, healthAddr string) (*ballastProcess, error) {
	out, err := os.Create(logFile)
	if err != nil {
		return nil, fmt.Errorf("creating Ballast's log file: %w", err)
	}
	defer func() { _ = out.Close() }() // the child has its own copy
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = out, out
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	p := &ballastProcess{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitReady(ctx, healthAddr); err != nil {
		return nil, errors.Join(err, p.stop())
	}
	return p, nil
}

// waitReady polls the readiness endpoint until it answers 200.
func (p *ballastProcess) waitReady(ctx context.Context, healthAddr string) error {
	ctx, cancel := context.WithTimeout(ctx, ballastReadyTimeout)
	defer cancel()
	switch err := netutil.WaitReady(ctx, "http://"+healthAddr+"/readyz", p.exited); {
	case errors.Is(err, netutil.ErrStopped):
		return fmt.Errorf("ballast serve exited while starting: %w", p.exitError())
	case err != nil:
		return fmt.Errorf("waiting for Ballast to be ready: %w", err)
	}
	return nil
}

// stop sends SIGTERM, as the kubelet does, and waits for Ballast to finish
// its in-flight reviews and exit; after ballastStopTimeout it kills it.
func (p *ballastProcess) stop() error {
	select {
	case <-p.exited:
		return fmt.Errorf("ballast serve exited before it was stopped: %w", p.exitError())
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping ballast serve: %w", err)
	}
	timer := time.NewTimer(ballastStopTimeout)
	defer timer.Stop()
	select {
	case <-p.exited:
		if p.err != nil {
			return fmt.Errorf("ballast serve: %w", p.err)
		}
		return nil
	case <-timer.C:
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing ballast serve: %w", err)
	}
	<-p.exited
	return fmt.Errorf("ballast serve did not exit within %s of SIGTERM and was killed", ballastStopTimeout)
}

func (p *ballastProcess) exitError() error {
	if p.err == nil {
		return errors.New("exit status 0")
	}
	return p.err
}
