package workload

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestKindsTable checks each row of the table against itself: the kind of
// a new object is the row, the name and GVK agree, and the workload kinds
// reach the pod template inside the object.
func TestKindsTable(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			obj := k.NewObject()
			if rc, isRC := obj.(*corev1.ReplicationController); isRC {
				rc.Spec.Template = &corev1.PodTemplateSpec{} // optional in the type, required by the API
			}
			got, ok := KindOf(obj)
			require.True(t, ok)
			assert.Same(t, k, got)
			named, ok := Named(k.Name)
			require.True(t, ok)
			assert.Same(t, k, named)
			assert.Equal(t, k.Name, k.GVK.Kind)
			assert.NotEmpty(t, k.Resource)
			assert.NotNil(t, k.NewList())

			tmpl, ok := k.Template(obj)
			assert.Equal(t, k.HasTemplate(), ok)
			if ok {
				tmpl.Meta.Labels = map[string]string{"edited": "yes"}
				again, _ := k.Template(obj)
				assert.Equal(t, "yes", again.Meta.Labels["edited"], "the template points into the object")
				assert.Equal(t, k.IsWorkload(), k.PodOwner != "", "a workload kind names who creates its pods")
			}
			if k.IsWorkload() {
				assert.True(t, k.HasTemplate())
				_, ok := Of(obj)
				assert.True(t, ok)
			}
		})
	}
	_, ok := KindOf(&batchv1.Job{})
	assert.False(t, ok, "Ballast does not judge Jobs")
	_, ok = TemplateOf(&batchv1.Job{})
	assert.False(t, ok)
	assert.Len(t, Workloads(), 5)
	_, ok = KindOf(&corev1.ReplicationController{})
	assert.True(t, ok)
	_, ok = TemplateOf(&corev1.ReplicationController{})
	assert.False(t, ok, "a ReplicationController without a template has none")
	for _, k := range Workloads() {
		assert.True(t, k.IsWorkload(), k.Name)
	}
}

func TestNeighbours(t *testing.T) {
	names := func(n Neighbours) []string {
		var out []string
		for _, k := range n.Kinds() {
			out = append(out, k.Name)
		}
		return out
	}
	assert.Nil(t, names(0))
	assert.Equal(t, []string{KindPDB, KindHPA}, names(NeedPDBs|NeedHPAs))
	assert.Equal(t, []string{KindHPA, KindDeployment, KindStatefulSet, KindDaemonSet}, names(NeedWorkloads|NeedHPAs))
	assert.True(t, (NeedPDBs | NeedHPAs).Has(NeedHPAs))
	assert.False(t, NeedPDBs.Has(NeedPDBs|NeedHPAs))

	var rel Related
	for _, obj := range []runtime.Object{pdb("team"), hpa("web", KindDeployment, "web", nil, 3), &appsv1.Deployment{}} {
		require.True(t, rel.Add(obj))
	}
	assert.False(t, rel.Add(&batchv1.Job{}), "a Job is no neighbour")

	deployment, _ := Named(KindDeployment)
	forDeployment := rel.For(deployment)
	assert.Len(t, forDeployment.PDBs, 1)
	assert.Len(t, forDeployment.HPAs, 1)
	assert.Len(t, forDeployment.Workloads, 1, "a Deployment's rules count the other workloads a PDB selects")

	daemonSet, _ := Named(KindDaemonSet)
	assert.Empty(t, rel.For(daemonSet).Workloads, "a DaemonSet's rules read no other workload")

	budget, _ := Named(KindPDB)
	forPDB := rel.For(budget)
	assert.Empty(t, forPDB.PDBs)
	assert.Len(t, forPDB.HPAs, 1)
	assert.Len(t, forPDB.Workloads, 1)

	autoscaler, _ := Named(KindHPA)
	assert.Equal(t, Related{}, rel.For(autoscaler), "an HPA's rule reads nothing around it")
}
