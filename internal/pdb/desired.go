package pdb

import (
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/workload"
)

// The label that marks a PodDisruptionBudget as Ballast's. Ballast manages
// a PodDisruptionBudget only when it carries this label and its controller
// ownerReference is the workload it was made for.
const (
	// ManagedByLabel is the well-known Kubernetes label that names the tool
	// managing an object.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is ManagedByLabel's value on Ballast's
	// PodDisruptionBudgets.
	ManagedByValue = "ballast"
)

// workloadKinds are the kinds that get a PodDisruptionBudget: those of the
// workload model that keep one (workload.Kind.KeepsPDB).
var workloadKinds = func() []*workload.Kind {
	var out []*workload.Kind
	for _, k := range workload.Workloads() {
		if k.KeepsPDB {
			out = append(out, k)
		}
	}
	return out
}()

// desiredPDB returns the PodDisruptionBudget Ballast keeps for obj, a
// workload of kind k read as w, by plan: named plan.Name, labelled as
// Ballast's, controlled by the workload (so the garbage collector deletes it
// with the workload), selecting the workload's pods and letting unhealthy
// pods be evicted whatever the budget.
func desiredPDB(k *workload.Kind, obj client.Object, w *workload.Workload, plan workload.PDBPlan) *policyv1.PodDisruptionBudget {
	alwaysAllow := policyv1.AlwaysAllow
	maxUnavailable := plan.MaxUnavailable
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{
			Name:            plan.Name,
			Namespace:       obj.GetNamespace(),
			Labels:          map[string]string{ManagedByLabel: ManagedByValue},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(obj, k.GVK)},
		},
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector:                   w.Selector.DeepCopy(),
			MaxUnavailable:             &maxUnavailable,
			UnhealthyPodEvictionPolicy: &alwaysAllow,
		},
	}
}

// ownedBy reports whether pdb is the Ballast PodDisruptionBudget of the
// workload owner: it carries Ballast's label and owner is its controller.
// Either alone is not enough: a team may copy the label, and a controller
// reference may point at an earlier workload of the same name.
func ownedBy(pdb *policyv1.PodDisruptionBudget, owner metav1.Object) bool {
	if pdb.Labels[ManagedByLabel] != ManagedByValue {
		return false
	}
	ref := metav1.GetControllerOfNoCopy(pdb)
	return ref != nil && ref.UID == owner.GetUID()
}

// drift names the fields of the spec of a PodDisruptionBudget Ballast
// manages, have, that differ from the desired spec, want; nil when none
// does.
func drift(have, want *policyv1.PodDisruptionBudgetSpec) []string {
	var fields []string
	if !equality.Semantic.DeepEqual(have.Selector, want.Selector) {
		fields = append(fields, "selector")
	}
	if !equality.Semantic.DeepEqual(have.MinAvailable, want.MinAvailable) {
		fields = append(fields, "minAvailable")
	}
	if !equality.Semantic.DeepEqual(have.MaxUnavailable, want.MaxUnavailable) {
		fields = append(fields, "maxUnavailable")
	}
	if !equality.Semantic.DeepEqual(have.UnhealthyPodEvictionPolicy, want.UnhealthyPodEvictionPolicy) {
		fields = append(fields, "unhealthyPodEvictionPolicy")
	}
	return fields
}
