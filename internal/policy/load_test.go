package policy

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// header starts every document that the tests below want to be valid
// apart from what follows it.
const header = "apiVersion: ballast.dev/v1alpha1\nkind: BallastPolicy\n"

func TestParseProblems(t *testing.T) {
	tests := map[string]struct {
		doc  string
		want []string // each problem as Problem.String prints it
	}{
		"an unknown top-level field names the known ones": {
			doc:  header + "specs: {}\n",
			want: []string{"line 3: specs: Forbidden: unknown field; did you mean \"spec\"?"},
		},
		"a misspelt rule suggests the closest one": {
			doc: header + "spec:\n  rules:\n    min-replica:\n      minimum: 3\n",
			want: []string{
				`line 5: spec.rules.min-replica: Forbidden: unknown field; did you mean "min-replicas"?`,
			},
		},
		"an unknown field deep in an exemption is found with its line": {
			doc: header + `spec:
  exemptions:
  - name: legacy
    reason: migrating
    namespaces: [legacy]
    mode: warn
    namespaceSelector:
      matchExpressions: [{key: team, operator: Exists}]
      matchLabel: {team: a}
`,
			want: []string{
				`line 11: spec.exemptions[0].namespaceSelector.matchLabel: Forbidden: unknown field; did you mean "matchLabels"?`,
			},
		},
		"an unknown field with no close match lists the known fields": {
			doc: header + "spec:\n  podDefaults:\n    sidecars: true\n",
			want: []string{
				"line 5: spec.podDefaults.sidecars: Forbidden: unknown field; known fields: ownerKinds, preStop, terminationGracePeriod, readinessProbe, livenessProbe, startupProbe",
			},
		},
		"a field in the wrong case is unknown": {
			doc:  header + "spec:\n  Mode: warn\n",
			want: []string{`line 4: spec.Mode: Forbidden: unknown field; did you mean "mode"?`},
		},
		"a duplicate key is an error": {
			doc:  header + "spec:\n  mode: warn\n  mode: enforce\n",
			want: []string{`line 5: spec.mode: Duplicate value: "mode": the key appears more than once; keep one`},
		},
		"a string where a number belongs": {
			doc:  header + "spec:\n  rules:\n    min-replicas: {minimum: two}\n",
			want: []string{`line 5: spec.rules.min-replicas.minimum: Invalid value: "two": must be a whole number`},
		},
		"a float where a whole number belongs": {
			doc:  header + "spec:\n  podDefaults:\n    preStop:\n      sleepSeconds: 2.5\n",
			want: []string{`line 6: spec.podDefaults.preStop.sleepSeconds: Invalid value: "2.5": must be a whole number`},
		},
		"a number too large for the field": {
			doc:  header + "spec:\n  rules:\n    termination-grace:\n      shutdownBudgetSeconds: 3000000000\n",
			want: []string{`line 6: spec.rules.termination-grace.shutdownBudgetSeconds: Invalid value: "3000000000": must be a whole number`},
		},
		"a number where a string belongs": {
			doc:  header + "spec:\n  namespaceAdmins:\n    users: [1234]\n",
			want: []string{`line 5: spec.namespaceAdmins.users[0]: Invalid value: "1234": must be a string; quote the value`},
		},
		"a list where a string belongs": {
			doc:  header + "spec:\n  mode: [warn]\n",
			want: []string{`line 4: spec.mode: Invalid value: must be a string`},
		},
		"a string where a boolean belongs": {
			doc:  header + "spec:\n  namespaceModeLabel: maybe\n",
			want: []string{`line 4: spec.namespaceModeLabel: Invalid value: "maybe": must be true or false`},
		},
		"a string where an object belongs": {
			doc:  header + "spec:\n  rules: none\n",
			want: []string{`line 4: spec.rules: Invalid value: must be an object`},
		},
		"an object where a list belongs": {
			doc:  header + "spec:\n  exemptions: {name: a}\n",
			want: []string{`line 4: spec.exemptions: Invalid value: must be a list`},
		},
		"a bad expiry": {
			doc: header + "spec:\n  exemptions:\n  - {namespaces: [a], mode: warn, reason: r, expires: next week}\n",
			want: []string{
				`line 5: spec.exemptions[0].expires: Invalid value: "next week": must be a date such as "2026-12-31" or an RFC 3339 time such as "2026-12-31T18:00:00Z"`,
			},
		},
		"a float maxUnavailable": {
			doc:  header + "spec:\n  rules:\n    pdb: {maxUnavailable: 0.5}\n",
			want: []string{`line 5: spec.rules.pdb.maxUnavailable: Invalid value: "0.5": must be a whole number or a percentage such as "25%"`},
		},
		"a value written as 0 is validated, not defaulted": {
			doc:  header + "spec:\n  podDefaults:\n    preStop:\n      sleepSeconds: 0\n",
			want: []string{"line 6: spec.podDefaults.preStop.sleepSeconds: Invalid value: 0: must be between 1 and 3600, and shorter than the pods' terminationGracePeriodSeconds, since the API server rejects a longer sleep; to inject no sleep, set enabled to false"},
		},
		"lists written as [] are validated, not defaulted": {
			doc: header + "spec:\n  podDefaults:\n    ownerKinds: []\n  namespaceAdmins:\n    users: []\n    groups: []\n",
			want: []string{
				"line 5: spec.podDefaults.ownerKinds: Required value: list the kinds of controller whose pods get defaults, such as ReplicaSet",
				"line 6: spec.namespaceAdmins: Required value: name at least one user or group: only they may set or change ballast.dev/ labels and annotations on namespaces, so with none nobody ever could",
			},
		},
		"a string written as empty is validated, not defaulted": {
			doc:  header + "spec:\n  mode: \"\"\n",
			want: []string{`line 4: spec.mode: Unsupported value: "": supported values: "enforce", "warn", "dryrun", "off"`},
		},
		"a wrong apiVersion and kind": {
			doc: "apiVersion: v1\nkind: ConfigMap\n",
			want: []string{
				`line 1: apiVersion: Unsupported value: "v1": supported values: "ballast.dev/v1alpha1"`,
				`line 2: kind: Unsupported value: "ConfigMap": supported values: "BallastPolicy"`,
			},
		},
		"a validation error of a field left out points at its parent": {
			doc:  header + "spec:\n  exemptions:\n  - namespaces: [a]\n    mode: warn\n",
			want: []string{"line 5: spec.exemptions[0].reason: Required value: say why the namespaces are exempt, for whoever reviews the exemption later"},
		},
		"a value that fails to decode is not validated again": {
			doc:  header + "spec:\n  exemptions:\n  - {namespaces: [a], mode: warn, reason: [r]}\n",
			want: []string{"line 5: spec.exemptions[0].reason: Invalid value: must be a string"},
		},
		"every problem is reported at once, in document order": {
			doc: header + `spec:
  mode: enforced
  rules:
    min-replica: {minimum: 2}
    pdb: {maxUnavailable: 0}
  podDefaults:
    preStop: {sleepSeconds: five}
  exemptions:
  - name: x
    namespaces: ["team-["]
    rules: [readiness]
`,
			want: []string{
				`line 4: spec.mode: Unsupported value: "enforced": supported values: "enforce", "warn", "dryrun", "off"`,
				`line 6: spec.rules.min-replica: Forbidden: unknown field; did you mean "min-replicas"?`,
				`line 7: spec.rules.pdb.maxUnavailable: Invalid value: 0: must be at least 1 (or 1%): a PodDisruptionBudget that allows no pod to be unavailable blocks every node drain and cluster upgrade`,
				`line 9: spec.podDefaults.preStop.sleepSeconds: Invalid value: "five": must be a whole number`,
				`line 11: spec.exemptions[0].reason: Required value: say why the namespaces are exempt, for whoever reviews the exemption later`,
				`line 12: spec.exemptions[0].namespaces[0]: Invalid value: "team-[": must be a namespace name or a glob such as "team-*" (path.Match syntax)`,
				`line 13: spec.exemptions[0].rules[0]: Unsupported value: "readiness": supported values: ` +
					`"min-replicas", "hpa-min-replicas", "readiness-probe", "liveness-probe", "resource-requests", "memory-limit", "prestop-hook", ` +
					`"termination-grace", "pdb", "pdb-allows-disruption", "spread", "rolling-update", "image-tag", "*"`,
			},
		},
		"JSON is reported with lines too": {
			doc: `{
  "apiVersion": "ballast.dev/v1alpha1",
  "kind": "BallastPolicy",
  "spec": {
    "mode": "warn",
    "podDefaults": {"readinessProbe": {"periodSecs": 5}}
  }
}`,
			want: []string{`line 6: spec.podDefaults.readinessProbe.periodSecs: Forbidden: unknown field; did you mean "periodSeconds"?`},
		},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := Parse([]byte(test.doc))
			require.Error(t, err)
			assert.Nil(t, p)

			var invalid *InvalidError
			require.ErrorAs(t, err, &invalid)
			got := make([]string, len(invalid.Problems))
			for i, p := range invalid.Problems {
				got[i] = p.String()
			}
			assert.Equal(t, test.want, got)
			assert.Len(t, invalid.ErrorList(), len(test.want))
		})
	}
}

func TestParseSyntaxErrors(t *testing.T) {
	tests := map[string]struct {
		doc  string
		want string
	}{
		"broken YAML": {
			doc:  "spec: [\n",
			want: "parse BallastPolicy: yaml: line 1: did not find expected node content",
		},
		"a list instead of an object": {
			doc:  "- spec: {}\n",
			want: "parse BallastPolicy: line 1: a policy must be an object with apiVersion, kind and spec",
		},
		"two documents": {
			doc:  header + "---\n" + header,
			want: "parse BallastPolicy: line 3: a policy file holds one document; remove the documents after the first",
		},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(test.doc))
			require.EqualError(t, err, test.want)
			var invalid *InvalidError
			assert.NotErrorAs(t, err, &invalid, "a syntax error is not an *InvalidError")
		})
	}
}

func TestParseValid(t *testing.T) {
	tests := map[string]struct {
		doc  string
		want func(p *Policy) // changes the default policy into the one expected
	}{
		"an empty document is the default policy": {
			doc:  "",
			want: func(*Policy) {},
		},
		"a document of comments is the default policy": {
			doc:  "# nothing yet\n",
			want: func(*Policy) {},
		},
		"an empty spec is the default policy": {
			doc:  "spec: {}\n",
			want: func(*Policy) {},
		},
		"a null spec is the default policy": {
			doc:  header + "spec:\n",
			want: func(*Policy) {},
		},
		"set fields are kept and the rest defaulted": {
			doc: header + `metadata:
  name: prod
spec:
  mode: enforce
  namespaceModeLabel: false
  rules:
    min-replicas: {action: warn, minimum: 3}
    pdb: {maxUnavailable: 25%}
  podDefaults:
    preStop: {strategy: exec}
    livenessProbe: {enabled: yes, initialDelaySeconds: 0}
`,
			want: func(p *Policy) {
				p.Metadata.Name = "prod"
				p.Spec.Mode = ModeEnforce
				p.Spec.NamespaceModeLabel = new(false)
				p.Spec.Rules.MinReplicas = ReplicasRule{Action: ActionWarn, Minimum: 3}
				p.Spec.Rules.PDB.MaxUnavailable = new(intstr.FromString("25%"))
				p.Spec.PodDefaults.PreStop.Strategy = PreStopExec
				p.Spec.PodDefaults.LivenessProbe.Enabled = new(true)
				p.Spec.PodDefaults.LivenessProbe.InitialDelaySeconds = new(int32(0))
			},
		},
		"a shutdown budget written as 0 means none": {
			doc: header + "spec:\n  rules:\n    termination-grace: {shutdownBudgetSeconds: 0}\n",
			want: func(p *Policy) {
				p.Spec.Rules.TerminationGrace.ShutdownBudgetSeconds = 0
			},
		},
		"JSON": {
			doc: `{"apiVersion": "ballast.dev/v1alpha1", "kind": "BallastPolicy", "spec": {"mode": "warn"}}`,
			want: func(p *Policy) {
				p.Spec.Mode = ModeWarn
			},
		},
		"aliases are followed": {
			doc: header + `spec:
  exemptions:
  - name: a
    namespaces: &batch [batch, etl-*]
    rules: [min-replicas]
    reason: batch jobs
  - name: b
    namespaces: *batch
    mode: warn
    reason: batch jobs
`,
			want: func(p *Policy) {
				p.Spec.Exemptions = []Exemption{
					{Name: "a", Namespaces: []string{"batch", "etl-*"}, Rules: []string{"min-replicas"}, Reason: "batch jobs"},
					{Name: "b", Namespaces: []string{"batch", "etl-*"}, Mode: ModeWarn, Reason: "batch jobs"},
				}
			},
		},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Parse([]byte(test.doc))
			require.NoError(t, err)
			want := Default()
			test.want(want)
			assert.Equal(t, want, got)
		})
	}
}

func TestParseExpires(t *testing.T) {
	tests := map[string]struct {
		expires string
		want    string
	}{
		"a date is the start of that day in UTC": {expires: "2026-12-31", want: "2026-12-31T00:00:00Z"},
		"a quoted date":                          {expires: `"2026-12-31"`, want: "2026-12-31T00:00:00Z"},
		"an RFC 3339 time":                       {expires: "2026-12-31T18:30:00+02:00", want: "2026-12-31T16:30:00Z"},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := Parse([]byte(header + "spec:\n  exemptions:\n  - {namespaces: [a], mode: warn, reason: r, expires: " + test.expires + "}\n"))
			require.NoError(t, err)
			assert.Equal(t, test.want, p.Spec.Exemptions[0].Expires.UTC().Format("2006-01-02T15:04:05Z07:00"))
		})
	}
}

func TestParseAliasBomb(t *testing.T) {
	// A small document whose aliases expand to 1000 exemptions of 1000
	// namespaces each.
	doc := header + "n: &n [" + strings.Repeat("a, ", 999) + "a]\n" +
		"spec:\n  exemptions: [&e {namespaces: *n, mode: warn, reason: r}" + strings.Repeat(", *e", 999) + "]\n"
	_, err := Parse([]byte(doc))

	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	assert.Contains(t, err.Error(), "the document expands to more than 100000 values; simplify its aliases")
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(header+"spec:\n  mode: enforced\n"), 0o600))

	_, err := Load(bad)
	require.EqualError(t, err, "policy file "+bad+`: invalid BallastPolicy: line 4: spec.mode: Unsupported value: "enforced": supported values: "enforce", "warn", "dryrun", "off"`)
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, field.ErrorList{field.NotSupported(field.NewPath("spec", "mode"), ModeEnforce+"d", Modes)}, invalid.ErrorList())

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// FuzzParse checks that Parse never panics and that what it accepts is valid.
func FuzzParse(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte(header + "spec: {}\n"))
	f.Add([]byte(header + "spec:\n  mode: enforce\n  rules:\n    pdb: {maxUnavailable: 10%}\n"))
	f.Add([]byte(`{"spec": {"exemptions": [{"namespaces": ["a*"], "rules": ["*"], "reason": "r", "expires": "2026-01-02"}]}}`))
	f.Add([]byte(header + "spec:\n  exemptions:\n  - namespaceSelector: {matchExpressions: [{key: a, operator: In, values: [b]}]}\n    mode: off\n    reason: r\n"))
	f.Add([]byte("a: &a [x, x]\nb: [*a, *a]\n"))
	for _, dir := range []string{"../../config/policy", "../../config/samples"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		assert.Empty(t, Validate(p))
	})
}
