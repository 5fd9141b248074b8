package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
)

// testNamespaceSubresources: the API server stores the metadata of an
// update sent to namespaces/status or namespaces/finalize, so a tenant
// allowed those (operators often are) must not set ballast.dev/mode=off
// through them either.
func testNamespaceSubresources(t *testing.T, e *env) {
	ns := e.namespace(t, "subres", modeLabel(policy.ModeEnforce), policy.ModeEnforce)
	for name, update := range map[string]func(c client.Client, obj *corev1.Namespace) error{
		"status": func(c client.Client, obj *corev1.Namespace) error {
			return c.Status().Update(t.Context(), obj)
		},
		"finalize": func(c client.Client, obj *corev1.Namespace) error {
			return c.SubResource("finalize").Update(t.Context(), obj)
		},
	} {
		t.Run(name, func(t *testing.T) {
			var obj corev1.Namespace
			require.NoError(t, e.tenant.Get(t.Context(), client.ObjectKey{Name: ns}, &obj))
			obj.Labels[policy.ModeLabel] = string(policy.ModeOff)
			err := update(e.tenant, &obj)
			require.Error(t, err, "namespaces/%s must not carry the label", name)
			assert.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
			e.waitForMode(t, ns, policy.ModeEnforce)
		})
	}
	t.Run("a namespace admin may", func(t *testing.T) {
		var obj corev1.Namespace
		require.NoError(t, e.platform.Get(t.Context(), client.ObjectKey{Name: ns}, &obj))
		obj.Labels[policy.ModeLabel] = string(policy.ModeWarn)
		require.NoError(t, e.platform.Status().Update(t.Context(), &obj))
		e.waitForMode(t, ns, policy.ModeWarn)
	})
}

// testGuardFailsClosed stops Ballast. The namespace guard, with
// failurePolicy Fail, then refuses every change of a ballast.dev/ key,
// so no tenant can switch its namespace off during an outage; its
// matchConditions keep it away from every other request, so other
// namespace changes and deploys (whose webhooks fail open) go through.
func testGuardFailsClosed(t *testing.T, e *env) {
	ns := e.namespace(t, "outage", modeLabel(policy.ModeEnforce), policy.ModeEnforce)
	e.stopBallast()

	err := labelNamespace(t, e.tenant, ns, policy.ModeLabel, string(policy.ModeOff))
	require.Error(t, err, "the label must not change while Ballast is down")
	assert.Contains(t, err.Error(), "namespaces.ballast.dev", "refused because the guard cannot be called")
	var obj corev1.Namespace
	require.NoError(t, e.admin.Get(t.Context(), client.ObjectKey{Name: ns}, &obj))
	assert.Equal(t, string(policy.ModeEnforce), obj.Labels[policy.ModeLabel])

	require.NoError(t, labelNamespace(t, e.tenant, ns, "team", "checkout"),
		"a change of other labels of a ballast-labelled namespace does not reach the guard")
	require.NoError(t, e.admin.Create(t.Context(), badDeployment(ns, "during-outage")),
		"deploys go through: the workload webhooks fail open")
}

// testScale: `kubectl scale --replicas=1` of an enforce-mode Deployment,
// an update of its scale subresource, is denied with the min-replicas
// message a spec change to 1 replica gets; scaling it up is admitted.
func testScale(t *testing.T, e *env) {
	ns := e.namespace(t, "scale", modeLabel(policy.ModeEnforce), policy.ModeEnforce)
	d := compliantDeployment(ns, "scaled")
	require.NoError(t, e.tenant.Create(t.Context(), d))

	scaleTo := func(n int32) error {
		scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: n}}
		return e.tenant.SubResource("scale").Update(t.Context(), d, client.WithSubResourceBody(scale))
	}
	err := scaleTo(1)
	require.Error(t, err, "scaling an enforce-mode Deployment to 1 replica is denied")
	assert.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
	assert.Contains(t, err.Error(), "min-replicas: runs 1 replica, below the minimum of 2")

	bySpec := d.DeepCopy()
	require.NoError(t, e.tenant.Get(t.Context(), client.ObjectKeyFromObject(d), bySpec))
	patch := client.MergeFrom(bySpec.DeepCopy())
	bySpec.Spec.Replicas = ptr.To[int32](1)
	specErr := e.tenant.Patch(t.Context(), bySpec, patch)
	require.Error(t, specErr)
	assert.Contains(t, specErr.Error(), "min-replicas: runs 1 replica, below the minimum of 2", "the same message as by spec")

	require.NoError(t, scaleTo(4), "scaling up is admitted")
	require.NoError(t, e.tenant.Get(t.Context(), client.ObjectKeyFromObject(d), d))
	assert.Equal(t, int32(4), *d.Spec.Replicas)
}

// testReplicaSets: a ReplicaSet created directly, with one replica, is
// denied in enforce as the same Deployment would be; the ReplicaSets the
// Deployment controller creates never reach Ballast (matchConditions), so
// a compliant Deployment rolls out as before.
func testReplicaSets(t *testing.T, e *env) {
	ns := e.namespace(t, "rs", modeLabel(policy.ModeEnforce), policy.ModeEnforce)
	d := badDeployment(ns, "direct")
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "direct"},
		Spec:       appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: d.Spec.Selector, Template: d.Spec.Template},
	}
	err := e.tenant.Create(t.Context(), rs)
	require.Error(t, err, "a bare ReplicaSet of 1 replica is denied in enforce")
	assert.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
	assert.Contains(t, err.Error(), "denies ReplicaSet "+ns+"/direct")
	assert.Contains(t, err.Error(), "min-replicas: runs 1 replica")

	good := compliantDeployment(ns, "rolled")
	require.NoError(t, e.tenant.Create(t.Context(), good))
	require.Eventually(t, func() bool {
		var list appsv1.ReplicaSetList
		return e.admin.List(t.Context(), &list, client.InNamespace(ns)) == nil && len(list.Items) == 1
	}, waitTimeout, pollInterval, "the Deployment controller creates its ReplicaSet unhindered")
}

// testPDBBothSides: a PodDisruptionBudget written before its workload, and
// a workload scaled down under one, are judged on the workload: the denial
// names the budget that would then allow no disruption.
func testPDBBothSides(t *testing.T, e *env) {
	ns := e.namespace(t, "drain", modeLabel(policy.ModeEnforce), policy.ModeEnforce)
	guard := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "guard"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "ledger"}},
			MinAvailable: ptr.To(intstr.FromInt32(2)),
		},
	}
	require.NoError(t, e.tenant.Create(t.Context(), guard), "no workload yet: the budget has no pods to count")

	const denial = "pdb-allows-disruption: PDB guard (minAvailable 2) allows no disruption of its 2 pods"
	d := compliantDeployment(ns, "ledger") // 2 replicas
	var err error
	require.Eventually(t, func() bool {
		// Ballast learns of the budget from its informer cache, a moment
		// after the API server stored it.
		err = e.tenant.Create(t.Context(), d.DeepCopy(), client.DryRunAll)
		return err != nil && strings.Contains(err.Error(), denial)
	}, waitTimeout, pollInterval, "Ballast never judges Deployment ledger against PDB guard (last: %v)", err)
	assert.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)

	d.Spec.Replicas = ptr.To[int32](3)
	require.NoError(t, e.tenant.Create(t.Context(), d), "3 pods under minAvailable 2: one may go")
	scale := &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: 2}}
	err = e.tenant.SubResource("scale").Update(t.Context(), d, client.WithSubResourceBody(scale))
	require.Error(t, err, "scaling down until the budget allows no disruption is denied")
	assert.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
	assert.Contains(t, err.Error(), denial)
}
