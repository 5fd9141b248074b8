//go:build !linux

package process

import (
	"os"
	"os/exec"
)

// ownGroup does nothing where there is no Pdeathsig.
func ownGroup(*exec.Cmd) {}

func terminate(p *os.Process) error { return p.Signal(os.Interrupt) }
