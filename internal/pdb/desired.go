package pdb

import (
	appsv1 "k8s.io/api/apps/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/validators"
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

// workloadKind is a kind of workload the reconciler keeps
// PodDisruptionBudgets for.
type workloadKind struct {
	// name is the kind, as validators names it (validators.KindDeployment).
	name string
	// newObject returns an empty object of the kind.
	newObject func() client.Object
	// newList returns an empty list of objects of the kind.
	newList func() client.ObjectList
}

// workloadKinds are the kinds that get a PodDisruptionBudget: those that run
// a number of interchangeable replicas. A DaemonSet runs one pod per node,
// which a drain evicts anyway.
var workloadKinds = []workloadKind{
	{
		name:      validators.KindDeployment,
		newObject: func() client.Object { return &appsv1.Deployment{} },
		newList:   func() client.ObjectList { return &appsv1.DeploymentList{} },
	},
	{
		name:      validators.KindStatefulSet,
		newObject: func() client.Object { return &appsv1.StatefulSet{} },
		newList:   func() client.ObjectList { return &appsv1.StatefulSetList{} },
	},
}

// selectorOf returns the pod selector of a Deployment or a StatefulSet, and
// nil for any other object.
func selectorOf(obj client.Object) *metav1.LabelSelector {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return o.Spec.Selector
	case *appsv1.StatefulSet:
		return o.Spec.Selector
	}
	return nil
}

// templateLabels returns the labels of a workload's pod template. They
// survive the manager's cache, which strips the rest of the template.
func templateLabels(obj client.Object) map[string]string {
	if tmpl, ok := podspec.Extract(obj); ok {
		return tmpl.Meta.Labels
	}
	return nil
}

// maxUnavailable returns the maxUnavailable of the PodDisruptionBudgets the
// policy spec has Ballast create: rules.pdb.maxUnavailable, 1 when unset.
func maxUnavailable(spec *policy.Spec) intstr.IntOrString {
	if mu := spec.Rules.PDB.MaxUnavailable; mu != nil {
		return *mu
	}
	return intstr.FromInt32(1)
}

// desiredPDB returns the PodDisruptionBudget Ballast keeps for the workload
// obj of kind: named validators.PDBName, labelled as Ballast's, controlled
// by the workload (so the garbage collector deletes it with the workload),
// selecting the workload's pods and letting unhealthy pods be evicted
// whatever the budget.
func desiredPDB(kind string, obj client.Object, maxUnavailable intstr.IntOrString) *policyv1.PodDisruptionBudget {
	gvk := appsv1.SchemeGroupVersion.WithKind(kind)
	alwaysAllow := policyv1.AlwaysAllow
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{
			Name:            validators.PDBName(kind, obj.GetName()),
			Namespace:       obj.GetNamespace(),
			Labels:          map[string]string{ManagedByLabel: ManagedByValue},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(obj, gvk)},
		},
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector:                   selectorOf(obj).DeepCopy(),
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
