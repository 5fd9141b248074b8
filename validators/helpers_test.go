package validators

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// The tests' namespace, and the labels of the pods of the workloads that
// deployment, statefulSet and daemonSet build.
const testNamespace = "shop"

var webLabels = map[string]string{"app": "web"}

// enforce returns the settings the tests judge with unless they say
// otherwise: enforce mode and the default policy.
func enforce() *policy.Settings {
	return &policy.Settings{Namespace: testNamespace, Mode: policy.ModeEnforce, Spec: policy.Defaulted(nil)}
}

// newTarget returns the target of obj, with related (PodDisruptionBudgets,
// HPAs, Services and workloads) as its surroundings, judged with
// enforce(), as the engine builds it.
func newTarget(obj runtime.Object, related ...runtime.Object) *Target {
	meta, ok := obj.(metav1.Object)
	if !ok {
		panic(fmt.Sprintf("newTarget: %T has no metadata", obj))
	}
	k, ok := workload.KindOf(obj)
	if !ok {
		panic(fmt.Sprintf("newTarget: unexpected %T", obj))
	}
	t := &Target{Kind: k.Name, Namespace: meta.GetNamespace(), Name: meta.GetName(), Object: obj, Settings: enforce()}
	t.Template, _ = k.Template(obj)
	t.Workload, _ = workload.Of(obj)
	for _, r := range related {
		if !t.Related.Add(r) {
			panic(fmt.Sprintf("newTarget: unexpected related %T", r))
		}
	}
	return t
}

// container returns a container that passes every rule: a pinned image,
// requests and a memory limit, probes and a preStop sleep of 5 s, serving
// HTTP on port 8080; mods edit it.
func container(name string, mods ...func(*corev1.Container)) corev1.Container {
	c := corev1.Container{
		Name:  name,
		Image: "registry.example.com/shop/" + name + ":1.4.2",
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
		},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromString("http")}}},
		LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/livez", Port: intstr.FromString("http")}}},
		Lifecycle:      &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}},
	}
	for _, mod := range mods {
		mod(&c)
	}
	return c
}

// worker edits a container into one that serves no traffic: no ports, no
// readiness probe, no preStop hook, and an exec liveness probe.
func worker(c *corev1.Container) {
	c.Ports, c.ReadinessProbe, c.Lifecycle = nil, nil, nil
	c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/healthcheck"}}}}
}

// sidecar edits an init container into a native sidecar.
func sidecar(c *corev1.Container) {
	c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
}

// preStopExec edits a container's preStop hook into an exec of command.
func preStopExec(command ...string) func(*corev1.Container) {
	return func(c *corev1.Container) {
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: command}}}
	}
}

// podTemplate returns the pod template of the workloads the builders
// return: one container, container("web"), spread over nodes.
func podTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "frontend"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{container("web")},
			TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
				MaxSkew:           1,
				TopologyKey:       corev1.LabelHostname,
				WhenUnsatisfiable: corev1.ScheduleAnyway,
				LabelSelector:     &metav1.LabelSelector{MatchLabels: webLabels},
			}},
		},
	}
}

// deployment returns a Deployment shop/web that passes every rule: 2
// replicas of podTemplate(), rolled out with the default strategy; mods
// edit it.
func deployment(mods ...func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: webLabels},
			Template: podTemplate(),
		},
	}
	for _, mod := range mods {
		mod(d)
	}
	return d
}

// statefulSet returns a StatefulSet shop/web like deployment's.
func statefulSet(mods ...func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "web"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To[int32](2),
			Selector:    &metav1.LabelSelector{MatchLabels: webLabels},
			Template:    podTemplate(),
			ServiceName: "web",
		},
	}
	for _, mod := range mods {
		mod(s)
	}
	return s
}

// daemonSet returns a DaemonSet shop/web of podTemplate().
func daemonSet(mods ...func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	d := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "web"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: webLabels},
			Template: podTemplate(),
		},
	}
	for _, mod := range mods {
		mod(d)
	}
	return d
}

// pod edits the pod spec of a Deployment.
func pod(mod func(*corev1.PodSpec)) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { mod(&d.Spec.Template.Spec) }
}

// containers replaces the containers of a Deployment.
func containers(cs ...corev1.Container) func(*appsv1.Deployment) {
	return pod(func(s *corev1.PodSpec) { s.Containers = cs })
}

// initContainers sets the init containers of a Deployment.
func initContainers(cs ...corev1.Container) func(*appsv1.Deployment) {
	return pod(func(s *corev1.PodSpec) { s.InitContainers = cs })
}

// replicas sets the replicas of a Deployment; nil leaves them unset.
func replicas(n *int32) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Replicas = n }
}

// hpa returns an HPA shop/name that scales the apps/v1 kind/target between
// minReplicas (nil: unset) and maxReplicas.
func hpa(name, kind, target string, minReplicas *int32, maxReplicas int32) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: name},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: kind, Name: target},
			MinReplicas:    minReplicas,
			MaxReplicas:    maxReplicas,
		},
	}
}

// pdb returns a PodDisruptionBudget shop/name over the pods labelled
// app=web, with maxUnavailable 1; mods edit it.
func pdb(name string, mods ...func(*policyv1.PodDisruptionBudget)) *policyv1.PodDisruptionBudget {
	p := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector:       &metav1.LabelSelector{MatchLabels: webLabels},
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
		},
	}
	for _, mod := range mods {
		mod(p)
	}
	return p
}

// service returns a Service shop/name that selects the pods labelled
// app=web and sends its port 80 to their port named http, as a Service of
// a web app does; mods edit it.
func service(name string, mods ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: name},
		Spec: corev1.ServiceSpec{
			Selector: webLabels,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
		},
	}
	for _, mod := range mods {
		mod(s)
	}
	return s
}

// servicePorts replaces the ports of a Service.
func servicePorts(ports ...corev1.ServicePort) func(*corev1.Service) {
	return func(s *corev1.Service) { s.Spec.Ports = ports }
}

// minAvailable edits a PodDisruptionBudget to keep v available instead.
func minAvailable(v intstr.IntOrString) func(*policyv1.PodDisruptionBudget) {
	return func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable, p.Spec.MinAvailable = nil, &v }
}

// assertFindings asserts that got holds the findings of want, in any
// order, and that each is well formed: a rule, no action (the engine sets
// it), a field, a fix, and a message that fits an admission warning.
func assertFindings(t *testing.T, want, got []Finding) {
	t.Helper()
	assert.ElementsMatch(t, want, got)
	for _, f := range got {
		assert.NotEmpty(t, f.Rule, "rule of %+v", f)
		assert.Empty(t, f.Action, "action of %+v", f)
		assert.NotEmpty(t, f.Field, "field of %+v", f)
		assert.NotEmpty(t, f.Fix, "fix of %+v", f)
		assert.LessOrEqual(t, len(f.Message), 90, "message of %+v", f)
		assert.Less(t, len(f.Rule+": "+f.Message), 120, "warning of %+v", f)
	}
}
