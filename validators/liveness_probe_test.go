package validators

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestLivenessProbe(t *testing.T) {
	noProbe := func(c *corev1.Container) { c.LivenessProbe = nil }
	ports := func(ps ...corev1.ContainerPort) func(*corev1.Container) {
		return func(c *corev1.Container) { c.Ports = ps }
	}
	finding := func(container, fix string) Finding {
		return Finding{
			Rule:      policy.RuleLivenessProbe,
			Container: container,
			Field:     "spec.template.spec.containers[0].livenessProbe",
			Message:   `container "` + container + `" has no livenessProbe`,
			Fix:       fix,
		}
	}
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
		"the port a Service routes to, not the first serving port": {
			target: newTarget(deployment(containers(container("gateway", noProbe, ports(
				corev1.ContainerPort{Name: "gossip", ContainerPort: 7946},
				corev1.ContainerPort{Name: "http", ContainerPort: 8080},
			)))), service("gateway")),
			want: []Finding{finding("gateway", "add livenessProbe: {httpGet: {path: /livez, port: 8080}} that checks only the process")},
		},
		"a port named http gets an httpGet fix": {
			target: newTarget(deployment(containers(container("web", noProbe)))),
			want:   []Finding{finding("web", "add livenessProbe: {httpGet: {path: /livez, port: 8080}} that checks only the process")},
		},
		"a port named for https gets an httpGet fix": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{Name: "web-https", ContainerPort: 8443},
			))))),
			want: []Finding{finding("web", "add livenessProbe: {httpGet: {path: /livez, port: 8443}} that checks only the process")},
		},
		"a port of another protocol gets a tcpSocket fix": {
			target: newTarget(deployment(containers(container("db", noProbe, ports(
				corev1.ContainerPort{Name: "postgres", ContainerPort: 5432},
			))))),
			want: []Finding{finding("db", "add livenessProbe: {tcpSocket: {port: 5432}} that checks only the process")},
		},
		"an unnamed port gets a tcpSocket fix": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{ContainerPort: 8080},
			)))), service("web", servicePorts(corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8080)}))),
			want: []Finding{finding("web", "add livenessProbe: {tcpSocket: {port: 8080}} that checks only the process")},
		},
		"a Service appProtocol of http gets an httpGet fix": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{Name: "api", ContainerPort: 8080},
			)))), service("web", servicePorts(
				corev1.ServicePort{Name: "api", Port: 80, TargetPort: intstr.FromString("api"), AppProtocol: ptr.To("http")},
			))),
			want: []Finding{finding("web", "add livenessProbe: {httpGet: {path: /livez, port: 8080}} that checks only the process")},
		},
		"an appProtocol speaks only for the port its Service targets": {
			target: newTarget(deployment(containers(
				container("web", noProbe, ports(corev1.ContainerPort{Name: "api", ContainerPort: 8080})),
				container("ui", ports(corev1.ContainerPort{Name: "ui", ContainerPort: 8081})),
			)), service("web-ui", servicePorts(
				corev1.ServicePort{Name: "ui", Port: 80, TargetPort: intstr.FromString("ui"), AppProtocol: ptr.To("http")},
			))),
			want: []Finding{finding("web", "add livenessProbe: {tcpSocket: {port: 8080}} that checks only the process")},
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
