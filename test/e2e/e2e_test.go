package e2e

import "testing"

// TestE2E runs every scenario against one control plane and one Ballast.
// The scenarios that leave the policy and the certificates alone run in
// parallel, each in namespaces of its own; the two that change them run
// after, one at a time.
func TestE2E(t *testing.T) {
	e := setUp(t)

	t.Run("concurrent", func(t *testing.T) {
		for _, s := range []struct {
			name string
			run  func(*testing.T, *env)
		}{
			{"enforce namespace: a Deployment breaking deny rules is denied, a compliant one admitted", testEnforce},
			{"warn namespace: the Deployment is admitted and the tenant gets the warnings", testWarn},
			{"dryrun namespace: admitted with would-warnings, its pods are not mutated", testDryRun},
			{"off namespace: left alone", testOff},
			{"exempted namespace: left alone", testExempt},
			{"expired exemption: no longer exempts", testExpired},
			{"an existing preStop hook is kept", testOwnPreStopKept},
			{"a mutated pod sent again comes back unchanged", testSecondPass},
			{"readiness probes go where a Service routes: on the port it targets, nowhere without one", testRoutes},
			{"the pods of a Job get no defaults", testJobPods},
			{"namespace labels: only namespace admins may change ballast.dev/ keys", testNamespaceGuard},
			{"namespace subresources: status and finalize cannot change ballast.dev/ keys either", testNamespaceSubresources},
			{"kubectl scale: the scale subresource is judged like spec.replicas", testScale},
			{"a ReplicaSet created directly is judged as a workload", testReplicaSets},
			{"an exemption scoped to one workload exempts it alone", testWorkloadExemption},
			{"a namespace profile's values judge its workloads, and the denial names it", testProfile},
			{"a PDB that allows no disruption is caught on the workload too, whatever the order", testPDBBothSides},
			{"server-side dry run: the same answer, nothing changed", testServerDryRun},
			{"enforce namespace: an HPA with minReplicas 1 and a PDB with maxUnavailable 0 are denied", testDisruptionRules},
		} {
			t.Run(s.name, func(t *testing.T) {
				t.Parallel()
				s.run(t, e)
			})
		}
	})
	t.Run("a policy file change applies without a restart, a broken one keeps the last good policy", func(t *testing.T) {
		testPolicyReload(t, e)
	})
	t.Run("the serving certificate is rotated while requests flow, and none fails", func(t *testing.T) {
		testCertRotation(t, e)
	})
	// Last: it stops Ballast.
	t.Run("with Ballast down the namespace guard fails closed, and deploys still go through", func(t *testing.T) {
		testGuardFailsClosed(t, e)
	})
}
