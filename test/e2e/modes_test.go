package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

// testEnforce: in an enforce namespace the Deployment every tenant writes
// first is denied, with a message that lists every violation with its fix,
// and a compliant one is admitted and its pods get the defaults.
func testEnforce(t *testing.T, e *env) {
	labels := modeLabel(policy.ModeEnforce)
	ns := e.namespace(t, "enforce", labels, policy.ModeEnforce)

	t.Run("a Deployment with 1 replica and no probes is denied, naming every rule and its fix", func(t *testing.T) {
		bad := badDeployment(ns, "checkout")
		want := e.expectedDecision(t, bad, labels)
		require.False(t, want.Allowed, "the engine denies it")

		err := e.tenant.Create(t.Context(), bad)
		require.Error(t, err)
		assert.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
		assert.Contains(t, err.Error(), want.DenyMessage, "the message is the engine's")
		for _, rule := range []string{"min-replicas", "resource-requests"} {
			assert.Regexp(t, "\n- "+rule+": .*Fix: ", err.Error(), "the message names %s with its fix", rule)
		}
	})

	t.Run("a compliant Deployment is admitted and its pods get the defaults", func(t *testing.T) {
		d := compliantDeployment(ns, "cart")
		e.expose(t, d, serviceFor(d))
		ctx, got := warnings.Collect(t.Context())
		require.NoError(t, e.tenant.Create(ctx, d))
		assert.Equal(t, e.expectedDecision(t, d, labels).Warnings, got.List(), "the warnings are the engine's")

		for _, pod := range e.podsOf(t, d) {
			assertDefaulted(t, &pod)
		}
	})
}

// testWarn: in a warn namespace the same Deployment is admitted, the
// tenant reads every violation and what its pods will receive as
// warnings, and its pods get the defaults.
func testWarn(t *testing.T, e *env) {
	labels := modeLabel(policy.ModeWarn)
	ns := e.namespace(t, "warn", labels, policy.ModeWarn)
	d := badDeployment(ns, "checkout")
	e.expose(t, d, serviceFor(d))

	ctx, got := warnings.Collect(t.Context())
	require.NoError(t, e.tenant.Create(ctx, d))

	ws := got.List()
	assert.Equal(t, e.expectedDecision(t, d, labels).Warnings, ws, "the warnings are the engine's")
	for _, prefix := range []string{"min-replicas: ", "resource-requests: ", "prestop-hook: pods get ", "readiness-probe: pods get "} {
		assert.True(t, hasPrefix(ws, prefix), "a warning starts with %q: %q", prefix, ws)
	}
	for _, w := range ws {
		assert.LessOrEqual(t, len(w), 240, "a warning the API server keeps whole: %q", w)
	}

	for _, pod := range e.podsOf(t, d) {
		assertDefaulted(t, &pod)
	}
}

// testDryRun: in a dryrun namespace the Deployment is admitted with "would"
// warnings, and the pods the ReplicaSet controller creates are left as
// they are.
func testDryRun(t *testing.T, e *env) {
	labels := modeLabel(policy.ModeDryRun)
	ns := e.namespace(t, "dryrun", labels, policy.ModeDryRun)
	d := badDeployment(ns, "checkout")
	e.expose(t, d, serviceFor(d))

	ctx, got := warnings.Collect(t.Context())
	require.NoError(t, e.tenant.Create(ctx, d))

	ws := got.List()
	assert.Equal(t, e.expectedDecision(t, d, labels).Warnings, ws, "the warnings are the engine's")
	assert.True(t, hasPrefix(ws, "min-replicas (would deny): "), "would deny: %q", ws)
	assert.True(t, hasPrefix(ws, "prestop-hook: would set "), "would set: %q", ws)
	assert.True(t, hasPrefix(ws, "readiness-probe: would set "), "would set: %q", ws)

	for _, pod := range e.podsOf(t, d) {
		assertUntouched(t, &pod)
	}
}

// testOff: a namespace labelled off is not even sent to Ballast (the
// webhook configurations exclude it): no answer, no warning, no default.
func testOff(t *testing.T, e *env) {
	ns := e.namespace(t, "off", modeLabel(policy.ModeOff), policy.ModeOff)
	assertLeftAlone(t, e, ns)
}

// testExempt: a namespace under a central exemption of every rule behaves
// as off.
func testExempt(t *testing.T, e *env) {
	ns := e.namespace(t, "exempt", nil, policy.ModeOff)
	assertLeftAlone(t, e, ns)
}

// testExpired: an expired exemption no longer exempts: the namespace is in
// the policy's default mode, warn, and the tenant is told the exemption
// has expired.
func testExpired(t *testing.T, e *env) {
	ns := e.namespace(t, "expired", nil, policy.ModeWarn)
	d := badDeployment(ns, "checkout")
	e.expose(t, d, serviceFor(d))

	ctx, got := warnings.Collect(t.Context())
	require.NoError(t, e.tenant.Create(ctx, d))
	assert.Contains(t, got.List(), "exemption e2e-expired has expired and no longer applies (since 2020-01-01)")
	assert.True(t, hasPrefix(got.List(), "min-replicas: "), "the rules apply: %q", got.List())

	for _, pod := range e.podsOf(t, d) {
		assertDefaulted(t, &pod)
	}
}

// assertLeftAlone checks that a Deployment in ns, behind its Service, is
// admitted without a word and that its pods get nothing.
func assertLeftAlone(t *testing.T, e *env, ns string) {
	t.Helper()
	d := badDeployment(ns, "checkout")
	// Ballast says nothing here, so nothing tells when it has seen the
	// Service; it would change nothing anyway.
	require.NoError(t, e.tenant.Create(t.Context(), serviceFor(d)))
	ctx, got := warnings.Collect(t.Context())
	require.NoError(t, e.tenant.Create(ctx, d))
	assert.Empty(t, got.List(), "warnings")
	for _, pod := range e.podsOf(t, d) {
		assertUntouched(t, &pod)
	}
}

// hasPrefix reports whether one of ws starts with prefix.
func hasPrefix(ws []string, prefix string) bool {
	for _, w := range ws {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}
