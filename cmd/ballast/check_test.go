package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/check"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/check/golden")

// checkData is where the manifests, policies and golden files of the
// check tests live.
const checkData = "../../testdata/check"

// run runs the ballast command line and returns its exit code, stdout and
// stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Execute(args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// assertGolden compares got with the golden file at path, or rewrites the
// file with -update.
func assertGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./cmd/ballast -update to create it")
	assert.Equal(t, string(want), got, "differs from %s; run go test ./cmd/ballast -update if the change is intended", path)
}

func TestCheckGolden(t *testing.T) {
	golden, err := filepath.Abs(filepath.Join(checkData, "golden"))
	require.NoError(t, err)
	t.Chdir(filepath.Join(checkData, "manifests"))

	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		// ci adds the golden files of the CI formats.
		ci bool
	}{
		{name: "compliant", args: []string{"-f", "compliant.yaml"}, code: exitOK},
		{name: "noncompliant", args: []string{"-f", "noncompliant.yaml"}, code: exitDenied, ci: true},
		{name: "statefulset-hpa", args: []string{"-f", "statefulset-hpa.yaml"}, code: exitDenied},
		{name: "pdb-blocks-drain", args: []string{"-f", "pdb-blocks-drain.yaml"}, code: exitDenied},
		{name: "broken", args: []string{"-f", "broken.yaml"}, code: exitFailure, ci: true},
		{name: "kustomize-list", args: []string{"-f", "kustomize-list.yaml"}, code: exitOK},
		{name: "helm-template", args: []string{"-f", "helm-template.yaml"}, code: exitDenied},
		{name: "namespace-mode", args: []string{"-f", "namespace-mode.yaml"}, code: exitDenied, ci: true},
		{name: "daemonset", args: []string{"-f", "daemonset.yaml"}, code: exitOK},
		{name: "jobs", args: []string{"-f", "jobs.yaml"}, code: exitOK},
		{name: "probes", args: []string{"-f", "probes.yaml"}, code: exitOK},
		{
			name: "exemptions",
			args: []string{"-f", "namespace-mode.yaml", "-f", "noncompliant.yaml", "--policy", "../policies/exemptions.yaml"},
			code: exitDenied,
		},
		{name: "mode-dryrun", args: []string{"-f", "noncompliant.yaml", "--mode", "dryrun"}, code: exitOK, ci: true},
		{name: "mode-warn", args: []string{"-f", "pdb-blocks-drain.yaml", "--mode", "warn"}, code: exitOK},
		{name: "namespace-flag", args: []string{"-f", "helm-template.yaml", "--namespace", "storefront"}, code: exitDenied},
		{name: "directory", args: []string{"-f", "."}, code: exitFailure},
		{name: "chart-dir", args: []string{"-f", "-", "--chart-dir", "charts"}, stdin: readFile(t, "helm-template.yaml"), code: exitDenied, ci: true},
		{name: "repository", args: []string{"-f", "../repo", "--exclude", "templates"}, code: exitOK, ci: true},
		{name: "stdin", args: []string{"-f", "-", "-f", "jobs.yaml"}, stdin: readFile(t, "helm-template.yaml"), code: exitDenied, ci: true},
	}
	ext := map[string]string{outputText: ".txt", outputJSON: ".json", outputSARIF: ".sarif", outputJUnit: ".junit.xml", outputGitHub: ".github.txt"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			outputs := []string{outputText, outputJSON}
			if tc.ci {
				outputs = checkOutputs
			}
			for _, output := range outputs {
				args := append([]string{"check", "-o", output}, tc.args...)
				code, stdout, stderr := run(t, tc.stdin, args...)
				assert.Equal(t, tc.code, code, "exit code with -o %s", output)
				assert.Empty(t, stderr)
				assertGolden(t, filepath.Join(golden, tc.name+ext[output]), stdout)
			}
		})
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

func TestCheckJSONIsAReport(t *testing.T) {
	code, stdout, _ := run(t, "", "check", "-o", "json", "-f", filepath.Join(checkData, "manifests"))
	require.Equal(t, exitFailure, code)
	var report check.Report
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&report))
	assert.Len(t, report.Objects, report.Summary.Objects)
	assert.Len(t, report.Errors, report.Summary.Errors)
	assert.Positive(t, report.Summary.Denied)
}

func TestCheckExitCodes(t *testing.T) {
	manifests := filepath.Join(checkData, "manifests")
	compliant := readFile(t, filepath.Join(manifests, "compliant.yaml"))
	noncompliant := readFile(t, filepath.Join(manifests, "noncompliant.yaml"))

	tests := map[string]struct {
		args   []string
		stdin  string
		code   int
		stdout string // a line the output holds
		stderr string // a line the error output holds
	}{
		"stdin with nothing denied": {
			args:   []string{"-f", "-"},
			stdin:  compliant,
			code:   exitOK,
			stdout: "Deployment shop/checkout (stdin:3)",
		},
		"stdin with a denial": {
			args:   []string{"-f", "-"},
			stdin:  noncompliant,
			code:   exitDenied,
			stdout: "  DENY min-replicas  spec.replicas",
		},
		"unreadable input wins over a denial": {
			args:   []string{"-f", "-", "-f", "missing.yaml"},
			stdin:  noncompliant,
			code:   exitFailure,
			stdout: "  missing.yaml: no such file or directory",
		},
		"empty input is an error, as from a failed renderer": {
			args:   []string{"-f", "-"},
			code:   exitFailure,
			stdout: "  stdin: no Kubernetes objects found",
		},
		"an invalid policy prints every problem": {
			args:   []string{"-f", "-", "--policy", filepath.Join(checkData, "policies", "invalid.yaml")},
			stdin:  compliant,
			code:   exitFailure,
			stderr: `  line 6: spec.rules.min-replica: Forbidden: unknown field; did you mean "min-replicas"?`,
		},
		"a missing policy": {
			args:   []string{"-f", "-", "--policy", "missing-policy.yaml"},
			code:   exitFailure,
			stderr: "Error: read policy: open missing-policy.yaml: no such file or directory",
		},
		"no manifests": {
			args:   []string{},
			code:   exitFailure,
			stderr: `Error: required flag(s) "filename" not set`,
		},
		"a mode check cannot judge in": {
			args:   []string{"-f", "-", "--mode", "off"},
			code:   exitFailure,
			stderr: `Error: --mode "off": must be one of enforce, warn, dryrun`,
		},
		"an unknown output format": {
			args:   []string{"-f", "-", "-o", "yaml"},
			code:   exitFailure,
			stderr: `Error: --output "yaml": must be one of text, json, sarif, junit, github`,
		},
		"a repository walked: documents that are no objects are notes, an unrendered template an error": {
			args:   []string{"-f", filepath.Join(checkData, "repo")},
			code:   exitFailure,
			stdout: "  " + filepath.Join(checkData, "repo", "charts/shop/templates/worker.yaml") + ":6: unrendered template ({{ ... }}): render it first, e.g. with helm template",
		},
		"a repository walked without its templates": {
			args:   []string{"-f", filepath.Join(checkData, "repo"), "--exclude", "templates"},
			code:   exitOK,
			stdout: "  " + filepath.Join(checkData, "repo", "charts/shop/values.yaml") + ":1: not a Kubernetes object (no kind): skipped",
		},
		"a file named explicitly must hold objects": {
			args:   []string{"-f", filepath.Join(checkData, "repo", "charts/shop/values.yaml")},
			code:   exitFailure,
			stdout: "  " + filepath.Join(checkData, "repo", "charts/shop/values.yaml") + `:1: invalid object: "kind" is missing`,
		},
		"a broken --exclude pattern": {
			args:   []string{"-f", "-", "--exclude", "[a-"},
			code:   exitFailure,
			stderr: `Error: --exclude "[a-": syntax error in pattern: see the syntax of https://pkg.go.dev/path/filepath#Match`,
		},
		"arguments instead of -f": {
			args:   []string{"deploy.yaml"},
			code:   exitFailure,
			stderr: `Error: unknown command "deploy.yaml" for "ballast check"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.stdin, append([]string{"check"}, tc.args...)...)
			assert.Equal(t, tc.code, code)
			if tc.stdout != "" {
				assert.Contains(t, strings.Split(stdout, "\n"), tc.stdout, "stdout:\n%s", stdout)
			}
			if tc.stderr != "" {
				assert.Contains(t, strings.Split(stderr, "\n"), tc.stderr, "stderr:\n%s", stderr)
			} else {
				assert.Empty(t, stderr)
			}
		})
	}
}

func TestCheckLimits(t *testing.T) {
	compliant := readFile(t, filepath.Join(checkData, "manifests", "compliant.yaml"))
	tests := map[string]struct {
		args   []string
		stdin  string
		stdout string // a line the output holds
		stderr string // a line the error output holds
	}{
		"a document over --max-document-size": {
			args:   []string{"-f", "-", "--max-document-size", "1Ki"},
			stdin:  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  k: " + strings.Repeat("a", 2<<10) + "\n",
			stdout: "  stdin:1: document larger than the document size limit of 1Ki (--max-document-size): the rest of the input is not read",
		},
		"an input over --max-file-size": {
			args:   []string{"-f", "-", "--max-file-size", "100"},
			stdin:  compliant,
			stdout: "  stdin: larger than the file size limit of 100 (--max-file-size)",
		},
		"binary input": {
			args:   []string{"-f", "-"},
			stdin:  "\x00\x01{{ binary }}",
			stdout: "  stdin: not YAML or JSON: a NUL byte at offset 0",
		},
		"a size that is not one": {
			args:   []string{"-f", "-", "--max-file-size", "64MB"},
			stderr: `Error: invalid argument "64MB" for "--max-file-size" flag: not a size such as 64Mi, 512Ki or 1048576`,
		},
		"a size of zero": {
			args:   []string{"-f", "-", "--max-document-size", "0"},
			stderr: `Error: invalid argument "0" for "--max-document-size" flag: must be positive`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.stdin, append([]string{"check"}, tc.args...)...)
			assert.Equal(t, exitFailure, code)
			if tc.stdout != "" {
				assert.Contains(t, strings.Split(stdout, "\n"), tc.stdout, "stdout:\n%s", stdout)
			}
			if tc.stderr != "" {
				assert.Contains(t, strings.Split(stderr, "\n"), tc.stderr, "stderr:\n%s", stderr)
			}
		})
	}
}

func TestCheckLimitsAreSizes(t *testing.T) {
	cmd := newCheckCommand()
	for flag, want := range map[string]string{"max-file-size": "64Mi", "max-document-size": "8Mi"} {
		f := cmd.Flags().Lookup(flag)
		require.NotNil(t, f, flag)
		assert.Equal(t, want, f.DefValue, flag)
		require.NoError(t, f.Value.Set("1.5Ki"))
		assert.Equal(t, "1536", f.Value.String())
		require.NoError(t, f.Value.Set("2Gi"))
		assert.Equal(t, "2Gi", f.Value.String())
	}
}

// TestCheckDocsShowTheGoldenOutputs keeps the examples of docs/check.md
// the output the code produces: each golden file named here is quoted
// there whole.
func TestCheckDocsShowTheGoldenOutputs(t *testing.T) {
	doc := readFile(t, "../../docs/check.md")
	for _, golden := range []string{"noncompliant.junit.xml", "noncompliant.github.txt", "repository.txt"} {
		assert.Contains(t, doc, readFile(t, filepath.Join(checkData, "golden", golden)), "docs/check.md quotes golden/%s", golden)
	}
}
