package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestDescribeContainer(t *testing.T) {
	tests := map[string]struct {
		c             corev1.Container
		injected      bool
		wantPreStop   string
		wantReadiness string
	}{
		"nothing": {
			wantPreStop:   "no preStop hook",
			wantReadiness: "no readiness probe",
		},
		"injected by Ballast": {
			c: corev1.Container{
				Lifecycle:      &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}},
			},
			injected:      true,
			wantPreStop:   "preStop sleep 5s (added by Ballast)",
			wantReadiness: "readiness probe tcp :8080 (added by Ballast)",
		},
		"the template's own": {
			c: corev1.Container{
				Lifecycle:      &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"/app/drain", "--timeout=10s"}}}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}}},
			},
			wantPreStop:   "preStop exec /app/drain --timeout=10s (the template's own)",
			wantReadiness: "readiness probe GET /ready on :http (the template's own)",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.wantPreStop, describePreStop(&tc.c, tc.injected))
			assert.Equal(t, tc.wantReadiness, describeReadiness(&tc.c, tc.injected))
		})
	}
}

func TestDescribeGrace(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](45)}}
	assert.Equal(t, "terminationGracePeriodSeconds: 45 (raised by Ballast to cover the preStop sleep and the shutdown; the template: unset, so the default 30s)",
		describeGrace(nil, pod, true))
	pod.Spec.TerminationGracePeriodSeconds = ptr.To[int64](60)
	assert.Equal(t, "terminationGracePeriodSeconds: 60 (the template: 60s)", describeGrace(ptr.To[int64](60), pod, false))
}

func TestDescribeService(t *testing.T) {
	tests := map[string]struct {
		spec corev1.ServiceSpec
		want string
	}{
		"a port by name": {
			spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": "checkout"},
				Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}},
			},
			want: "It sends the pods app=checkout their traffic: port 80 -> http.",
		},
		"by number, and the Service port's own": {
			spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": "cart"},
				Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}, {Port: 9090}},
			},
			want: "It sends the pods app=cart their traffic: ports 80 -> 8080, 9090 -> 9090.",
		},
		"peer discovery": {
			spec: corev1.ServiceSpec{
				Selector:                 map[string]string{"app": "etcd"},
				PublishNotReadyAddresses: true,
				Ports: []corev1.ServicePort{
					{Port: 2379, TargetPort: intstr.FromString("client")},
					{Port: 2380, TargetPort: intstr.FromString("peer")},
				},
			},
			want: "It sends the pods app=etcd their traffic: ports 2379 -> client, 2380 -> peer, ready or not (publishNotReadyAddresses: peer discovery).",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, describeService(&corev1.Service{Spec: tc.spec}))
		})
	}
}

func TestPodSummary(t *testing.T) {
	mutated := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{policy.InjectedAnnotation: "readiness-probe/web"}}}
	plain := corev1.Pod{}
	assert.Equal(t, "-", podSummary(&outcome{}))
	assert.Equal(t, "2, all with defaults", podSummary(&outcome{pods: []corev1.Pod{mutated, mutated}}))
	assert.Equal(t, "1, left as they are", podSummary(&outcome{pods: []corev1.Pod{plain}}))
	assert.Equal(t, "2, 1 with defaults", podSummary(&outcome{pods: []corev1.Pod{mutated, plain}}))
}
