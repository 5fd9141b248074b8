package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes shared by check and audit: part of the CLI contract.
const (
	exitOK      = 0 // nothing would be denied
	exitDenied  = 1 // something would be denied
	exitFailure = 2 // input or cluster could not be read, or bad usage
)

// exitError carries a process exit code out of a command.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Execute runs the ballast command line and returns the process exit code.
func Execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "ballast",
		Short:         "Reliability defaults and checks for Kubernetes workloads",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newVersionCommand(),
		newCheckCommand(),
		newPolicyCommand(),
		newAuditCommand(),
		newServeCommand(),
	)
	err := root.Execute()
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintln(stderr, "Error:", err)
		return exitFailure
	}
}
