package webhook_test

import (
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/testutil/metricstest"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
	"github.com/ballast-dev/ballast/webhook"
)

// TestRegisterExportsEveryCounterAtZero scrapes the registry of freshly
// registered handlers, before any request: every series an alert or a
// rate is taken over exists, at 0, so that the first request counts. Then
// one denied request and one internal error move exactly the series that
// were exported.
func TestRegisterExportsEveryCounterAtZero(t *testing.T) {
	e := newEnv(t, options{})
	lbl := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	zero := func(name string, labels map[string]string) {
		t.Helper()
		v, ok := metricstest.Value(t, e.reg, name, labels)
		if assert.True(t, ok, "no series %s%v before the first request", name, labels) {
			assert.Zero(t, v, "%s%v", name, labels)
		}
	}

	paths := []string{webhook.MutatePodsPath, webhook.ValidateWorkloadsPath, webhook.ValidateNamespacesPath}
	for _, p := range paths {
		zero("ballast_internal_errors_total", lbl("path", p))
		for _, reason := range []string{metrics.RefusedTooLarge, metrics.RefusedTooManyContainers, metrics.RefusedBusy} {
			zero("ballast_reviews_refused_total", lbl("path", p, "reason", reason))
		}
	}

	// What each resource is sent, by the webhook configurations of the chart.
	ops := map[string][]string{
		"pods": {"CREATE"}, "deployments": {"CREATE", "UPDATE"}, "statefulsets": {"CREATE", "UPDATE"},
		"daemonsets": {"CREATE", "UPDATE"}, "replicasets": {"CREATE", "UPDATE"}, "replicationcontrollers": {"CREATE", "UPDATE"},
		"horizontalpodautoscalers": {"CREATE", "UPDATE"}, "poddisruptionbudgets": {"CREATE", "UPDATE"},
		"scale": {"UPDATE"}, "namespaces": {"CREATE", "UPDATE"},
	}
	for resource, operations := range ops {
		for _, op := range operations {
			zero("ballast_admission_decisions_total", lbl("resource", resource, "operation", op, "decision", "error", "mode", metrics.NoMode))
			zero("ballast_admission_decisions_total", lbl("resource", resource, "operation", op, "decision", "invalid", "mode", metrics.NoMode))
		}
	}
	for _, resource := range []string{"deployments", "statefulsets", "replicasets", "replicationcontrollers", "horizontalpodautoscalers", "poddisruptionbudgets"} {
		zero("ballast_admission_decisions_total", lbl("resource", resource, "operation", "CREATE", "decision", "denied", "mode", "enforce"))
		zero("ballast_admission_decisions_total", lbl("resource", resource, "operation", "UPDATE", "decision", "would-deny", "mode", "dryrun"))
	}
	zero("ballast_admission_decisions_total", lbl("resource", "namespaces", "operation", "UPDATE", "decision", "denied", "mode", metrics.NoMode))

	for _, rule := range validators.Default() {
		for _, kind := range rule.Kinds {
			k, ok := workload.Named(kind)
			require.True(t, ok, kind)
			for _, action := range []string{"deny", "warn"} {
				for _, mode := range []string{"enforce", "warn", "dryrun"} {
					zero("ballast_rule_findings_total", lbl("resource", k.Resource, "rule", rule.ID, "action", action, "mode", mode))
				}
			}
		}
	}
	for _, m := range mutators.Default() {
		for _, mode := range []string{"enforce", "warn", "dryrun"} {
			zero("ballast_mutations_total", lbl("rule", m.RuleID(), "mutator", m.ID(), "mode", mode))
		}
	}

	// Nothing has counted yet: every series of every Ballast counter is 0.
	families, err := e.reg.Gather()
	require.NoError(t, err)
	counted := 0
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if c := m.GetCounter(); c != nil {
				counted++
				assert.Zero(t, c.GetValue(), "%s %v", f.GetName(), m.GetLabel())
			}
		}
	}
	assert.Positive(t, counted)

	// The first denial and the first internal error count on the series
	// exported at 0, not on new ones.
	resp := e.review(t, webhook.ValidateWorkloadsPath,
		request(t, admissionv1.Create, deploymentGVK, "deployments", nsEnforce, legacyDeployment(nsEnforce), nil))
	require.False(t, resp.Allowed)
	assert.Equal(t, 1.0, e.counter(t, "ballast_admission_decisions_total", lbl("resource", "deployments", "operation", "CREATE", "decision", "denied", "mode", "enforce")))
	assert.Equal(t, 1.0, e.counter(t, "ballast_rule_findings_total", lbl("resource", "deployments", "rule", "min-replicas", "action", "deny", "mode", "enforce")))
	after, err := e.reg.Gather()
	require.NoError(t, err)
	assert.Equal(t, seriesCount(families), seriesCount(after), "the request added no series")
}

// seriesCount counts the series of families.
func seriesCount(families []*dto.MetricFamily) int {
	n := 0
	for _, f := range families {
		n += len(f.GetMetric())
	}
	return n
}
