package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPolicyValidate(t *testing.T) {
	policies := filepath.Join(checkData, "policies")
	valid, invalid := filepath.Join(policies, "exemptions.yaml"), filepath.Join(policies, "invalid.yaml")
	shipped := "../../config/policy/default.yaml"
	tests := map[string]struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		"valid policies": {
			args:   []string{valid, shipped},
			code:   exitOK,
			stdout: valid + ": valid BallastPolicy\n" + shipped + ": valid BallastPolicy\n",
		},
		"an invalid policy: every problem with its line, and the others still checked": {
			args: []string{invalid, valid},
			code: exitFailure,
			stdout: "policy file " + invalid + ": invalid BallastPolicy (4 problems):\n" +
				`  line 4: spec.mode: Unsupported value: "enforced": supported values: "enforce", "warn", "dryrun", "off"` + "\n" +
				`  line 6: spec.rules.min-replica: Forbidden: unknown field; did you mean "min-replicas"?` + "\n" +
				"  line 9: spec.exemptions[0].reason: Required value: say why the namespaces are exempt, for whoever reviews the exemption later\n" +
				`  line 10: spec.exemptions[0].rules[0]: Unsupported value: "readiness-probes": supported values: "min-replicas", "hpa-min-replicas", "readiness-probe", "liveness-probe", "resource-requests", "memory-limit", "prestop-hook", "termination-grace", "pdb", "pdb-allows-disruption", "spread", "rolling-update", "image-tag", "*"` + "\n" +
				valid + ": valid BallastPolicy\n",
		},
		"a missing file": {
			args:   []string{"missing.yaml"},
			code:   exitFailure,
			stdout: "read policy: open missing.yaml: no such file or directory\n",
		},
		"GitHub annotations at each problem's line": {
			args: []string{"-o", "github", invalid, valid, "missing.yaml"},
			code: exitFailure,
			stdout: "::error file=" + invalid + ",line=4,title=invalid BallastPolicy::" + `spec.mode: Unsupported value: "enforced": supported values: "enforce", "warn", "dryrun", "off"` + "\n" +
				"::error file=" + invalid + ",line=6,title=invalid BallastPolicy::" + `spec.rules.min-replica: Forbidden: unknown field; did you mean "min-replicas"?` + "\n" +
				"::error file=" + invalid + ",line=9,title=invalid BallastPolicy::spec.exemptions[0].reason: Required value: say why the namespaces are exempt, for whoever reviews the exemption later\n" +
				"::error file=" + invalid + ",line=10,title=invalid BallastPolicy::" + `spec.exemptions[0].rules[0]: Unsupported value: "readiness-probes": supported values: "min-replicas", "hpa-min-replicas", "readiness-probe", "liveness-probe", "resource-requests", "memory-limit", "prestop-hook", "termination-grace", "pdb", "pdb-allows-disruption", "spread", "rolling-update", "image-tag", "*"` + "\n" +
				"::error file=missing.yaml,title=invalid BallastPolicy::read policy: open missing.yaml: no such file or directory\n",
		},
		"GitHub annotations: nothing for valid policies": {
			args: []string{"-o", "github", valid},
			code: exitOK,
		},
		"no file": {
			code:   exitFailure,
			stderr: "Error: requires at least 1 arg(s), only received 0\n",
		},
		"an unknown output format": {
			args:   []string{"-o", "json", valid},
			code:   exitFailure,
			stderr: "Error: --output \"json\": must be one of text, github\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", append([]string{"policy", "validate"}, tc.args...)...)
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.stdout, stdout)
			assert.Equal(t, tc.stderr, stderr)
		})
	}
}
