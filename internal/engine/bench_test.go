package engine

import (
	"slices"
	"strings"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

// BenchmarkEvaluatePod measures one Pod mutation: two serving containers,
// both behind the pod's Service, that each get a preStop sleep and a
// readiness probe, and the edits.
func BenchmarkEvaluatePod(b *testing.B) {
	e := Default()
	s := settings(b, policy.ModeEnforce)
	pod := replicaSetPod(webContainer("app"), webContainer("proxy"))
	in := Input{Object: pod, Settings: s, Related: routed()}
	if got := mutatorsOf(e.Evaluate(in)); got != "prestop-sleep,prestop-sleep,readiness-probe,readiness-probe" {
		b.Fatalf("mutations %s, want a preStop sleep and a readiness probe for each container", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		res := e.Evaluate(in)
		if res.Edits == nil {
			b.Fatal("no edits")
		}
	}
}

// BenchmarkEvaluateDeployment measures one validation of a typical
// Deployment with a PDB of another app and its own Service in its
// namespace: the proxy container, behind the Service, gets a readiness
// probe.
func BenchmarkEvaluateDeployment(b *testing.B) {
	e := Default()
	s := settings(b, policy.ModeEnforce)
	d := deployment(ptr.To[int32](3), compliant(webContainer("app")), webContainer("proxy"))
	related := routed()
	related.PDBs = []*policyv1.PodDisruptionBudget{{
		ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}},
		},
	}}
	if got := mutatorsOf(e.Evaluate(Input{Object: d, Settings: s, Related: related})); !strings.Contains(got, "readiness-probe") {
		b.Fatalf("mutations %s, want a readiness probe for the proxy", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		res := e.Evaluate(Input{Object: d, Settings: s, Related: related})
		_ = res.Decision()
	}
}

// mutatorsOf lists the mutators of res's mutations, sorted, joined by
// commas.
func mutatorsOf(res Result) string {
	ids := make([]string, 0, len(res.Mutations))
	for _, m := range res.Mutations {
		ids = append(ids, m.Mutator)
	}
	slices.Sort(ids)
	return strings.Join(ids, ",")
}
