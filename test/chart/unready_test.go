package chart_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/policy"
)

// unreadyProbedPod returns a running Pod that the readiness probe Ballast
// injected has kept unready for an hour.
func unreadyProbedPod(namespace, name string) *corev1.Pod {
	started := metav1.NewTime(time.Now().Add(-time.Hour))
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace, Name: name,
			Annotations: map[string]string{policy.InjectedAnnotation: "readiness-probe/" + name},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: name, Image: "registry.example.com/" + name + ":1.0",
			Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)},
			}},
		}}},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			StartTime:  &started,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: started}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: name, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
			}},
		},
	}
}

// TestChartAuditUnreadyAfter checks that audit.unreadyAfter reaches serve
// and the alert, and that the alert goes with the audit.
func TestChartAuditUnreadyAfter(t *testing.T) {
	args := func(r rendered) []string {
		var d appsv1.Deployment
		r.object(t, "Deployment", releaseName, &d)
		return d.Spec.Template.Spec.Containers[0].Args
	}
	alert := func(pr *prometheusRule) (expr, description string, found bool) {
		for _, r := range pr.Spec.Groups[0].Rules {
			if r.Alert == "BallastInjectedProbeKeepsPodsUnready" {
				return r.Expr, r.Annotations["description"], true
			}
		}
		return "", "", false
	}

	r, _, pr := renderMonitoring(t)
	assert.Contains(t, args(r), "--audit-unready-after=10m")
	expr, description, found := alert(pr)
	require.True(t, found)
	assert.Equal(t, `max by (namespace, exported_namespace) (ballast_injected_probe_unready_pods{namespace="`+releaseNamespace+`",job="`+releaseName+`"}) > 0`, expr,
		"one alert per namespace of pods, whether the scrape renamed the gauge's namespace label exported_namespace or not")
	assert.Contains(t, description, "unready for more than 10m")

	r, _, pr = renderMonitoring(t, "--set", "audit.unreadyAfter=30m")
	assert.Contains(t, args(r), "--audit-unready-after=30m")
	_, description, _ = alert(pr)
	assert.Contains(t, description, "unready for more than 30m")

	_, _, pr = renderMonitoring(t, "--set", "prometheusRule.disabled={BallastInjectedProbeKeepsPodsUnready}")
	_, _, found = alert(pr)
	assert.False(t, found, "disabled")

	_, _, pr = renderMonitoring(t, "--set", "audit.interval=0")
	_, _, found = alert(pr)
	assert.False(t, found, "no audit, no gauge, no alert")

	for _, bad := range []string{"0", "0s", "ten minutes", "10"} {
		_, err := tryRenderChart(t, "--set-string", "audit.unreadyAfter="+bad)
		require.Error(t, err, "audit.unreadyAfter=%s", bad)
		assert.Contains(t, err.Error(), "/audit/unreadyAfter")
	}
	doc := string(readRepoFile(t, "docs/install.md"))
	assert.Contains(t, doc, "| `audit.unreadyAfter` | `10m` |", "docs/install.md#values documents audit.unreadyAfter")
}
