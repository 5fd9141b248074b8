package mutators

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// probeField is one of a container's probe fields.
type probeField struct {
	name  string // the field's JSON name, e.g. "readinessProbe"
	label string // for people, e.g. "readiness probe"
	of    func(c *corev1.Container) **corev1.Probe
	// wanted says whether c wants the probe at all; nil means every
	// container does.
	wanted func(c *corev1.Container) bool
}

var (
	readinessField = probeField{name: "readinessProbe", label: "readiness probe", of: func(c *corev1.Container) **corev1.Probe { return &c.ReadinessProbe }}
	livenessField  = probeField{name: "livenessProbe", label: "liveness probe", of: func(c *corev1.Container) **corev1.Probe { return &c.LivenessProbe }}
	// A startup probe only holds back a liveness probe.
	startupField = probeField{name: "startupProbe", label: "startup probe", of: func(c *corev1.Container) **corev1.Probe { return &c.StartupProbe },
		wanted: func(c *corev1.Container) bool { return c.LivenessProbe != nil }}
)

// probeHandler returns the handler to inject into c, which receives
// traffic on port by route, with a description for the change message,
// or false to leave c alone.
type probeHandler func(c *corev1.Container, port corev1.ContainerPort, route workload.Route) (corev1.ProbeHandler, string, bool)

// probeTarget returns the port of c to probe and how traffic reaches it:
// the first port a Service that holds traffic back from unready pods
// targets (workload.RouteTo). When there is none it returns false and,
// for a container that declares a serving port, why, for the note: a probe
// on a port nothing routes to may never pass (the process listens
// elsewhere, or only once its peers answer), and a probe behind Services
// that publish not-ready addresses holds back no traffic.
func probeTarget(t Target, c *corev1.Container, f probeField) (corev1.ContainerPort, workload.Route, string, bool) {
	route := t.route(c)
	switch {
	case route.Ready:
		return route.Port, route, "", true
	case route.PeerOnly:
		return corev1.ContainerPort{}, route, "every Service that routes to " + containerName(c) +
			" publishes not-ready addresses (peer discovery): " + f.label + " not injected", false
	case podspec.ServesTraffic(c):
		return corev1.ContainerPort{}, route, "no Service routes to " + containerName(c) + ": " + f.label + " not injected", false
	}
	return corev1.ContainerPort{}, route, "", false
}

// containerName names a container in a note: "container web".
func containerName(c *corev1.Container) string { return "container " + c.Name }

// injectProbes sets field, timed by p, on every regular container that
// receives traffic and has no such probe, with the handler h returns, on
// the port probeTarget picks; choose, when not nil, may pick a port
// instead (for a container whose workload asks for a probe). It is the body
// of every probe mutator's Apply. Pods on the host network get none: the
// kubelet probes the node's address, where such pods (node-local DNS
// caches, CNI agents) often do not listen, so an injected probe could keep
// them unready forever.
func injectProbes(m Mutator, t Target, f probeField, p policy.ProbeDefaults, h probeHandler,
	choose func(c *corev1.Container, route workload.Route) (corev1.ContainerPort, bool),
) []Change {
	if !*p.Enabled || t.Spec == nil || t.Spec.HostNetwork {
		return nil
	}
	var changes []Change
	for i := range t.Spec.Containers {
		c := &t.Spec.Containers[i]
		slot := f.of(c)
		if *slot != nil || f.wanted != nil && !f.wanted(c) {
			continue
		}
		port, route, why, ok := probeTarget(t, c, f)
		if choose != nil {
			if chosen, asked := choose(c, route); asked {
				port, ok = chosen, true
			}
		}
		if !ok {
			if why != "" {
				t.decline(m, c.Name, why)
			}
			continue
		}
		handler, desc, ok := h(c, port, route)
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
func tcpSocketProbe(_ *corev1.Container, port corev1.ContainerPort, _ workload.Route) (corev1.ProbeHandler, string, bool) {
	h, desc := tcpSocket(port)
	return h, desc, true
}
