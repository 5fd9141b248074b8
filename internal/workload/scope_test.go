package workload

import (
	"testing"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestScopeOf(t *testing.T) {
	podOf := func(kind, name string, labels map[string]string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: labels}}
		if kind != "" {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: kind, Name: name, Controller: ptr.To(true)}}
		}
		return p
	}
	hashed := map[string]string{"app": "web", appsv1.DefaultDeploymentUniqueLabelKey: "6d4cf56db6"}
	tests := map[string]struct {
		obj  runtime.Object
		want policy.Object
	}{
		"a Deployment as itself, with its pod template labels": {
			obj: &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Name: "web"},
				Spec:       appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}}},
			},
			want: policy.Object{Kind: KindDeployment, Name: "web", PodLabels: map[string]string{"app": "web"}},
		},
		"a Deployment's pod as the Deployment, through its ReplicaSet": {
			obj:  podOf(KindReplicaSet, "web-6d4cf56db6", hashed),
			want: policy.Object{Kind: KindDeployment, Name: "web", PodLabels: hashed},
		},
		"the pod of a ReplicaSet created directly as the ReplicaSet": {
			obj:  podOf(KindReplicaSet, "web", map[string]string{"app": "web"}),
			want: policy.Object{Kind: KindReplicaSet, Name: "web", PodLabels: map[string]string{"app": "web"}},
		},
		"a StatefulSet's pod as the StatefulSet": {
			obj:  podOf(KindStatefulSet, "db", map[string]string{"app": "db"}),
			want: policy.Object{Kind: KindStatefulSet, Name: "db", PodLabels: map[string]string{"app": "db"}},
		},
		"a bare pod as nothing": {
			obj: podOf("", "", map[string]string{"app": "web"}),
		},
		"an HPA as the workload it scales, without labels": {
			obj: &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: KindDeployment, Name: "web"},
			}},
			want: policy.Object{Kind: KindDeployment, Name: "web"},
		},
		"a PDB as nothing": {
			obj: &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, ScopeOf(tc.obj))
		})
	}
}
