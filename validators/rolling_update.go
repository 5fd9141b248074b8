package validators

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
A Deployment's rollouts keep some replicas serving: a rollout that stops
every replica before the new ones are ready is an outage on every deploy.

**Checked Fields:**

spec.strategy.type
spec.strategy.rollingUpdate.{maxUnavailable,maxSurge} (unset: 25% each)
when the Deployment runs 1 or more effective replicas (see
workload.EffectiveReplicas).

**Allowed Values:**

RollingUpdate (the default) whose maxUnavailable, scaled to the replica
count and rounded down, is below that count, as the deployment controller
resolves it: when maxSurge (rounded up) and maxUnavailable both come to 0,
the controller takes 1 down. With 1 replica the default rolling update
starts the new pod before it stops the old one, so the rule applies to
single replicas too: Recreate, or maxUnavailable 1 with maxSurge 0, is an
avoidable outage on every rollout whatever the replica count.
Recreate is not allowed. A workload that needs it (one pod at a time on a
ReadWriteOnce volume) belongs in a namespace where the rule is off.

**Fix:**

strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
*/

func rollingUpdateRule() Rule {
	return Rule{
		ID:            policy.RuleRollingUpdate,
		Summary:       "Deployment rollouts never stop every replica at once.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{workload.KindDeployment},
		Check:         checkRollingUpdate,
	}
}

// fixRollingUpdate is the fix of every rolling-update finding.
const fixRollingUpdate = "set strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}"

// defaultRollingUpdateBound is the API default of maxSurge and
// maxUnavailable. It is never modified.
var defaultRollingUpdateBound = intstr.FromString("25%")

func checkRollingUpdate(t *Target) []Finding {
	d, ok := t.Object.(*appsv1.Deployment)
	if !ok {
		return nil
	}
	n, _ := workload.EffectiveReplicas(&t.Workload, t.Related.HPAs)
	if n == 0 {
		return nil
	}
	switch d.Spec.Strategy.Type {
	case appsv1.RecreateDeploymentStrategyType:
		return []Finding{{
			Rule:    policy.RuleRollingUpdate,
			Field:   "spec.strategy.type",
			Message: "strategy Recreate stops every replica before the new ones start",
			Fix:     fixRollingUpdate,
		}}
	case "", appsv1.RollingUpdateDeploymentStrategyType:
	default:
		return nil
	}
	maxSurge, maxUnavailable := &defaultRollingUpdateBound, &defaultRollingUpdateBound
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		if ru.MaxSurge != nil {
			maxSurge = ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			maxUnavailable = ru.MaxUnavailable
		}
	}
	surge, err := intstr.GetScaledValueFromIntOrPercent(maxSurge, int(n), true)
	if err != nil {
		return nil
	}
	unavailable, err := intstr.GetScaledValueFromIntOrPercent(maxUnavailable, int(n), false)
	if err != nil {
		return nil
	}
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	if unavailable < int(n) {
		return nil
	}
	return []Finding{{
		Rule:    policy.RuleRollingUpdate,
		Field:   "spec.strategy.rollingUpdate",
		Message: "rollouts may stop every replica at once (maxUnavailable " + maxUnavailable.String() + ", maxSurge " + maxSurge.String() + ")",
		Fix:     fixRollingUpdate,
	}}
}
