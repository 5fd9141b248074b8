package validators

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/ballast-dev/ballast/internal/policy"
)

/*
A workload with several replicas has a PodDisruptionBudget, so that a node
drain or a cluster upgrade evicts its pods a few at a time instead of all at
once.

**Checked Fields:**

the PodDisruptionBudgets of the namespace whose spec.selector selects the
pod template's labels (in policy/v1 an empty selector selects every pod of
the namespace, a nil one none), when the workload runs 2 or more effective
replicas (see EffectiveReplicas).

**Allowed Values:**

any PodDisruptionBudget that selects the pods (pdb-allows-disruption judges
whether it lets drains proceed), or one that Ballast will create:
WillCreatePDB. Ballast's PDB reconciler creates it, so with the default
policy this rule fires only where rules.pdb.create is false or the workload
runs fewer replicas than rules.min-replicas.minimum.

**Fix:**

a PodDisruptionBudget with maxUnavailable: 1 and the workload's selector.
*/

func pdbRule() Rule {
	return Rule{
		ID:            PDBID,
		Summary:       "Workloads with 2 or more replicas have a PodDisruptionBudget, or Ballast creates one.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{KindDeployment, KindStatefulSet},
		Check:         checkPDB,
	}
}

func checkPDB(t *Target) []Finding {
	n, _ := EffectiveReplicas(t)
	if n < 2 || otherPDBSelects(t, "") || WillCreatePDB(t) {
		return nil
	}
	return []Finding{{
		Rule:    PDBID,
		Field:   "spec.selector",
		Message: fmt.Sprintf("%d replicas and no PodDisruptionBudget: a node drain may evict all at once", n),
		Fix:     "add a PodDisruptionBudget: {maxUnavailable: 1, selector: {matchLabels: " + flowMap(podLabels(t)) + "}}",
	}}
}

// WillCreatePDB reports whether the policy has Ballast create a
// PodDisruptionBudget for the target: the target is a Deployment or a
// StatefulSet in a namespace whose mode is not off, the pdb rule is not
// exempted there, rules.pdb.create is true (or unset), the workload runs at
// least 2 effective replicas and at least the min-replicas minimum, and no
// PodDisruptionBudget other than Ballast's own (PDBName) selects its pods.
// It holds in dryrun too, where the creation is reported, not done.
func WillCreatePDB(t *Target) bool {
	if t.Kind != KindDeployment && t.Kind != KindStatefulSet || t.Settings == nil || t.Settings.Mode == policy.ModeOff {
		return false
	}
	if _, exempt := t.Settings.Exempted(PDBID); exempt || !createPDBs(t) {
		return false
	}
	n, _ := EffectiveReplicas(t)
	return n >= 2 && n >= minReplicas(t) && !otherPDBSelects(t, PDBName(t.Kind, t.Name))
}

// pdbNameHashLen is the length of the hash suffix of a shortened PDBName.
const pdbNameHashLen = 10

// PDBName returns the name of the PodDisruptionBudget Ballast manages for
// the workload kind/name: "ballast-" + lower(kind) + "-" + name. A name
// longer than a DNS subdomain allows (253 characters) is cut and ends
// with "-" and a hash of the full name, so it stays unique and stable.
func PDBName(kind, name string) string {
	full := "ballast-" + strings.ToLower(kind) + "-" + name
	if len(full) <= validation.DNS1123SubdomainMaxLength {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	prefix := strings.TrimRight(full[:validation.DNS1123SubdomainMaxLength-pdbNameHashLen-1], "-.")
	return prefix + "-" + hex.EncodeToString(sum[:])[:pdbNameHashLen]
}

// podLabels returns the labels a PodDisruptionBudget for the target should
// select: its spec.selector.matchLabels, else its pod template labels.
func podLabels(t *Target) map[string]string {
	switch o := t.Object.(type) {
	case *appsv1.Deployment:
		if o.Spec.Selector != nil && len(o.Spec.Selector.MatchLabels) > 0 {
			return o.Spec.Selector.MatchLabels
		}
	case *appsv1.StatefulSet:
		if o.Spec.Selector != nil && len(o.Spec.Selector.MatchLabels) > 0 {
			return o.Spec.Selector.MatchLabels
		}
	}
	if t.Template.Meta != nil {
		return t.Template.Meta.Labels
	}
	return nil
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
