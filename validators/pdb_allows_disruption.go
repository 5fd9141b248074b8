package validators

import (
	"fmt"
	"strings"

	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
A PodDisruptionBudget allows at least one disruption. One that allows none
does not protect the service: it blocks every node drain, so cluster
upgrades stall until someone deletes it by hand.

**Checked Fields:**

spec.maxUnavailable
spec.minAvailable, against the pods of the workloads in the namespace whose
pod template labels spec.selector selects. A workload's count is its
spec.replicas (unset: 1), or the minReplicas of the HPA that targets it,
since the HPA may scale down to that; a workload scaled to 0 counts 0.
A percentage is rounded up, as the disruption controller does.

**Allowed Values:**

maxUnavailable above 0 or 0%.
minAvailable below 100%, and below the number of pods it selects. The count
check is skipped when the PDB selects a DaemonSet, whose pod count is its
node count, or no known workload.

**Fix:**

maxUnavailable: 1 instead of minAvailable; it keeps allowing one disruption
whatever the replica count.
*/

func pdbAllowsDisruptionRule() Rule {
	return Rule{
		ID:            policy.RulePDBAllowsDisruption,
		Summary:       "PodDisruptionBudgets allow at least one disruption, so node drains can proceed.",
		DefaultAction: policy.ActionDeny,
		Kinds:         []string{workload.KindPDB},
		Check:         checkPDBAllowsDisruption,
	}
}

// fixMaxUnavailable is the fix of every pdb-allows-disruption finding.
const fixMaxUnavailable = "set maxUnavailable: 1 instead of minAvailable"

func checkPDBAllowsDisruption(t *Target) []Finding {
	pdb, ok := t.Object.(*policyv1.PodDisruptionBudget)
	if !ok {
		return nil
	}
	if mu := pdb.Spec.MaxUnavailable; mu != nil {
		if v, err := intstr.GetScaledValueFromIntOrPercent(mu, 100, true); err != nil || v > 0 {
			return nil
		}
		return []Finding{{
			Rule:    policy.RulePDBAllowsDisruption,
			Field:   "spec.maxUnavailable",
			Message: "maxUnavailable " + mu.String() + " allows no disruption: node drains wait forever",
			Fix:     "set maxUnavailable: 1",
		}}
	}
	ma := pdb.Spec.MinAvailable
	if ma == nil {
		return nil
	}
	// Scaled to 100 pods, a percentage reads as itself. An invalid value is
	// left to API validation.
	percent, err := intstr.GetScaledValueFromIntOrPercent(ma, 100, true)
	if err != nil {
		return nil
	}
	if ma.Type == intstr.String && percent >= 100 {
		return []Finding{{
			Rule:    policy.RulePDBAllowsDisruption,
			Field:   "spec.minAvailable",
			Message: "minAvailable " + ma.String() + " allows no disruption: node drains wait forever",
			Fix:     fixMaxUnavailable,
		}}
	}
	pods, scaled := selectedPods(t, pdb)
	if pods == 0 {
		return nil
	}
	if v, err := intstr.GetScaledValueFromIntOrPercent(ma, int(pods), true); err != nil || v < int(pods) {
		return nil
	}
	return []Finding{{
		Rule:    policy.RulePDBAllowsDisruption,
		Field:   "spec.minAvailable",
		Message: fmt.Sprintf("minAvailable %s allows no disruption of %s", ma.String(), podsOf(pods, scaled)),
		Fix:     fixMaxUnavailable + " (" + selectedWorkloads(t, pdb) + ")",
	}}
}

// selectedPods returns how few pods the workloads in t.Related that pdb
// selects may run, or 0 when that is unknown: pdb selects a DaemonSet or no
// workload. scaled reports whether an HPA decides the count of one of them.
func selectedPods(t *Target, pdb *policyv1.PodDisruptionBudget) (pods int32, scaled bool) {
	for i := range t.Related.Workloads {
		w := &t.Related.Workloads[i]
		if !workload.SelectsPods(pdb, w) {
			continue
		}
		if w.Kind == workload.KindDaemonSet {
			return 0, false
		}
		n, hpa := workload.EffectiveReplicas(w, t.Related.HPAs)
		pods += n
		scaled = scaled || hpa != nil
	}
	return pods, scaled
}

// podsOf says for a message how many pods a PDB selects: "its 2 pods", or
// "as few as 2 pods" when an HPA may scale them down to that.
func podsOf(pods int32, scaled bool) string {
	if scaled {
		return "as few as " + count(pods, "pod")
	}
	return "its " + count(pods, "pod")
}

// selectedWorkloads says for people where the count of selectedPods comes
// from, e.g. "Deployment web runs 2".
func selectedWorkloads(t *Target, pdb *policyv1.PodDisruptionBudget) string {
	var why []string
	for i := range t.Related.Workloads {
		w := &t.Related.Workloads[i]
		if !workload.SelectsPods(pdb, w) {
			continue
		}
		if n, hpa := workload.EffectiveReplicas(w, t.Related.HPAs); hpa != nil {
			why = append(why, fmt.Sprintf("%s %s may scale %s %s down to %d", workload.KindHPA, hpa.Name, w.Kind, w.Name, n))
		} else {
			why = append(why, fmt.Sprintf("%s %s runs %d", w.Kind, w.Name, n))
		}
	}
	return strings.Join(why, ", ")
}
