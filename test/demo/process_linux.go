package main

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts cmd in a process group of its own, so that a Ctrl-C
// in the terminal reaches only the demo, which then stops cmd in order;
// and has the kernel kill cmd when the demo dies without cleaning up.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
