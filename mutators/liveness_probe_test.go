package mutators

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestLivenessProbe(t *testing.T) {
	m := LivenessProbe{}
	on := podDefaultsSpec(policy.PodDefaults{LivenessProbe: policy.ProbeDefaults{Enabled: ptr.To(true)}})
	app := container("app", namedPort("metrics", 9090), namedPort("http", 8080))
	api := container("api", port(9000))
	worker := container("worker")
	exporter := container("exporter", namedPort("metrics", 9100))
	tcp := func(port int32) *corev1.Probe { return probe(tcpHandler(port), 10, 10, 1, 3) }

	cases := map[string]mutatorCase{
		"off by default, it injects nothing": {
			spec: corev1.PodSpec{Containers: []corev1.Container{app}},
			want: corev1.PodSpec{Containers: []corev1.Container{app}},
		},
		"disabled by the policy, it injects nothing": {
			policy: podDefaultsSpec(policy.PodDefaults{LivenessProbe: policy.ProbeDefaults{Enabled: ptr.To(false)}}),
			spec:   corev1.PodSpec{Containers: []corev1.Container{app}},
			want:   corev1.PodSpec{Containers: []corev1.Container{app}},
		},
		"a pod without containers gets nothing": {policy: on},
		"once enabled, every container that serves traffic gets a TCP probe of its port": {
			policy: on,
			spec:   corev1.PodSpec{Containers: []corev1.Container{app, worker, api, exporter}},
			want:   corev1.PodSpec{Containers: []corev1.Container{withLiveness(app, tcp(8080)), worker, withLiveness(api, tcp(9000)), exporter}},
			changes: []Change{
				change(m, "app", "/spec/containers/0/livenessProbe", "livenessProbe tcpSocket :8080", tcp(8080)),
				change(m, "api", "/spec/containers/2/livenessProbe", "livenessProbe tcpSocket :9000", tcp(9000)),
			},
		},
		"init containers and native sidecars are left alone": {
			policy: on,
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{container("migrate", port(5432)), sidecar("proxy", namedPort("proxy", 15001))},
				Containers:     []corev1.Container{exporter},
			},
			want: corev1.PodSpec{
				InitContainers: []corev1.Container{container("migrate", port(5432)), sidecar("proxy", namedPort("proxy", 15001))},
				Containers:     []corev1.Container{exporter},
			},
		},
		"UDP ports do not serve traffic": {
			policy: on,
			spec:   corev1.PodSpec{Containers: []corev1.Container{container("dns", udpPort("dns", 53))}},
			want:   corev1.PodSpec{Containers: []corev1.Container{container("dns", udpPort("dns", 53))}},
		},
		"the readiness path is never probed for liveness": {
			policy:      on,
			annotations: map[string]string{policy.ReadinessPathAnnotation: "/healthz", policy.ReadinessPathAnnotation + ".api": "/ready"},
			spec:        corev1.PodSpec{Containers: []corev1.Container{api}},
			want:        corev1.PodSpec{Containers: []corev1.Container{withLiveness(api, tcp(9000))}},
			changes:     []Change{change(m, "api", "/spec/containers/0/livenessProbe", "livenessProbe tcpSocket :9000", tcp(9000))},
		},
		"a liveness probe the user set is kept": {
			policy: on,
			spec:   corev1.PodSpec{Containers: []corev1.Container{withLiveness(api, probe(tcpHandler(9000), 60, 20, 5, 5))}},
			want:   corev1.PodSpec{Containers: []corev1.Container{withLiveness(api, probe(tcpHandler(9000), 60, 20, 5, 5))}},
		},
		"an explicit zero initial delay is kept, the other timing comes from the policy": {
			policy: podDefaultsSpec(policy.PodDefaults{LivenessProbe: policy.ProbeDefaults{
				Enabled: ptr.To(true), InitialDelaySeconds: ptr.To[int32](0), PeriodSeconds: 15, FailureThreshold: 4,
			}}),
			spec: corev1.PodSpec{Containers: []corev1.Container{api}},
			want: corev1.PodSpec{Containers: []corev1.Container{withLiveness(api, probe(tcpHandler(9000), 0, 15, 1, 4))}},
			changes: []Change{change(m, "api", "/spec/containers/0/livenessProbe", "livenessProbe tcpSocket :9000",
				probe(tcpHandler(9000), 0, 15, 1, 4))},
		},
	}
	runCases(t, m, cases)
}
