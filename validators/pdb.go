package validators

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
A workload with several replicas has a PodDisruptionBudget, so that a node
drain or a cluster upgrade evicts its pods a few at a time instead of all at
once.

**Checked Fields:**

the PodDisruptionBudgets of the namespace whose spec.selector selects the
pod template's labels (in policy/v1 an empty selector selects every pod of
the namespace, a nil one none), when the workload runs 2 or more effective
replicas (see workload.EffectiveReplicas).

**Allowed Values:**

any PodDisruptionBudget that selects the pods (pdb-allows-disruption judges
whether it lets drains proceed), or one that Ballast will create:
workload.PlanPDB. Ballast's PDB reconciler creates it, so with the default
policy this rule fires only where rules.pdb.create is false or the workload
runs fewer replicas than rules.min-replicas.minimum.

**Fix:**

a PodDisruptionBudget with maxUnavailable: 1 and the workload's selector.
*/

func pdbRule() Rule {
	return Rule{
		ID:            policy.RulePDB,
		Summary:       "Workloads with 2 or more replicas have a PodDisruptionBudget, or Ballast creates one.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindReplicaSet, workload.KindReplicationController},
		ReplicasOnly:  true,
		Check:         checkPDB,
	}
}

func checkPDB(t *Target) []Finding {
	w := &t.Workload
	n, _ := workload.EffectiveReplicas(w, t.Related.HPAs)
	if n < 2 || workload.OtherPDBSelects(w, t.Related.PDBs, "") != nil || workload.PlanPDB(w, t.Related, t.Settings).Planned {
		return nil
	}
	return []Finding{{
		Rule:    policy.RulePDB,
		Field:   "spec.selector",
		Message: fmt.Sprintf("%d replicas and no PodDisruptionBudget: a node drain may evict all at once", n),
		Fix:     "add a PodDisruptionBudget: {maxUnavailable: 1, selector: {matchLabels: " + flowMap(w.PodLabels()) + "}}",
	}}
}

// flowMap renders labels as a YAML flow mapping with sorted keys, e.g.
// {app: web, tier: front}.
func flowMap(labels map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(labels)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + ": " + labels[k])
	}
	b.WriteByte('}')
	return b.String()
}
