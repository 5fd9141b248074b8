package controlplane_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
)

const (
	// reconcileTimeout bounds how long a controller may take to act on a
	// change. They usually take well under a second; the margin is for slow,
	// busy CI machines.
	reconcileTimeout = 30 * time.Second
	pollInterval     = 100 * time.Millisecond
)

func TestControllerManager(t *testing.T) {
	cp := controlplane.Start(t, controlplane.Options{ControllerManager: true})

	t.Run("a Deployment gets a ReplicaSet and Pods, which are garbage collected", func(t *testing.T) {
		ctx := t.Context()
		ns := cp.CreateNamespace(t, "workload", map[string]string{"ballast.dev/test": "controlplane"})
		require.Equal(t, "controlplane", ns.Labels["ballast.dev/test"], "namespace labels")

		podLabels := map[string]string{"app": "web"}
		deploy := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "web"},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](3),
				Selector: &metav1.LabelSelector{MatchLabels: podLabels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name:  "web",
						Image: "registry.k8s.io/pause:3.10",
					}}},
				},
			},
		}
		require.NoError(t, cp.Client.Create(ctx, deploy))

		var rs appsv1.ReplicaSet
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			var list appsv1.ReplicaSetList
			require.NoError(c, cp.Client.List(ctx, &list, client.InNamespace(ns.Name)))
			require.Len(c, list.Items, 1, "ReplicaSets")
			rs = list.Items[0]
			assert.True(c, metav1.IsControlledBy(&rs, deploy), "ReplicaSet %s is controlled by the Deployment", rs.Name)
		}, reconcileTimeout, pollInterval, "the deployment controller creates a ReplicaSet")

		require.EventuallyWithT(t, func(c *assert.CollectT) {
			var pods corev1.PodList
			require.NoError(c, cp.Client.List(ctx, &pods, client.InNamespace(ns.Name), client.MatchingLabels(podLabels)))
			require.Len(c, pods.Items, 3, "Pods")
			for i := range pods.Items {
				assert.True(c, metav1.IsControlledBy(&pods.Items[i], &rs),
					"Pod %s is controlled by ReplicaSet %s: %v", pods.Items[i].Name, rs.Name, pods.Items[i].OwnerReferences)
			}
		}, reconcileTimeout, pollInterval, "the replicaset controller creates 3 Pods")

		require.NoError(t, cp.Client.Delete(ctx, deploy, client.PropagationPolicy(metav1.DeletePropagationBackground)))
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			var sets appsv1.ReplicaSetList
			require.NoError(c, cp.Client.List(ctx, &sets, client.InNamespace(ns.Name)))
			assert.Empty(c, sets.Items, "ReplicaSets")
			var pods corev1.PodList
			require.NoError(c, cp.Client.List(ctx, &pods, client.InNamespace(ns.Name)))
			assert.Empty(c, pods.Items, "Pods")
		}, reconcileTimeout, pollInterval, "the garbage collector deletes the ReplicaSet and its Pods")
	})

	t.Run("a service-account token secret is signed with the API server's key", func(t *testing.T) {
		ctx := t.Context()
		ns := cp.CreateNamespace(t, "token", nil)

		require.EventuallyWithT(t, func(c *assert.CollectT) {
			var sa corev1.ServiceAccount
			assert.NoError(c, cp.Client.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: "default"}, &sa))
		}, reconcileTimeout, pollInterval, "the serviceaccount controller creates the default ServiceAccount")

		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{
				Namespace:   ns.Name,
				Name:        "default-token",
				Annotations: map[string]string{corev1.ServiceAccountNameKey: "default"},
			},
			Type: corev1.SecretTypeServiceAccountToken,
		}
		require.NoError(t, cp.Client.Create(ctx, secret))
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			require.NoError(c, cp.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret))
			assert.NotEmpty(c, secret.Data[corev1.ServiceAccountTokenKey], "token")
		}, reconcileTimeout, pollInterval, "the serviceaccount-token controller fills in the token")
		assert.Equal(t, cp.Config.CAData, secret.Data[corev1.ServiceAccountRootCAKey], "ca.crt is the API server's CA")

		cfg := rest.AnonymousClientConfig(cp.Config)
		cfg.BearerToken = string(secret.Data[corev1.ServiceAccountTokenKey])
		asServiceAccount, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
		require.NoError(t, err)
		review := &authenticationv1.SelfSubjectReview{}
		require.NoError(t, asServiceAccount.Create(ctx, review), "the API server accepts the token")
		assert.Equal(t, fmt.Sprintf("system:serviceaccount:%s:default", ns.Name), review.Status.UserInfo.Username)
	})
}
