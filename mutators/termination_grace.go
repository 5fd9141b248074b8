package mutators

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// TerminationGrace is the termination-grace mutator, for the rule of the
// same name.
//
// **Sets:** spec.terminationGracePeriodSeconds to the longest preStop
// sleep in the pod plus rules.termination-grace.shutdownBudgetSeconds
// (default 25). The sleep is read by workload.PreStopSleepSeconds (the
// native action, or an exec of `sleep N`); a preStop hook that does
// something else counts as 0 s, as its length cannot be known.
//
// **When:** the grace period (unset means 30, the API server's default) is
// shorter than that sum, while podDefaults.terminationGracePeriod is
// enabled (default). With the default sleep of 5 s and budget of 25 s the
// sum is the API server's default, so a pod that leaves the period unset
// keeps it unset.
//
// **Not when:** the grace period already covers the sum: it is never
// lowered. Nor when no container sleeps: then there is no sleep to make
// room for, and a period the owner chose (calico-node's deliberate 0, say)
// is theirs; the termination-grace rule still reports a period shorter
// than the budget on the workload.
//
// **Why:** the kubelet counts the preStop hook against the grace period
// and kills the containers when the period runs out. A 30 s period with a
// 20 s sleep leaves the app 10 s to finish its in-flight requests and
// close its connections; the kill turns the rest into errors. This is the
// one pod default that raises a value the owner set, because a period
// shorter than sleep + budget cuts the very shutdown the sleep makes room
// for; the termination-grace rule reports the same shortfall on the
// workload.
//
// It must run after PreStopSleep, so that it counts the sleep injected.
type TerminationGrace struct{}

// ID returns "termination-grace".
func (TerminationGrace) ID() string { return "termination-grace" }

// RuleID returns "termination-grace".
func (TerminationGrace) RuleID() string { return policy.RuleTerminationGrace }

// Apply raises the termination grace period.
func (m TerminationGrace) Apply(t Target, spec *policy.Spec) []Change {
	if !*spec.PodDefaults.TerminationGracePeriod.Enabled || t.Spec == nil {
		return nil
	}
	sleep := longestPreStopSleep(t.Spec)
	if sleep == 0 {
		return nil
	}
	was, want := gracePeriodSeconds(t.Spec), sleep+int64(spec.Rules.TerminationGrace.ShutdownBudgetSeconds)
	if was >= want {
		return nil
	}
	t.Spec.TerminationGracePeriodSeconds = new(want)
	msg := "terminationGracePeriodSeconds " + strconv.FormatInt(was, 10) + " -> " + strconv.FormatInt(want, 10)
	return []Change{newChange(m, "", t.SpecPath.Child("terminationGracePeriodSeconds"), msg, want)}
}

// longestPreStopSleep returns the longest preStop sleep of the pod's
// containers, 0 when none of them sleeps.
func longestPreStopSleep(spec *corev1.PodSpec) int64 {
	var longest int32
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range cs {
			longest = max(longest, workload.PreStopSleepSeconds(&cs[i]))
		}
	}
	return int64(longest)
}
