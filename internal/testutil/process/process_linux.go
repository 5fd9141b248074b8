package process

import (
	"os"
	"os/exec"
	"syscall"
)

// ownGroup puts cmd in a process group of its own and has the kernel kill
// it when the parent dies.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
