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

Both sides are judged, whatever the order they arrive in: the budget when
it is created or changed, and a workload when it is created, changed or
scaled, against every budget that selects its pods as the budgets will
stand with the workload as sent. A budget written before its workload, or
a workload scaled down under a budget, is caught on the workload.

**Checked Fields:**

spec.maxUnavailable
spec.minAvailable, against the pods of the workloads in the namespace whose
pod template labels spec.selector selects. A workload's count is its
spec.replicas (unset: 1), or the minReplicas of the HPA that targets it,
since the HPA may scale down to that; a workload scaled to 0 counts 0.
A percentage is rounded up, as the disruption controller does.
On a workload: spec.replicas and spec.template.metadata.labels, against the
budgets that select its pods.

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
		ID:      policy.RulePDBAllowsDisruption,
		Summary: "PodDisruptionBudgets allow at least one disruption, so node drains can proceed.",
		// DaemonSets are left out: their pod count is their node count,
		// which nothing here knows.
		DefaultAction: policy.ActionDeny,
		Kinds: []string{
			workload.KindPDB, workload.KindDeployment, workload.KindStatefulSet,
			workload.KindReplicaSet, workload.KindReplicationController,
		},
		ReplicasOnly: true,
		Check:        checkPDBAllowsDisruption,
	}
}

// fixMaxUnavailable is the fix of every pdb-allows-disruption finding on a
// minAvailable.
const fixMaxUnavailable = "set maxUnavailable: 1 instead of minAvailable"

func checkPDBAllowsDisruption(t *Target) []Finding {
	if pdb, ok := t.Object.(*policyv1.PodDisruptionBudget); ok {
		return checkBudget(t, pdb)
	}
	return checkCoveringBudgets(t)
}

// checkBudget judges a PodDisruptionBudget among the workloads known.
func checkBudget(t *Target, pdb *policyv1.PodDisruptionBudget) []Finding {
	pods, scaled := selectedPods(t, pdb, nil)
	b := judgeBudget(pdb, pods)
	if !b.blocks {
		return nil
	}
	f := Finding{Rule: policy.RulePDBAllowsDisruption, Field: b.field, Message: b.setting + " allows no disruption", Fix: "set maxUnavailable: 1"}
	if b.field == fieldMinAvailable {
		f.Fix = fixMaxUnavailable
	}
	if b.counted {
		f.Message += " of " + podsOf(pods, scaled)
		f.Fix += " (" + selectedWorkloads(t, pdb, nil) + ")"
	} else {
		f.Message += ": node drains wait forever"
	}
	return []Finding{f}
}

// checkCoveringBudgets judges a workload against every PodDisruptionBudget
// that selects its pods, counting the workload as sent (its replicas, or
// the new ones of a scale request) in place of the version the neighbours
// hold. A workload scaled to zero is not judged.
func checkCoveringBudgets(t *Target) []Finding {
	w := &t.Workload
	if w.Kind == "" {
		return nil
	}
	if n, _ := workload.EffectiveReplicas(w, t.Related.HPAs); n == 0 {
		return nil // scaled to zero: a drain has none of its pods to evict
	}
	var findings []Finding
	for _, pdb := range t.Related.PDBs {
		if !workload.SelectsPods(pdb, w) {
			continue
		}
		pods, scaled := selectedPods(t, pdb, w)
		b := judgeBudget(pdb, pods)
		if !b.blocks {
			continue
		}
		name := workload.KindPDB + " " + pdb.Name
		f := Finding{
			Rule:    policy.RulePDBAllowsDisruption,
			Field:   "spec.template.metadata.labels",
			Message: "PDB " + pdb.Name + " (" + b.setting + ") blocks every drain of these pods",
			Fix:     "set maxUnavailable: 1 in " + name,
		}
		if b.counted {
			f.Field = "spec.replicas"
			f.Message = fmt.Sprintf("PDB %s (%s) allows no disruption of %s", pdb.Name, b.setting, podsOf(pods, scaled))
			f.Fix = fmt.Sprintf("%s in %s, or run more pods than it keeps available (%s)", fixMaxUnavailable, name, selectedWorkloads(t, pdb, w))
		}
		findings = append(findings, f)
	}
	return findings
}

// The fields of a PodDisruptionBudget that may allow no disruption.
const (
	fieldMaxUnavailable = "spec.maxUnavailable"
	fieldMinAvailable   = "spec.minAvailable"
)

// budgetVerdict is what judgeBudget says of a PodDisruptionBudget.
type budgetVerdict struct {
	// blocks reports that the budget allows no disruption.
	blocks bool
	// field is the budget's field that makes it so, and setting the
	// setting as people read it: "minAvailable 2".
	field, setting string
	// counted reports that it is so for the count of pods it selects,
	// not whatever the count.
	counted bool
}

// judgeBudget says whether pdb allows no disruption of pods pods, 0 when
// the count is unknown. An invalid value is left to API validation.
func judgeBudget(pdb *policyv1.PodDisruptionBudget, pods int32) budgetVerdict {
	if mu := pdb.Spec.MaxUnavailable; mu != nil {
		v, err := intstr.GetScaledValueFromIntOrPercent(mu, 100, true)
		return budgetVerdict{blocks: err == nil && v <= 0, field: fieldMaxUnavailable, setting: "maxUnavailable " + mu.String()}
	}
	ma := pdb.Spec.MinAvailable
	if ma == nil {
		return budgetVerdict{}
	}
	v := budgetVerdict{field: fieldMinAvailable, setting: "minAvailable " + ma.String()}
	// Scaled to 100 pods, a percentage reads as itself.
	percent, err := intstr.GetScaledValueFromIntOrPercent(ma, 100, true)
	switch {
	case err != nil:
	case ma.Type == intstr.String && percent >= 100:
		v.blocks = true
	case pods > 0:
		n, err := intstr.GetScaledValueFromIntOrPercent(ma, int(pods), true)
		v.blocks, v.counted = err == nil && n >= int(pods), true
	}
	return v
}

// selectedPods returns how few pods the workloads in t.Related that pdb
// selects may run, with self, when not nil, counted in place of the
// neighbour of the same kind and name; 0 when that is unknown: pdb selects
// a DaemonSet or no workload. scaled reports whether an HPA decides the
// count of one of them.
func selectedPods(t *Target, pdb *policyv1.PodDisruptionBudget, self *workload.Workload) (pods int32, scaled bool) {
	known := true
	eachSelected(t, pdb, self, func(w *workload.Workload) {
		if w.Kind == workload.KindDaemonSet {
			known = false
		}
		n, hpa := workload.EffectiveReplicas(w, t.Related.HPAs)
		pods += n
		scaled = scaled || hpa != nil
	})
	if !known {
		return 0, false
	}
	return pods, scaled
}

// eachSelected calls f with each workload in t.Related whose pods pdb
// selects, and self, when not nil, in place of the neighbour of the same
// kind and name.
func eachSelected(t *Target, pdb *policyv1.PodDisruptionBudget, self *workload.Workload, f func(*workload.Workload)) {
	for i := range t.Related.Workloads {
		w := &t.Related.Workloads[i]
		if self != nil && w.Kind == self.Kind && w.Name == self.Name {
			continue
		}
		if workload.SelectsPods(pdb, w) {
			f(w)
		}
	}
	if self != nil {
		f(self)
	}
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
func selectedWorkloads(t *Target, pdb *policyv1.PodDisruptionBudget, self *workload.Workload) string {
	var why []string
	eachSelected(t, pdb, self, func(w *workload.Workload) {
		if n, hpa := workload.EffectiveReplicas(w, t.Related.HPAs); hpa != nil {
			why = append(why, fmt.Sprintf("%s %s may scale %s %s down to %d", workload.KindHPA, hpa.Name, w.Kind, w.Name, n))
		} else {
			why = append(why, fmt.Sprintf("%s %s runs %d", w.Kind, w.Name, n))
		}
	})
	return strings.Join(why, ", ")
}
