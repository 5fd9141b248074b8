package validators

import (
	"testing"

	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

func TestHPAMinReplicas(t *testing.T) {
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"minReplicas 2 passes": {
			target: newTarget(hpa("web", workload.KindDeployment, "web", ptr.To[int32](2), 10)),
		},
		"minReplicas 1 fails": {
			target: newTarget(hpa("web", workload.KindDeployment, "web", ptr.To[int32](1), 10)),
			want: []Finding{{
				Rule:    policy.RuleHPAMinReplicas,
				Field:   "spec.minReplicas",
				Message: "minReplicas 1 is below the minimum of 2: one drain can stop the service",
				Fix:     "set minReplicas: 2",
			}},
		},
		"unset minReplicas means 1, and maxReplicas 1 must rise too": {
			target: newTarget(hpa("web", workload.KindDeployment, "web", nil, 1)),
			want: []Finding{{
				Rule:    policy.RuleHPAMinReplicas,
				Field:   "spec.minReplicas",
				Message: "minReplicas 1 is below the minimum of 2: one drain can stop the service",
				Fix:     "set minReplicas: 2 and maxReplicas: 2",
			}},
		},
		"minReplicas 0, scaling to zero, passes": {
			target: newTarget(hpa("web", workload.KindDeployment, "web", ptr.To[int32](0), 10)),
		},
		"the policy's minimum replaces the default": {
			target: withSettings(newTarget(hpa("web", workload.KindDeployment, "web", ptr.To[int32](2), 10)), func(s *policy.Settings) {
				s.Spec.Rules.HPAMinReplicas.Minimum = 3
			}),
			want: []Finding{{
				Rule:    policy.RuleHPAMinReplicas,
				Field:   "spec.minReplicas",
				Message: "minReplicas 2 is below the minimum of 3: one drain can stop the service",
				Fix:     "set minReplicas: 3",
			}},
		},
		"the min-replicas minimum does not apply": {
			target: withSettings(newTarget(hpa("web", workload.KindDeployment, "web", ptr.To[int32](2), 10)), func(s *policy.Settings) {
				s.Spec.Rules.MinReplicas.Minimum = 3
			}),
		},
		"a workload is not an HPA": {
			target: newTarget(deployment(replicas(nil))),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkHPAMinReplicas(tc.target))
		})
	}
}
