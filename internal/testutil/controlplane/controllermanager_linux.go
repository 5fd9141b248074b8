package controlplane

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill cmd's process when the test binary
// dies without running its cleanups (a test timeout, a SIGKILL), so that no
// kube-controller-manager outlives its test. It also puts the process in a
// process group of its own, as envtest does with etcd and kube-apiserver,
// so that a Ctrl-C in the terminal reaches only the parent, which then
// stops the control plane in order (`make demo`).
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
