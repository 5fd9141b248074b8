package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
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
	dep := &appsv1.Deployment{}
	pod := &corev1.Pod{Spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](45)}}
	assert.Equal(t, "terminationGracePeriodSeconds: 45 (raised by Ballast to cover the preStop sleep and the shutdown; the template: unset, so the default 30s)",
		describeGrace(dep, pod, true))
	dep.Spec.Template.Spec.TerminationGracePeriodSeconds = ptr.To[int64](60)
	pod.Spec.TerminationGracePeriodSeconds = ptr.To[int64](60)
	assert.Equal(t, "terminationGracePeriodSeconds: 60 (the template: 60s)", describeGrace(dep, pod, false))
}

func TestPodSummary(t *testing.T) {
	mutated := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{policy.InjectedAnnotation: "readiness-probe/web"}}}
	plain := corev1.Pod{}
	assert.Equal(t, "-", podSummary(&outcome{}))
	assert.Equal(t, "2, all with defaults", podSummary(&outcome{pods: []corev1.Pod{mutated, mutated}}))
	assert.Equal(t, "1, left as they are", podSummary(&outcome{pods: []corev1.Pod{plain}}))
	assert.Equal(t, "2, 1 with defaults", podSummary(&outcome{pods: []corev1.Pod{mutated, plain}}))
}
