package validators

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestLivenessProbe(t *testing.T) {
	noProbe := func(c *corev1.Container) { c.LivenessProbe = nil }
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"containers with probes pass": {
			target: newTarget(deployment(containers(container("web"), container("worker", worker)))),
		},
		"no containers pass": {
			target: newTarget(deployment(containers())),
		},
		"a serving container without a probe fails with an httpGet fix": {
			target: newTarget(deployment(containers(container("web", noProbe)))),
			want: []Finding{{
				Rule:      policy.RuleLivenessProbe,
				Container: "web",
				Field:     "spec.template.spec.containers[0].livenessProbe",
				Message:   `container "web" has no livenessProbe`,
				Fix:       "add livenessProbe: {httpGet: {path: /livez, port: 8080}} that checks only the process",
			}},
		},
		"a worker without a probe fails with an exec fix": {
			target: newTarget(deployment(containers(container("web"), container("worker", worker, noProbe)))),
			want: []Finding{{
				Rule:      policy.RuleLivenessProbe,
				Container: "worker",
				Field:     "spec.template.spec.containers[1].livenessProbe",
				Message:   `container "worker" has no livenessProbe`,
				Fix:       "add a livenessProbe (exec or grpc) that fails only when the process is stuck",
			}},
		},
		"a container with only a metrics port gets an exec fix": {
			target: newTarget(deployment(containers(container("exporter", noProbe, func(c *corev1.Container) {
				c.Ports = []corev1.ContainerPort{{Name: "prometheus", ContainerPort: 9090}}
			})))),
			want: []Finding{{
				Rule:      policy.RuleLivenessProbe,
				Container: "exporter",
				Field:     "spec.template.spec.containers[0].livenessProbe",
				Message:   `container "exporter" has no livenessProbe`,
				Fix:       "add a livenessProbe (exec or grpc) that fails only when the process is stuck",
			}},
		},
		"init containers and native sidecars need no probe": {
			target: newTarget(deployment(initContainers(
				container("migrate", worker, noProbe),
				container("proxy", noProbe, sidecar),
			))),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkLivenessProbe(tc.target))
		})
	}
}
