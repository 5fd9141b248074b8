package validators

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
A Deployment or StatefulSet runs enough replicas that one node drain, node
failure or crashing pod does not stop the service.

**Checked Fields:**

spec.replicas
spec.minReplicas of the HorizontalPodAutoscaler that targets the workload

**Allowed Values:**

at least rules.min-replicas.minimum (default 2) effective replicas: see
workload.EffectiveReplicas. When an HPA targets the workload, its minReplicas counts
(unset: 1), since the HPA may scale down to it, and the finding names the
HPA's field.
0: a workload scaled to zero on purpose runs nothing to protect.

**Fix:**

spec.replicas: 2, or minReplicas: 2 on the HPA.
*/

func minReplicasRule() Rule {
	return Rule{
		ID:            policy.RuleMinReplicas,
		Summary:       "Deployments and StatefulSets run at least 2 replicas, counting an HPA's minReplicas.",
		DefaultAction: policy.ActionDeny,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindReplicaSet, workload.KindReplicationController},
		ReplicasOnly:  true,
		Check:         checkMinReplicas,
	}
}

func checkMinReplicas(t *Target) []Finding {
	n, hpa := workload.EffectiveReplicas(&t.Workload, t.Related.HPAs)
	minimum := t.Settings.Spec.Rules.MinReplicas.Minimum
	if n == 0 || n >= minimum {
		return nil
	}
	if hpa != nil {
		return []Finding{{
			Rule:    policy.RuleMinReplicas,
			Field:   workload.KindHPA + " " + hpa.Name + " spec.minReplicas",
			Message: fmt.Sprintf("its HPA may scale it down to %s, below the minimum of %d", count(n, "replica"), minimum),
			Fix:     hpaMinReplicasFix(hpa, minimum) + " in " + workload.KindHPA + " " + hpa.Name,
		}}
	}
	return []Finding{{
		Rule:    policy.RuleMinReplicas,
		Field:   "spec.replicas",
		Message: fmt.Sprintf("runs %s, below the minimum of %d: a node drain stops the service", count(n, "replica"), minimum),
		Fix:     fmt.Sprintf("set spec.replicas: %d", minimum),
	}}
}

// hpaMinReplicasFix returns the fix that raises an HPA's minReplicas to
// minimum, raising maxReplicas too when it is below, as the API requires
// minReplicas <= maxReplicas.
func hpaMinReplicasFix(hpa *autoscalingv2.HorizontalPodAutoscaler, minimum int32) string {
	if hpa.Spec.MaxReplicas < minimum {
		return fmt.Sprintf("set minReplicas: %d and maxReplicas: %d", minimum, minimum)
	}
	return fmt.Sprintf("set minReplicas: %d", minimum)
}

// count returns "1 NOUN" or "N NOUNs".
func count(n int32, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
