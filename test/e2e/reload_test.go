package e2e

import (
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
)

// reloadExemption puts the reload scenario's namespaces in enforce.
const reloadExemption = `  - name: e2e-reload
    namespaces: ["reload-*"]
    mode: enforce
    reason: The end-to-end tests check that a policy change applies without a restart.
`

// brokenPolicy does not load: "enforcing" is not a mode.
const brokenPolicy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
spec:
  mode: enforcing
`

// testPolicyReload: a change of the policy file applies without a restart;
// a change that does not load keeps the last good policy in force, and
// the metrics say so until the file is fixed. It changes the policy, so it
// must not run beside other scenarios; it restores basePolicy at the end.
func testPolicyReload(t *testing.T, e *env) {
	ns := e.namespace(t, "reload", nil, policy.ModeWarn)
	// Whatever happens below, the scenarios after this one start from
	// basePolicy.
	t.Cleanup(func() { e.writePolicy(t, basePolicy) })
	require.Equal(t, 1.0, e.metric(t, "ballast_policy_last_reload_success", nil))

	t.Run("a change applies without a restart", func(t *testing.T) {
		before := e.metric(t, "ballast_policy_generation", nil)
		e.writePolicy(t, strings.Replace(basePolicy, "  exemptions:\n", "  exemptions:\n"+reloadExemption, 1))
		e.waitForMode(t, ns, policy.ModeEnforce)
		assert.NotEqual(t, before, e.metric(t, "ballast_policy_generation", nil), "the policy generation changes")
	})

	t.Run("a broken change keeps the last good policy", func(t *testing.T) {
		generation := e.metric(t, "ballast_policy_generation", nil)
		failures := e.metric(t, "ballast_policy_reload_total", map[string]string{"result": "failure"})
		e.writePolicy(t, brokenPolicy)

		require.Eventually(t, func() bool {
			return e.metric(t, "ballast_policy_reload_total", map[string]string{"result": "failure"}) > failures
		}, waitTimeout, pollInterval, "the failed reload is counted")
		assert.Equal(t, 0.0, e.metric(t, "ballast_policy_last_reload_success", nil), "the last reload failed")
		assert.Equal(t, generation, e.metric(t, "ballast_policy_generation", nil), "the generation in force is the last good one")

		mode, err := verdict.ModeOf(t.Context(), e.admin, ns)
		require.NoError(t, err)
		assert.Equal(t, policy.ModeEnforce, mode, "the last good policy stays in force")
		status, body := e.readyz(t.Context())
		assert.Equal(t, 200, status, "Ballast keeps serving the last good policy: %s", body)
	})

	t.Run("fixing the file clears the failure", func(t *testing.T) {
		e.writePolicy(t, basePolicy)
		e.waitForMode(t, ns, policy.ModeWarn)
		assert.Equal(t, 1.0, e.metric(t, "ballast_policy_last_reload_success", nil))
	})
}

// metric returns the value of the gauge or counter name whose labels
// include labels, from Ballast's metrics registry. It fails the test when
// there is no such series.
func (e *env) metric(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := e.metrics.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) {
				switch {
				case m.GetGauge() != nil:
					return m.GetGauge().GetValue()
				case m.GetCounter() != nil:
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	require.FailNow(t, "no such metric", "%s%v", name, labels)
	return 0
}

// hasLabels reports whether m has every label of want.
func hasLabels(m *dto.Metric, want map[string]string) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			found++
		}
	}
	return found == len(want)
}
