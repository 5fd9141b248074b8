package workload

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// webLabels are the pod template labels of web().
var webLabels = map[string]string{"app": "web", "tier": "frontend"}

// web returns the Deployment shop/web of 2 replicas, pods labelled
// webLabels; mods edit it.
func web(mods ...func(*Workload)) *Workload {
	w := &Workload{
		Kind: KindDeployment, Namespace: "shop", Name: "web", Replicas: ptr.To[int32](2),
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, TemplateLabels: webLabels,
	}
	for _, mod := range mods {
		mod(w)
	}
	return w
}

// replicas sets spec.replicas.
func replicas(n *int32) func(*Workload) { return func(w *Workload) { w.Replicas = n } }

// kind makes the workload one of kind k; a DaemonSet has no replicas.
func kind(k string) func(*Workload) {
	return func(w *Workload) {
		w.Kind = k
		if k == KindDaemonSet {
			w.Replicas = nil
		}
	}
}

// hpa returns the HPA shop/name that scales the workload kind/target.
func hpa(name, kind, target string, minReplicas *int32, maxReplicas int32) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: kind, Name: target},
			MinReplicas:    minReplicas,
			MaxReplicas:    maxReplicas,
		},
	}
}

// pdb returns the PodDisruptionBudget shop/name over the pods labelled
// app=web; mods edit it.
func pdb(name string, mods ...func(*policyv1.PodDisruptionBudget)) *policyv1.PodDisruptionBudget {
	p := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}
	for _, mod := range mods {
		mod(p)
	}
	return p
}
