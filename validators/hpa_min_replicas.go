package validators

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
A HorizontalPodAutoscaler never scales its workload below the replica count
that survives a node drain: at night, the HPA would otherwise scale a
Deployment that has 2 replicas down to 1.

**Checked Fields:**

spec.minReplicas

**Allowed Values:**

at least rules.hpa-min-replicas.minimum (default 2); unset means 1, as the
API defaults it.
0: scaling to zero (the HPAScaleToZero feature) is a deliberate choice, as
spec.replicas: 0 is for min-replicas.

**Fix:**

minReplicas: 2, and maxReplicas: 2 or more, since maxReplicas may not be
below minReplicas.
*/

func hpaMinReplicasRule() Rule {
	return Rule{
		ID:            policy.RuleHPAMinReplicas,
		Summary:       "HorizontalPodAutoscalers keep at least 2 replicas (minReplicas).",
		DefaultAction: policy.ActionDeny,
		Kinds:         []string{workload.KindHPA},
		Check:         checkHPAMinReplicas,
	}
}

func checkHPAMinReplicas(t *Target) []Finding {
	hpa, ok := t.Object.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return nil
	}
	n, minimum := workload.HPAMinReplicas(hpa), t.Settings.Spec.Rules.HPAMinReplicas.Minimum
	if n == 0 || n >= minimum {
		return nil
	}
	return []Finding{{
		Rule:    policy.RuleHPAMinReplicas,
		Field:   "spec.minReplicas",
		Message: fmt.Sprintf("minReplicas %d is below the minimum of %d: one drain can stop the service", n, minimum),
		Fix:     hpaMinReplicasFix(hpa, minimum),
	}}
}
