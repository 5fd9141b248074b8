//go:build !linux

package controlplane

import "os/exec"

// killWithParent does nothing outside Linux, which alone has a parent-death
// signal: there a test binary that dies without its cleanups leaves
// kube-controller-manager running.
func killWithParent(*exec.Cmd) {}
