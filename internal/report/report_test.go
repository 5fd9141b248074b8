package report

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

func TestNewObject(t *testing.T) {
	until := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	minReplicas := validators.Finding{
		Rule: "min-replicas", Action: policy.ActionDeny, Field: "spec.replicas",
		Message: "runs 1 replica", Fix: "set spec.replicas: 2",
	}
	preStop := mutators.Change{
		Rule: "prestop-hook", Mutator: "prestop-sleep", Container: "app",
		Field: "spec.template.spec.containers[0].lifecycle.preStop", Message: "preStop sleep 5s",
		Pointer: "/spec/template/spec/containers/0/lifecycle", Value: map[string]any{},
	}
	noProbe := mutators.Note{
		Rule: "readiness-probe", Mutator: "readiness-probe", Container: "app",
		Message: "no Service routes to container app: readiness probe not injected",
	}
	exemption := policy.ExemptionRef{Name: "legacy", Reason: "rewrite", Owner: "team-a", Rules: []string{"spread"}, Expires: &until}
	result := func(mode policy.Mode) engine.Result {
		return engine.Result{
			Kind: "Deployment", Namespace: "shop", Name: "web", Mode: mode, ModeSource: "policy default",
			Findings:   []validators.Finding{minReplicas},
			Mutations:  []mutators.Change{preStop},
			Notes:      []mutators.Note{noProbe},
			Exemptions: []policy.ExemptionRef{exemption},
		}
	}
	judged := func(mode policy.Mode, allowed bool) Object {
		return Object{
			APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web", Mode: mode, Allowed: allowed,
			Findings: []validators.Finding{{
				Rule: "min-replicas", Action: policy.ActionDeny, Field: "spec.replicas",
				Message: "runs 1 replica", Fix: "set spec.replicas: 2",
			}},
			Mutations: []Mutation{{
				Rule: "prestop-hook", Container: "app",
				Field: "spec.template.spec.containers[0].lifecycle.preStop", Message: "preStop sleep 5s",
			}},
			Notes: []Note{{
				Rule: "readiness-probe", Container: "app",
				Message: "no Service routes to container app: readiness probe not injected",
			}},
			Exemptions: []Exemption{{Name: "legacy", Reason: "rewrite", Owner: "team-a", Rules: []string{"spread"}, Expires: &until}},
		}
	}
	tests := map[string]struct {
		res  engine.Result
		want Object
	}{
		"a deny finding in enforce is denied": {
			res:  result(policy.ModeEnforce),
			want: judged(policy.ModeEnforce, false),
		},
		"the same finding in warn is allowed": {
			res:  result(policy.ModeWarn),
			want: judged(policy.ModeWarn, true),
		},
		"a skipped object has empty lists, not nil ones": {
			res: engine.Result{Kind: "Deployment", Namespace: "sandbox", Name: "web", Mode: policy.ModeOff, Skipped: "mode off (namespace label ballast.dev/mode)"},
			want: Object{
				APIVersion: "apps/v1", Kind: "Deployment", Namespace: "sandbox", Name: "web", Mode: policy.ModeOff,
				Allowed: true, Skipped: "mode off (namespace label ballast.dev/mode)",
				Findings: []validators.Finding{}, Mutations: []Mutation{},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, NewObject("apps/v1", tc.res))
		})
	}
}

func TestNewExemptions(t *testing.T) {
	assert.Nil(t, NewExemptions(nil))
	assert.Nil(t, NewExemptions([]policy.ExemptionRef{}), "left out of JSON, as omitempty would anyway")
	assert.Equal(t,
		[]Exemption{{Name: "exemptions[2]", Reason: "batch", Mode: policy.ModeWarn}},
		NewExemptions([]policy.ExemptionRef{{Name: "exemptions[2]", Reason: "batch", Mode: policy.ModeWarn}}))
}

// TestExemptionJSON keeps an Exemption's JSON that of the policy's
// ExemptionRef, which `ballast audit` reported before the two met here.
func TestExemptionJSON(t *testing.T) {
	until := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, ref := range map[string]policy.ExemptionRef{
		"every field": {Name: "legacy", Reason: "rewrite", Owner: "team-a", Rules: []string{"min-replicas", "spread"}, Mode: policy.ModeWarn, Expires: &until},
		"the least":   {Name: "exemptions[0]", Reason: "batch"},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(ref)
			require.NoError(t, err)
			got, err := json.Marshal(NewExemptions([]policy.ExemptionRef{ref})[0])
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

// TestObjectNotesJSON keeps notes out of the JSON of an object that has
// none, so that reports without them read as before.
func TestObjectNotesJSON(t *testing.T) {
	res := engine.Result{Kind: "Deployment", Namespace: "shop", Name: "web", Mode: policy.ModeEnforce}
	without, err := json.Marshal(NewObject("apps/v1", res))
	require.NoError(t, err)
	assert.NotContains(t, string(without), `"notes"`)

	res.Notes = []mutators.Note{{Rule: "readiness-probe", Mutator: "readiness-probe", Container: "etcd", Message: "not injected"}}
	with, err := json.Marshal(NewObject("apps/v1", res))
	require.NoError(t, err)
	assert.Contains(t, string(with), `"notes":[{"rule":"readiness-probe","container":"etcd","message":"not injected"}]`,
		"the mutator's ID is not reported, as for mutations")
}

// TestFindingJSON pins the JSON of a report's findings, part of the public
// contract of `ballast check` and `ballast audit` (docs/check.md, "findings[]"):
// the report carries the rules' validators.Finding as it is, so a change to
// that type that would change the output fails here.
func TestFindingJSON(t *testing.T) {
	for name, tc := range map[string]struct {
		finding validators.Finding
		want    string
	}{
		"every field": {
			finding: validators.Finding{
				Rule: "readiness-probe", Action: policy.ActionWarn, Container: "app",
				Field: "spec.template.spec.containers[0].readinessProbe", Message: "no readinessProbe", Fix: "add one",
			},
			want: `{"rule":"readiness-probe","action":"warn","container":"app","field":"spec.template.spec.containers[0].readinessProbe","message":"no readinessProbe","fix":"add one"}`,
		},
		"container is left out, field and fix are not": {
			finding: validators.Finding{Rule: "min-replicas", Action: policy.ActionDeny, Message: "runs 1 replica"},
			want:    `{"rule":"min-replicas","action":"deny","field":"","message":"runs 1 replica","fix":""}`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(tc.finding)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}

func TestSummaryAdd(t *testing.T) {
	var s Summary
	for _, o := range []Object{
		{Allowed: false, Findings: []validators.Finding{
			{Rule: "min-replicas", Action: policy.ActionDeny},
			{Rule: "resource-requests", Action: policy.ActionDeny},
			{Rule: "resource-requests", Action: policy.ActionDeny},
		}, Mutations: []Mutation{{Rule: "prestop-hook"}, {Rule: "readiness-probe"}}},
		{Allowed: true, Findings: []validators.Finding{{Rule: "image-tag", Action: policy.ActionWarn}}},
		{Allowed: true, Skipped: "mode off", Findings: []validators.Finding{}, Mutations: []Mutation{{Rule: "prestop-hook"}}},
	} {
		s.Add(&o)
	}
	assert.Equal(t, Summary{
		Objects: 3, Evaluated: 2, Skipped: 1, Denied: 1, DenyFindings: 3, WarnFindings: 1,
		Rules:     map[string]int{"min-replicas": 1, "resource-requests": 2, "image-tag": 1},
		Mutations: 2,
	}, s, "a skipped object is only counted")
}

func TestFindingText(t *testing.T) {
	tests := map[string]struct {
		finding validators.Finding
		indent  string
		want    string
	}{
		"with a fix": {
			finding: validators.Finding{Rule: "min-replicas", Action: policy.ActionDeny, Field: "spec.replicas", Message: "runs 1 replica", Fix: "set spec.replicas: 2"},
			indent:  "  ",
			want: "  DENY min-replicas  spec.replicas\n" +
				"       runs 1 replica\n" +
				"       fix: set spec.replicas: 2\n",
		},
		"without one, indented further": {
			finding: validators.Finding{Rule: "image-tag", Action: policy.ActionWarn, Field: "spec.template.spec.containers[0].image", Message: "uses latest"},
			indent:  "    ",
			want: "    WARN image-tag  spec.template.spec.containers[0].image\n" +
				"         uses latest\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, FindingText(tc.finding, tc.indent))
		})
	}
}

func TestExemptionTerms(t *testing.T) {
	until := time.Date(2099, 1, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600))
	date := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	tests := map[string]struct {
		exemption Exemption
		want      string
	}{
		"rules, owner and expiry": {
			exemption: Exemption{Name: "legacy", Reason: "rewrite", Owner: "team-a", Rules: []string{"min-replicas", "spread"}, Expires: &until},
			want:      `rules min-replicas, spread; reason "rewrite"; owner team-a; expires 2098-12-31`,
		},
		"a mode, forever": {
			exemption: Exemption{Name: "exemptions[2]", Reason: "batch", Mode: policy.ModeWarn},
			want:      `mode warn; reason "batch"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.exemption.Terms(date))
		})
	}
}
