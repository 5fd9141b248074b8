package mutators

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
)

// probeField is one of a container's probe fields.
type probeField struct {
	name string // the field's JSON name, e.g. "readinessProbe"
	of   func(c *corev1.Container) **corev1.Probe
}

var (
	readinessField = probeField{"readinessProbe", func(c *corev1.Container) **corev1.Probe { return &c.ReadinessProbe }}
	livenessField  = probeField{"livenessProbe", func(c *corev1.Container) **corev1.Probe { return &c.LivenessProbe }}
	startupField   = probeField{"startupProbe", func(c *corev1.Container) **corev1.Probe { return &c.StartupProbe }}
)

// probeHandler returns the handler to inject into c, which serves on port,
// with a description for the change message, or false to leave c alone.
type probeHandler func(c *corev1.Container, port corev1.ContainerPort) (corev1.ProbeHandler, string, bool)

// injectProbes sets field, timed by p, on every regular container that
// serves traffic and has no such probe, with the handler h returns. It is
// the body of every probe mutator's Apply. Pods on the host network get
// none: the kubelet probes the node's address, where such pods (node-local
// DNS caches, CNI agents) often do not listen, so an injected probe could
// keep them unready forever.
func injectProbes(m Mutator, t podspec.Template, f probeField, p policy.ProbeDefaults, h probeHandler) []Change {
	if !*p.Enabled || t.Spec == nil || t.Spec.HostNetwork {
		return nil
	}
	var changes []Change
	for i := range t.Spec.Containers {
		c := &t.Spec.Containers[i]
		slot := f.of(c)
		if *slot != nil {
			continue
		}
		port, _, ok := podspec.ServingPort(c)
		if !ok {
			continue
		}
		handler, desc, ok := h(c, port)
		if !ok {
			continue
		}
		probe := &corev1.Probe{
			ProbeHandler:        handler,
			InitialDelaySeconds: *p.InitialDelaySeconds,
			PeriodSeconds:       p.PeriodSeconds,
			TimeoutSeconds:      p.TimeoutSeconds,
			FailureThreshold:    p.FailureThreshold,
		}
		*slot = probe
		path := t.SpecPath.Child("containers").Index(i).Child(f.name)
		changes = append(changes, newChange(m, c.Name, path, f.name+" "+desc, probe))
	}
	return changes
}

// tcpSocket returns a TCP probe of the port. It names the port by number:
// serving ports are often unnamed, and one form reads the same in every
// probe and message.
func tcpSocket(port corev1.ContainerPort) (corev1.ProbeHandler, string) {
	return corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port.ContainerPort)}},
		"tcpSocket :" + strconv.Itoa(int(port.ContainerPort))
}

// tcpSocketProbe is the probeHandler of the liveness and startup probes.
func tcpSocketProbe(_ *corev1.Container, port corev1.ContainerPort) (corev1.ProbeHandler, string, bool) {
	h, desc := tcpSocket(port)
	return h, desc, true
}
