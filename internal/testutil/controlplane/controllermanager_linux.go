package controlplane

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill cmd's process when the test binary
// dies without running its cleanups (a test timeout, a SIGKILL), so that no
// kube-controller-manager outlives its test.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
