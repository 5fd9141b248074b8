package workload

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// EffectiveReplicas returns the fewest replicas w runs, and the
// HorizontalPodAutoscaler of hpas that decides it, if any.
//
// Without an HPA it is spec.replicas, 1 when unset. When an HPA targets the
// workload (see TargetingHPA), the HPA owns spec.replicas and may scale down
// to its minReplicas (1 when unset), so that is the count. A spec.replicas
// of 0 wins over any HPA, because the HPA controller does not scale a target
// that was scaled to zero: the result is then 0 and no HPA. Kinds without
// replicas (a DaemonSet) give 0 and no HPA.
func EffectiveReplicas(w *Workload, hpas []*autoscalingv2.HorizontalPodAutoscaler) (int32, *autoscalingv2.HorizontalPodAutoscaler) {
	if k, ok := Named(w.Kind); !ok || !k.HasReplicas() {
		return 0, nil
	}
	if w.Replicas != nil && *w.Replicas == 0 {
		return 0, nil
	}
	if hpa := TargetingHPA(w, hpas); hpa != nil {
		return HPAMinReplicas(hpa), hpa
	}
	return ptr.Deref(w.Replicas, 1), nil
}

// TargetingHPA returns the HorizontalPodAutoscaler of hpas that scales w:
// its spec.scaleTargetRef names w's kind and name, in the apps group or with
// no apiVersion. When several do, which the HPA controller refuses to act
// on, it returns the one with the lowest minReplicas, the worst case. It
// returns nil when none does.
func TargetingHPA(w *Workload, hpas []*autoscalingv2.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
	var found *autoscalingv2.HorizontalPodAutoscaler
	for _, h := range hpas {
		if h == nil || !sameNamespace(h.Namespace, w.Namespace) || !targets(h.Spec.ScaleTargetRef, w.Kind, w.Name) {
			continue
		}
		if found == nil || HPAMinReplicas(h) < HPAMinReplicas(found) {
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

// HPAMinReplicas returns an HPA's minReplicas, 1 when unset as the API
// defaults it.
func HPAMinReplicas(h *autoscalingv2.HorizontalPodAutoscaler) int32 {
	return ptr.Deref(h.Spec.MinReplicas, 1)
}

// sameNamespace reports whether two objects may share a namespace; an empty
// namespace, as in manifests that leave it to kubectl, matches any.
func sameNamespace(a, b string) bool {
	return a == "" || b == "" || a == b
}
