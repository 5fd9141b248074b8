package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/webhook"
)

// fullDeployment returns a Deployment with everything the cache drops.
func fullDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:      "shop",
			Namespace: "team-a",
			Labels:    map[string]string{"app": "shop"},
			Annotations: map[string]string{
				corev1.LastAppliedConfigAnnotation: `{"kind":"Deployment","spec":{"...":"the whole object again"}}`,
				"team":                             "a",
			},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "shop"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      map[string]string{"app": "shop"},
					Annotations: map[string]string{"checksum/config": "abc"},
				},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "shop",
					Image: "registry.example/shop:1.2.3",
					Env:   []corev1.EnvVar{{Name: "MODE", Value: "production"}},
				}}},
			},
			MinReadySeconds: 10,
		},
		Status: appsv1.DeploymentStatus{ReadyReplicas: 3},
	}
}

func TestStripWorkloadKeepsWhatTheHandlersRead(t *testing.T) {
	got, err := stripWorkload(fullDeployment())
	require.NoError(t, err)

	want := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "shop",
			Namespace:   "team-a",
			Labels:      map[string]string{"app": "shop"},
			Annotations: map[string]string{"team": "a"},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "shop"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "shop"}}},
		},
	}
	assert.Equal(t, want, got)

	again, err := stripWorkload(got)
	require.NoError(t, err)
	assert.Equal(t, want, again, "stripping twice changes nothing")
}

func TestStripWorkloadStatefulSet(t *testing.T) {
	in := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "helm"}}},
		Spec: appsv1.StatefulSetSpec{
			Replicas:             ptr.To[int32](3),
			Selector:             &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template:             corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "db"}}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "db"}}}},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}},
			ServiceName:          "db",
		},
	}

	got, err := stripWorkload(in)
	require.NoError(t, err)

	assert.Equal(t, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "db"}}},
		},
	}, got)
}

func TestStripMetadataLeavesNonObjectsAlone(t *testing.T) {
	for name, in := range map[string]any{
		"a string":  "not an object",
		"a nil map": map[string]string(nil),
	} {
		t.Run(name, func(t *testing.T) {
			for _, transform := range []func(any) (any, error){stripMetadata, stripWorkload} {
				out, err := transform(in)
				require.NoError(t, err)
				assert.Equal(t, in, out)
			}
		})
	}
}

// TestCacheOptions builds a cache from cacheOptions against a real API
// server, as the manager does, and checks what a handler reading it gets.
func TestCacheOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	cp := controlplane.Start(t, controlplane.Options{})
	ns := cp.CreateNamespace(t, "cache", nil)
	dep := fullDeployment()
	dep.Namespace = ns.Name
	dep.ManagedFields = nil // the API server writes its own
	require.NoError(t, cp.Client.Create(t.Context(), dep))
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: ns.Name},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox:1.37"}}},
	}
	require.NoError(t, cp.Client.Create(t.Context(), pod))

	opts := cacheOptions()
	opts.Scheme = clientgoscheme.Scheme
	c, err := cache.New(cp.Config, opts)
	require.NoError(t, err)
	for _, obj := range webhook.CachedObjects() {
		_, err := c.GetInformer(t.Context(), obj, cache.BlockUntilSynced(false))
		require.NoError(t, err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Start(t.Context()) }()
	t.Cleanup(func() { assert.NoError(t, <-done) })
	require.True(t, c.WaitForCacheSync(t.Context()))

	t.Run("workloads keep only what the handlers read", func(t *testing.T) {
		var got appsv1.Deployment
		require.Eventually(t, func() bool {
			return c.Get(t.Context(), client.ObjectKeyFromObject(dep), &got) == nil
		}, 10*time.Second, 20*time.Millisecond)

		assert.Equal(t, ptr.To[int32](3), got.Spec.Replicas)
		assert.Equal(t, dep.Spec.Selector, got.Spec.Selector)
		assert.Equal(t, map[string]string{"app": "shop"}, got.Spec.Template.Labels)
		assert.Empty(t, got.Spec.Template.Spec.Containers)
		assert.Nil(t, got.Spec.Template.Annotations)
		assert.Nil(t, got.ManagedFields)
		assert.NotContains(t, got.Annotations, corev1.LastAppliedConfigAnnotation)
		assert.Equal(t, "a", got.Annotations["team"])
		assert.NotEmpty(t, got.UID, "the PDB reconciler sets owner references from it")
	})

	t.Run("namespaces lose their managed fields", func(t *testing.T) {
		var got corev1.Namespace
		require.NoError(t, c.Get(t.Context(), client.ObjectKeyFromObject(ns), &got))
		assert.Nil(t, got.ManagedFields)
		assert.Equal(t, ns.Name, got.Labels[corev1.LabelMetadataName])
	})

	t.Run("other kinds are not cached", func(t *testing.T) {
		err := c.Get(t.Context(), client.ObjectKeyFromObject(pod), &corev1.Pod{})
		var notCached *cache.ErrResourceNotCached
		require.ErrorAs(t, err, &notCached)

		err = c.List(t.Context(), &appsv1.ReplicaSetList{})
		require.ErrorAs(t, err, &notCached)
	})
}
