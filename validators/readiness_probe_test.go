package validators

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

func TestReadinessProbe(t *testing.T) {
	noProbe := func(c *corev1.Container) { c.ReadinessProbe = nil }
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"a serving container with a probe passes": {
			target: newTarget(deployment()),
		},
		"no containers pass": {
			target: newTarget(deployment(containers())),
		},
		"a serving container without a probe fails": {
			target: newTarget(deployment(containers(container("web", noProbe)))),
			want: []Finding{{
				Rule:      policy.RuleReadinessProbe,
				Container: "web",
				Field:     "spec.template.spec.containers[0].readinessProbe",
				Message:   `container "web" serves port 8080 but has no readinessProbe`,
				Fix:       "add readinessProbe: {httpGet: {path: /healthz, port: 8080}} or tcpSocket on port 8080",
			}},
		},
		"each container without a probe fails on its own": {
			target: newTarget(deployment(containers(
				container("web", noProbe),
				container("api"),
				container("grpc", noProbe, func(c *corev1.Container) {
					c.Ports = []corev1.ContainerPort{{Name: "grpc", ContainerPort: 9000}}
				}),
			))),
			want: []Finding{{
				Rule:      policy.RuleReadinessProbe,
				Container: "web",
				Field:     "spec.template.spec.containers[0].readinessProbe",
				Message:   `container "web" serves port 8080 but has no readinessProbe`,
				Fix:       "add readinessProbe: {httpGet: {path: /healthz, port: 8080}} or tcpSocket on port 8080",
			}, {
				Rule:      policy.RuleReadinessProbe,
				Container: "grpc",
				Field:     "spec.template.spec.containers[2].readinessProbe",
				Message:   `container "grpc" serves port 9000 but has no readinessProbe`,
				Fix:       "add readinessProbe: {httpGet: {path: /healthz, port: 9000}} or tcpSocket on port 9000",
			}},
		},
		"a container without ports serves no traffic": {
			target: newTarget(deployment(containers(container("worker", worker)))),
		},
		"a container with only a metrics port serves no traffic": {
			target: newTarget(deployment(containers(container("exporter", noProbe, func(c *corev1.Container) {
				c.Ports = []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090}, {Name: "http-metrics", ContainerPort: 9091}}
			})))),
		},
		"a serving port after a metrics port is the one named": {
			target: newTarget(deployment(containers(container("web", noProbe, func(c *corev1.Container) {
				c.Ports = []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090}, {Name: "http", ContainerPort: 8081}}
			})))),
			want: []Finding{{
				Rule:      policy.RuleReadinessProbe,
				Container: "web",
				Field:     "spec.template.spec.containers[0].readinessProbe",
				Message:   `container "web" serves port 8081 but has no readinessProbe`,
				Fix:       "add readinessProbe: {httpGet: {path: /healthz, port: 8081}} or tcpSocket on port 8081",
			}},
		},
		"a UDP port serves no traffic that a probe could check": {
			target: newTarget(deployment(containers(container("dns", noProbe, func(c *corev1.Container) {
				c.Ports = []corev1.ContainerPort{{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}}
			})))),
		},
		"init containers and native sidecars need no probe": {
			target: newTarget(deployment(initContainers(
				container("migrate", worker, func(c *corev1.Container) { c.LivenessProbe = nil }),
				container("proxy", noProbe, sidecar),
			))),
		},
		"a DaemonSet is judged too": {
			target: newTarget(daemonSet(func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil })),
			want: []Finding{{
				Rule:      policy.RuleReadinessProbe,
				Container: "web",
				Field:     "spec.template.spec.containers[0].readinessProbe",
				Message:   `container "web" serves port 8080 but has no readinessProbe`,
				Fix:       "add readinessProbe: {httpGet: {path: /healthz, port: 8080}} or tcpSocket on port 8080",
			}},
		},
		"an HPA has no containers": {
			target: newTarget(hpa("web", workload.KindDeployment, "web", nil, 3)),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkReadinessProbe(tc.target))
		})
	}
}
