package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ballast-dev/ballast/internal/manifest"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report/ci"
)

func newPolicyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with BallastPolicy files",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newPolicyValidateCommand())
	return cmd
}

// policyOutputs are the values of policy validate's -o.
var policyOutputs = []string{outputText, outputGitHub}

func newPolicyValidateCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "validate FILE [FILE...]",
		Short: "Check BallastPolicy files, alone, as the webhook and check load them",
		Long: `Validate loads each BallastPolicy file exactly as ballast serve, check and
audit do: decoded strictly (an unknown or misspelt field is an error), its
defaults set, and every value validated. Every problem is printed with its
line, the field and what to write instead.

Exit status: 0 when every file is a valid policy, 2 when one is not or
cannot be read, or the command is misused.`,
		Example: `  ballast policy validate platform/ballast-policy.yaml
  ballast policy validate -o github platform/*.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if !slices.Contains(policyOutputs, output) {
				return fmt.Errorf("--output %q: must be one of %s", output, strings.Join(policyOutputs, ", "))
			}
			var b strings.Builder
			invalid := 0
			for _, file := range files {
				_, err := policy.Load(file)
				if err != nil {
					invalid++
				}
				if output == outputGitHub {
					writePolicyCommands(&b, file, err)
					continue
				}
				if err != nil {
					fmt.Fprintln(&b, err) // it names the file
				} else {
					fmt.Fprintf(&b, "%s: valid %s\n", file, policy.Kind)
				}
			}
			if _, err := fmt.Fprint(cmd.OutOrStdout(), b.String()); err != nil {
				return fmt.Errorf("write result: %w", err)
			}
			if invalid > 0 {
				return &exitError{code: exitFailure}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", outputText, "output format: text, or github (GitHub Actions annotations at each problem's line)")
	return cmd
}

// writePolicyCommands writes the GitHub Actions annotations of a policy
// file's problems: one ::error per problem, at its line.
func writePolicyCommands(b *strings.Builder, file string, err error) {
	if err == nil {
		return
	}
	invalid, ok := errors.AsType[*policy.InvalidError](err)
	if !ok {
		ci.WriteCommand(b, "error", manifest.Source{File: file}, "invalid BallastPolicy", err.Error())
		return
	}
	for _, p := range invalid.Problems {
		ci.WriteCommand(b, "error", manifest.Source{File: file, Line: p.Line}, "invalid BallastPolicy", p.Err.Error())
	}
}
