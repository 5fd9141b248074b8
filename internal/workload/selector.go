package workload

import (
	"slices"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SelectingPDBs returns the PodDisruptionBudgets of pdbs whose selector
// selects w's pods, judged by its pod template labels. In policy/v1 an empty
// selector selects every pod of the namespace and a nil one none. The result
// includes the one Ballast manages (PDBName).
func SelectingPDBs(w *Workload, pdbs []*policyv1.PodDisruptionBudget) []*policyv1.PodDisruptionBudget {
	var out []*policyv1.PodDisruptionBudget
	for _, pdb := range pdbs {
		if SelectsPods(pdb, w) {
			out = append(out, pdb)
		}
	}
	return out
}

// OtherPDBSelects returns the first PodDisruptionBudget of pdbs other than
// the one named except ("" for none) that selects w's pods, or nil. Unlike
// SelectingPDBs, it allocates nothing.
func OtherPDBSelects(w *Workload, pdbs []*policyv1.PodDisruptionBudget, except string) *policyv1.PodDisruptionBudget {
	for _, pdb := range pdbs {
		if pdb != nil && pdb.Name != except && SelectsPods(pdb, w) {
			return pdb
		}
	}
	return nil
}

// CountedByPDB reports whether a PodDisruptionBudget of pdbs that selects
// w's pods keeps a count of them available (spec.minAvailable): whether
// that budget allows a disruption depends on the pods of every workload it
// selects, so judging w needs them all known.
func CountedByPDB(w *Workload, pdbs []*policyv1.PodDisruptionBudget) bool {
	for _, pdb := range pdbs {
		if pdb.Spec.MinAvailable != nil && SelectsPods(pdb, w) {
			return true
		}
	}
	return false
}

// SelectsPods reports whether pdb selects the pods of w.
func SelectsPods(pdb *policyv1.PodDisruptionBudget, w *Workload) bool {
	return pdb != nil && sameNamespace(pdb.Namespace, w.Namespace) && Selects(pdb.Spec.Selector, w.TemplateLabels)
}

// Selects reports whether sel selects an object with labels lbls, with the
// meaning of metav1.LabelSelectorAsSelector, which the disruption
// controller and the scheduler use: a nil selector selects nothing, an
// empty one everything, and an invalid one (an unknown operator, In or
// NotIn without values, Exists or DoesNotExist with values) nothing, as it
// fails to convert there. Unlike the conversion, it allocates nothing.
func Selects(sel *metav1.LabelSelector, lbls map[string]string) bool {
	if sel == nil {
		return false
	}
	for k, v := range sel.MatchLabels {
		if got, ok := lbls[k]; !ok || got != v {
			return false
		}
	}
	for _, req := range sel.MatchExpressions {
		v, ok := lbls[req.Key]
		switch req.Operator {
		case metav1.LabelSelectorOpIn:
			if len(req.Values) == 0 || !ok || !slices.Contains(req.Values, v) {
				return false
			}
		case metav1.LabelSelectorOpNotIn:
			if len(req.Values) == 0 || ok && slices.Contains(req.Values, v) {
				return false
			}
		case metav1.LabelSelectorOpExists:
			if len(req.Values) != 0 || !ok {
				return false
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if len(req.Values) != 0 || ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}
