package podspec

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ServingPort returns the port a container serves traffic on: its first
// TCP port that is not named for metrics, health checks, debugging or
// profiling (a word of the name, split at - and _, is one of
// auxiliaryPortWords). A
// container that has none does not serve traffic. The index is the port's
// position in c.Ports.
func ServingPort(c *corev1.Container) (corev1.ContainerPort, int, bool) {
	for i, p := range c.Ports {
		if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
			continue
		}
		if IsAuxiliaryPortName(p.Name) {
			continue
		}
		return p, i, true
	}
	return corev1.ContainerPort{}, -1, false
}

// ServesTraffic reports whether a container has a serving port.
func ServesTraffic(c *corev1.Container) bool {
	_, _, ok := ServingPort(c)
	return ok
}

// auxiliaryPortWords are words that, as part of a port name, mark a port
// that is scraped or debugged rather than serving the app's traffic.
var auxiliaryPortWords = []string{"metrics", "prometheus", "prom", "monitoring", "debug", "pprof", "profiler", "admin", "stats", "health", "healthz", "livez", "readyz"}

// IsAuxiliaryPortName reports whether a port's name marks it as scraped or
// debugged rather than serving the app's traffic: one of its words, split
// at - and _, is metrics, debug, healthz and the like.
func IsAuxiliaryPortName(name string) bool {
	if name == "" {
		return false
	}
	for part := range strings.FieldsFuncSeq(name, func(r rune) bool { return r == '-' || r == '_' }) {
		for _, w := range auxiliaryPortWords {
			if strings.EqualFold(part, w) {
				return true
			}
		}
	}
	return false
}
