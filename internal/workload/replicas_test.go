package workload

import (
	"testing"

	"github.com/stretchr/testify/assert"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestEffectiveReplicas(t *testing.T) {
	targeting := hpa("web", KindDeployment, "web", ptr.To[int32](3), 10)
	tests := map[string]struct {
		workload *Workload
		hpas     []*autoscalingv2.HorizontalPodAutoscaler
		want     int32
		wantHPA  *autoscalingv2.HorizontalPodAutoscaler
	}{
		"spec.replicas":                 {workload: web(replicas(ptr.To[int32](4))), want: 4},
		"unset replicas mean 1":         {workload: web(replicas(nil)), want: 1},
		"0 replicas":                    {workload: web(replicas(ptr.To[int32](0)))},
		"a StatefulSet's replicas":      {workload: web(kind(KindStatefulSet)), want: 2},
		"a DaemonSet has no replicas":   {workload: web(kind(KindDaemonSet))},
		"an unknown kind has none":      {workload: web(kind("CronJob"))},
		"a targeting HPA's minReplicas": {workload: web(replicas(ptr.To[int32](8))), hpas: []*autoscalingv2.HorizontalPodAutoscaler{targeting}, want: 3, wantHPA: targeting},
		"a targeting HPA is ignored at 0 replicas": {
			workload: web(replicas(ptr.To[int32](0))), hpas: []*autoscalingv2.HorizontalPodAutoscaler{targeting},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n, h := EffectiveReplicas(tc.workload, tc.hpas)
			assert.Equal(t, tc.want, n)
			assert.Same(t, tc.wantHPA, h)
		})
	}
}

func TestTargetingHPA(t *testing.T) {
	withAPIVersion := func(v string) *autoscalingv2.HorizontalPodAutoscaler {
		h := hpa("web", KindDeployment, "web", nil, 3)
		h.Spec.ScaleTargetRef.APIVersion = v
		return h
	}
	inNamespace := func(ns string) *autoscalingv2.HorizontalPodAutoscaler {
		h := hpa("web", KindDeployment, "web", nil, 3)
		h.Namespace = ns
		return h
	}
	low := hpa("low", KindDeployment, "web", ptr.To[int32](2), 5)
	tests := map[string]struct {
		hpas []*autoscalingv2.HorizontalPodAutoscaler
		want *autoscalingv2.HorizontalPodAutoscaler
	}{
		"none":                              {},
		"apps/v1":                           {hpas: []*autoscalingv2.HorizontalPodAutoscaler{withAPIVersion("apps/v1")}, want: withAPIVersion("apps/v1")},
		"another version of apps":           {hpas: []*autoscalingv2.HorizontalPodAutoscaler{withAPIVersion("apps/v1beta2")}, want: withAPIVersion("apps/v1beta2")},
		"no apiVersion":                     {hpas: []*autoscalingv2.HorizontalPodAutoscaler{withAPIVersion("")}, want: withAPIVersion("")},
		"another group":                     {hpas: []*autoscalingv2.HorizontalPodAutoscaler{withAPIVersion("argoproj.io/v1alpha1")}},
		"an unparsable apiVersion":          {hpas: []*autoscalingv2.HorizontalPodAutoscaler{withAPIVersion("a/b/c")}},
		"another kind of the same name":     {hpas: []*autoscalingv2.HorizontalPodAutoscaler{hpa("web", KindStatefulSet, "web", nil, 3)}},
		"another name":                      {hpas: []*autoscalingv2.HorizontalPodAutoscaler{hpa("web", KindDeployment, "api", nil, 3)}},
		"another namespace":                 {hpas: []*autoscalingv2.HorizontalPodAutoscaler{inNamespace("other")}},
		"a manifest without namespace":      {hpas: []*autoscalingv2.HorizontalPodAutoscaler{inNamespace("")}, want: inNamespace("")},
		"a nil HPA is skipped":              {hpas: []*autoscalingv2.HorizontalPodAutoscaler{nil}},
		"the lowest minReplicas of several": {hpas: []*autoscalingv2.HorizontalPodAutoscaler{hpa("high", KindDeployment, "web", ptr.To[int32](4), 8), low}, want: low},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, TargetingHPA(web(), tc.hpas))
		})
	}
}

func TestSelectingPDBs(t *testing.T) {
	own := pdb(PDBName(KindDeployment, "web"))
	all := pdb("all", func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector = &metav1.LabelSelector{} })
	none := pdb("none", func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector = nil })
	api := pdb("api", func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector.MatchLabels = map[string]string{"app": "api"} })
	elsewhere := pdb("elsewhere", func(p *policyv1.PodDisruptionBudget) { p.Namespace = "other" })
	byExpression := pdb("by-expression", func(p *policyv1.PodDisruptionBudget) {
		p.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"frontend", "backend"}},
		}}
	})
	pdbs := []*policyv1.PodDisruptionBudget{own, all, none, api, elsewhere, byExpression}

	assert.Nil(t, SelectingPDBs(web(), nil), "no PDBs")
	assert.Equal(t, []*policyv1.PodDisruptionBudget{own, all, byExpression}, SelectingPDBs(web(), pdbs),
		"Ballast's own, an empty selector and a matching expression select; a nil selector, other labels and namespaces do not")
	assert.Same(t, all, OtherPDBSelects(web(), pdbs, own.Name), "the first budget other than Ballast's own")
	assert.Nil(t, OtherPDBSelects(web(), []*policyv1.PodDisruptionBudget{own, api}, own.Name), "none but its own")
}
