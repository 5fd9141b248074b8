package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

// testServerDryRun: a request with dryRun=All (`kubectl apply
// --dry-run=server`) gets the same answer as the real one and changes
// nothing.
func testServerDryRun(t *testing.T, e *env) {
	ns := e.namespace(t, "dry", modeLabel(policy.ModeEnforce), policy.ModeEnforce)

	t.Run("a denied Deployment is denied the same way", func(t *testing.T) {
		dryErr := e.tenant.Create(t.Context(), badDeployment(ns, "checkout"), client.DryRunAll)
		require.True(t, verdict.IsDenial(dryErr), "denied by Ballast: %v", dryErr)
		realErr := e.tenant.Create(t.Context(), badDeployment(ns, "checkout"))
		require.Error(t, realErr)
		assert.Equal(t, realErr.Error(), dryErr.Error())
	})

	t.Run("an admitted Deployment gets the same warnings and is not created", func(t *testing.T) {
		cart := compliantDeployment(ns, "cart")
		e.expose(t, cart, serviceFor(cart))
		dryCtx, dryWarnings := warnings.Collect(t.Context())
		require.NoError(t, e.tenant.Create(dryCtx, compliantDeployment(ns, "cart"), client.DryRunAll))
		err := e.admin.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "cart"}, &appsv1.Deployment{})
		assert.True(t, apierrors.IsNotFound(err), "the dry-run Deployment is not stored: %v", err)

		realCtx, realWarnings := warnings.Collect(t.Context())
		require.NoError(t, e.tenant.Create(realCtx, compliantDeployment(ns, "cart")))
		assert.NotEmpty(t, realWarnings.List())
		assert.Equal(t, realWarnings.List(), dryWarnings.List())
	})

	t.Run("a Pod is mutated in the answer and not created", func(t *testing.T) {
		d := compliantDeployment(ns, "api")
		e.expose(t, d, serviceFor(d))
		require.NoError(t, e.tenant.Create(t.Context(), d))
		owners := e.podsOf(t, d)[0].OwnerReferences

		// A pod as the Deployment's ReplicaSet controller creates it.
		dry := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Namespace:       ns,
				GenerateName:    d.Name + "-",
				Labels:          d.Spec.Template.Labels,
				OwnerReferences: owners,
			},
			Spec: *d.Spec.Template.Spec.DeepCopy(),
		}
		require.NoError(t, e.admin.Create(t.Context(), dry, client.DryRunAll))
		assertDefaulted(t, dry)

		var pods corev1.PodList
		require.NoError(t, e.admin.List(t.Context(), &pods, client.InNamespace(ns), client.MatchingLabels(d.Spec.Selector.MatchLabels)))
		assert.Len(t, pods.Items, int(*d.Spec.Replicas), "no pod was added")
	})
}
