package validators

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

func TestReadinessProbe(t *testing.T) {
	noProbe := func(c *corev1.Container) { c.ReadinessProbe = nil }
	ports := func(ps ...corev1.ContainerPort) func(*corev1.Container) {
		return func(c *corev1.Container) { c.Ports = ps }
	}
	annotate := func(key, value string) func(*appsv1.Deployment) {
		return func(d *appsv1.Deployment) { d.Spec.Template.Annotations = map[string]string{key: value} }
	}
	// peers is the headless Service of a StatefulSet's peer discovery: it
	// publishes the pods' addresses before they are ready, so that they
	// can find each other while they bootstrap.
	peers := service("web-peers", func(s *corev1.Service) {
		s.Spec.ClusterIP = corev1.ClusterIPNone
		s.Spec.PublishNotReadyAddresses = true
	})
	finding := func(container, field, message, fix string) Finding {
		return Finding{Rule: policy.RuleReadinessProbe, Container: container, Field: field, Message: message, Fix: fix}
	}
	const (
		field0 = "spec.template.spec.containers[0].readinessProbe"
		web    = `container "web" serves port 8080 but has no readinessProbe`
		webFix = "add readinessProbe: {httpGet: {path: /healthz, port: 8080}}"
	)
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"a container a Service routes to passes with a probe": {
			target: newTarget(deployment(), service("web")),
		},
		"no containers pass": {
			target: newTarget(deployment(containers()), service("web")),
		},
		"a container a Service routes to fails without a probe": {
			target: newTarget(deployment(containers(container("web", noProbe))), service("web")),
			want:   []Finding{finding("web", field0, web, webFix)},
		},
		"a serving container no Service routes to needs no probe": {
			target: newTarget(deployment(containers(container("web", noProbe)))),
		},
		"each container without a probe fails on its own": {
			target: newTarget(deployment(containers(
				container("web", noProbe),
				container("api"),
				container("grpc", noProbe, ports(corev1.ContainerPort{Name: "grpc", ContainerPort: 9000})),
			)), service("web", servicePorts(
				corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")},
				corev1.ServicePort{Name: "grpc", Port: 9000, TargetPort: intstr.FromString("grpc")},
			))),
			want: []Finding{
				finding("web", field0, web, webFix),
				finding("grpc", "spec.template.spec.containers[2].readinessProbe",
					`container "grpc" serves port 9000 but has no readinessProbe`,
					"add readinessProbe: {tcpSocket: {port: 9000}}"),
			},
		},
		"a container without ports receives no traffic": {
			target: newTarget(deployment(containers(container("worker", worker))), service("web")),
		},
		"a Service of metrics ports routes no traffic": {
			target: newTarget(deployment(containers(container("exporter", noProbe, ports(
				corev1.ContainerPort{Name: "metrics", ContainerPort: 9090},
				corev1.ContainerPort{Name: "http-metrics", ContainerPort: 9091},
			)))), service("web-metrics", servicePorts(
				corev1.ServicePort{Name: "metrics", Port: 9090, TargetPort: intstr.FromString("metrics")},
				corev1.ServicePort{Name: "http-metrics", Port: 9091, TargetPort: intstr.FromInt32(9091)},
			))),
		},
		"a routed port after a metrics port is the one named": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{Name: "metrics", ContainerPort: 9090},
				corev1.ContainerPort{Name: "http", ContainerPort: 8081},
			)))), service("web")),
			want: []Finding{finding("web", field0,
				`container "web" serves port 8081 but has no readinessProbe`,
				"add readinessProbe: {httpGet: {path: /healthz, port: 8081}}")},
		},
		"the port a Service targets is the one named, not the first": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{Name: "http", ContainerPort: 8080},
				corev1.ContainerPort{Name: "grpc", ContainerPort: 9090},
			)))), service("web-grpc", servicePorts(
				corev1.ServicePort{Name: "grpc", Port: 9090, TargetPort: intstr.FromString("grpc")},
			))),
			want: []Finding{finding("web", field0,
				`container "web" serves port 9090 but has no readinessProbe`,
				"add readinessProbe: {tcpSocket: {port: 9090}}")},
		},
		"a Service targets a port by number": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{ContainerPort: 8080},
			)))), service("web", servicePorts(corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8080)}))),
			want: []Finding{finding("web", field0, web, "add readinessProbe: {tcpSocket: {port: 8080}}")},
		},
		"a Service port without targetPort targets its own number": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{Name: "api", ContainerPort: 8080},
			)))), service("web", servicePorts(corev1.ServicePort{Name: "api", Port: 8080}))),
			want: []Finding{finding("web", field0, web, "add readinessProbe: {tcpSocket: {port: 8080}}")},
		},
		"a Service port of another number routes nothing": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{Name: "api", ContainerPort: 8080},
			)))), service("web", servicePorts(corev1.ServicePort{Name: "api", Port: 80}))),
		},
		"a Service appProtocol of http makes the fix httpGet": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{Name: "api", ContainerPort: 8080},
			)))), service("web", servicePorts(
				corev1.ServicePort{Name: "api", Port: 80, TargetPort: intstr.FromString("api"), AppProtocol: ptr.To("http")},
			))),
			want: []Finding{finding("web", field0, web, webFix)},
		},
		"a port named for https makes the fix httpGet": {
			target: newTarget(deployment(containers(container("web", noProbe, ports(
				corev1.ContainerPort{Name: "web-https", ContainerPort: 8443},
			)))), service("web", servicePorts(
				corev1.ServicePort{Name: "https", Port: 443, TargetPort: intstr.FromString("web-https")},
			))),
			want: []Finding{finding("web", field0,
				`container "web" serves port 8443 but has no readinessProbe`,
				"add readinessProbe: {httpGet: {path: /healthz, port: 8443}}")},
		},
		"a UDP port receives no traffic that a probe could check": {
			target: newTarget(deployment(containers(container("dns", noProbe, ports(
				corev1.ContainerPort{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
			)))), service("dns", servicePorts(
				corev1.ServicePort{Name: "dns", Port: 53, TargetPort: intstr.FromString("dns"), Protocol: corev1.ProtocolUDP},
			))),
		},
		"a UDP Service port does not route to a TCP container port": {
			target: newTarget(deployment(containers(container("web", noProbe))), service("web", servicePorts(
				corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolUDP},
			))),
		},
		"a Service that selects other pods routes nothing here": {
			target: newTarget(deployment(containers(container("web", noProbe))), service("api", func(s *corev1.Service) {
				s.Spec.Selector = map[string]string{"app": "api"}
			})),
		},
		"a Service must select every label it names": {
			target: newTarget(deployment(containers(container("web", noProbe))), service("web-backend", func(s *corev1.Service) {
				s.Spec.Selector = map[string]string{"app": "web", "tier": "backend"}
			})),
		},
		"a Service of another namespace routes nothing here": {
			target: newTarget(deployment(containers(container("web", noProbe))), service("web", func(s *corev1.Service) {
				s.Namespace = "other"
			})),
		},
		"a Service without a selector routes to endpoints Ballast cannot see": {
			target: newTarget(deployment(containers(container("web", noProbe))), service("web", func(s *corev1.Service) {
				s.Spec.Selector = nil
			})),
		},
		"an ExternalName Service routes nothing": {
			target: newTarget(deployment(containers(container("web", noProbe))), service("web", func(s *corev1.Service) {
				s.Spec.Type, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "web.example.com"
			})),
		},
		"a peer-discovery Service holds no traffic back": {
			target: newTarget(statefulSet(func(s *appsv1.StatefulSet) {
				s.Spec.ServiceName = peers.Name
				s.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
			}), peers),
		},
		"a client Service beside a peer-discovery Service asks for a probe": {
			target: newTarget(statefulSet(func(s *appsv1.StatefulSet) {
				s.Spec.ServiceName = peers.Name
				s.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
			}), peers, service("web")),
			want: []Finding{finding("web", field0, web, webFix)},
		},
		"pods on the host network are not checked": {
			target: newTarget(deployment(containers(container("web", noProbe)), pod(func(s *corev1.PodSpec) {
				s.HostNetwork = true
			})), service("web")),
		},
		"a workload that names a readiness path asks for a probe without a Service": {
			target: newTarget(deployment(containers(container("web", noProbe)), annotate(policy.ReadinessPathAnnotation, "/ready"))),
			want:   []Finding{finding("web", field0, web, webFix)},
		},
		"a readiness path named for another container asks nothing of this one": {
			target: newTarget(deployment(containers(container("web", noProbe)), annotate(policy.ReadinessPathAnnotation+".api", "/ready"))),
		},
		"a readiness path asks nothing of a container that serves no traffic": {
			target: newTarget(deployment(containers(container("worker", worker)), annotate(policy.ReadinessPathAnnotation, "/ready"))),
		},
		"init containers and native sidecars need no probe": {
			target: newTarget(deployment(initContainers(
				container("migrate", worker, func(c *corev1.Container) { c.LivenessProbe = nil }),
				container("proxy", noProbe, sidecar),
			)), service("web")),
		},
		"a DaemonSet is judged too": {
			target: newTarget(daemonSet(func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil }), service("web")),
			want:   []Finding{finding("web", field0, web, webFix)},
		},
		"an HPA has no containers": {
			target: newTarget(hpa("web", workload.KindDeployment, "web", nil, 3)),
		},
		"fixture fail-named-port-second-container: the routed gRPC port": {
			target: loadFixture(t, "testdata/readiness-probe/fail-named-port-second-container.yaml"),
			want: []Finding{finding("grpc-gateway", "spec.template.spec.containers[1].readinessProbe",
				`container "grpc-gateway" serves port 9000 but has no readinessProbe`,
				"add readinessProbe: {tcpSocket: {port: 9000}}")},
		},
		"fixture fail-service-second-port: the second port, which the Service targets": {
			target: loadFixture(t, "testdata/readiness-probe/fail-service-second-port.yaml"),
			want: []Finding{finding("ledger", field0,
				`container "ledger" serves port 9090 but has no readinessProbe`,
				"add readinessProbe: {tcpSocket: {port: 9090}}")},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkReadinessProbe(tc.target))
		})
	}
}
