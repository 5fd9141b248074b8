package validators

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

func TestRollingUpdate(t *testing.T) {
	strategy := func(maxSurge, maxUnavailable *intstr.IntOrString) func(*appsv1.Deployment) {
		return func(d *appsv1.Deployment) {
			d.Spec.Strategy = appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: maxSurge, MaxUnavailable: maxUnavailable},
			}
		}
	}
	recreate := func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType }
	allDown := func(maxUnavailable, maxSurge string) Finding {
		return Finding{
			Rule:    policy.RuleRollingUpdate,
			Field:   "spec.strategy.rollingUpdate",
			Message: "rollouts may stop every replica at once (maxUnavailable " + maxUnavailable + ", maxSurge " + maxSurge + ")",
			Fix:     "set strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}",
		}
	}
	zero, one, two := ptr.To(intstr.FromInt32(0)), ptr.To(intstr.FromInt32(1)), ptr.To(intstr.FromInt32(2))
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"the default strategy passes": {
			target: newTarget(deployment()),
		},
		"the default strategy passes at 1 replica: it surges first": {
			target: newTarget(deployment(replicas(nil))),
		},
		"Recreate fails": {
			target: newTarget(deployment(recreate)),
			want: []Finding{{
				Rule:    policy.RuleRollingUpdate,
				Field:   "spec.strategy.type",
				Message: "strategy Recreate stops every replica before the new ones start",
				Fix:     "set strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}",
			}},
		},
		"Recreate fails at 1 replica too": {
			target: newTarget(deployment(recreate, replicas(nil))),
			want: []Finding{{
				Rule:    policy.RuleRollingUpdate,
				Field:   "spec.strategy.type",
				Message: "strategy Recreate stops every replica before the new ones start",
				Fix:     "set strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}",
			}},
		},
		"Recreate at 0 replicas stops nothing": {
			target: newTarget(deployment(recreate, replicas(ptr.To[int32](0)))),
		},
		"maxUnavailable 1 of 2 passes": {
			target: newTarget(deployment(strategy(zero, one))),
		},
		"maxUnavailable 2 of 2 fails": {
			target: newTarget(deployment(strategy(one, two))),
			want:   []Finding{allDown("2", "1")},
		},
		"maxUnavailable 100% fails": {
			target: newTarget(deployment(strategy(nil, ptr.To(intstr.FromString("100%"))))),
			want:   []Finding{allDown("100%", "25%")},
		},
		"maxUnavailable 75% of 2 rounds down to 1 and passes": {
			target: newTarget(deployment(strategy(zero, ptr.To(intstr.FromString("75%"))))),
		},
		"maxUnavailable 1 with maxSurge 0 at 1 replica fails": {
			target: newTarget(deployment(replicas(nil), strategy(zero, one))),
			want:   []Finding{allDown("1", "0")},
		},
		"maxSurge 0 and maxUnavailable 25% at 1 replica resolve to 1 unavailable and fail": {
			target: newTarget(deployment(replicas(nil), strategy(zero, nil))),
			want:   []Finding{allDown("25%", "0")},
		},
		"maxUnavailable 1 at 1 replica fails despite the surge": {
			target: newTarget(deployment(replicas(nil), strategy(nil, one))),
			want:   []Finding{allDown("1", "25%")},
		},
		"an HPA's minReplicas is the count": {
			target: newTarget(deployment(replicas(ptr.To[int32](6)), strategy(one, two)), hpa("web", workload.KindDeployment, "web", ptr.To[int32](2), 10)),
			want:   []Finding{allDown("2", "1")},
		},
		"an invalid bound is left to API validation": {
			target: newTarget(deployment(strategy(nil, ptr.To(intstr.FromString("most"))))),
		},
		"an unknown strategy is left to API validation": {
			target: newTarget(deployment(func(d *appsv1.Deployment) { d.Spec.Strategy.Type = "BlueGreen" })),
		},
		"a StatefulSet has no such strategy": {
			target: newTarget(statefulSet()),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkRollingUpdate(tc.target))
		})
	}
}
