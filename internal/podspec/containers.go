package podspec

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ContainerKind tells regular, init and native sidecar containers apart.
type ContainerKind string

// The container kinds.
const (
	// Regular is an entry of spec.containers.
	Regular ContainerKind = "container"
	// Init is an entry of spec.initContainers that runs to completion.
	Init ContainerKind = "initContainer"
	// Sidecar is an entry of spec.initContainers with restartPolicy Always:
	// a native sidecar, which keeps running beside the regular containers.
	Sidecar ContainerKind = "sidecar"
)

// Container is one container of a pod template with its location.
type Container struct {
	*corev1.Container
	Kind ContainerKind
	Path Path
}

// Containers returns every container of spec, init containers (and native
// sidecars) first, in declaration order. The pointers point into spec.
func Containers(spec *corev1.PodSpec, specPath Path) []Container {
	out := make([]Container, 0, len(spec.InitContainers)+len(spec.Containers))
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		kind := Init
		if IsSidecar(c) {
			kind = Sidecar
		}
		out = append(out, Container{Container: c, Kind: kind, Path: specPath.Child("initContainers").Index(i)})
	}
	for i := range spec.Containers {
		out = append(out, Container{Container: &spec.Containers[i], Kind: Regular, Path: specPath.Child("containers").Index(i)})
	}
	return out
}

// RegularContainers returns the entries of spec.containers.
func RegularContainers(spec *corev1.PodSpec, specPath Path) []Container {
	out := make([]Container, 0, len(spec.Containers))
	for i := range spec.Containers {
		out = append(out, Container{Container: &spec.Containers[i], Kind: Regular, Path: specPath.Child("containers").Index(i)})
	}
	return out
}

// IsSidecar reports whether an init container is a native sidecar.
func IsSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

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
		if isAuxiliaryPortName(p.Name) {
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

func isAuxiliaryPortName(name string) bool {
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
