package workload

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
)

// Route says how the Services of a namespace send traffic to one
// container of a pod: whether a readiness probe can be injected there, on
// which port, and, when not, why.
//
// A readiness probe only helps where a Service holds traffic back from a
// pod that is not ready, and it can only hurt elsewhere: a probe on a port
// nothing routes to may never pass (the process listens on another port,
// or only once its peers answer), and an unready pod stalls rollouts and
// deadlocks an OrderedReady StatefulSet's bootstrap. Services that publish
// not-ready addresses (the peer discovery of etcd, ZooKeeper, Cassandra)
// send traffic whatever the probe says, so they do not count.
type Route struct {
	// Ready reports whether a Service that publishes only ready addresses
	// routes to Port.
	Ready bool
	// Port is the first container port such a Service targets; valid when
	// Ready.
	Port corev1.ContainerPort
	// Service names that Service, and HTTP reports whether its port's
	// appProtocol says it speaks HTTP.
	Service string
	HTTP    bool
	// PeerOnly reports, when not Ready, that Services do route to the
	// container but every one publishes not-ready addresses.
	PeerOnly bool
}

// RouteTo returns how svcs, the Services of the namespace of a pod whose
// labels are podLabels, route traffic to c, one of its containers. A
// Service routes to a container port when its selector (non-empty)
// selects the pod and one of its ports targets the container port, by
// name or by number (an unset targetPort is the Service port's number),
// with the same protocol. ExternalName Services route nothing, and ports
// named for metrics or health checks (podspec.IsAuxiliaryPortName) receive
// no traffic whatever Service targets them.
func RouteTo(c *corev1.Container, namespace string, podLabels map[string]string, svcs []*corev1.Service) Route {
	var r Route
	for i := range c.Ports {
		p := &c.Ports[i]
		if podspec.IsAuxiliaryPortName(p.Name) {
			continue // a Service of metrics, for scraping, routes no traffic
		}
		for _, svc := range svcs {
			sp := targetingPort(svc, namespace, podLabels, p)
			if sp == nil {
				continue
			}
			if svc.Spec.PublishNotReadyAddresses {
				r.PeerOnly = true
				continue
			}
			if protocolOf(p.Protocol) != corev1.ProtocolTCP {
				continue // probes reach TCP ports only
			}
			return Route{Ready: true, Port: *p, Service: svc.Name, HTTP: speaksHTTP(sp)}
		}
	}
	return r
}

// targetingPort returns the port of svc that sends traffic to the
// container port p of a pod in namespace with podLabels, or nil.
func targetingPort(svc *corev1.Service, namespace string, podLabels map[string]string, p *corev1.ContainerPort) *corev1.ServicePort {
	if svc == nil || svc.Spec.Type == corev1.ServiceTypeExternalName || len(svc.Spec.Selector) == 0 ||
		!sameNamespace(svc.Namespace, namespace) {
		return nil
	}
	for k, v := range svc.Spec.Selector {
		if got, ok := podLabels[k]; !ok || got != v {
			return nil
		}
	}
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		if protocolOf(sp.Protocol) != protocolOf(p.Protocol) {
			continue
		}
		switch t := sp.TargetPort; {
		case t.StrVal != "":
			if t.StrVal == p.Name {
				return sp
			}
		case t.IntVal != 0:
			if t.IntVal == p.ContainerPort {
				return sp
			}
		case sp.Port == p.ContainerPort:
			return sp
		}
	}
	return nil
}

// protocolOf returns a port's protocol, TCP when unset as the API defaults
// it.
func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// speaksHTTP reports whether a Service port's appProtocol says HTTP:
// http, https, or kubernetes.io/h2c.
func speaksHTTP(sp *corev1.ServicePort) bool {
	if sp.AppProtocol == nil {
		return false
	}
	switch strings.ToLower(*sp.AppProtocol) {
	case "http", "https", "kubernetes.io/h2c":
		return true
	}
	return false
}

// SpeaksHTTP reports whether a container port is known to serve HTTP: its
// name is http or https or ends in -http or -https, or route, the route to
// it, says so by its Service's appProtocol. A probe or a fix proposes
// httpGet only there: an HTTP request to a port that speaks another
// protocol (Cassandra's 7000, ZooKeeper's 2888) never passes.
func SpeaksHTTP(p corev1.ContainerPort, route Route) bool {
	if route.Ready && route.Port.ContainerPort == p.ContainerPort && route.HTTP {
		return true
	}
	name := strings.ToLower(p.Name)
	return name == "http" || name == "https" || strings.HasSuffix(name, "-http") || strings.HasSuffix(name, "-https")
}

// ReadinessPath returns the readiness path that the annotations of a pod
// template name for a container, ballast.dev/readiness-path.<container> or
// else ballast.dev/readiness-path, and the annotation's key; found is false
// when none does. A workload that names one asks for a readiness probe.
func ReadinessPath(annotations map[string]string, container string) (path, key string, found bool) {
	if len(annotations) == 0 {
		return "", "", false
	}
	for _, key := range [...]string{policy.ReadinessPathAnnotation + "." + container, policy.ReadinessPathAnnotation} {
		if path, ok := annotations[key]; ok {
			return path, key, true
		}
	}
	return "", "", false
}
