package chart_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/chartreadme"
	"github.com/ballast-dev/ballast/internal/chartschema"
	"github.com/ballast-dev/ballast/internal/policy"
)

// TestChartRefusesWhatTheBinaryRefuses runs one table of policies through
// the binary (`ballast policy validate`, which loads a policy file as
// `ballast serve` does) and through helm (the chart's policy value): a policy the
// binary refuses must fail `helm template`, and one it accepts must render
// into a ConfigMap whose policy it accepts. Where the chart's template
// checks judge (the rules that span fields), helm's message is the
// binary's, with policy.* for spec.*; where values.schema.json judges, it
// names the same field.
//
// The binary reads each policy as the spec of a policy file; the chart
// merges it into values.yaml's policy, which is the binary's default
// (TestChartPolicyIsTheBinaryDefault), so both judge the same policy.
func TestChartRefusesWhatTheBinaryRefuses(t *testing.T) {
	tests := map[string]struct {
		// policy is the policy's YAML, as the value policy and as the spec
		// of a policy file.
		policy string
		// refused says whether the binary refuses it.
		refused bool
		// sameMessage says that helm's message is the binary's: the
		// chart's template checks, not the schema, refuse it.
		sameMessage bool
	}{
		"an impossible date": {
			policy:  "exemptions: [{name: a, namespaces: [x], rules: [pdb], reason: r, expires: \"2027-13-45\"}]",
			refused: true, sameMessage: true,
		},
		"the 30th of February": {
			policy:  "exemptions: [{name: a, namespaces: [x], rules: [pdb], reason: r, expires: \"2027-02-30\"}]",
			refused: true, sameMessage: true,
		},
		"a time that does not exist": {
			policy:  "exemptions: [{name: a, namespaces: [x], rules: [pdb], reason: r, expires: \"2027-02-03T25:00:00Z\"}]",
			refused: true, sameMessage: true,
		},
		"a time that does not exist in year 1": {
			policy:  "exemptions: [{name: a, namespaces: [x], rules: [pdb], reason: r, expires: \"0001-01-01T25:00:00Z\"}]",
			refused: true, sameMessage: true,
		},
		"an exemption with neither rules nor mode": {
			policy:  "exemptions: [{name: a, namespaces: [x], reason: r}]",
			refused: true, sameMessage: true,
		},
		"an exemption with empty rules and an empty mode": {
			policy:  "exemptions: [{name: a, namespaces: [x], rules: [], mode: \"\", reason: r}]",
			refused: true, sameMessage: true,
		},
		"an exemption with no namespaces": {
			policy:  "exemptions: [{name: a, rules: [pdb], reason: r}]",
			refused: true, sameMessage: true,
		},
		"an exemption with an empty list of namespaces": {
			policy:  "exemptions: [{name: a, namespaces: [], rules: [pdb], reason: r}]",
			refused: true, sameMessage: true,
		},
		"duplicate exemption names": {
			policy:  "exemptions: [{name: a, namespaces: [x], rules: [pdb], reason: r}, {name: a, namespaces: [z], mode: warn, reason: r}]",
			refused: true, sameMessage: true,
		},
		"an empty namespace selector": {
			policy:  "exemptions: [{name: a, namespaceSelector: {}, rules: [pdb], reason: r}]",
			refused: true, sameMessage: true,
		},
		"a namespace selector with empty parts": {
			policy:  "exemptions: [{name: a, namespaceSelector: {matchLabels: {}, matchExpressions: []}, rules: [pdb], reason: r}]",
			refused: true, sameMessage: true,
		},
		"no namespace admins": {
			policy:  "namespaceAdmins: {users: [], groups: []}",
			refused: true, sameMessage: true,
		},
		"a longer sleep than the maximum": {
			policy:  "podDefaults: {preStop: {sleepSeconds: 90}}",
			refused: true, sameMessage: true,
		},
		"a profile's longer sleep than the maximum": {
			policy:  "profiles: [{name: p, namespaces: [a], podDefaults: {preStop: {sleepSeconds: 90}}}]",
			refused: true, sameMessage: true,
		},
		"an empty workload selector": {
			policy:  "exemptions: [{name: a, namespaces: [x], workloadSelector: {}, rules: [pdb], reason: r}]",
			refused: true, sameMessage: true,
		},
		"a mode for an exemption scoped to workloads": {
			policy:  "exemptions: [{name: a, namespaces: [x], workloads: [{name: web}], mode: warn, reason: r}]",
			refused: true, sameMessage: true,
		},
		"duplicate profile names": {
			policy:  "profiles: [{name: p, namespaces: [a]}, {name: p, namespaces: [b]}]",
			refused: true, sameMessage: true,
		},
		"a profile for no namespace": {
			policy:  "profiles: [{name: p, rules: {min-replicas: {minimum: 3}}}]",
			refused: true, sameMessage: true,
		},
		"a namespace in two profiles": {
			policy:  "profiles: [{name: p, namespaces: [a]}, {name: q, namespaces: [b, a]}]",
			refused: true, sameMessage: true,
		},
		"an empty profile selector": {
			policy:  "profiles: [{name: p, namespaceSelector: {}}]",
			refused: true, sameMessage: true,
		},
		"a maximum sleep past an hour":              {policy: "podDefaults: {preStop: {maxSleepSeconds: 3601}}", refused: true},
		"a workload without a name":                 {policy: "exemptions: [{name: a, namespaces: [x], workloads: [{kind: Deployment}], rules: [pdb], reason: r}]", refused: true},
		"a workload glob that does not parse":       {policy: "exemptions: [{name: a, namespaces: [x], workloads: [{name: \"web-[\"}], rules: [pdb], reason: r}]", refused: true},
		"a workload selector with In and no values": {policy: "exemptions: [{name: a, namespaces: [x], workloadSelector: {matchExpressions: [{key: app, operator: In}]}, rules: [pdb], reason: r}]", refused: true},
		"a profile without a name":                  {policy: "profiles: [{namespaces: [a]}]", refused: true},
		"a profile with an empty name":              {policy: "profiles: [{name: \"\", namespaces: [a]}]", refused: true},
		"a profile chosen by a label tenants set":   {policy: "profiles: [{name: p, namespaceSelector: {matchLabels: {team: a}}}]", refused: true},
		"a profile chosen by an expression on a label tenants set": {
			policy: "profiles: [{name: p, namespaceSelector: {matchExpressions: [{key: team, operator: Exists}]}}]", refused: true,
		},
		"a profile's minimum of 0":                {policy: "profiles: [{name: p, namespaces: [a], rules: {min-replicas: {minimum: 0}}}]", refused: true},
		"a profile's probe period of 0":           {policy: "profiles: [{name: p, namespaces: [a], podDefaults: {readinessProbe: {periodSeconds: 0}}}]", refused: true},
		"an exemption without a reason":           {policy: "exemptions: [{name: a, namespaces: [x], rules: [pdb]}]", refused: true},
		"a blank reason":                          {policy: "exemptions: [{name: a, namespaces: [x], rules: [pdb], reason: \" \\t\"}]", refused: true},
		"a reason of a no-break space":            {policy: "exemptions: [{name: a, namespaces: [x], rules: [pdb], reason: \"\\u00a0\"}]", refused: true},
		"an expiry that is not a date":            {policy: "exemptions: [{name: a, namespaces: [x], rules: [pdb], reason: r, expires: next year}]", refused: true},
		"a glob that does not parse":              {policy: "exemptions: [{name: a, namespaces: [\"team-[\"], rules: [pdb], reason: r}]", refused: true},
		"a glob with a bad range":                 {policy: "exemptions: [{name: a, namespaces: [\"team-[-a]\"], rules: [pdb], reason: r}]", refused: true},
		"an empty namespace":                      {policy: "exemptions: [{name: a, namespaces: [\"\"], rules: [pdb], reason: r}]", refused: true},
		"a rule that does not exist":              {policy: "exemptions: [{name: a, namespaces: [x], rules: [min-replica], reason: r}]", refused: true},
		"an exemption's mode that does not exist": {policy: "exemptions: [{name: a, namespaces: [x], mode: audit, reason: r}]", refused: true},
		"In without values": {
			policy:  "exemptions: [{name: a, namespaceSelector: {matchExpressions: [{key: team, operator: In}]}, rules: [pdb], reason: r}]",
			refused: true,
		},
		"Exists with values": {
			policy:  "exemptions: [{name: a, namespaceSelector: {matchExpressions: [{key: team, operator: Exists, values: [a]}]}, rules: [pdb], reason: r}]",
			refused: true,
		},
		"a label key with a space": {
			policy:  "exemptions: [{name: a, namespaceSelector: {matchLabels: {\"my team\": a}}, rules: [pdb], reason: r}]",
			refused: true,
		},
		"a label value with a slash": {
			policy:  "exemptions: [{name: a, namespaceSelector: {matchExpressions: [{key: team, operator: In, values: [a/b]}]}, rules: [pdb], reason: r}]",
			refused: true,
		},
		"a mode that does not exist":             {policy: "mode: audit", refused: true},
		"an empty mode":                          {policy: "mode: \"\"", refused: true},
		"onInternalError that does not exist":    {policy: "onInternalError: panic", refused: true},
		"a word for a boolean":                   {policy: "namespaceModeLabel: maybe", refused: true},
		"an action that does not exist":          {policy: "rules: {spread: {action: block}}", refused: true},
		"a misspelt field":                       {policy: "rules: {min-replicas: {minimun: 3}}", refused: true},
		"a rule that does not exist in rules":    {policy: "rules: {min-replica: {minimum: 3}}", refused: true},
		"a minimum of 0":                         {policy: "rules: {min-replicas: {minimum: 0}}", refused: true},
		"an HPA minimum of 0":                    {policy: "rules: {hpa-min-replicas: {minimum: 0}}", refused: true},
		"a minimum past 32 bits":                 {policy: "rules: {min-replicas: {minimum: 4294967296}}", refused: true},
		"a negative shutdown budget":             {policy: "rules: {termination-grace: {shutdownBudgetSeconds: -1}}", refused: true},
		"a budget that allows no disruption":     {policy: "rules: {pdb: {maxUnavailable: 0}}", refused: true},
		"a budget of 0%":                         {policy: "rules: {pdb: {maxUnavailable: \"0%\"}}", refused: true},
		"a budget of 101%":                       {policy: "rules: {pdb: {maxUnavailable: \"101%\"}}", refused: true},
		"a budget of a number in a string":       {policy: "rules: {pdb: {maxUnavailable: \"5\"}}", refused: true},
		"no owner kinds":                         {policy: "podDefaults: {ownerKinds: []}", refused: true},
		"Jobs as owners":                         {policy: "podDefaults: {ownerKinds: [ReplicaSet, Job]}", refused: true},
		"an empty owner kind":                    {policy: "podDefaults: {ownerKinds: [\"\"]}", refused: true},
		"a preStop sleep of 0":                   {policy: "podDefaults: {preStop: {sleepSeconds: 0}}", refused: true},
		"a preStop sleep over an hour":           {policy: "podDefaults: {preStop: {sleepSeconds: 3601}}", refused: true},
		"a preStop strategy that does not exist": {policy: "podDefaults: {preStop: {strategy: shell}}", refused: true},
		"a probe period of 0":                    {policy: "podDefaults: {readinessProbe: {periodSeconds: 0}}", refused: true},
		"a negative initial delay":               {policy: "podDefaults: {startupProbe: {initialDelaySeconds: -1}}", refused: true},
		"a failure threshold of 0":               {policy: "podDefaults: {livenessProbe: {failureThreshold: 0}}", refused: true},
		"an empty group":                         {policy: "namespaceAdmins: {groups: [\"\"]}", refused: true},

		"an exemption by selector alone, with an empty mode": {
			policy: "exemptions: [{name: a, namespaceSelector: {matchLabels: {team: a}}, rules: [pdb], mode: \"\", reason: r}]",
		},
		"an exemption by glob and mode alone that expires at a time": {
			policy: "exemptions: [{name: a, namespaces: [\"team-[a-c]*\", \"x\\\\*\"], mode: warn, reason: r, expires: \"2027-03-31T18:00:00+02:00\"}]",
		},
		"two exemptions without names": {
			policy: "exemptions: [{namespaces: [x], rules: [\"*\"], reason: r}, {namespaces: [z], rules: [\"*\"], reason: r}]",
		},
		"an empty action and percentages as strconv reads them": {
			policy: "rules: {spread: {action: \"\"}, pdb: {maxUnavailable: \"05%\"}}",
		},
		"users alone as namespace admins": {policy: "namespaceAdmins: {users: [alice], groups: []}"},
		"a profile by the namespace's name": {
			policy: "profiles: [{name: p, namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}, rules: {min-replicas: {minimum: 3}}}, {name: q, namespaceSelector: {matchExpressions: [{key: ballast.dev/tier, operator: Exists}]}}]",
		},
		"an exemption scoped to workloads": {
			policy: "exemptions: [{name: a, namespaces: [x], workloads: [{kind: \"Deploy*\", name: \"web-*\"}], workloadSelector: {matchLabels: {app: web}}, rules: [pdb], reason: r}]",
		},
		"a longer sleep with a longer maximum": {policy: "podDefaults: {preStop: {sleepSeconds: 90, maxSleepSeconds: 120}}"},
		"a profile's longer sleep with a longer maximum": {
			policy: "profiles: [{name: p, namespaces: [a], podDefaults: {preStop: {sleepSeconds: 90, maxSleepSeconds: 90}}}]",
		},
		"an exemption that expired on the first day of year 1": {
			policy: "exemptions: [{name: a, namespaces: [x], rules: [pdb], reason: r, expires: \"0001-01-01\"}]",
		},
	}
	bin := ballastBinary(t)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			policyFile := filepath.Join(dir, "policy.yaml")
			require.NoError(t, os.WriteFile(policyFile, []byte("apiVersion: ballast.dev/v1alpha1\nkind: BallastPolicy\nspec:\n  "+tc.policy+"\n"), 0o600))
			valuesFile := filepath.Join(dir, "values.yaml")
			require.NoError(t, os.WriteFile(valuesFile, []byte("policy:\n  "+tc.policy+"\n"), 0o600))

			// The binary.
			var output bytes.Buffer
			validate := exec.CommandContext(t.Context(), bin, "policy", "validate", policyFile)
			validate.Stdout, validate.Stderr = &output, &output
			err := validate.Run()
			_, parseErr := policy.Load(policyFile)
			rendered, helmErr := tryRenderChart(t, "-f", valuesFile)

			if !tc.refused {
				require.NoError(t, err, "ballast policy validate refuses the policy: %s", output.String())
				require.NoError(t, parseErr)
				require.NoError(t, helmErr, "helm refuses a policy the binary accepts")
				var cm corev1.ConfigMap
				rendered.object(t, "ConfigMap", "ballast-policy", &cm)
				_, err := policy.Parse([]byte(cm.Data["policy.yaml"]))
				require.NoError(t, err, "the rendered policy does not load:\n%s", cm.Data["policy.yaml"])
				return
			}

			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "ballast policy validate accepts the policy")
			assert.Equal(t, 2, exit.ExitCode(), "%s", output.String())
			var invalid *policy.InvalidError
			require.ErrorAs(t, parseErr, &invalid)
			require.Len(t, invalid.Problems, 1, "a case of one problem: %v", invalid)
			problem := invalid.Problems[0].Err
			assert.Contains(t, output.String(), problem.Error(), "the binary's message")

			require.Error(t, helmErr, "helm accepts a policy the binary refuses: %v", problem)
			if tc.sameMessage {
				assert.Contains(t, helmErr.Error(), "policy."+strings.TrimPrefix(problem.Error(), "spec."))
				return
			}
			assertNamesField(t, helmErr.Error(), problem.Field)
		})
	}
}

// assertNamesField checks that the schema error of helm, msg, names the
// field at path (as field.Path prints it, under spec) as the value under
// policy: its JSON pointer, or its parent's and its own name (what
// "missing property" and "additional properties" errors say).
func assertNamesField(t *testing.T, msg, path string) {
	t.Helper()
	pointer := "/policy"
	var parent, last string
	for part := range strings.SplitSeq(strings.TrimPrefix(path, "spec."), ".") {
		name, index, _ := strings.Cut(part, "[")
		parent, last = pointer, name
		pointer += "/" + name
		if index != "" {
			i, err := strconv.Atoi(strings.TrimSuffix(index, "]"))
			require.NoError(t, err, "path %s", path)
			parent, last = pointer, strconv.Itoa(i)
			pointer += "/" + last
		}
	}
	if strings.Contains(msg, "'"+pointer+"'") || strings.Contains(msg, "'"+pointer+"/") {
		return
	}
	assert.True(t, strings.Contains(msg, "'"+parent+"'") && strings.Contains(msg, "'"+last+"'"),
		"helm's message names neither %s nor %s's %s:\n%s", pointer, parent, last, msg)
}

// TestChartSchemaIsCurrent checks that the policy part of
// values.schema.json is what the generator derives from the Go types
// today: run `make generate` after changing them.
func TestChartSchemaIsCurrent(t *testing.T) {
	current := readRepoFile(t, "charts/ballast/values.schema.json")
	s, err := chartschema.Policy(repoRoot(t))
	require.NoError(t, err)
	want, err := chartschema.Splice(current, s)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(current), "charts/ballast/values.schema.json is not current: run `make generate`")
}

// TestChartReadmeIsCurrent checks that charts/ballast/README.md is what
// the generator writes from values.yaml and Chart.yaml today: run `make
// generate` after changing them.
func TestChartReadmeIsCurrent(t *testing.T) {
	want, err := chartreadme.Render(chartDir(t))
	require.NoError(t, err)
	current, err := os.ReadFile(filepath.Join(chartDir(t), "README.md"))
	if errors.Is(err, os.ErrNotExist) {
		t.Fatal("charts/ballast/README.md is missing: run `make generate`")
	}
	require.NoError(t, err)
	assert.Equal(t, string(want), string(current), "charts/ballast/README.md is not current: run `make generate`")
}
