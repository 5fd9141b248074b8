package validators

import (
	"iter"

	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/podspec"
)

// slot locates a container in a pod spec without building its field path,
// which allocates: rules build the path only when they report a finding.
type slot struct {
	list  string // "initContainers" or "containers"
	index int
}

// everyContainer yields every container of spec, init containers and
// native sidecars first, in declaration order, as podspec.Containers does.
func everyContainer(spec *corev1.PodSpec) iter.Seq2[slot, *corev1.Container] {
	return func(yield func(slot, *corev1.Container) bool) {
		for i := range spec.InitContainers {
			if !yield(slot{"initContainers", i}, &spec.InitContainers[i]) {
				return
			}
		}
		regularContainers(spec)(yield)
	}
}

// regularContainers yields the entries of spec.containers.
func regularContainers(spec *corev1.PodSpec) iter.Seq2[slot, *corev1.Container] {
	return func(yield func(slot, *corev1.Container) bool) {
		for i := range spec.Containers {
			if !yield(slot{"containers", i}, &spec.Containers[i]) {
				return
			}
		}
	}
}

// path returns the path of the container at s, e.g.
// spec.template.spec.containers[0].
func (t *Target) path(s slot) podspec.Path {
	return t.Template.SpecPath.Child(s.list).Index(s.index)
}

// containerFinding returns the finding of rule about container c at s.
// field is the dotted path of the offending field below the container,
// e.g. resources.requests.
func (t *Target) containerFinding(rule string, s slot, c *corev1.Container, field, message, fix string) Finding {
	return Finding{
		Rule:      rule,
		Container: c.Name,
		Field:     t.path(s).String() + "." + field,
		Message:   message,
		Fix:       fix,
	}
}

// maxNameInMessage bounds the container name quoted in a message, so that
// `rule-id: message` stays under 120 characters, as admission warnings
// must, even for names of 63 characters. The finding's Container field
// always carries the full name.
const maxNameInMessage = 24

// containerLabel returns `container "NAME"` for a message, with a long
// NAME shortened to its first characters and "...".
func containerLabel(name string) string {
	if len(name) > maxNameInMessage {
		name = name[:maxNameInMessage-3] + "..."
	}
	return `container "` + name + `"`
}
