package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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

// displayName is the name the command line goes by, from the program's
// path: "kubectl ballast" when kubectl runs it as a plugin (through a
// kubectl-ballast binary or link, as make build and krew install it),
// else "ballast".
func displayName(program string) string {
	base := strings.TrimSuffix(filepath.Base(program), ".exe")
	if plugin, ok := strings.CutPrefix(base, "kubectl-"); ok && plugin != "" {
		// kubectl runs kubectl-foo_bar for `kubectl foo-bar`.
		return "kubectl " + strings.ReplaceAll(plugin, "_", "-")
	}
	return "ballast"
}

// Execute runs the ballast command line and returns the process exit code.
func Execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "ballast",
		Short:         "Reliability defaults and checks for Kubernetes workloads",
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: displayName(os.Args[0])},
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
