package policyreport_test

import (
	"testing"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/policyreport"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/validators"
)

func TestBuild(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	earlier := metav1.Timestamp{Seconds: now.Add(-time.Hour).Unix()}
	stamp := metav1.Timestamp{Seconds: now.Unix()}
	until := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	rules := []validators.Rule{
		{ID: "min-replicas", Summary: "at least the minimum replicas", DefaultAction: policy.ActionDeny, Kinds: []string{"Deployment"}},
		{ID: "image-tag", Summary: "images pinned", DefaultAction: policy.ActionWarn, Kinds: []string{"Deployment"}},
		{ID: "hpa-min-replicas", Summary: "HPA minimum", DefaultAction: policy.ActionDeny, Kinds: []string{"HorizontalPodAutoscaler"}},
	}
	web := []corev1.ObjectReference{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}}
	deployment := func(findings ...validators.Finding) report.Object {
		return report.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web", Findings: findings}
	}
	tooFew := validators.Finding{Rule: "min-replicas", Action: policy.ActionDeny, Field: "spec.replicas", Message: "runs 1 replica", Fix: "set spec.replicas: 2"}
	latest := func(container string) validators.Finding {
		return validators.Finding{
			Rule: "image-tag", Action: policy.ActionWarn, Container: container,
			Field: "spec.template.spec.containers[" + container + "].image", Message: "container " + container + " uses latest", Fix: "pin it",
		}
	}
	result := func(rule string, res openreportsv1alpha1.Result, message string, props map[string]string) openreportsv1alpha1.ReportResult {
		return openreportsv1alpha1.ReportResult{
			Source: "ballast", Policy: rule, Category: "Reliability", Timestamp: stamp, Result: res,
			Subjects: web, Description: message, Properties: props,
		}
	}
	enforce := map[string]string{"mode": "enforce"}
	tests := map[string]struct {
		ns          audit.Namespace
		spec        policy.Spec
		previous    []openreportsv1alpha1.ReportResult
		max         int
		wantSummary openreportsv1alpha1.ReportSummary
		want        []openreportsv1alpha1.ReportResult
	}{
		"a deny rule broken fails, a warn rule broken warns, one result per rule however many containers": {
			ns:          audit.Namespace{Mode: policy.ModeEnforce, Objects: []report.Object{deployment(tooFew, latest("a"), latest("b"))}},
			wantSummary: openreportsv1alpha1.ReportSummary{Fail: 1, Warn: 1},
			want: []openreportsv1alpha1.ReportResult{
				withSeverity(result("min-replicas", "fail", "runs 1 replica", map[string]string{
					"mode": "enforce", "action": "deny", "field": "spec.replicas", "fix": "set spec.replicas: 2",
				}), "high"),
				withSeverity(result("image-tag", "warn", "container a uses latest; container b uses latest", map[string]string{
					"mode": "enforce", "action": "warn", "field": "spec.template.spec.containers[a].image, spec.template.spec.containers[b].image", "fix": "pin it",
				}), "medium"),
			},
		},
		"a rule that is met passes, with its summary": {
			ns:          audit.Namespace{Mode: policy.ModeDryRun, Objects: []report.Object{deployment()}},
			wantSummary: openreportsv1alpha1.ReportSummary{Pass: 2},
			want: []openreportsv1alpha1.ReportResult{
				result("min-replicas", "pass", "at least the minimum replicas", map[string]string{"mode": "dryrun", "action": "deny"}),
				result("image-tag", "pass", "images pinned", map[string]string{"mode": "dryrun", "action": "warn"}),
			},
		},
		"an exempted rule is skipped, with the exemption; one off in the policy too": {
			ns: audit.Namespace{
				Mode:       policy.ModeEnforce,
				Exemptions: []report.Exemption{{Name: "legacy", Reason: "rewrite", Owner: "team-a", Rules: []string{"min-replicas"}, Expires: &until}},
				Objects:    []report.Object{deployment()},
			},
			spec:        policy.Spec{Rules: policy.Rules{ImageTag: policy.Rule{Action: policy.ActionOff}}},
			wantSummary: openreportsv1alpha1.ReportSummary{Skip: 2},
			want: []openreportsv1alpha1.ReportResult{
				result("min-replicas", "skip", "exempted by legacy: rewrite", map[string]string{
					"mode": "enforce", "exemption": "legacy", "exemptionReason": "rewrite", "exemptionOwner": "team-a", "exemptionExpires": "2099-01-01T00:00:00Z",
				}),
				result("image-tag", "skip", "rule image-tag is off in the policy", enforce),
			},
		},
		"an exemption of every rule skips them all": {
			ns: audit.Namespace{
				Mode:       policy.ModeEnforce,
				Exemptions: []report.Exemption{{Name: "all", Reason: "migration", Rules: []string{"*"}}},
				Objects:    []report.Object{deployment()},
			},
			wantSummary: openreportsv1alpha1.ReportSummary{Skip: 2},
			want: []openreportsv1alpha1.ReportResult{
				result("min-replicas", "skip", "exempted by all: migration", map[string]string{"mode": "enforce", "exemption": "all", "exemptionReason": "migration"}),
				result("image-tag", "skip", "exempted by all: migration", map[string]string{"mode": "enforce", "exemption": "all", "exemptionReason": "migration"}),
			},
		},
		"an expired exemption is named on the rule it no longer skips": {
			ns: audit.Namespace{
				Mode:              policy.ModeEnforce,
				ExpiredExemptions: []report.Exemption{{Name: "freeze", Reason: "migration", Rules: []string{"min-replicas"}, Expires: &until}},
				Objects:           []report.Object{deployment(tooFew)},
			},
			wantSummary: openreportsv1alpha1.ReportSummary{Fail: 1, Pass: 1},
			want: []openreportsv1alpha1.ReportResult{
				withSeverity(result("min-replicas", "fail", "runs 1 replica", map[string]string{
					"mode": "enforce", "action": "deny", "field": "spec.replicas", "fix": "set spec.replicas: 2",
					"expiredExemption": "freeze", "expiredExemptionExpires": "2099-01-01T00:00:00Z",
				}), "high"),
				result("image-tag", "pass", "images pinned", map[string]string{"mode": "enforce", "action": "warn"}),
			},
		},
		"an unchanged result keeps its time, a changed one is stamped now": {
			ns: audit.Namespace{Mode: policy.ModeEnforce, Objects: []report.Object{deployment()}},
			previous: []openreportsv1alpha1.ReportResult{
				{Policy: "min-replicas", Subjects: web, Result: "fail", Description: "runs 1 replica", Timestamp: earlier},
				{Policy: "image-tag", Subjects: web, Result: "pass", Description: "images pinned", Timestamp: earlier},
			},
			wantSummary: openreportsv1alpha1.ReportSummary{Pass: 2},
			want: []openreportsv1alpha1.ReportResult{
				result("min-replicas", "pass", "at least the minimum replicas", map[string]string{"mode": "enforce", "action": "deny"}),
				withTime(result("image-tag", "pass", "images pinned", map[string]string{"mode": "enforce", "action": "warn"}), earlier),
			},
		},
		"an object not evaluated has no results": {
			ns:   audit.Namespace{Mode: policy.ModeEnforce, Objects: []report.Object{{Kind: "Deployment", Name: "web", Skipped: "mode off"}}},
			want: nil,
		},
		"beyond the limit, pass results go first; the summary counts them all": {
			ns: audit.Namespace{Mode: policy.ModeEnforce, Objects: []report.Object{
				deployment(), deployment(latest("a")),
			}},
			max:         2,
			wantSummary: openreportsv1alpha1.ReportSummary{Pass: 3, Warn: 1},
			want: []openreportsv1alpha1.ReportResult{
				result("min-replicas", "pass", "at least the minimum replicas", map[string]string{"mode": "enforce", "action": "deny"}),
				withSeverity(result("image-tag", "warn", "container a uses latest", map[string]string{
					"mode": "enforce", "action": "warn", "field": "spec.template.spec.containers[a].image", "fix": "pin it",
				}), "medium"),
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			maxResults := tc.max
			if maxResults == 0 {
				maxResults = policyreport.DefaultMaxResults
			}
			summary, results := policyreport.Build(&tc.ns, &tc.spec, rules, now, tc.previous, maxResults)
			assert.Equal(t, tc.wantSummary, summary)
			assert.Equal(t, tc.want, results)
		})
	}
}

func withSeverity(r openreportsv1alpha1.ReportResult, s openreportsv1alpha1.ResultSeverity) openreportsv1alpha1.ReportResult {
	r.Severity = s
	return r
}

func withTime(r openreportsv1alpha1.ReportResult, ts metav1.Timestamp) openreportsv1alpha1.ReportResult {
	r.Timestamp = ts
	return r
}

func TestParseFormat(t *testing.T) {
	for _, f := range policyreport.Formats {
		got, err := policyreport.ParseFormat(string(f))
		require.NoError(t, err)
		assert.Equal(t, f, got)
	}
	_, err := policyreport.ParseFormat("policyreport")
	assert.EqualError(t, err, `policy report format "policyreport": must be one of auto, openreports, wgpolicyk8s, none`)
}
