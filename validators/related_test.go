package validators

import (
	"testing"

	"github.com/stretchr/testify/assert"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/workload"
)

func TestEffectiveReplicas(t *testing.T) {
	targeting := hpa("web", workload.KindDeployment, "web", ptr.To[int32](3), 10)
	tests := map[string]struct {
		target  *Target
		want    int32
		wantHPA *autoscalingv2.HorizontalPodAutoscaler
	}{
		"spec.replicas":                 {target: newTarget(deployment(replicas(ptr.To[int32](4)))), want: 4},
		"unset replicas mean 1":         {target: newTarget(deployment(replicas(nil))), want: 1},
		"0 replicas":                    {target: newTarget(deployment(replicas(ptr.To[int32](0))))},
		"a StatefulSet's replicas":      {target: newTarget(statefulSet()), want: 2},
		"a DaemonSet has no replicas":   {target: newTarget(daemonSet())},
		"an HPA has no replicas":        {target: newTarget(targeting)},
		"a targeting HPA's minReplicas": {target: newTarget(deployment(replicas(ptr.To[int32](8))), targeting), want: 3, wantHPA: targeting},
		"a targeting HPA is ignored at 0 replicas": {
			target: newTarget(deployment(replicas(ptr.To[int32](0))), targeting),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n, h := workload.EffectiveReplicas(&tc.target.Workload, tc.target.Related.HPAs)
			assert.Equal(t, tc.want, n)
			assert.Same(t, tc.wantHPA, h)
		})
	}
}

func TestTargetingHPA(t *testing.T) {
	withAPIVersion := func(v string) *autoscalingv2.HorizontalPodAutoscaler {
		h := hpa("web", workload.KindDeployment, "web", nil, 3)
		h.Spec.ScaleTargetRef.APIVersion = v
		return h
	}
	inNamespace := func(ns string) *autoscalingv2.HorizontalPodAutoscaler {
		h := hpa("web", workload.KindDeployment, "web", nil, 3)
		h.Namespace = ns
		return h
	}
	low := hpa("low", workload.KindDeployment, "web", ptr.To[int32](2), 5)
	tests := map[string]struct {
		target *Target
		want   *autoscalingv2.HorizontalPodAutoscaler
	}{
		"none":                              {target: newTarget(deployment())},
		"apps/v1":                           {target: newTarget(deployment(), withAPIVersion("apps/v1")), want: withAPIVersion("apps/v1")},
		"another version of apps":           {target: newTarget(deployment(), withAPIVersion("apps/v1beta2")), want: withAPIVersion("apps/v1beta2")},
		"no apiVersion":                     {target: newTarget(deployment(), withAPIVersion("")), want: withAPIVersion("")},
		"another group":                     {target: newTarget(deployment(), withAPIVersion("argoproj.io/v1alpha1"))},
		"an unparsable apiVersion":          {target: newTarget(deployment(), withAPIVersion("a/b/c"))},
		"another kind of the same name":     {target: newTarget(deployment(), hpa("web", workload.KindStatefulSet, "web", nil, 3))},
		"another name":                      {target: newTarget(deployment(), hpa("web", workload.KindDeployment, "api", nil, 3))},
		"another namespace":                 {target: newTarget(deployment(), inNamespace("other"))},
		"a manifest without namespace":      {target: newTarget(deployment(), inNamespace("")), want: inNamespace("")},
		"the lowest minReplicas of several": {target: newTarget(deployment(), hpa("high", workload.KindDeployment, "web", ptr.To[int32](4), 8), low), want: low},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, workload.TargetingHPA(&tc.target.Workload, tc.target.Related.HPAs))
		})
	}
}

func TestSelectingPDBs(t *testing.T) {
	own := pdb(workload.PDBName(workload.KindDeployment, "web"))
	all := pdb("all", func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector = &metav1.LabelSelector{} })
	none := pdb("none", func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector = nil })
	api := pdb("api", func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector.MatchLabels = map[string]string{"app": "api"} })
	elsewhere := pdb("elsewhere", func(p *policyv1.PodDisruptionBudget) { p.Namespace = "other" })
	byExpression := pdb("by-expression", func(p *policyv1.PodDisruptionBudget) {
		p.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"frontend", "backend"}},
		}}
	})
	tests := map[string]struct {
		target *Target
		want   []*policyv1.PodDisruptionBudget
	}{
		"no PDBs": {target: newTarget(deployment())},
		"Ballast's own, an empty selector and a matching expression select; a nil selector, other labels and namespaces do not": {
			target: newTarget(deployment(), own, all, none, api, elsewhere, byExpression),
			want:   []*policyv1.PodDisruptionBudget{own, all, byExpression},
		},
		"an HPA has no pods": {target: newTarget(hpa("web", workload.KindDeployment, "web", nil, 3), own)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, workload.SelectingPDBs(&tc.target.Workload, tc.target.Related.PDBs))
		})
	}
}
