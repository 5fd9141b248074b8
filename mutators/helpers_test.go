package mutators

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// mutatorCase is one case of a mutator's table test. Its changes name the
// fields of a Pod; runCases also checks them in a Deployment's template.
type mutatorCase struct {
	policy      *policy.Spec
	annotations map[string]string
	spec        corev1.PodSpec
	// services are the Services of the pod's namespace; nil means
	// routeAll(spec), a Service that routes traffic to every port.
	services []*corev1.Service
	want     corev1.PodSpec
	changes  []Change
	// notes are the defaults the mutator declines, with why.
	notes []Note
}

// runCases applies m to each case's spec, as a Pod and as a Deployment,
// checks the edited spec and the changes, and that a second Apply changes
// nothing.
func runCases(t *testing.T, m Mutator, cases map[string]mutatorCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for kind, obj := range objects(tc.annotations, tc.spec) {
				t.Run(kind, func(t *testing.T) {
					tmpl, ok := workload.TemplateOf(obj)
					require.True(t, ok)
					want := tc.changes
					if kind == "Deployment" {
						want = inTemplate(want)
					}

					spec := policy.Defaulted(tc.policy)
					services := tc.services
					if services == nil {
						services = routeAll(tc.spec)
					}
					var notes []Note
					target := NewTarget(tmpl, "shop", services, &notes)
					assert.Equal(t, want, m.Apply(target, spec), "changes")
					assert.Equal(t, tc.want, *tmpl.Spec, "edited spec")
					assert.Equal(t, tc.notes, notes, "notes")

					assert.Empty(t, m.Apply(target, spec), "changes of a second Apply")
					assert.Equal(t, tc.want, *tmpl.Spec, "spec after a second Apply")
				})
			}
		})
	}
}

// objects returns a Pod and a Deployment with copies of spec as their pod
// template, keyed by kind.
func objects(annotations map[string]string, spec corev1.PodSpec) map[string]runtime.Object {
	meta := metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: podLabels, Annotations: annotations}
	return map[string]runtime.Object{
		"Pod": &corev1.Pod{ObjectMeta: meta, Spec: *spec.DeepCopy()},
		"Deployment": &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{
			Template: corev1.PodTemplateSpec{ObjectMeta: *meta.DeepCopy(), Spec: *spec.DeepCopy()},
		}},
	}
}

// podLabels are the labels of the pods objects returns.
var podLabels = map[string]string{"app": "web"}

// routeAll returns a Service that selects the pods objects returns and
// routes traffic to every port of spec's containers, by number.
func routeAll(spec corev1.PodSpec) []*corev1.Service {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: podLabels},
	}
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
				Port: p.ContainerPort, TargetPort: intstr.FromInt32(p.ContainerPort), Protocol: p.Protocol,
			})
		}
	}
	return []*corev1.Service{svc}
}

// service returns the Service shop/name over the pods objects returns,
// with ports; publishNotReady makes it publish not-ready addresses.
func service(name string, publishNotReady bool, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec:       corev1.ServiceSpec{Selector: podLabels, Ports: ports, PublishNotReadyAddresses: publishNotReady},
	}
}

// inTemplate moves changes of a Pod's fields to the same fields of a
// workload's pod template.
func inTemplate(changes []Change) []Change {
	if changes == nil {
		return nil
	}
	out := make([]Change, len(changes))
	for i, c := range changes {
		c.Field = "spec.template." + c.Field
		c.Pointer = "/spec/template" + c.Pointer
		out[i] = c
	}
	return out
}

// change is the Change m reports for setting the field at pointer.
func change(m Mutator, container, pointer, message string, value any) Change {
	return Change{
		Rule:      m.RuleID(),
		Mutator:   m.ID(),
		Container: container,
		Field:     fieldOf(pointer),
		Message:   message,
		Pointer:   pointer,
		Value:     value,
	}
}

// fieldOf turns the JSON pointer of a Pod field into its field path:
// /spec/containers/0/readinessProbe -> spec.containers[0].readinessProbe.
func fieldOf(pointer string) string {
	var b strings.Builder
	for i, tok := range strings.Split(pointer[1:], "/") {
		switch {
		case tok != "" && strings.Trim(tok, "0123456789") == "":
			b.WriteString("[" + tok + "]")
		case i > 0:
			b.WriteString("." + tok)
		default:
			b.WriteString(tok)
		}
	}
	return b.String()
}

func TestFieldOf(t *testing.T) {
	assert.Equal(t, "spec.containers[10].lifecycle.preStop", fieldOf("/spec/containers/10/lifecycle/preStop"))
	assert.Equal(t, "spec.terminationGracePeriodSeconds", fieldOf("/spec/terminationGracePeriodSeconds"))
}

// Builders of test pods. Each returns a new value, so cases never share
// memory with one another or with what Apply edits.

func container(name string, ports ...corev1.ContainerPort) corev1.Container {
	return corev1.Container{Name: name, Image: "registry.example/" + name + ":1.0", Ports: ports}
}

func sidecar(name string, ports ...corev1.ContainerPort) corev1.Container {
	c := container(name, ports...)
	c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
	return c
}

func port(n int32) corev1.ContainerPort { return corev1.ContainerPort{ContainerPort: n} }

func namedPort(name string, n int32) corev1.ContainerPort {
	return corev1.ContainerPort{Name: name, ContainerPort: n, Protocol: corev1.ProtocolTCP}
}

func udpPort(name string, n int32) corev1.ContainerPort {
	return corev1.ContainerPort{Name: name, ContainerPort: n, Protocol: corev1.ProtocolUDP}
}

func withPreStop(c corev1.Container, h *corev1.LifecycleHandler) corev1.Container {
	c = *c.DeepCopy()
	if c.Lifecycle == nil {
		c.Lifecycle = &corev1.Lifecycle{}
	}
	c.Lifecycle.PreStop = h
	return c
}

func withReadiness(c corev1.Container, p *corev1.Probe) corev1.Container {
	c = *c.DeepCopy()
	c.ReadinessProbe = p
	return c
}

func withLiveness(c corev1.Container, p *corev1.Probe) corev1.Container {
	c = *c.DeepCopy()
	c.LivenessProbe = p
	return c
}

func withStartup(c corev1.Container, p *corev1.Probe) corev1.Container {
	c = *c.DeepCopy()
	c.StartupProbe = p
	return c
}

func sleepHook(seconds int64) *corev1.LifecycleHandler {
	return &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: seconds}}
}

func execHook(command ...string) *corev1.LifecycleHandler {
	return &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: command}}
}

func httpHook(path string, port int32) *corev1.LifecycleHandler {
	return &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(port)}}
}

// probe returns a probe with handler h and the given timing.
func probe(h corev1.ProbeHandler, initialDelay, period, timeout, failureThreshold int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:        h,
		InitialDelaySeconds: initialDelay,
		PeriodSeconds:       period,
		TimeoutSeconds:      timeout,
		FailureThreshold:    failureThreshold,
	}
}

func tcpHandler(port int32) corev1.ProbeHandler {
	return corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}}
}

func httpHandler(scheme corev1.URIScheme, path string, port int32) corev1.ProbeHandler {
	return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(port), Scheme: scheme}}
}

// podDefaultsSpec returns a policy with the given pod defaults.
func podDefaultsSpec(d policy.PodDefaults) *policy.Spec {
	return policy.Defaulted(&policy.Spec{PodDefaults: d})
}
