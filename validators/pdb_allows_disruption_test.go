package validators

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

func TestPDBAllowsDisruption(t *testing.T) {
	maxUnavailable := func(v intstr.IntOrString) func(*policyv1.PodDisruptionBudget) {
		return func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable = &v }
	}
	blocks := func(minAvailable, pods, why string) Finding {
		return Finding{
			Rule:    policy.RulePDBAllowsDisruption,
			Field:   "spec.minAvailable",
			Message: "minAvailable " + minAvailable + " allows no disruption of " + pods,
			Fix:     "set maxUnavailable: 1 instead of minAvailable (" + why + ")",
		}
	}
	api := func(n *int32) *appsv1.Deployment {
		return deployment(replicas(n), func(d *appsv1.Deployment) {
			d.Name = "api"
			d.Spec.Template.Labels = map[string]string{"app": "web", "component": "api"}
		})
	}
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"maxUnavailable 1 passes": {
			target: newTarget(pdb("web"), deployment(replicas(nil))),
		},
		"maxUnavailable 10% rounds up to 1 and passes": {
			target: newTarget(pdb("web", maxUnavailable(intstr.FromString("10%"))), deployment()),
		},
		"maxUnavailable 0 fails": {
			target: newTarget(pdb("web", maxUnavailable(intstr.FromInt32(0)))),
			want: []Finding{{
				Rule:    policy.RulePDBAllowsDisruption,
				Field:   "spec.maxUnavailable",
				Message: "maxUnavailable 0 allows no disruption: node drains wait forever",
				Fix:     "set maxUnavailable: 1",
			}},
		},
		"maxUnavailable 0% fails": {
			target: newTarget(pdb("web", maxUnavailable(intstr.FromString("0%")))),
			want: []Finding{{
				Rule:    policy.RulePDBAllowsDisruption,
				Field:   "spec.maxUnavailable",
				Message: "maxUnavailable 0% allows no disruption: node drains wait forever",
				Fix:     "set maxUnavailable: 1",
			}},
		},
		"an invalid maxUnavailable is left to API validation": {
			target: newTarget(pdb("web", maxUnavailable(intstr.FromString("none")))),
		},
		"minAvailable 100% fails without knowing the workload": {
			target: newTarget(pdb("web", minAvailable(intstr.FromString("100%")))),
			want: []Finding{{
				Rule:    policy.RulePDBAllowsDisruption,
				Field:   "spec.minAvailable",
				Message: "minAvailable 100% allows no disruption: node drains wait forever",
				Fix:     "set maxUnavailable: 1 instead of minAvailable",
			}},
		},
		"minAvailable 1 over 2 replicas passes": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(1))), deployment()),
		},
		"minAvailable 1 over a single replica fails": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(1))), deployment(replicas(ptr.To[int32](1)))),
			want:   []Finding{blocks("1", "its 1 pod", "Deployment web runs 1")},
		},
		"minAvailable 1 over unset replicas fails": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(1))), deployment(replicas(nil))),
			want:   []Finding{blocks("1", "its 1 pod", "Deployment web runs 1")},
		},
		"minAvailable 3 over 2 replicas fails": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(3))), statefulSet()),
			want:   []Finding{blocks("3", "its 2 pods", "StatefulSet web runs 2")},
		},
		"minAvailable 90% rounds up to every one of 5 replicas": {
			target: newTarget(pdb("web", minAvailable(intstr.FromString("90%"))), deployment(replicas(ptr.To[int32](5)))),
			want:   []Finding{blocks("90%", "its 5 pods", "Deployment web runs 5")},
		},
		"minAvailable 50% of 2 replicas passes": {
			target: newTarget(pdb("web", minAvailable(intstr.FromString("50%"))), deployment()),
		},
		"minAvailable above an HPA's minReplicas fails though spec.replicas is higher": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(2))),
				deployment(replicas(ptr.To[int32](6))), hpa("web-hpa", workload.KindDeployment, "web", ptr.To[int32](2), 10)),
			want: []Finding{blocks("2", "as few as 2 pods", "HorizontalPodAutoscaler web-hpa may scale Deployment web down to 2")},
		},
		"minAvailable below an HPA's minReplicas passes though spec.replicas is unset": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(2))),
				deployment(replicas(nil)), hpa("web", workload.KindDeployment, "web", ptr.To[int32](3), 10)),
		},
		"the pods of every selected workload count": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(1))), deployment(replicas(nil)), api(nil)),
		},
		"every selected workload is named": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(2))), deployment(replicas(nil)), api(nil)),
			want:   []Finding{blocks("2", "its 2 pods", "Deployment web runs 1, Deployment api runs 1")},
		},
		"workloads it does not select do not count": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(1)), func(p *policyv1.PodDisruptionBudget) {
				p.Spec.Selector.MatchLabels = map[string]string{"component": "api"}
			}), deployment(replicas(ptr.To[int32](5))), api(nil)),
			want: []Finding{blocks("1", "its 1 pod", "Deployment api runs 1")},
		},
		"an empty selector selects every workload": {
			target: newTarget(pdb("all", minAvailable(intstr.FromInt32(2)), func(p *policyv1.PodDisruptionBudget) {
				p.Spec.Selector = &metav1.LabelSelector{}
			}), deployment(replicas(nil)), api(ptr.To[int32](2))),
		},
		"a nil selector selects nothing": {
			target: newTarget(pdb("none", minAvailable(intstr.FromInt32(5)), func(p *policyv1.PodDisruptionBudget) {
				p.Spec.Selector = nil
			}), deployment()),
		},
		"a workload scaled to zero has no pods to protect": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(1))), deployment(replicas(ptr.To[int32](0)))),
		},
		"no known workload leaves minAvailable unjudged": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(10)))),
		},
		"a DaemonSet's pod count is unknown": {
			target: newTarget(pdb("web", minAvailable(intstr.FromInt32(3))), daemonSet(), deployment(replicas(nil))),
		},
		"an invalid minAvailable is left to API validation": {
			target: newTarget(pdb("web", minAvailable(intstr.FromString("all"))), deployment()),
		},
		"a PDB with neither field allows every disruption": {
			target: newTarget(pdb("web", func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable = nil }), deployment()),
		},
		"a Deployment is not a PDB": {
			target: newTarget(deployment()),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkPDBAllowsDisruption(tc.target))
		})
	}
}

// TestPDBAllowsDisruptionOnWorkloads judges the other side: a workload
// created, changed or scaled under the PodDisruptionBudgets that select its
// pods, counted as sent in place of the version its neighbours hold.
func TestPDBAllowsDisruptionOnWorkloads(t *testing.T) {
	counted := func(pdbName, setting, pods, why string) Finding {
		return Finding{
			Rule:    policy.RulePDBAllowsDisruption,
			Field:   "spec.replicas",
			Message: "PDB " + pdbName + " (" + setting + ") allows no disruption of " + pods,
			Fix:     "set maxUnavailable: 1 instead of minAvailable in PodDisruptionBudget " + pdbName + ", or run more pods than it keeps available (" + why + ")",
		}
	}
	whatever := func(pdbName, setting string) Finding {
		return Finding{
			Rule:    policy.RulePDBAllowsDisruption,
			Field:   "spec.template.metadata.labels",
			Message: "PDB " + pdbName + " (" + setting + ") blocks every drain of these pods",
			Fix:     "set maxUnavailable: 1 in PodDisruptionBudget " + pdbName,
		}
	}
	one := ptr.To[int32](1)
	other := func(n *int32) *appsv1.Deployment {
		return deployment(replicas(n), func(d *appsv1.Deployment) { d.Name = "worker" })
	}
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"a workload created after a minAvailable PDB over all its pods fails": {
			target: newTarget(deployment(replicas(one)), pdb("guard", minAvailable(intstr.FromInt32(1)))),
			want:   []Finding{counted("guard", "minAvailable 1", "its 1 pod", "Deployment web runs 1")},
		},
		"a workload above the PDB's minAvailable passes": {
			target: newTarget(deployment(), pdb("guard", minAvailable(intstr.FromInt32(1)))),
		},
		"a scale-down is counted as sent, not as stored": {
			target: newTarget(deployment(replicas(one)),
				pdb("guard", minAvailable(intstr.FromInt32(2))), deployment(replicas(ptr.To[int32](3)))),
			want: []Finding{counted("guard", "minAvailable 2", "its 1 pod", "Deployment web runs 1")},
		},
		"the pods of the other workloads the PDB selects count": {
			target: newTarget(deployment(replicas(one)), pdb("guard", minAvailable(intstr.FromInt32(1))), other(one)),
		},
		"every workload the PDB selects is named": {
			target: newTarget(deployment(replicas(one)), pdb("guard", minAvailable(intstr.FromInt32(2))), other(one)),
			want:   []Finding{counted("guard", "minAvailable 2", "its 2 pods", "Deployment worker runs 1, Deployment web runs 1")},
		},
		"an HPA's minReplicas counts": {
			target: newTarget(deployment(replicas(ptr.To[int32](4))), pdb("guard", minAvailable(intstr.FromInt32(2))),
				hpa("web", workload.KindDeployment, "web", ptr.To[int32](2), 8)),
			want: []Finding{counted("guard", "minAvailable 2", "as few as 2 pods", "HorizontalPodAutoscaler web may scale Deployment web down to 2")},
		},
		"maxUnavailable 0 fails whatever the count": {
			target: newTarget(deployment(), pdb("frozen", func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable = ptr.To(intstr.FromInt32(0)) })),
			want:   []Finding{whatever("frozen", "maxUnavailable 0")},
		},
		"minAvailable 100% fails whatever the count": {
			target: newTarget(deployment(), pdb("all", minAvailable(intstr.FromString("100%")))),
			want:   []Finding{whatever("all", "minAvailable 100%")},
		},
		"every blocking PDB is named": {
			target: newTarget(deployment(replicas(one)), pdb("a", minAvailable(intstr.FromInt32(1))), pdb("b", minAvailable(intstr.FromString("100%")))),
			want:   []Finding{counted("a", "minAvailable 1", "its 1 pod", "Deployment web runs 1"), whatever("b", "minAvailable 100%")},
		},
		"a workload scaled to zero has no pods for a drain to evict": {
			target: newTarget(deployment(replicas(ptr.To[int32](0))), pdb("frozen", func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable = ptr.To(intstr.FromInt32(0)) })),
		},
		"a PDB that selects other pods is not judged here": {
			target: newTarget(deployment(replicas(one)), pdb("api", minAvailable(intstr.FromInt32(1)), func(p *policyv1.PodDisruptionBudget) {
				p.Spec.Selector.MatchLabels = map[string]string{"component": "api"}
			})),
		},
		"a DaemonSet the PDB also selects leaves the count unknown": {
			target: newTarget(deployment(replicas(one)), pdb("guard", minAvailable(intstr.FromInt32(5))), daemonSet(func(d *appsv1.DaemonSet) { d.Name = "agent" })),
		},
		"a ReplicaSet created directly is judged alike": {
			target: newTarget(&appsv1.ReplicaSet{
				ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "web-rs"},
				Spec:       appsv1.ReplicaSetSpec{Replicas: one, Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: podTemplate()},
			}, pdb("guard", minAvailable(intstr.FromInt32(1)))),
			want: []Finding{counted("guard", "minAvailable 1", "its 1 pod", "ReplicaSet web-rs runs 1")},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkPDBAllowsDisruption(tc.target))
		})
	}
}
