package validators

import (
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// EffectiveReplicas returns the fewest replicas a Deployment or StatefulSet
// target runs, and the HorizontalPodAutoscaler that decides it, if any.
//
// Without an HPA it is spec.replicas, 1 when unset. When an HPA in
// t.Related targets the workload (see TargetingHPA), the HPA owns
// spec.replicas and may scale down to its minReplicas (1 when unset), so
// that is the count. A spec.replicas of 0 wins over any HPA, because the HPA
// controller does not scale a target that was scaled to zero: the result is
// then 0 and no HPA. Other kinds have no replicas: the result is 0 and no
// HPA.
func EffectiveReplicas(t *Target) (n int32, hpa *autoscalingv2.HorizontalPodAutoscaler) {
	var replicas *int32
	switch o := t.Object.(type) {
	case *appsv1.Deployment:
		replicas = o.Spec.Replicas
	case *appsv1.StatefulSet:
		replicas = o.Spec.Replicas
	default:
		return 0, nil
	}
	return scale(t.Kind, t.Name, t.Namespace, replicas, t.Related.HPAs)
}

// scale returns the fewest replicas of the workload kind/name, whose
// spec.replicas is replicas, given the HPAs of its namespace.
func scale(kind, name, namespace string, replicas *int32, hpas []*autoscalingv2.HorizontalPodAutoscaler) (int32, *autoscalingv2.HorizontalPodAutoscaler) {
	if replicas != nil && *replicas == 0 {
		return 0, nil
	}
	if hpa := targetingHPA(kind, name, namespace, hpas); hpa != nil {
		return hpaMin(hpa), hpa
	}
	return ptr.Deref(replicas, 1), nil
}

// TargetingHPA returns the HorizontalPodAutoscaler in t.Related that scales
// the target: its spec.scaleTargetRef names the target's kind and name, in
// the apps group or with no apiVersion. When several do, which the HPA
// controller refuses to act on, it returns the one with the lowest
// minReplicas, the worst case. It returns nil when none does.
func TargetingHPA(t *Target) *autoscalingv2.HorizontalPodAutoscaler {
	return targetingHPA(t.Kind, t.Name, t.Namespace, t.Related.HPAs)
}

func targetingHPA(kind, name, namespace string, hpas []*autoscalingv2.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
	var found *autoscalingv2.HorizontalPodAutoscaler
	for _, h := range hpas {
		if h == nil || !sameNamespace(h.Namespace, namespace) || !targets(h.Spec.ScaleTargetRef, kind, name) {
			continue
		}
		if found == nil || hpaMin(h) < hpaMin(found) {
			found = h
		}
	}
	return found
}

// targets reports whether ref names the object kind/name of the apps group.
func targets(ref autoscalingv2.CrossVersionObjectReference, kind, name string) bool {
	if ref.Kind != kind || ref.Name != name {
		return false
	}
	if ref.APIVersion == "" {
		return true
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	return err == nil && gv.Group == appsv1.GroupName
}

// hpaMin returns an HPA's minReplicas, 1 when unset as the API defaults it.
func hpaMin(h *autoscalingv2.HorizontalPodAutoscaler) int32 {
	return ptr.Deref(h.Spec.MinReplicas, 1)
}

// SelectingPDBs returns the PodDisruptionBudgets in t.Related whose
// selector selects the target's pods, judged by its pod template labels. In
// policy/v1 an empty selector selects every pod of the namespace and a nil
// one none. The result includes the one Ballast manages (PDBName); it is
// nil for targets without a pod template.
func SelectingPDBs(t *Target) []*policyv1.PodDisruptionBudget {
	var out []*policyv1.PodDisruptionBudget
	for _, pdb := range t.Related.PDBs {
		if selectsPods(t, pdb) {
			out = append(out, pdb)
		}
	}
	return out
}

// otherPDBSelects reports whether a PodDisruptionBudget other than the one
// named except ("" for none) selects the target's pods. Unlike
// SelectingPDBs, it allocates nothing.
func otherPDBSelects(t *Target, except string) bool {
	for _, pdb := range t.Related.PDBs {
		if pdb.Name != except && selectsPods(t, pdb) {
			return true
		}
	}
	return false
}

// selectsPods reports whether pdb selects the pods of the target.
func selectsPods(t *Target, pdb *policyv1.PodDisruptionBudget) bool {
	return pdb != nil && t.Template.Meta != nil && sameNamespace(pdb.Namespace, t.Namespace) &&
		selects(pdb.Spec.Selector, t.Template.Meta.Labels)
}

// sameNamespace reports whether two objects may share a namespace; an empty
// namespace, as in manifests that leave it to kubectl, matches any.
func sameNamespace(a, b string) bool {
	return a == "" || b == "" || a == b
}

// selects reports whether sel selects an object with labels lbls, with the
// meaning of metav1.LabelSelectorAsSelector, which the disruption
// controller and the scheduler use: a nil selector selects nothing, an
// empty one everything, and an invalid one (an unknown operator, In or
// NotIn without values, Exists or DoesNotExist with values) nothing, as it
// fails to convert there. Unlike the conversion, it allocates nothing.
func selects(sel *metav1.LabelSelector, lbls map[string]string) bool {
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
