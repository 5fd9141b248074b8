package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
)

// testDisruptionRules: in an enforce namespace, an HPA that may scale down
// to one replica and a PodDisruptionBudget that allows no disruption (and
// so blocks every drain) are denied; their fixed versions are admitted.
func testDisruptionRules(t *testing.T, e *env) {
	labels := modeLabel(policy.ModeEnforce)
	ns := e.namespace(t, "disruption", labels, policy.ModeEnforce)

	t.Run("an HPA with minReplicas 1 is denied", func(t *testing.T) {
		hpa := &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:    ptr.To[int32](1),
				MaxReplicas:    5,
			},
		}
		err := e.tenant.Create(t.Context(), hpa)
		require.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
		assert.Contains(t, err.Error(), e.expectedDecision(t, hpa, labels).DenyMessage)
		assert.Contains(t, err.Error(), "\n- hpa-min-replicas: ")

		hpa.Spec.MinReplicas = ptr.To[int32](2)
		require.NoError(t, e.tenant.Create(t.Context(), hpa), "minReplicas 2 is admitted")
	})

	t.Run("a PodDisruptionBudget with maxUnavailable 0 is denied", func(t *testing.T) {
		pdb := &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: policyv1.PodDisruptionBudgetSpec{
				Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				MaxUnavailable: ptr.To(intstr.FromInt32(0)),
			},
		}
		err := e.tenant.Create(t.Context(), pdb)
		require.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
		assert.Contains(t, err.Error(), e.expectedDecision(t, pdb, labels).DenyMessage)
		assert.Contains(t, err.Error(), "\n- pdb-allows-disruption: ")

		pdb.Spec.MaxUnavailable = ptr.To(intstr.FromInt32(1))
		require.NoError(t, e.tenant.Create(t.Context(), pdb), "maxUnavailable 1 is admitted")
	})
}
