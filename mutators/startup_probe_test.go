package mutators

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestStartupProbe(t *testing.T) {
	m := StartupProbe{}
	on := podDefaultsSpec(policy.PodDefaults{StartupProbe: policy.ProbeDefaults{Enabled: ptr.To(true)}})
	userLiveness := probe(httpHandler(corev1.URISchemeHTTP, "/alive", 8080), 0, 10, 1, 3)
	app := withLiveness(container("app", namedPort("metrics", 9090), namedPort("http", 8080)), userLiveness)
	api := withLiveness(container("api", port(9000)), probe(tcpHandler(9000), 10, 10, 1, 3))
	tcp := func(port int32) *corev1.Probe { return probe(tcpHandler(port), 0, 10, 1, 30) }

	cases := map[string]mutatorCase{
		"off by default, it injects nothing": {
			spec: corev1.PodSpec{Containers: []corev1.Container{app}},
			want: corev1.PodSpec{Containers: []corev1.Container{app}},
		},
		"disabled by the policy, it injects nothing": {
			policy: podDefaultsSpec(policy.PodDefaults{StartupProbe: policy.ProbeDefaults{Enabled: ptr.To(false)}}),
			spec:   corev1.PodSpec{Containers: []corev1.Container{app}},
			want:   corev1.PodSpec{Containers: []corev1.Container{app}},
		},
		"a pod without containers gets nothing": {policy: on},
		"once enabled, every serving container with a liveness probe gets a TCP probe of its port": {
			policy: on,
			spec:   corev1.PodSpec{Containers: []corev1.Container{app, container("worker"), api}},
			want:   corev1.PodSpec{Containers: []corev1.Container{withStartup(app, tcp(8080)), container("worker"), withStartup(api, tcp(9000))}},
			changes: []Change{
				change(m, "app", "/spec/containers/0/startupProbe", "startupProbe tcpSocket :8080", tcp(8080)),
				change(m, "api", "/spec/containers/2/startupProbe", "startupProbe tcpSocket :9000", tcp(9000)),
			},
		},
		"a container without a liveness probe has nothing to protect": {
			policy: on,
			spec:   corev1.PodSpec{Containers: []corev1.Container{container("api", port(9000))}},
			want:   corev1.PodSpec{Containers: []corev1.Container{container("api", port(9000))}},
		},
		"init containers and native sidecars are left alone": {
			policy: on,
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{withLiveness(sidecar("proxy", namedPort("proxy", 15001)), userLiveness)},
				Containers:     []corev1.Container{api},
			},
			want: corev1.PodSpec{
				InitContainers: []corev1.Container{withLiveness(sidecar("proxy", namedPort("proxy", 15001)), userLiveness)},
				Containers:     []corev1.Container{withStartup(api, tcp(9000))},
			},
			changes: []Change{change(m, "api", "/spec/containers/0/startupProbe", "startupProbe tcpSocket :9000", tcp(9000))},
		},
		"metrics-only and UDP ports do not serve traffic": {
			policy: on,
			spec: corev1.PodSpec{Containers: []corev1.Container{
				withLiveness(container("exporter", namedPort("metrics", 9100)), userLiveness),
				withLiveness(container("dns", udpPort("dns", 53)), userLiveness),
			}},
			want: corev1.PodSpec{Containers: []corev1.Container{
				withLiveness(container("exporter", namedPort("metrics", 9100)), userLiveness),
				withLiveness(container("dns", udpPort("dns", 53)), userLiveness),
			}},
		},
		"a startup probe the user set is kept": {
			policy: on,
			spec:   corev1.PodSpec{Containers: []corev1.Container{withStartup(api, probe(tcpHandler(9000), 0, 5, 1, 120))}},
			want:   corev1.PodSpec{Containers: []corev1.Container{withStartup(api, probe(tcpHandler(9000), 0, 5, 1, 120))}},
		},
		"the probe's timing comes from the policy": {
			policy: podDefaultsSpec(policy.PodDefaults{StartupProbe: policy.ProbeDefaults{
				Enabled: ptr.To(true), PeriodSeconds: 5, FailureThreshold: 60,
			}}),
			spec:    corev1.PodSpec{Containers: []corev1.Container{api}},
			want:    corev1.PodSpec{Containers: []corev1.Container{withStartup(api, probe(tcpHandler(9000), 0, 5, 1, 60))}},
			changes: []Change{change(m, "api", "/spec/containers/0/startupProbe", "startupProbe tcpSocket :9000", probe(tcpHandler(9000), 0, 5, 1, 60))},
		},
	}
	runCases(t, m, cases)
}
