package validators

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/ballast-dev/ballast/internal/policy"
)

// resources edits a container's resources.
func resources(requests, limits corev1.ResourceList) func(*corev1.Container) {
	return func(c *corev1.Container) {
		c.Resources = corev1.ResourceRequirements{Requests: requests, Limits: limits}
	}
}

// cpu and memory return a resource list of one quantity.
func cpu(q string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(q)}
}

func memory(q string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(q)}
}

func TestResourceRequests(t *testing.T) {
	both := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")}
	noCPU := func(name, list, i string) Finding {
		return Finding{
			Rule:      policy.RuleResourceRequests,
			Container: name,
			Field:     "spec.template.spec." + list + "[" + i + "].resources.requests",
			Message:   `container "` + name + `" has no cpu request`,
			Fix:       "add resources.requests.cpu: 100m, sized from observed usage",
		}
	}
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"requests on every container pass": {
			target: newTarget(deployment(containers(container("web"), container("worker", worker)))),
		},
		"no containers pass": {
			target: newTarget(deployment(containers())),
		},
		"limits without requests count as requests": {
			target: newTarget(deployment(containers(container("web", resources(nil, both))))),
		},
		"a container without resources fails once for both": {
			target: newTarget(deployment(containers(container("web", resources(nil, nil))))),
			want: []Finding{{
				Rule:      policy.RuleResourceRequests,
				Container: "web",
				Field:     "spec.template.spec.containers[0].resources.requests",
				Message:   `container "web" has no cpu or memory request`,
				Fix:       "add resources: {requests: {cpu: 100m, memory: 128Mi}}, sized from observed usage",
			}},
		},
		"a memory request alone lacks cpu": {
			target: newTarget(deployment(containers(container("web", resources(memory("128Mi"), memory("128Mi")))))),
			want:   []Finding{noCPU("web", "containers", "0")},
		},
		"a cpu limit alone lacks memory": {
			target: newTarget(deployment(containers(container("web", resources(nil, cpu("1")))))),
			want: []Finding{{
				Rule:      policy.RuleResourceRequests,
				Container: "web",
				Field:     "spec.template.spec.containers[0].resources.requests",
				Message:   `container "web" has no memory request`,
				Fix:       "add resources.requests.memory: 128Mi, sized from observed usage",
			}},
		},
		"a zero request reserves nothing, even under a limit": {
			target: newTarget(deployment(containers(container("web", resources(
				corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				cpu("1"),
			))))),
			want: []Finding{noCPU("web", "containers", "0")},
		},
		"init containers and native sidecars need requests too": {
			target: newTarget(deployment(initContainers(
				container("migrate", worker, resources(memory("64Mi"), nil)),
				container("proxy", sidecar, resources(memory("64Mi"), nil)),
				container("setup", worker),
			))),
			want: []Finding{noCPU("migrate", "initContainers", "0"), noCPU("proxy", "initContainers", "1")},
		},
		"pod-level requests cover every container": {
			target: newTarget(deployment(
				containers(container("web", resources(nil, nil)), container("worker", worker, resources(nil, nil))),
				pod(func(s *corev1.PodSpec) { s.Resources = &corev1.ResourceRequirements{Requests: both} }),
			)),
		},
		"pod-level limits count as pod-level requests": {
			target: newTarget(deployment(
				containers(container("web", resources(nil, nil))),
				pod(func(s *corev1.PodSpec) { s.Resources = &corev1.ResourceRequirements{Limits: both} }),
			)),
		},
		"a pod-level memory request leaves cpu to the containers": {
			target: newTarget(deployment(
				containers(container("web", resources(nil, nil)), container("api")),
				pod(func(s *corev1.PodSpec) { s.Resources = &corev1.ResourceRequirements{Requests: memory("1Gi")} }),
			)),
			want: []Finding{noCPU("web", "containers", "0")},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkResourceRequests(tc.target))
		})
	}
}
