package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/ballast-dev/ballast/internal/check"
	"github.com/ballast-dev/ballast/internal/manifest"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/version"
)

// Output formats of check and version.
const (
	outputText = "text"
	outputJSON = "json"
)

// The CI output formats of check.
const (
	outputSARIF  = "sarif"
	outputJUnit  = "junit"
	outputGitHub = "github"
)

// checkOutputs are the values of check's -o.
var checkOutputs = []string{outputText, outputJSON, outputSARIF, outputJUnit, outputGitHub}

// checkModes are the modes check can judge in.
var checkModes = []policy.Mode{policy.ModeEnforce, policy.ModeWarn, policy.ModeDryRun}

func newCheckCommand() *cobra.Command {
	var (
		files      []string
		policyFile string
		mode       string
		namespace  string
		output     string
		exclude    []string
		chartDir   string
		maxFile    = sizeFlag(manifest.DefaultMaxFileSize)
		maxDoc     = sizeFlag(manifest.DefaultMaxDocumentSize)
	)
	cmd := &cobra.Command{
		Use:   "check -f PATH [-f PATH...]",
		Short: "Report what Ballast would deny and set for manifests, without a cluster",
		Long: `Check judges Kubernetes manifests with the same rules and pod defaults as
the admission webhook, and reports what enforcement would reject, what the
pods would receive and what could not be read.

Manifests are files, directories (every .yaml, .yml and .json file below
them, but those --exclude matches) or - for standard input: multi-document
YAML or JSON, Lists, and the output of helm template and kustomize build.
In a directory only regular files (and symlinks to them) are read, and
documents that are no Kubernetes object at all (a values.yaml, a
configuration file) are noted and skipped; a file named with -f is read
whatever it is, such as -f <(helm template ...), and must hold objects
only. Each file or stream is read up to --max-file-size, each document up
to --max-document-size.

Output (-o): text for people, json for scripts, sarif (SARIF 2.1.0) for
code scanning, junit (JUnit XML) for CI test reports, github for GitHub
Actions annotations on the pull request.

Exit status: 0 when nothing would be denied, 1 when something would, 2 when
some input could not be read or parsed (the rest is still reported) or the
command is misused.`,
		Example: `  ballast check -f deploy/
  helm template shop charts/shop | ballast check -f - --policy policy.yaml
  kustomize build overlays/prod | ballast check -f - -o json
  ballast check -f . --exclude templates --exclude .github
  ballast check -f deploy/ -o sarif > ballast.sarif
  ballast check -f deploy/ -o github`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(checkModes, policy.Mode(mode)) {
				return fmt.Errorf("--mode %q: must be one of enforce, warn, dryrun", mode)
			}
			if !slices.Contains(checkOutputs, output) {
				return fmt.Errorf("--output %q: must be one of %s", output, strings.Join(checkOutputs, ", "))
			}
			if err := manifest.ValidateExclude(exclude); err != nil {
				return err
			}
			pol := policy.Default()
			if policyFile != "" {
				var err error
				if pol, err = policy.Load(policyFile); err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "Error:", err)
					return &exitError{code: exitFailure}
				}
			}
			report := check.Run(check.Options{
				Paths:     files,
				Stdin:     cmd.InOrStdin(),
				Spec:      &pol.Spec,
				Mode:      policy.Mode(mode),
				Namespace: namespace,
				Now:       time.Now(),
				Limits:    manifest.Limits{File: int64(maxFile), Document: int64(maxDoc)},
				Exclude:   exclude,
			})
			ciOpts := check.CIOptions{Version: version.Get().Version, ChartDir: chartDir}
			if err := writeCheckReport(cmd.OutOrStdout(), &report, output, ciOpts); err != nil {
				return err
			}
			switch {
			case report.Summary.Errors > 0:
				return &exitError{code: exitFailure}
			case report.Summary.Denied > 0:
				return &exitError{code: exitDenied}
			}
			return nil
		},
	}
	flags := cmd.Flags()
	flags.StringArrayVarP(&files, "filename", "f", nil, "manifest file, directory (read recursively) or - for standard input; repeatable")
	flags.StringVar(&policyFile, "policy", "", "BallastPolicy file (default: the built-in default policy)")
	flags.StringVar(&mode, "mode", string(policy.ModeEnforce), "mode to judge every namespace in, unless the policy or a Namespace label turns it off: enforce, warn or dryrun")
	flags.StringVarP(&namespace, "namespace", "n", "", "namespace of every object (default: the object's own, else default)")
	flags.StringVarP(&output, "output", "o", outputText, "output format: text, json, sarif (SARIF 2.1.0), junit (JUnit XML) or github (GitHub Actions annotations)")
	flags.StringArrayVar(&exclude, "exclude", nil, "glob of files and directories a directory walk skips: a name (values.yaml, templates) at any depth, or a path below the directory (charts/*/templates); repeatable")
	flags.StringVar(&chartDir, "chart-dir", "", "directory holding the charts helm template rendered, which its # Source: paths are relative to (charts for charts/shop): the sarif, junit and github outputs locate findings in the templates below it")
	flags.Var(&maxFile, "max-file-size", "most bytes read of one file or of standard input, such as 64Mi; a larger input is an error")
	flags.Var(&maxDoc, "max-document-size", "most bytes of one YAML document or JSON value, such as 8Mi; a larger one is an error and ends the reading of its input")
	_ = cmd.MarkFlagRequired("filename") // the flag exists
	return cmd
}

// writeCheckReport writes the report in the output format; opts are the
// CI formats'.
func writeCheckReport(w io.Writer, report *check.Report, output string, opts check.CIOptions) error {
	switch output {
	case outputJSON:
		return report.WriteJSON(w)
	case outputSARIF:
		return report.WriteSARIF(w, opts)
	case outputJUnit:
		return report.WriteJUnit(w, opts)
	case outputGitHub:
		return report.WriteGitHub(w, opts)
	}
	return report.WriteText(w)
}

// validateOutput checks the value of an -o flag.
func validateOutput(output string) error {
	if output != outputText && output != outputJSON {
		return fmt.Errorf("--output %q: must be text or json", output)
	}
	return nil
}

// sizeFlag is a flag holding a number of bytes, written as a quantity:
// 64Mi, 512Ki, 1G or 1048576.
type sizeFlag int64

// String returns the size in binary units where it is a whole number of
// them: 64Mi.
func (s *sizeFlag) String() string {
	return resource.NewQuantity(int64(*s), resource.BinarySI).String()
}

// Set parses a size.
func (s *sizeFlag) Set(v string) error {
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return errors.New("not a size such as 64Mi, 512Ki or 1048576")
	}
	if q.Sign() <= 0 {
		return errors.New("must be positive")
	}
	*s = sizeFlag(q.Value())
	return nil
}

// Type names the flag's values in the help.
func (*sizeFlag) Type() string { return "size" }
