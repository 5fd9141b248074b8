package validators

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
The termination grace period covers the preStop sleep and the app's own
shutdown after it. The kubelet kills the containers when the period ends,
whatever they are doing: a period shorter than the sleep plus the shutdown
cuts in-flight requests, or stops the sleep before traffic has moved away.

**Checked Fields:**

spec.template.spec.terminationGracePeriodSeconds (unset: 30)
spec.template.spec.{containers,initContainers}[*].lifecycle.preStop: the
longest sleep among them, read by workload.PreStopSleepSeconds.

**Allowed Values:**

at least the longest preStop sleep + rules.termination-grace.
shutdownBudgetSeconds (default 25). A preStop hook that is not a sleep
counts as 0 seconds, as its length cannot be known.

**Not Checked:**

pods with no preStop sleep and no regular container that serves traffic
(podspec.ServingPort): there is no traffic to drain, Ballast injects no
sleep there, and a short period (a node agent's 0) may be deliberate.

**Fix:**

terminationGracePeriodSeconds: sleep + budget, e.g. 30 for a 5 s sleep and
the default budget.
*/

func terminationGraceRule() Rule {
	return Rule{
		ID:            policy.RuleTerminationGrace,
		Summary:       "terminationGracePeriodSeconds covers the longest preStop sleep plus the shutdown budget.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet, workload.KindReplicaSet, workload.KindReplicationController},
		Check:         checkTerminationGrace,
	}
}

func checkTerminationGrace(t *Target) []Finding {
	spec := t.Template.Spec
	if spec == nil {
		return nil
	}
	var sleep int32
	var sleeper *corev1.Container
	for _, c := range everyContainer(spec) {
		if n := workload.PreStopSleepSeconds(c); n > sleep {
			sleep, sleeper = n, c
		}
	}
	if sleep == 0 && !servesTraffic(spec) {
		return nil
	}
	grace := ptr.Deref(spec.TerminationGracePeriodSeconds, corev1.DefaultTerminationGracePeriodSeconds)
	budget := t.Settings.Spec.Rules.TerminationGrace.ShutdownBudgetSeconds
	need := int64(sleep) + int64(budget)
	if grace >= need {
		return nil
	}
	f := Finding{
		Rule:    policy.RuleTerminationGrace,
		Field:   t.Template.SpecPath.Child("terminationGracePeriodSeconds").String(),
		Message: fmt.Sprintf("terminationGracePeriodSeconds %d < %ds shutdown budget", grace, budget),
		Fix:     fmt.Sprintf("set terminationGracePeriodSeconds: %d", need),
	}
	if sleeper != nil {
		f.Container = sleeper.Name
		f.Message = fmt.Sprintf("terminationGracePeriodSeconds %d < %ds preStop sleep + %ds shutdown budget", grace, sleep, budget)
	}
	return []Finding{f}
}

// servesTraffic reports whether a regular container of spec serves traffic.
func servesTraffic(spec *corev1.PodSpec) bool {
	for _, c := range regularContainers(spec) {
		if podspec.ServesTraffic(c) {
			return true
		}
	}
	return false
}
