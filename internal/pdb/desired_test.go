package pdb

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/workload"
)

func TestDesiredPDB(t *testing.T) {
	selector := &metav1.LabelSelector{
		MatchLabels:      map[string]string{"app": "web"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "track", Operator: metav1.LabelSelectorOpIn, Values: []string{"stable"}}},
	}
	meta := metav1.ObjectMeta{Name: "web", Namespace: "shop", UID: types.UID("uid-web")}
	tests := map[string]struct {
		kind           string
		obj            client.Object
		maxUnavailable intstr.IntOrString
		wantName       string
	}{
		"a Deployment, one pod at a time": {
			kind:           workload.KindDeployment,
			obj:            &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Selector: selector}},
			maxUnavailable: intstr.FromInt32(1),
			wantName:       "ballast-deployment-web",
		},
		"a StatefulSet, a percentage": {
			kind:           workload.KindStatefulSet,
			obj:            &appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Selector: selector}},
			maxUnavailable: intstr.FromString("25%"),
			wantName:       "ballast-statefulset-web",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k, _ := workload.Named(tc.kind)
			w, _ := workload.Of(tc.obj)
			plan := workload.PDBPlan{Name: workload.PDBName(tc.kind, "web"), MaxUnavailable: tc.maxUnavailable}
			got := desiredPDB(k, tc.obj, &w, plan)

			want := &policyv1.PodDisruptionBudget{
				ObjectMeta: metav1.ObjectMeta{
					Name:      tc.wantName,
					Namespace: "shop",
					Labels:    map[string]string{"app.kubernetes.io/managed-by": "ballast"},
					OwnerReferences: []metav1.OwnerReference{{
						APIVersion:         "apps/v1",
						Kind:               tc.kind,
						Name:               "web",
						UID:                "uid-web",
						Controller:         ptr.To(true),
						BlockOwnerDeletion: ptr.To(true),
					}},
				},
				Spec: policyv1.PodDisruptionBudgetSpec{
					Selector:                   selector,
					MaxUnavailable:             &tc.maxUnavailable,
					UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
				},
			}
			assert.Equal(t, want, got)
			assert.Equal(t, workload.PDBName(tc.kind, "web"), got.Name, "the name the webhook reports")
			assert.True(t, ownedBy(got, tc.obj), "Ballast owns the PodDisruptionBudget it makes")

			got.Spec.Selector.MatchLabels["app"] = "changed"
			assert.Equal(t, "web", selector.MatchLabels["app"], "the selector is a copy of the workload's")
		})
	}
}

func TestOwnedBy(t *testing.T) {
	owner := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: "uid-web"}}
	label := map[string]string{ManagedByLabel: ManagedByValue}
	ref := func(uid types.UID, controller bool) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: uid, Controller: ptr.To(controller)}}
	}
	tests := map[string]struct {
		labels map[string]string
		refs   []metav1.OwnerReference
		want   bool
	}{
		"label and controller reference to the workload": {labels: label, refs: ref("uid-web", true), want: true},
		"label but no owner":                             {labels: label},
		"label but an owner that is not the controller":  {labels: label, refs: ref("uid-web", false)},
		"label but an earlier workload of the same name": {labels: label, refs: ref("uid-old", true)},
		"controller reference but no label":              {refs: ref("uid-web", true)},
		"another tool's label":                           {labels: map[string]string{ManagedByLabel: "helm"}, refs: ref("uid-web", true)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Labels: tc.labels, OwnerReferences: tc.refs}}
			assert.Equal(t, tc.want, ownedBy(pdb, owner))
		})
	}
}

func TestDrift(t *testing.T) {
	want := func() policyv1.PodDisruptionBudgetSpec {
		return policyv1.PodDisruptionBudgetSpec{
			Selector:                   &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			MaxUnavailable:             ptr.To(intstr.FromInt32(1)),
			UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
		}
	}
	tests := map[string]struct {
		edit func(*policyv1.PodDisruptionBudgetSpec)
		want []string
	}{
		"in line": {edit: func(*policyv1.PodDisruptionBudgetSpec) {}},
		"an empty list is no list": {
			edit: func(s *policyv1.PodDisruptionBudgetSpec) {
				s.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{}
			},
		},
		"selector": {
			edit: func(s *policyv1.PodDisruptionBudgetSpec) { s.Selector.MatchLabels["app"] = "api" },
			want: []string{"selector"},
		},
		"maxUnavailable as a percentage": {
			edit: func(s *policyv1.PodDisruptionBudgetSpec) { s.MaxUnavailable = ptr.To(intstr.FromString("1")) },
			want: []string{"maxUnavailable"},
		},
		"minAvailable instead of maxUnavailable": {
			edit: func(s *policyv1.PodDisruptionBudgetSpec) {
				s.MaxUnavailable, s.MinAvailable = nil, ptr.To(intstr.FromInt32(1))
			},
			want: []string{"minAvailable", "maxUnavailable"},
		},
		"unhealthy pods evicted only within the budget": {
			edit: func(s *policyv1.PodDisruptionBudgetSpec) {
				s.UnhealthyPodEvictionPolicy = ptr.To(policyv1.IfHealthyBudget)
			},
			want: []string{"unhealthyPodEvictionPolicy"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			have, want := want(), want()
			tc.edit(&have)
			assert.Equal(t, tc.want, drift(&have, &want))
		})
	}
}

// TestDriftCoversTheSpec fails when policy/v1 gains a field that drift does
// not compare yet.
func TestDriftCoversTheSpec(t *testing.T) {
	var fields []string
	for f := range reflect.TypeFor[policyv1.PodDisruptionBudgetSpec]().Fields() {
		fields = append(fields, f.Name)
	}
	assert.ElementsMatch(t, []string{"Selector", "MinAvailable", "MaxUnavailable", "UnhealthyPodEvictionPolicy"}, fields)
}
