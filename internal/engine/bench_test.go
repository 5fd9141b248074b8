package engine

import (
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// BenchmarkEvaluatePod measures one Pod mutation: two serving containers
// that each get a preStop sleep and a readiness probe, and the edits.
func BenchmarkEvaluatePod(b *testing.B) {
	e := Default()
	s := settings(b, policy.ModeEnforce)
	pod := replicaSetPod(webContainer("app"), webContainer("proxy"))
	b.ReportAllocs()
	for b.Loop() {
		res := e.Evaluate(Input{Object: pod, Settings: s})
		if res.Edits == nil {
			b.Fatal("no edits")
		}
	}
}

// BenchmarkEvaluateDeployment measures one validation of a typical
// Deployment with a PDB and an HPA in its namespace.
func BenchmarkEvaluateDeployment(b *testing.B) {
	e := Default()
	s := settings(b, policy.ModeEnforce)
	d := deployment(ptr.To[int32](3), compliant(webContainer("app")), webContainer("proxy"))
	related := workload.Related{PDBs: []*policyv1.PodDisruptionBudget{{
		ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}},
		},
	}}}
	b.ReportAllocs()
	for b.Loop() {
		res := e.Evaluate(Input{Object: d, Settings: s, Related: related})
		_ = res.Decision()
	}
}
