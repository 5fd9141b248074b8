package validators

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
Every container has a memory limit, so that a leak OOM-kills the leaking
container instead of exhausting its node and getting its neighbours
evicted.

**Checked Fields:**

spec.template.spec.containers[*].resources.limits.memory
spec.template.spec.initContainers[*].resources.limits.memory, native
sidecars included.
spec.template.spec.resources.limits.memory: a pod-level limit bounds every
container.

**Allowed Values:**

a non-zero quantity.

**Fix:**

resources: {limits: {memory: 256Mi}}, best equal to the memory request,
which guarantees the memory and keeps the pod out of the kubelet's first
evictions.
*/

func memoryLimitRule() Rule {
	return Rule{
		ID:            policy.RuleMemoryLimit,
		Summary:       "Every container, init and sidecar containers included, has a memory limit.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet, workload.KindReplicaSet, workload.KindReplicationController},
		Check:         checkMemoryLimit,
	}
}

func checkMemoryLimit(t *Target) []Finding {
	spec := t.Template.Spec
	if spec == nil || spec.Resources != nil && limits(spec.Resources, corev1.ResourceMemory) {
		return nil
	}
	var out []Finding
	for s, c := range everyContainer(spec) {
		if limits(&c.Resources, corev1.ResourceMemory) {
			continue
		}
		fix := "add resources.limits.memory: 256Mi, sized from observed peak usage"
		if q, ok := c.Resources.Requests[corev1.ResourceMemory]; ok && !q.IsZero() {
			fix = "add resources.limits.memory: " + q.String() + ", equal to its memory request"
		}
		out = append(out, t.containerFinding(policy.RuleMemoryLimit, s, c, "resources.limits.memory",
			containerLabel(c.Name)+" has no memory limit", fix))
	}
	return out
}
