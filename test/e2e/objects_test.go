package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
	"github.com/ballast-dev/ballast/internal/workload"
)

// servingPort is the port of the scenarios' web container: a serving port,
// so the container gets the pod defaults, and the one its Service targets,
// so it gets the readiness probe there.
const servingPort = 8080

// webContainer is a container that serves traffic on servingPort and has
// no probes, no preStop hook and no resources.
func webContainer() corev1.Container {
	return corev1.Container{
		Name:  "web",
		Image: "registry.example.com/shop/web:1.4.2",
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: servingPort}},
	}
}

// badDeployment is the Deployment every tenant writes first: one replica,
// no probes, no resources. In enforce it breaks deny rules.
func badDeployment(ns, name string) *appsv1.Deployment {
	return deployment(ns, name, 1, webContainer())
}

// compliantDeployment breaks no deny rule once Ballast's pod defaults are
// applied: two replicas and resources; the readiness probe and the preStop
// sleep come from Ballast.
func compliantDeployment(ns, name string) *appsv1.Deployment {
	c := webContainer()
	c.Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("100m"),
			corev1.ResourceMemory: resource.MustParse("128Mi"),
		},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
	}
	return deployment(ns, name, 2, c)
}

// serviceFor returns the Service a team writes beside Deployment d: it
// selects d's pods and sends its traffic to their port named http.
func serviceFor(d *appsv1.Deployment) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: d.Namespace, Name: d.Name},
		Spec: corev1.ServiceSpec{
			Selector: d.Spec.Template.Labels,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
}

// expose creates svc, the Service of Deployment d, as the tenant, and
// waits until Ballast has seen it: until Ballast answers the server-side
// dry run of d's creation with a readiness probe for its pods. Ballast
// reads Services from its informer cache, which learns of a new one a
// moment after the API server has stored it. d must be admitted in a mode
// that applies or announces the pod defaults: warn, dryrun, or enforce
// when d breaks no deny rule.
func (e *env) expose(t *testing.T, d *appsv1.Deployment, svc *corev1.Service) {
	t.Helper()
	require.NoError(t, e.tenant.Create(t.Context(), svc))
	var ws []string
	var err error
	require.Eventually(t, func() bool {
		ctx, got := warnings.Collect(t.Context())
		err = e.tenant.Create(ctx, d.DeepCopy(), client.DryRunAll)
		ws = got.List()
		return err == nil && (hasPrefix(ws, "readiness-probe: pods get ") || hasPrefix(ws, "readiness-probe: would set "))
	}, waitTimeout, pollInterval, "Ballast never routes Deployment %s/%s through Service %s (last: %v, %q)", d.Namespace, d.Name, svc.Name, err, ws)
}

// deployment returns a Deployment of replicas pods labelled app=name, with
// the containers.
func deployment(ns, name string, replicas int32, containers ...corev1.Container) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: containers},
			},
		},
	}
}

// expectedDecision returns the decision of Ballast's engine on obj in its
// namespace, labelled nsLabels, among the Services of the namespace, under
// basePolicy: what the webhook must answer, since both call the same
// pipeline.
func (e *env) expectedDecision(t *testing.T, obj client.Object, nsLabels map[string]string) engine.Decision {
	t.Helper()
	var services corev1.ServiceList
	require.NoError(t, e.admin.List(t.Context(), &services, client.InNamespace(obj.GetNamespace())))
	var related workload.Related
	for i := range services.Items {
		related.Add(&services.Items[i])
	}
	s := policy.Resolve(&e.policy.Spec, policy.Namespace{Name: obj.GetNamespace(), Labels: nsLabels}, time.Now())
	return engine.Default().Evaluate(engine.Input{Object: obj, Settings: &s, Related: related}).Decision()
}

// podsOf waits until the ReplicaSet controller has created the pods of d
// and returns them.
func (e *env) podsOf(t *testing.T, d *appsv1.Deployment) []corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		require.NoError(c, e.admin.List(t.Context(), &pods, client.InNamespace(d.Namespace),
			client.MatchingLabels(d.Spec.Selector.MatchLabels)))
		assert.Len(c, pods.Items, int(ptr.Deref(d.Spec.Replicas, 1)), "pods of Deployment %s/%s", d.Namespace, d.Name)
	}, waitTimeout, pollInterval, "the ReplicaSet controller creates the pods")
	return pods.Items
}

// injected returns the items of a pod's ballast.dev/injected annotation,
// sorted.
func injected(pod *corev1.Pod) []string {
	v, ok := pod.Annotations[policy.InjectedAnnotation]
	if !ok {
		return nil
	}
	items := strings.Split(v, ",")
	slices.Sort(items)
	return items
}

// assertDefaulted checks that pod's web container got the pod defaults:
// the preStop sleep, the readiness probe on the serving port (which its
// Service targets), the raised grace period, and the annotation that
// records them.
func assertDefaulted(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	assert.Equal(t, []string{"prestop-sleep/web", "readiness-probe/web", "termination-grace"}, injected(pod),
		"pod %s: annotation %s", pod.Name, policy.InjectedAnnotation)
	assert.Equal(t, ptr.To[int64](graceSeconds), pod.Spec.TerminationGracePeriodSeconds, "pod %s: terminationGracePeriodSeconds", pod.Name)
	c := container(t, pod, "web")
	if assert.NotNil(t, c.Lifecycle, "pod %s: lifecycle", pod.Name) && assert.NotNil(t, c.Lifecycle.PreStop, "pod %s: preStop", pod.Name) {
		assert.Equal(t, &corev1.SleepAction{Seconds: 5}, c.Lifecycle.PreStop.Sleep, "pod %s: preStop sleep", pod.Name)
	}
	if assert.NotNil(t, c.ReadinessProbe, "pod %s: readinessProbe", pod.Name) {
		assert.Equal(t, &corev1.TCPSocketAction{Port: intstr.FromInt32(servingPort)}, c.ReadinessProbe.TCPSocket, "pod %s: readiness probe", pod.Name)
	}
}

// assertUntouched checks that Ballast changed nothing in pod.
func assertUntouched(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	assert.NotContains(t, pod.Annotations, policy.InjectedAnnotation, "pod %s", pod.Name)
	assert.Equal(t, ptr.To[int64](corev1.DefaultTerminationGracePeriodSeconds), pod.Spec.TerminationGracePeriodSeconds,
		"pod %s: the API server's default grace period", pod.Name)
	for _, c := range pod.Spec.Containers {
		assert.Nil(t, c.Lifecycle, "pod %s, container %s: lifecycle", pod.Name, c.Name)
		assert.Nil(t, c.ReadinessProbe, "pod %s, container %s: readinessProbe", pod.Name, c.Name)
	}
}

// container returns pod's container name.
func container(t *testing.T, pod *corev1.Pod, name string) *corev1.Container {
	t.Helper()
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	require.FailNow(t, "no container "+name, "pod %s", pod.Name)
	return nil
}
