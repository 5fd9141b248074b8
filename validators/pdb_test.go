package validators

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// noCreate edits the settings to have Ballast create no PDBs.
func noCreate(s *policy.Settings) { s.Spec.Rules.PDB.Create = ptr.To(false) }

func TestPDB(t *testing.T) {
	missing := func(n string) Finding {
		return Finding{
			Rule:    policy.RulePDB,
			Field:   "spec.selector",
			Message: n + " replicas and no PodDisruptionBudget: a node drain may evict all at once",
			Fix:     "add a PodDisruptionBudget: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}",
		}
	}
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"Ballast creates one by default": {
			target: newTarget(deployment()),
		},
		"a selecting PDB passes": {
			target: withSettings(newTarget(deployment(), pdb("web")), noCreate),
		},
		"Ballast's own PDB passes": {
			target: withSettings(newTarget(deployment(), pdb(workload.PDBName(workload.KindDeployment, "web"))), noCreate),
		},
		"without creation and without PDB, 2 replicas fail": {
			target: withSettings(newTarget(deployment()), noCreate),
			want:   []Finding{missing("2")},
		},
		"a PDB over other pods does not count": {
			target: withSettings(newTarget(deployment(), pdb("api", func(p *policyv1.PodDisruptionBudget) {
				p.Spec.Selector.MatchLabels = map[string]string{"app": "api"}
			})), noCreate),
			want: []Finding{missing("2")},
		},
		"1 replica needs none": {
			target: withSettings(newTarget(deployment(replicas(nil))), noCreate),
		},
		"0 replicas need none": {
			target: withSettings(newTarget(deployment(replicas(ptr.To[int32](0)))), noCreate),
		},
		"an HPA that may scale down to 1 replica needs none": {
			target: withSettings(newTarget(deployment(), hpa("web", workload.KindDeployment, "web", nil, 5)), noCreate),
		},
		"an HPA's minReplicas is the count": {
			target: withSettings(newTarget(deployment(replicas(nil)), hpa("web", workload.KindDeployment, "web", ptr.To[int32](3), 5)), noCreate),
			want:   []Finding{missing("3")},
		},
		"below the min-replicas minimum Ballast creates none": {
			target: withSettings(newTarget(deployment()), func(s *policy.Settings) { s.Spec.Rules.MinReplicas.Minimum = 3 }),
			want:   []Finding{missing("2")},
		},
		"the fix selects the StatefulSet's selector": {
			target: withSettings(newTarget(statefulSet(func(s *appsv1.StatefulSet) {
				s.Spec.Selector.MatchLabels = map[string]string{"app": "db", "role": "primary"}
			})), noCreate),
			want: []Finding{{
				Rule:    policy.RulePDB,
				Field:   "spec.selector",
				Message: "2 replicas and no PodDisruptionBudget: a node drain may evict all at once",
				Fix:     "add a PodDisruptionBudget: {maxUnavailable: 1, selector: {matchLabels: {app: db, role: primary}}}",
			}},
		},
		"without a selector the fix selects the template labels": {
			target: withSettings(newTarget(deployment(func(d *appsv1.Deployment) { d.Spec.Selector = nil })), noCreate),
			want: []Finding{{
				Rule:    policy.RulePDB,
				Field:   "spec.selector",
				Message: "2 replicas and no PodDisruptionBudget: a node drain may evict all at once",
				Fix:     "add a PodDisruptionBudget: {maxUnavailable: 1, selector: {matchLabels: {app: web, tier: frontend}}}",
			}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkPDB(tc.target))
		})
	}
}
