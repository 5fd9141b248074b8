package audit

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/validators"
)

// sampleReport is a report of every kind of namespace.
func sampleReport() *Report {
	expired := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	ns := []Namespace{
		{
			Name: "shop", Mode: policy.ModeEnforce, ConfiguredMode: policy.ModeDryRun, ModeSource: "policy default",
			Denied: 1, Warnings: 1, Evaluated: 2,
			ExpiredExemptions: []report.Exemption{{Name: "freeze", Reason: "migration", Rules: []string{"min-replicas"}, Expires: &expired}},
			Violations: []Violation{
				{Rule: "min-replicas", Action: policy.ActionDeny, Objects: 1},
				{Rule: "image-tag", Action: policy.ActionWarn, Objects: 1},
			},
			PlannedPDBs: []PlannedPDB{{
				Name: "ballast-deployment-api", Kind: "Deployment", Workload: "api",
				Message: "PodDisruptionBudget ballast-deployment-api (maxUnavailable 1)",
			}},
			PodsLackingDefaults: Pods{Count: 3, Names: []string{"web-a", "web-b"}, Rules: []string{"prestop-hook"}},
			Objects: []report.Object{
				{Kind: "Deployment", Name: "api", Allowed: true, Findings: []validators.Finding{}},
				{Kind: "Deployment", Name: "web", Allowed: false, Findings: []validators.Finding{
					{Rule: "min-replicas", Action: policy.ActionDeny, Field: "spec.replicas", Message: "runs 1 replica", Fix: "set spec.replicas: 2"},
					{Rule: "image-tag", Action: policy.ActionWarn, Field: "spec.template.spec.containers[0].image", Message: "uses latest|edge", Fix: "pin it"},
				}},
			},
		},
		{
			Name: "blog", Mode: policy.ModeWarn, ConfiguredMode: policy.ModeWarn, ModeSource: "namespace label ballast.dev/mode",
			Notes:               []string{"the Namespace could not be read"},
			Violations:          []Violation{},
			PlannedPDBs:         []PlannedPDB{},
			PodsLackingDefaults: Pods{Names: []string{}, Rules: []string{}},
			Objects:             []report.Object{},
		},
		{Name: "secret", Mode: policy.ModeEnforce, ConfiguredMode: policy.ModeDryRun, ModeSource: "policy default", Error: "deployments.apps is forbidden"},
		{Name: "kube-system", Mode: policy.ModeOff, ConfiguredMode: policy.ModeOff, ModeSource: "excluded by the webhook configurations", Skipped: notServed},
	}
	return &Report{
		Mode: "enforce", Policy: "ConfigMap ballast/ballast-policy",
		Time:       time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC),
		Namespaces: ns, Summary: summarize(ns),
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&b))
	assert.Equal(t, `Ballast audit of all namespaces (mode enforce, policy ConfigMap ballast/ballast-policy)

shop: enforce (ballast audit --mode; configured: dryrun, policy default)
  Deployment web: would be denied
    DENY min-replicas  spec.replicas
         runs 1 replica
         fix: set spec.replicas: 2
    WARN image-tag  spec.template.spec.containers[0].image
         uses latest|edge
         fix: pin it
  would create PodDisruptionBudget ballast-deployment-api (maxUnavailable 1) for Deployment api
  3 pod(s) lack defaults (prestop-hook): web-a, web-b and 1 more
  expired exemption freeze: rules min-replicas; reason "migration"; expires 2020-01-01: no longer applies

blog: warn (namespace label ballast.dev/mode)
  note: the Namespace could not be read
  ok

secret: unreadable: deployments.apps is forbidden

kube-system: skipped, not sent to the webhook (excluded by the webhook configurations)

NAMESPACE    MODE     DENIED  WARNINGS  PDBS  PODS  NOTE
shop         enforce  1       1         1     3     
blog         warn     0       0         0     0     the Namespace could not be read
secret       enforce  -       -         -     -     unreadable
kube-system  off      -       -         -     -     skipped: not sent to the webhook

Summary (mode enforce): namespaces: 4 (2 evaluated, 1 skipped, 1 unreadable); objects: 2; denied: 1; warnings: 1; PDBs to create: 1; pods lacking defaults: 3

By rule:
  min-replicas blocks 1 namespace, 1 object
  image-tag warns in 1 namespace, 1 object
`, b.String())
}

// ownedReport is sampleReport with owners from the label team: shop's is
// storefront, the others have none.
func ownedReport() *Report {
	r := sampleReport()
	r.OwnerLabel = "team"
	r.Namespaces[0].Owner = "storefront"
	return r
}

func TestWriteTextWithOwners(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, ownedReport().WriteText(&b))
	assert.Contains(t, b.String(), "\nshop (owner storefront): enforce (ballast audit --mode; configured: dryrun, policy default)\n")
	assert.Contains(t, b.String(), "\nblog: warn (namespace label ballast.dev/mode)\n")
	assert.Contains(t, b.String(), `
NAMESPACE    OWNER       MODE     DENIED  WARNINGS  PDBS  PODS  NOTE
shop         storefront  enforce  1       1         1     3     
blog         -           warn     0       0         0     0     the Namespace could not be read
secret       -           enforce  -       -         -     -     unreadable
kube-system  -           off      -       -         -     -     skipped: not sent to the webhook
`)
}

func TestWriteMarkdownWithOwners(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, ownedReport().WriteMarkdown(&b))
	assert.Contains(t, b.String(), `
| Namespace | Owner (team) | Mode | Configured mode | Denied | Deny rules (objects) | Warnings | PDBs to create | Pods lacking defaults | Notes |
|---|---|---|---|--:|---|--:|--:|--:|---|
| shop | storefront | enforce | dryrun (policy default) | 1 | min-replicas (1) | 1 | 1 | 3 | expired exemption freeze: rules min-replicas; reason "migration"; expires 2020-01-01 |
| blog |  | warn | warn (namespace label ballast.dev/mode) | 0 |  | 0 | 0 | 0 | the Namespace could not be read |
| secret |  | enforce | dryrun (policy default) | | | | | | unreadable: deployments.apps is forbidden |
| kube-system |  | off | off (excluded by the webhook configurations) | | | | | | skipped: not sent to the webhook |
`)
}

func TestRuleTotalString(t *testing.T) {
	tests := map[string]struct {
		in   RuleTotal
		want string
	}{
		"a deny rule blocks":    {in: RuleTotal{Rule: "resource-requests", Action: policy.ActionDeny, Namespaces: 6, Objects: 14}, want: "resource-requests blocks 6 namespaces, 14 objects"},
		"a warn rule warns":     {in: RuleTotal{Rule: "image-tag", Action: policy.ActionWarn, Namespaces: 2, Objects: 3}, want: "image-tag warns in 2 namespaces, 3 objects"},
		"one of each, singular": {in: RuleTotal{Rule: "pdb", Action: policy.ActionWarn, Namespaces: 1, Objects: 1}, want: "pdb warns in 1 namespace, 1 object"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.in.String())
		})
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteMarkdown(&b))
	assert.Equal(t, `## Ballast audit

Mode **enforce**, all namespaces, policy ConfigMap ballast/ballast-policy.

| Namespace | Mode | Configured mode | Denied | Deny rules (objects) | Warnings | PDBs to create | Pods lacking defaults | Notes |
|---|---|---|--:|---|--:|--:|--:|---|
| shop | enforce | dryrun (policy default) | 1 | min-replicas (1) | 1 | 1 | 3 | expired exemption freeze: rules min-replicas; reason "migration"; expires 2020-01-01 |
| blog | warn | warn (namespace label ballast.dev/mode) | 0 |  | 0 | 0 | 0 | the Namespace could not be read |
| secret | enforce | dryrun (policy default) | | | | | | unreadable: deployments.apps is forbidden |
| kube-system | off | off (excluded by the webhook configurations) | | | | | | skipped: not sent to the webhook |

**Totals:** namespaces: 4 (2 evaluated, 1 skipped, 1 unreadable); objects: 2; would be denied: 1; warnings: 1; PodDisruptionBudgets to create: 1; pods lacking defaults: 3.

### By rule

| Rule | Action | Namespaces | Objects |
|---|---|--:|--:|
| min-replicas | deny | 1 | 1 |
| image-tag | warn | 1 | 1 |

### Would be denied

| Namespace | Object | Rules |
|---|---|---|
| shop | Deployment web | min-replicas |
`, b.String())
}

func TestWriteJSONRoundTrips(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	require.NoError(t, r.WriteJSON(&b))
	var got Report
	require.NoError(t, json.Unmarshal(b.Bytes(), &got))
	assert.Equal(t, r.Summary, got.Summary)
	assert.Equal(t, r.Namespaces[0].Violations, got.Namespaces[0].Violations)
	assert.Equal(t, r.Time, got.Time)
}

func TestCell(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":        {in: "shop", want: "shop"},
		"a pipe":       {in: "a|b", want: `a\|b`},
		"line breaks":  {in: "one\ntwo\r\nthree", want: "one two three"},
		"empty stays":  {in: "", want: ""},
		"already safe": {in: "min-replicas (2), spread (1)", want: "min-replicas (2), spread (1)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, cell(tc.in))
		})
	}
}

func TestDay(t *testing.T) {
	tests := map[string]struct {
		in   time.Time
		want string
	}{
		"midnight UTC is a date":        {in: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), want: "2099-01-01"},
		"another time keeps its time":   {in: time.Date(2099, 1, 1, 15, 30, 0, 0, time.UTC), want: "2099-01-01T15:30:00Z"},
		"midnight elsewhere is UTC too": {in: time.Date(2099, 1, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600)), want: "2098-12-31T23:00:00Z"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, day(tc.in))
		})
	}
}

func TestDescribeExemption(t *testing.T) {
	until := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		in   report.Exemption
		want string
	}{
		"rules, owner and expiry": {
			in:   report.Exemption{Name: "legacy", Reason: "rewrite", Owner: "team-a", Rules: []string{"min-replicas", "spread"}, Expires: &until},
			want: `legacy: rules min-replicas, spread; reason "rewrite"; owner team-a; expires 2099-01-01`,
		},
		"a mode, forever": {
			in:   report.Exemption{Name: "exemptions[2]", Reason: "batch", Mode: policy.ModeWarn},
			want: `exemptions[2]: mode warn; reason "batch"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, describeExemption(tc.in))
		})
	}
}
