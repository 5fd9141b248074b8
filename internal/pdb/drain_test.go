package pdb_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/policy"
)

// testDrain checks that Ballast's PodDisruptionBudget does what a drain
// needs, through the Eviction API with the PodDisruptionBudget status the
// real disruption controller computes: pods go one at a time, and a
// crash-looping pod never holds the drain.
func (e *env) testDrain(t *testing.T) {
	e.startManager(t, managerOptions{})
	ns := e.namespace(t, policy.ModeEnforce)
	e.createDeployment(t, ns, "web", 3)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)

	// The real ReplicaSet controller creates the pods; with no kubelet the
	// test reports them running and ready.
	var pods corev1.PodList
	require.Eventually(t, func() bool {
		err := e.c.List(t.Context(), &pods, client.InNamespace(ns), client.MatchingLabels{"app": "web"})
		return err == nil && len(pods.Items) == 3
	}, timeout, tick, "the ReplicaSet controller creates 3 pods")
	for i := range pods.Items {
		e.setPodStatus(t, &pods.Items[i], true)
	}
	e.eventuallyPDB(t, ns, pdbName("web"), budget(3, 3, 1))

	first, second, third := &pods.Items[0], &pods.Items[1], &pods.Items[2]
	require.NoError(t, e.evict(t, first), "the budget allows one eviction")
	err := e.evict(t, second)
	require.Truef(t, apierrors.IsTooManyRequests(err), "the next eviction would break the budget: want 429 Too Many Requests, got %v", err)

	// The second pod crash-loops. Then only the third is healthy, fewer
	// than the budget wants (2), so with the default policy,
	// IfHealthyBudget, no pod could be evicted; AlwaysAllow lets the
	// unhealthy one go and still protects the healthy one.
	e.setPodStatus(t, second, false)
	e.eventuallyPDB(t, ns, pdbName("web"), func(p *policyv1.PodDisruptionBudget) bool {
		return observed(p) && p.Status.CurrentHealthy == 1 && p.Status.DesiredHealthy == 2
	})
	require.NoError(t, e.evict(t, second), "a crash-looping pod can always be evicted")
	err = e.evict(t, third)
	assert.Truef(t, apierrors.IsTooManyRequests(err), "the last healthy pod is protected: want 429 Too Many Requests, got %v", err)
}

// observed reports whether the disruption controller has computed the
// status of the current spec of p.
func observed(p *policyv1.PodDisruptionBudget) bool {
	return p.Status.ObservedGeneration == p.Generation
}

// budget returns a check that the disruption controller reports
// PodDisruptionBudget status for expected pods, of which healthy are
// healthy, and allowed disruptions.
func budget(expected, healthy, allowed int32) func(*policyv1.PodDisruptionBudget) bool {
	return func(p *policyv1.PodDisruptionBudget) bool {
		s := p.Status
		return observed(p) && s.ExpectedPods == expected && s.CurrentHealthy == healthy && s.DisruptionsAllowed == allowed
	}
}

// setPodStatus writes the status a kubelet would: running, and ready or
// crash-looping.
func (e *env) setPodStatus(t *testing.T, pod *corev1.Pod, ready bool) {
	t.Helper()
	now := metav1.NewTime(time.Now())
	readiness := corev1.ConditionFalse
	status := corev1.ContainerStatus{
		Name:         pod.Spec.Containers[0].Name,
		Image:        pod.Spec.Containers[0].Image,
		RestartCount: 5,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
			Reason: "CrashLoopBackOff", Message: "back-off restarting failed container",
		}},
	}
	if ready {
		readiness = corev1.ConditionTrue
		status.Ready, status.Started, status.RestartCount = true, ptr.To(true), 0
		status.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
	}
	require.NoError(t, e.c.Get(t.Context(), client.ObjectKeyFromObject(pod), pod))
	pod.Status.Phase = corev1.PodRunning
	pod.Status.StartTime = &now
	pod.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodReady, Status: readiness, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: readiness, LastTransitionTime: now},
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{status}
	require.NoError(t, e.c.Status().Update(t.Context(), pod), "writing the status of pod %s", pod.Name)
}

// evict asks the Eviction API to evict pod.
func (e *env) evict(t *testing.T, pod *corev1.Pod) error {
	t.Helper()
	eviction := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name}}
	return e.c.SubResource("eviction").Create(t.Context(), pod, eviction)
}
