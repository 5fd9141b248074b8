package workload

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ballast-dev/ballast/internal/policy"
)

// Scope returns what an exemption scoped to workloads matches w by: its
// kind, its name and the labels of its pods.
func (w *Workload) Scope() policy.Object {
	return policy.Object{Kind: w.Kind, Name: w.Name, PodLabels: w.TemplateLabels}
}

// ScopeOf returns what an exemption scoped to workloads matches obj by: a
// workload as itself; a Pod as the workload that owns it (a Deployment's
// pods through the ReplicaSet named after the Deployment and the pods'
// pod-template-hash label) with the Pod's labels; an HPA as the workload
// it scales, without labels. Other objects match no such exemption.
func ScopeOf(obj runtime.Object) policy.Object {
	switch o := obj.(type) {
	case *corev1.Pod:
		ref := metav1.GetControllerOfNoCopy(o)
		if ref == nil {
			return policy.Object{}
		}
		s := policy.Object{Kind: ref.Kind, Name: ref.Name, PodLabels: o.Labels}
		if hash := o.Labels[appsv1.DefaultDeploymentUniqueLabelKey]; ref.Kind == KindReplicaSet && hash != "" {
			if name, ok := strings.CutSuffix(ref.Name, "-"+hash); ok {
				s.Kind, s.Name = KindDeployment, name
			}
		}
		return s
	case *autoscalingv2.HorizontalPodAutoscaler:
		return policy.Object{Kind: o.Spec.ScaleTargetRef.Kind, Name: o.Spec.ScaleTargetRef.Name}
	}
	if w, ok := Of(obj); ok {
		return w.Scope()
	}
	return policy.Object{}
}
