// Package process runs the helper processes of tests and lab programs
// (kube-controller-manager, containerd, kubelet, ...): each in a process
// group of its own, so that a Ctrl-C in the terminal reaches only the
// parent, which then stops them in order; killed by the kernel when the
// parent dies without cleaning up; stopped with SIGTERM, then SIGKILL.
//
//	p, err := process.Start(exec.Command(path, args...))
//	err = p.Stop(15 * time.Second)
package process

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// Process is a started command whose Wait runs in a goroutine.
type Process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when Wait has returned
	err    error         // Wait's result, readable once exited is closed
}

// Start starts cmd as the package documentation says.
func Start(cmd *exec.Cmd) (*Process, error) {
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	p := &Process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Pid returns the process's ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitError returns how the process ended; call it once Exited is closed.
func (p *Process) ExitError() error {
	if p.err == nil {
		return errors.New("exit status 0")
	}
	return p.err
}

// Stop sends SIGTERM, waits up to timeout and then kills the process. It
// reports a process that had already exited, since nothing else should
// stop it.
func (p *Process) Stop(timeout time.Duration) error {
	select {
	case <-p.exited:
		return fmt.Errorf("exited before it was stopped: %w", p.ExitError())
	default:
	}
	if err := terminate(p.cmd.Process); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("sending SIGTERM: %w", err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.exited:
		return nil
	case <-timer.C:
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing after %s without exiting on SIGTERM: %w", timeout, err)
	}
	<-p.exited
	return fmt.Errorf("killed after %s without exiting on SIGTERM", timeout)
}
