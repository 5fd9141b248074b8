package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

// testWorkloadExemption: an exemption scoped to Deployment worker lets it
// run one replica in an enforce namespace; another Deployment of one
// replica there is still denied.
func testWorkloadExemption(t *testing.T, e *env) {
	labels := modeLabel(policy.ModeEnforce)
	ns := e.namespace(t, "grain", labels, policy.ModeEnforce)
	worker := compliantDeployment(ns, "worker")
	worker.Spec.Replicas = new(int32(1))
	require.NoError(t, e.tenant.Create(t.Context(), worker), "the exemption covers worker's one replica")

	cron := compliantDeployment(ns, "cron")
	cron.Spec.Replicas = new(int32(1))
	err := e.tenant.Create(t.Context(), cron)
	require.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
	assert.Contains(t, err.Error(), e.expectedDecision(t, cron, labels).DenyMessage)
	assert.Contains(t, err.Error(), "min-replicas: runs 1 replica", "the exemption names worker alone")
}

// testProfile: a namespace of profile e2e-critical is judged by its
// values (three replicas at least, a 20 s preStop sleep), and the denial
// names the profile.
func testProfile(t *testing.T, e *env) {
	labels := modeLabel(policy.ModeEnforce)
	ns := e.namespace(t, "critical", labels, policy.ModeEnforce)
	d := compliantDeployment(ns, "checkout") // 2 replicas
	err := e.tenant.Create(t.Context(), d.DeepCopy())
	require.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
	assert.Contains(t, err.Error(), "profile e2e-critical) denies Deployment "+ns+"/checkout")
	assert.Contains(t, err.Error(), "below the minimum of 3")
	assert.Contains(t, err.Error(), e.expectedDecision(t, d, labels).DenyMessage)

	d.Spec.Replicas = new(int32(3))
	ctx, got := warnings.Collect(t.Context())
	require.NoError(t, e.tenant.Create(ctx, d))
	assert.True(t, hasPrefix(got.List(), "prestop-hook: pods get preStop sleep 20s"), "the profile's sleep: %v", got.List())
}
