package mutators

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestReadinessProbe(t *testing.T) {
	m := ReadinessProbe{}
	app := container("app", namedPort("metrics", 9090), namedPort("http", 8080))
	api := container("api", port(9000))
	worker := container("worker")
	exporter := container("exporter", namedPort("metrics", 9100), namedPort("debug", 6060))
	tcp := func(port int32) *corev1.Probe { return probe(tcpHandler(port), 0, 10, 1, 3) }
	http := func(path string, port int32) *corev1.Probe {
		return probe(httpHandler(corev1.URISchemeHTTP, path, port), 0, 10, 1, 3)
	}
	const (
		appProbe = "/spec/containers/0/readinessProbe"
		apiProbe = "/spec/containers/1/readinessProbe"
	)
	// pod returns a spec of app and api, with a readiness probe for each
	// one given.
	pod := func(appProbe, apiProbe *corev1.Probe) corev1.PodSpec {
		return corev1.PodSpec{Containers: []corev1.Container{withReadiness(app, appProbe), withReadiness(api, apiProbe)}}
	}

	note := func(container, message string) Note {
		return Note{Rule: m.RuleID(), Mutator: m.ID(), Container: container, Message: message}
	}
	peer := container("etcd", namedPort("client", 2379), namedPort("peer", 2380))
	byName := func(name string) corev1.ServicePort {
		return corev1.ServicePort{Name: name, Port: 80, TargetPort: intstr.FromString(name)}
	}
	byNumber := func(n int32) corev1.ServicePort { return corev1.ServicePort{Port: n} }

	cases := map[string]mutatorCase{
		"a pod without containers gets nothing": {},
		"no Service: no probe, and the note says why": {
			spec:     corev1.PodSpec{Containers: []corev1.Container{app, worker}},
			services: []*corev1.Service{},
			want:     corev1.PodSpec{Containers: []corev1.Container{app, worker}},
			notes:    []Note{note("app", "no Service routes to container app: readiness probe not injected")},
		},
		"a Service of another app routes nothing here": {
			spec: corev1.PodSpec{Containers: []corev1.Container{api}},
			services: []*corev1.Service{func() *corev1.Service {
				s := service("other", false, byNumber(9000))
				s.Spec.Selector = map[string]string{"app": "other"}
				return s
			}()},
			want:  corev1.PodSpec{Containers: []corev1.Container{api}},
			notes: []Note{note("api", "no Service routes to container api: readiness probe not injected")},
		},
		"a Service without a selector routes nothing Ballast can see": {
			spec: corev1.PodSpec{Containers: []corev1.Container{api}},
			services: []*corev1.Service{func() *corev1.Service {
				s := service("manual", false, byNumber(9000))
				s.Spec.Selector = nil
				return s
			}()},
			want:  corev1.PodSpec{Containers: []corev1.Container{api}},
			notes: []Note{note("api", "no Service routes to container api: readiness probe not injected")},
		},
		"the probe goes on the port the Service targets, by name, not on the first port": {
			spec:     corev1.PodSpec{Containers: []corev1.Container{peer}},
			services: []*corev1.Service{service("etcd-client", false, byName("client"))},
			want:     corev1.PodSpec{Containers: []corev1.Container{withReadiness(peer, tcp(2379))}},
			changes:  []Change{change(m, "etcd", appProbe, "readinessProbe tcpSocket :2379", tcp(2379))},
		},
		"a targetPort by number, or the Service port itself when unset": {
			spec:     corev1.PodSpec{Containers: []corev1.Container{peer}},
			services: []*corev1.Service{service("etcd", false, byNumber(2380))},
			want:     corev1.PodSpec{Containers: []corev1.Container{withReadiness(peer, tcp(2380))}},
			changes:  []Change{change(m, "etcd", appProbe, "readinessProbe tcpSocket :2380", tcp(2380))},
		},
		"peer discovery: a Service that publishes not-ready addresses holds no traffic back": {
			spec:     corev1.PodSpec{Containers: []corev1.Container{peer}},
			services: []*corev1.Service{service("etcd-peers", true, byName("peer"), byName("client"))},
			want:     corev1.PodSpec{Containers: []corev1.Container{peer}},
			notes: []Note{note("etcd", "every Service that routes to container etcd publishes not-ready addresses (peer discovery): "+
				"readiness probe not injected")},
		},
		"a headless peer Service beside a client Service: the probe follows the client Service": {
			spec:     corev1.PodSpec{Containers: []corev1.Container{peer}},
			services: []*corev1.Service{service("etcd-peers", true, byName("peer")), service("etcd-client", false, byName("client"))},
			want:     corev1.PodSpec{Containers: []corev1.Container{withReadiness(peer, tcp(2379))}},
			changes:  []Change{change(m, "etcd", appProbe, "readinessProbe tcpSocket :2379", tcp(2379))},
		},
		"a Service of the metrics port alone routes no traffic": {
			spec:     corev1.PodSpec{Containers: []corev1.Container{app}},
			services: []*corev1.Service{service("app-metrics", false, byName("metrics"))},
			want:     corev1.PodSpec{Containers: []corev1.Container{app}},
			notes:    []Note{note("app", "no Service routes to container app: readiness probe not injected")},
		},
		"a UDP Service port does not route to a TCP port": {
			spec: corev1.PodSpec{Containers: []corev1.Container{api}},
			services: []*corev1.Service{service("dns", false, corev1.ServicePort{
				Port: 9000, Protocol: corev1.ProtocolUDP,
			})},
			want:  corev1.PodSpec{Containers: []corev1.Container{api}},
			notes: []Note{note("api", "no Service routes to container api: readiness probe not injected")},
		},
		"a workload that names a readiness path asks for a probe, with or without a Service": {
			annotations: map[string]string{policy.ReadinessPathAnnotation: "/ready"},
			spec:        corev1.PodSpec{Containers: []corev1.Container{api}},
			services:    []*corev1.Service{},
			want:        corev1.PodSpec{Containers: []corev1.Container{withReadiness(api, http("/ready", 9000))}},
			changes:     []Change{change(m, "api", appProbe, "readinessProbe httpGet :9000/ready", http("/ready", 9000))},
		},
		"every container that serves traffic gets a TCP probe of its port, by number": {
			spec: corev1.PodSpec{Containers: []corev1.Container{app, worker, api, exporter}},
			want: corev1.PodSpec{Containers: []corev1.Container{withReadiness(app, tcp(8080)), worker, withReadiness(api, tcp(9000)), exporter}},
			changes: []Change{
				change(m, "app", appProbe, "readinessProbe tcpSocket :8080", tcp(8080)),
				change(m, "api", "/spec/containers/2/readinessProbe", "readinessProbe tcpSocket :9000", tcp(9000)),
			},
		},
		"init containers and native sidecars are left alone": {
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{container("migrate", port(5432)), sidecar("proxy", namedPort("proxy", 15001))},
				Containers:     []corev1.Container{api},
			},
			want: corev1.PodSpec{
				InitContainers: []corev1.Container{container("migrate", port(5432)), sidecar("proxy", namedPort("proxy", 15001))},
				Containers:     []corev1.Container{withReadiness(api, tcp(9000))},
			},
			changes: []Change{change(m, "api", appProbe, "readinessProbe tcpSocket :9000", tcp(9000))},
		},
		"pods on the host network get no probe: the kubelet would probe the node's address": {
			spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{api}},
			want: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{api}},
		},
		"health-check ports do not serve traffic": {
			spec: corev1.PodSpec{Containers: []corev1.Container{container("controller", namedPort("http-metrics", 9402), namedPort("http-healthz", 9403))}},
			want: corev1.PodSpec{Containers: []corev1.Container{container("controller", namedPort("http-metrics", 9402), namedPort("http-healthz", 9403))}},
		},
		"metrics and debug ports do not serve traffic": {
			spec: corev1.PodSpec{Containers: []corev1.Container{exporter}},
			want: corev1.PodSpec{Containers: []corev1.Container{exporter}},
		},
		"UDP ports do not serve traffic, a TCP port after them does": {
			spec: corev1.PodSpec{Containers: []corev1.Container{
				container("dns", udpPort("dns", 53)),
				container("dns-tcp", udpPort("dns", 53), namedPort("dns-tcp", 53)),
			}},
			want: corev1.PodSpec{Containers: []corev1.Container{
				container("dns", udpPort("dns", 53)),
				withReadiness(container("dns-tcp", udpPort("dns", 53), namedPort("dns-tcp", 53)), tcp(53)),
			}},
			changes: []Change{change(m, "dns-tcp", apiProbe, "readinessProbe tcpSocket :53", tcp(53))},
		},
		"a readiness probe the user set is kept": {
			spec: pod(http("/ready", 8080), nil),
			want: pod(http("/ready", 8080), tcp(9000)),
			changes: []Change{
				change(m, "api", apiProbe, "readinessProbe tcpSocket :9000", tcp(9000)),
			},
		},
		"the pod-wide path annotation gives every container an HTTP probe": {
			annotations: map[string]string{policy.ReadinessPathAnnotation: "/healthz"},
			spec:        pod(nil, nil),
			want:        pod(http("/healthz", 8080), http("/healthz", 9000)),
			changes: []Change{
				change(m, "app", appProbe, "readinessProbe httpGet :8080/healthz", http("/healthz", 8080)),
				change(m, "api", apiProbe, "readinessProbe httpGet :9000/healthz", http("/healthz", 9000)),
			},
		},
		"a container's path annotation wins over the pod-wide one": {
			annotations: map[string]string{
				policy.ReadinessPathAnnotation:          "/healthz",
				policy.ReadinessPathAnnotation + ".app": "/ready?full=1",
			},
			spec: pod(nil, nil),
			want: pod(http("/ready?full=1", 8080), http("/healthz", 9000)),
			changes: []Change{
				change(m, "app", appProbe, "readinessProbe httpGet :8080/ready?full=1", http("/ready?full=1", 8080)),
				change(m, "api", apiProbe, "readinessProbe httpGet :9000/healthz", http("/healthz", 9000)),
			},
		},
		"a container's path annotation concerns that container only": {
			annotations: map[string]string{policy.ReadinessPathAnnotation + ".api": "/ping"},
			spec:        pod(nil, nil),
			want:        pod(tcp(8080), http("/ping", 9000)),
			changes: []Change{
				change(m, "app", appProbe, "readinessProbe tcpSocket :8080", tcp(8080)),
				change(m, "api", apiProbe, "readinessProbe httpGet :9000/ping", http("/ping", 9000)),
			},
		},
		"a path without a leading slash is ignored for a TCP probe, and the change says so": {
			annotations: map[string]string{policy.ReadinessPathAnnotation: "healthz"},
			spec:        pod(nil, nil),
			want:        pod(tcp(8080), tcp(9000)),
			changes: []Change{
				change(m, "app", appProbe, "readinessProbe tcpSocket :8080 (ignored invalid ballast.dev/readiness-path)", tcp(8080)),
				change(m, "api", apiProbe, "readinessProbe tcpSocket :9000 (ignored invalid ballast.dev/readiness-path)", tcp(9000)),
			},
		},
		"a path with whitespace or an empty path is ignored": {
			annotations: map[string]string{
				policy.ReadinessPathAnnotation + ".app": "/health z",
				policy.ReadinessPathAnnotation + ".api": "",
			},
			spec: pod(nil, nil),
			want: pod(tcp(8080), tcp(9000)),
			changes: []Change{
				change(m, "app", appProbe, "readinessProbe tcpSocket :8080 (ignored invalid ballast.dev/readiness-path.app)", tcp(8080)),
				change(m, "api", apiProbe, "readinessProbe tcpSocket :9000 (ignored invalid ballast.dev/readiness-path.api)", tcp(9000)),
			},
		},
		"an invalid container path falls back to TCP, not to the pod-wide path": {
			annotations: map[string]string{
				policy.ReadinessPathAnnotation:          "/healthz",
				policy.ReadinessPathAnnotation + ".app": "/ready\n",
			},
			spec: pod(nil, nil),
			want: pod(tcp(8080), http("/healthz", 9000)),
			changes: []Change{
				change(m, "app", appProbe, "readinessProbe tcpSocket :8080 (ignored invalid ballast.dev/readiness-path.app)", tcp(8080)),
				change(m, "api", apiProbe, "readinessProbe httpGet :9000/healthz", http("/healthz", 9000)),
			},
		},
		"a port named for TLS is probed over HTTPS": {
			annotations: map[string]string{policy.ReadinessPathAnnotation: "/healthz"},
			spec:        corev1.PodSpec{Containers: []corev1.Container{container("gw", namedPort("web-https", 8443))}},
			want: corev1.PodSpec{Containers: []corev1.Container{withReadiness(container("gw", namedPort("web-https", 8443)),
				probe(httpHandler(corev1.URISchemeHTTPS, "/healthz", 8443), 0, 10, 1, 3))}},
			changes: []Change{change(m, "gw", appProbe, "readinessProbe httpGet HTTPS :8443/healthz",
				probe(httpHandler(corev1.URISchemeHTTPS, "/healthz", 8443), 0, 10, 1, 3))},
		},
		"the probe's timing comes from the policy": {
			policy: podDefaultsSpec(policy.PodDefaults{ReadinessProbe: policy.ProbeDefaults{
				InitialDelaySeconds: ptr.To[int32](3), PeriodSeconds: 5, TimeoutSeconds: 2, FailureThreshold: 6,
			}}),
			spec:    corev1.PodSpec{Containers: []corev1.Container{api}},
			want:    corev1.PodSpec{Containers: []corev1.Container{withReadiness(api, probe(tcpHandler(9000), 3, 5, 2, 6))}},
			changes: []Change{change(m, "api", appProbe, "readinessProbe tcpSocket :9000", probe(tcpHandler(9000), 3, 5, 2, 6))},
		},
		"disabled by the policy, it injects nothing": {
			policy: podDefaultsSpec(policy.PodDefaults{ReadinessProbe: policy.ProbeDefaults{Enabled: ptr.To(false)}}),
			spec:   pod(nil, nil),
			want:   pod(nil, nil),
		},
	}
	runCases(t, m, cases)
}
