package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/policy"
)

// testOwnPreStopKept: a container with a preStop hook of its own keeps it;
// the other defaults still apply.
func testOwnPreStopKept(t *testing.T, e *env) {
	ns := e.namespace(t, "prestop", modeLabel(policy.ModeWarn), policy.ModeWarn)
	c := webContainer()
	own := &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"/app/drain", "--wait=20s"}}}
	c.Lifecycle = &corev1.Lifecycle{PreStop: own}
	d := deployment(ns, "drains", 1, c)
	e.expose(t, d, serviceFor(d))
	require.NoError(t, e.tenant.Create(t.Context(), d))

	for _, pod := range e.podsOf(t, d) {
		got := container(t, &pod, "web")
		require.NotNil(t, got.Lifecycle)
		assert.Equal(t, own, got.Lifecycle.PreStop, "pod %s: the owner's preStop hook", pod.Name)
		assert.NotNil(t, got.ReadinessProbe, "pod %s: the readiness probe is still injected", pod.Name)
		assert.Equal(t, []string{"readiness-probe/web"}, injected(&pod), "pod %s: annotation %s", pod.Name, policy.InjectedAnnotation)
	}
}

// testSecondPass: a pod Ballast has mutated, sent again as the API server
// does when it reinvokes the mutating webhooks, comes back unchanged.
func testSecondPass(t *testing.T, e *env) {
	ns := e.namespace(t, "repeat", modeLabel(policy.ModeEnforce), policy.ModeEnforce)
	d := compliantDeployment(ns, "cart")
	d.Spec.Replicas = ptr.To[int32](2)
	e.expose(t, d, serviceFor(d))
	require.NoError(t, e.tenant.Create(t.Context(), d))
	first := e.podsOf(t, d)[0]
	assertDefaulted(t, &first)

	// The same pod, as its controller would create it: the same owner,
	// annotations and spec, and labels its ReplicaSet does not select.
	// Created in dry-run, so no controller reacts to it.
	again := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       ns,
			GenerateName:    first.GenerateName,
			Labels:          map[string]string{"e2e": "second-pass"},
			Annotations:     first.Annotations,
			OwnerReferences: first.OwnerReferences,
		},
		Spec: *first.Spec.DeepCopy(),
	}
	require.NoError(t, e.admin.Create(t.Context(), again, client.DryRunAll))

	assert.Equal(t, first.Annotations, again.Annotations, "annotations")
	assert.Equal(t, first.Spec.TerminationGracePeriodSeconds, again.Spec.TerminationGracePeriodSeconds, "grace period")
	assert.Equal(t, first.Spec.Containers, again.Spec.Containers, "containers")
}

// testJobPods: the pods of a Job, created by the real Job controller, get
// no defaults: they run to completion and serve no traffic.
func testJobPods(t *testing.T, e *env) {
	ns := e.namespace(t, "job", modeLabel(policy.ModeEnforce), policy.ModeEnforce)
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "migrate"},
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{webContainer()},
				},
			},
		},
	}
	require.NoError(t, e.tenant.Create(t.Context(), job))

	var pods corev1.PodList
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		require.NoError(c, e.admin.List(t.Context(), &pods, client.InNamespace(ns),
			client.MatchingLabels{batchv1.JobNameLabel: job.Name}))
		assert.NotEmpty(c, pods.Items)
	}, waitTimeout, pollInterval, "the Job controller creates a pod")
	for _, pod := range pods.Items {
		assertUntouched(t, &pod)
	}
}
