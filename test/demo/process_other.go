//go:build !linux

package main

import "os/exec"

// ownProcessGroup does nothing outside Linux: there a Ctrl-C in the
// terminal reaches cmd too, and a demo killed without cleaning up leaves
// it running.
func ownProcessGroup(*exec.Cmd) {}
