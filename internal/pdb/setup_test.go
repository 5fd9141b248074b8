package pdb

import (
	"testing"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// deployment returns a Deployment whose pod template carries labels.
func deployment(namespace, name string, labels map[string]string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}},
		},
	}
}

// fakeWatcher returns a Deployment watcher over a fake cache that holds
// objs.
func fakeWatcher(objs ...client.Object) *watcher {
	c := fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).WithObjects(objs...).Build()
	return &watcher{client: c, kind: workloadKinds[0]}
}

func TestSelectedBy(t *testing.T) {
	w := fakeWatcher(
		deployment("shop", "web", map[string]string{"app": "web", "tier": "front"}),
		deployment("shop", "api", map[string]string{"app": "api", "tier": "back"}),
		deployment("shop", "bare", nil),
		deployment("other", "web", map[string]string{"app": "web", "tier": "front"}),
	)
	tests := map[string]struct {
		selector *metav1.LabelSelector
		want     []reconcile.Request
	}{
		"matchLabels": {
			selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			want:     []reconcile.Request{request("shop", "web")},
		},
		"matchExpressions": {
			selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"front", "back"}},
			}},
			want: []reconcile.Request{request("shop", "api"), request("shop", "web")},
		},
		"an empty selector selects every pod of the namespace": {
			selector: &metav1.LabelSelector{},
			want:     []reconcile.Request{request("shop", "api"), request("shop", "bare"), request("shop", "web")},
		},
		"a nil selector selects nothing": {},
		"an invalid selector selects nothing": {
			selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "tier", Operator: metav1.LabelSelectorOpIn},
			}},
		},
		"no match": {
			selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pdb := &policyv1.PodDisruptionBudget{
				ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "team"},
				Spec:       policyv1.PodDisruptionBudgetSpec{Selector: tc.selector},
			}
			assert.ElementsMatch(t, tc.want, w.selectedBy(t.Context(), pdb))
		})
	}
}

func TestScaledBy(t *testing.T) {
	tests := map[string]struct {
		ref  autoscalingv2.CrossVersionObjectReference
		want []reconcile.Request
	}{
		"a Deployment": {
			ref:  autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			want: []reconcile.Request{request("shop", "web")},
		},
		"a Deployment without apiVersion": {
			ref:  autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"},
			want: []reconcile.Request{request("shop", "web")},
		},
		"a StatefulSet, for the other controller": {
			ref: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web"},
		},
		"no name": {
			ref: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment"},
		},
	}
	w := fakeWatcher()
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			hpa := &autoscalingv2.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
				Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: tc.ref},
			}
			assert.Equal(t, tc.want, w.scaledBy(t.Context(), hpa))
		})
	}
}

func TestInNamespace(t *testing.T) {
	w := fakeWatcher(
		deployment("shop", "web", map[string]string{"app": "web"}),
		deployment("shop", "api", map[string]string{"app": "api"}),
		deployment("other", "web", map[string]string{"app": "web"}),
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db"}},
	)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}
	assert.ElementsMatch(t, []reconcile.Request{request("shop", "web"), request("shop", "api")}, w.inNamespace(t.Context(), ns))
}
