package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

// gossipPort is the port on which the pods of testRoutes talk to each
// other, before their serving port: no Service routes to it.
const gossipPort = 7946

// testRoutes: the pods the ReplicaSet controller creates get a readiness
// probe only where a Service routes traffic to them: on the port the
// Service targets, here the container's second; and none when no Service
// selects them, which the tenant is told when it applies the Deployment.
func testRoutes(t *testing.T, e *env) {
	labels := modeLabel(policy.ModeEnforce)
	ns := e.namespace(t, "routes", labels, policy.ModeEnforce)

	t.Run("a Service targets the second port: the readiness probe is on that port", func(t *testing.T) {
		d := compliantDeployment(ns, "ring")
		c := &d.Spec.Template.Spec.Containers[0]
		c.Ports = []corev1.ContainerPort{
			{Name: "gossip", ContainerPort: gossipPort},
			{Name: "http", ContainerPort: servingPort},
		}
		svc := serviceFor(d)
		svc.Spec.Ports[0].TargetPort = intstr.FromInt32(servingPort) // by number
		e.expose(t, d, svc)

		ctx, got := warnings.Collect(t.Context())
		require.NoError(t, e.tenant.Create(ctx, d))
		assert.Equal(t, e.expectedDecision(t, d, labels).Warnings, got.List(), "the warnings are the engine's")
		assert.Contains(t, got.List(), "readiness-probe: pods get readinessProbe tcpSocket :8080 (web)")

		for _, pod := range e.podsOf(t, d) {
			assertDefaulted(t, &pod) // the probe on servingPort, not gossipPort
		}
	})

	t.Run("no Service selects the pods: no readiness probe, and the tenant is told why", func(t *testing.T) {
		// The Service of the first subtest selects other pods.
		d := compliantDeployment(ns, "worker")
		ctx, got := warnings.Collect(t.Context())
		require.NoError(t, e.tenant.Create(ctx, d))
		assert.Equal(t, e.expectedDecision(t, d, labels).Warnings, got.List(), "the warnings are the engine's")
		assert.Contains(t, got.List(), "readiness-probe: no Service routes to container web: readiness probe not injected")

		for _, pod := range e.podsOf(t, d) {
			assert.Equal(t, []string{"prestop-sleep/web", "termination-grace"}, injected(&pod),
				"pod %s: annotation %s", pod.Name, policy.InjectedAnnotation)
			assert.Nil(t, container(t, &pod, "web").ReadinessProbe, "pod %s: readinessProbe", pod.Name)
		}
	})
}
