package mutators

import (
	"strconv"
	"strings"
	"unicode"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// ReadinessProbe is the readiness-probe mutator, for the rule of the same
// name.
//
// **Sets:** spec.containers[*].readinessProbe on the container's serving
// port, by number: a tcpSocket probe, or an httpGet probe of the path the
// pod template's annotation ballast.dev/readiness-path.<container name>
// or, for every container, ballast.dev/readiness-path names. The httpGet
// scheme is HTTPS when the port's name says so ("https", "tls", as in
// "web-https"), else HTTP. Timing comes from podDefaults.readinessProbe
// (default: period 10 s, timeout 1 s, failure threshold 3, no initial
// delay).
//
// **When:** on regular containers that serve traffic (podspec.ServingPort)
// and have no readiness probe, while podDefaults.readinessProbe is enabled
// (default).
//
// **Not when:** the container has a readiness probe of its own; it is an
// init container or a native sidecar. An annotation whose value is not a
// path (it must start with "/" and contain no whitespace) is not used: the
// container gets a tcpSocket probe and the change says the annotation was
// ignored, because a probe of a path that cannot exist never passes and
// the pod would never become ready. A valid per-container annotation wins
// over the pod-wide one; an invalid one falls back to tcpSocket, not to
// the pod-wide path, which was not meant for that container.
//
// **Why:** without a readiness probe a pod is ready as soon as its
// containers start, so Services send it traffic before the app listens,
// and keep sending it traffic while the app is overloaded or lost its
// backends. A TCP probe of the serving port catches the first; an HTTP
// probe of a health endpoint, which only the app's owners can name, also
// catches the second.
type ReadinessProbe struct{}

// ID returns "readiness-probe".
func (ReadinessProbe) ID() string { return "readiness-probe" }

// RuleID returns "readiness-probe".
func (ReadinessProbe) RuleID() string { return policy.RuleReadinessProbe }

// Apply injects the readiness probe.
func (m ReadinessProbe) Apply(t Target, spec *policy.Spec) []Change {
	var annotations map[string]string
	if t.Meta != nil {
		annotations = t.Meta.Annotations
	}
	handler := func(c *corev1.Container, port corev1.ContainerPort, _ workload.Route) (corev1.ProbeHandler, string, bool) {
		path, key, found := workload.ReadinessPath(annotations, c.Name)
		switch {
		case !found:
			h, desc := tcpSocket(port)
			return h, desc, true
		case !isProbePath(path):
			h, desc := tcpSocket(port)
			return h, desc + " (ignored invalid " + key + ")", true
		}
		h, desc := httpGet(path, port)
		return h, desc, true
	}
	// A container whose workload names a readiness path asks for a probe:
	// on the port traffic is routed to, or else on its serving port.
	asked := func(c *corev1.Container, route workload.Route) (corev1.ContainerPort, bool) {
		if _, _, found := workload.ReadinessPath(annotations, c.Name); !found {
			return corev1.ContainerPort{}, false
		}
		if route.Ready {
			return route.Port, true
		}
		port, _, ok := podspec.ServingPort(c)
		return port, ok
	}
	return injectProbes(m, t, readinessField, spec.PodDefaults.ReadinessProbe, handler, asked)
}

// isProbePath reports whether an annotation's value can be the path of an
// httpGet probe.
func isProbePath(p string) bool {
	return strings.HasPrefix(p, "/") && strings.IndexFunc(p, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}) < 0
}

// httpGet returns an HTTP GET probe of path on the port, and its
// description: "httpGet :8080/healthz", or "httpGet HTTPS :8443/healthz".
func httpGet(path string, port corev1.ContainerPort) (corev1.ProbeHandler, string) {
	scheme, desc := corev1.URISchemeHTTP, "httpGet :"
	if isTLSPortName(port.Name) {
		scheme, desc = corev1.URISchemeHTTPS, "httpGet HTTPS :"
	}
	return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path:   path,
		Port:   intstr.FromInt32(port.ContainerPort),
		Scheme: scheme,
	}}, desc + strconv.Itoa(int(port.ContainerPort)) + path
}

// isTLSPortName reports whether a port's name says it serves TLS: one of
// its dash- or underscore-separated words is "https" or "tls".
func isTLSPortName(name string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '-' || r == '_' }) {
		if w == "https" || w == "tls" {
			return true
		}
	}
	return false
}
