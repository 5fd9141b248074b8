package validators

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestMemoryLimit(t *testing.T) {
	noLimit := func(name, list, i, fix string) Finding {
		return Finding{
			Rule:      policy.RuleMemoryLimit,
			Container: name,
			Field:     "spec.template.spec." + list + "[" + i + "].resources.limits.memory",
			Message:   `container "` + name + `" has no memory limit`,
			Fix:       fix,
		}
	}
	const sizeIt = "add resources.limits.memory: 256Mi, sized from observed peak usage"
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"a memory limit on every container passes": {
			target: newTarget(deployment(containers(container("web"), container("worker", worker)))),
		},
		"no containers pass": {
			target: newTarget(deployment(containers())),
		},
		"a container with a request and no limit fails, told to match the request": {
			target: newTarget(deployment(containers(container("web", resources(memory("300Mi"), nil))))),
			want:   []Finding{noLimit("web", "containers", "0", "add resources.limits.memory: 300Mi, equal to its memory request")},
		},
		"a cpu limit is not a memory limit": {
			target: newTarget(deployment(containers(container("web", resources(nil, cpu("1")))))),
			want:   []Finding{noLimit("web", "containers", "0", sizeIt)},
		},
		"a zero limit limits nothing": {
			target: newTarget(deployment(containers(container("web", resources(nil, memory("0")))))),
			want:   []Finding{noLimit("web", "containers", "0", sizeIt)},
		},
		"init containers and native sidecars need a limit too": {
			target: newTarget(deployment(
				initContainers(container("migrate", worker, resources(nil, nil)), container("proxy", sidecar, resources(cpu("100m"), nil))),
				containers(container("web"), container("api", resources(nil, nil))),
			)),
			want: []Finding{
				noLimit("migrate", "initContainers", "0", sizeIt),
				noLimit("proxy", "initContainers", "1", sizeIt),
				noLimit("api", "containers", "1", sizeIt),
			},
		},
		"a pod-level memory limit bounds every container": {
			target: newTarget(deployment(
				containers(container("web", resources(nil, nil)), container("api", resources(nil, nil))),
				pod(func(s *corev1.PodSpec) {
					s.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
				}),
			)),
		},
		"a pod-level memory request is no limit": {
			target: newTarget(deployment(
				containers(container("web", resources(nil, nil))),
				pod(func(s *corev1.PodSpec) { s.Resources = &corev1.ResourceRequirements{Requests: memory("1Gi")} }),
			)),
			want: []Finding{noLimit("web", "containers", "0", sizeIt)},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkMemoryLimit(tc.target))
		})
	}
}
