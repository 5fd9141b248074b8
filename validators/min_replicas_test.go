package validators

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

func TestMinReplicas(t *testing.T) {
	oneReplica := Finding{
		Rule:    policy.RuleMinReplicas,
		Field:   "spec.replicas",
		Message: "runs 1 replica, below the minimum of 2: a node drain stops the service",
		Fix:     "set spec.replicas: 2",
	}
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"2 replicas pass": {
			target: newTarget(deployment()),
		},
		"1 replica fails": {
			target: newTarget(deployment(replicas(ptr.To[int32](1)))),
			want:   []Finding{oneReplica},
		},
		"unset replicas mean 1": {
			target: newTarget(deployment(replicas(nil))),
			want:   []Finding{oneReplica},
		},
		"0 replicas, scaled to zero on purpose, pass": {
			target: newTarget(deployment(replicas(ptr.To[int32](0)))),
		},
		"a StatefulSet of 1 replica fails": {
			target: newTarget(statefulSet(func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](1) })),
			want:   []Finding{oneReplica},
		},
		"the policy's minimum replaces the default": {
			target: withSettings(newTarget(deployment()), func(s *policy.Settings) { s.Spec.Rules.MinReplicas.Minimum = 3 }),
			want: []Finding{{
				Rule:    policy.RuleMinReplicas,
				Field:   "spec.replicas",
				Message: "runs 2 replicas, below the minimum of 3: a node drain stops the service",
				Fix:     "set spec.replicas: 3",
			}},
		},
		"the minReplicas of a targeting HPA replaces spec.replicas": {
			target: newTarget(deployment(replicas(ptr.To[int32](5))), hpa("web", workload.KindDeployment, "web", ptr.To[int32](1), 10)),
			want: []Finding{{
				Rule:    policy.RuleMinReplicas,
				Field:   "HorizontalPodAutoscaler web spec.minReplicas",
				Message: "its HPA may scale it down to 1 replica, below the minimum of 2",
				Fix:     "set minReplicas: 2 in HorizontalPodAutoscaler web",
			}},
		},
		"an HPA without minReplicas scales down to 1, and its maxReplicas must rise too": {
			target: newTarget(deployment(replicas(nil)), hpa("web-hpa", workload.KindDeployment, "web", nil, 1)),
			want: []Finding{{
				Rule:    policy.RuleMinReplicas,
				Field:   "HorizontalPodAutoscaler web-hpa spec.minReplicas",
				Message: "its HPA may scale it down to 1 replica, below the minimum of 2",
				Fix:     "set minReplicas: 2 and maxReplicas: 2 in HorizontalPodAutoscaler web-hpa",
			}},
		},
		"an HPA with minReplicas 3 covers unset replicas": {
			target: newTarget(deployment(replicas(nil)), hpa("web", workload.KindDeployment, "web", ptr.To[int32](3), 10)),
		},
		"an HPA of another workload does not count": {
			target: newTarget(deployment(replicas(ptr.To[int32](1))), hpa("api", workload.KindDeployment, "api", ptr.To[int32](3), 10)),
			want:   []Finding{oneReplica},
		},
		"an HPA does not revive a workload scaled to zero": {
			target: newTarget(deployment(replicas(ptr.To[int32](0))), hpa("web", workload.KindDeployment, "web", ptr.To[int32](1), 10)),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkMinReplicas(tc.target))
		})
	}
}

// withSettings edits the settings of t.
func withSettings(t *Target, edit func(*policy.Settings)) *Target {
	edit(t.Settings)
	return t
}
