package validators

import (
	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
A container that serves traffic waits before it stops. When a pod is
deleted, the kubelet signals its containers at the same moment as the
endpoints controller removes the pod from its Services; kube-proxy, ingress
controllers and load balancers learn of it a few seconds later and keep
sending it requests meanwhile. A preStop sleep keeps the container serving
until they have, so a rollout or a drain causes no 5xx.

**Checked Fields:**

spec.template.spec.containers[*].lifecycle.preStop, for the containers that
serve traffic (podspec.ServingPort).

**Allowed Values:**

any preStop handler: sleep, exec or httpGet.

**Not Checked:**

Init containers cannot have one. Native sidecars are stopped only after the
regular containers have exited, so they keep serving through the others'
shutdown.

**Fix:**

lifecycle: {preStop: {sleep: {seconds: 5}}}; before Kubernetes 1.30, which
drops the sleep action, an exec of sleep, which needs a sleep binary in the
image. The grace period must cover the sleep: see termination-grace.
*/

func preStopHookRule() Rule {
	return Rule{
		ID:            policy.RulePreStopHook,
		Summary:       "Containers that serve traffic have a preStop hook, so that they drain before they stop.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet, workload.KindReplicaSet, workload.KindReplicationController},
		Check:         checkPreStopHook,
	}
}

func checkPreStopHook(t *Target) []Finding {
	if t.Template.Spec == nil {
		return nil
	}
	var out []Finding
	for s, c := range regularContainers(t.Template.Spec) {
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil || !podspec.ServesTraffic(c) {
			continue
		}
		out = append(out, t.containerFinding(policy.RulePreStopHook, s, c, "lifecycle.preStop",
			containerLabel(c.Name)+" serves traffic but has no preStop hook to drain it",
			`add lifecycle: {preStop: {sleep: {seconds: 5}}} (exec ["sleep", "5"] before Kubernetes 1.30)`))
	}
	return out
}
