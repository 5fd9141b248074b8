package validators

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
The replicas of a workload are spread over nodes or zones, so that one node
or zone failure does not take them all: without a constraint, the scheduler
may place every replica on the same node.

**Checked Fields:**

spec.template.spec.topologySpreadConstraints[*].{topologyKey,labelSelector}
spec.template.spec.affinity.podAntiAffinity.
requiredDuringSchedulingIgnoredDuringExecution[*].{topologyKey,labelSelector}
spec.template.spec.affinity.podAntiAffinity.
preferredDuringSchedulingIgnoredDuringExecution[*].podAffinityTerm.
{topologyKey,labelSelector}
when the workload runs 2 or more effective replicas (see workload.EffectiveReplicas).

**Allowed Values:**

one constraint or anti-affinity term, required or preferred, whose
topologyKey is kubernetes.io/hostname, topology.kubernetes.io/zone or
failure-domain.beta.kubernetes.io/zone and whose labelSelector selects the
pod template's own labels: a term copied from another workload spreads that
workload's pods, not these.

**Fix:**

topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname,
whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}]
*/

func spreadRule() Rule {
	return Rule{
		ID:            policy.RuleSpread,
		Summary:       "Workloads with 2 or more replicas spread them over nodes or zones.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindReplicaSet, workload.KindReplicationController},
		Check:         checkSpread,
	}
}

func checkSpread(t *Target) []Finding {
	spec := t.Template.Spec
	if spec == nil || t.Template.Meta == nil {
		return nil
	}
	n, _ := workload.EffectiveReplicas(&t.Workload, t.Related.HPAs)
	if n < 2 || spreads(spec, t.Template.Meta.Labels) {
		return nil
	}
	return []Finding{{
		Rule:    policy.RuleSpread,
		Field:   t.Template.SpecPath.Child("topologySpreadConstraints").String(),
		Message: fmt.Sprintf("%d replicas and no spread over nodes or zones: one node may hold them all", n),
		Fix: "add topologySpreadConstraints: [{maxSkew: 1, topologyKey: " + corev1.LabelHostname +
			", whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: " + flowMap(t.Workload.PodLabels()) + "}}]",
	}}
}

// spreads reports whether spec spreads the pods labelled lbls over nodes or
// zones.
func spreads(spec *corev1.PodSpec, lbls map[string]string) bool {
	for i := range spec.TopologySpreadConstraints {
		c := &spec.TopologySpreadConstraints[i]
		if spreadKey(c.TopologyKey) && workload.Selects(c.LabelSelector, lbls) {
			return true
		}
	}
	if spec.Affinity == nil || spec.Affinity.PodAntiAffinity == nil {
		return false
	}
	anti := spec.Affinity.PodAntiAffinity
	for i := range anti.RequiredDuringSchedulingIgnoredDuringExecution {
		if term := &anti.RequiredDuringSchedulingIgnoredDuringExecution[i]; spreadKey(term.TopologyKey) && workload.Selects(term.LabelSelector, lbls) {
			return true
		}
	}
	for i := range anti.PreferredDuringSchedulingIgnoredDuringExecution {
		if term := &anti.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm; spreadKey(term.TopologyKey) && workload.Selects(term.LabelSelector, lbls) {
			return true
		}
	}
	return false
}

// spreadKey reports whether a topology key names a node or a zone.
func spreadKey(key string) bool {
	return key == corev1.LabelHostname || key == corev1.LabelTopologyZone || key == corev1.LabelFailureDomainBetaZone
}
