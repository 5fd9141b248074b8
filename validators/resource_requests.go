package validators

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
Every container requests the CPU and memory it needs, so that the scheduler
places pods where they fit and a noisy neighbour cannot starve them: a pod
without requests is the first the kubelet evicts under pressure.

**Checked Fields:**

spec.template.spec.containers[*].resources.requests.{cpu,memory}
spec.template.spec.initContainers[*].resources.requests.{cpu,memory}, native
sidecars included: they run for the pod's whole life, and init containers
count toward the pod's effective request.
spec.template.spec.resources.requests.{cpu,memory}: pod-level resources
cover every container.

**Allowed Values:**

a non-zero request. A limit without a request counts as the request: the API
server sets the missing request to the limit. A request of 0 reserves
nothing and does not count.

**Fix:**

resources: {requests: {cpu: 100m, memory: 128Mi}}, sized from the
container's observed usage.
*/

func resourceRequestsRule() Rule {
	return Rule{
		ID:            policy.RuleResourceRequests,
		Summary:       "Every container, init and sidecar containers included, requests cpu and memory.",
		DefaultAction: policy.ActionDeny,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet, workload.KindReplicaSet, workload.KindReplicationController},
		Check:         checkResourceRequests,
	}
}

func checkResourceRequests(t *Target) []Finding {
	spec := t.Template.Spec
	if spec == nil {
		return nil
	}
	podCPU := spec.Resources != nil && requests(spec.Resources, corev1.ResourceCPU)
	podMemory := spec.Resources != nil && requests(spec.Resources, corev1.ResourceMemory)
	if podCPU && podMemory {
		return nil
	}
	var out []Finding
	for s, c := range everyContainer(spec) {
		cpu := podCPU || requests(&c.Resources, corev1.ResourceCPU)
		memory := podMemory || requests(&c.Resources, corev1.ResourceMemory)
		var message, fix string
		switch {
		case cpu && memory:
			continue
		case memory:
			message, fix = " has no cpu request", "add resources.requests.cpu: 100m, sized from observed usage"
		case cpu:
			message, fix = " has no memory request", "add resources.requests.memory: 128Mi, sized from observed usage"
		default:
			message, fix = " has no cpu or memory request", "add resources: {requests: {cpu: 100m, memory: 128Mi}}, sized from observed usage"
		}
		out = append(out, t.containerFinding(policy.RuleResourceRequests, s, c, "resources.requests",
			containerLabel(c.Name)+message, fix))
	}
	return out
}

// requests reports whether r requests a non-zero amount of a resource,
// counting a limit without a request as the request, as the API server
// defaults it.
func requests(r *corev1.ResourceRequirements, name corev1.ResourceName) bool {
	if q, ok := r.Requests[name]; ok {
		return !q.IsZero()
	}
	return limits(r, name)
}

// limits reports whether r sets a non-zero limit on a resource.
func limits(r *corev1.ResourceRequirements, name corev1.ResourceName) bool {
	q, ok := r.Limits[name]
	return ok && !q.IsZero()
}
