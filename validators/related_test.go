package validators

import (
	"testing"

	"github.com/stretchr/testify/assert"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
)

func TestEffectiveReplicas(t *testing.T) {
	targeting := hpa("web", KindDeployment, "web", ptr.To[int32](3), 10)
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
			n, h := EffectiveReplicas(tc.target)
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
		target *Target
		want   *autoscalingv2.HorizontalPodAutoscaler
	}{
		"none":                              {target: newTarget(deployment())},
		"apps/v1":                           {target: newTarget(deployment(), withAPIVersion("apps/v1")), want: withAPIVersion("apps/v1")},
		"another version of apps":           {target: newTarget(deployment(), withAPIVersion("apps/v1beta2")), want: withAPIVersion("apps/v1beta2")},
		"no apiVersion":                     {target: newTarget(deployment(), withAPIVersion("")), want: withAPIVersion("")},
		"another group":                     {target: newTarget(deployment(), withAPIVersion("argoproj.io/v1alpha1"))},
		"an unparsable apiVersion":          {target: newTarget(deployment(), withAPIVersion("a/b/c"))},
		"another kind of the same name":     {target: newTarget(deployment(), hpa("web", KindStatefulSet, "web", nil, 3))},
		"another name":                      {target: newTarget(deployment(), hpa("web", KindDeployment, "api", nil, 3))},
		"another namespace":                 {target: newTarget(deployment(), inNamespace("other"))},
		"a manifest without namespace":      {target: newTarget(deployment(), inNamespace("")), want: inNamespace("")},
		"the lowest minReplicas of several": {target: newTarget(deployment(), hpa("high", KindDeployment, "web", ptr.To[int32](4), 8), low), want: low},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, TargetingHPA(tc.target))
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
	tests := map[string]struct {
		target *Target
		want   []*policyv1.PodDisruptionBudget
	}{
		"no PDBs": {target: newTarget(deployment())},
		"Ballast's own, an empty selector and a matching expression select; a nil selector, other labels and namespaces do not": {
			target: newTarget(deployment(), own, all, none, api, elsewhere, byExpression),
			want:   []*policyv1.PodDisruptionBudget{own, all, byExpression},
		},
		"an HPA has no pods": {target: newTarget(hpa("web", KindDeployment, "web", nil, 3), own)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, SelectingPDBs(tc.target))
		})
	}
}

// TestSelectsAgreesWithAPIMachinery checks selects against the conversion
// the disruption controller and the scheduler use.
func TestSelectsAgreesWithAPIMachinery(t *testing.T) {
	sets := []map[string]string{
		nil,
		{},
		{"app": "web"},
		{"app": "web", "tier": "frontend"},
		{"app": "api", "tier": "backend"},
		{"tier": "frontend"},
	}
	req := func(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	selectors := map[string]*metav1.LabelSelector{
		"nil":                      nil,
		"empty":                    {},
		"matchLabels":              {MatchLabels: map[string]string{"app": "web"}},
		"two matchLabels":          {MatchLabels: map[string]string{"app": "web", "tier": "frontend"}},
		"In":                       req("app", metav1.LabelSelectorOpIn, "web", "api"),
		"In without values":        req("app", metav1.LabelSelectorOpIn),
		"NotIn":                    req("app", metav1.LabelSelectorOpNotIn, "web"),
		"NotIn without values":     req("app", metav1.LabelSelectorOpNotIn),
		"Exists":                   req("tier", metav1.LabelSelectorOpExists),
		"Exists with values":       req("tier", metav1.LabelSelectorOpExists, "frontend"),
		"DoesNotExist":             req("tier", metav1.LabelSelectorOpDoesNotExist),
		"DoesNotExist with values": req("tier", metav1.LabelSelectorOpDoesNotExist, "x"),
		"an unknown operator":      req("app", "Near", "web"),
		"matchLabels and expressions": {
			MatchLabels:      map[string]string{"app": "web"},
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"backend"}}},
		},
	}
	for name, sel := range selectors {
		converted, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			converted = labels.Nothing()
		}
		for _, set := range sets {
			assert.Equal(t, converted.Matches(labels.Set(set)), selects(sel, set), "%s selector over %v", name, set)
		}
	}
}
